#include "server/trigger_loop.h"

#include <cstdlib>
#include <set>

#include "server/controller.h"

namespace fs = std::filesystem;

namespace sluice::server {
namespace {

constexpr std::time_t kRefreshWithoutPolling = 60;  // seconds between ref reads, polling off

std::string format_time(std::time_t t) {
  char text[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

plan::Event to_plan_event(triggers::TriggerEvent event) {
  plan::Event out;
  out.name = std::move(event.name);
  out.ref = std::move(event.ref);
  out.sha = std::move(event.sha);
  out.changed_paths = std::move(event.changed_paths);
  out.payload = std::move(event.payload);
  return out;
}

triggers::WatchedRepository watched_repository(const ProjectConfig& project) {
  return triggers::WatchedRepository{project.name, project.repository, project.branches,
                                     project.tags};
}

std::time_t trigger_clock_now() {
  std::time_t now = std::time(nullptr);
  // Test-only: integration tests move the clock to a schedule's minute.
  if (const char* offset = std::getenv("SLUICE_TEST_CLOCK_OFFSET_SECONDS"); offset && *offset)
    now += std::strtoll(offset, nullptr, 10);
  return now;
}

TriggerLoop::TriggerLoop(Controller& controller, TriggerLoopOptions options)
    : controller_(controller),
      options_(std::move(options)),
      poller_(options_.state_dir / "mirrors") {
  if (!options_.now) options_.now = trigger_clock_now;
  if (!options_.fire)
    options_.fire = [this](const std::string& project, plan::Event event) {
      return controller_.trigger(project, std::move(event));
    };
}

TriggerLoop::~TriggerLoop() {
  stop();
}

Status TriggerLoop::load_state() {
  fs::path file = options_.state_dir / "state.json";
  Result<triggers::TriggerState> loaded = triggers::TriggerState::load(file);
  if (!loaded.ok()) {
    std::error_code ec;
    fs::rename(file, fs::path(file.string() + ".corrupt"), ec);
    log("triggers: " + loaded.error().message + "; moved aside, starting afresh");
    loaded = triggers::TriggerState::load(file);
    if (!loaded.ok()) return loaded.error();
  }
  std::set<std::string> names;
  for (const ProjectConfig& p : controller_.projects()) names.insert(p.name);
  loaded->retain_projects(names);
  std::lock_guard lock(mutex_);
  state_ = std::make_unique<triggers::TriggerState>(std::move(*loaded));
  saved_revision_ = 0;
  save_locked();  // projects removed from the configuration are forgotten on disk too
  return {};
}

Status TriggerLoop::start() {
  if (Status loaded = load_state(); !loaded.ok()) return loaded;
  thread_ = std::thread([this] {
    std::unique_lock lock(stop_mutex_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      stop_cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
    }
  });
  return {};
}

void TriggerLoop::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TriggerLoop::tick() {
  if (!state_ && !load_state().ok()) return;
  std::time_t now = options_.now();
  for (const ProjectConfig& project : controller_.projects()) {
    ProjectTrack& track = tracks_[project.name];
    if (now >= track.next_read) poll_project(project, track, now);
    refresh_schedules(project, track);
  }
  fire_schedules(now);
}

void TriggerLoop::poll_project(const ProjectConfig& project, ProjectTrack& track, std::time_t now) {
  bool polling = project.poll_interval_seconds > 0;
  track.next_read = now + (polling ? project.poll_interval_seconds : kRefreshWithoutPolling);
  triggers::WatchedRepository repo = watched_repository(project);
  triggers::RefMap previous;
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    const triggers::RememberedRefs* remembered = state_->refs(project.name);
    if (remembered && remembered->repository == project.repository) {
      previous = remembered->refs;
      known = true;
    }
  }
  Result<triggers::PollResult> result = poller_.poll(repo, known ? &previous : nullptr);
  if (!result.ok()) {
    log("triggers: " + project.name + ": " + result.error().message);
    return;
  }
  const triggers::RepositoryRefs& current = result->current;
  if (!current.default_branch.empty()) {
    track.default_ref = "refs/heads/" + current.default_branch;
    auto head = current.refs.find(track.default_ref);
    track.default_sha = head == current.refs.end() ? "" : head->second;
  }
  std::vector<triggers::TriggerEvent> to_fire;
  {
    std::lock_guard lock(mutex_);
    // A webhook may have claimed some of these pushes while git ran: those are done.
    const triggers::RememberedRefs* now_remembered = state_->refs(project.name);
    for (triggers::TriggerEvent& event : result->events) {
      if (!polling) break;
      auto it = now_remembered ? now_remembered->refs.find(event.ref)
                               : triggers::RefMap::const_iterator();
      std::string after = event.payload.get("after").to_string();
      if (now_remembered && it != now_remembered->refs.end() && it->second == after) continue;
      to_fire.push_back(std::move(event));
    }
    state_->set_refs(project.name, {project.repository, current.refs});
    save_locked();
  }
  if (result->first_sight)
    log("triggers: " + project.name + ": first sight of " + project.repository + " (" +
        std::to_string(current.refs.size()) + " refs recorded, nothing fires)");
  for (triggers::TriggerEvent& event : to_fire) fire(project.name, std::move(event));
}

void TriggerLoop::refresh_schedules(const ProjectConfig& project, ProjectTrack& track) {
  if (track.default_sha.empty() || track.default_sha == track.schedules_sha) return;
  track.schedules_sha = track.default_sha;
  track.schedules.clear();
  Result<std::vector<WorkflowInfo>> workflows = controller_.workflows(project.name);
  if (!workflows.ok()) {
    log("triggers: " + project.name + ": cannot list workflows: " + workflows.error().message);
    return;
  }
  for (const WorkflowInfo& workflow : *workflows) {
    for (const std::string& line : workflow.schedules) {
      Result<triggers::CronSchedule> cron = triggers::CronSchedule::parse(line);
      if (cron.ok()) track.schedules.push_back({project.name, workflow.file, *cron});
    }
  }
}

void TriggerLoop::fire_schedules(std::time_t now) {
  std::vector<triggers::ScheduleEntry> entries;
  for (const auto& [name, track] : tracks_)
    entries.insert(entries.end(), track.schedules.begin(), track.schedules.end());
  std::vector<triggers::DueSchedule> due;
  {
    std::lock_guard lock(mutex_);
    due = triggers::collect_due_schedules(entries, now, *state_);
    save_locked();  // before firing: a crash loses a scheduled run rather than repeating it
  }
  for (const triggers::DueSchedule& d : due) {
    const ProjectTrack& track = tracks_[d.project];
    triggers::TriggerEvent event;
    event.name = "schedule";
    event.ref = track.default_ref;
    event.sha = track.default_sha;
    event.payload.set("schedule", d.cron_text);
    if (d.missed)
      log("triggers: " + d.project + ": schedule '" + d.cron_text + "' was due at " +
          format_time(d.scheduled_for) + " (missed while down): fires once now");
    fire(d.project, std::move(event));
  }
}

void TriggerLoop::fire(const std::string& project, triggers::TriggerEvent event) {
  std::string what = event.name + " " + event.ref + " " + event.sha.substr(0, 12);
  if (event.name == "schedule") what += " '" + event.payload.get("schedule").to_string() + "'";
  Result<std::vector<int64_t>> runs = options_.fire(project, to_plan_event(std::move(event)));
  if (!runs.ok()) {
    log("triggers: " + project + ": " + what + ": " + runs.error().message);
    return;
  }
  std::string ids;
  for (int64_t id : *runs) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  log("triggers: " + project + ": " + what + " -> runs [" + ids + "]");
}

bool TriggerLoop::claim_push(const std::string& project, const std::string& ref,
                             const std::string& after) {
  std::lock_guard lock(mutex_);
  if (!state_) return true;
  const triggers::RememberedRefs* remembered = state_->refs(project);
  if (!remembered) return true;  // never polled: the first poll records the refs
  auto it = remembered->refs.find(ref);
  if (it != remembered->refs.end() && it->second == after) return false;
  triggers::RememberedRefs updated = *remembered;
  updated.refs[ref] = after;
  state_->set_refs(project, std::move(updated));
  save_locked();
  return true;
}

void TriggerLoop::save_locked() {
  if (state_->revision() == saved_revision_) return;
  if (Status saved = state_->save(); !saved.ok()) {
    log("triggers: " + saved.error().message);
    return;
  }
  saved_revision_ = state_->revision();
}

void TriggerLoop::log(const std::string& line) {
  if (!options_.log) return;
  std::string masked = controller_.mask(line);  // a secret may be in a git error
  std::lock_guard lock(log_mutex_);
  *options_.log << masked << std::endl;
}

}  // namespace sluice::server

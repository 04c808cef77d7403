#include "agent/agent.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/agent_paths.h"
#include "agent/held_delivery.h"
#include "agent/workspace_archive.h"
#include "core/secret_masker.h"
#include "exec/step_files.h"
#include "store/run_recovery.h"

namespace sluice::agent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kApi = "/api/v1/agent/";

// The job scope the agent's executor knows a lease's steps by: the controller's with the
// lease id, so that what the job's steps leave (processes, containers, networks: the names
// of exec/container/ hash the scope and the work dir) is the lease's alone, apart from
// another agent's on this machine and from the controller's own jobs, where the run ids
// and job keys are the same.
std::string executor_scope(const LeaseMessage& lease) {
  return lease.job_scope + "@" + lease.lease_id;
}

// The lease of an executor scope; "" when it is none.
std::string lease_of_scope(const std::string& scope) {
  size_t at = scope.rfind('@');
  std::string id = at == std::string::npos ? "" : scope.substr(at + 1);
  return valid_id(id) ? id : "";
}

std::string arch_label() {
  utsname u{};
  std::string m = uname(&u) == 0 ? u.machine : "";
  if (m == "x86_64" || m == "amd64") return "x64";
  if (m == "aarch64" || m == "arm64") return "arm64";
  return m.empty() ? "x64" : m;
}

}  // namespace

Agent::Agent(AgentOptions options, ChannelFactory channels, engine::Executor& executor)
    : options_(std::move(options)),
      channels_(std::move(channels)),
      executor_(executor),
      outbox_(options_.outbox_limit_bytes),
      // A spare lease directory per executor, and as many again for a second commit.
      trees_((fs::path(options_.work_dir) / "trees").string(), 8,
             2 * static_cast<size_t>(std::max(1, options_.executors))),
      runtime_(
          options_.runtime_address, channels_,
          [this] {
            std::lock_guard lock(mutex_);
            return headers();
          },
          options_.work_dir.empty() ? "" : (fs::path(options_.work_dir) / "relay").string()) {}

Agent::~Agent() = default;

void Agent::say(const std::string& text) const {
  if (options_.log) options_.log(text);
}

void Agent::wait(const std::atomic<bool>& stop, int64_t ms) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stop.load(); });
}

Headers Agent::headers() const {
  Headers h{{"Authorization", "Bearer " + options_.token}};
  if (!session_.empty()) h.emplace_back("X-Sluice-Agent-Session", session_);
  return h;
}

int Agent::run(const std::atomic<bool>& stop) {
  std::error_code ec;
  fs::create_directories(fs::path(options_.work_dir) / "leases", ec);
  fs::create_directories(fs::path(options_.work_dir) / "tool-cache", ec);
  // The steps' command files on tmpfs, as `sluice run` keeps them: seven files made and
  // removed per step cost more than the rest of the step's set-up on ext4 (inode
  // allocation, BENCHMARKS.md). Private to this user (they hold secrets); named like
  // `sluice run`'s, so that a later sluice removes those of an agent that was killed.
  if (!options_.step_files_root.empty()) {
    // (The work dir stands for a data dir: it has no tmp/ or owners/ to sweep.)
    store::remove_leftovers(fs::path(options_.work_dir), options_.step_files_root);
    std::string dir = options_.step_files_root + "/sluice-" + std::to_string(getpid()) + "-" +
                      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
    if (exec::create_private_directory(dir).ok()) step_files_dir_ = dir;
  }
  bool refused = false;
  if (!register_agent(stop, refused)) {
    if (!step_files_dir_.empty()) fs::remove_all(step_files_dir_, ec);
    return refused ? 1 : 0;
  }
  std::thread heartbeats([&] { heartbeat_loop(stop); });
  std::thread outbox([&] { outbox_loop(stop); });
  poll_loop(stop);
  {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  }
  heartbeats.join();
  outbox.join();
  executor_.kill_all();
  if (auto channel = channels_(); channel.ok()) {
    Headers h;
    std::string target;
    {
      std::lock_guard lock(mutex_);
      h = headers();
      target = std::string(kApi) + "agents/" + agent_id_ + "/deregister";
    }
    (void)(*channel)->call("POST", target, "{}", h, 2000);
  }
  lose_all_leases();
  if (!step_files_dir_.empty()) fs::remove_all(step_files_dir_, ec);
  return 0;
}

bool Agent::register_agent(const std::atomic<bool>& stop, bool& refused) {
  RegisterRequest m;
  m.name = options_.name;
  m.version = options_.version;
  m.executors = options_.executors;
  m.labels = options_.labels;
  m.features = {kFeatureContainers};
  for (std::string l : {std::string("linux"), arch_label()})
    if (std::find(m.labels.begin(), m.labels.end(), l) == m.labels.end()) m.labels.push_back(l);
  int64_t backoff = 100;
  while (!stop) {
    auto channel = channels_();
    if (!channel.ok()) {
      say("error: " + channel.error().message);
      refused = true;
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      m.held = held_steps(leases_, outbox_);  // what is held now (a step may have ended meanwhile)
    }
    Headers h{{"Authorization", "Bearer " + options_.token}};
    auto reply = (*channel)->call("POST", std::string(kApi) + "register", encode(m), h, 10000);
    if (reply.ok() && reply->status == 200) {
      auto r = parse_register_reply(reply->body);
      if (r.ok()) {
        std::vector<std::pair<std::string, std::string>> refused_leases;
        {
          std::lock_guard lock(mutex_);
          agent_id_ = r->agent_id;
          session_ = r->session;
          registration_ = *r;
          ++generation_;
          refused_leases = apply_verdicts(leases_, outbox_, *r);
          wake_.notify_all();
        }
        say("registered with " + options_.server + " as " + r->agent_id);
        for (const auto& [id, why] : refused_leases) {
          say("lease " + id + ": the controller does not take what it holds (" + why + ")");
          end_lease(id, true);
        }
        return true;
      }
      say("error: the controller's registration reply is not valid: " + r.error().message);
    } else if (reply.ok() &&
               (reply->status == 400 || reply->status == 401 || reply->status == 403)) {
      say("error: the controller refused the agent (HTTP " + std::to_string(reply->status) +
          "): " + reply->body);
      refused = true;
      return false;
    } else {
      say("cannot register (" +
          (reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.error().message) +
          "); retrying");
    }
    wait(stop, backoff);
    backoff = std::min<int64_t>(backoff * 2, 5000);
  }
  return false;
}

void Agent::poll_loop(const std::atomic<bool>& stop) {
  auto opened = channels_();
  if (!opened.ok()) return;
  std::unique_ptr<Channel> channel = std::move(*opened);
  int64_t backoff = 100, idle = 0;
  while (!stop) {
    Headers h;
    std::string target;
    int64_t wait_ms;
    {
      std::lock_guard lock(mutex_);
      h = headers();
      target = std::string(kApi) + "agents/" + agent_id_ + "/poll";
      wait_ms = std::min(registration_.poll_wait_ms, options_.max_poll_wait_ms);
    }
    auto started = std::chrono::steady_clock::now();
    auto reply = channel->call("POST", target, encode(PollRequest{wait_ms}), h,
                               static_cast<int>(wait_ms + 15000));
    if (stop) break;
    std::string code = reply.ok() ? error_code(reply->body) : "";
    if (reply.ok() && (reply->status == 404 || reply->status == 401 || code == "unknown_agent")) {
      say("the controller no longer knows this agent (it restarted?); registering again");
      {
        std::lock_guard lock(mutex_);
        hold_leases(leases_);
      }
      bool refused = false;
      if (!register_agent(stop, refused)) return;
      continue;
    }
    if (!reply.ok() || reply->status != 200) {
      say("poll failed (" +
          (reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.error().message) +
          "); retrying");
      wait(stop, backoff);
      backoff = std::min<int64_t>(backoff * 2, 5000);
      continue;
    }
    backoff = 100;
    auto messages = parse_poll_reply(reply->body);
    if (!messages.ok()) {
      say("error: a poll reply is not valid: " + messages.error().message);
      wait(stop, 1000);
      continue;
    }
    for (const ControllerMessage& m : *messages) handle(m, *channel);
    // A controller that cannot hold polls answers at once: do not spin.
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (messages->empty() && elapsed < std::chrono::milliseconds(wait_ms / 2)) {
      idle = std::min<int64_t>(idle ? idle * 2 : 50, 400);
      wait(stop, idle);
    } else {
      idle = 0;
    }
  }
}

void Agent::handle(const ControllerMessage& m, Channel& channel) {
  switch (m.type) {
    case ControllerMessage::Type::kLease:
      return open_lease(m.lease, channel);
    case ControllerMessage::Type::kStep:
      return start_step(m.step, channel);
    case ControllerMessage::Type::kCancel: {
      engine::ExecutionId id = 0;
      {
        std::lock_guard lock(mutex_);
        auto lease = leases_.find(m.lease_id);
        if (lease == leases_.end()) return;
        auto step = lease->second->running.find(m.step_id);
        if (step == lease->second->running.end()) return;
        id = step->second;
      }
      if (id) executor_.cancel(id);
      return;
    }
    case ControllerMessage::Type::kEndJob:
      return end_lease(m.lease_id, false);
  }
}

void Agent::open_lease(const LeaseMessage& message, Channel& channel) {
  bool clash = false;
  {
    std::lock_guard lock(mutex_);
    clash = leases_.count(message.lease_id) > 0;
  }
  if (clash) {  // an earlier controller's lease of that id, still held: it cannot stay
    say("lease " + message.lease_id + ": a new lease has its id; the held one ends");
    end_lease(message.lease_id, true);
  }
  auto lease = std::make_unique<Lease>();
  lease->message = message;
  lease->dir = (fs::path(options_.work_dir) / "leases" / message.lease_id).string();
  for (const std::string& s : message.secrets) lease->masker->add(s);
  for (const std::string& v : lease->masker->registered()) lease->known_masks.insert(v);
  std::string workspace = lease->dir + "/workspace", temp = lease->dir + "/temp";
  remove_lease_tree(lease->dir);
  std::error_code ec;
  // A commit's tree: the lease directory comes from the cache (a spare one when it can).
  const bool cached_tree = !message.workspace_sha256.empty() && !message.workspace_url.empty();
  if (!cached_tree)
    for (const std::string& d : {workspace, temp}) fs::create_directories(d, ec);
  if (ec) lease->setup_error = "cannot create " + lease->dir + ": " + ec.message();
  // The lease's own directory for its steps' command files (its containers mount it): on
  // tmpfs when the agent has one.
  lease->step_files_dir = step_files_dir_.empty() ? lease->dir + "/step-files"
                                                  : step_files_dir_ + "/" + message.lease_id;
  const char* home = std::getenv("HOME");
  lease->to_agent.add(message.roots.workspace, workspace);
  lease->to_agent.add(message.roots.temp, temp);
  lease->to_agent.add(message.roots.tool_cache, options_.work_dir + "/tool-cache");
  if (home) lease->to_agent.add(message.roots.home, home);
  lease->to_controller = lease->to_agent.reversed();
  if (lease->setup_error.empty() && !message.workspace_url.empty()) {
    Headers h;
    {
      std::lock_guard lock(mutex_);
      h = headers();
    }
    auto download = [&](const std::string& tar) {
      return channel.download(message.workspace_url, tar, h, 600000);
    };
    Status s;
    if (cached_tree) {
      s = trees_.open_lease(message.workspace_sha256, lease->dir, download);
    } else {
      std::string tar = lease->dir + "/workspace.tar";
      s = download(tar);
      if (s.ok()) s = extract_workspace_archive(tar, workspace);
      fs::remove(tar, ec);
    }
    if (!s.ok()) lease->setup_error = "cannot get the run's workspace: " + s.error().message;
  }
  if (!step_files_dir_.empty()) fs::remove_all(lease->step_files_dir, ec);
  if (lease->setup_error.empty() && !exec::create_private_directory(lease->step_files_dir).ok())
    lease->setup_error = "cannot create " + lease->step_files_dir;
  if (!lease->setup_error.empty()) say("lease " + message.lease_id + ": " + lease->setup_error);
  std::lock_guard lock(mutex_);
  leases_[message.lease_id] = std::move(lease);
}

// What the step reaches outside its directories: the run's runtime services through this
// agent's listener for the lease, the event payload in a file of the lease. mutex_ held.
void Agent::prepare_outside_world(Lease& lease, const StepMessage& message) {
  const std::string& lease_id = message.lease_id;
  bool changed = false;
  if (!message.runtime_origin.empty() && !lease.runtime_mapped) {
    lease.runtime_mapped = true;
    auto origin = runtime_.open(lease_id);
    if (origin.ok()) {
      lease.runtime_from = message.runtime_origin;
      lease.runtime_to = *origin;
    } else {
      say("lease " + lease_id + ": no runtime services: " + origin.error().message);
    }
  }
  if (!message.event_path.empty()) {
    std::string file = lease.step_files_dir + "/event.json";  // (tmpfs, as `sluice run`'s)
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << message.event;
    if (out) {
      lease.to_agent.add(message.event_path, file);
      changed = true;
    } else {
      say("lease " + lease_id + ": cannot write " + file);
    }
  }
  if (changed) lease.to_controller = lease.to_agent.reversed();
}

// On the poll thread, outside mutex_ (a download takes its time).
std::string Agent::fetch_action(const StepMessage& message, Channel& channel) {
  std::string dir;
  Headers h;
  {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(message.lease_id);
    if (it == leases_.end() || it->second->actions.count(message.action_path)) return "";
    dir = it->second->dir + "/actions/" + std::to_string(it->second->actions.size() + 1);
    h = headers();
  }
  std::string tar = dir + ".tar";
  std::error_code ec;
  fs::create_directories(dir, ec);
  Status s = channel.download(message.action_url, tar, h, 600000);
  if (s.ok()) s = extract_workspace_archive(tar, dir);
  fs::remove(tar, ec);
  if (!s.ok()) return "cannot get the action " + message.action_path + ": " + s.error().message;
  std::lock_guard lock(mutex_);
  auto it = leases_.find(message.lease_id);
  if (it == leases_.end()) return "";
  Lease& lease = *it->second;
  lease.actions.insert(message.action_path);
  lease.to_agent.add(message.action_path, dir);
  lease.to_controller = lease.to_agent.reversed();
  return "";
}

void Agent::start_step(const StepMessage& message, Channel& channel) {
  engine::StepRequest request = message.request;
  auto log = std::make_shared<StepLog>(message.lease_id, message.step_id);
  std::string action_error = message.action_path.empty() ? "" : fetch_action(message, channel);
  std::string setup_error;
  {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(message.lease_id);
    if (it == leases_.end()) return;  // lost meanwhile: nobody waits for the result
    Lease& lease = *it->second;
    setup_error = lease.setup_error.empty() ? action_error : lease.setup_error;
    prepare_outside_world(lease, message);
    // Registry passwords of the job's containers: masked here too (the controller knows them).
    if (request.containers) {
      std::vector<const engine::ContainerRequest*> all;
      if (request.containers->job) all.push_back(&*request.containers->job);
      for (const auto& service : request.containers->services) all.push_back(&service);
      for (const engine::ContainerRequest* c : all)
        if (!c->password.empty() && lease.known_masks.insert(c->password).second)
          lease.masker->add(c->password);
    }
    map_step_request(request, lease.to_agent, lease.step_files_dir);
    if (!lease.runtime_to.empty())
      for (auto& [name, value] : request.env)
        value = replace_origin(value, lease.runtime_from, lease.runtime_to);
    request.job_scope = executor_scope(lease.message);
    request.env["RUNNER_NAME"] = options_.name;  // the runner that runs it, as on GitHub
    request.masker = lease.masker;
    request.log = log;
    lease.running[message.step_id] = 0;
    lease.step_id = message.step_id;
    lease.step_index = message.step_index;
    lease.step_attempt = message.step_attempt;
    lease.step_proof = message.step_proof;
    lease.step_terms = message.request.held;
    lease.step_deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(message.request.held.timeout_ms);
    lease.step_timed_out = false;
    lease.step_log = log;
    lease.step_done = false;
    lease.last_result.clear();
    open_logs_.insert(log);
  }
  std::string lease_id = message.lease_id;
  int64_t step_id = message.step_id;
  if (!setup_error.empty()) {
    engine::StepOutcome o;
    o.error_message = setup_error;
    on_step_done(lease_id, step_id, log, std::move(o));
    return;
  }
  engine::ExecutionId id = executor_.start(
      std::move(request), [this, lease_id, step_id, log](engine::StepOutcome outcome) {
        on_step_done(lease_id, step_id, log, std::move(outcome));
      });
  std::lock_guard lock(mutex_);
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;
  auto step = it->second->running.find(step_id);
  if (step != it->second->running.end()) step->second = id;  // still running
}

// Executor thread (or the poll thread for a step that could not start).
void Agent::on_step_done(const std::string& lease_id, int64_t step_id, std::shared_ptr<StepLog> log,
                         engine::StepOutcome outcome) {
  std::lock_guard lock(mutex_);
  open_logs_.erase(log);
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;  // lost: its reports would be refused
  Lease& lease = *it->second;
  lease.running.erase(step_id);
  map_outcome(outcome, lease.to_controller);
  StepResult result;
  // The last lines ride in the result when the controller takes them there (one request
  // fewer per step), else they go as chunks before it.
  // (Not when lines were dropped: the marker goes first, as a chunk.)
  bool in_result =
      registration_.has(kFeatureResultLines) && !log->has_dropped() && log->take_rest(result.lines);
  if (!in_result) {
    outbox_.take_lines(*log);
    if (log->has_dropped()) outbox_.take_lines(*log, true);  // the marker of what was dropped
  }
  result.log_chunks = log->chunks();
  // The step's ::add-mask:: values: the controller masks them in its copy of what the job
  // reports and in the run's other jobs. What does not fit in one result (its body is at
  // most 1 MiB) goes with the next one.
  size_t mask_bytes = 0;
  for (std::string& v : lease.masker->registered()) {
    if (lease.known_masks.count(v) || result.masks.size() >= kMaxItems ||
        mask_bytes + v.size() > kMaxReportBody / 4)
      continue;
    mask_bytes += v.size();
    lease.known_masks.insert(v);
    result.masks.push_back(std::move(v));
  }
  result.outcome = std::move(outcome);
  result.timed_out = lease.step_id == step_id && lease.step_timed_out;
  std::string body = encode(result);
  if (body.size() > kMaxReportBody && !result.lines.empty()) {  // a big summary too: apart
    log->put_back(result.lines);
    outbox_.take_lines(*log);
    result.log_chunks = log->chunks();
    body = encode(result);
  }
  if (lease.step_id == step_id) {
    lease.step_done = true;
    // Offered again after a restart only when the old controller took it, lines and all.
    StepResult again = result;
    again.lines.clear();
    lease.last_result = result.lines.empty() ? body : encode(again);
  }
  outbox_.push(Report{0, lease_id, step_id, Report::Kind::kResult, 0, std::move(body)});
  wake_.notify_all();
}

void Agent::end_lease(const std::string& lease_id, bool lost) {
  std::unique_ptr<Lease> lease;
  std::vector<engine::ExecutionId> running;
  {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(lease_id);
    if (it == leases_.end()) return;
    lease = std::move(it->second);
    leases_.erase(it);
    for (const auto& [step, id] : lease->running)
      if (id) running.push_back(id);
    if (lost) outbox_.drop_if([&](const Report& r) { return r.lease_id == lease_id; });
  }
  if (lost) say("lease " + lease_id + " lost: its processes are killed");
  for (engine::ExecutionId id : running) executor_.cancel(id);
  executor_.end_job(executor_scope(lease->message));  // its containers too
  runtime_.close(lease_id);
  trees_.close_lease(lease->dir);            // kept for a later lease when its job changed nothing
  remove_lease_tree(lease->dir);             // what it could not remove (see remove_tree_fallback)
  remove_lease_tree(lease->step_files_dir);  // (gone with dir when it is under it)
}

void Agent::remove_lease_tree(const std::string& dir) const {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!ec || !options_.remove_tree_fallback) return;
  if (Status s = options_.remove_tree_fallback(dir); !s.ok())
    say("cannot remove " + dir + ": " + ec.message() + "; " + s.error().message);
}

void Agent::containers_started(const std::string& job_scope, const std::string& netns_path) {
  std::string lease_id = lease_of_scope(job_scope);
  {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(lease_id);
    if (it == leases_.end() || it->second->runtime_to.empty()) return;  // none to serve
  }
  if (Status s = runtime_.serve_in_network_namespace(lease_id, netns_path); !s.ok())
    say("lease " + lease_id +
        ": its containers cannot reach the cache, artifact and OIDC services: " +
        s.error().message);
}

void Agent::containers_removed(const std::string& job_scope) {
  std::string lease_id = lease_of_scope(job_scope);
  if (!lease_id.empty()) runtime_.stop_serving_in(lease_id);
}

void Agent::lose_all_leases() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, lease] : leases_) ids.push_back(id);
  }
  for (const std::string& id : ids) end_lease(id, true);
}

void Agent::heartbeat_loop(const std::atomic<bool>& stop) {
  auto opened = channels_();
  if (!opened.ok()) return;
  std::unique_ptr<Channel> channel = std::move(*opened);
  while (!stop) {
    int64_t every;
    HeartbeatRequest m;
    Headers h;
    std::string target;
    {
      std::lock_guard lock(mutex_);
      every = registration_.heartbeat_ms;
      for (const auto& [id, lease] : leases_)
        if (!lease->held) m.leases.push_back(id);
      h = headers();
      target = std::string(kApi) + "agents/" + agent_id_ + "/heartbeat";
    }
    auto reply = channel->call("POST", target, encode(m), h, 10000);
    if (reply.ok() && reply->status == 200) {
      auto r = parse_heartbeat_reply(reply->body);
      if (r.ok())
        for (const std::string& id : r->lost) end_lease(id, true);
    }
    wait(stop, every);
  }
}

void Agent::outbox_loop(const std::atomic<bool>& stop) {
  auto opened = channels_();
  if (!opened.ok()) return;
  std::unique_ptr<Channel> channel = std::move(*opened);
  int64_t backoff = 100;
  while (!stop) {
    Report report;
    Headers h;
    std::string target;
    uint64_t generation = 0;
    // Held steps past their timeout: nobody else stops them now (the controller that
    // enforced it is gone).
    std::vector<std::pair<std::string, engine::ExecutionId>> overdue;
    auto kill_overdue = [&] {
      for (const auto& [lease_id, id] : overdue) {
        say("lease " + lease_id + ": its held step's timeout passed; the step is killed");
        executor_.cancel(id);
      }
      overdue.clear();
    };
    {
      std::unique_lock lock(mutex_);
      // Lines of running steps go out every 200 ms, so a live log keeps moving.
      wake_.wait_for(lock, std::chrono::milliseconds(200),
                     [&] { return stop.load() || !outbox_.empty(); });
      overdue = overdue_held_steps(leases_, std::chrono::steady_clock::now());
      for (const auto& log : open_logs_) outbox_.take_lines(*log);
      while (!outbox_.empty() && (target = report_target(leases_, outbox_.front())) == "-")
        outbox_.pop_front();
      if (outbox_.empty() || target.empty()) {
        bool waits = !outbox_.empty();  // its lease waits for the registration's verdict
        lock.unlock();
        kill_overdue();
        if (waits) wait(stop, 100);
        continue;
      }
      report = outbox_.front();
      h = headers();
      generation = generation_;
    }
    kill_overdue();
    auto reply = channel->call("POST", target, report.body, h, 30000);
    std::string code = reply.ok() ? error_code(reply->body) : "";
    bool stale = false;
    {
      std::lock_guard lock(mutex_);
      stale = generation != generation_;
    }
    // Retried: no answer, a controller in trouble, one that does not know the agent yet
    // (it restarted: the poll registers again), or an answer to an earlier registration.
    if (!reply.ok() || reply->status >= 500 || reply->status == 401 || code == "unknown_agent" ||
        (stale && reply->status != 200)) {
      if (!reply.ok()) say("cannot deliver a report (" + reply.error().message + "); retrying");
      // A new registration (the controller is back) ends the back-off: what the agent held
      // goes at once.
      std::unique_lock lock(mutex_);
      uint64_t seen = generation_;
      if (wake_.wait_for(lock, std::chrono::milliseconds(backoff),
                         [&] { return stop.load() || generation_ != seen; }) &&
          generation_ != seen)
        backoff = 100;
      else
        backoff = std::min<int64_t>(backoff * 2, 5000);
      continue;
    }
    backoff = 100;
    bool delivered_held = false;
    {
      std::lock_guard lock(mutex_);
      outbox_.delivered(report.serial);
      auto it = leases_.find(report.lease_id);
      delivered_held = reply->status == 200 && report.kind == Report::Kind::kResult &&
                       it != leases_.end() && it->second->held;
    }
    if (delivered_held) {  // the held step is recorded: nobody wants the lease's next steps
      say("lease " + report.lease_id + ": its held step is delivered; the lease ends");
      end_lease(report.lease_id, false);
    } else if (reply->status == 410 || reply->status == 404) {
      end_lease(report.lease_id, true);
    } else if (reply->status != 200) {
      say("the controller refused a report (HTTP " + std::to_string(reply->status) +
          "): " + reply->body);
    }
  }
}

}  // namespace sluice::agent

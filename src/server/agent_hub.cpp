#include "server/agent_hub.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/workspace_archive.h"
#include "core/glob.h"
#include "core/hmac.h"
#include "core/json.h"
#include "core/value.h"
#include "server/private_files.h"
#include "server/router.h"
#include "server/step_proof.h"

namespace sluice::server {

using exec::remote::LeaseEvent;
using runtime::HttpRequest;
using runtime::HttpResponse;

struct AgentHub::Agent {
  std::string id;
  std::string session;
  std::string name;
  std::string version;
  std::vector<std::string> labels;  // lower-case
  int executors = 0;
  bool runs_containers = false;  // registered with agent::kFeatureContainers
  int busy = 0;
  int64_t last_seen_ms = 0;
  int64_t last_grant = 0;  // grants_ at its last lease
  bool builtin = false;
  // Silent for the lease time, or deregistered: listed with its last_seen_ms until it
  // registers again (by name) or kMaxOffline newer ones push it out; takes no work.
  bool offline = false;
  int64_t offline_since = 0;        // offline_count_ at the time, for the bound
  std::vector<std::string> outbox;  // encoded messages not yet polled
  // The outbox holds a message that wakes a held poll (a step, a cancel); else only quiet
  // ones (a lease before its first step, end_job), which wait for the next message that
  // wakes it, for at most kQuietMs after the first of them (quiet_since_ms).
  bool wake = false;
  int64_t quiet_since_ms = 0;
  Reply waiter;  // a held poll
  int64_t waiter_deadline_ms = 0;
  std::set<std::string> leases;
};

struct AgentHub::Waiting {
  engine::JobPlacement job;
  std::vector<std::string> labels;  // after the label map
  std::function<void(LeaseEvent)> on_event;
  std::string last_reason;
};

struct AgentHub::PendingStep {
  std::shared_ptr<exec::remote::StepReceiver> receiver;
  int64_t next_seq = 0;
  std::optional<agent::StepResult> result;  // waiting for its last log chunks
};

// A step an agent held across a controller restart, accepted at its registration: its
// remaining log chunks (from next_seq) and its result go to /held/ID/.
struct AgentHub::Delivery {
  std::string id;
  std::string agent_id;
  agent::HeldStep step;
  std::mutex mutex;      // one report at a time (the sink writes outside the hub's lock)
  int64_t next_seq = 0;  // guarded by mutex
  std::optional<agent::StepResult> result;  // waiting for its last log chunks; by mutex
};

struct AgentHub::Lease {
  std::string id;
  std::string agent_id;
  engine::JobPlacement job;
  std::function<void(LeaseEvent)> on_event;
  int64_t expires_ms = 0;
  bool local = false;
  std::string archive;          // the workspace tar, once made
  bool archive_shared = false;  // the options' shared_workspace_archive: not ours to remove
  // The run's runtime services (http://127.0.0.1:PORT) its steps name: the agent's
  // requests to /runtime/ go there. Set by the first step that names them.
  std::string runtime_origin;
  bool event_sent = false;  // the event payload went with a step
  // Action directories (outside the roots) its steps named, by index in the download URL,
  // and their tars once made (removed with the lease).
  std::vector<std::string> action_dirs;
  std::map<size_t, std::string> action_archives;
  std::map<engine::ExecutionId, PendingStep> steps;
};

namespace {

constexpr const char* kPrefix = "/api/v1/agent/";
constexpr size_t kMaxOffline = 64;
// How long a quiet message waits in an agent's outbox for a message that wakes its poll. A
// lease goes with its first step (one poll answer instead of two; the engine sends the
// step within a millisecond or so of the grant), an end_job with the agent's next work.
constexpr int64_t kQuietMs = 50;

HttpResponse error(int status, std::string_view code, std::string_view message) {
  return HttpResponse::json(status, agent::encode_error(code, message));
}

bool parse_step_id(const std::string& text, int64_t& id) {
  if (text.empty() || text.size() > 18) return false;
  id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    id = id * 10 + (c - '0');
  }
  return id > 0;
}

// The controller's own runtime services a step's env names (ACTIONS_RUNTIME_URL, which the
// other service URLs share): "http://127.0.0.1:PORT", else "".
std::string runtime_origin_of(const engine::StepRequest& request) {
  auto it = request.env.find("ACTIONS_RUNTIME_URL");
  if (it == request.env.end()) return "";
  const std::string prefix = "http://127.0.0.1:";
  const std::string& url = it->second;
  if (url.rfind(prefix, 0) != 0) return "";
  size_t end = url.find_first_not_of("0123456789", prefix.size());
  if (end == prefix.size() || end - prefix.size() > 5) return "";
  if (end != std::string::npos && url[end] != '/') return "";
  return url.substr(0, end);
}

// The event payload file GITHUB_EVENT_PATH names, when it is one the agent cannot see (not
// under the lease's roots): "" if none.
std::string event_file_to_send(const engine::StepRequest& request,
                               const engine::JobPlacement& job) {
  auto it = request.env.find("GITHUB_EVENT_PATH");
  if (it == request.env.end() || it->second.empty()) return "";
  for (const std::string& root : {job.workspace, job.temp_dir})
    if (!root.empty() && it->second.rfind(root + "/", 0) == 0) return "";  // copied with it
  return it->second;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string machine_arch_label() {
  utsname u{};
  if (uname(&u) != 0) return "x64";
  std::string m = u.machine;
  if (m == "x86_64" || m == "amd64") return "x64";
  if (m == "aarch64" || m == "arm64") return "arm64";
  if (m.rfind("arm", 0) == 0) return "arm";
  if (m == "i386" || m == "i686") return "x86";
  return to_lower(m);
}

AgentHub::AgentHub(const engine::Clock& clock, AgentHubOptions options)
    : clock_(clock),
      options_(std::move(options)),
      relay_([this](const std::string& lease_id, const std::string& session,
                    std::string& origin) { return check_runtime_lease(lease_id, session, origin); },
             options_.scratch_dir) {
  // Lease ids are not reused by a later controller process (from the time it started): an
  // agent still holding an earlier process's lease never mistakes a new one for it.
  next_lease_ = std::max<int64_t>(1, clock_.now_ms() % 1000000000000 * 1000);
  if (options_.scratch_dir.empty())
    options_.scratch_dir = std::filesystem::temp_directory_path().string();
  if (options_.builtin_executors > 0) {
    auto a = std::make_unique<Agent>();
    a->id = "builtin";
    a->name = "built-in";
    a->builtin = true;
    a->executors = options_.builtin_executors;
    a->labels = {"self-hosted", "local", "linux", machine_arch_label()};
    for (const std::string& l : options_.builtin_labels) a->labels.push_back(to_lower(l));
    agents_[a->id] = std::move(a);
  }
}

AgentHub::~AgentHub() {
  {
    std::lock_guard lock(ticker_mutex_);
    ticker_stop_ = true;
  }
  ticker_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::error_code ec;
  for (const auto& [id, lease] : leases_) {
    if (!lease->archive.empty() && !lease->archive_shared)
      std::filesystem::remove(lease->archive, ec);
    for (const auto& [index, file] : lease->action_archives) std::filesystem::remove(file, ec);
  }
}

void AgentHub::run(Actions& later) {
  for (auto& action : later) action();
  later.clear();
}

std::vector<std::string> AgentHub::required_labels(const std::vector<std::string>& runs_on) const {
  std::vector<std::string> out;
  for (const std::string& label : runs_on) {
    std::string l = to_lower(label);
    for (const auto& [pattern, target] : options_.label_map) {
      if (glob_match(to_lower(pattern), l)) {
        l = to_lower(target);
        break;
      }
    }
    if (!l.empty() && std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

bool AgentHub::matches(const Agent& agent, const std::vector<std::string>& labels) const {
  for (const std::string& l : labels)
    if (std::find(agent.labels.begin(), agent.labels.end(), l) == agent.labels.end()) return false;
  return true;
}

std::string AgentHub::waiting_reason(const std::vector<std::string>& labels) const {
  bool some_agent_matches = false;
  std::vector<std::string> missing;
  for (const std::string& l : labels) {
    bool held = false;
    for (const auto& [id, a] : agents_)
      held = held ||
             (!a->offline && std::find(a->labels.begin(), a->labels.end(), l) != a->labels.end());
    if (!held) missing.push_back(l);
  }
  for (const auto& [id, a] : agents_)
    some_agent_matches = some_agent_matches || (!a->offline && matches(*a, labels));
  if (some_agent_matches) return "waiting for a free agent with labels: " + join(labels);
  return "no agent with labels: " + join(missing.empty() ? labels : missing);
}

// Grants what can be granted, first come first served; tells the others why they wait.
void AgentHub::assign(Actions& later) {
  // The labels no agent could take in this pass, with the reason: a later request with the
  // same labels finds no agent either (grants only take executors away). Without it a pass
  // behind a matrix of hundreds of jobs searched the agents and built the reason for each.
  std::map<std::vector<std::string>, std::string> unplaced;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto known = unplaced.find(it->labels);
    if (known != unplaced.end()) {
      tell_reason(*it, known->second, later);
      ++it;
      continue;
    }
    Agent* best = nullptr;
    for (const auto& [id, a] : agents_) {
      if (a->offline || a->busy >= a->executors || !matches(*a, it->labels)) continue;
      int free = a->executors - a->busy, best_free = best ? best->executors - best->busy : 0;
      // The most free executors; among equals the agent that got work the longest ago.
      if (!best || free > best_free || (free == best_free && a->last_grant < best->last_grant))
        best = a.get();
    }
    if (best) {
      grant(*it, *best, later);
      it = waiting_.erase(it);
      continue;
    }
    known = unplaced.emplace(it->labels, waiting_reason(it->labels)).first;
    tell_reason(*it, known->second, later);
    ++it;
  }
}

void AgentHub::tell_reason(Waiting& request, const std::string& reason, Actions& later) {
  if (reason == request.last_reason) return;
  request.last_reason = reason;
  later.push_back([cb = request.on_event, reason] {
    cb(LeaseEvent{LeaseEvent::Kind::kWaiting, reason, "", false});
  });
}

void AgentHub::grant(Waiting& request, Agent& agent, Actions& later) {
  auto lease = std::make_unique<Lease>();
  lease->id = "l-" + std::to_string(next_lease_++);
  lease->agent_id = agent.id;
  lease->job = request.job;
  lease->on_event = request.on_event;
  lease->expires_ms = clock_.now_ms() + options_.lease_ttl_ms;
  lease->local = agent.builtin;
  agent.busy++;
  agent.last_grant = ++grants_;
  agent.leases.insert(lease->id);
  lease_of_scope_[lease->job.job_scope] = lease->id;
  if (!agent.builtin) {
    agent::ControllerMessage m;
    m.type = agent::ControllerMessage::Type::kLease;
    m.lease_id = lease->id;
    agent::LeaseMessage& l = m.lease;
    l.lease_id = lease->id;
    l.job_scope = request.job.job_scope;
    l.run_id = request.job.run_id;
    l.job_key = request.job.job_key;
    l.attempt = request.job.attempt;
    l.ttl_ms = options_.lease_ttl_ms;
    l.secrets = request.job.secrets;
    l.roots.workspace = request.job.workspace;
    l.roots.temp = request.job.temp_dir;
    l.roots.tool_cache = request.job.tool_cache_dir;
    if (const char* home = std::getenv("HOME")) l.roots.home = home;
    if (!request.job.workspace.empty()) {
      l.workspace_url = std::string(kPrefix) + "leases/" + lease->id + "/workspace";
      // A commit's snapshot tar, shared by leases: chosen now, named by its SHA-256 so that
      // the agent may copy the tree it unpacked for an earlier lease instead of downloading.
      if (options_.shared_workspace_archive) {
        lease->archive = options_.shared_workspace_archive(request.job.workspace);
        lease->archive_shared = !lease->archive.empty();
        if (lease->archive_shared) l.workspace_sha256 = archive_sha256(lease->archive);
      }
    }
    queue_message(agent, agent::encode(m), later, /*wake=*/false);
  }
  later.push_back([cb = lease->on_event, id = lease->id, local = lease->local] {
    cb(LeaseEvent{LeaseEvent::Kind::kGranted, "", id, local});
  });
  leases_[lease->id] = std::move(lease);
}

void AgentHub::queue_message(Agent& agent, std::string message, Actions& later, bool wake) {
  agent.outbox.push_back(std::move(message));
  if (wake) {
    agent.wake = true;
    flush_poll(agent, later);
  } else if (agent.quiet_since_ms == 0) {
    agent.quiet_since_ms = clock_.now_ms();
  }
}

// Answers the agent's held poll, if any, with everything queued.
void AgentHub::flush_poll(Agent& agent, Actions& later) {
  if (!agent.waiter) return;
  HttpResponse response = HttpResponse::json(200, agent::encode_poll_reply(agent.outbox));
  agent.outbox.clear();
  agent.wake = false;
  agent.quiet_since_ms = 0;
  later.push_back(
      [reply = std::move(agent.waiter), response = std::move(response)] { reply(response); });
  agent.waiter = nullptr;
}

std::string AgentHub::archive_sha256(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  ArchiveHash& known = archive_hashes_[file];
  if (!known.sha256.empty() && known.inode == st.st_ino &&
      known.size == static_cast<uint64_t>(st.st_size) && known.mtime_ns == mtime_ns)
    return known.sha256;
  auto sha = agent::file_sha256(file);
  known = {st.st_ino, static_cast<uint64_t>(st.st_size), mtime_ns, sha.ok() ? *sha : ""};
  std::string out = known.sha256;
  if (archive_hashes_.size() > 64) archive_hashes_.clear();  // snapshots come and go
  return out;
}

const std::string* AgentHub::event_payload(const std::string& file) {
  if (file.empty()) return nullptr;
  auto known = event_payloads_.find(file);
  if (known == event_payloads_.end()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    if (event_payloads_.size() >= 64) event_payloads_.clear();  // runs come and go
    known = event_payloads_.emplace(file, text.str()).first;
  }
  return known->second.size() <= agent::kMaxTextBytes ? &known->second : nullptr;
}

void AgentHub::request_lease(const engine::JobPlacement& job,
                             std::function<void(LeaseEvent)> on_event) {
  Actions later;
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(Waiting{job, required_labels(job.runs_on), std::move(on_event), ""});
    assign(later);
  }
  run(later);
}

void AgentHub::release(const std::string& job_scope) {
  Actions later;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(waiting_, [&](const Waiting& w) { return w.job.job_scope == job_scope; });
    if (Lease* lease = find_lease_by_scope(job_scope)) end_lease(*lease, later);
    assign(later);
  }
  run(later);
}

// The job ended: the agent forgets the lease (end_job) and has a free executor again.
void AgentHub::end_lease(Lease& lease, Actions& later) {
  std::string id = lease.id;
  if (Agent* agent = find_agent(lease.agent_id)) {
    agent->busy--;
    agent->leases.erase(id);
    if (!agent->builtin) {
      agent::ControllerMessage m;
      m.type = agent::ControllerMessage::Type::kEndJob;
      m.lease_id = id;
      queue_message(*agent, agent::encode(m), later, /*wake=*/false);
    }
  }
  // Steps still outstanding (the engine gave up on them) end as lost.
  for (auto& [step_id, step] : lease.steps)
    later.push_back([r = step.receiver] { r->on_result(exec::remote::agent_lost_outcome(), {}); });
  std::error_code ec;
  if (!lease.archive.empty() && !lease.archive_shared) std::filesystem::remove(lease.archive, ec);
  for (const auto& [index, file] : lease.action_archives) std::filesystem::remove(file, ec);
  lease_of_scope_.erase(lease.job.job_scope);
  lost_.insert(id);
  lost_order_.push_back(id);
  while (lost_order_.size() > 10000) {
    lost_.erase(lost_order_.front());
    lost_order_.pop_front();
  }
  leases_.erase(id);
}

void AgentHub::lose_lease(const std::string& lease_id, Actions& later) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;
  Lease& lease = *it->second;
  later.push_back([cb = lease.on_event] {
    cb(LeaseEvent{LeaseEvent::Kind::kLost, "agent lost", "", false});
  });
  end_lease(lease, later);  // ends the outstanding steps as lost, after kLost
}

// The agent goes offline: its leases are lost, its held poll ends, and it stays listed
// (status offline) until it registers again.
void AgentHub::drop_agent(const std::string& agent_id, Actions& later) {
  Agent* agent = find_agent(agent_id);
  if (!agent || agent->builtin || agent->offline) return;
  std::vector<std::string> leases(agent->leases.begin(), agent->leases.end());
  for (const std::string& id : leases) lose_lease(id, later);
  if (agent->waiter)
    later.push_back([reply = std::move(agent->waiter)] {
      reply(error(404, "unknown_agent", "the agent was dropped; register again"));
    });
  agent->waiter = nullptr;
  agent->outbox.clear();
  agent->wake = false;
  agent->quiet_since_ms = 0;
  agent->busy = 0;
  std::erase_if(deliveries_, [&](const auto& d) { return d.second->agent_id == agent_id; });
  agent->session.clear();
  agent->offline = true;
  agent->offline_since = ++offline_count_;
  std::vector<Agent*> offline;
  for (const auto& [id, a] : agents_)
    if (a->offline) offline.push_back(a.get());
  if (offline.size() > kMaxOffline) {
    auto oldest = std::min_element(offline.begin(), offline.end(), [](Agent* a, Agent* b) {
      return a->offline_since < b->offline_since;
    });
    agents_.erase((*oldest)->id);
  }
}

void AgentHub::send_step(const std::string& job_scope, engine::ExecutionId id,
                         const engine::StepRequest& request,
                         std::shared_ptr<exec::remote::StepReceiver> receiver) {
  Actions later;
  {
    std::lock_guard lock(mutex_);
    Lease* lease = find_lease_by_scope(job_scope);
    Agent* agent = lease ? find_agent(lease->agent_id) : nullptr;
    using Kind = engine::StepRequest::Kind;
    if (!lease || !agent) {
      later.push_back([receiver] { receiver->on_result(exec::remote::agent_lost_outcome(), {}); });
    } else if ((request.containers || request.kind == Kind::kDockerAction) &&
               !agent->runs_containers) {
      // An older agent would refuse the message, or run a container job's step natively.
      engine::StepOutcome o;
      o.error_message = "the agent " + agent->name +
                        " runs no container steps or Docker actions: upgrade sluice there";
      later.push_back([receiver, o] { receiver->on_result(o, {}); });
    } else {
      agent::ControllerMessage m;
      m.type = agent::ControllerMessage::Type::kStep;
      m.lease_id = lease->id;
      m.step.lease_id = lease->id;
      m.step.step_id = id;
      m.step.request = request;
      if (std::string origin = runtime_origin_of(request); !origin.empty()) {
        lease->runtime_origin = origin;
        m.step.runtime_origin = origin;
      }
      if (!lease->event_sent) {
        m.step.event_path = event_file_to_send(request, lease->job);
        const std::string* payload = event_payload(m.step.event_path);
        if (payload) m.step.event = *payload;
        lease->event_sent = payload != nullptr;
      }
      if (!lease->event_sent) m.step.event_path.clear();
      offer_action(*lease, request, m.step);
      if (!options_.proof_key.empty() && request.record_index >= 0) {
        m.step.step_index = request.record_index;
        m.step.step_attempt = request.record_attempt;
        m.step.step_proof =
            step_proof(options_.proof_key,
                       {lease->id, lease->job.run_id, lease->job.job_key, lease->job.attempt,
                        request.record_index, request.record_attempt, request.held});
      }
      lease->steps[id].receiver = std::move(receiver);
      queue_message(*agent, agent::encode(m), later);
    }
  }
  run(later);
}

void AgentHub::cancel_step(const std::string& job_scope, engine::ExecutionId id) {
  Actions later;
  {
    std::lock_guard lock(mutex_);
    Lease* lease = find_lease_by_scope(job_scope);
    Agent* agent = lease ? find_agent(lease->agent_id) : nullptr;
    if (lease && agent && lease->steps.count(id)) {
      agent::ControllerMessage m;
      m.type = agent::ControllerMessage::Type::kCancel;
      m.lease_id = lease->id;
      m.step_id = id;
      queue_message(*agent, agent::encode(m), later);
    }
  }
  run(later);
}

int AgentHub::cancel_held(int64_t run_id) {
  Actions later;
  int asked = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, d] : deliveries_) {
      Agent* agent = find_agent(d->agent_id);
      if (d->step.run_id != run_id || !agent) continue;
      agent::ControllerMessage m;  // the agent knows the step by its old lease and step ids
      m.type = agent::ControllerMessage::Type::kCancel;
      m.lease_id = d->step.lease_id;
      m.step_id = d->step.step_id;
      queue_message(*agent, agent::encode(m), later);
      ++asked;
    }
  }
  run(later);
  return asked;
}

void AgentHub::tick() {
  Actions later;
  {
    std::lock_guard lock(mutex_);
    int64_t now = clock_.now_ms();
    std::vector<std::string> silent;
    for (const auto& [id, a] : agents_)
      if (!a->builtin && !a->offline && now - a->last_seen_ms > options_.lease_ttl_ms)
        silent.push_back(id);
    for (const std::string& id : silent) drop_agent(id, later);
    std::vector<std::string> expired;
    for (const auto& [id, lease] : leases_)
      if (!lease->local && lease->expires_ms <= now) expired.push_back(id);
    for (const std::string& id : expired) lose_lease(id, later);
    for (const auto& [id, a] : agents_)
      if (a->waiter && (a->waiter_deadline_ms <= now ||
                        (a->quiet_since_ms != 0 && now - a->quiet_since_ms >= kQuietMs)))
        flush_poll(*a, later);
    if (!silent.empty() || !expired.empty()) assign(later);
  }
  run(later);
}

void AgentHub::start_ticker(int64_t every_ms) {
  if (ticker_.joinable()) return;
  ticker_ = std::thread([this, every_ms] {
    std::unique_lock lock(ticker_mutex_);
    while (!ticker_wake_.wait_for(lock, std::chrono::milliseconds(every_ms),
                                  [this] { return ticker_stop_; })) {
      lock.unlock();
      tick();
      lock.lock();
    }
  });
}

AgentHub::Agent* AgentHub::find_agent(const std::string& id) {
  auto it = agents_.find(id);
  return it == agents_.end() ? nullptr : it->second.get();
}

AgentHub::Lease* AgentHub::find_lease_by_scope(const std::string& job_scope) {
  auto it = lease_of_scope_.find(job_scope);
  if (it == lease_of_scope_.end()) return nullptr;
  auto lease = leases_.find(it->second);
  return lease == leases_.end() ? nullptr : lease->second.get();
}

std::vector<AgentInfo> AgentHub::agents() const {
  std::lock_guard lock(mutex_);
  std::vector<AgentInfo> out;
  int64_t now = clock_.now_ms();
  for (const auto& [id, a] : agents_) {
    AgentInfo info;
    info.id = a->id;
    info.name = a->name;
    info.version = a->version;
    info.labels = a->labels;
    info.executors = a->executors;
    info.busy = a->busy;
    info.last_seen_ms = a->builtin ? now : a->last_seen_ms;
    info.builtin = a->builtin;
    info.offline = a->offline;
    for (const std::string& lease_id : a->leases)
      if (auto it = leases_.find(lease_id); it != leases_.end()) {
        const engine::JobPlacement& job = it->second->job;
        info.jobs.push_back({job.run_id, job.job_key, job.attempt});
      }
    out.push_back(std::move(info));
  }
  return out;
}

int AgentHub::remote_agents() const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& [id, a] : agents_) n += a->builtin || a->offline ? 0 : 1;
  return n;
}

std::string AgentHub::agents_json() const {
  Value list = Value::array();
  for (const AgentInfo& a : agents()) {
    Value labels = Value::array();
    for (const std::string& l : a.labels) labels.as_array().push_back(l);
    Value jobs = Value::array();
    for (const AgentInfo::Job& j : a.jobs) {
      Value job = Value::object();
      job.set("run_id", static_cast<long long>(j.run_id));
      job.set("job_key", j.job_key);
      job.set("attempt", j.attempt);
      jobs.as_array().push_back(job);
    }
    Value o = Value::object();
    o.set("id", a.id);
    o.set("name", a.name);
    o.set("builtin", a.builtin);
    o.set("version", a.version);
    o.set("status", a.offline ? "offline" : a.busy > 0 ? "busy" : "idle");
    o.set("labels", labels);
    o.set("executors", a.executors);
    o.set("busy", a.busy);
    o.set("last_seen_ms", static_cast<long long>(a.last_seen_ms));
    o.set("jobs", jobs);
    list.as_array().push_back(o);
  }
  Value out = Value::object();
  out.set("agents", list);
  return to_json(out);
}

// --- HTTP ---------------------------------------------------------------------------------

runtime::BodyPlan AgentHub::plan_body(const HttpRequest& head) {
  if (!RuntimeRelay::lease_of(head.path).empty()) return relay_.plan_body(head);
  bool held = head.path.rfind(std::string(kPrefix) + "held/", 0) == 0;
  bool report = head.path.find("/steps/") != std::string::npos || held;
  auto plan = runtime::BodyPlan::memory(report ? agent::kMaxReportBody : agent::kMaxSmallBody);
  // What an agent sends for every job (answered from memory, a log chunk appended to its
  // file): on the server thread, without a hand-off to the handler pool and back. Not a
  // registration or a held step's report (they read and write the store), nor a download
  // (tars are made).
  auto ends_with = [&](std::string_view end) { return head.path.ends_with(end); };
  plan.quick =
      head.path.rfind(kPrefix, 0) == 0 && !held && head.method == "POST" &&
      (ends_with("/poll") || ends_with("/heartbeat") || ends_with("/log") || ends_with("/result"));
  return plan;
}

// A poll with nothing queued is answered later (runtime::DeferredResponse): the server
// sends the reply as soon as the hub completes it (a message queued for the agent, or the
// end of the wait), on the same kept-alive connection, holding no thread meanwhile.
HttpResponse AgentHub::handle(HttpRequest& request) {
  auto deferred = std::make_shared<runtime::DeferredResponse>();
  handle_async(request,
               [deferred](HttpResponse response) { deferred->complete(std::move(response)); });
  if (std::optional<HttpResponse> now = deferred->take_or_wake(nullptr)) return std::move(*now);
  HttpResponse held = HttpResponse::json(200, "");  // what the request log records
  held.deferred = std::move(deferred);
  return held;
}

void AgentHub::handle_async(HttpRequest& request, std::function<void(HttpResponse)> reply) {
  Actions later;
  std::optional<HttpResponse> response;
  if (options_.authorize && !options_.authorize(request)) {
    response = error(401, "unauthorized", "an agent token is required");
  } else if (!RuntimeRelay::lease_of(request.path).empty()) {
    response = relay_.forward(request);
  } else if (request.path.rfind(std::string(kPrefix) + "held/", 0) == 0) {
    response = on_held(request);
  } else {
    std::vector<agent::HeldVerdict> verdicts;
    if (request.path == std::string(kPrefix) + "register") verdicts = judge_held(request);
    std::lock_guard lock(mutex_);
    Reply held = reply;
    response = dispatch(request, &held, later, std::move(verdicts));
    if (!held) response.reset();  // the poll is held: it answers through `reply`
  }
  run(later);
  if (response) reply(std::move(*response));
}

HttpResponse AgentHub::dispatch(HttpRequest& request, Reply* async, Actions& later,
                                std::vector<agent::HeldVerdict> verdicts) {
  std::string_view path = request.path;
  if (path.rfind(kPrefix, 0) == 0) path.remove_prefix(std::string_view(kPrefix).size());
  std::vector<std::string> parts = split_path(path);
  const std::string& method = request.method;
  if (parts.size() == 1 && parts[0] == "register" && method == "POST")
    return on_register(request, std::move(verdicts), later);

  std::string session = request.header("x-sluice-agent-session");
  if (parts.size() == 3 && parts[0] == "agents") {
    Agent* agent = find_agent(parts[1]);
    if (!agent || agent->builtin || agent->offline)
      return error(404, "unknown_agent", "register again");
    if (!constant_time_equal(session, agent->session))
      return error(401, "unauthorized", "wrong agent session");
    agent->last_seen_ms = clock_.now_ms();
    if (method != "POST") return error(405, "method_not_allowed", "use POST");
    if (parts[2] == "poll") return on_poll(*agent, request, async, later);
    if (parts[2] == "heartbeat") return on_heartbeat(*agent, request);
    if (parts[2] == "deregister") {
      drop_agent(agent->id, later);
      assign(later);
      return HttpResponse::json(200, "{}");
    }
  }
  if (parts.size() >= 3 && parts[0] == "leases") {
    auto it = leases_.find(parts[1]);
    if (it == leases_.end()) {
      if (lost_.count(parts[1])) return error(410, "lease_lost", "the lease has expired or ended");
      // A lease of an earlier controller process: an agent this process does not know yet
      // registers again (and says what it holds); one it knows has lost the lease.
      bool known = false;
      for (const auto& [id, a] : agents_)
        known = known || (!a->builtin && !a->offline && constant_time_equal(session, a->session));
      return known ? error(410, "lease_lost", "no such lease")
                   : error(404, "unknown_agent", "register again");
    }
    Lease& lease = *it->second;
    Agent* agent = find_agent(lease.agent_id);
    if (!agent || !constant_time_equal(session, agent->session))
      return error(401, "unauthorized", "wrong agent session");
    agent->last_seen_ms = clock_.now_ms();
    if (parts.size() == 3 && parts[2] == "workspace" && method == "GET") return on_workspace(lease);
    int64_t index = 0;
    if (parts.size() == 4 && parts[2] == "action" && method == "GET" &&
        parse_step_id(parts[3], index))
      return on_action(lease, static_cast<size_t>(index - 1));
    int64_t step_id = 0;
    if (parts.size() == 5 && parts[2] == "steps" && parse_step_id(parts[3], step_id) &&
        method == "POST") {
      if (parts[4] == "log") return on_log(lease, step_id, request, later);
      if (parts[4] == "result") return on_result(lease, step_id, request, later);
    }
  }
  return error(404, "not_found", "no such agent endpoint");
}

// The relay's lease check: like any report of the lease (the relay then sends the request
// without the hub's lock: a blob upload takes its time).
std::optional<HttpResponse> AgentHub::check_runtime_lease(const std::string& lease_id,
                                                          const std::string& session,
                                                          std::string& origin) {
  std::lock_guard lock(mutex_);
  auto it = leases_.find(lease_id);
  if (it == leases_.end())
    return lost_.count(lease_id) ? error(410, "lease_lost", "the lease has expired or ended")
                                 : error(404, "not_found", "no such lease");
  Agent* agent = find_agent(it->second->agent_id);
  if (!agent || !constant_time_equal(session, agent->session))
    return error(401, "unauthorized", "wrong agent session");
  agent->last_seen_ms = clock_.now_ms();
  origin = it->second->runtime_origin;
  return std::nullopt;
}

HttpResponse AgentHub::on_register(const HttpRequest& request,
                                   std::vector<agent::HeldVerdict> verdicts, Actions& later) {
  auto m = agent::parse_register_request(request.body);
  if (!m.ok()) return error(400, "bad_request", m.error().message);
  if (m->protocol != agent::kProtocol)
    return error(
        400, "unsupported_protocol",
        "this controller speaks " + std::string(agent::kProtocol) + ", not '" + m->protocol + "'");
  auto a = std::make_unique<Agent>();
  a->id = "a-" + std::to_string(next_agent_++);
  a->session = random_hex(24);
  a->name = m->name;
  a->version = m->version;
  a->executors = m->executors;
  a->runs_containers = std::find(m->features.begin(), m->features.end(),
                                 agent::kFeatureContainers) != m->features.end();
  a->last_seen_ms = clock_.now_ms();
  a->labels.push_back("self-hosted");
  for (const std::string& l : m->labels) {
    std::string lower = to_lower(l);
    if (std::find(a->labels.begin(), a->labels.end(), lower) == a->labels.end())
      a->labels.push_back(lower);
  }
  // The same agent back (its name): its offline entry goes.
  std::erase_if(agents_, [&](const auto& entry) {
    return entry.second->offline && entry.second->name == a->name;
  });
  agent::RegisterReply reply;
  reply.agent_id = a->id;
  reply.session = a->session;
  reply.lease_ttl_ms = options_.lease_ttl_ms;
  reply.heartbeat_ms = options_.heartbeat_ms;
  reply.poll_wait_ms = options_.poll_wait_ms;
  reply.features = {agent::kFeatureResultLines};
  // The held steps accepted by judge_held() get a delivery of this agent. A step claimed
  // again (the agent registered once more) replaces its earlier delivery.
  for (size_t i = 0; i < verdicts.size() && i < m->held.size(); ++i) {
    agent::HeldVerdict& v = verdicts[i];
    if (!v.accepted) continue;
    const agent::HeldStep& step = m->held[i];
    std::erase_if(deliveries_, [&](const auto& d) {
      const agent::HeldStep& o = d.second->step;
      return o.run_id == step.run_id && o.job_key == step.job_key && o.attempt == step.attempt &&
             o.step_index == step.step_index && o.step_attempt == step.step_attempt;
    });
    auto d = std::make_shared<Delivery>();
    d->id = "d-" + std::to_string(next_delivery_++);
    d->agent_id = a->id;
    d->step = step;
    d->next_seq = step.next_seq;
    v.delivery = d->id;
    deliveries_[d->id] = std::move(d);
  }
  reply.held = std::move(verdicts);
  agents_[a->id] = std::move(a);
  assign(later);
  return HttpResponse::json(200, agent::encode(reply));
}

HttpResponse AgentHub::on_poll(Agent& agent, const HttpRequest& request, Reply* async,
                               Actions& later) {
  auto m = agent::parse_poll_request(request.body);
  if (!m.ok()) return error(400, "bad_request", m.error().message);
  if (agent.waiter)  // a poll the agent gave up on (its connection broke): answer it empty
    later.push_back([reply = std::move(agent.waiter)] {
      reply(HttpResponse::json(200, agent::encode_poll_reply({})));
    });
  agent.waiter = nullptr;
  bool quiet_due = agent.quiet_since_ms != 0 && clock_.now_ms() - agent.quiet_since_ms >= kQuietMs;
  if (!agent.wake && !quiet_due && async && m->wait_ms > 0) {
    agent.waiter = std::move(*async);
    *async = nullptr;
    agent.waiter_deadline_ms = clock_.now_ms() + std::min(m->wait_ms, options_.poll_wait_ms);
    return HttpResponse{};
  }
  HttpResponse response = HttpResponse::json(200, agent::encode_poll_reply(agent.outbox));
  agent.outbox.clear();
  agent.wake = false;
  agent.quiet_since_ms = 0;
  return response;
}

HttpResponse AgentHub::on_heartbeat(Agent& agent, const HttpRequest& request) {
  auto m = agent::parse_heartbeat_request(request.body);
  if (!m.ok()) return error(400, "bad_request", m.error().message);
  agent::HeartbeatReply reply;
  int64_t expires = clock_.now_ms() + options_.lease_ttl_ms;
  for (const std::string& id : m->leases) {
    auto it = leases_.find(id);
    if (it != leases_.end() && it->second->agent_id == agent.id)
      it->second->expires_ms = expires;
    else
      reply.lost.push_back(id);
  }
  return HttpResponse::json(200, agent::encode(reply));
}

// Kept for the lease: a retried download sends the same.
HttpResponse AgentHub::on_workspace(Lease& lease) {
  if (lease.job.workspace.empty()) return error(404, "not_found", "the job has no workspace");
  if (lease.archive.empty()) {  // not a shared snapshot tar (grant() chose): made for it
    std::string file = options_.scratch_dir + "/sluice-workspace-" + std::to_string(getpid()) +
                       "-" + lease.id + ".tar";
    if (Status s = agent::create_workspace_archive(lease.job.workspace, file); !s.ok()) {
      std::error_code ec;
      std::filesystem::remove(file, ec);
      return error(500, "workspace", s.error().message);
    }
    lease.archive = file;
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/x-tar";
  response.files = {lease.archive};
  return response;
}

// A step running an action from the controller's action cache (GITHUB_ACTION_PATH outside
// the lease's roots): the agent downloads the action's directory (action/<n>, 1-based).
void AgentHub::offer_action(Lease& lease, const engine::StepRequest& request,
                            agent::StepMessage& message) {
  auto it = request.env.find("GITHUB_ACTION_PATH");
  if (it == request.env.end() || it->second.empty() || it->second[0] != '/') return;
  const std::string& dir = it->second;
  for (const std::string& root :
       {lease.job.workspace, lease.job.temp_dir, lease.job.tool_cache_dir})
    if (!root.empty() && (dir == root || dir.rfind(root + "/", 0) == 0)) return;  // mapped
  auto known = std::find(lease.action_dirs.begin(), lease.action_dirs.end(), dir);
  size_t index = static_cast<size_t>(known - lease.action_dirs.begin());
  if (known == lease.action_dirs.end()) lease.action_dirs.push_back(dir);
  message.action_path = dir;
  message.action_url =
      std::string(kPrefix) + "leases/" + lease.id + "/action/" + std::to_string(index + 1);
}

HttpResponse AgentHub::on_action(Lease& lease, size_t index) {
  if (index >= lease.action_dirs.size()) return error(404, "not_found", "no such action");
  std::string& file = lease.action_archives[index];
  if (file.empty()) {
    std::string tar = options_.scratch_dir + "/sluice-action-" + std::to_string(getpid()) + "-" +
                      lease.id + "-" + std::to_string(index + 1) + ".tar";
    if (Status s = agent::create_workspace_archive(lease.action_dirs[index], tar); !s.ok()) {
      std::error_code ec;
      std::filesystem::remove(tar, ec);
      lease.action_archives.erase(index);
      return error(500, "action", s.error().message);
    }
    file = tar;
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/x-tar";
  response.files = {file};
  return response;
}

HttpResponse AgentHub::on_log(Lease& lease, int64_t step_id, const HttpRequest& request,
                              Actions& later) {
  auto chunk = agent::parse_log_chunk(request.body);
  if (!chunk.ok()) return error(400, "bad_request", chunk.error().message);
  auto it = lease.steps.find(step_id);
  if (it == lease.steps.end()) return HttpResponse::json(200, "{}");  // delivered already
  PendingStep& step = it->second;
  if (chunk->seq < step.next_seq) return HttpResponse::json(200, "{}");  // a resend
  if (chunk->seq > step.next_seq)
    return error(409, "out_of_order", "expected log chunk " + std::to_string(step.next_seq));
  step.next_seq++;
  later.push_back([r = step.receiver, lines = std::move(chunk->lines)] { r->on_log(lines); });
  if (step.result && step.next_seq >= step.result->log_chunks) {
    deliver(step, std::move(*step.result), later);
    lease.steps.erase(it);
  }
  return HttpResponse::json(200, "{}");
}

// The step's last lines (those the result carries), then its outcome.
void AgentHub::deliver(PendingStep& step, agent::StepResult result, Actions& later) {
  if (!result.lines.empty())
    later.push_back([r = step.receiver, lines = std::move(result.lines)] { r->on_log(lines); });
  later.push_back([r = step.receiver, res = std::move(result)]() mutable {
    r->on_result(std::move(res.outcome), res.masks);
  });
}

HttpResponse AgentHub::on_result(Lease& lease, int64_t step_id, const HttpRequest& request,
                                 Actions& later) {
  auto result = agent::parse_step_result(request.body);
  if (!result.ok()) return error(400, "bad_request", result.error().message);
  auto it = lease.steps.find(step_id);
  if (it == lease.steps.end() || it->second.result) return HttpResponse::json(200, "{}");
  PendingStep& step = it->second;
  if (step.next_seq < result->log_chunks) {  // its last chunks are still on their way
    step.result = std::move(*result);
    return HttpResponse::json(200, "{}");
  }
  deliver(step, std::move(*result), later);
  lease.steps.erase(it);
  return HttpResponse::json(200, "{}");
}

std::vector<agent::HeldVerdict> AgentHub::judge_held(const HttpRequest& request) {
  std::vector<agent::HeldVerdict> verdicts;
  auto m = agent::parse_register_request(request.body);
  if (!m.ok() || m->protocol != agent::kProtocol) return verdicts;
  for (const agent::HeldStep& step : m->held) {
    agent::HeldVerdict v;
    v.lease_id = step.lease_id;
    v.step_id = step.step_id;
    if (!step_proof_matches(options_.proof_key,
                            {step.lease_id, step.run_id, step.job_key, step.attempt,
                             step.step_index, step.step_attempt, step.terms},
                            step.proof))
      v.reason = "the step's proof is not this controller's";
    else if (!options_.held_steps)
      v.reason = "this controller takes no held steps";
    else
      v.reason = options_.held_steps->claim(step);
    v.accepted = v.reason.empty();
    verdicts.push_back(std::move(v));
  }
  return verdicts;
}

// A held step's report. The sink writes to the log and the store outside the hub's lock;
// the delivery's own mutex keeps its reports in order.
HttpResponse AgentHub::on_held(const HttpRequest& request) {
  std::string_view path = request.path;
  path.remove_prefix(std::string_view(kPrefix).size());
  std::vector<std::string> parts = split_path(path);  // held, ID, log|result
  if (parts.size() != 3 || request.method != "POST" || (parts[2] != "log" && parts[2] != "result"))
    return error(404, "not_found", "no such agent endpoint");
  std::shared_ptr<Delivery> d;
  std::string agent_name;
  {
    std::lock_guard lock(mutex_);
    auto it = deliveries_.find(parts[1]);
    if (it == deliveries_.end())
      return error(410, "lease_lost", "no such delivery (delivered, or replaced)");
    d = it->second;
    Agent* agent = find_agent(d->agent_id);
    if (!agent || !constant_time_equal(request.header("x-sluice-agent-session"), agent->session))
      return error(401, "unauthorized", "wrong agent session");
    agent->last_seen_ms = clock_.now_ms();
    agent_name = agent->name;
  }
  std::lock_guard delivery_lock(d->mutex);
  auto finish = [&]() -> HttpResponse {
    // The last lines may ride in the result (kFeatureResultLines), after every chunk.
    if (!d->result->lines.empty()) {
      if (Status s =
              options_.held_steps->append_log(d->step, d->result->log_chunks, d->result->lines);
          !s.ok())
        return error(500, "log", s.error().message);
      d->result->lines.clear();
    }
    Status s = options_.held_steps->record_result(d->step, *d->result, agent_name);
    if (!s.ok()) return error(500, "store", s.error().message);
    std::lock_guard lock(mutex_);
    deliveries_.erase(d->id);
    return HttpResponse::json(200, "{}");
  };
  if (parts[2] == "log") {
    auto chunk = agent::parse_log_chunk(request.body);
    if (!chunk.ok()) return error(400, "bad_request", chunk.error().message);
    if (chunk->seq > d->next_seq)
      return error(409, "out_of_order", "expected log chunk " + std::to_string(d->next_seq));
    if (chunk->seq == d->next_seq) {  // else a resend: appended already
      if (Status s = options_.held_steps->append_log(d->step, chunk->seq, chunk->lines); !s.ok())
        return error(500, "log", s.error().message);
      d->next_seq++;
    }
  } else {
    auto result = agent::parse_step_result(request.body);
    if (!result.ok()) return error(400, "bad_request", result.error().message);
    if (!d->result) d->result = std::move(*result);  // else a resend
  }
  // Recorded once the result and every chunk before it are in (a failed recording is
  // tried again with the agent's resend).
  if (d->result && d->next_seq >= d->result->log_chunks) return finish();
  return HttpResponse::json(200, "{}");
}

}  // namespace sluice::server

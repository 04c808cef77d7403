// AgentHub: the controller's side of the agent protocol (docs/agent-protocol.md).
//
// It keeps the agents (the built-in one and the remote ones that registered), the job
// attempts waiting for a place, and the leases. It implements exec::remote::AgentTransport
// for the RemoteExecutor, and serves the agents' endpoints under /api/v1/agent/.
//
// Placement: requests wait first come, first served; each is leased to the agent that has
// every label of its runs-on (after the label map) and the most free executors (among
// equals, the one that got work the longest ago, so that work spreads). A request
// no agent can take waits with the reason ("no agent with labels: gpu"), reported once per
// change of reason.
//
// Leases: a remote lease expires lease_ttl_ms after it was granted or last listed in a
// heartbeat of its agent; an agent silent for lease_ttl_ms goes offline with all its leases
// lost (it stays listed as offline until it registers again).
// A lost lease reports kLost, then ends its outstanding steps with "agent lost"; reports
// that arrive later for it are refused with 410 lease_lost. Time comes from the injected
// Clock; expiry happens in tick(), which the controller calls every few hundred ms and
// tests call after moving a ManualClock.
//
// Threading: every method is thread-safe (one mutex). Callbacks (lease events, step
// receivers, poll replies) are called after the mutex is released, in the order the
// events happened within one call.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/agent_messages.h"
#include "engine/clock.h"
#include "exec/remote/agent_transport.h"
#include "runtime/http_server.h"
#include "server/held_steps.h"
#include "server/runtime_relay.h"

namespace sluice::server {

struct AgentHubOptions {
  int64_t lease_ttl_ms = 30000;
  int64_t heartbeat_ms = 10000;
  int64_t poll_wait_ms = 25000;  // the longest a poll is held
  // runs-on labels matching a pattern (glob, case-insensitive) are replaced by the target
  // label: GitHub-hosted runner names map to agents' labels.
  std::vector<std::pair<std::string, std::string>> label_map = {{"ubuntu-*", "linux"}};
  // The controller's built-in agent: how many jobs it runs at once (0: none) and its
  // labels besides self-hosted, local, linux and the machine's architecture.
  int builtin_executors = 0;
  std::vector<std::string> builtin_labels;
  // Checks a request's credentials (the Authorization header); null: the caller's router
  // already did. Called under no lock.
  std::function<bool(const runtime::HttpRequest&)> authorize;
  // Where workspace tars are written while their lease lasts ("" = the system temp dir).
  std::string scratch_dir;
  // A tar of `workspace` (agent::create_workspace_archive's format) that leases may share,
  // or "" to make one per lease. The file stays the caller's and must last while the
  // workspace's run does; its content must not change (the hub hashes it once: agents keep
  // its tree by that SHA-256). Called when a remote lease is granted, under the hub's lock:
  // it must be quick. (The controller answers with its commit snapshot's tar while no step
  // ran in the run's workspace.)
  std::function<std::string(const std::string& workspace)> shared_workspace_archive;
  // Controller restarts (docs/agent-protocol.md): the key of the step proofs sent with each
  // step (server/step_proof.h; "" sends none), and where the steps that agents held across
  // a restart land (null: every held step is refused).
  std::string proof_key;
  std::shared_ptr<HeldStepSink> held_steps;
};

struct AgentInfo {
  std::string id;  // "builtin" for the built-in agent
  std::string name;
  std::string version;
  std::vector<std::string> labels;
  int executors = 0;
  int busy = 0;
  int64_t last_seen_ms = 0;
  bool builtin = false;
  bool offline = false;  // silent for the lease time or deregistered; takes no work
  struct Job {
    int64_t run_id = 0;
    std::string job_key;
    int attempt = 1;
  };
  std::vector<Job> jobs;  // what it holds leases for
};

class AgentHub final : public exec::remote::AgentTransport {
 public:
  AgentHub(const engine::Clock& clock, AgentHubOptions options);
  ~AgentHub() override;
  AgentHub(const AgentHub&) = delete;
  AgentHub& operator=(const AgentHub&) = delete;

  // HTTP, for requests under /api/v1/agent/ (the server mounts it there). A poll with
  // nothing queued is held: the response is a runtime::DeferredResponse, completed as soon
  // as a message is queued for the agent or its wait is over (tick() ends it).
  runtime::BodyPlan plan_body(const runtime::HttpRequest& head);
  runtime::HttpResponse handle(runtime::HttpRequest& request);
  // The same with a callback: `reply` is called exactly once, from any thread (at once for
  // every request but a held poll).
  void handle_async(runtime::HttpRequest& request,
                    std::function<void(runtime::HttpResponse)> reply);

  // Expires leases and agents, ends held polls that are due. Thread-safe.
  void tick();
  // Calls tick() every `every_ms` on a thread of its own until the hub is destroyed (the
  // controller; tests call tick() themselves).
  void start_ticker(int64_t every_ms = 100);

  // Cancels the steps agents hold for `run_id` (accepted at a registration after a
  // controller restart, result not yet recorded): each agent kills its step, whose result
  // then lands cancelled. Returns how many steps were asked to stop. Thread-safe.
  int cancel_held(int64_t run_id);

  std::vector<AgentInfo> agents() const;
  // The agents as JSON for GET /api/v1/agents (docs/api.md): {"agents":[{id, name,
  // builtin, version, status (idle, busy, offline), labels, executors, busy, last_seen_ms,
  // jobs:[{run_id, job_key, attempt}]}]}.
  std::string agents_json() const;
  // Remote agents registered and not offline (sluice_agents_connected).
  int remote_agents() const;

  // The labels `runs_on` asks for after the label map, lower-cased, without duplicates.
  std::vector<std::string> required_labels(const std::vector<std::string>& runs_on) const;

  // exec::remote::AgentTransport
  void request_lease(const engine::JobPlacement& job,
                     std::function<void(exec::remote::LeaseEvent)> on_event) override;
  void release(const std::string& job_scope) override;
  void send_step(const std::string& job_scope, engine::ExecutionId id,
                 const engine::StepRequest& request,
                 std::shared_ptr<exec::remote::StepReceiver> receiver) override;
  void cancel_step(const std::string& job_scope, engine::ExecutionId id) override;

 private:
  using Actions = std::vector<std::function<void()>>;
  using Reply = std::function<void(runtime::HttpResponse)>;
  struct Agent;
  struct Waiting;
  struct Lease;
  struct PendingStep;
  struct Delivery;

  runtime::HttpResponse dispatch(runtime::HttpRequest& request, Reply* async, Actions& later,
                                 std::vector<agent::HeldVerdict> verdicts = {});
  runtime::HttpResponse on_register(const runtime::HttpRequest& request,
                                    std::vector<agent::HeldVerdict> verdicts, Actions& later);
  // The verdicts on a registration's held steps, reached outside the lock (the sink reads
  // the store). Empty for a body that does not parse (on_register refuses it).
  std::vector<agent::HeldVerdict> judge_held(const runtime::HttpRequest& request);
  // /api/v1/agent/held/DELIVERY/{log,result}: a held step's reports.
  runtime::HttpResponse on_held(const runtime::HttpRequest& request);
  runtime::HttpResponse on_poll(Agent& agent, const runtime::HttpRequest& request, Reply* async,
                                Actions& later);
  runtime::HttpResponse on_heartbeat(Agent& agent, const runtime::HttpRequest& request);
  runtime::HttpResponse on_workspace(Lease& lease);
  void offer_action(Lease& lease, const engine::StepRequest& request, agent::StepMessage& message);
  runtime::HttpResponse on_action(Lease& lease, size_t index);
  // RuntimeRelay's check: the lease's runtime origin when `session` is its agent's.
  std::optional<runtime::HttpResponse> check_runtime_lease(const std::string& lease_id,
                                                           const std::string& session,
                                                           std::string& origin);
  runtime::HttpResponse on_log(Lease& lease, int64_t step_id, const runtime::HttpRequest& request,
                               Actions& later);
  runtime::HttpResponse on_result(Lease& lease, int64_t step_id,
                                  const runtime::HttpRequest& request, Actions& later);
  static void deliver(PendingStep& step, agent::StepResult result, Actions& later);
  Agent* find_agent(const std::string& id);
  Lease* find_lease_by_scope(const std::string& job_scope);
  void assign(Actions& later);
  bool matches(const Agent& agent, const std::vector<std::string>& labels) const;
  std::string waiting_reason(const std::vector<std::string>& labels) const;
  // Reports `reason` to a request that waits, unless it was the last one reported.
  static void tell_reason(Waiting& request, const std::string& reason, Actions& later);
  void grant(Waiting& request, Agent& agent, Actions& later);
  // Queues a message for the agent; `wake`: answer its held poll now (else see kQuietMs).
  void queue_message(Agent& agent, std::string message, Actions& later, bool wake = true);
  // The SHA-256 of a shared workspace tar, hashed once per file version.
  std::string archive_sha256(const std::string& file);
  // The content of a run's event payload file (`file`, "": none) when small enough to send,
  // read once per file: a run writes it before its jobs start and sluice never changes it
  // (its name is unique to the run; a job's step may write to it, but other jobs get the
  // event as the run began, as on GitHub), while each of the run's leases sends it.
  const std::string* event_payload(const std::string& file);
  void flush_poll(Agent& agent, Actions& later);
  void lose_lease(const std::string& lease_id, Actions& later);
  void drop_agent(const std::string& agent_id, Actions& later);
  void end_lease(Lease& lease, Actions& later);
  static void run(Actions& later);

  const engine::Clock& clock_;
  AgentHubOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;  // by id
  std::deque<Waiting> waiting_;                           // first come, first served
  std::map<std::string, std::unique_ptr<Lease>> leases_;  // by lease id
  std::map<std::string, std::string> lease_of_scope_;     // job scope -> lease id
  struct ArchiveHash {
    uint64_t inode = 0, size = 0;
    int64_t mtime_ns = 0;
    std::string sha256;
  };
  std::map<std::string, ArchiveHash> archive_hashes_;  // by file; bounded
  std::map<std::string, std::string> event_payloads_;  // by file; bounded
  std::deque<std::string> lost_order_;                 // bounds lost_
  std::set<std::string> lost_;                         // leases lost or ended
  // Held steps accepted at a registration, by delivery id, until their result is recorded.
  std::map<std::string, std::shared_ptr<Delivery>> deliveries_;
  int64_t next_delivery_ = 1;
  int64_t next_agent_ = 1;
  int64_t next_lease_ = 1;
  int64_t grants_ = 0;
  int64_t offline_count_ = 0;
  std::mutex ticker_mutex_;
  std::condition_variable ticker_wake_;
  bool ticker_stop_ = false;
  std::thread ticker_;
  RuntimeRelay relay_;  // /leases/LEASE/runtime/ (runtime_relay.h)
};

// The machine's architecture as a runner label: x64, arm64, arm, x86, or uname's name.
std::string machine_arch_label();

}  // namespace sluice::server

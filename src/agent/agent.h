// Agent: `sluice agent`, the remote side of docs/agent-protocol.md.
//
// It registers with the controller, keeps one poll outstanding for messages (leases,
// steps, cancels, end_job), runs each step with the executor it is given (the same
// LocalProcessExecutor as `sluice run`), streams the step's log lines back in chunks and
// then its result, and sends heartbeats that keep its leases. Each lease gets a directory
// WORK_DIR/leases/<id> with a copy of the run's workspace (a commit's tree is unpacked once
// into WORK_DIR/trees and copied from there: workspace_cache.h); the controller's paths in
// a step request are mapped onto it (agent_paths.h).
//
// Failures: a controller that cannot be reached (refused, 5xx) is retried with back-off
// (100 ms doubling to 5 s) by every thread; leased steps go on running, and their reports
// wait in order in the outbox meanwhile (outbox.h: bounded by outbox_limit_bytes) and are
// delivered once it answers again. A controller that no longer knows the agent (404
// unknown_agent: it restarted, or dropped the agent) gets a new registration that names
// what each lease holds, and the steps it accepts are delivered to it (held_delivery.h,
// docs/agent-protocol.md, "Controller restarts"); the others' leases end at once. Leases
// it calls lost (heartbeat reply, 410) have their processes killed and their undelivered
// reports dropped.
//
// Threads: the caller's (run(): registration and polls), one for heartbeats, one for the
// outbox (reports), and the executor's I/O thread (log lines, step ends). One mutex guards
// the state they share.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_messages.h"
#include "agent/http_channel.h"
#include "agent/lease.h"
#include "agent/outbox.h"
#include "agent/runtime_proxy.h"
#include "agent/workspace_cache.h"
#include "engine/executor.h"

namespace sluice::agent {

struct AgentOptions {
  std::string server;  // http://host:port
  std::string token;
  std::vector<std::string> labels;  // besides linux and the architecture
  int executors = 1;
  std::string work_dir;
  std::string name;
  std::string version;
  // Where the jobs' runtime services listen on this machine (runtime_proxy.h): an IPv4
  // loopback address.
  std::string runtime_address = "127.0.0.1";
  int64_t max_poll_wait_ms = 5000;  // bounds how long a stop waits for the poll in flight
  // Where the steps' command files go: a private directory made in it (tmpfs); "" or a root
  // that cannot hold one: WORK_DIR/leases/LEASE/step-files.
  std::string step_files_root = "/dev/shm";
  // Undelivered log chunks kept in memory while the controller cannot be reached.
  size_t outbox_limit_bytes = 64 * 1024 * 1024;
  std::function<void(const std::string&)> log;  // the agent's own messages (stderr)
  // Removes a lease's directory that std::filesystem could not: files of a rootless
  // container's other users (exec/container/container_cleanup.h). Unset: none.
  std::function<Status(const std::string& dir)> remove_tree_fallback;
};

class Agent {
 public:
  using ChannelFactory = std::function<Result<std::unique_ptr<Channel>>()>;
  Agent(AgentOptions options, ChannelFactory channels, engine::Executor& executor);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Works until `stop` is set, then deregisters and kills what it runs. Returns 0, or 1
  // when the controller refuses the agent for good (bad token, unsupported protocol).
  int run(const std::atomic<bool>& stop);

  // The hooks of the executor's ContainerExecutor (exec/container/container_executor.h):
  // the lease's runtime services also answer inside its job container's network namespace
  // (or a Docker action's), at the same URLs as on the agent, until its containers go.
  // Any thread; never called with mutex_ held.
  void containers_started(const std::string& job_scope, const std::string& netns_path);
  void containers_removed(const std::string& job_scope);

 private:
  bool register_agent(const std::atomic<bool>& stop, bool& refused);
  void poll_loop(const std::atomic<bool>& stop);
  void heartbeat_loop(const std::atomic<bool>& stop);
  void outbox_loop(const std::atomic<bool>& stop);
  void handle(const ControllerMessage& message, Channel& channel);
  void open_lease(const LeaseMessage& message, Channel& channel);
  void start_step(const StepMessage& message, Channel& channel);
  // Downloads the step's action directory into the lease once; an error message, or "".
  std::string fetch_action(const StepMessage& message, Channel& channel);
  void prepare_outside_world(Lease& lease, const StepMessage& message);  // mutex_ held
  void on_step_done(const std::string& lease_id, int64_t step_id, std::shared_ptr<StepLog> log,
                    engine::StepOutcome outcome);
  void end_lease(const std::string& lease_id, bool lost);
  // Removes a lease's directory, with options_.remove_tree_fallback when needed.
  void remove_lease_tree(const std::string& dir) const;
  void lose_all_leases();
  Headers headers() const;  // mutex_ held
  void wait(const std::atomic<bool>& stop, int64_t ms);
  void say(const std::string& text) const;

  AgentOptions options_;
  ChannelFactory channels_;
  engine::Executor& executor_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string agent_id_;
  std::string session_;
  RegisterReply registration_;
  Leases leases_;
  Outbox outbox_;
  uint64_t generation_ = 0;  // registrations so far: a reply to an older one is stale
  std::set<std::shared_ptr<StepLog>> open_logs_;
  WorkspaceCache trees_;        // the poll thread's: commits' trees, copied into each lease
  std::string step_files_dir_;  // set by run() before any thread starts
  RuntimeProxy runtime_;        // calls headers() under mutex_: never call it with mutex_ held
};

}  // namespace sluice::agent

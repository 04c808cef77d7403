// The whole chain in one process: the RemoteExecutor places a job through the AgentHub,
// served over real HTTP on loopback, to a real Agent running steps with the
// LocalProcessExecutor. A system test (processes, sockets): label AgentRoundTrip.*.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "../exec/memory_log.h"
#include "agent/agent.h"
#include "core/secret_masker.h"
#include "exec/local_process_executor.h"
#include "exec/remote/remote_executor.h"
#include "runtime/http_server.h"
#include "server/agent_hub.h"

namespace sluice::server {
namespace {

namespace fs = std::filesystem;

class HubHandler : public runtime::HttpHandler {
 public:
  explicit HubHandler(AgentHub& hub) : hub_(hub) {}
  runtime::BodyPlan plan_body(const runtime::HttpRequest& head) override {
    return hub_.plan_body(head);
  }
  runtime::HttpResponse handle(runtime::HttpRequest& request) override {
    return hub_.handle(request);
  }

 private:
  AgentHub& hub_;
};

class NoLocalExecutor : public engine::Executor {
 public:
  engine::ExecutionId start(engine::StepRequest,
                            std::function<void(engine::StepOutcome)>) override {
    ADD_FAILURE() << "a step ran on the controller";
    return 0;
  }
  void cancel(engine::ExecutionId) override {}
  void end_job(const std::string&) override {}
  void kill_all() override {}
};

// A `sluice agent` (label "special") in this process, stopped and joined when it goes.
class RunningAgent {
 public:
  RunningAgent(uint16_t port, const fs::path& work_dir, size_t outbox_limit_bytes = 64 << 20) {
    agent::AgentOptions ao;
    ao.server = "http://127.0.0.1:" + std::to_string(port);
    ao.token = "t";
    ao.labels = {"special"};
    ao.work_dir = work_dir.string();
    ao.outbox_limit_bytes = outbox_limit_bytes;
    std::string url = ao.server;
    agent_ = std::make_unique<agent::Agent>(
        ao, [url] { return agent::open_http_channel(url); }, processes_);
    thread_ = std::thread([this] { agent_->run(stop_); });
  }
  ~RunningAgent() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  exec::LocalProcessExecutor processes_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<agent::Agent> agent_;
  std::thread thread_;
};

// Places `job` through `remote`; false when it is not placed within 20 s.
bool place(exec::remote::RemoteExecutor& remote, const engine::JobPlacement& job) {
  auto placed = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<std::once_flag>();
  remote.place_job(job, [placed, once](engine::PlacementEvent e) {
    if (e.kind == engine::PlacementEvent::Kind::kPlaced)
      std::call_once(*once, [&] { placed->set_value(); });
  });
  return placed->get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready;
}

TEST(AgentRoundTrip, AStepRunsOnARemoteAgentInItsOwnCopyOfTheWorkspace) {
  fs::path root = fs::temp_directory_path() / ("sluice-roundtrip-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "ws/sub");
  fs::create_directories(root / "tmp");
  std::ofstream(root / "ws/sub/hello.txt") << "from the controller\n";

  engine::SystemClock clock;
  AgentHubOptions options;
  options.heartbeat_ms = 200;
  options.scratch_dir = (root / "tmp").string();
  AgentHub hub(clock, options);
  hub.start_ticker(20);  // ends held polls at their deadline
  HubHandler handler(hub);
  auto server = runtime::HttpServer::start(handler);
  ASSERT_TRUE(server.ok());
  NoLocalExecutor none;
  exec::remote::RemoteExecutor remote(hub, none);

  RunningAgent agent((*server)->port(), root / "agent");

  std::mutex m;
  std::condition_variable cv;
  std::optional<engine::StepOutcome> outcome;
  engine::JobPlacement job;
  job.job_scope = "1/build";
  job.run_id = 1;
  job.job_key = "build";
  job.runs_on = {"self-hosted", "special"};
  job.secrets = {"hunter2"};
  job.workspace = (root / "ws").string();
  job.temp_dir = (root / "tmp").string();
  ASSERT_TRUE(place(remote, job));
  auto log = std::make_shared<exec::testing::MemoryLog>();
  engine::StepRequest step;
  step.job_scope = "1/build";
  step.shell = "bash";
  step.script =
      "cat hello.txt; pwd; echo secret hunter2; echo \"v=$GITHUB_WORKSPACE\" >> "
      "\"$GITHUB_OUTPUT\"; echo \"$GITHUB_WORKSPACE/bin\" >> \"$GITHUB_PATH\"";
  step.env = {{"PATH", "/usr/bin:/bin"}, {"GITHUB_WORKSPACE", job.workspace}};
  step.working_directory = job.workspace + "/sub";
  step.step_files_dir = job.temp_dir;
  step.log = log;
  step.masker = std::make_shared<SecretMasker>();
  remote.start(step, [&](engine::StepOutcome o) {
    std::lock_guard lock(m);
    outcome = std::move(o);
    cv.notify_all();
  });
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return outcome.has_value(); }));
  }
  EXPECT_TRUE(outcome->succeeded()) << outcome->error_message;
  std::vector<std::string> lines = log->all();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "from the controller");
  EXPECT_NE(lines[1].find((root / "agent/leases/").string()), std::string::npos)
      << "runs in the agent's copy: " << lines[1];
  EXPECT_EQ(lines[2], "secret ***") << "masked on the agent with the job's secrets";
  ASSERT_EQ(outcome->outputs.size(), 1u);
  EXPECT_NE(outcome->outputs[0].second.find("/agent/leases/"), std::string::npos)
      << "an output is the step's own text";
  EXPECT_EQ(outcome->path, std::vector<std::string>{job.workspace + "/bin"})
      << "GITHUB_PATH entries are mapped back to the controller's paths";
  remote.end_job("1/build");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the end_job poll
  agent.stop();
  EXPECT_TRUE(fs::is_empty(root / "agent/leases")) << "end_job removed the lease's directory";
  fs::remove_all(root);
}

// Records what a restarted controller receives for the steps agents held.
class RecordingSink : public HeldStepSink {
 public:
  std::string claim(const agent::HeldStep& step) override {
    std::lock_guard lock(mutex);
    claims.push_back(step);
    return "";
  }
  Status append_log(const agent::HeldStep&, int64_t, const std::vector<std::string>& l) override {
    std::lock_guard lock(mutex);
    lines.insert(lines.end(), l.begin(), l.end());
    return Status::Ok();
  }
  Status record_result(const agent::HeldStep&, const agent::StepResult& r,
                       const std::string&) override {
    std::lock_guard lock(mutex);
    result = r;
    return Status::Ok();
  }
  std::mutex mutex;
  std::vector<agent::HeldStep> claims;
  std::vector<std::string> lines;
  std::optional<agent::StepResult> result;
};

// The controller goes away while the agent's step runs and prints more than the agent's
// outbox holds; a new one (same proof key, same address) comes up: the agent registers
// again, names the step it holds, and delivers its remaining lines (the newest beyond the
// bound counted in a marker line) and its result; then the lease's directory goes.
TEST(AgentRoundTrip, AnAgentDeliversWhatItHeldToARestartedController) {
  fs::path root = fs::temp_directory_path() / ("sluice-held-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "ws");
  fs::create_directories(root / "tmp");
  engine::SystemClock clock;
  AgentHubOptions options;
  options.heartbeat_ms = 200;
  options.scratch_dir = (root / "tmp").string();
  options.proof_key = std::string(64, 'k');
  auto hub = std::make_unique<AgentHub>(clock, options);
  hub->start_ticker(20);
  auto handler = std::make_unique<HubHandler>(*hub);
  auto server = runtime::HttpServer::start(*handler);
  ASSERT_TRUE(server.ok());
  uint16_t port = (*server)->port();
  NoLocalExecutor none;
  auto remote = std::make_unique<exec::remote::RemoteExecutor>(*hub, none);

  RunningAgent agent(port, root / "agent", 64 * 1024);

  engine::JobPlacement job;
  job.job_scope = "12/build";
  job.run_id = 12;
  job.job_key = "build";
  job.runs_on = {"self-hosted", "special"};
  job.workspace = (root / "ws").string();
  job.temp_dir = (root / "tmp").string();
  ASSERT_TRUE(place(*remote, job));
  auto log = std::make_shared<exec::testing::MemoryLog>();
  engine::StepRequest step;
  step.job_scope = "12/build";
  step.shell = "bash";
  std::string go = (root / "go").string();
  step.script = "echo first; while [ ! -e " + go +
                " ]; do sleep 0.05; done; for i in $(seq 1 5000); do printf 'line %05d %0100d\\n' "
                "$i 0; done; echo v=9 >>\"$GITHUB_OUTPUT\"";
  step.env = {{"PATH", "/usr/bin:/bin"}};
  step.working_directory = job.workspace;
  step.step_files_dir = job.temp_dir;
  step.log = log;
  step.masker = std::make_shared<SecretMasker>();
  step.record_index = 1;
  step.record_attempt = 1;
  remote->start(step, [](engine::StepOutcome) { ADD_FAILURE() << "the old controller is gone"; });
  for (int i = 0; i < 400 && log->all().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(log->all(), std::vector<std::string>{"first"});

  // The controller dies; the step goes on and prints 5000 lines (~550 KB) meanwhile.
  server->reset();
  remote.reset();
  hub.reset();
  std::ofstream(go) << "go";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  auto sink = std::make_shared<RecordingSink>();
  options.held_steps = sink;
  AgentHub restarted(clock, options);
  restarted.start_ticker(20);
  HubHandler handler2(restarted);
  runtime::ListenOptions listen;
  listen.port = port;
  auto server2 = runtime::HttpServer::start(handler2, listen);
  ASSERT_TRUE(server2.ok()) << server2.error().message;
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard lock(sink->mutex);
      if (sink->result) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::lock_guard lock(sink->mutex);
  ASSERT_TRUE(sink->result) << "the held step's result reached the restarted controller";
  ASSERT_EQ(sink->claims.size(), 1u);
  EXPECT_EQ(sink->claims[0].run_id, 12);
  EXPECT_EQ(sink->claims[0].job_key, "build");
  EXPECT_EQ(sink->claims[0].step_index, 1);
  EXPECT_EQ(sink->claims[0].next_seq, 1) << "the old controller had chunk 0 ('first')";
  EXPECT_TRUE(sink->result->outcome.succeeded());
  EXPECT_EQ(sink->result->outcome.outputs,
            (std::vector<std::pair<std::string, std::string>>{{"v", "9"}}));
  int64_t delivered = 0, dropped = 0, previous = 0;
  bool in_order = true;
  for (const std::string& line : sink->lines) {
    if (line.rfind("line ", 0) == 0) {
      int64_t n = std::stoll(line.substr(5, 5));
      in_order = in_order && n > previous;
      previous = n;
      ++delivered;
    } else if (line.rfind("sluice-agent: ", 0) == 0) {
      dropped += std::stoll(line.substr(14));
    } else {
      ADD_FAILURE() << "unexpected line " << line;
    }
  }
  EXPECT_TRUE(in_order);
  EXPECT_GT(dropped, 0) << "the outbox bound (64 KiB) was reached";
  EXPECT_GT(delivered, 0);
  EXPECT_EQ(delivered + dropped, 5000) << "every line is delivered or counted";
  for (int i = 0; i < 100 && !fs::is_empty(root / "agent/leases"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(fs::is_empty(root / "agent/leases")) << "the delivered lease ended";
  agent.stop();
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::server

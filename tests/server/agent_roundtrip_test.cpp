// The whole chain in one process: the RemoteExecutor places a job through the AgentHub,
// served over real HTTP on loopback, to a real Agent running steps with the
// LocalProcessExecutor. A system test (processes, sockets): label AgentRoundTrip.*.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
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

  exec::LocalProcessExecutor processes;
  agent::AgentOptions ao;
  ao.server = "http://127.0.0.1:" + std::to_string((*server)->port());
  ao.token = "t";
  ao.labels = {"special"};
  ao.work_dir = (root / "agent").string();
  std::string url = ao.server;
  agent::Agent agent(
      ao, [url] { return agent::open_http_channel(url); }, processes);
  std::atomic<bool> stop{false};
  std::thread agent_thread([&] { agent.run(stop); });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop, agent_thread};

  std::mutex m;
  std::condition_variable cv;
  bool placed = false;
  std::optional<engine::StepOutcome> outcome;
  engine::JobPlacement job;
  job.job_scope = "1/build";
  job.run_id = 1;
  job.job_key = "build";
  job.runs_on = {"self-hosted", "special"};
  job.secrets = {"hunter2"};
  job.workspace = (root / "ws").string();
  job.temp_dir = (root / "tmp").string();
  remote.place_job(job, [&](engine::PlacementEvent e) {
    std::lock_guard lock(m);
    placed = placed || e.kind == engine::PlacementEvent::Kind::kPlaced;
    cv.notify_all();
  });
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return placed; }));
  }
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
  stop = true;
  agent_thread.join();
  EXPECT_FALSE(fs::exists(root / "agent/leases/l-1")) << "end_job removed the lease's directory";
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::server

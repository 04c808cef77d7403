// ContainerExecutor in front of a recording executor and a fake engine (a script that
// logs its arguments): what passes through, what becomes an engine script, the errors
// without an engine, and the synchronous cleanup when a job's stop step did not succeed.
#include "exec/container/container_executor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace sluice::exec::container {
namespace {

namespace fs = std::filesystem;
using engine::StepRequest;

class RecordingExecutor : public engine::Executor {
 public:
  engine::ExecutionId start(StepRequest request,
                            std::function<void(engine::StepOutcome)> on_done) override {
    requests.push_back(std::move(request));
    done.push_back(std::move(on_done));
    return static_cast<engine::ExecutionId>(requests.size());
  }
  void cancel(engine::ExecutionId id) override {
    cancelled.push_back(id);
    if (end_on_cancel) finish(static_cast<size_t>(id - 1), 137);
  }
  void end_job(const std::string& scope) override { ended.push_back(scope); }
  void kill_all() override {}
  void finish(size_t index, int exit_code) {
    engine::StepOutcome o;
    o.started = true;
    o.exit_code = exit_code;
    done[index](o);
  }
  std::vector<StepRequest> requests;
  std::vector<std::function<void(engine::StepOutcome)>> done;
  std::vector<engine::ExecutionId> cancelled;
  std::vector<std::string> ended;
  bool end_on_cancel = false;  // the step ends inside cancel(), as its I/O thread may
};

class ContainerExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-cx-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    engine_ = (dir_ / "podman").string();
    std::ofstream(engine_) << "#!/bin/sh\necho \"$*\" >> '" << (dir_ / "calls").string() << "'\n";
    fs::permissions(engine_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string calls() const {
    std::ifstream in(dir_ / "calls");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::shared_ptr<engine::JobContainers> with_job_container() {
    auto job = std::make_shared<engine::JobContainers>();
    job->job = engine::ContainerRequest{};
    job->job->image = "img";
    job->job->pos = {"w.yml", 5, 16};
    job->mounts = {"/w"};
    job->workspace = "/w";
    return job;
  }
  // A `run: sleep 60` step of job `scope`, which has a job container.
  static StepRequest sleep_in_job_container(const std::string& scope) {
    StepRequest request;
    request.job_scope = scope;
    request.containers = with_job_container();
    request.script = "sleep 60";
    return request;
  }
  fs::path dir_;
  std::string engine_;
};

TEST_F(ContainerExecutorTest, NativeStepsPassThroughUntouched) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {"/nonexistent/podman", "/d", {}});
  StepRequest request;
  request.script = "echo hi";
  request.env = {{"A", "1"}};
  executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  EXPECT_EQ(inner.requests[0].script, "echo hi");
  EXPECT_EQ(inner.requests[0].env, request.env);
}

TEST_F(ContainerExecutorTest, WithoutAnEngineTheStartFailsAtContainerAndTheStopSucceeds) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {"/nonexistent/podman", "/d", {}});
  StepRequest start;
  start.kind = StepRequest::Kind::kContainersStart;
  start.containers = with_job_container();
  engine::StepOutcome outcome;
  executor.start(start, [&](engine::StepOutcome o) { outcome = o; });
  EXPECT_FALSE(outcome.started);
  EXPECT_EQ(
      outcome.error_message.rfind("w.yml:5:16: the job's containers need a container engine", 0),
      0u)
      << outcome.error_message;
  EXPECT_NE(outcome.error_message.find("apt-get install podman runc"), std::string::npos);
  StepRequest stop = start;
  stop.kind = StepRequest::Kind::kContainersStop;
  executor.start(stop, [&](engine::StepOutcome o) { outcome = o; });
  EXPECT_TRUE(outcome.succeeded());
  EXPECT_TRUE(inner.requests.empty());
}

TEST_F(ContainerExecutorTest, AStepOfAContainerJobBecomesAnEngineExec) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner,
                             {engine_, "/d", {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}}});
  StepRequest request;
  request.job_scope = "4/build";
  request.containers = with_job_container();
  request.script = "make test";
  request.shell = "bash";
  request.working_directory = "/w/sub";
  request.env = {{"CI", "true"}, {"PATH", "/opt/tool/bin"}, {"HOME", "/github/home"}};
  executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  const StepRequest& r = inner.requests[0];
  EXPECT_EQ(r.kind, StepRequest::Kind::kScript);
  EXPECT_EQ(r.shell, "bash");
  EXPECT_NE(r.script.find("make test\n"), std::string::npos);
  EXPECT_NE(r.script.find("exec '" + engine_ + "' 'exec' '-w' '/w/sub' '-e' 'CI' '-e' 'HOME'"),
            std::string::npos)
      << r.script;
  EXPECT_NE(r.script.find("'/opt/tool/bin'"), std::string::npos);  // before the image's PATH
  EXPECT_EQ(r.env.at("PATH"), "/usr/bin:/bin");                    // the engine's own
  EXPECT_EQ(r.env.at("HOME"), "/github/home");                     // the step's wins
  EXPECT_EQ(r.env.at("CI"), "true");
}

TEST_F(ContainerExecutorTest, AJobWhoseStopDidNotSucceedIsSweptByLabel) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  StepRequest start;
  start.kind = StepRequest::Kind::kContainersStart;
  start.job_scope = "9/a";
  start.containers = with_job_container();
  executor.start(start, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  EXPECT_NE(inner.requests[0].script.find("'network' 'create'"), std::string::npos);
  inner.finish(0, 0);
  executor.end_job("9/a");
  EXPECT_EQ(inner.ended, std::vector<std::string>{"9/a"});
  EXPECT_NE(calls().find("ps -a -q --filter label=sluice.job=" + labels_for("9/a", "/d").job +
                         " --filter label=sluice.data=" + data_label("/d")),
            std::string::npos)
      << calls();

  // A stop that succeeded leaves nothing to sweep.
  fs::remove(dir_ / "calls");
  StepRequest stop = start;
  stop.job_scope = "9/b";
  executor.start(stop, [](engine::StepOutcome) {});  // a start marks the scope
  stop.kind = StepRequest::Kind::kContainersStop;
  executor.start(stop, [](engine::StepOutcome) {});
  inner.finish(2, 0);
  executor.end_job("9/b");
  EXPECT_EQ(calls(), "");
}

TEST_F(ContainerExecutorTest, CancellingADockerActionRemovesItsContainer) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  StepRequest request;
  request.kind = StepRequest::Kind::kDockerAction;
  request.job_scope = "2/a";
  request.docker.image = "docker://alpine:3";
  request.docker.workspace = "/w";
  engine::ExecutionId id = executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  EXPECT_NE(inner.requests[0].script.find("'run' '--rm'"), std::string::npos);
  EXPECT_NE(inner.requests[0].script.find("'alpine:3'"), std::string::npos);
  executor.cancel(id);
  EXPECT_EQ(inner.cancelled, std::vector<engine::ExecutionId>{id});
  EXPECT_NE(calls().find("rm -f -t 0 " + names_for("2/a", "/d").prefix + "-step-1"),
            std::string::npos)
      << calls();
}

TEST_F(ContainerExecutorTest, CancellingAStepInTheJobContainerKillsItsProcessesThere) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  StepRequest request = sleep_in_job_container("5/a");
  engine::ExecutionId id = executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  std::string marker = inner.requests[0].env.at(kStepMarker);
  EXPECT_EQ(marker.back(), '.');
  EXPECT_NE(inner.requests[0].script.find("'-e' 'SLUICE_CONTAINER_STEP'"), std::string::npos);
  executor.cancel(id);
  ContainerNames n = names_for("5/a", "/d");
  EXPECT_NE(calls().find("exec " + n.job + " sh -c for p in /proc/[0-9]*"), std::string::npos)
      << calls();
  EXPECT_NE(calls().find(" sh " + marker), std::string::npos) << calls();

  // Once the step has ended, a late cancel does nothing in the container.
  fs::remove(dir_ / "calls");
  inner.finish(0, 0);
  executor.cancel(id);
  EXPECT_EQ(calls(), "");
}

// Regression (test_run_container_job's timeout case, "still-running" under load): the
// step's end, which the inner cancel may bring at once on its I/O thread, must not take the
// kill of its processes in the container with it.
TEST_F(ContainerExecutorTest, AStepThatEndsAsSoonAsCancelledStillHasItsProcessesKilled) {
  RecordingExecutor inner;
  inner.end_on_cancel = true;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  StepRequest request = sleep_in_job_container("5/a");
  engine::ExecutionId id = executor.start(request, [](engine::StepOutcome) {});
  executor.cancel(id);
  EXPECT_NE(calls().find("exec " + names_for("5/a", "/d").job + " sh -c for p in /proc/[0-9]*"),
            std::string::npos)
      << calls();
}

// A step whose `exec` was under way when it was cancelled may start in the container after
// the kill: a flag file (in the step-files directory, mounted at the same path) created
// before the kill makes it exit at once.
TEST_F(ContainerExecutorTest, AStepThatStartsAfterItsCancelExitsAtOnce) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  StepRequest request = sleep_in_job_container("5/a");
  request.step_files_dir = dir_.string();
  engine::ExecutionId id = executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  std::string flag = dir_.string() + "/" + inner.requests[0].env.at(kStepMarker) + "cancelled";
  EXPECT_NE(inner.requests[0].script.find("'sh' '-c' '[ ! -e \"$0\" ] || exit 143; exec "
                                          "\"$@\"' '" +
                                          flag + "'"),
            std::string::npos)
      << inner.requests[0].script;
  EXPECT_FALSE(fs::exists(flag));
  executor.cancel(id);
  EXPECT_TRUE(fs::exists(flag));
}

// A Docker action of a native job with services (Podman): the runtime services answer in
// the action's own network namespace. Its script writes the container's PID to a hand-shake
// file after `init`; the executor has the hook listen there, then writes "<file>.ready".
TEST_F(ContainerExecutorTest, ADockerActionOfANativeJobWithServicesGetsTheRuntimeServices) {
  RecordingExecutor inner;
  ContainerExecutor executor(inner, {engine_, "/d", {}});
  std::vector<std::string> events;
  std::mutex events_mutex;
  executor.set_job_container_hooks({[&](const std::string& scope, const std::string& netns) {
                                      std::lock_guard lock(events_mutex);
                                      events.push_back("started " + scope + " " + netns);
                                    },
                                    [&](const std::string& scope) {
                                      std::lock_guard lock(events_mutex);
                                      events.push_back("removed " + scope);
                                    }});
  StepRequest request;
  request.kind = StepRequest::Kind::kDockerAction;
  request.job_scope = "3/n";
  request.docker.image = "docker://alpine:3";
  request.docker.workspace = "/w";
  request.step_files_dir = dir_.string();
  auto job = std::make_shared<engine::JobContainers>();
  job->services.push_back(engine::ContainerRequest{});
  job->services[0].service_id = "web";
  request.containers = job;
  executor.start(request, [](engine::StepOutcome) {});
  ASSERT_EQ(inner.requests.size(), 1u);
  const std::string& script = inner.requests[0].script;
  std::string file = (dir_ / (names_for("3/n", "/d").prefix + "-step-1.netns")).string();
  EXPECT_NE(script.find("'create' '--rm' '--name'"), std::string::npos) << script;
  EXPECT_NE(script.find("> '" + file + "'.tmp"), std::string::npos) << script;
  EXPECT_LT(script.find("'init'"), script.find("'start' '--attach'"));

  std::ofstream(file + ".tmp") << "4242\n";  // what the script does after `init`
  fs::rename(file + ".tmp", file);
  for (int i = 0; i < 500 && !fs::exists(file + ".ready"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(fs::exists(file + ".ready"));
  inner.finish(0, 0);
  std::lock_guard lock(events_mutex);
  EXPECT_EQ(events, (std::vector<std::string>{"started 3/n /proc/4242/ns/net", "removed 3/n"}));
}

}  // namespace
}  // namespace sluice::exec::container

// Container jobs, services and Docker actions as the engine sees them: which requests a
// job becomes (start first, stop last and always), what they carry, and how the start
// step's outputs become job.container / job.services. No engine runs here (fake executor).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace sluice::engine::testing {
namespace {

using Kind = StepRequest::Kind;

class JobContainersTest : public EngineHarness {
 protected:
  // Ends the only running execution.
  void finish_running(int exit_code = 0,
                      std::vector<std::pair<std::string, std::string>> outputs = {}) {
    auto running = executor_.running();
    ASSERT_EQ(running.size(), 1u) << running_text();
    StepOutcome o;
    o.started = true;
    o.exit_code = exit_code;
    o.outputs = std::move(outputs);
    running[0]->done = true;
    running[0]->on_done(o);
    pump();
  }
  const StepRequest& current() { return executor_.running().at(0)->request; }
};

TEST_F(JobContainersTest, AContainerJobBecomesStartStepsStop) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    container:
      image: node:20
      env: {IN_CONTAINER: '1'}
    services:
      db:
        image: postgres
        env: {POSTGRES_PASSWORD: pw}
        ports: ['5432']
        options: --health-cmd pg_isready
    steps:
      - run: echo port ${{ job.services.db.ports['5432'] }} id ${{ job.container.id }}
      - run: fails
      - run: never
)");
  const StepRequest& up = current();
  EXPECT_EQ(up.kind, Kind::kContainersStart);
  ASSERT_TRUE(up.containers);
  ASSERT_TRUE(up.containers->job);
  EXPECT_EQ(up.containers->job->image, "node:20");
  EXPECT_EQ(up.containers->job->pos.line, 7);
  ASSERT_EQ(up.containers->services.size(), 1u);
  const ContainerRequest& db = up.containers->services[0];
  EXPECT_EQ(db.service_id, "db");
  EXPECT_EQ(db.options, "--health-cmd pg_isready");
  EXPECT_EQ(db.ports, std::vector<std::string>{"5432"});
  EXPECT_THAT(up.containers->mounts, ::testing::Contains("/tmp"));
  EXPECT_EQ(steps("a").front().name, "Initialize containers");

  finish_running(0, {{"service.db.port.5432", "49153"}, {"container.id", "c0ffee"}});
  const StepRequest& step = current();
  EXPECT_EQ(step.kind, Kind::kScript);
  EXPECT_EQ(step.script, "echo port 49153 id c0ffee");
  EXPECT_EQ(step.containers.get(), up.containers.get());
  finish_running(0);
  finish_running(1);  // `fails`: `never` is skipped, the stop step still runs
  EXPECT_EQ(current().kind, Kind::kContainersStop);
  finish_running(0);
  ASSERT_TRUE(engine_->finished());
  std::vector<StepRecord> s = steps("a");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[3].status, RunStatus::kSkipped);
  EXPECT_EQ(s[4].name, "Stop containers");
  EXPECT_EQ(s[4].status, RunStatus::kSuccess);
  EXPECT_EQ(job("a").status, RunStatus::kFailure);
}

TEST_F(JobContainersTest, StepsInTheContainerGetNoHostEnvironment) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    container: img
    env: {JOB: j}
    steps:
      - run: first
      - run: second
      - uses: actions/checkout@v4
)");
  finish_running(0);  // start
  // The harness has no host environment: give the next steps one, and a GITHUB_PATH entry.
  context_->options.base_env = {{"HOST_ONLY", "h"}, {"PATH", "/usr/bin"}};
  const StepRequest& first = current();
  EXPECT_EQ(first.env.count("HOST_ONLY"), 0u);
  EXPECT_EQ(first.env.at("JOB"), "j");
  EXPECT_EQ(first.env.count("PATH"), 0u);  // the image's own PATH
  auto* e = executor_.running()[0];
  StepOutcome o;
  o.started = true;
  o.exit_code = 0;
  o.path = {"/opt/tool"};
  e->done = true;
  e->on_done(o);
  pump();
  EXPECT_EQ(current().env.at("PATH"), "/opt/tool");  // only what goes before the image's
}

TEST_F(JobContainersTest, CancelStillStopsTheContainers) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    services:
      cache: redis
    steps:
      - run: long
)");
  finish_running(0);
  EXPECT_EQ(current().script, "long");
  EXPECT_FALSE(current().containers->job);  // a native job: steps run on the host
  engine_->cancel();
  pump();
  EXPECT_EQ(current().kind, Kind::kContainersStop);
  finish_running(0);
  EXPECT_TRUE(engine_->finished());
}

TEST_F(JobContainersTest, AContainerErrorFailsTheJobAtItsPlace) {
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    container:
      image: ${{ fromJSON('[') }}
    steps:
      - run: x
)");
  EXPECT_TRUE(engine_->finished() || executor_.running().empty() ||
              current().kind == Kind::kContainersStop);
  while (!executor_.running().empty()) finish_running(0);
  EXPECT_EQ(job("a").status, RunStatus::kFailure);
  EXPECT_NE(job("a").reason.find("test.yml:7:"), std::string::npos) << job("a").reason;
}

class DockerResolver : public ActionResolver {
 public:
  Result<std::shared_ptr<const ResolvedAction>> resolve(const std::string& uses,
                                                        const std::string&) override {
    auto a = std::make_shared<ResolvedAction>();
    a->kind = ResolvedAction::Kind::kDocker;
    a->uses = uses;
    a->dir = "/actions/greet";
    a->action.using_ = "docker";
    if (uses.rfind("docker://", 0) == 0) return std::shared_ptr<const ResolvedAction>(a);
    a->action.image = spec::Scalar{"Dockerfile", {}};
    a->action.entrypoint = "/main.sh";
    a->action.pre_entrypoint = "/pre.sh";
    a->action.post_entrypoint = "/post.sh";
    a->action.args = {spec::Scalar{"hello", {}}, spec::Scalar{"${{ inputs.who }}", {}}};
    a->action.env = {{"FROM_ACTION", spec::Scalar{"yes", {}}}};
    spec::ActionInput who;
    who.id = "who";
    who.default_value = "nobody";
    a->action.inputs = {who};
    return std::shared_ptr<const ResolvedAction>(a);
  }
};

TEST_F(JobContainersTest, DockerActionsBecomeDockerRequestsWithPreAndPost) {
  DockerResolver resolver;
  resolver_ = &resolver;
  start(R"(
on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: acme/greet@v1
        with: {who: world}
      - uses: docker://alpine:3
        with: {entrypoint: /bin/echo, args: one two}
)");
  auto next = [&]() -> const StepRequest& { return current(); };
  auto end = [&] { finish_running(0); };
  EXPECT_EQ(next().kind, Kind::kDockerAction);
  EXPECT_EQ(next().docker.entrypoint, "/pre.sh");
  EXPECT_TRUE(next().docker.args.empty());
  end();
  const StepRequest& main = next();
  EXPECT_EQ(main.docker.image, "/actions/greet/Dockerfile");
  EXPECT_EQ(main.docker.entrypoint, "/main.sh");
  EXPECT_EQ(main.docker.args, (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(main.env.at("INPUT_WHO"), "world");
  EXPECT_EQ(main.env.at("FROM_ACTION"), "yes");
  EXPECT_THAT(main.docker.mounts, ::testing::Contains("/tmp"));
  EXPECT_EQ(main.docker.workspace, "/tmp");
  end();
  EXPECT_EQ(next().docker.image, "docker://alpine:3");
  EXPECT_EQ(next().docker.entrypoint, "/bin/echo");
  EXPECT_EQ(next().docker.args, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(next().docker.pos.line, 9);
  end();
  EXPECT_EQ(next().docker.entrypoint, "/post.sh");
  end();
  EXPECT_TRUE(engine_->finished());
}

}  // namespace
}  // namespace sluice::engine::testing

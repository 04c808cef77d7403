#include "plan/run_plan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/value.h"
#include "plan/forecast.h"
#include "plan/inputs.h"
#include "spec/workflow_loader.h"

namespace fs = std::filesystem;

namespace sluice::plan {
namespace {

class RunPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("plan-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / ".github/workflows");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& path, const std::string& text) {
    std::ofstream(root_ / path) << text;
  }
  spec::Workflow load(const std::string& yaml) {
    Diagnostics d;
    auto w = spec::load_workflow_text(yaml, "w.yml", d);
    EXPECT_TRUE(w) << d.format();
    return w ? *w : spec::Workflow{};
  }
  fs::path root_;
};

TEST_F(RunPlanTest, OrdersJobsTopologically) {
  auto w = load(
      "on: push\njobs:\n  c: {runs-on: x, needs: [a, b], steps: [{run: c}]}\n"
      "  b: {runs-on: x, needs: a, steps: [{run: b}]}\n  a: {runs-on: x, steps: [{run: a}]}\n");
  Diagnostics d;
  auto plan = build_run_plan(w, root_.string(), d);
  ASSERT_TRUE(plan) << d.format();
  ASSERT_EQ(plan->jobs.size(), 3u);
  EXPECT_EQ(plan->jobs[0].key, "a");
  EXPECT_EQ(plan->jobs[1].key, "b");
  EXPECT_EQ(plan->jobs[2].key, "c");
}

TEST_F(RunPlanTest, ReportsCyclesWithThePath) {
  auto w = load(
      "on: push\njobs:\n  a: {runs-on: x, needs: b, steps: [{run: a}]}\n"
      "  b: {runs-on: x, needs: a, steps: [{run: b}]}\n");
  Diagnostics d;
  EXPECT_FALSE(build_run_plan(w, root_.string(), d));
  EXPECT_NE(d.format().find("cycle in needs: a -> b -> a"), std::string::npos) << d.format();
}

TEST_F(RunPlanTest, ReportsCyclesOfReusableWorkflowCalls) {
  // a.yml → b.yml → a.yml used to be expanded until the nesting limit stopped it.
  write(".github/workflows/a.yml",
        "on: workflow_call\njobs:\n  to-b:\n    uses: ./.github/workflows/b.yml\n");
  write(".github/workflows/b.yml",
        "on: workflow_call\njobs:\n  to-a:\n    uses: ./.github/workflows/a.yml\n");
  auto w = load("on: push\njobs:\n  start:\n    uses: ./.github/workflows/a.yml\n");
  Diagnostics d;
  EXPECT_FALSE(build_run_plan(w, root_.string(), d));
  std::string dir = (root_ / ".github/workflows").lexically_normal().string();
  EXPECT_NE(d.format().find("w.yml:4:11: error: './.github/workflows/a.yml' leads into a cycle "
                            "of reusable workflow calls: " +
                            dir + "/a.yml:4:11 uses ./.github/workflows/b.yml, " + dir +
                            "/b.yml:4:11 uses ./.github/workflows/a.yml"),
            std::string::npos)
      << d.format();
  EXPECT_EQ(d.format().find("nested deeper"), std::string::npos) << d.format();
}

TEST_F(RunPlanTest, CapsTheJobsOfCalledWorkflows) {
  // 200 callers of a 200-job workflow would plan 40,000 jobs.
  std::string called = "on: workflow_call\njobs:\n";
  for (int i = 0; i < 200; ++i)
    called += "  j" + std::to_string(i) + ": {runs-on: x, steps: [{run: a}]}\n";
  write(".github/workflows/called.yml", called);
  std::string caller = "on: push\njobs:\n";
  for (int i = 0; i < 200; ++i)
    caller += "  c" + std::to_string(i) + ": {uses: ./.github/workflows/called.yml}\n";
  auto w = load(caller);
  Diagnostics d;
  EXPECT_FALSE(build_run_plan(w, root_.string(), d));
  EXPECT_NE(d.format().find("this run has more than 1024 jobs"), std::string::npos) << d.format();
  EXPECT_EQ(d.error_count(), 1u) << d.format();
}

TEST_F(RunPlanTest, ExpandsReusableWorkflows) {
  write(".github/workflows/called.yml",
        "on:\n  workflow_call:\n    inputs: {who: {type: string, required: true}}\n"
        "jobs:\n  one: {runs-on: x, steps: [{run: one}]}\n  two: {runs-on: x, needs: one, steps: "
        "[{run: two}]}\n");
  auto w = load(
      "on: push\njobs:\n  build: {runs-on: x, steps: [{run: b}]}\n"
      "  call: {needs: build, uses: ./.github/workflows/called.yml, with: {who: me}}\n");
  Diagnostics d;
  auto plan = build_run_plan(w, root_.string(), d);
  ASSERT_TRUE(plan) << d.format();
  std::vector<std::string> keys;
  for (const auto& j : plan->jobs) keys.push_back(j.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"build", "call", "call / one", "call / two"}));
  const PlannedJob* two = plan->find("call / two");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->needs, std::vector<std::string>{"call / one"});
  EXPECT_EQ(two->caller_key, "call");
  EXPECT_EQ(plan->find("call")->inner_keys, (std::vector<std::string>{"call / one", "call / two"}));
}

TEST_F(RunPlanTest, RejectsCalledWorkflowsWithoutWorkflowCall) {
  write(".github/workflows/plain.yml",
        "on: push\njobs:\n  one: {runs-on: x, steps: [{run: one}]}\n");
  auto w = load("on: push\njobs:\n  call: {uses: ./.github/workflows/plain.yml}\n");
  Diagnostics d;
  EXPECT_FALSE(build_run_plan(w, root_.string(), d));
  EXPECT_NE(d.format().find("no 'on: workflow_call'"), std::string::npos) << d.format();
}

TEST_F(RunPlanTest, ForecastDecidesStaticConditions) {
  auto w = load(
      "on: push\njobs:\n"
      "  a: {runs-on: x, if: \"github.event_name == 'schedule'\", steps: [{run: a}]}\n"
      "  b: {runs-on: x, needs: a, steps: [{run: b}]}\n"
      "  c: {runs-on: x, needs: a, if: always(), steps: [{run: c}]}\n"
      "  d: {runs-on: x, strategy: {matrix: {n: [1, 2, 3]}}, steps: [{run: d}]}\n");
  Diagnostics d;
  auto plan = build_run_plan(w, root_.string(), d);
  ASSERT_TRUE(plan);
  Value contexts = Value::object();
  Value github = Value::object();
  github.set("event_name", "push");
  contexts.set("github", github);
  auto f = forecast(w, plan.get(), TriggerDecision{true, ""}, contexts);
  ASSERT_EQ(f.jobs.size(), 4u);
  EXPECT_EQ(f.jobs[0].decision, "skip");
  EXPECT_EQ(f.jobs[1].decision, "skip");
  EXPECT_EQ(f.jobs[1].reason, "needed job 'a' is skipped");
  EXPECT_EQ(f.jobs[2].decision, "runtime");
  EXPECT_EQ(f.jobs[3].decision, "run");
  EXPECT_EQ(f.jobs[3].matrix.size(), 3u);
}

TEST_F(RunPlanTest, DispatchInputsAreTyped) {
  auto w = load(
      "on:\n  workflow_dispatch:\n    inputs:\n"
      "      dry: {type: boolean, default: true}\n"
      "      level: {type: choice, options: [low, high], required: true}\n"
      "      count: {type: number}\n"
      "jobs:\n  a: {runs-on: x, steps: [{run: a}]}\n");
  auto inputs = resolve_dispatch_inputs(w, {{"level", "high"}, {"count", "3"}});
  ASSERT_TRUE(inputs.ok()) << inputs.error().message;
  EXPECT_TRUE(inputs->get("dry").is_bool());
  EXPECT_TRUE(inputs->get("dry").as_bool());
  EXPECT_EQ(inputs->get("count").as_number(), 3);
  EXPECT_EQ(inputs->get("level").as_string(), "high");
  auto bad = resolve_dispatch_inputs(w, {{"level", "medium"}, {"dry", "yes"}, {"nope", "1"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("must be one of: low, high"), std::string::npos);
  EXPECT_NE(bad.error().message.find("is a boolean"), std::string::npos);
  EXPECT_NE(bad.error().message.find("unknown input 'nope'"), std::string::npos);
  auto missing = resolve_dispatch_inputs(w, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("input 'level' is required"), std::string::npos);
}

void write_remote(const fs::path& root) {
  fs::create_directories(root / "remote/.github/workflows");
  std::ofstream(root / "remote/.github/workflows/outer.yml")
      << "on: workflow_call\njobs:\n  build: {runs-on: x, steps: [{run: b}]}\n"
         "  nested: {uses: ./.github/workflows/inner.yml}\n";
  std::ofstream(root / "remote/.github/workflows/inner.yml")
      << "on: workflow_call\njobs:\n  test: {runs-on: x, steps: [{run: t}]}\n";
}

constexpr const char* kCaller =
    "on: push\njobs:\n  call:\n    uses: acme/flows/.github/workflows/outer.yml@v1\n";

// Remote reusable workflows come from the CalledWorkflowLoader hook; `./` calls inside one
// resolve in its own repository.
TEST_F(RunPlanTest, RemoteWorkflowsComeFromTheHook) {
  write_remote(root_);
  auto w = load(kCaller);
  std::vector<std::string> asked;
  CalledWorkflowLoader loader = [&](const std::string& uses) -> Result<CalledWorkflowFile> {
    asked.push_back(uses);
    return CalledWorkflowFile{(root_ / "remote/.github/workflows/outer.yml").string(),
                              (root_ / "remote").string(), std::string(40, 'a')};
  };
  Diagnostics d;
  auto plan = build_run_plan(w, root_.string(), d, loader);
  ASSERT_TRUE(plan) << d.format();
  EXPECT_EQ(asked, std::vector<std::string>{"acme/flows/.github/workflows/outer.yml@v1"});
  ASSERT_TRUE(plan->find("call / build"));
  // The nested `./` call resolved in the remote repository, not in "repo".
  ASSERT_TRUE(plan->find("call / nested / test"));
  EXPECT_EQ(plan->find("call")->workflow_sha, std::string(40, 'a'));
  EXPECT_EQ(plan->find("call / nested")->workflow_sha, "");
}

TEST_F(RunPlanTest, HookErrorsAndNoHookAreReportedAtTheUses) {
  auto w = load(kCaller);
  CalledWorkflowLoader failing = [](const std::string&) -> Result<CalledWorkflowFile> {
    return Error{"cannot fetch reusable workflow 'x': offline", {}};
  };
  Diagnostics d;
  EXPECT_FALSE(build_run_plan(w, root_.string(), d, failing));
  EXPECT_NE(d.format().find("w.yml:4:11: error: cannot fetch reusable workflow 'x': offline"),
            std::string::npos)
      << d.format();
  Diagnostics without;
  EXPECT_FALSE(build_run_plan(w, root_.string(), without));
  EXPECT_NE(without.format().find("is not in this repository"), std::string::npos);
}

}  // namespace
}  // namespace sluice::plan

#include "deploy/deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "deploy_fakes.h"

namespace sluice::deploy::testing {
namespace {

using ::testing::ElementsAre;

DeploySpec in_place(Strategy strategy, int targets, const std::string& revision) {
  DeploySpec s;
  s.strategy = strategy;
  s.revision = revision;
  s.environment = "prod";
  for (int i = 1; i <= targets; ++i) s.targets.push_back({"web-" + std::to_string(i), ""});
  s.hooks[LifecycleEvent::kApplicationStop] = {cmd("stop-" + revision)};
  s.hooks[LifecycleEvent::kInstall] = {cmd("install-" + revision)};
  s.hooks[LifecycleEvent::kValidateService] = {cmd("validate-" + revision)};
  return s;
}

DeploySpec coloured(Strategy strategy, const std::string& revision) {
  DeploySpec s;
  s.strategy = strategy;
  s.revision = revision;
  s.environment = "prod";
  s.targets = {{"app-a", "blue"}, {"app-b", "green"}};
  s.hooks[LifecycleEvent::kInstall] = {cmd("install-" + revision)};
  s.hooks[LifecycleEvent::kSetTraffic] = {cmd("traffic")};
  s.hooks[LifecycleEvent::kPromote] = {cmd("promote")};
  return s;
}

CheckSpec check(const std::string& name, int count, int failure_limit) {
  CheckSpec c;
  c.name = name;
  c.kind = CheckSpec::Kind::kCommand;
  c.command = "true";
  c.count = count;
  c.failure_limit = failure_limit;
  c.interval = std::chrono::milliseconds(100);
  return c;
}

std::string traffic_of(const RecordedCall& c) {
  return c.env.at("SLUICE_DEPLOY_COLOUR") + "=" + c.env.at("SLUICE_DEPLOY_WEIGHT");
}

std::vector<std::string> traffic(FakeHooks& hooks) {
  std::vector<std::string> out;
  for (const auto& c : hooks.of("SetTraffic")) out.push_back(traffic_of(c));
  return out;
}

TEST(DeployerTest, AllAtOnceRunsTheLifecycleOnEveryTargetAndRecordsTheGoodRevision) {
  Harness h;
  DeployOutcome out = h.deploy(in_place(Strategy::kAllAtOnce, 2, "v1"));
  EXPECT_EQ(out.status, DeployStatus::kSucceeded) << out.reason;
  // The first deployment has no previous revision, so no ApplicationStop runs.
  EXPECT_TRUE(h.hooks.of("ApplicationStop").empty());
  EXPECT_EQ(h.hooks.of("Install").size(), 2u);
  auto good = last_good_deployment(h.store, "prod");
  ASSERT_TRUE(good.ok() && good->has_value());
  EXPECT_EQ((*good)->revision, "v1");
  EXPECT_EQ((*good)->deployment_id, out.deployment_id);
}

TEST(DeployerTest, ApplicationStopRunsThePreviousGoodRevisionsScript) {
  Harness h;
  ASSERT_EQ(h.deploy(in_place(Strategy::kAllAtOnce, 1, "v1")).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  ASSERT_EQ(h.deploy(in_place(Strategy::kAllAtOnce, 1, "v2")).status, DeployStatus::kSucceeded);
  auto stops = h.hooks.of("ApplicationStop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].command, "stop-v1");
  EXPECT_EQ(stops[0].env.at("SLUICE_DEPLOY_REVISION"), "v2");
  EXPECT_EQ(stops[0].env.at("SLUICE_DEPLOY_PREVIOUS_REVISION"), "v1");
  EXPECT_EQ(h.hooks.of("Install")[0].command, "install-v2");
}

TEST(DeployerTest, HooksGetTheDocumentedEnvironment) {
  Harness h;
  DeployOutcome out = h.deploy(in_place(Strategy::kAllAtOnce, 1, "v1"));
  auto install = h.hooks.of("Install").at(0);
  EXPECT_EQ(install.env.at("SLUICE_DEPLOY_TARGET"), "web-1");
  EXPECT_EQ(install.env.at("SLUICE_DEPLOY_REVISION"), "v1");
  EXPECT_EQ(install.env.at("SLUICE_DEPLOY_PREVIOUS_REVISION"), "");
  EXPECT_EQ(install.env.at("SLUICE_DEPLOY_ENVIRONMENT"), "prod");
  EXPECT_EQ(install.env.at("LIFECYCLE_EVENT"), "Install");
  EXPECT_EQ(install.env.at("DEPLOYMENT_ID"), out.deployment_id);
  EXPECT_EQ(install.env.at("DEPLOYMENT_GROUP_NAME"), "prod");
}

TEST(DeployerTest, RollingStopsAtTheFirstFailureAndRollsBackTheTouchedTargets) {
  Harness h;
  ASSERT_EQ(h.deploy(in_place(Strategy::kRolling, 4, "v1")).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  h.hooks.exit_code = [](const RecordedCall& c) {
    return c.event == "ValidateService" && c.target == "web-3" &&
                   c.env.at("SLUICE_DEPLOY_REVISION") == "v2"
               ? 1
               : 0;
  };
  DeploySpec v2 = in_place(Strategy::kRolling, 4, "v2");
  v2.min_healthy = MinHealthy{true, 75};
  DeployOutcome out = h.deploy(v2);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  EXPECT_NE(out.reason.find("ValidateService failed on web-3: exit 1"), std::string::npos)
      << out.reason;
  EXPECT_EQ(out.revision, "v1");
  // Batches of one: web-4 is never touched; web-1..3 get v1 again through v1's hooks.
  std::vector<std::string> installs;
  for (const auto& c : h.hooks.of("Install")) installs.push_back(c.target + ":" + c.command);
  // The rollback goes one target at a time too, in the order of the rollout.
  std::vector<std::string> rollback(installs.begin() + 3, installs.end());
  EXPECT_THAT(std::vector<std::string>(installs.begin(), installs.begin() + 3),
              ElementsAre("web-1:install-v2", "web-2:install-v2", "web-3:install-v2"));
  EXPECT_THAT(rollback, ElementsAre("web-1:install-v1", "web-2:install-v1", "web-3:install-v1"));
  // The rollback is a deployment of its own, recorded as such; v1 is still the last good.
  auto lines = h.journal_lines(out.deployment_id);
  EXPECT_EQ(lines.back(), "- deployment rolled-back");
  auto rb = h.journal(out.rollback_id);
  ASSERT_FALSE(rb.empty());
  EXPECT_NE(rb.front().detail.find("\"rollback_of\":\"" + out.deployment_id + "\""),
            std::string::npos);
  EXPECT_EQ(rb.back().state, "succeeded");
  auto good = last_good_deployment(h.store, "prod");
  EXPECT_EQ((*good)->revision, "v1");
}

// The controller removes a run's workspace when the run ends: the last good revision's hooks
// then run in the failing deployment's directory (they ran in "no such directory" before).
TEST(DeployerTest, TheLastGoodHooksRunInTheNewDirectoryWhenTheirsIsGone) {
  Harness h;
  const std::string gone = ::testing::TempDir() + "/sluice-deployer-gone-workspace";
  const std::string here = ::testing::TempDir();
  DeploySpec v1 = in_place(Strategy::kRolling, 2, "v1");
  v1.hooks_dir = gone;
  ASSERT_EQ(h.deploy(v1).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  h.hooks.exit_code = [](const RecordedCall& c) {
    return c.event == "Install" && c.target == "web-2" &&
           c.env.at("SLUICE_DEPLOY_REVISION") == "v2";
  };
  DeploySpec v2 = in_place(Strategy::kRolling, 2, "v2");
  v2.hooks_dir = here;
  DeployOutcome out = h.deploy(v2);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack) << out.reason;
  ASSERT_FALSE(h.hooks.calls.empty());
  for (const auto& c : h.hooks.calls)
    EXPECT_EQ(c.working_directory, here) << c.event << " " << c.target << " " << c.command;
  EXPECT_EQ(h.hooks.of("ApplicationStop").at(0).command, "stop-v1");
  EXPECT_EQ(h.hooks.of("Install").back().command, "install-v1");
}

TEST(DeployerTest, AFailureWithoutAPreviousRevisionFailsWithoutRollback) {
  Harness h;
  h.hooks.exit_code = [](const RecordedCall& c) { return c.event == "Install" ? 2 : 0; };
  DeployOutcome out = h.deploy(in_place(Strategy::kAllAtOnce, 1, "v1"));
  EXPECT_EQ(out.status, DeployStatus::kFailed);
  EXPECT_NE(out.reason.find("no previous good revision"), std::string::npos) << out.reason;
  EXPECT_EQ(h.journal_lines(out.deployment_id).back(), "- deployment failed");
}

TEST(DeployerTest, EachHookIsJournalledBeforeItRuns) {
  Harness h;
  std::string id;
  int checked = 0;
  h.hooks.exit_code = [&](const RecordedCall& c) {
    auto heads = h.store.list_deploy_heads("prod", 1).value();
    EXPECT_EQ(heads.at(0).phase, c.event);
    EXPECT_EQ(heads.at(0).state, "started");
    EXPECT_EQ(heads.at(0).target, c.target);
    ++checked;
    return 0;
  };
  h.deploy(in_place(Strategy::kRolling, 3, "v1"));
  EXPECT_EQ(checked, 6);
}

TEST(DeployerTest, BlueGreenInstallsOnTheIdleColourThenSwitchesAllTraffic) {
  Harness h;
  DeployOutcome first = h.deploy(coloured(Strategy::kBlueGreen, "v1"));
  ASSERT_EQ(first.status, DeployStatus::kSucceeded) << first.reason;
  EXPECT_EQ(first.colour, "green");  // blue is taken as live before the first deployment
  EXPECT_THAT(h.hooks.trace(), ElementsAre("Install app-b", "SetTraffic app-b"));
  h.hooks.calls.clear();
  DeployOutcome second = h.deploy(coloured(Strategy::kBlueGreen, "v2"));
  EXPECT_EQ(second.colour, "blue");
  EXPECT_THAT(h.hooks.trace(), ElementsAre("Install app-a", "SetTraffic app-a"));
  EXPECT_THAT(traffic(h.hooks), ElementsAre("blue=100"));
}

TEST(DeployerTest, BlueGreenSwitchesBackWhenTheCheckAfterTheSwitchFails) {
  Harness h;
  ASSERT_EQ(h.deploy(coloured(Strategy::kBlueGreen, "v1")).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  DeploySpec v2 = coloured(Strategy::kBlueGreen, "v2");
  v2.checks = {check("smoke", 3, 0)};
  h.probe.script["smoke"] = {Verdict::kPass, Verdict::kFail};
  DeployOutcome out = h.deploy(v2);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  EXPECT_THAT(traffic(h.hooks), ElementsAre("blue=100", "green=100"));
  EXPECT_EQ(out.colour, "green");
  EXPECT_EQ(out.revision, "v1");
}

TEST(DeployerTest, BlueGreenAbortDuringTheRollbackWindowSwitchesBack) {
  Harness h;
  ASSERT_EQ(h.deploy(coloured(Strategy::kBlueGreen, "v1")).status, DeployStatus::kSucceeded);
  DeploySpec v2 = coloured(Strategy::kBlueGreen, "v2");
  v2.rollback_window = std::chrono::seconds(60);
  h.clock.on_sleep = [&] {
    if (h.clock.now_ < std::chrono::seconds(5)) return;
    auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
    if (head.phase == "pause") (void)request(h.store, head, Journal::Request::kAbort, "me", 1);
  };
  DeployOutcome out = h.deploy(v2);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  EXPECT_EQ(out.reason, "aborted during the rollback window");
  EXPECT_LT(h.clock.now_, std::chrono::seconds(6));
}

TEST(DeployerTest, CanaryWalksItsStepsThenPromotes) {
  Harness h;
  DeploySpec s = coloured(Strategy::kCanary, "v1");
  s.checks = {check("errors", 5, 1)};
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kPause, 0, std::chrono::seconds(10), {}, {}},
             {CanaryStep::Kind::kAnalysis, 0, {}, {"errors"}, {}},
             {CanaryStep::Kind::kSetWeight, 50, {}, {}, {}}};
  DeployOutcome out = h.deploy(s);
  ASSERT_EQ(out.status, DeployStatus::kSucceeded) << out.reason;
  EXPECT_THAT(traffic(h.hooks), ElementsAre("green=20", "green=50", "green=100"));
  EXPECT_EQ(h.hooks.of("Promote").size(), 1u);
  EXPECT_EQ(h.probe.taken["errors"], 5);
  // 10 s pause plus 4 intervals between the 5 measurements.
  EXPECT_EQ(h.clock.now_, std::chrono::milliseconds(10'400));
}

TEST(DeployerTest, CanaryWithAFailingAnalysisSendsTrafficBackAndKeepsTheLastGood) {
  Harness h;
  ASSERT_EQ(h.deploy(coloured(Strategy::kBlueGreen, "v1")).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  DeploySpec s = coloured(Strategy::kCanary, "v2");
  s.checks = {check("errors", 20, 1)};
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kAnalysis, 0, {}, {"errors"}, {}},
             {CanaryStep::Kind::kSetWeight, 100, {}, {}, {}}};
  h.probe.script["errors"] = {Verdict::kPass, Verdict::kFail, Verdict::kPass, Verdict::kFail};
  DeployOutcome out = h.deploy(s);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  // Failed at the 4th measurement (second failure, limit 1), not at the end of the 20.
  EXPECT_EQ(h.probe.taken["errors"], 4);
  EXPECT_THAT(traffic(h.hooks), ElementsAre("blue=20", "green=100"));
  EXPECT_TRUE(h.hooks.of("Promote").empty());
  auto good = last_good_deployment(h.store, "prod");
  EXPECT_EQ((*good)->revision, "v1");
  EXPECT_EQ((*good)->colour, "green");
}

TEST(DeployerTest, CanaryPauseWithoutDurationWaitsForPromote) {
  Harness h;
  DeploySpec s = coloured(Strategy::kCanary, "v1");
  s.steps = {{CanaryStep::Kind::kSetWeight, 10, {}, {}, {}},
             {CanaryStep::Kind::kPause, 0, std::nullopt, {}, {}}};
  h.clock.on_sleep = [&] {
    if (h.clock.now_ != std::chrono::minutes(30)) return;
    auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
    (void)request(h.store, head, Journal::Request::kPromote, "me", 1);
  };
  DeployOutcome out = h.deploy(s);
  EXPECT_EQ(out.status, DeployStatus::kSucceeded);
  EXPECT_GE(h.clock.now_, std::chrono::minutes(30));
  EXPECT_THAT(traffic(h.hooks), ElementsAre("green=10", "green=100"));
}

TEST(DeployerTest, InconclusiveAnalysisWaitsForAPersonAndAbortRollsBack) {
  Harness h;
  DeploySpec s = coloured(Strategy::kCanary, "v1");
  s.checks = {check("latency", 3, 0)};
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kAnalysis, 0, {}, {"latency"}, {}}};
  h.probe.script["latency"] = {Verdict::kInconclusive};
  h.clock.on_sleep = [&] {
    auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
    if (head.phase == "pause" && h.clock.now_ > std::chrono::seconds(3))
      (void)request(h.store, head, Journal::Request::kAbort, "me", 1);
  };
  DeployOutcome out = h.deploy(s);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  EXPECT_NE(out.reason.find("inconclusive"), std::string::npos) << out.reason;
  EXPECT_THAT(traffic(h.hooks), ElementsAre("green=20", "blue=100"));
}

TEST(DeployerTest, CancellingTheRunRollsBack) {
  Harness h;
  DeploySpec s = coloured(Strategy::kCanary, "v1");
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kPause, 0, std::chrono::minutes(5), {}, {}}};
  h.clock.on_sleep = [&] { h.cancel = h.clock.now_ >= std::chrono::seconds(1); };
  DeployOutcome out = h.deploy(s);
  EXPECT_EQ(out.status, DeployStatus::kRolledBack);
  EXPECT_THAT(traffic(h.hooks), ElementsAre("green=20", "blue=100"));
}

struct Crash {};

TEST(DeployerTest, RecoveryRollsBackADeploymentCutShortDuringItsPause) {
  Harness h;
  ASSERT_EQ(h.deploy(coloured(Strategy::kBlueGreen, "v1")).status, DeployStatus::kSucceeded);
  DeploySpec s = coloured(Strategy::kCanary, "v2");
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kPause, 0, std::nullopt, {}, {}}};
  h.clock.on_sleep = [] { throw Crash{}; };  // the process dies in the pause
  h.hooks.calls.clear();
  EXPECT_THROW(h.deploy(s), Crash);
  h.clock.on_sleep = nullptr;
  auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
  EXPECT_EQ(head.phase, "pause");
  auto journal = h.journal(head.deployment_id);
  auto previous = last_good_deployment(h.store, "prod").value();
  DeployOutcome out = recover(h.parts, journal, previous, "2:2");
  EXPECT_EQ(out.status, DeployStatus::kRolledBack) << out.reason;
  EXPECT_EQ(out.colour, "green");
  EXPECT_THAT(traffic(h.hooks), ElementsAre("blue=20", "green=100"));
  EXPECT_EQ(h.journal_lines(head.deployment_id).back(), "- deployment rolled-back");
  EXPECT_EQ(last_good_deployment(h.store, "prod").value()->revision, "v1");
}

// The controller's recovery after a crash: the runs' workspaces may be gone, the cut
// deployment's and the last good one's both. The hooks then run in the recovering process's
// directory (an empty working directory) instead of failing on a missing one.
TEST(DeployerTest, RecoveryRunsHooksHereWhenEveryRecordedDirectoryIsGone) {
  Harness h;
  const std::string gone = ::testing::TempDir() + "/sluice-deployer-gone-workspace";
  DeploySpec v1 = coloured(Strategy::kBlueGreen, "v1");
  v1.hooks_dir = gone + "-1";
  ASSERT_EQ(h.deploy(v1).status, DeployStatus::kSucceeded);
  DeploySpec s = coloured(Strategy::kCanary, "v2");
  s.hooks_dir = gone + "-2";
  s.steps = {{CanaryStep::Kind::kSetWeight, 20, {}, {}, {}},
             {CanaryStep::Kind::kPause, 0, std::nullopt, {}, {}}};
  h.clock.on_sleep = [] { throw Crash{}; };
  EXPECT_THROW(h.deploy(s), Crash);
  h.clock.on_sleep = nullptr;
  h.hooks.calls.clear();
  auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
  auto previous = last_good_deployment(h.store, "prod").value();
  DeployOutcome out = recover(h.parts, h.journal(head.deployment_id), previous, "2:2");
  EXPECT_EQ(out.status, DeployStatus::kRolledBack) << out.reason;
  ASSERT_FALSE(h.hooks.calls.empty());
  for (const auto& c : h.hooks.calls) EXPECT_EQ(c.working_directory, "") << c.event;
}

TEST(DeployerTest, RecoveryOfAnInstallCutShortRedeploysTheTouchedTargets) {
  Harness h;
  ASSERT_EQ(h.deploy(in_place(Strategy::kRolling, 3, "v1")).status, DeployStatus::kSucceeded);
  h.hooks.calls.clear();
  h.hooks.exit_code = [](const RecordedCall& c) -> int {
    if (c.event == "Install" && c.target == "web-2" && c.command == "install-v2") throw Crash{};
    return 0;
  };
  EXPECT_THROW(h.deploy(in_place(Strategy::kRolling, 3, "v2")), Crash);
  h.hooks.exit_code = nullptr;
  h.hooks.calls.clear();
  auto head = h.store.list_deploy_heads("prod", 1).value().at(0);
  auto previous = last_good_deployment(h.store, "prod").value();
  DeployOutcome out = recover(h.parts, h.journal(head.deployment_id), previous, "2:2");
  EXPECT_EQ(out.status, DeployStatus::kRolledBack) << out.reason;
  std::vector<std::string> installs;
  for (const auto& c : h.hooks.of("Install")) installs.push_back(c.target + ":" + c.command);
  std::sort(installs.begin(), installs.end());
  EXPECT_THAT(installs, ElementsAre("web-1:install-v1", "web-2:install-v1"));
}

TEST(DeployerTest, CheckDeployableNamesWhatIsMissing) {
  DeploySpec s = coloured(Strategy::kCanary, "v1");
  EXPECT_EQ(check_deployable(s).error().message,
            "steps: a canary needs steps (set-weight, pause, analysis)");
  s.steps = {{CanaryStep::Kind::kAnalysis, 0, {}, {"nope"}, {}}};
  EXPECT_EQ(check_deployable(s).error().message,
            "steps: analysis names check 'nope', which `checks` lacks");
  s.targets = {{"a", ""}, {"b", ""}};
  EXPECT_NE(check_deployable(s).error().message.find("needs targets of both colours"),
            std::string::npos);
  DeploySpec r = in_place(Strategy::kRolling, 2, "v1");
  r.min_healthy = MinHealthy{false, 2};
  EXPECT_FALSE(check_deployable(r).ok());
}

}  // namespace
}  // namespace sluice::deploy::testing

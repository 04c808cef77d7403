#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "deploy/appspec.h"
#include "deploy/deploy_inputs.h"

namespace sluice::deploy {
namespace {

namespace fs = std::filesystem;

std::string errors(const Diagnostics& d) {
  return d.format();
}

TEST(TargetsTest, SplitOnCommasAndLinesWithColours) {
  Diagnostics d;
  auto t = parse_targets("blue=127.0.0.1:9001, green=127.0.0.1:9002\n\n web-3 \n", d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].name, "127.0.0.1:9001");
  EXPECT_EQ(t[0].colour, "blue");
  EXPECT_EQ(t[1].colour, "green");
  EXPECT_EQ(t[2].name, "web-3");
  EXPECT_EQ(t[2].colour, "");
}

TEST(TargetsTest, DuplicatesAndUnknownColoursAreErrors) {
  Diagnostics d;
  parse_targets("a, a, red=b", d);
  EXPECT_EQ(d.error_count(), 2u);
  EXPECT_NE(errors(d).find("target 'a' is listed twice"), std::string::npos);
  EXPECT_NE(errors(d).find("colour 'red' is not blue or green"), std::string::npos);
}

TEST(HooksInputTest, AcceptsCodeDeployAndKebabNamesCommandsAndLists) {
  Diagnostics d;
  auto hooks = parse_hooks_input(
      "BeforeInstall: ./before.sh\n"
      "set-traffic:\n"
      "  - ./weights.sh\n"
      "  - command: nginx -s reload\n"
      "    timeout: 30s\n",
      d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  EXPECT_EQ(hooks[LifecycleEvent::kBeforeInstall].at(0).command, "./before.sh");
  ASSERT_EQ(hooks[LifecycleEvent::kSetTraffic].size(), 2u);
  EXPECT_EQ(hooks[LifecycleEvent::kSetTraffic][1].timeout, std::chrono::seconds(30));
}

TEST(HooksInputTest, AnUnknownEventIsReportedWhereItIsWithASuggestion) {
  Diagnostics d;
  parse_hooks_input("Install: ./i.sh\nValidateServce: ./v.sh\n", d);
  EXPECT_EQ(errors(d),
            "with.hooks:2:1: error: unknown key 'ValidateServce' in hooks\n"
            "  hint: did you mean 'ValidateService'?\n");
}

TEST(StepsInputTest, ReadsArgoStyleSteps) {
  Diagnostics d;
  auto steps = parse_steps_input(
      "- set-weight: 20\n- pause: 30s\n- analysis: [errors, latency]\n- pause: {}\n"
      "- setWeight: 50\n- pause: {duration: 1m}\n",
      d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].weight, 20);
  EXPECT_EQ(steps[1].pause, std::chrono::seconds(30));
  EXPECT_EQ(steps[2].checks, (std::vector<std::string>{"errors", "latency"}));
  EXPECT_FALSE(steps[3].pause.has_value());
  EXPECT_EQ(steps[4].weight, 50);
  EXPECT_EQ(steps[5].pause, std::chrono::minutes(1));
}

TEST(StepsInputTest, ErrorsPointAtTheStep) {
  Diagnostics d;
  parse_steps_input("- set-weight: 120\n- pause: soon\n- wait: 1\n", d);
  EXPECT_EQ(d.error_count(), 3u);
  std::string text = errors(d);
  EXPECT_NE(
      text.find("with.steps:1:15: error: set-weight: '120' is not a whole number from 0 to 100"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("with.steps:2:10: error: pause: "), std::string::npos) << text;
  EXPECT_NE(text.find("with.steps:3:3: error: unknown key 'wait' in a canary step"),
            std::string::npos)
      << text;
}

TEST(ChecksInputTest, ReadsHttpPrometheusAndCommandChecks) {
  Diagnostics d;
  auto checks = parse_checks_input(
      "- name: errors\n"
      "  http: http://127.0.0.1:8080/health\n"
      "  status: 200-299\n"
      "  max-latency: 250ms\n"
      "  condition: $.ok == true\n"
      "  interval: 200ms\n"
      "  count: 20\n"
      "  failure-limit: 2\n"
      "- name: rate\n"
      "  prometheus: http://127.0.0.1:9090\n"
      "  query: rate(errors[1m])\n"
      "  threshold: 0.05\n"
      "- name: smoke\n"
      "  command: ./smoke.sh\n"
      "  inconclusive-exit-code: 3\n",
      d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].status_max, 299);
  EXPECT_EQ(checks[0].max_latency, std::chrono::milliseconds(250));
  EXPECT_EQ(checks[0].count, 20);
  EXPECT_EQ(checks[0].failure_limit, 2);
  EXPECT_EQ(checks[1].kind, CheckSpec::Kind::kPrometheus);
  EXPECT_EQ(checks[1].threshold, 0.05);
  EXPECT_EQ(checks[2].inconclusive_exit_code, 3);
}

TEST(ChecksInputTest, ABadCheckSaysWhatIsWrongAndWhere) {
  Diagnostics d;
  parse_checks_input(
      "- name: a\n  http: https://example.com\n  condition: $.ok =\n"
      "- name: b\n  prometheus: http://p:9090\n",
      d);
  std::string text = errors(d);
  EXPECT_NE(text.find("with.checks:2:9: error: http: 'https://example.com' is not an http:// URL"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("with.checks:3:14: error: condition: "), std::string::npos) << text;
  EXPECT_NE(text.find("with.checks:4:3: error: a prometheus check needs `query`"),
            std::string::npos)
      << text;
}

TEST(DeployInputsTest, DefaultsAndErrorsOfPlainInputs) {
  Diagnostics d;
  DeploySpec s =
      read_deploy_inputs({{"targets", "a,b"}, {"min-healthy", "50%"}}, {"/ws", "abc123"}, d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  EXPECT_EQ(s.strategy, Strategy::kAllAtOnce);
  EXPECT_EQ(s.revision, "abc123");
  EXPECT_EQ(s.hooks_dir, "/ws");
  Diagnostics bad;
  read_deploy_inputs({{"strategy", "yolo"}, {"rollback-window", "soon"}}, {"/ws", ""}, bad);
  EXPECT_EQ(bad.error_count(), 3u) << errors(bad);  // strategy, revision, rollback-window
}

TEST(DeploySpecTest, SurvivesTheJournalsJson) {
  Diagnostics d;
  DeploySpec s = read_deploy_inputs(
      {{"strategy", "canary"},
       {"targets", "blue=a\ngreen=b"},
       {"revision", "v7"},
       {"environment", "prod"},
       {"hooks", "Install: ./i.sh\nset-traffic: {command: ./t.sh, timeout: 5s, runas: www}"},
       {"steps", "- set-weight: 10\n- pause: {}\n- analysis: e"},
       {"checks", "- name: e\n  command: 'true'\n  count: 3"},
       {"rollback-window", "2m"}},
      {"/ws", ""}, d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  auto back = spec_from_json(to_json(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(s));
  EXPECT_EQ(back->hooks[LifecycleEvent::kSetTraffic][0].runas, "www");
  EXPECT_FALSE(back->steps[1].pause.has_value());
}

class AppspecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-appspec-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "scripts");
    std::ofstream(dir_ / "scripts/stop.sh") << "echo stop\n";
    std::ofstream(dir_ / "scripts/start.sh") << "echo start\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  HookMap read(const std::string& text, Diagnostics& d) {
    return read_appspec((dir_ / "appspec.yml").string(), text, d);
  }
  fs::path dir_;
};

TEST_F(AppspecTest, ReadsACodeDeployAppspecAsIs) {
  Diagnostics d;
  HookMap hooks = read(
      "version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv/app\n"
      "hooks:\n"
      "  ApplicationStop:\n    - location: scripts/stop.sh\n      timeout: 300\n"
      "      runas: root\n"
      "  ApplicationStart:\n    - location: scripts/start.sh\n",
      d);
  ASSERT_FALSE(d.has_errors()) << errors(d);
  const HookScript& stop = hooks[LifecycleEvent::kApplicationStop].at(0);
  EXPECT_EQ(stop.command, (dir_ / "scripts/stop.sh").string());
  EXPECT_TRUE(stop.is_file);
  EXPECT_EQ(stop.timeout, std::chrono::seconds(300));
  EXPECT_EQ(stop.runas, "root");
  EXPECT_EQ(hooks[LifecycleEvent::kApplicationStart].at(0).timeout, std::chrono::seconds(3600));
}

TEST_F(AppspecTest, EveryProblemIsReportedWithItsPlace) {
  Diagnostics d;
  read(
      "version: 1.0\n"
      "hooks:\n"
      "  BeforeInstal:\n    - location: scripts/stop.sh\n"
      "  AfterInstall:\n    - location: scripts/missing.sh\n"
      "  ValidateService:\n    - timeout: 5000\n",
      d);
  std::string p = (dir_ / "appspec.yml").string();
  std::string text = errors(d);
  EXPECT_NE(text.find(p + ":1:10: error: version must be 0.0"), std::string::npos) << text;
  EXPECT_NE(text.find(p + ":3:3: error: unknown key 'BeforeInstal' in hooks\n"
                          "  hint: did you mean 'BeforeInstall'?"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(p + ":6:17: error: script 'scripts/missing.sh' does not exist"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(p + ":8:16: error: timeout: '5000' is not a whole number from 1 to 3600"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(p + ":8:7: error: a script of hooks.ValidateService has no `location`"),
            std::string::npos)
      << text;
}

TEST_F(AppspecTest, TimeoutsOfOneEventShareAnHour) {
  Diagnostics d;
  read(
      "version: 0.0\nhooks:\n  Install:\n"
      "    - location: scripts/stop.sh\n      timeout: 3000\n"
      "    - location: scripts/start.sh\n      timeout: 1000\n",
      d);
  EXPECT_NE(errors(d).find("the timeouts of hooks.Install add up to 4000 s"), std::string::npos)
      << errors(d);
}

TEST_F(AppspecTest, NotYamlIsAnErrorNotACrash) {
  Diagnostics d;
  read("hooks: [\n", d);
  EXPECT_TRUE(d.has_errors());
  Diagnostics binary;
  read(std::string("version: 0.0\0\x01", 14), binary);
  EXPECT_TRUE(binary.has_errors());
}

}  // namespace
}  // namespace sluice::deploy

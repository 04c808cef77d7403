#include "deploy/probe.h"

#include <gtest/gtest.h>

#include "deploy/hook_runner.h"

namespace sluice::deploy {
namespace {

struct FixedReply {
  int status = 200;
  std::string body;
  bool unreachable = false;
};

gates::HttpFetch fetch_of(FixedReply& reply) {
  return [&reply](const gates::HttpCall&) -> Result<gates::HttpReply> {
    if (reply.unreachable) return Error{"connection refused", {}};
    return gates::HttpReply{reply.status, reply.body};
  };
}

CheckSpec http_check() {
  CheckSpec c;
  c.name = "h";
  c.kind = CheckSpec::Kind::kHttp;
  c.url = "http://127.0.0.1:1/";
  return c;
}

TEST(ProbeTest, HttpStatusAndConditions) {
  ProcessHookRunner runner;
  FixedReply reply{200, R"({"ok": true, "errors": 0})"};
  GateCheckProbe probe(runner, "/", fetch_of(reply));
  CheckSpec c = http_check();
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kPass);
  reply.status = 503;
  Measurement m = probe.measure(c);
  EXPECT_EQ(m.verdict, Verdict::kFail);
  EXPECT_NE(m.text.find("status 503"), std::string::npos) << m.text;
  reply.status = 200;
  c.condition = "$.ok == true";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kPass);
  c.condition = "$.ok == false";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kFail);
  c.failure_condition = "$.errors > 5";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kInconclusive);  // neither holds (Argo)
  reply.body = R"({"ok": true, "errors": 9})";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kFail);
  reply.unreachable = true;
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kFail);
}

TEST(ProbeTest, PrometheusFailsWhileASampleIsAboveTheThreshold) {
  ProcessHookRunner runner;
  FixedReply reply{200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                        R"({"metric":{"job":"app"},"value":[1,"0.2"]}]}})"};
  GateCheckProbe probe(runner, "/", fetch_of(reply));
  CheckSpec c;
  c.name = "p";
  c.kind = CheckSpec::Kind::kPrometheus;
  c.url = "http://127.0.0.1:1";
  c.query = "error_rate";
  c.threshold = 0.1;
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kFail);
  c.threshold = 0.5;
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kPass);
  reply.body = R"({"status":"error","error":"bad query"})";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kInconclusive);
}

TEST(ProbeTest, CommandExitCodes) {
  ProcessHookRunner runner;
  GateCheckProbe probe(runner, "/");
  CheckSpec c;
  c.name = "c";
  c.kind = CheckSpec::Kind::kCommand;
  c.command = "echo fine";
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kPass);
  c.command = "echo broken; exit 4";
  Measurement m = probe.measure(c);
  EXPECT_EQ(m.verdict, Verdict::kFail);
  EXPECT_EQ(m.text, "exit 4: broken");
  c.inconclusive_exit_code = 4;
  EXPECT_EQ(probe.measure(c).verdict, Verdict::kInconclusive);
}

TEST(HookRunnerTest, RunsWithTheEnvironmentAndStreamsLines) {
  ProcessHookRunner runner;
  HookScript s;
  s.command = "echo \"$LIFECYCLE_EVENT on $SLUICE_DEPLOY_TARGET\"; echo second";
  std::vector<std::string> lines;
  HookOutcome o =
      runner.run({"", s, {{"LIFECYCLE_EVENT", "Install"}, {"SLUICE_DEPLOY_TARGET", "t1"}}, "/"},
                 [&](const std::string& l) { lines.push_back(l); });
  EXPECT_TRUE(o.ok()) << o.describe();
  EXPECT_EQ(lines, (std::vector<std::string>{"Install on t1", "second"}));
}

TEST(HookRunnerTest, ATimeoutKillsTheScript) {
  ProcessHookRunner runner;
  HookScript s;
  s.command = "sleep 30";
  s.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  HookOutcome o = runner.run({"", s, {}, "/"}, {});
  EXPECT_TRUE(o.timed_out);
  EXPECT_FALSE(o.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HookRunnerTest, ABackgroundChildDoesNotHoldTheHookOpen) {
  ProcessHookRunner runner;
  HookScript s;
  s.command = "sleep 3 & echo started";
  auto start = std::chrono::steady_clock::now();
  HookOutcome o = runner.run({"", s, {}, "/"}, {});
  EXPECT_TRUE(o.ok()) << o.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace sluice::deploy

// ProcessHookRunner with real processes: output, exit codes, and what waiting for a hook
// costs sluice itself.
#include "deploy/hook_runner.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

namespace sluice::deploy {
namespace {

HookCall call_of(const std::string& command) {
  HookCall call;
  call.label = "[t Install] ";
  call.script.command = command;
  call.script.timeout = std::chrono::seconds(10);
  return call;
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

TEST(HookRunnerTest, ReturnsTheOutputLinesAndTheExitCode) {
  ProcessHookRunner runner;
  std::vector<std::string> lines;
  HookCall call = call_of("echo one; echo two >&2; exit 3");
  call.env["SLUICE_DEPLOY_TARGET"] = "t";
  HookOutcome o = runner.run(call, [&](const std::string& l) { lines.push_back(l); });
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(o.describe(), "exit 3");
}

// Regression: once the hook's output pipe was closed, poll() reported POLLHUP at once on
// every call and the runner spun on a core until the script exited (~0.9 ms of sluice per
// empty hook on a quiet machine, several ms under load; bench/deploy_bench.sh).
TEST(HookRunnerTest, WaitingForAScriptThatClosedItsOutputCostsNoCpu) {
  ProcessHookRunner runner;
  double before = cpu_ms();
  HookOutcome o = runner.run(call_of("exec >/dev/null 2>&1; sleep 0.3"), {});
  double used = cpu_ms() - before;
  EXPECT_TRUE(o.ok()) << o.describe();
  EXPECT_LT(used, 50.0) << "the runner used " << used << " ms of CPU waiting 300 ms";
}

TEST(HookRunnerTest, AScriptPastItsTimeoutIsKilled) {
  ProcessHookRunner runner;
  HookCall call = call_of("sleep 5");
  call.script.timeout = std::chrono::milliseconds(100);
  HookOutcome o = runner.run(call, {});
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.describe(), "timed out");
}

}  // namespace
}  // namespace sluice::deploy

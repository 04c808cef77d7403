// Real-process tests of LocalProcessExecutor. Each runs in well under a second except the
// few that wait on a kill grace period (kept at 200 ms here).
#include "exec/local_process_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/secret_masker.h"
#include "memory_log.h"

namespace sluice::exec {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using engine::StepOutcome;
using engine::StepRequest;
using testing::MemoryLog;

bool process_gone(pid_t pid, std::chrono::milliseconds timeout = 5s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (stat >> pid_field >> comm >> state && state == "Z") return true;  // dead, unreaped
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::path(::testing::TempDir()) /
           ("sluice_exec_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    dir_ = fs::canonical(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  StepRequest request(std::string script, std::string shell = "") {
    StepRequest r;
    r.shell = std::move(shell);
    r.script = std::move(script);
    r.step_files_dir = dir_.string();
    const char* path = std::getenv("PATH");
    r.env = {{"PATH", path != nullptr ? path : "/usr/bin:/bin"}};
    r.working_directory = dir_.string();
    r.masker = masker_;
    r.log = log_;
    return r;
  }

  struct Started {
    engine::ExecutionId id;
    std::future<StepOutcome> outcome;
  };
  Started start(engine::Executor& executor, StepRequest r) {
    auto promise = std::make_shared<std::promise<StepOutcome>>();
    Started s{0, promise->get_future()};
    s.id = executor.start(std::move(r),
                          [promise](StepOutcome o) { promise->set_value(std::move(o)); });
    return s;
  }
  StepOutcome wait(Started& s) {
    if (s.outcome.wait_for(20s) != std::future_status::ready) {
      ADD_FAILURE() << "step did not finish";
      std::abort();  // the executor still references this test's state
    }
    return s.outcome.get();
  }
  StepOutcome run(StepRequest r) {
    Started s = start(executor_, std::move(r));
    return wait(s);
  }

  fs::path dir_;
  std::shared_ptr<SecretMasker> masker_ = std::make_shared<SecretMasker>();
  std::shared_ptr<MemoryLog> log_ = std::make_shared<MemoryLog>();
  LocalProcessExecutor executor_{LocalProcessExecutor::Options{200ms, 64 * 1024, false, nullptr}};
};

TEST_F(ExecutorTest, ExitCodeAndOutput) {
  StepOutcome ok = run(request("echo hello; echo world >&2"));
  EXPECT_TRUE(ok.started);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_TRUE(ok.succeeded());
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"hello", "world"}));
  StepOutcome failed = run(request("exit 3"));
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_EQ(failed.signal, 0);
  EXPECT_FALSE(failed.succeeded());
  EXPECT_TRUE(failed.error_message.empty());
}

TEST_F(ExecutorTest, KilledBySignal) {
  StepOutcome o = run(request("kill -KILL $$"));
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_FALSE(o.cancelled);
  EXPECT_FALSE(o.succeeded());
}

TEST_F(ExecutorTest, DefaultShellStopsOnFirstError) {
  StepOutcome o = run(request("echo before; false; echo after"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"before"}));
}

TEST_F(ExecutorTest, DefaultShellHasNoPipefailButBashHas) {
  EXPECT_EQ(run(request("false | true")).exit_code, 0);
  EXPECT_EQ(run(request("false | true", "bash")).exit_code, 1);
}

TEST_F(ExecutorTest, ShShell) {
  StepOutcome o =
      run(request("echo \"$0\" | grep -q '\\.sh$' && echo sh-ok; false; echo no", "sh"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"sh-ok"}));
}

TEST_F(ExecutorTest, PythonShell) {
  StepOutcome o =
      run(request("import os, sys\nprint('py', sys.version_info[0])\n"
                  "open(os.environ['GITHUB_OUTPUT'], 'a').write('k=v\\n')\nsys.exit(4)\n",
                  "python"));
  EXPECT_EQ(o.exit_code, 4);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"py 3"}));
  EXPECT_EQ(o.outputs, (std::vector<std::pair<std::string, std::string>>{{"k", "v"}}));
}

TEST_F(ExecutorTest, CustomShellTemplate) {
  StepOutcome o = run(request("print \"perl says hi\\n\"; exit 2;", "perl {0}"));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"perl says hi"}));
}

TEST_F(ExecutorTest, StartErrorsAreReportedNotRun) {
  StepOutcome no_template = run(request("x", "perl -w"));
  EXPECT_FALSE(no_template.started);
  EXPECT_NE(no_template.error_message.find("{0}"), std::string::npos);
  StepRequest r = request("echo hi", "bash");
  r.env["PATH"] = dir_.string();  // nothing in it
  StepOutcome no_bash = run(r);
  EXPECT_FALSE(no_bash.started);
  EXPECT_NE(no_bash.error_message.find("'bash' not found in PATH"), std::string::npos);
  StepRequest bad_dir = request("true");
  bad_dir.working_directory = (dir_ / "missing").string();
  StepOutcome o = run(bad_dir);
  EXPECT_FALSE(o.started);
  EXPECT_NE(o.error_message.find("does not exist"), std::string::npos);
  StepRequest bad_pattern = request("true");
  bad_pattern.log_pattern = "(unclosed";
  EXPECT_NE(run(bad_pattern).error_message.find("invalid log-pattern"), std::string::npos);
}

TEST_F(ExecutorTest, PwshRunsOrIsReportedMissing) {
  StepRequest r = request("Write-Output 'from pwsh'", "pwsh");
  StepOutcome o = run(r);
  if (!o.started) {
    EXPECT_NE(o.error_message.find("'pwsh' not found in PATH"), std::string::npos);
  } else {
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_EQ(log_->all(), (std::vector<std::string>{"from pwsh"}));
  }
}

TEST_F(ExecutorTest, NodeScript) {
  std::string script = (dir_ / "index.js").string();
  std::ofstream(script) << "const fs = require('fs');\n"
                           "fs.appendFileSync(process.env.GITHUB_OUTPUT, 'from=file\\n');\n"
                           "console.log('::set-output name=legacy::yes');\n"
                           "console.log('input ' + process.env.INPUT_NAME);\n"
                           "process.exitCode = 5;\n";
  StepRequest r = request("");
  r.kind = StepRequest::Kind::kNode;
  r.script_path = script;
  r.env["INPUT_NAME"] = "world";
  StepOutcome o = run(r);
  if (!o.started && o.error_message.find("'node' not found") != std::string::npos) {
    GTEST_SKIP() << "node is not installed";
  }
  EXPECT_EQ(o.exit_code, 5);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"input world"}));
  EXPECT_EQ(o.outputs, (std::vector<std::pair<std::string, std::string>>{{"legacy", "yes"},
                                                                         {"from", "file"}}));
}

TEST_F(ExecutorTest, MissingNodeNamesNode) {
  StepRequest r = request("");
  r.kind = StepRequest::Kind::kNode;
  r.script_path = "/actions/x/index.js";
  r.env["PATH"] = dir_.string();
  StepOutcome o = run(r);
  EXPECT_FALSE(o.started);
  EXPECT_NE(o.error_message.find("'node' not found in PATH"), std::string::npos);
}

TEST_F(ExecutorTest, EnvironmentIsExactlyTheRequestPlusCommandFiles) {
  ::setenv("SLUICE_TEST_LEAK", "leaked", 1);
  StepRequest r = request(
      "echo \"$FOO\"; echo \"${SLUICE_TEST_LEAK:-unset}\"\n"
      "for n in OUTPUT ENV PATH STEP_SUMMARY STATE; do\n"
      "  g=GITHUB_$n; s=SLUICE_$n; [ -f \"${!g}\" ] && [ ! -s \"${!g}\" ] && [ \"${!g}\" = "
      "\"${!s}\" ] "
      "&& echo \"$n ok\"\n"
      "done\n");
  r.env["FOO"] = "bar baz";
  r.env["GITHUB_OUTPUT"] = "/engine/must/not/win";
  StepOutcome o = run(r);
  ::unsetenv("SLUICE_TEST_LEAK");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"bar baz", "unset", "OUTPUT ok", "ENV ok",
                                                   "PATH ok", "STEP_SUMMARY ok", "STATE ok"}));
}

TEST_F(ExecutorTest, WorkingDirectoryAndStdin) {
  fs::create_directories(dir_ / "work");
  StepRequest r = request("pwd; cat; echo done");
  r.working_directory = (dir_ / "work").string();
  StepOutcome o = run(r);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{(dir_ / "work").string(), "done"}));
}

TEST_F(ExecutorTest, StepsInheritNoDescriptorButTheirOwn) {
  int leaky[2];  // without CLOEXEC, as Boost.Asio's accepted sockets
  ASSERT_EQ(::pipe(leaky), 0);
  StepOutcome o =
      run(request("for fd in " + std::to_string(leaky[0]) + " " + std::to_string(leaky[1]) +
                  "; do [ -e /proc/self/fd/$fd ] && echo open || echo closed; done"));
  ::close(leaky[0]);
  ::close(leaky[1]);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"closed", "closed"}));
}

TEST_F(ExecutorTest, CommandFilesAreParsed) {
  StepOutcome o =
      run(request("echo 'version=1.2.3' >> $GITHUB_OUTPUT\n"
                  "printf 'notes<<EOF\\nline 1\\nline 2\\nEOF\\n' >> $SLUICE_OUTPUT\n"
                  "echo 'MODE=fast' >> $GITHUB_ENV\n"
                  "echo '/opt/tool/bin' >> $GITHUB_PATH; echo '/opt/other' >> $GITHUB_PATH\n"
                  "echo '# Report' >> $GITHUB_STEP_SUMMARY; echo '- ok' >> $GITHUB_STEP_SUMMARY\n"
                  "echo 'cleanup=yes' >> $GITHUB_STATE\n"));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.error_message.empty()) << o.error_message;
  using KV = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(o.outputs, (KV{{"version", "1.2.3"}, {"notes", "line 1\nline 2"}}));
  EXPECT_EQ(o.env, (KV{{"MODE", "fast"}}));
  EXPECT_EQ(o.path, (std::vector<std::string>{"/opt/tool/bin", "/opt/other"}));
  EXPECT_EQ(o.summary, "# Report\n- ok\n");
  EXPECT_EQ(o.state, (KV{{"cleanup", "yes"}}));
}

TEST_F(ExecutorTest, MissingHeredocDelimiterIsReportedButExitStatusKept) {
  StepOutcome o = run(request("printf 'a=1\\nb<<EOF\\nno end\\n' >> $GITHUB_OUTPUT; exit 0"));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_NE(o.error_message.find("matching delimiter 'EOF' not found"), std::string::npos);
  EXPECT_EQ(o.outputs, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}}));
}

TEST_F(ExecutorTest, OversizedSummaryIsDroppedWithAnError) {
  StepOutcome o = run(request("head -c 1100000 /dev/zero | tr '\\0' a > $GITHUB_STEP_SUMMARY"));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.summary, "");
  EXPECT_NE(o.error_message.find("$GITHUB_STEP_SUMMARY"), std::string::npos) << o.error_message;
}

TEST_F(ExecutorTest, DebugLinesFollowActionsStepDebug) {
  StepRequest quiet = request("echo '::debug::details'; echo visible");
  EXPECT_EQ(run(quiet).exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"visible"}));
  StepRequest verbose = request("echo '::debug::details'");
  verbose.env["ACTIONS_STEP_DEBUG"] = "true";
  EXPECT_EQ(run(verbose).exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"visible", "Debug: details"}));
}

TEST_F(ExecutorTest, WorkflowCommandsFromAProcess) {
  StepOutcome o =
      run(request("echo '::group::Build'\n"
                  "echo '::error file=main.c,line=4::broken'\n"
                  "echo '::warning::hmm'\n"
                  "echo '::set-output name=x::1'\n"
                  "echo '::save-state name=s::2'\n"
                  "echo '::endgroup::'\n"));
  EXPECT_EQ(o.exit_code, 0);
  ASSERT_EQ(o.annotations.size(), 2u);
  EXPECT_EQ(o.annotations[0].level, engine::AnnotationLevel::kError);
  EXPECT_EQ(o.annotations[0].file, "main.c");
  EXPECT_EQ(o.annotations[0].line, 4);
  EXPECT_EQ(o.outputs, (std::vector<std::pair<std::string, std::string>>{{"x", "1"}}));
  EXPECT_EQ(o.state, (std::vector<std::pair<std::string, std::string>>{{"s", "2"}}));
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"\u25B8 Build", "Error: main.c:4: broken",
                                                   "Warning: hmm", "\u25C2 Build"}));
}

TEST_F(ExecutorTest, SecretsAndAddMaskAreMasked) {
  masker_->add("topsecret");
  StepOutcome o =
      run(request("echo 'a topsecret b'\n"
                  "echo '::add-mask::dynamic-42'\n"
                  "echo 'x dynamic-42 y'\n"
                  "echo '::stop-commands::tok'\n"
                  "echo '::add-mask::ignored'\n"
                  "echo '::tok::'\n"
                  "echo ignored\n"));
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(log_->all(),
            (std::vector<std::string>{"a *** b", "x *** y", "::add-mask::ignored", "ignored"}));
}

TEST_F(ExecutorTest, LogPattern) {
  StepRequest r = request("echo 'connection reset by peer'; echo ok");
  r.log_pattern = "reset by (peer|host)";
  EXPECT_TRUE(run(r).log_pattern_matched);
  StepRequest r2 = request("echo fine");
  r2.log_pattern = "reset by";
  EXPECT_FALSE(run(r2).log_pattern_matched);
}

TEST_F(ExecutorTest, LongLinesAreSplitAndPartialLastLineKept) {
  StepOutcome o =
      run(request("head -c 200000 /dev/zero | tr '\\0' a; echo; echo end; printf tail"));
  EXPECT_EQ(o.exit_code, 0);
  std::vector<std::string> lines = log_->all();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].size(), 65536u);
  EXPECT_EQ(lines[1].size(), 65536u);
  EXPECT_EQ(lines[2].size(), 65536u);
  EXPECT_EQ(lines[3].size(), 200000u - 3 * 65536u);
  EXPECT_EQ(lines[4], "end");
  EXPECT_EQ(lines[5], "tail");
}

// Regression (issue 8 §3): an over-long line is logged in max_line_bytes pieces, and a
// secret that straddled a piece boundary was logged in two unmasked halves.
TEST_F(ExecutorTest, SecretAcrossALongLineBoundaryIsMasked) {
  LocalProcessExecutor small{LocalProcessExecutor::Options{200ms, 16, false, nullptr}};
  masker_->add("SECRET-0123456789");  // 17 bytes: longer than a piece
  // Printed at every offset against the 16-byte pieces, in one over-long line.
  std::string script =
      "printf 'x'; for i in $(seq 20); do printf 'SECRET-0123456789.'; done; "
      "printf 'y'; printf '%.0s-' $(seq 40); echo";
  Started s = start(small, request(script));
  EXPECT_EQ(wait(s).exit_code, 0);
  std::string joined;
  for (const std::string& line : log_->all()) {
    // Bounded: a piece plus what was held back (the longest form, base64: 24 bytes, - 1).
    EXPECT_LE(line.size(), 16u + 23u) << line;
    joined += line;
  }
  std::string expected = "x";
  for (int i = 0; i < 20; ++i) expected += "***.";
  expected += "y" + std::string(40, '-');
  EXPECT_EQ(joined, expected);
  for (const std::string& line : log_->all()) {
    for (std::string part : {"SECRET", "0123", "6789", "-01", "T-0"})
      EXPECT_EQ(line.find(part), std::string::npos) << line;
  }
}

TEST_F(ExecutorTest, ManyLinesArriveInOrder) {
  StepOutcome o = run(request("seq 1 200000"));
  EXPECT_EQ(o.exit_code, 0);
  std::vector<std::string> lines = log_->all();
  ASSERT_EQ(lines.size(), 200000u);
  for (size_t i = 0; i < lines.size(); i += 9973) EXPECT_EQ(lines[i], std::to_string(i + 1));
  EXPECT_EQ(lines.back(), "200000");
}

TEST_F(ExecutorTest, CancelKillsTheWholeProcessGroup) {
  Started s = start(executor_, request("sleep 100 & echo $! > bg.pid; echo started; wait"));
  ASSERT_TRUE(log_->wait_for("started"));
  executor_.cancel(s.id);
  StepOutcome o = wait(s);
  EXPECT_TRUE(o.cancelled);
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_FALSE(o.succeeded());
  pid_t background = std::stoi(read_all((dir_ / "bg.pid").string()));
  EXPECT_TRUE(process_gone(background));
}

TEST_F(ExecutorTest, CancelEscalatesToSigkillAfterGrace) {
  auto begin = std::chrono::steady_clock::now();
  Started s = start(
      executor_,
      request("trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05 || :; done", "bash"));
  ASSERT_TRUE(log_->wait_for("ready"));
  executor_.cancel(s.id);
  StepOutcome o = wait(s);
  auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_TRUE(o.cancelled);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_TRUE(log_->wait_for("got TERM", 0ms));
}

TEST_F(ExecutorTest, CancelAfterEndIsANoOp) {
  Started s = start(executor_, request("true"));
  StepOutcome o = wait(s);
  executor_.cancel(s.id);
  executor_.cancel(123456789);
  EXPECT_FALSE(o.cancelled);
  EXPECT_EQ(run(request("echo still fine")).exit_code, 0);
}

TEST_F(ExecutorTest, BackgroundProcessHoldingOutputDoesNotDelayTheStep) {
  auto begin = std::chrono::steady_clock::now();
  StepOutcome o = run(request("(sleep 5; echo late) & echo $! > bg.pid; echo main"));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(log_->all(), (std::vector<std::string>{"main"}));
}

// Processes a step leaves behind live until their job ends, as on GitHub, then die
// however they were started. Regression: `sleep 300 >/dev/null 2>&1 &` outlived the run.
TEST_F(ExecutorTest, BackgroundProcessWithRedirectedOutputLivesUntilItsJobEnds) {
  StepRequest r = request("sleep 300 >/dev/null 2>&1 & echo $! > bg.pid");
  r.job_scope = "1/a";
  EXPECT_EQ(run(r).exit_code, 0);
  pid_t background = std::stoi(read_all((dir_ / "bg.pid").string()));
  EXPECT_FALSE(process_gone(background, 0ms));  // later steps of the job may still use it
  executor_.end_job("1/a");
  EXPECT_TRUE(process_gone(background));
}

TEST_F(ExecutorTest, EndJobKillsADaemonThatLeftTheSession) {
  // setsid: a new session and process group; the tracking id in its environment remains.
  StepRequest r = request("setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo $! > bg.pid");
  r.job_scope = "1/a";
  EXPECT_EQ(run(r).exit_code, 0);
  pid_t daemon = std::stoi(read_all((dir_ / "bg.pid").string()));
  executor_.end_job("1/a");
  EXPECT_TRUE(process_gone(daemon));
}

TEST_F(ExecutorTest, EndJobKillsAProcessThatClearedItsEnvironmentInTheSession) {
  // set -m: background jobs get process groups of their own (same session); env -i drops the
  // tracking id. The session is what finds it.
  StepRequest r = request("set -m; env -i sleep 300 >/dev/null 2>&1 & echo $! > bg.pid", "bash");
  r.job_scope = "1/a";
  EXPECT_EQ(run(r).exit_code, 0);
  pid_t background = std::stoi(read_all((dir_ / "bg.pid").string()));
  ASSERT_NE(::getpgid(background), ::getsid(background));  // really another process group
  executor_.end_job("1/a");
  EXPECT_TRUE(process_gone(background));
}

TEST_F(ExecutorTest, EndJobLeavesOtherJobsAlone) {
  StepRequest a = request("sleep 300 >/dev/null 2>&1 & echo $! > a.pid");
  a.job_scope = "1/a";
  StepRequest b = request("sleep 300 >/dev/null 2>&1 & echo $! > b.pid");
  b.job_scope = "1/b";
  run(a);
  run(b);
  executor_.end_job("1/a");
  pid_t other = std::stoi(read_all((dir_ / "b.pid").string()));
  EXPECT_TRUE(process_gone(std::stoi(read_all((dir_ / "a.pid").string()))));
  EXPECT_FALSE(process_gone(other, 0ms));
  executor_.end_job("1/b");
  EXPECT_TRUE(process_gone(other));
}

TEST_F(ExecutorTest, StepsCarryTheirJobsTrackingIdWhichTheRequestCannotChange) {
  StepRequest r = request("echo \"$SLUICE_TRACKING_ID\"");
  r.env["SLUICE_TRACKING_ID"] = "0";
  r.job_scope = "1/a";
  run(r);
  run(r);
  r.job_scope = "1/b";
  run(r);
  const std::string& token = executor_.processes().token();
  EXPECT_EQ(log_->all(), (std::vector<std::string>{token + ".1", token + ".1", token + ".2"}));
}

// The second Ctrl-C: everything dies now (no grace period), and nothing starts after.
TEST_F(ExecutorTest, KillAllKillsAtOnceAndStartsNothingMore) {
  auto begin = std::chrono::steady_clock::now();
  Started s =
      start(executor_, request("trap '' TERM; sleep 300 >/dev/null 2>&1 & echo $! > bg.pid; "
                               "echo ready; while :; do sleep 0.05 || :; done",
                               "bash"));
  ASSERT_TRUE(log_->wait_for("ready"));
  executor_.kill_all();
  StepOutcome o = wait(s);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_TRUE(o.cancelled);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_TRUE(process_gone(std::stoi(read_all((dir_ / "bg.pid").string()))));
  StepOutcome later = run(request("echo must not run > ran"));
  EXPECT_TRUE(later.cancelled);
  EXPECT_FALSE(fs::exists(dir_ / "ran"));
}

TEST(ExecutorLifetime, DestructionCancelsRunningAndLingeringProcesses) {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("sluice_exec_life_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::promise<StepOutcome> running;
  std::promise<StepOutcome> finished;
  {
    LocalProcessExecutor executor(LocalProcessExecutor::Options{200ms, 1024, false, nullptr});
    auto log = std::make_shared<MemoryLog>();
    StepRequest r;
    r.step_files_dir = dir.string();
    r.env = {{"PATH", std::getenv("PATH")}};
    r.log = log;
    r.script = "(sleep 100; echo never) & echo $! > lingering.pid; echo up";
    r.working_directory = dir.string();
    executor.start(r, [&](StepOutcome o) { finished.set_value(std::move(o)); });
    ASSERT_EQ(finished.get_future().get().exit_code, 0);
    r.script = "echo running; sleep 100";
    executor.start(r, [&](StepOutcome o) { running.set_value(std::move(o)); });
    ASSERT_TRUE(log->wait_for("running"));
  }
  StepOutcome o = running.get_future().get();
  EXPECT_TRUE(o.cancelled);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_TRUE(process_gone(std::stoi(read_all((dir / "lingering.pid").string()))));
  fs::remove_all(dir);
}

// The destructor skips its sweep when every job has been swept at end_job: a daemon that the
// last step of the last job started must still be dead when the executor is gone.
TEST(ExecutorLifetime, DestructionRightAfterTheLastJobEndsLeavesNoDaemon) {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("sluice_exec_last_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    LocalProcessExecutor executor(LocalProcessExecutor::Options{200ms, 1024, false, nullptr});
    StepRequest r;
    r.step_files_dir = dir.string();
    r.env = {{"PATH", std::getenv("PATH")}};
    r.log = std::make_shared<MemoryLog>();
    r.script = "setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo $! > daemon.pid";
    r.working_directory = dir.string();
    r.job_scope = "1/last";
    std::promise<StepOutcome> done;
    executor.start(r, [&](StepOutcome o) { done.set_value(std::move(o)); });
    ASSERT_EQ(done.get_future().get().exit_code, 0);
    executor.end_job("1/last");
  }
  EXPECT_TRUE(process_gone(std::stoi(read_all((dir / "daemon.pid").string()))));
  fs::remove_all(dir);
}

TEST_F(ExecutorTest, ChildGetsDefaultSigpipeEvenIfParentIgnoresIt) {
  struct sigaction old {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  StepOutcome o = run(request("yes | head -n 1", "bash"));
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(o.exit_code, 128 + SIGPIPE);
}

TEST_F(ExecutorTest, FiftyConcurrentExecutions) {
  constexpr int kCount = 50;
  std::vector<std::shared_ptr<MemoryLog>> logs;
  std::vector<Started> started;
  for (int i = 0; i < kCount; ++i) {
    logs.push_back(std::make_shared<MemoryLog>());
    StepRequest r =
        request("echo \"step $N\"; sleep 0.2; echo \"out=$N\" >> $GITHUB_OUTPUT; exit $((N % 7))");
    r.env["N"] = std::to_string(i);
    r.log = logs.back();
    started.push_back(start(executor_, std::move(r)));
  }
  for (int i = 0; i < kCount; ++i) {
    StepOutcome o = wait(started[i]);
    EXPECT_EQ(o.exit_code, i % 7) << i;
    EXPECT_EQ(o.outputs,
              (std::vector<std::pair<std::string, std::string>>{{"out", std::to_string(i)}}));
    EXPECT_EQ(logs[i]->all(), (std::vector<std::string>{"step " + std::to_string(i)}));
  }
}

// Steps that end while others start: the I/O thread closes a finished step's pipe while
// the starting thread creates pipes and pidfds that may get the same fd numbers. A step
// whose registration was lost to such a reuse would never finish (wait() aborts).
TEST_F(ExecutorTest, StepsStartingWhileOthersFinishAreAllSeenToExit) {
  constexpr int kSteps = 400;
  constexpr size_t kInFlight = 3;
  std::deque<Started> running;
  for (int i = 0; i < kSteps; ++i) {
    if (running.size() == kInFlight) {
      EXPECT_EQ(wait(running.front()).exit_code, 0);
      running.pop_front();
    }
    running.push_back(start(executor_, request(i % 2 == 0 ? "true" : "echo x")));
  }
  while (!running.empty()) {
    EXPECT_EQ(wait(running.front()).exit_code, 0);
    running.pop_front();
  }
}

}  // namespace
}  // namespace sluice::exec

#include "cli/run_session.h"

#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/interrupts.h"
#include "cli/progress_printer.h"
#include "runner/workflow_set.h"

namespace sluice::cli {

namespace {

// The interrupt watcher, for as long as the run runs.
class WatchedRun : public runner::RunAttachment {
 public:
  explicit WatchedRun(runner::ActiveRun& run)
      : watcher_(run.loop, run.engine, run.executor, run.store, run.run) {}

 private:
  InterruptWatcher watcher_;
};

}  // namespace

std::unique_ptr<RunSession> open_run_session(const char* command,
                                             const std::filesystem::path& data_dir,
                                             const std::vector<std::string>& secret_args,
                                             const std::string& secrets_file, int& exit_code) {
  exit_code = kExitInvalid;
  auto given = runner::parse_key_values(secret_args, "--secret", true);
  if (!given.ok()) {
    std::cerr << "sluice " << command << ": " << given.error().message << "\n";
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> all = *given;
  if (!secrets_file.empty()) {
    auto from_file = runner::read_secrets_file(secrets_file);
    if (!from_file.ok()) {
      std::cerr << "sluice " << command << ": " << from_file.error().format() << "\n";
      return nullptr;
    }
    all.insert(all.end(), from_file->begin(), from_file->end());
  }
  bool store_failed = false;
  std::ostringstream warnings;
  auto session = runner::open_run_session(data_dir, warnings, store_failed);
  if (!warnings.str().empty()) std::cerr << "sluice " << command << ": " << warnings.str();
  if (!session) {
    std::cerr << "sluice " << command << ": " << session.error().message << "\n";
    if (store_failed) exit_code = kExitNotRecorded;
    return nullptr;
  }
  for (const auto& [k, v] : all) {
    (*session)->secrets.set(k, v);
    (*session)->masker->add(v);
  }
  (*session)->secrets.set("GITHUB_TOKEN", "");
  return std::move(*session);
}

WorkflowOutcome run_on_terminal(RunSession& session, const WorkflowRun& run) {
  ProgressPrinter printer(std::cout, isatty(STDOUT_FILENO), session.data_dir.string());
  runner::RunHooks hooks;
  hooks.observer = &printer;
  hooks.out = &std::cout;
  hooks.err = &std::cerr;
  hooks.interrupts = &interrupt_count();
  hooks.attach = [](runner::ActiveRun& active) -> std::unique_ptr<runner::RunAttachment> {
    return std::make_unique<WatchedRun>(active);
  };
  return runner::run_workflow(session, run, hooks);
}

int exit_code_of(const WorkflowOutcome& outcome) {
  if (!outcome.recorded) return kExitNotRecorded;
  if (outcome.status == engine::RunStatus::kCancelled || interrupt_count() > 0)
    return kExitCancelled;
  return outcome.status == engine::RunStatus::kSuccess ? kExitOk : kExitFailure;
}

}  // namespace sluice::cli

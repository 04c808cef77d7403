// Running the user's scripts: hooks, command checks and `targets-command`. The deployer
// reaches processes only through HookRunner, so its unit tests use a fake that records
// calls and fails on cue.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "deploy/deploy_spec.h"

namespace sluice::deploy {

struct HookCall {
  std::string label;  // "web-1 Install": prefixes each output line in the log
  HookScript script;
  std::map<std::string, std::string> env;  // added to (and overriding) sluice's own environment
  std::string working_directory;
};

struct HookOutcome {
  int exit_code = 0;
  bool timed_out = false;
  std::string error;   // could not start (no such file, runas without root, ...)
  std::string output;  // the last 64 KiB of stdout+stderr
  bool ok() const { return exit_code == 0 && !timed_out && error.empty(); }
  std::string describe() const;  // "exit 3", "timed out after 5s", the error
};

class HookRunner {
 public:
  virtual ~HookRunner() = default;
  // Runs one script to its end (or its timeout) and calls `on_line` for each output line.
  // Called from several threads at once (the targets of one batch run side by side).
  virtual HookOutcome run(const HookCall& call,
                          const std::function<void(const std::string&)>& on_line) = 0;
};

// Real processes: `bash -c COMMAND` or `bash FILE` (a file without the exec bit runs too,
// as CodeDeploy's agent does), in a session of its own (killed as a group at the timeout),
// stdin /dev/null. `runas` needs sluice to run as root (`runuser -u USER --`).
class ProcessHookRunner : public HookRunner {
 public:
  HookOutcome run(const HookCall& call,
                  const std::function<void(const std::string&)>& on_line) override;
};

}  // namespace sluice::deploy

// The history commands against a controller (--server URL): the same output as the local
// commands (cli/history_output.h prints both), the data fetched through the API.
// Each returns the exit code; errors are printed as "sluice <command>: error: ...".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/api_client.h"

namespace sluice::cli {

int remote_runs(const ServerArgs& server, int limit, bool json);
int remote_show(const ServerArgs& server, const std::string& run, bool json);
// Without `follow`: every selected attempt's text after its header, as `sluice logs`.
// With it: each step's log followed live (Server-Sent Events, one stream per step, steps
// of parallel jobs at once) until the run has finished and every stream has ended.
int remote_logs(const ServerArgs& server, const std::string& run, const std::string& selector,
                bool follow);
int remote_cancel(const ServerArgs& server, const std::string& run);
int remote_rerun(const ServerArgs& server, const std::string& run, bool failed_only, bool wait);

struct DispatchArgs {
  std::string project;
  std::string workflow;
  std::string ref;
  std::vector<std::string> inputs;  // "k=v"
  bool wait = false;
};
int remote_dispatch(const ServerArgs& server, const DispatchArgs& args);

}  // namespace sluice::cli

// The controller's API (docs/api.md) as the command line uses it: `sluice runs`, `show`,
// `logs`, `cancel`, `rerun` and `dispatch` with --server URL (or SLUICE_SERVER), bearer
// token from --token (or SLUICE_TOKEN).
//
// Every call returns the data or an error whose message is ready to print after
// "sluice <command>: error: ", and remembers the exit code that fits it
// (last_exit_code()): 2 when the server refused the request (an unknown run, project or
// workflow, a bad token, a missing role, invalid inputs: 4xx), 1 when it could not answer
// (unreachable, timed out, 5xx, a malformed answer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"
#include "store/run_json.h"

namespace CLI {
class App;
}

namespace sluice::cli {

struct ServerArgs {
  std::string server;  // "" : local mode
  std::string token;
};

// Adds --server and --token to `cmd`; SLUICE_SERVER and SLUICE_TOKEN fill what is not given.
void add_server_options(CLI::App* cmd, ServerArgs& args);

class ApiClient {
 public:
  // Fails (exit 2) on a URL that is not http://host[:port][/path].
  static Result<std::unique_ptr<ApiClient>> open(const ServerArgs& args,
                                                 net::HttpClientOptions options = {});

  const net::Url& server() const { return http_.server(); }
  int last_exit_code() const { return last_exit_code_; }

  // GET /api/v1/runs?limit=N (N 0: the server's default page).
  Result<store::RunPage> list_runs(int limit);
  // RUN is a run id or "latest" (the newest run on the server).
  Result<int64_t> resolve_run(const std::string& text);
  // GET /api/v1/runs/{id}
  Result<store::RunView> run(int64_t run_id);
  // GET /api/v1/runs/{id}/logs/{job}/{step}: the step's text, its attempts one after another.
  Result<std::string> step_log(int64_t run_id, const std::string& job_key, int step_number);
  // GET .../logs/{job}/{step}/stream from byte `resume` of the step's text: calls on_line
  // with each line and the offset just after it, until the step has finished and all its
  // text is sent (returns its final status, e.g. "success"), or on_line returns false, or
  // the stream fails (an error). `stop`, when set, ends the call ("stopped").
  using LineCallback = std::function<bool(uint64_t offset_after, const std::string& line)>;
  Result<std::string> follow_step_log(int64_t run_id, const std::string& job_key, int step_number,
                                      uint64_t resume, const LineCallback& on_line);
  // POST /api/v1/runs/{id}/cancel
  Status cancel(int64_t run_id);
  // POST /api/v1/runs/{id}/rerun {"failed": b} → the new run's id
  Result<int64_t> rerun(int64_t run_id, bool failed_only);
  // POST /api/v1/projects/{p}/workflows/{w}/dispatch {"ref", "inputs"} → the runs started
  Result<std::vector<int64_t>> dispatch(
      const std::string& project, const std::string& workflow, const std::string& ref,
      const std::vector<std::pair<std::string, std::string>>& inputs);

 private:
  ApiClient(net::Url url, std::string token, net::HttpClientOptions options)
      : http_(std::move(url), std::move(options)), token_(std::move(token)) {}
  // Sends a request with the token; the body of a 2xx response, else the error it means.
  Result<std::string> call(const std::string& method, const std::string& target,
                           const std::string& json_body = "");
  Error fail(int exit_code, std::string message);
  Error refused(const net::ClientResponse& response);

  net::HttpClient http_;
  std::string token_;
  int last_exit_code_ = 0;
};

// A path segment with everything but unreserved characters percent-encoded ('/' too,
// unless `keep_slash`).
std::string encode_path_segment(const std::string& text, bool keep_slash = false);

}  // namespace sluice::cli

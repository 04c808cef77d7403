#include "cli/remote_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/cli.h"
#include "cli/history_output.h"
#include "engine/run_model.h"
#include "store/log_selection.h"

namespace sluice::cli {
namespace {

using namespace std::chrono_literals;

// How often a follower asks for the run's state (new steps, the end of the run).
constexpr auto kPollInterval = 500ms;
// A log stream that breaks is reopened (from where it stopped) this many times in a row.
constexpr int kStreamRetries = 5;
// How long the streams of a finished run may take to deliver their last lines.
constexpr auto kEndGrace = 30s;

// Opens the client, or prints why not; `exit_code` is set on failure.
std::unique_ptr<ApiClient> open_client(const char* command, const ServerArgs& server,
                                       int& exit_code, net::HttpClientOptions options = {}) {
  auto client = ApiClient::open(server, std::move(options));
  if (!client) {
    std::cerr << "sluice " << command << ": error: " << client.error().message << "\n";
    exit_code = kExitInvalid;
    return nullptr;
  }
  return std::move(*client);
}

int report(const char* command, const ApiClient& api, const Error& error) {
  std::cerr << "sluice " << command << ": error: " << error.message << "\n";
  return api.last_exit_code() == kExitOk ? kExitFailure : api.last_exit_code();
}

// The attempts of one step as the API concatenates them (store::select_attempts order,
// those without a log left out).
struct StepLogs {
  std::string job_key;
  int step_index = 0;
  std::vector<engine::AttemptRecord> attempts;
};

std::vector<StepLogs> group_by_step(const std::vector<engine::AttemptRecord>& attempts) {
  std::vector<StepLogs> steps;
  for (const auto& a : attempts) {
    if (a.log_path.empty()) continue;
    auto it = std::find_if(steps.begin(), steps.end(), [&](const StepLogs& s) {
      return s.job_key == a.job_key && s.step_index == a.step_index;
    });
    if (it == steps.end()) it = steps.insert(steps.end(), {a.job_key, a.step_index, {}});
    it->attempts.push_back(a);
  }
  return steps;
}

// Where an attempt's text ends in its step's text; UINT64_MAX while it may still grow.
uint64_t slice_length(const engine::AttemptRecord& a) {
  bool bounded = engine::is_terminal(a.status) && a.status != engine::RunStatus::kInterrupted;
  return bounded ? static_cast<uint64_t>(a.log_bytes) : UINT64_MAX;
}

// The attempt whose slice holds byte `offset` of the step's text (the last one when past
// every known slice: an attempt the follower has not seen yet).
size_t attempt_at(const std::vector<engine::AttemptRecord>& attempts, uint64_t offset) {
  uint64_t begin = 0;
  for (size_t i = 0; i < attempts.size(); ++i) {
    uint64_t length = slice_length(attempts[i]);
    if (length == UINT64_MAX || offset < begin + length) return i;
    begin += length;
  }
  return attempts.empty() ? 0 : attempts.size() - 1;
}

int print_logs_once(ApiClient& api, const store::RunView& view,
                    const std::vector<engine::AttemptRecord>& selected) {
  for (const StepLogs& step : group_by_step(selected)) {
    auto text = api.step_log(view.detail.run.id, step.job_key, step.step_index + 1);
    if (!text) return report("logs", api, text.error());
    uint64_t begin = 0;
    for (const auto& attempt : step.attempts) {
      std::cout << store::attempt_header(view.detail, attempt) << "\n";
      uint64_t length = std::min<uint64_t>(slice_length(attempt),
                                           text->size() - std::min<uint64_t>(begin, text->size()));
      if (begin >= text->size() || length == 0) {
        std::cout << "(no output)\n";
      } else {
        std::cout << std::string_view(*text).substr(begin, length);
        if (text->at(begin + length - 1) != '\n') std::cout << "\n";
      }
      begin += length;
    }
  }
  std::cout.flush();
  return kExitOk;
}

// Follows the selected steps' logs of one run, one SSE stream (and thread) per step.
class LogFollower {
 public:
  LogFollower(const ServerArgs& server, std::string selector)
      : server_(server), selector_(std::move(selector)) {}

  int follow(ApiClient& api, int64_t run_id, store::RunView view) {
    // A run that has already finished has nothing to follow: its logs in order, as without -f.
    if (engine::is_terminal(view.detail.run.status)) {
      auto selected = store::select_attempts(view.detail, selector_);
      if (!selected) {
        std::cerr << "sluice logs: error: " << selected.error().message << "\n";
        return kExitInvalid;
      }
      return print_logs_once(api, view, *selected);
    }
    while (true) {
      auto selected = store::select_attempts(view.detail, selector_);
      if (!selected) {
        std::cerr << "sluice logs: error: " << selected.error().message << "\n";
        stop_all();
        return kExitInvalid;
      }
      bool finished = engine::is_terminal(view.detail.run.status);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        detail_ = view.detail;
        for (StepLogs& step : group_by_step(*selected)) start(run_id, std::move(step));
      }
      if (finished) break;
      std::this_thread::sleep_for(kPollInterval);
      auto reloaded = api.run(run_id);
      if (!reloaded) {
        stop_all();
        return report("logs", api, reloaded.error());
      }
      view = std::move(*reloaded);
    }
    // The run has finished: every stream ends once it has sent its step's last line. One
    // that does not (a step the server never closes) is given up after kEndGrace.
    auto give_up = std::chrono::steady_clock::now() + kEndGrace;
    while (streaming_ > 0 && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(20ms);
    if (streaming_ > 0) {
      std::cerr << "sluice logs: warning: the run has finished but " << streaming_.load()
                << " log stream(s) did not end; stopping them\n";
    }
    stop_all();
    std::cout.flush();
    return failed_ ? kExitFailure : kExitOk;
  }

 private:
  struct Step {
    StepLogs logs;
    std::thread thread;
  };

  void start(int64_t run_id, StepLogs logs) {
    std::string key = fmt::format("{}/{}", logs.job_key, logs.step_index);
    auto& step = steps_[key];
    if (step) {
      step->logs = std::move(logs);  // newer attempts, for the headers
      return;
    }
    step = std::make_unique<Step>();
    step->logs = std::move(logs);
    ++streaming_;
    step->thread = std::thread([this, run_id, raw = step.get(), key] {
      stream(run_id, *raw, key);
      --streaming_;
    });
  }

  void stream(int64_t run_id, Step& step, const std::string& key) {
    net::HttpClientOptions options;
    options.stop = &stop_;
    options.idle_timeout = 45s;  // the server sends a keep-alive comment every 15 s
    auto api = ApiClient::open(server_, options);
    if (!api) return;
    std::string job_key;
    int number = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_key = step.logs.job_key;
      number = step.logs.step_index + 1;
    }
    uint64_t resume = 0;
    for (int failures = 0; failures <= kStreamRetries && !stop_;) {
      auto ended = (*api)->follow_step_log(run_id, job_key, number, resume,
                                           [&](uint64_t offset_after, const std::string& line) {
                                             print_line(step, key, offset_after, line);
                                             resume = offset_after;
                                             failures = 0;
                                             return true;
                                           });
      if (ended) return;
      if (stop_) return;
      if ((*api)->last_exit_code() == kExitInvalid || ++failures > kStreamRetries) {
        std::lock_guard<std::mutex> lock(mutex_);
        std::cerr << "sluice logs: error: " << ended.error().message << "\n";
        failed_ = true;
        return;
      }
      std::this_thread::sleep_for(500ms);
    }
  }

  void print_line(Step& step, const std::string& key, uint64_t offset_after,
                  const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t start = offset_after >= line.size() + 1 ? offset_after - line.size() - 1 : 0;
    const auto& attempts = step.logs.attempts;
    if (!attempts.empty()) {
      const auto& attempt = attempts[attempt_at(attempts, start)];
      std::string id = fmt::format("{}/{}/{}", key, attempt.job_attempt, attempt.attempt);
      if (id != last_printed_) {
        std::cout << store::attempt_header(detail_, attempt) << "\n";
        last_printed_ = id;
      }
    }
    std::cout << line << "\n";
    std::cout.flush();
  }

  void stop_all() {
    stop_ = true;
    for (auto& [key, step] : steps_)
      if (step->thread.joinable()) step->thread.join();
  }

  const ServerArgs& server_;
  std::string selector_;
  std::atomic<bool> stop_{false};
  std::atomic<int> streaming_{0};  // threads still streaming
  std::mutex mutex_;               // guards what follows, and std::cout
  engine::RunDetail detail_;
  std::map<std::string, std::unique_ptr<Step>> steps_;
  std::string last_printed_;
  bool failed_ = false;
};

int exit_code_of(engine::RunStatus status) {
  if (status == engine::RunStatus::kSuccess) return kExitOk;
  if (status == engine::RunStatus::kCancelled) return kExitCancelled;
  return kExitFailure;
}

// Follows a run to its end (its logs, then its summary line); the exit code of `sluice run`.
int wait_for_run(const char* command, const ServerArgs& server, ApiClient& api, int64_t run_id) {
  auto view = api.run(run_id);
  if (!view) return report(command, api, view.error());
  LogFollower follower(server, "");
  int followed = follower.follow(api, run_id, std::move(*view));
  auto final_view = api.run(run_id);
  if (!final_view) return report(command, api, final_view.error());
  const engine::RunDetail& detail = final_view->detail;
  engine::RunStatistics stats = engine::compute_action_statistics(detail.jobs);
  std::cout << "run " << run_id << " summary: " << engine::format_statistics(stats) << "\n";
  std::cout << "run " << run_id << " " << engine::to_string(detail.run.status)
            << (detail.run.reason.empty() ? "" : ": " + detail.run.reason) << "\n";
  std::cout.flush();
  int code = exit_code_of(detail.run.status);
  return code == kExitOk && followed != kExitOk ? followed : code;
}

}  // namespace

int remote_runs(const ServerArgs& server, int limit, bool json) {
  int exit_code = kExitOk;
  auto api = open_client("runs", server, exit_code);
  if (!api) return exit_code;
  auto page = api->list_runs(limit);
  if (!page) return report("runs", *api, page.error());
  print_run_page(*page, json, api->server().to_string());
  return kExitOk;
}

int remote_show(const ServerArgs& server, const std::string& run, bool json) {
  int exit_code = kExitOk;
  auto api = open_client("show", server, exit_code);
  if (!api) return exit_code;
  auto id = api->resolve_run(run);
  if (!id) return report("show", *api, id.error());
  auto view = api->run(*id);
  if (!view) return report("show", *api, view.error());
  print_run_view(*view, json);
  return kExitOk;
}

int remote_logs(const ServerArgs& server, const std::string& run, const std::string& selector,
                bool follow) {
  int exit_code = kExitOk;
  auto api = open_client("logs", server, exit_code);
  if (!api) return exit_code;
  auto id = api->resolve_run(run);
  if (!id) return report("logs", *api, id.error());
  auto view = api->run(*id);
  if (!view) return report("logs", *api, view.error());
  if (follow) return LogFollower(server, selector).follow(*api, *id, std::move(*view));
  auto selected = store::select_attempts(view->detail, selector);
  if (!selected) {
    std::cerr << "sluice logs: error: " << selected.error().message << "\n";
    return kExitInvalid;
  }
  return print_logs_once(*api, *view, *selected);
}

int remote_cancel(const ServerArgs& server, const std::string& run) {
  int exit_code = kExitOk;
  auto api = open_client("cancel", server, exit_code);
  if (!api) return exit_code;
  auto id = api->resolve_run(run);
  if (!id) return report("cancel", *api, id.error());
  if (Status s = api->cancel(*id); !s.ok()) return report("cancel", *api, s.error());
  std::cout << "cancelling run " << *id << "\n";
  return kExitOk;
}

int remote_rerun(const ServerArgs& server, const std::string& run, bool failed_only, bool wait) {
  int exit_code = kExitOk;
  auto api = open_client("rerun", server, exit_code);
  if (!api) return exit_code;
  auto id = api->resolve_run(run);
  if (!id) return report("rerun", *api, id.error());
  auto started = api->rerun(*id, failed_only);
  if (!started) return report("rerun", *api, started.error());
  std::cout << "re-running run " << *id << (failed_only ? " (failed jobs)" : "") << " as run "
            << *started << "\n";
  std::cout.flush();
  return wait ? wait_for_run("rerun", server, *api, *started) : kExitOk;
}

int remote_dispatch(const ServerArgs& server, const DispatchArgs& args) {
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& text : args.inputs) {
    size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "sluice dispatch: error: -i takes NAME=VALUE, not '" << text << "'\n";
      return kExitInvalid;
    }
    inputs.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  int exit_code = kExitOk;
  auto api = open_client("dispatch", server, exit_code);
  if (!api) return exit_code;
  auto ids = api->dispatch(args.project, args.workflow, args.ref, inputs);
  if (!ids) return report("dispatch", *api, ids.error());
  for (int64_t id : *ids) std::cout << id << "\n";
  std::cout.flush();
  if (!args.wait) return kExitOk;
  int worst = kExitOk;
  for (int64_t id : *ids) {
    int code = wait_for_run("dispatch", server, *api, id);
    // Cancelled (130) is reported over failure (1), as by `sluice run`; both over success.
    if (code == kExitCancelled || (code != kExitOk && worst == kExitOk)) worst = code;
  }
  return worst;
}

}  // namespace sluice::cli

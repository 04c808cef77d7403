// `sluice runs`, `sluice show RUN` and `sluice logs RUN [JOB[/STEP]] [-f]`: the run
// history kept by the store in the data dir (default ./.sluice), or with --server URL (or
// SLUICE_SERVER) a controller's, through its API (cli/remote_commands.h), printed alike.
//
// Exit codes: 0 on success; 2 for an unknown run, job or step, or a data dir without
// history (for `runs`, an empty history is not an error).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/api_client.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/history_output.h"
#include "cli/remote_commands.h"
#include "cli/run_lookup.h"
#include "exec/container/container_cleanup.h"
#include "store/log_selection.h"
#include "store/run_recovery.h"
#include "store/run_report.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::cli {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Opens the history without creating anything: reading must not leave a .sluice behind.
// Runs whose process died are marked interrupted first (store/run_recovery.h), so that
// what is shown is true; a history that cannot be written to is still shown.
Result<std::unique_ptr<store::SqliteStore>> open_history(const std::string& data_dir,
                                                         const char* command) {
  store::SqliteStoreOptions options;
  options.create_if_missing = false;
  auto history = store::SqliteStore::open(data_dir, options);
  if (!history) return history;
  auto interrupted = store::interrupt_orphaned_runs(**history, data_dir, now_ms());
  if (!interrupted) {
    std::cerr << "sluice " << command
              << ": warning: cannot mark interrupted runs: " << interrupted.error().message << "\n";
  } else if (!interrupted->empty()) {
    store::remove_leftovers(data_dir);
    exec::container::remove_containers_of_runs(
        *interrupted, std::filesystem::absolute(data_dir).lexically_normal().string());
  }
  return history;
}

// Opens the history and loads RUN, printing the error for `command` when that fails.
Result<engine::RunDetail> load(const char* command, const std::string& data_dir,
                               const std::string& run_text,
                               std::unique_ptr<store::SqliteStore>& history) {
  auto opened = open_history(data_dir, command);
  if (!opened) {
    std::cerr << "sluice " << command << ": error: " << opened.error().message << "\n";
    return opened.error();
  }
  history = std::move(*opened);
  auto id = resolve_run(*history, run_text);
  if (!id) {
    std::cerr << "sluice " << command << ": error: " << id.error().message << "\n";
    return id.error();
  }
  auto detail = history->load_run(*id);
  if (!detail) {
    std::cerr << "sluice " << command << ": error: no run " << *id << " in " << data_dir << "\n";
    return detail.error();
  }
  return detail;
}

namespace {

void add_runs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("runs", "List recent runs, newest first");
  struct Args {
    std::string data_dir = ".sluice";
    int limit = 20;
    bool json = false;
    ServerArgs server;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->add_option("--limit,-n", args->limit, "How many runs to list (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print the runs as JSON (docs/cli.md, JSON formats)");
  add_server_options(cmd, args->server);
  cmd->callback([&exit_code, args] {
    if (!args->server.server.empty()) {
      exit_code = remote_runs(args->server, args->limit, args->json);
      return;
    }
    if (!fs::exists(fs::path(args->data_dir) / store::SqliteStore::kDatabaseFile)) {
      print_run_page({}, args->json, args->data_dir);
      exit_code = kExitOk;
      return;
    }
    auto history = open_history(args->data_dir, "runs");
    if (!history) {
      std::cerr << "sluice runs: error: " << history.error().message << "\n";
      exit_code = kExitInvalid;
      return;
    }
    auto runs = (*history)->list_runs(args->limit);
    if (!runs) {
      std::cerr << "sluice runs: error: " << runs.error().message << "\n";
      exit_code = kExitFailure;
      return;
    }
    store::RunPage page;
    page.runs = std::move(*runs);
    print_run_page(page, args->json, args->data_dir);
    exit_code = kExitOk;
  });
}

void add_show_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("show", "Show one run: jobs, steps, attempts, statistics, annotations");
  struct Args {
    std::string run;
    std::string data_dir = ".sluice";
    bool json = false;
    ServerArgs server;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the run as JSON (docs/cli.md, JSON formats)");
  add_server_options(cmd, args->server);
  cmd->callback([&exit_code, args] {
    if (!args->server.server.empty()) {
      exit_code = remote_show(args->server, args->run, args->json);
      return;
    }
    std::unique_ptr<store::SqliteStore> history;
    auto detail = load("show", args->data_dir, args->run, history);
    if (!detail) {
      exit_code = kExitInvalid;
      return;
    }
    print_run_view(load_run_view(args->data_dir, std::move(*detail)), args->json);
    exit_code = kExitOk;
  });
}

// Prints the selected logs; with `follow`, keeps printing what is appended until the
// run reaches a terminal status, which includes its process dying meanwhile (then the run
// is marked interrupted). A header goes before each attempt's text, and again whenever
// the output switches between attempts (parallel jobs interleave).
int print_logs(store::SqliteStore& history, engine::RunDetail detail, const std::string& selector,
               bool follow) {
  std::map<std::string, store::LogTail> tails;  // by attempt
  std::string last_printed;
  while (true) {
    auto selected = store::select_attempts(detail, selector);
    if (!selected) {
      std::cerr << "sluice logs: error: " << selected.error().message << "\n";
      return kExitInvalid;
    }
    bool finished = !follow || engine::is_terminal(detail.run.status);
    for (const auto& attempt : *selected) {
      if (attempt.log_path.empty()) continue;
      std::string id = fmt::format("{}/{}/{}/{}", attempt.job_key, attempt.step_index,
                                   attempt.job_attempt, attempt.attempt);
      auto it = tails
                    .try_emplace(id, history.log_file(attempt.log_path),
                                 static_cast<uint64_t>(attempt.log_offset))
                    .first;
      // A finished attempt's slice is bounded by its recorded size. An interrupted one has
      // no recorded size (its process died first), but it is the last slice of its job's log.
      if (engine::is_terminal(attempt.status) &&
          attempt.status != engine::RunStatus::kInterrupted) {
        it->second.set_end(static_cast<uint64_t>(attempt.log_offset + attempt.log_bytes));
      }
      if (!follow) {
        // Streamed straight to stdout: a log of any size prints in bounded memory.
        std::cout << store::attempt_header(detail, attempt) << "\n";
        if (it->second.copy_new(std::cout, /*final=*/true) == 0) std::cout << "(no output)\n";
        continue;
      }
      // A finished attempt's log is complete: print its last line even without '\n'.
      std::ostringstream text;
      it->second.copy_new(text, finished || engine::is_terminal(attempt.status));
      const std::string chunk = text.str();
      if (chunk.empty()) continue;
      if (last_printed != id) {
        std::cout << store::attempt_header(detail, attempt) << "\n";
        last_printed = id;
      }
      std::cout << chunk;
    }
    std::cout.flush();
    if (finished) return kExitOk;
    std::this_thread::sleep_for(200ms);
    auto interrupted =
        store::interrupt_if_owner_gone(history, history.data_dir(), detail.run, now_ms());
    if (interrupted && *interrupted) store::remove_leftovers(history.data_dir());
    auto reloaded = history.load_run(detail.run.id);
    if (!reloaded) {
      std::cerr << "sluice logs: error: " << reloaded.error().message << "\n";
      return kExitFailure;
    }
    detail = std::move(*reloaded);
  }
}

void add_logs_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("logs", "Print the logs of a run, a job or a step");
  struct Args {
    std::string run;
    std::string selector;
    std::string data_dir = ".sluice";
    bool follow = false;
    ServerArgs server;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("RUN", args->run, "Run id (see `sluice runs`) or 'latest'")->required();
  cmd->add_option("JOB[/STEP]", args->selector,
                  "Job key, id or name; STEP is a step id, name or 1-based number");
  cmd->add_option("--data-dir", args->data_dir, "Run history directory")->capture_default_str();
  cmd->add_flag("-f,--follow", args->follow, "Keep printing new output until the run finishes");
  add_server_options(cmd, args->server);
  cmd->callback([&exit_code, args] {
    if (!args->server.server.empty()) {
      exit_code = remote_logs(args->server, args->run, args->selector, args->follow);
      return;
    }
    std::unique_ptr<store::SqliteStore> history;
    auto detail = load("logs", args->data_dir, args->run, history);
    if (!detail) {
      exit_code = kExitInvalid;
      return;
    }
    exit_code = print_logs(*history, std::move(*detail), args->selector, args->follow);
  });
}

}  // namespace

// RUN is a run id or "latest".
Result<int64_t> resolve_run(engine::Store& history, const std::string& text) {
  if (text == "latest" || text == "last") {
    auto runs = history.list_runs(1);
    if (!runs) return runs.error();
    if (runs->empty()) return Error{"there are no runs yet", {}};
    return runs->front().id;
  }
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Error{"RUN must be a run id (see `sluice runs`) or 'latest', not '" + text + "'", {}};
  }
  return id;
}

void add_history_commands(CLI::App& app, int& exit_code) {
  add_runs_command(app, exit_code);
  add_show_command(app, exit_code);
  add_logs_command(app, exit_code);
}

}  // namespace sluice::cli

#include "cli/history_output.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/run_artifacts.h"
#include "store/log_paths.h"
#include "store/run_report.h"

namespace sluice::cli {

using runner::artifacts_section;
using runner::load_run_artifacts;

namespace fs = std::filesystem;

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void print_run_page(const store::RunPage& page, bool json, const std::string& where) {
  int64_t now = wall_clock_ms();
  if (json) {
    std::cout << store::dump_json(store::run_page_json(page, now));
  } else if (page.runs.empty()) {
    std::cout << "no runs yet in " << where << "\n";
  } else {
    std::cout << store::format_run_table(page.runs, now);
  }
}

void print_run_view(const store::RunView& view, bool json) {
  int64_t now = wall_clock_ms();
  if (json) {
    std::cout << store::dump_json(store::run_detail_json(view, now));
  } else {
    std::cout << store::format_run_detail(view.detail, now) + artifacts_section(view.artifacts);
  }
}

store::RunView load_run_view(const std::string& data_dir, engine::RunDetail detail) {
  store::RunView view;
  fs::path summary = fs::path(data_dir) / store::step_summary_path(detail.run.id);
  std::error_code ec;
  if (fs::exists(summary, ec)) {
    std::ifstream in(summary, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
      std::cerr << "sluice: warning: cannot read " << summary.string() << "\n";
    } else {
      view.summaries = store::split_step_summaries(text.str(), detail.jobs);
    }
  }
  // Artifacts live in runtime.db; a run without any (or an unreadable file) shows none.
  auto artifacts = load_run_artifacts(data_dir, detail.run.id);
  if (!artifacts) std::cerr << "sluice show: warning: " << artifacts.error().message << "\n";
  if (artifacts) view.artifacts = std::move(*artifacts);
  view.detail = std::move(detail);
  return view;
}

}  // namespace sluice::cli

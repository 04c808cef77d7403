// ProgressPrinter: what `sluice run` shows while a run goes on.
//
// Line-oriented output (one line per job/step start and end, failures with the tail of
// their log) works in logs and pipes; on a terminal the same lines are coloured and a
// status line at the bottom shows what is running right now.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

#include "engine/run_context.h"

namespace sluice::cli {

class ProgressPrinter : public engine::RunObserver {
 public:
  // `log_root`: the directory attempts' log_path values are relative to.
  ProgressPrinter(std::ostream& out, bool terminal, std::string log_root)
      : out_(out), terminal_(terminal), log_root_(std::move(log_root)) {}

  void on_run(const engine::RunRecord& run) override;
  void on_job(const engine::JobRecord& job) override;
  void on_step(const engine::StepRecord& step) override;
  void on_attempt(const engine::AttemptRecord& attempt) override;
  void on_annotation(const engine::Annotation& annotation) override;
  void on_error(const std::string& message) override;

 private:
  void print(const std::string& line, const char* colour = nullptr);
  void redraw_status();
  // The last `lines` lines of a finished attempt's slice of its log.
  void print_log_tail(const engine::AttemptRecord& attempt, int lines);

  std::ostream& out_;
  bool terminal_;
  std::string log_root_;
  std::map<std::string, engine::RunStatus> jobs_;          // key -> last status printed
  std::map<std::string, std::string> waiting_;             // key -> last waiting reason printed
  std::map<std::string, std::string> running_;             // "job/step" -> step name
  std::map<std::string, engine::AttemptRecord> last_log_;  // "job/step-index" -> its last attempt
  int64_t run_started_ms_ = 0;
};

std::string format_duration_ms(int64_t ms);

}  // namespace sluice::cli

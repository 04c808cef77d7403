#include "cli/progress_printer.h"

#include <deque>
#include <fstream>
#include <iostream>

namespace sluice::cli {
namespace {

constexpr const char* kGreen = "\033[32m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kDim = "\033[2m";

const char* mark(engine::RunStatus s) {
  switch (s) {
    case engine::RunStatus::kSuccess:
      return "✓";
    case engine::RunStatus::kFailure:
      return "✗";
    case engine::RunStatus::kTimedOut:
      return "⏱";
    case engine::RunStatus::kCancelled:
      return "⊘";
    case engine::RunStatus::kSkipped:
      return "−";
    default:
      return "▶";
  }
}

const char* colour_of(engine::RunStatus s) {
  switch (s) {
    case engine::RunStatus::kSuccess:
      return kGreen;
    case engine::RunStatus::kFailure:
    case engine::RunStatus::kTimedOut:
      return kRed;
    case engine::RunStatus::kCancelled:
      return kYellow;
    default:
      return kDim;
  }
}

}  // namespace

std::string format_duration_ms(int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  if (ms < 60000)
    std::snprintf(buf, sizeof buf, "%.2fs", ms / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60));
  return buf;
}

void ProgressPrinter::print(const std::string& line, const char* colour) {
  if (terminal_) out_ << "\r\033[K";
  if (terminal_ && colour)
    out_ << colour << line << "\033[0m\n";
  else
    out_ << line << "\n";
  redraw_status();
}

void ProgressPrinter::redraw_status() {
  if (!terminal_) {
    out_.flush();
    return;
  }
  if (!running_.empty()) {
    std::string status = "running: ";
    bool first = true;
    for (const auto& [key, name] : running_) {
      status += (first ? "" : ", ") + key;
      first = false;
      if (status.size() > 100) {
        status += ", …";
        break;
      }
    }
    out_ << kDim << status << "\033[0m";
  }
  out_.flush();
}

void ProgressPrinter::on_run(const engine::RunRecord& run) {
  if (run.status == engine::RunStatus::kRunning) {
    run_started_ms_ = run.started_ms;
    print("run " + std::to_string(run.id) + ": " + run.workflow_name + " (" + run.event + ", " +
          run.workflow_file + ")");
    return;
  }
  running_.clear();
  print("run " + std::to_string(run.id) + " " + engine::to_string(run.status) + " in " +
            format_duration_ms(run.finished_ms - run.started_ms),
        colour_of(run.status));
}

void ProgressPrinter::on_job(const engine::JobRecord& job) {
  // A job held back (an environment's reviewers, wait timer, gates): say what for, again
  // whenever that changes.
  if (job.status == engine::RunStatus::kWaiting && !job.reason.empty()) {
    auto& printed = waiting_[job.key];
    if (printed != job.reason) {
      printed = job.reason;
      print("[" + job.key + "] waiting: " + job.reason, kYellow);
    }
    jobs_[job.key] = job.status;
    return;
  }
  auto& last = jobs_[job.key];
  if (last == job.status && job.status != engine::RunStatus::kQueued) return;
  last = job.status;
  if (job.status == engine::RunStatus::kQueued || job.reason == "matrix") return;
  if (job.status == engine::RunStatus::kRunning) {
    // A job that failed as it started (its env or timeout did not evaluate) still goes
    // through its steps, skipping them: say why before their lines, not only at the end.
    if (job.reason.empty()) {
      print("[" + job.key + "] started");
    } else {
      print("[" + job.key + "] started, but its steps will not run: " + job.reason, kRed);
    }
    return;
  }
  std::string line =
      "[" + job.key + "] " + mark(job.status) + " job " + engine::to_string(job.status);
  if (job.started_ms && job.finished_ms)
    line += " (" + format_duration_ms(job.finished_ms - job.started_ms) + ")";
  if (!job.reason.empty()) line += ": " + job.reason;
  print(line, colour_of(job.status));
}

void ProgressPrinter::on_step(const engine::StepRecord& step) {
  std::string key = step.job_key + "/" + std::to_string(step.index + 1);
  if (step.status == engine::RunStatus::kQueued) return;
  if (step.status == engine::RunStatus::kRunning) {
    if (!running_.count(key)) {
      running_[key] = step.name;
      if (terminal_) redraw_status();
    }
    return;
  }
  running_.erase(key);
  std::string line = "[" + step.job_key + "] " + mark(step.status) + " " + step.name;
  if (step.started_ms && step.finished_ms)
    line += " (" + format_duration_ms(step.finished_ms - step.started_ms) + ")";
  if (step.status != engine::RunStatus::kSuccess && !step.reason.empty())
    line += ": " + step.reason;
  if (step.outcome != step.status && step.outcome == engine::RunStatus::kFailure)
    line += " (continue-on-error)";
  print(line, step.status == engine::RunStatus::kSkipped ? kDim : colour_of(step.status));
  if (step.outcome == engine::RunStatus::kFailure || step.outcome == engine::RunStatus::kTimedOut) {
    auto it = last_log_.find(step.job_key + "/" + std::to_string(step.index));
    if (it != last_log_.end()) print_log_tail(it->second, 10);
  }
}

void ProgressPrinter::on_attempt(const engine::AttemptRecord& attempt) {
  last_log_[attempt.job_key + "/" + std::to_string(attempt.step_index)] = attempt;
  if (engine::is_terminal(attempt.status) && !attempt.reason.empty() &&
      attempt.reason.find("retrying") != std::string::npos)
    print("[" + attempt.job_key + "] ↻ attempt " + std::to_string(attempt.attempt) + ": " +
              attempt.reason,
          kYellow);
}

void ProgressPrinter::on_annotation(const engine::Annotation& a) {
  std::string where =
      a.file.empty() ? "" : a.file + (a.line ? ":" + std::to_string(a.line) : "") + ": ";
  print("[" + a.job_key + "] " + engine::to_string(a.level) + ": " + where + a.message,
        a.level == engine::AnnotationLevel::kError ? kRed : kYellow);
}

void ProgressPrinter::on_error(const std::string& message) {
  print("sluice: error: " + message, kRed);
}

void ProgressPrinter::print_log_tail(const engine::AttemptRecord& attempt, int lines) {
  const std::string& path = attempt.log_path;
  if (path.empty()) return;
  std::ifstream in(path[0] == '/' ? path : log_root_ + "/" + path, std::ios::binary);
  if (!in || !in.seekg(attempt.log_offset)) return;
  int64_t left = attempt.log_bytes;
  std::deque<std::string> tail;
  std::string line;
  while (left > 0 && std::getline(in, line)) {
    left -= static_cast<int64_t>(line.size()) + 1;
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  for (const std::string& l : tail) print("    | " + l, kDim);
}

}  // namespace sluice::cli

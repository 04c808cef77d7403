#include "store/run_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace sluice::store {

using engine::AttemptRecord;
using engine::RunDetail;
using engine::RunRecord;
using engine::RunStatus;
using engine::StepRecord;

namespace {

// Pads `text` to `width` columns (byte count: history text is mostly ASCII).
std::string pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string workflow_label(const RunRecord& run) {
  const std::string& name = run.workflow_name.empty() ? run.workflow_file : run.workflow_name;
  return fmt::format("{} #{}", name, run.run_number);
}

// Lays out rows as space-separated columns, each as wide as its widest cell; the last
// column is not padded so lines carry no trailing blanks.
std::string table(const std::vector<std::vector<std::string>>& rows,
                  const std::string& indent = "") {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i)
      line += i + 1 == row.size() ? row[i] : pad(row[i], widths[i]) + "  ";
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string attempt_label(const AttemptRecord& attempt) {
  return attempt.job_attempt > 1
             ? fmt::format("attempt {} (job attempt {})", attempt.attempt, attempt.job_attempt)
             : fmt::format("attempt {}", attempt.attempt);
}

std::string attempt_detail(const AttemptRecord& attempt) {
  std::vector<std::string> parts;
  parts.push_back(fmt::format("{} line{}", attempt.log_lines, attempt.log_lines == 1 ? "" : "s"));
  // The engine's reason already says how the attempt ended; the raw codes are the fallback.
  if (!attempt.reason.empty()) {
    parts.push_back(attempt.reason);
  } else {
    if (attempt.exit_code >= 0 && attempt.status != RunStatus::kSuccess)
      parts.push_back(fmt::format("exit {}", attempt.exit_code));
    if (attempt.signal != 0) parts.push_back(fmt::format("signal {}", attempt.signal));
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

}  // namespace

std::string format_timestamp_ms(int64_t epoch_ms) {
  if (epoch_ms <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return std::string(text, n);
}

std::string format_elapsed(int64_t started_ms, int64_t finished_ms, int64_t now_ms) {
  if (started_ms <= 0) return "-";
  int64_t end = finished_ms > 0 ? finished_ms : now_ms;
  return engine::format_duration_ms(std::max<int64_t>(0, end - started_ms));
}

std::string step_label(const StepRecord& step) {
  std::string label = !step.name.empty() ? step.name : step.step_id;
  if (label.empty()) return fmt::format("step {}", step.index + 1);
  // Default names are "Run <command>": keep tables on one line and readable.
  constexpr size_t kMaxLabel = 48;
  size_t newline = label.find('\n');
  bool cut = newline != std::string::npos || label.size() > kMaxLabel;
  if (newline != std::string::npos) label.resize(newline);
  if (label.size() > kMaxLabel) label.resize(kMaxLabel);
  return cut ? label + "..." : label;
}

std::string format_run_table(const std::vector<RunRecord>& runs, int64_t now_ms) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "WORKFLOW", "EVENT", "STATUS", "DURATION", "STARTED"}};
  for (const RunRecord& run : runs) {
    rows.push_back({std::to_string(run.id), workflow_label(run),
                    run.event.empty() ? "-" : run.event, engine::to_string(run.status),
                    format_elapsed(run.started_ms, run.finished_ms, now_ms),
                    format_timestamp_ms(run.started_ms > 0 ? run.started_ms : run.created_ms)});
  }
  return table(rows);
}

std::string format_run_detail(const RunDetail& detail, int64_t now_ms) {
  const RunRecord& run = detail.run;
  std::string out = fmt::format("run {}  {}  {}  {}\n", run.id, workflow_label(run),
                                engine::to_string(run.status),
                                format_elapsed(run.started_ms, run.finished_ms, now_ms));
  std::vector<std::vector<std::string>> header;
  if (!run.run_name.empty()) header.push_back({"name", run.run_name});
  if (!run.reason.empty()) header.push_back({"reason", run.reason});
  if (run.rerun_of > 0) header.push_back({"rerun of", fmt::format("run {}", run.rerun_of)});
  header.push_back({"workflow", run.workflow_file});
  std::string event = run.event.empty() ? "-" : run.event;
  if (!run.ref.empty()) event += "  " + run.ref;
  if (!run.sha.empty()) event += "  " + run.sha.substr(0, 12);
  header.push_back({"event", event});
  header.push_back({"started", format_timestamp_ms(run.started_ms)});
  if (run.finished_ms > 0) header.push_back({"finished", format_timestamp_ms(run.finished_ms)});
  if (!run.inputs_json.empty() && run.inputs_json != "{}")
    header.push_back({"inputs", run.inputs_json});
  out += table(header, "  ");

  // Steps and attempts of jobs that were never saved still show, under their key.
  std::vector<std::string> job_keys;
  std::map<std::string, const engine::JobRecord*> jobs;
  for (const auto& job : detail.jobs) {
    job_keys.push_back(job.key);
    jobs[job.key] = &job;
  }
  auto remember = [&](const std::string& key) {
    if (std::find(job_keys.begin(), job_keys.end(), key) == job_keys.end()) job_keys.push_back(key);
  };
  for (const auto& step : detail.steps) remember(step.job_key);

  for (const std::string& key : job_keys) {
    out += "\n";
    if (auto it = jobs.find(key); it != jobs.end()) {
      const auto& job = *it->second;
      out += fmt::format("job {}  {}  {}", key, engine::to_string(job.status),
                         format_elapsed(job.started_ms, job.finished_ms, now_ms));
      if (job.attempt > 1) out += fmt::format("  (job attempt {})", job.attempt);
      if (!job.reason.empty()) out += "  " + job.reason;
      out += "\n";
      if (!job.workflow_sha.empty()) out += "  workflow commit " + job.workflow_sha + "\n";
      if (!job.outputs_json.empty() && job.outputs_json != "{}")
        out += "  outputs " + job.outputs_json + "\n";
    } else {
      out += fmt::format("job {}\n", key);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& step : detail.steps) {
      if (step.job_key != key) continue;
      std::vector<const AttemptRecord*> attempts;
      for (const auto& attempt : detail.attempts) {
        if (attempt.job_key == key && attempt.step_index == step.index)
          attempts.push_back(&attempt);
      }
      std::string note = step.reason;
      if (!step.action_sha.empty())
        note = "action " + step.action_sha.substr(0, 12) + (note.empty() ? "" : "; " + note);
      if (attempts.size() > 1)
        note = fmt::format("{} attempts", attempts.size()) + (note.empty() ? "" : "; " + note);
      if (step.outcome != step.status && engine::is_terminal(step.outcome)) {
        note +=
            (note.empty() ? "" : "; ") + std::string("outcome ") + engine::to_string(step.outcome);
      }
      rows.push_back({fmt::format("{}.", step.index + 1), step_label(step),
                      engine::to_string(step.status),
                      format_elapsed(step.started_ms, step.finished_ms, now_ms), note});
      // Attempts are listed when there is more than one or the only one failed: that is
      // where the reasons (exit code, timeout, retry decision) live.
      bool show = attempts.size() > 1 ||
                  (attempts.size() == 1 && attempts[0]->status != RunStatus::kSuccess &&
                   !attempts[0]->reason.empty());
      if (!show) continue;
      for (const AttemptRecord* attempt : attempts) {
        rows.push_back({"", "  " + attempt_label(*attempt), engine::to_string(attempt->status),
                        format_elapsed(attempt->started_ms, attempt->finished_ms, now_ms),
                        attempt_detail(*attempt)});
      }
    }
    out += table(rows, "  ");
  }

  // The actions line is the one `sluice run` prints (one action per job instance, as the
  // data-pipeline write-up counts them); the steps line below it is the finer view.
  out += "\n" + engine::format_statistics(engine::compute_action_statistics(detail.jobs)) + "\n";
  out += engine::format_statistics(engine::compute_step_statistics(detail.steps), "step") + "\n";
  if (!detail.annotations.empty()) {
    out += "\nannotations\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& note : detail.annotations) {
      std::string where = note.file.empty() ? "-" : note.file;
      if (!note.file.empty() && note.line > 0) where += fmt::format(":{}", note.line);
      if (!note.file.empty() && note.line > 0 && note.column > 0)
        where += fmt::format(":{}", note.column);
      std::string message = note.title.empty() ? note.message : note.title + ": " + note.message;
      if (!note.job_key.empty()) {
        message += note.step_index >= 0
                       ? fmt::format("  [{} step {}]", note.job_key, note.step_index + 1)
                       : fmt::format("  [{}]", note.job_key);
      }
      rows.push_back({where, engine::to_string(note.level), message});
    }
    out += table(rows, "  ");
  }
  return out;
}

}  // namespace sluice::store

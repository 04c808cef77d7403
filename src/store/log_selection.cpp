#include "store/log_selection.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>

#include "store/run_report.h"

namespace sluice::store {

using engine::AttemptRecord;
using engine::RunDetail;
using engine::StepRecord;

namespace {

std::vector<std::string> job_keys_in_order(const RunDetail& detail) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  for (const auto& job : detail.jobs) add(job.key);
  for (const auto& step : detail.steps) add(step.job_key);
  for (const auto& attempt : detail.attempts) add(attempt.job_key);
  return keys;
}

// Job keys matching `name` as a key, a job id or a job name (in that order of preference).
std::vector<std::string> match_jobs(const RunDetail& detail, std::string_view name) {
  std::vector<std::string> keys = job_keys_in_order(detail);
  if (std::find(keys.begin(), keys.end(), name) != keys.end()) return {std::string(name)};
  std::vector<std::string> out;
  for (const auto& job : detail.jobs) {
    if (job.job_id == name) out.push_back(job.key);
  }
  if (!out.empty()) return out;
  for (const auto& job : detail.jobs) {
    if (job.name == name) out.push_back(job.key);
  }
  return out;
}

bool step_matches(const StepRecord& step, std::string_view name) {
  if (step.step_id == name || step.name == name) return true;
  int number = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
  return ec == std::errc() && end == name.data() + name.size() && number == step.index + 1;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::vector<AttemptRecord>> select_attempts(const RunDetail& detail,
                                                   std::string_view selector) {
  if (selector.empty()) return detail.attempts;
  // The whole selector may itself be a job key containing '/'; try that first.
  std::vector<std::string> jobs = match_jobs(detail, selector);
  std::string_view step_name;
  if (jobs.empty()) {
    size_t slash = selector.rfind('/');
    if (slash != std::string_view::npos) {
      jobs = match_jobs(detail, selector.substr(0, slash));
      step_name = selector.substr(slash + 1);
    }
  }
  if (jobs.empty()) {
    std::string job_name(selector.substr(0, selector.rfind('/')));
    return Error{fmt::format("run {} has no job '{}' (jobs: {})", detail.run.id, job_name,
                             join(job_keys_in_order(detail))),
                 {}};
  }
  std::set<std::pair<std::string, int>> steps;
  if (!step_name.empty()) {
    std::vector<std::string> known;
    for (const auto& step : detail.steps) {
      if (std::find(jobs.begin(), jobs.end(), step.job_key) == jobs.end()) continue;
      if (step_matches(step, step_name)) steps.insert({step.job_key, step.index});
      known.push_back(fmt::format("{} {}", step.index + 1, step_label(step)));
    }
    if (steps.empty()) {
      return Error{fmt::format("job '{}' of run {} has no step '{}' (steps: {})", jobs.front(),
                               detail.run.id, step_name, join(known)),
                   {}};
    }
  }
  std::vector<AttemptRecord> out;
  for (const auto& attempt : detail.attempts) {
    if (std::find(jobs.begin(), jobs.end(), attempt.job_key) == jobs.end()) continue;
    if (!steps.empty() && steps.count({attempt.job_key, attempt.step_index}) == 0) continue;
    out.push_back(attempt);
  }
  return out;
}

std::string attempt_header(const RunDetail& detail, const AttemptRecord& attempt) {
  std::string step = fmt::format("{}. step {}", attempt.step_index + 1, attempt.step_index + 1);
  for (const auto& record : detail.steps) {
    if (record.job_key == attempt.job_key && record.index == attempt.step_index) {
      step = fmt::format("{}. {}", record.index + 1, step_label(record));
    }
  }
  int of = 0;
  for (const auto& other : detail.attempts) {
    if (other.job_key == attempt.job_key && other.step_index == attempt.step_index &&
        other.job_attempt == attempt.job_attempt) {
      of = std::max(of, other.attempt);
    }
  }
  std::string which = fmt::format("attempt {} of {}", attempt.attempt, of);
  if (attempt.job_attempt > 1) which += fmt::format(", job attempt {}", attempt.job_attempt);
  return fmt::format("==> {} / {} / {} [{}] <==", attempt.job_key, step, which,
                     engine::to_string(attempt.status));
}

uint64_t LogTail::copy_new(std::ostream& out, bool final) {
  if (offset_ >= end_) return 0;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return 0;
  in.seekg(static_cast<std::streamoff>(offset_));
  uint64_t left = end_ - offset_;
  uint64_t copied = 0;
  std::string pending;  // bytes after the last newline seen, not yet copied
  char chunk[65536];
  while (left > 0 &&
         (in.read(chunk, static_cast<std::streamsize>(std::min<uint64_t>(sizeof chunk, left))) ||
          in.gcount() > 0)) {
    auto got = static_cast<size_t>(in.gcount());
    left -= got;
    pending.append(chunk, got);
    size_t end = pending.rfind('\n');
    if (end == std::string::npos) continue;
    out.write(pending.data(), static_cast<std::streamsize>(end + 1));
    copied += end + 1;
    pending.erase(0, end + 1);
  }
  if ((final || left == 0) && !pending.empty()) {  // the end of a finished slice is whole
    out.write(pending.data(), static_cast<std::streamsize>(pending.size()));
    copied += pending.size();
  }
  offset_ += copied;
  return copied;
}

}  // namespace sluice::store

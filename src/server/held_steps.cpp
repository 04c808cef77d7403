#include "server/held_steps.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/json.h"
#include "core/secret_masker.h"
#include "engine/retry.h"
#include "store/log_paths.h"
#include "store/run_owner.h"

namespace sluice::server {

namespace fs = std::filesystem;
using engine::RunStatus;

namespace {

// Unfinished, or only marked interrupted by the start-up recovery: what a held report may
// still complete.
bool open_to_delivery(RunStatus status) {
  return !engine::is_terminal(status) || status == RunStatus::kInterrupted;
}

Status append_lines(const fs::path& file, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error{"cannot open log " + file.string() + ": " + std::strerror(errno), {}};
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return Error{"cannot write log " + file.string() + ": " + why, {}};
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

// The lines and bytes of `file` from `offset` to its end: the slice of the job's log that
// is the held step's attempt (the last one the job started).
std::pair<int64_t, int64_t> slice_size(const fs::path& file, int64_t offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in || !in.seekg(offset)) return {0, 0};
  int64_t lines = 0, bytes = 0;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    std::streamsize n = in.gcount();
    bytes += n;
    for (std::streamsize i = 0; i < n; ++i) lines += buffer[i] == '\n';
  }
  return {lines, bytes};
}

}  // namespace

StoreHeldSteps::StoreHeldSteps(engine::Store& store, fs::path data_dir, std::string own_owner,
                               std::function<std::string(const std::string&)> mask,
                               const engine::Clock& clock)
    : store_(store),
      data_dir_(std::move(data_dir)),
      own_owner_(std::move(own_owner)),
      mask_(std::move(mask)),
      clock_(clock) {}

std::string StoreHeldSteps::key_of(const agent::HeldStep& s) {
  return std::to_string(s.run_id) + "\n" + s.job_key + "\n" + std::to_string(s.attempt) + "\n" +
         std::to_string(s.step_index) + "\n" + std::to_string(s.step_attempt);
}

std::string StoreHeldSteps::claim(const agent::HeldStep& s) {
  auto detail = store_.load_run(s.run_id);
  if (!detail) return "no run " + std::to_string(s.run_id);
  const engine::RunRecord& run = detail->run;
  std::string what = "run " + std::to_string(s.run_id);
  if (run.owner.empty() || run.owner == own_owner_) return what + " is not a previous controller's";
  if (store::owner_state(data_dir_, run.owner) != store::OwnerState::kGone)
    return what + ": its controller is still running";
  if (!open_to_delivery(run.status)) return what + " has finished";
  const engine::JobRecord* job = nullptr;
  for (const auto& j : detail->jobs)
    if (j.key == s.job_key) job = &j;
  if (!job) return what + " has no job '" + s.job_key + "'";
  what += " job '" + s.job_key + "'";
  if (job->attempt != s.attempt)
    return what + ": attempt " + std::to_string(s.attempt) + " is not its latest";
  const engine::StepRecord* step = nullptr;
  for (const auto& st : detail->steps)
    if (st.job_key == s.job_key && st.index == s.step_index) step = &st;
  const engine::AttemptRecord* attempt = nullptr;
  for (const auto& a : detail->attempts)
    if (a.job_key == s.job_key && a.job_attempt == s.attempt && a.step_index == s.step_index &&
        a.attempt == s.step_attempt)
      attempt = &a;
  what += " step " + std::to_string(s.step_index);
  if (!step || !attempt)
    return what + " attempt " + std::to_string(s.step_attempt) + " never started";
  if (!open_to_delivery(step->status) || !open_to_delivery(attempt->status))
    return what + " is recorded already (" + engine::to_string(attempt->status) + ")";
  std::lock_guard lock(mutex_);
  claimed_[key_of(s)] = Claimed{*step, *attempt};
  return "";
}

// A held step's delivery progress, beside its log: DATA/<log_path>.held-<index>-<attempt>
// holds "<seq> <log size> pending" while chunk <seq> is being appended and "<next seq> <log
// size>" once it is. It outlives a controller killed during a delivery, so the next
// process neither appends a resent chunk twice nor keeps half of one.
struct StoreHeldSteps::Progress {
  int64_t next_seq = -1;  // -1: nothing appended by a held delivery yet
  int64_t log_size = 0;
  bool pending = false;
};

fs::path StoreHeldSteps::progress_file(const agent::HeldStep& s,
                                       const engine::AttemptRecord& attempt) const {
  return data_dir_ / (attempt.log_path + ".held-" + std::to_string(s.step_index) + "-" +
                      std::to_string(s.step_attempt));
}

StoreHeldSteps::Progress StoreHeldSteps::read_progress(const fs::path& file) {
  Progress p;
  std::ifstream in(file);
  std::string pending;
  if (!(in >> p.next_seq >> p.log_size)) return Progress{};
  p.pending = static_cast<bool>(in >> pending) && pending == "pending";
  return p;
}

Status StoreHeldSteps::write_progress(const fs::path& file, const Progress& p) {
  fs::path temp = file;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << p.next_seq << " " << p.log_size << (p.pending ? " pending" : "") << "\n";
    if (!out.flush()) return Error{"cannot write " + temp.string(), {}};
  }
  std::error_code ec;
  fs::rename(temp, file, ec);  // whole or not at all
  if (ec) return Error{"cannot write " + file.string() + ": " + ec.message(), {}};
  return Status::Ok();
}

Status StoreHeldSteps::append_log(const agent::HeldStep& s, int64_t seq,
                                  const std::vector<std::string>& lines) {
  std::lock_guard lock(mutex_);
  auto it = claimed_.find(key_of(s));
  if (it == claimed_.end()) return Error{"the step is not claimed", {}};
  engine::AttemptRecord& attempt = it->second.attempt;
  if (attempt.log_path.empty()) {  // nothing was logged for it yet: its slice starts now
    attempt.log_path = store::job_log_path(s.run_id, s.job_key, s.attempt);
    std::error_code ec;
    auto size = fs::file_size(data_dir_ / attempt.log_path, ec);
    attempt.log_offset = ec ? 0 : static_cast<int64_t>(size);
    if (Status saved = store_.save_attempt(attempt); !saved.ok()) return saved;
  }
  fs::path log = data_dir_ / attempt.log_path;
  fs::path progress = progress_file(s, attempt);
  Progress p = read_progress(progress);
  std::error_code ec;
  if (p.pending) {  // an earlier process died appending chunk p.next_seq: cut it off
    fs::resize_file(log, static_cast<uintmax_t>(p.log_size), ec);
    if (ec) return Error{"cannot cut " + log.string() + " back: " + ec.message(), {}};
  }
  if (seq < p.next_seq) return Status::Ok();  // appended by an earlier process already
  auto size = fs::file_size(log, ec);
  if (Status w = write_progress(progress, {seq, ec ? 0 : static_cast<int64_t>(size), true});
      !w.ok())
    return w;
  std::vector<std::string> masked;
  masked.reserve(lines.size());
  for (const std::string& line : lines) masked.push_back(mask_ ? mask_(line) : line);
  if (Status a = append_lines(log, masked); !a.ok()) return a;
  size = fs::file_size(log, ec);
  return write_progress(progress, {seq + 1, ec ? 0 : static_cast<int64_t>(size), false});
}

Status StoreHeldSteps::record_result(const agent::HeldStep& s, const agent::StepResult& result,
                                     const std::string& agent_name) {
  std::lock_guard lock(mutex_);
  auto it = claimed_.find(key_of(s));
  if (it == claimed_.end()) return Error{"the step is not claimed", {}};
  auto& [step, attempt] = it->second;
  SecretMasker step_masks;
  for (const std::string& v : result.masks) step_masks.add(v);
  auto mask = [&](const std::string& text) {
    std::string out = step_masks.mask(text);
    return mask_ ? mask_(out) : out;
  };
  const engine::StepOutcome& o = result.outcome;
  const engine::HeldTerms& terms = s.terms;
  FailureClass failure = engine::classify_failure(o, result.timed_out);
  RunStatus status = engine::attempt_status(failure);
  std::string reason = engine::failure_reason(failure, o);
  std::string delivered = "delivered by agent " + (agent_name.empty() ? "?" : agent_name) +
                          " after a controller restart";
  reason = mask(reason.empty() ? delivered : reason + "; " + delivered);
  int64_t now = clock_.now_ms();
  if (!attempt.log_path.empty()) {
    auto [lines, bytes] = slice_size(data_dir_ / attempt.log_path, attempt.log_offset);
    attempt.log_lines = lines;
    attempt.log_bytes = bytes;
  }
  attempt.status = status;
  attempt.exit_code = o.exit_code;
  attempt.signal = o.signal;
  attempt.failure_class = failure;
  attempt.reason = reason;
  attempt.finished_ms = now;
  Value outputs = Value::object();
  for (const auto& [name, value] : o.outputs) outputs.set(name, mask(value));
  // continue-on-error, as the engine would have applied it (evaluated when the step started).
  bool step_failed = status == RunStatus::kFailure || status == RunStatus::kTimedOut;
  RunStatus conclusion = step_failed && terms.continue_on_error ? RunStatus::kSuccess : status;
  step.status = conclusion;
  step.outcome = status;
  step.reason = reason;
  step.exit_code = o.exit_code;
  step.outputs_json = o.outputs.empty() ? "" : to_json(outputs);
  step.finished_ms = now;
  Status saved = store_.save_attempt(attempt);
  if (saved.ok()) saved = store_.save_step(step);
  for (engine::Annotation a : o.annotations) {
    if (!saved.ok()) break;
    a.run_id = s.run_id;
    a.job_key = s.job_key;
    a.step_index = s.step_index;
    a.message = mask(a.message);
    a.title = mask(a.title);
    saved = store_.add_annotation(a);
  }
  if (saved.ok() && !o.summary.empty()) saved = append_summary(s, mask(o.summary));
  if (saved.ok() && terms.closes_job) saved = conclude(s, conclusion, agent_name);
  if (saved.ok()) saved = store_.flush();  // acknowledged only once it is committed
  if (saved.ok()) {
    std::error_code ec;
    if (!attempt.log_path.empty()) fs::remove(progress_file(s, attempt), ec);  // done
    claimed_.erase(it);
  }
  return saved;
}

// The step's GITHUB_STEP_SUMMARY, after what the run's summary file has ("## JOB", as the
// engine writes it at a run's end: a run that ended interrupted wrote none).
Status StoreHeldSteps::append_summary(const agent::HeldStep& s, const std::string& summary) {
  return append_lines(data_dir_ / store::step_summary_path(s.run_id),
                      {"## " + s.job_key, "", summary});
}

// The step closed its job (HeldTerms::closes_job): the job's conclusion follows from it, and
// the run's too when every other job had ended (run_if_success/run_if_failure).
Status StoreHeldSteps::conclude(const agent::HeldStep& s, RunStatus step_conclusion,
                                const std::string& agent_name) {
  const engine::HeldTerms& terms = s.terms;
  auto detail = store_.load_run(s.run_id);
  if (!detail) return detail.error();
  engine::JobRecord* job = nullptr;
  for (auto& j : detail->jobs)
    if (j.key == s.job_key && j.attempt == s.attempt) job = &j;
  if (!job || !open_to_delivery(job->status)) return Status::Ok();  // (claim checked both)
  RunStatus status = step_conclusion == RunStatus::kCancelled ? RunStatus::kCancelled
                     : terms.job_failed || step_conclusion != RunStatus::kSuccess
                         ? RunStatus::kFailure
                         : RunStatus::kSuccess;
  std::string why = "concluded from the step that agent " +
                    (agent_name.empty() ? "?" : agent_name) +
                    " delivered after a controller restart";
  int64_t now = clock_.now_ms();
  job->status = status;
  job->reason = why;
  job->finished_ms = now;
  if (Status saved = store_.save_job(*job); !saved.ok()) return saved;
  engine::RunRecord& run = detail->run;
  if (terms.run_if_success == RunStatus::kQueued || !open_to_delivery(run.status))
    return Status::Ok();
  for (const auto& other : detail->jobs)  // as the engine saw them when the step started
    if (&other != job &&
        (!engine::is_terminal(other.status) || other.status == RunStatus::kInterrupted))
      return Status::Ok();
  run.status = status == RunStatus::kSuccess                 ? terms.run_if_success
               : status == RunStatus::kFailure               ? terms.run_if_failure
               : terms.run_if_success == RunStatus::kSuccess ? RunStatus::kCancelled
                                                             : terms.run_if_success;
  run.reason = run.status == RunStatus::kSuccess ? "" : why;
  run.finished_ms = now;
  return store_.save_run(run);
}

}  // namespace sluice::server

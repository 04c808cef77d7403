#include "store/run_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

namespace sluice::store {

using engine::RunStatus;
using nlohmann::json;

namespace {

json time_json(int64_t epoch_ms) {
  if (epoch_ms <= 0) return nullptr;
  return iso8601_utc(epoch_ms);
}

// Adds "<name>_ms" and "<name>_at".
void put_time(json& out, const char* name, int64_t epoch_ms) {
  out[std::string(name) + "_ms"] = epoch_ms;
  out[std::string(name) + "_at"] = time_json(epoch_ms);
}

json embedded_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json statistics_json(const engine::RunStatistics& stats, const std::string& summary) {
  return {{"total", stats.total},
          {"succeeded", stats.succeeded},
          {"failed", stats.failed},
          {"timed_out", stats.timed_out},
          {"cancelled", stats.cancelled},
          {"skipped", stats.skipped},
          {"interrupted", stats.interrupted},
          {"running", stats.running},
          {"summary", summary}};
}

json attempt_json(const engine::AttemptRecord& a) {
  json out = {{"job_attempt", a.job_attempt},
              {"attempt", a.attempt},
              {"status", engine::to_string(a.status)},
              {"exit_code", a.exit_code},
              {"signal", a.signal},
              {"failure_class", std::string(to_string(a.failure_class))},
              {"reason", a.reason},
              {"log_path", a.log_path},
              {"log_offset", a.log_offset},
              {"log_lines", a.log_lines},
              {"log_bytes", a.log_bytes}};
  put_time(out, "started", a.started_ms);
  put_time(out, "finished", a.finished_ms);
  return out;
}

json step_json(const engine::StepRecord& step, json attempts) {
  json out = {{"number", step.index + 1},
              {"index", step.index},
              {"id", step.step_id},
              {"name", step.name},
              {"status", engine::to_string(step.status)},
              {"outcome", engine::to_string(step.outcome)},
              {"reason", step.reason},
              {"attempt_count", step.attempts},
              {"exit_code", step.exit_code},
              {"outputs", embedded_json(step.outputs_json)},
              {"action_sha", step.action_sha}};
  put_time(out, "started", step.started_ms);
  put_time(out, "finished", step.finished_ms);
  out["attempts"] = std::move(attempts);
  return out;
}

json job_json(const engine::JobRecord& job, json steps) {
  json out = {{"key", job.key},
              {"id", job.job_id},
              {"name", job.name},
              {"matrix", embedded_json(job.matrix_json)},
              {"status", engine::to_string(job.status)},
              {"reason", job.reason},
              {"attempt", job.attempt},
              {"workflow_sha", job.workflow_sha},
              {"needs", job.needs_json.empty() ? json::array() : embedded_json(job.needs_json)},
              {"outputs", embedded_json(job.outputs_json)}};
  put_time(out, "started", job.started_ms);
  put_time(out, "finished", job.finished_ms);
  out["steps"] = std::move(steps);
  return out;
}

json annotation_json(const engine::Annotation& n) {
  return {{"level", engine::to_string(n.level)},
          {"message", n.message},
          {"title", n.title},
          {"file", n.file},
          {"line", n.line},
          {"end_line", n.end_line},
          {"column", n.column},
          {"end_column", n.end_column},
          {"job_key", n.job_key},
          {"step_index", n.step_index}};
}

json artifact_json(const Artifact& a) {
  json out = {{"id", a.id},   {"name", a.name},     {"size", a.size},
              {"job", a.job}, {"digest", a.digest}, {"content_type", a.content_type}};
  put_time(out, "created", a.created_ms);
  put_time(out, "expires", a.expires_ms);
  return out;
}

// Reading back. Each getter leaves `out` alone when the field is missing or null and
// throws json::type_error when it has another type (caught in catching() below).
void get(const json& in, const char* key, std::string& out) {
  auto it = in.find(key);
  if (it != in.end() && !it->is_null()) out = it->get<std::string>();
}
template <typename Int>
void get(const json& in, const char* key, Int& out) {
  auto it = in.find(key);
  if (it != in.end() && !it->is_null()) out = it->get<Int>();
}
void get_status(const json& in, const char* key, RunStatus& out) {
  std::string text;
  get(in, key, text);
  if (!text.empty()) out = engine::run_status_from_string(text);
}
// The stored text of an embedded JSON field.
void get_embedded(const json& in, const char* key, std::string& out) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return;
  out = it->is_string() ? it->get<std::string>() : it->dump();
}
const json& array_of(const json& in, const char* key) {
  static const json kEmpty = json::array();
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return kEmpty;
  if (!it->is_array())
    throw json::type_error::create(302, fmt::format("'{}' is not an array", key), nullptr);
  return *it;
}

template <typename F>
auto catching(const char* what, F&& read) -> Result<decltype(read())> {
  try {
    return read();
  } catch (const json::exception& e) {
    return Error{fmt::format("unexpected JSON for {}: {}", what, e.what()), {}};
  }
}

engine::RunRecord read_run(const json& in) {
  if (!in.is_object()) throw json::type_error::create(302, "a run is not an object", nullptr);
  engine::RunRecord run;
  get(in, "id", run.id);
  get(in, "run_number", run.run_number);
  get(in, "workflow_file", run.workflow_file);
  get(in, "workflow_name", run.workflow_name);
  get(in, "run_name", run.run_name);
  get(in, "event", run.event);
  get(in, "ref", run.ref);
  get(in, "sha", run.sha);
  get_embedded(in, "inputs", run.inputs_json);
  get_status(in, "status", run.status);
  get(in, "reason", run.reason);
  get(in, "rerun_of", run.rerun_of);
  get(in, "created_ms", run.created_ms);
  get(in, "started_ms", run.started_ms);
  get(in, "finished_ms", run.finished_ms);
  return run;
}

engine::AttemptRecord read_attempt(const json& in, const engine::StepRecord& step) {
  engine::AttemptRecord a;
  a.run_id = step.run_id;
  a.job_key = step.job_key;
  a.step_index = step.index;
  get(in, "job_attempt", a.job_attempt);
  get(in, "attempt", a.attempt);
  get_status(in, "status", a.status);
  get(in, "exit_code", a.exit_code);
  get(in, "signal", a.signal);
  std::string failure;
  get(in, "failure_class", failure);
  a.failure_class = parse_failure_class(failure).value_or(FailureClass::kNone);
  get(in, "reason", a.reason);
  get(in, "log_path", a.log_path);
  get(in, "log_offset", a.log_offset);
  get(in, "log_lines", a.log_lines);
  get(in, "log_bytes", a.log_bytes);
  get(in, "started_ms", a.started_ms);
  get(in, "finished_ms", a.finished_ms);
  return a;
}

void read_job(const json& in, engine::RunDetail& detail) {
  engine::JobRecord job;
  job.run_id = detail.run.id;
  get(in, "key", job.key);
  get(in, "id", job.job_id);
  get(in, "name", job.name);
  get_embedded(in, "matrix", job.matrix_json);
  get_status(in, "status", job.status);
  get(in, "reason", job.reason);
  get(in, "attempt", job.attempt);
  get(in, "workflow_sha", job.workflow_sha);
  get_embedded(in, "needs", job.needs_json);
  if (job.needs_json == "[]") job.needs_json.clear();
  get_embedded(in, "outputs", job.outputs_json);
  get(in, "started_ms", job.started_ms);
  get(in, "finished_ms", job.finished_ms);
  for (const auto& s : array_of(in, "steps")) {
    engine::StepRecord step;
    step.run_id = job.run_id;
    step.job_key = job.key;
    get(s, "index", step.index);
    get(s, "id", step.step_id);
    get(s, "name", step.name);
    get_status(s, "status", step.status);
    get_status(s, "outcome", step.outcome);
    get(s, "reason", step.reason);
    get(s, "attempt_count", step.attempts);
    get(s, "exit_code", step.exit_code);
    get_embedded(s, "outputs", step.outputs_json);
    get(s, "started_ms", step.started_ms);
    get(s, "finished_ms", step.finished_ms);
    get(s, "action_sha", step.action_sha);
    for (const auto& a : array_of(s, "attempts")) detail.attempts.push_back(read_attempt(a, step));
    detail.steps.push_back(std::move(step));
  }
  detail.jobs.push_back(std::move(job));
}

engine::Annotation read_annotation(const json& in, int64_t run_id) {
  engine::Annotation n;
  n.run_id = run_id;
  std::string level;
  get(in, "level", level);
  n.level = level == "error"     ? engine::AnnotationLevel::kError
            : level == "warning" ? engine::AnnotationLevel::kWarning
                                 : engine::AnnotationLevel::kNotice;
  get(in, "message", n.message);
  get(in, "title", n.title);
  get(in, "file", n.file);
  get(in, "line", n.line);
  get(in, "end_line", n.end_line);
  get(in, "column", n.column);
  get(in, "end_column", n.end_column);
  get(in, "job_key", n.job_key);
  get(in, "step_index", n.step_index);
  return n;
}

Artifact read_artifact(const json& in, int64_t run_id) {
  Artifact a;
  a.run_id = run_id;
  get(in, "id", a.id);
  get(in, "name", a.name);
  get(in, "size", a.size);
  get(in, "job", a.job);
  get(in, "digest", a.digest);
  get(in, "content_type", a.content_type);
  get(in, "created_ms", a.created_ms);
  get(in, "expires_ms", a.expires_ms);
  a.finalized = true;  // only finalized artifacts are listed
  return a;
}

}  // namespace

std::string iso8601_utc(int64_t epoch_ms) {
  if (epoch_ms <= 0) return "";
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", std::string_view(text, n), epoch_ms % 1000);
}

json run_summary_json(const engine::RunRecord& run, int64_t now_ms, const std::string& project) {
  json out = {{"id", run.id},
              {"run_number", run.run_number},
              {"project", project.empty() ? json(nullptr) : json(project)},
              {"workflow_file", run.workflow_file},
              {"workflow_name", run.workflow_name},
              {"run_name", run.run_name},
              {"event", run.event},
              {"ref", run.ref},
              {"sha", run.sha},
              {"inputs", embedded_json(run.inputs_json)},
              {"status", engine::to_string(run.status)},
              {"reason", run.reason},
              {"rerun_of", run.rerun_of}};
  put_time(out, "created", run.created_ms);
  put_time(out, "started", run.started_ms);
  put_time(out, "finished", run.finished_ms);
  if (run.started_ms > 0) {
    int64_t end = run.finished_ms > 0 ? run.finished_ms : now_ms;
    out["duration_ms"] = std::max<int64_t>(0, end - run.started_ms);
  } else {
    out["duration_ms"] = nullptr;
  }
  return out;
}

json run_page_json(const RunPage& page, int64_t now_ms) {
  json runs = json::array();
  for (const auto& run : page.runs) {
    auto project = page.projects.find(run.id);
    runs.push_back(
        run_summary_json(run, now_ms, project == page.projects.end() ? "" : project->second));
  }
  return {{"runs", std::move(runs)},
          {"next_cursor", page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor)}};
}

json run_detail_json(const RunView& view, int64_t now_ms) {
  const engine::RunDetail& detail = view.detail;
  json out;
  out["run"] = run_summary_json(detail.run, now_ms, view.project);
  engine::RunStatistics actions = engine::compute_action_statistics(detail.jobs);
  engine::RunStatistics steps = engine::compute_step_statistics(detail.steps);
  out["statistics"] = statistics_json(actions, engine::format_statistics(actions));
  out["step_statistics"] = statistics_json(steps, engine::format_statistics(steps, "step"));
  json jobs = json::array();
  for (const auto& job : detail.jobs) {
    json job_steps = json::array();
    for (const auto& step : detail.steps) {
      if (step.job_key != job.key) continue;
      json attempts = json::array();
      for (const auto& a : detail.attempts) {
        if (a.job_key == job.key && a.step_index == step.index) attempts.push_back(attempt_json(a));
      }
      job_steps.push_back(step_json(step, std::move(attempts)));
    }
    jobs.push_back(job_json(job, std::move(job_steps)));
  }
  out["jobs"] = std::move(jobs);
  json annotations = json::array();
  for (const auto& n : detail.annotations) annotations.push_back(annotation_json(n));
  out["annotations"] = std::move(annotations);
  json summaries = json::array();
  for (const auto& s : view.summaries)
    summaries.push_back({{"job_key", s.job_key}, {"markdown", s.markdown}});
  out["summaries"] = std::move(summaries);
  json artifacts = json::array();
  for (const auto& a : view.artifacts) artifacts.push_back(artifact_json(a));
  out["artifacts"] = std::move(artifacts);
  return out;
}

std::string dump_json(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<engine::RunRecord> run_summary_from_json(const json& value) {
  return catching("a run", [&] { return read_run(value); });
}

Result<RunPage> run_page_from_json(const json& value) {
  return catching("a run list", [&] {
    RunPage page;
    if (!value.is_object()) throw json::type_error::create(302, "not an object", nullptr);
    for (const auto& item : array_of(value, "runs")) {
      page.runs.push_back(read_run(item));
      std::string project;
      get(item, "project", project);
      if (!project.empty()) page.projects[page.runs.back().id] = project;
    }
    get(value, "next_cursor", page.next_cursor);
    return page;
  });
}

Result<RunView> run_view_from_json(const json& value) {
  return catching("a run detail", [&] {
    RunView view;
    if (!value.is_object() || !value.contains("run"))
      throw json::type_error::create(302, "not an object with a \"run\"", nullptr);
    engine::RunDetail& detail = view.detail;
    detail.run = read_run(value.at("run"));
    get(value.at("run"), "project", view.project);
    for (const auto& job : array_of(value, "jobs")) read_job(job, detail);
    for (const auto& n : array_of(value, "annotations"))
      detail.annotations.push_back(read_annotation(n, detail.run.id));
    for (const auto& s : array_of(value, "summaries")) {
      StepSummary summary;
      get(s, "job_key", summary.job_key);
      get(s, "markdown", summary.markdown);
      view.summaries.push_back(std::move(summary));
    }
    for (const auto& a : array_of(value, "artifacts"))
      view.artifacts.push_back(read_artifact(a, detail.run.id));
    return view;
  });
}

std::vector<StepSummary> split_step_summaries(const std::string& markdown,
                                              const std::vector<engine::JobRecord>& jobs) {
  std::set<std::string, std::less<>> keys;
  for (const auto& job : jobs) keys.insert(job.key);
  std::vector<StepSummary> out;
  size_t pos = 0;
  while (pos < markdown.size()) {
    size_t end = markdown.find('\n', pos);
    if (end == std::string::npos) end = markdown.size();
    std::string_view line(markdown.data() + pos, end - pos);
    size_t next = std::min(end + 1, markdown.size());
    if (line.starts_with("## ") && keys.count(line.substr(3))) {
      out.push_back({std::string(line.substr(3)), ""});
      // The writer puts a blank line after the heading.
      if (markdown.compare(next, 1, "\n") == 0) ++next;
    } else if (!out.empty()) {
      out.back().markdown.append(markdown, pos, next - pos);
    }
    pos = next;
  }
  // ... and a newline after each job's text.
  for (auto& s : out) {
    if (s.markdown.ends_with("\n\n")) s.markdown.pop_back();
  }
  return out;
}

}  // namespace sluice::store

#include "server/run_queries.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runner/run_artifacts.h"
#include "server/log_stream.h"
#include "store/log_paths.h"
#include "store/log_selection.h"
#include "store/run_json.h"

namespace sluice::server {

namespace {

using json = nlohmann::json;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 500;
// A whole-log response is built in memory; larger logs are read with Range requests.
constexpr uint64_t kMaxLogResponse = 32 << 20;

std::optional<int64_t> to_int(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads [begin, begin + size) of `path`; size -1: to the end of the file.
std::string read_slice(const std::filesystem::path& path, uint64_t begin, int64_t size,
                       uint64_t cap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  uint64_t file_size = static_cast<uint64_t>(in.tellg());
  if (begin >= file_size) return "";
  uint64_t length = size < 0 ? file_size - begin : std::min<uint64_t>(size, file_size - begin);
  length = std::min(length, cap);
  std::string out(length, '\0');
  in.seekg(static_cast<std::streamoff>(begin));
  in.read(out.data(), static_cast<std::streamsize>(length));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

}  // namespace

int64_t known_log_bytes(const engine::AttemptRecord& attempt) {
  // An attempt interrupted by a crash never had its size recorded: its text runs to the
  // end of the file (the job's log ended with it).
  if (!engine::is_terminal(attempt.status)) return -1;
  if (attempt.status == engine::RunStatus::kInterrupted && attempt.log_bytes == 0) return -1;
  return attempt.log_bytes;
}

std::optional<ByteRange> parse_range(const std::string& header, uint64_t size) {
  const std::string prefix = "bytes=";
  if (header.rfind(prefix, 0) != 0) return std::nullopt;
  std::string spec = header.substr(prefix.size());
  if (spec.find(',') != std::string::npos) return std::nullopt;  // one range only
  size_t dash = spec.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string first = spec.substr(0, dash), last = spec.substr(dash + 1);
  auto a = first.empty() ? std::optional<int64_t>() : to_int(first);
  auto b = last.empty() ? std::optional<int64_t>() : to_int(last);
  if ((!first.empty() && (!a || *a < 0)) || (!last.empty() && (!b || *b < 0))) return std::nullopt;
  ByteRange r;
  if (!a) {  // suffix: the last K bytes
    if (!b || *b == 0) return std::nullopt;
    r.begin = size - std::min<uint64_t>(size, *b);
    r.end = size;
  } else {
    if (static_cast<uint64_t>(*a) >= size) return std::nullopt;
    r.begin = *a;
    r.end = b ? std::min<uint64_t>(size, static_cast<uint64_t>(*b) + 1) : size;
    if (r.end <= r.begin) return std::nullopt;
  }
  return r;
}

HttpResponse list_runs(Controller& controller, HttpRequest& request) {
  auto q = [&](const char* name) {
    auto it = request.query.find(name);
    return it == request.query.end() ? std::string() : it->second;
  };
  int limit = kDefaultLimit;
  if (!q("limit").empty()) {
    auto v = to_int(q("limit"));
    if (!v || *v < 1 || *v > kMaxLimit)
      return json_error(400, "invalid_query", "limit must be 1 to " + std::to_string(kMaxLimit));
    limit = static_cast<int>(*v);
  }
  int64_t cursor = 0;  // list runs with id < cursor
  if (!q("cursor").empty()) {
    auto v = to_int(q("cursor"));
    if (!v || *v < 1) return json_error(400, "invalid_query", "cursor must be a run id");
    cursor = *v;
  }
  std::string status = q("status"), workflow = q("workflow"), branch = q("branch"),
              project = q("project");
  if (!status.empty() && engine::run_status_from_string(status) == engine::RunStatus::kQueued &&
      status != "queued")
    return json_error(400, "invalid_query", "unknown status '" + status + "'");
  if (!project.empty() && !controller.project(project))
    return json_error(404, "not_found", "no project '" + project + "'");
  RunFilter filter{project, workflow, status, branch.empty() ? "" : "refs/heads/" + branch,
                   cursor,  limit + 1};
  auto runs = controller.query_runs(filter);
  if (!runs) return json_error(500, "internal", runs.error().message);
  store::RunPage page;
  for (size_t i = 0; i < runs->size(); ++i) {
    if (static_cast<int>(i) == limit) {
      page.next_cursor = std::to_string((*runs)[i - 1].record.id);
      break;
    }
    page.projects[(*runs)[i].record.id] = (*runs)[i].project;
    page.runs.push_back(std::move((*runs)[i].record));
  }
  return HttpResponse::json(200, store::dump_json(store::run_page_json(page, now_ms())));
}

HttpResponse run_detail(Controller& controller, const Route& route) {
  auto id = to_int(route.param("id"));
  if (!id || *id < 1) return json_error(400, "invalid_id", "not a run id: " + route.param("id"));
  auto detail = controller.store().load_run(*id);
  if (!detail) return json_error(404, "not_found", "no run " + route.param("id"));
  store::RunView view;
  view.project = controller.project_of(detail->run);
  std::string summaries =
      read_slice(controller.data_dir() / store::step_summary_path(*id), 0, -1, kMaxLogResponse);
  if (!summaries.empty()) view.summaries = store::split_step_summaries(summaries, detail->jobs);
  if (auto artifacts = runner::load_run_artifacts(controller.data_dir().string(), *id); artifacts)
    view.artifacts = std::move(*artifacts);
  view.detail = std::move(*detail);
  return HttpResponse::json(200, store::dump_json(store::run_detail_json(view, now_ms())));
}

HttpResponse run_log(Controller& controller, HttpRequest& request, const Route& route) {
  auto id = to_int(route.param("id"));
  if (!id || *id < 1) return json_error(400, "invalid_id", "not a run id: " + route.param("id"));
  auto detail = controller.store().load_run(*id);
  if (!detail) return json_error(404, "not_found", "no run " + route.param("id"));
  std::string selector = route.param("job");
  if (!route.param("step").empty()) selector += "/" + route.param("step");
  auto attempts = store::select_attempts(*detail, selector);
  if (!attempts) return json_error(404, "not_found", attempts.error().message);
  std::string text;
  for (const auto& a : *attempts) {
    if (a.log_path.empty()) continue;
    text += read_slice(controller.data_dir() / a.log_path, a.log_offset, known_log_bytes(a),
                       kMaxLogResponse - std::min<uint64_t>(text.size(), kMaxLogResponse));
  }
  HttpResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Accept-Ranges", "bytes");
  std::string range = request.header("range");
  if (range.empty()) {
    r.body = std::move(text);
    return r;
  }
  auto span = parse_range(range, text.size());
  if (!span) {
    HttpResponse bad = json_error(416, "range_not_satisfiable", "cannot serve range " + range);
    bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(text.size()));
    return bad;
  }
  r.status = 206;
  r.headers.emplace_back("Content-Range", "bytes " + std::to_string(span->begin) + "-" +
                                              std::to_string(span->end - 1) + "/" +
                                              std::to_string(text.size()));
  r.body = text.substr(span->begin, span->end - span->begin);
  return r;
}

HttpResponse run_log_stream(Controller& controller, HttpRequest& request, const Route& route) {
  auto id = to_int(route.param("id"));
  if (!id || *id < 1) return json_error(400, "invalid_id", "not a run id: " + route.param("id"));
  auto detail = controller.store().load_run(*id);
  if (!detail) return json_error(404, "not_found", "no run " + route.param("id"));
  auto attempts = store::select_attempts(*detail, route.param("job") + "/" + route.param("step"));
  if (!attempts) return json_error(404, "not_found", attempts.error().message);
  uint64_t resume = 0;
  if (auto last = to_int(request.header("last-event-id")); last && *last > 0) resume = *last;
  HttpResponse r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.stream = make_log_stream(controller, *id, route.param("job"), route.param("step"), resume);
  return r;
}

}  // namespace sluice::server

#include "cli/api_client.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "cli/cli.h"

namespace sluice::cli {

using nlohmann::json;

namespace {

constexpr const char* kApi = "/api/v1";

json parse_or_null(const std::string& text) {
  auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

}  // namespace

void add_server_options(CLI::App* cmd, ServerArgs& args) {
  cmd->add_option("--server", args.server,
                  "Use the controller at this URL (http://host:port) instead of the local history")
      ->envname("SLUICE_SERVER");
  cmd->add_option("--token", args.token, "API token for --server")->envname("SLUICE_TOKEN");
}

std::string encode_path_segment(const std::string& text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

Result<std::unique_ptr<ApiClient>> ApiClient::open(const ServerArgs& args,
                                                   net::HttpClientOptions options) {
  auto url = net::parse_url(args.server);
  if (!url) return url.error();
  return std::unique_ptr<ApiClient>(new ApiClient(*url, args.token, std::move(options)));
}

Error ApiClient::fail(int exit_code, std::string message) {
  last_exit_code_ = exit_code;
  return Error{std::move(message), {}};
}

// The API's errors are {"error": {"code", "message"}}; anything else is shown as it came.
Error ApiClient::refused(const net::ClientResponse& response) {
  json body = parse_or_null(response.body);
  std::string code, message;
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& error = body["error"];
    if (error.contains("code") && error["code"].is_string()) code = error["code"];
    if (error.contains("message") && error["message"].is_string()) message = error["message"];
  }
  if (message.empty()) message = response.body.substr(0, 200);
  std::string text =
      fmt::format("{} (HTTP {}{}{})", message, response.status, code.empty() ? "" : " ", code);
  if (response.status == 401) {
    text += token_.empty() ? "; pass --token or set SLUICE_TOKEN (the admin token is in "
                             "DATA_DIR/admin.token on the server)"
                           : "; check --token / SLUICE_TOKEN";
  } else if (response.status == 403) {
    text += "; the token's role does not allow this";
  }
  return fail(response.status >= 500 ? kExitFailure : kExitInvalid,
              fmt::format("{}: {}", http_.server().to_string(), text));
}

Result<std::string> ApiClient::call(const std::string& method, const std::string& target,
                                    const std::string& json_body) {
  net::ClientRequest request;
  request.method = method;
  request.target = target;
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  request.headers.emplace_back("Accept", "application/json");
  if (method != "GET") {
    request.content_type = "application/json";
    request.body = json_body.empty() ? "{}" : json_body;
  }
  auto response = http_.request(request);
  if (!response) return fail(kExitFailure, response.error().message);
  if (response->status < 200 || response->status > 299) return refused(*response);
  last_exit_code_ = kExitOk;
  return std::move(response->body);
}

Result<store::RunPage> ApiClient::list_runs(int limit) {
  std::string target = std::string(kApi) + "/runs";
  if (limit > 0) target += "?limit=" + std::to_string(limit);
  auto body = call("GET", target);
  if (!body) return body.error();
  auto page = store::run_page_from_json(parse_or_null(*body));
  if (!page) return fail(kExitFailure, http_.server().to_string() + ": " + page.error().message);
  return page;
}

Result<int64_t> ApiClient::resolve_run(const std::string& text) {
  if (text == "latest" || text == "last") {
    auto page = list_runs(1);
    if (!page) return page.error();
    if (page->runs.empty())
      return fail(kExitInvalid, "there are no runs yet on " + http_.server().to_string());
    return page->runs.front().id;
  }
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
    return fail(kExitInvalid,
                "RUN must be a run id (see `sluice runs`) or 'latest', not '" + text + "'");
  return id;
}

Result<store::RunView> ApiClient::run(int64_t run_id) {
  auto body = call("GET", fmt::format("{}/runs/{}", kApi, run_id));
  if (!body) return body.error();
  auto view = store::run_view_from_json(parse_or_null(*body));
  if (!view) return fail(kExitFailure, http_.server().to_string() + ": " + view.error().message);
  return view;
}

Result<std::string> ApiClient::step_log(int64_t run_id, const std::string& job_key,
                                        int step_number) {
  return call("GET", fmt::format("{}/runs/{}/logs/{}/{}", kApi, run_id,
                                 encode_path_segment(job_key), step_number));
}

Result<std::string> ApiClient::follow_step_log(int64_t run_id, const std::string& job_key,
                                               int step_number, uint64_t resume,
                                               const LineCallback& on_line) {
  net::ClientRequest request;
  request.target = fmt::format("{}/runs/{}/logs/{}/{}/stream", kApi, run_id,
                               encode_path_segment(job_key), step_number);
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  request.headers.emplace_back("Accept", "text/event-stream");
  if (resume > 0) request.headers.emplace_back("Last-Event-ID", std::to_string(resume));
  net::SseParser parser;
  std::string end_status;
  bool ended = false;
  bool caller_stopped = false;
  net::ClientResponse refusal;  // a non-2xx answer, its body read whole (bounded)
  auto head = http_.stream(
      request,
      [&](const net::ClientResponse& h) {
        if (h.status < 200 || h.status > 299) refusal = h;
        return true;
      },
      [&](std::string_view data) {
        if (refusal.status != 0) {
          refusal.body.append(data.substr(0, 65536 - std::min<size_t>(refusal.body.size(), 65536)));
          return true;
        }
        return parser.feed(data, [&](const net::SseEvent& event) {
          if (event.event == "end") {
            end_status = event.data;
            ended = true;
            return false;
          }
          uint64_t offset = 0;
          std::from_chars(event.id.data(), event.id.data() + event.id.size(), offset);
          caller_stopped = !on_line(offset, event.data);
          return !caller_stopped;
        });
      });
  if (!head) return fail(kExitFailure, head.error().message);
  if (refusal.status != 0) return refused(refusal);
  if (!ended && !caller_stopped)
    return fail(kExitFailure, "the log stream ended before the step did");
  last_exit_code_ = kExitOk;
  return end_status;
}

Status ApiClient::cancel(int64_t run_id) {
  auto body = call("POST", fmt::format("{}/runs/{}/cancel", kApi, run_id));
  if (!body) return body.error();
  return Status::Ok();
}

Result<int64_t> ApiClient::rerun(int64_t run_id, bool failed_only) {
  auto body = call("POST", fmt::format("{}/runs/{}/rerun", kApi, run_id),
                   json{{"failed", failed_only}}.dump());
  if (!body) return body.error();
  json answer = parse_or_null(*body);
  if (!answer.is_object() || !answer.contains("run_id") || !answer["run_id"].is_number_integer())
    return fail(kExitFailure,
                http_.server().to_string() + ": unexpected answer to rerun: " + *body);
  return answer["run_id"].get<int64_t>();
}

Result<std::vector<int64_t>> ApiClient::dispatch(
    const std::string& project, const std::string& workflow, const std::string& ref,
    const std::vector<std::pair<std::string, std::string>>& inputs) {
  json request = json::object();
  if (!ref.empty()) request["ref"] = ref;
  json given = json::object();
  for (const auto& [name, value] : inputs) given[name] = value;
  request["inputs"] = std::move(given);
  auto body = call("POST",
                   fmt::format("{}/projects/{}/workflows/{}/dispatch", kApi,
                               encode_path_segment(project), encode_path_segment(workflow, true)),
                   request.dump());
  if (!body) return body.error();
  json answer = parse_or_null(*body);
  std::vector<int64_t> ids;
  if (answer.is_object() && answer.contains("run_ids") && answer["run_ids"].is_array()) {
    for (const auto& id : answer["run_ids"])
      if (id.is_number_integer()) ids.push_back(id.get<int64_t>());
  }
  if (ids.empty())
    return fail(kExitFailure,
                http_.server().to_string() + ": unexpected answer to dispatch: " + *body);
  return ids;
}

}  // namespace sluice::cli

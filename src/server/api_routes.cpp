#include "server/api_routes.h"

#include <nlohmann/json.hpp>

#include "deploy/journal.h"
#include "deploy/journal_view.h"
#include "deploy/reviewers.h"
#include "engine/clock.h"
#include "server/agent_hub.h"
#include "server/api_body.h"
#include "server/metrics.h"
#include "server/run_queries.h"
#include "store/deployment_json.h"
#include "store/run_json.h"

namespace sluice::server {

namespace {

using json = nlohmann::json;

HttpResponse ok_json(const json& body, int status = 200) {
  return HttpResponse::json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<int64_t> parse_id(const std::string& text) {
  int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || id > 1'000'000'000'000) return Error{"not an id: " + text, {}};
    id = id * 10 + (c - '0');
  }
  if (text.empty() || id <= 0) return Error{"not an id: " + text, {}};
  return id;
}

Result<int64_t> run_id_param(const Route& route) {
  auto id = parse_id(route.param("id"));
  if (!id) return Error{"not a run id: " + route.param("id"), {}};
  return id;
}

HttpResponse projects(ApiContext& c) {
  json list = json::array();
  for (const ProjectConfig& p : c.controller.projects())
    list.push_back({{"name", p.name},
                    {"repository", p.repository},
                    {"branches", p.branches},
                    {"poll_interval_seconds", p.poll_interval_seconds},
                    {"workflow_dir", p.workflow_dir}});
  return ok_json({{"projects", list}});
}

HttpResponse workflows(ApiContext& c, const Route& route) {
  auto list = c.controller.workflows(route.param("project"));
  if (!list) return json_error(404, "not_found", list.error().message);
  json out = json::array();
  for (const WorkflowInfo& w : *list) {
    json inputs = json::array();
    for (const WorkflowInput& i : w.inputs)
      inputs.push_back({{"name", i.name},
                        {"type", i.type},
                        {"description", i.description},
                        {"required", i.required},
                        {"default", i.default_value},
                        {"options", i.options}});
    out.push_back({{"file", w.file},
                   {"name", w.name},
                   {"dispatchable", w.dispatchable},
                   {"inputs", inputs},
                   {"errors", w.errors}});
  }
  return ok_json({{"workflows", out}});
}

HttpResponse dispatch(ApiContext& c, HttpRequest& request, const Route& route) {
  auto body = parse_dispatch_body(request.body);
  if (!body) return json_error(400, "invalid_body", body.error().message);
  auto ids =
      c.controller.dispatch(route.param("project"), route.param("file"), body->ref, body->inputs);
  if (!ids) {
    int status = c.controller.project(route.param("project")) ? 422 : 404;
    return json_error(status, status == 404 ? "not_found" : "invalid_dispatch",
                      ids.error().message);
  }
  return ok_json({{"run_ids", *ids}}, 201);
}

HttpResponse cancel(ApiContext& c, const Route& route) {
  auto id = run_id_param(route);
  if (!id) return json_error(400, "invalid_id", id.error().message);
  if (Status s = c.controller.cancel(*id); !s) {
    bool missing = s.error().message.rfind("no run", 0) == 0;
    return json_error(missing ? 404 : 409, missing ? "not_found" : "not_running",
                      s.error().message);
  }
  return ok_json({{"run_id", *id}, {"cancelling", true}}, 202);
}

HttpResponse rerun(ApiContext& c, HttpRequest& request, const Route& route) {
  auto id = run_id_param(route);
  if (!id) return json_error(400, "invalid_id", id.error().message);
  auto body = parse_rerun_body(request.body);
  if (!body) return json_error(400, "invalid_body", body.error().message);
  auto started = c.controller.rerun(*id, body->failed_only);
  if (!started) return json_error(409, "cannot_rerun", started.error().message);
  return ok_json({{"run_id", *started}}, 201);
}

HttpResponse deployments(ApiContext& c, HttpRequest& request) {
  engine::DeploymentQuery query;
  if (auto it = request.query.find("environment"); it != request.query.end())
    query.environment = it->second;
  query.limit = 50;
  if (auto it = request.query.find("run_id"); it != request.query.end()) {
    auto run = parse_id(it->second);
    if (!run) return json_error(400, "invalid_run_id", "run_id: " + run.error().message);
    query.run_id = *run;
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    char* end = nullptr;
    long limit = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || limit < 1 || limit > 1000)
      return json_error(400, "invalid_limit", "limit: a number from 1 to 1000");
    query.limit = static_cast<int>(limit);
  }
  auto list = c.controller.store().list_deployments(query);
  if (!list) return json_error(500, "internal", list.error().message);
  return ok_json(store::deployments_json(*list));
}

// One deployment record with the journal of its `sluice/deploy` steps (deploy/journal_view.h),
// details masked as logs are.
HttpResponse deployment(ApiContext& c, const Route& route) {
  auto id = parse_id(route.param("id"));
  if (!id) return json_error(400, "invalid_id", "not a deployment id: " + route.param("id"));
  auto record = c.controller.store().load_deployment(*id);
  if (!record) return json_error(500, "internal", record.error().message);
  if (!*record) return json_error(404, "not_found", "no deployment " + std::to_string(*id));
  auto journal =
      deploy::journal_of(c.controller.store(), (*record)->run_id, (*record)->environment);
  if (!journal) return json_error(500, "internal", journal.error().message);
  json list = json::array();
  for (const deploy::JournalDeployment& d : *journal) {
    json entries = json::array();
    for (const engine::DeployJournalEntry& e : d.entries)
      entries.push_back({{"seq", e.seq},
                         {"target", e.target},
                         {"phase", e.phase},
                         {"state", e.state},
                         {"detail", c.controller.mask(e.detail)},
                         {"time_ms", e.time_ms},
                         {"at", store::iso8601_utc(e.time_ms)}});
    list.push_back({{"id", d.id},
                    {"strategy", d.strategy},
                    {"revision", c.controller.mask(d.revision)},
                    {"rollback_of", d.rollback_of},
                    {"phase", d.phase},
                    {"state", d.state},
                    {"entries", std::move(entries)}});
  }
  json body = store::deployment_json(**record);
  body["journal"] = std::move(list);
  return ok_json(body);
}

// The calling token's name, "" for a token without one.
std::string caller_name(ApiContext& c, const Route& route) {
  if (auto tokens = c.tokens.list(); tokens.ok())
    for (const TokenInfo& t : *tokens)
      if (t.id == route.caller_token_id) return t.name;
  return "";
}

// `sluice deploy promote|abort RUN` over HTTP: a request in the journal of each unfinished
// deployment of the run; its deployer acts on it within ~100 ms (docs/deployments.md).
HttpResponse deploy_request(ApiContext& c, const Route& route, deploy::Journal::Request what) {
  auto id = run_id_param(route);
  if (!id) return json_error(400, "invalid_id", id.error().message);
  std::string who = caller_name(c, route);
  if (who.empty()) who = "token " + route.caller_token_id;
  auto heads =
      deploy::request_run(c.controller.store(), *id, what, who, engine::SystemClock().now_ms());
  if (!heads) return json_error(500, "internal", heads.error().message);
  if (heads->empty())
    return json_error(404, "no_deployment",
                      "run " + std::to_string(*id) + " has no deployment in progress");
  json ids = json::array();
  for (const auto& head : *heads) ids.push_back(head.deployment_id);
  return ok_json({{"run_id", *id},
                  {"request", what == deploy::Journal::Request::kPromote ? "promote" : "abort"},
                  {"user", who},
                  {"deployment_ids", std::move(ids)}});
}

// The reviewer is the calling token's name (docs/api.md): name tokens after people.
HttpResponse review(ApiContext& c, HttpRequest& request, const Route& route,
                    engine::ReviewDecision decision) {
  auto id = run_id_param(route);
  if (!id) return json_error(400, "invalid_id", id.error().message);
  json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(400, "invalid_body", "expected {\"environment\": ..., \"comment\": ...}");
  std::string environment, comment;
  for (auto [key, into] : {std::pair{"environment", &environment}, {"comment", &comment}}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_string() || body[key].get_ref<const std::string&>().size() > 4096)
      return json_error(400, "invalid_body", std::string(key) + ": a string");
    *into = body[key].get<std::string>();
  }
  std::string user = caller_name(c, route);
  if (user.empty()) return json_error(403, "forbidden", "only a named token can review");
  auto outcome = deploy::submit_review(c.controller.store(), *id, environment, user, decision,
                                       comment, engine::SystemClock().now_ms());
  using Kind = deploy::ReviewOutcome::Kind;
  switch (outcome.kind) {
    case Kind::kRecorded: {
      json ids = json::array();
      for (const auto& d : outcome.reviewed) ids.push_back(d.id);
      return ok_json({{"run_id", *id},
                      {"decision", engine::to_string(decision)},
                      {"user", user},
                      {"deployment_ids", ids}});
    }
    case Kind::kNothingWaiting:
      return json_error(404, "not_waiting", outcome.message);
    case Kind::kAmbiguous:
      return json_error(409, "ambiguous", outcome.message + " with \"environment\"");
    case Kind::kRefused:
      return json_error(403, "not_a_reviewer", outcome.message);
    case Kind::kFailed:
      break;
  }
  return json_error(500, "internal", outcome.message);
}

HttpResponse create_token(ApiContext& c, HttpRequest& request) {
  auto body = parse_token_body(request.body);
  if (!body) return json_error(400, "invalid_body", body.error().message);
  auto token = c.tokens.create(body->role, body->name);
  if (!token) return json_error(500, "internal", token.error().message);
  return ok_json({{"token", *token}, {"role", to_string(body->role)}}, 201);
}

HttpResponse list_tokens(ApiContext& c) {
  auto list = c.tokens.list();
  if (!list) return json_error(500, "internal", list.error().message);
  json out = json::array();
  for (const TokenInfo& t : *list)
    out.push_back({{"id", t.id},
                   {"role", to_string(t.role)},
                   {"name", t.name},
                   {"created_ms", t.created_ms}});
  return ok_json({{"tokens", out}});
}

HttpResponse login(ApiContext& c, HttpRequest& request) {
  auto body = parse_session_body(request.body);
  if (!body) return json_error(400, "invalid_body", body.error().message);
  auto session = c.auth.login(*body);
  if (!session) return json_error(401, "unauthenticated", "not a valid token");
  HttpResponse r = ok_json({{"csrf", session->csrf}, {"role", to_string(session->role)}}, 201);
  r.headers.emplace_back("Set-Cookie", "sluice_session=" + session->id +
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
  return r;
}

HttpResponse logout(ApiContext& c, HttpRequest& request) {
  c.auth.logout(request);
  HttpResponse r = HttpResponse::empty(204);
  r.headers.emplace_back("Set-Cookie",
                         "sluice_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

}  // namespace

void add_api_routes(Router& r, ApiContext& c) {
  const std::string v1 = "/api/v1";
  r.add("GET", "/healthz", Role::kNone,
        [](HttpRequest&, const Route&) { return HttpResponse::json(200, R"({"status":"ok"})"); });
  r.add("GET", "/metrics", Role::kRead, [&c](HttpRequest&, const Route&) {
    HttpResponse m;
    m.content_type = "text/plain; version=0.0.4";
    m.body = format_metrics(c.controller) + (c.extra_metrics ? c.extra_metrics() : "");
    return m;
  });
  r.add("POST", v1 + "/session", Role::kNone,
        [&c](HttpRequest& q, const Route&) { return login(c, q); });
  r.add("DELETE", v1 + "/session", Role::kNone,
        [&c](HttpRequest& q, const Route&) { return logout(c, q); });
  r.add("GET", v1 + "/projects", Role::kRead,
        [&c](HttpRequest&, const Route&) { return projects(c); });
  r.add("GET", v1 + "/projects/{project}/workflows", Role::kRead,
        [&c](HttpRequest&, const Route& route) { return workflows(c, route); });
  r.add("POST", v1 + "/projects/{project}/workflows/{file...}/dispatch", Role::kOperate,
        [&c](HttpRequest& q, const Route& route) { return dispatch(c, q, route); });
  r.add("GET", v1 + "/runs", Role::kRead,
        [&c](HttpRequest& q, const Route&) { return list_runs(c.controller, q); });
  r.add("GET", v1 + "/runs/{id}", Role::kRead,
        [&c](HttpRequest&, const Route& route) { return run_detail(c.controller, route); });
  r.add("GET", v1 + "/runs/{id}/logs/{job}", Role::kRead,
        [&c](HttpRequest& q, const Route& route) { return run_log(c.controller, q, route); });
  r.add("GET", v1 + "/runs/{id}/logs/{job}/{step}", Role::kRead,
        [&c](HttpRequest& q, const Route& route) { return run_log(c.controller, q, route); });
  r.add(
      "GET", v1 + "/runs/{id}/logs/{job}/{step}/stream", Role::kRead,
      [&c](HttpRequest& q, const Route& route) { return run_log_stream(c.controller, q, route); });
  r.add("POST", v1 + "/runs/{id}/cancel", Role::kOperate,
        [&c](HttpRequest&, const Route& route) { return cancel(c, route); });
  r.add("POST", v1 + "/runs/{id}/rerun", Role::kOperate,
        [&c](HttpRequest& q, const Route& route) { return rerun(c, q, route); });
  r.add("POST", v1 + "/runs/{id}/approve", Role::kOperate,
        [&c](HttpRequest& q, const Route& route) {
          return review(c, q, route, engine::ReviewDecision::kApproved);
        });
  r.add("POST", v1 + "/runs/{id}/reject", Role::kOperate, [&c](HttpRequest& q, const Route& route) {
    return review(c, q, route, engine::ReviewDecision::kRejected);
  });
  r.add("GET", v1 + "/deployments", Role::kRead,
        [&c](HttpRequest& q, const Route&) { return deployments(c, q); });
  r.add("POST", v1 + "/runs/{id}/deploy/promote", Role::kOperate,
        [&c](HttpRequest&, const Route& route) {
          return deploy_request(c, route, deploy::Journal::Request::kPromote);
        });
  r.add("POST", v1 + "/runs/{id}/deploy/abort", Role::kOperate,
        [&c](HttpRequest&, const Route& route) {
          return deploy_request(c, route, deploy::Journal::Request::kAbort);
        });
  r.add("GET", v1 + "/deployments/{id}", Role::kRead,
        [&c](HttpRequest&, const Route& route) { return deployment(c, route); });
  r.add("GET", v1 + "/agents", Role::kRead, [&c](HttpRequest&, const Route&) {
    return HttpResponse::json(200, c.controller.agents().agents_json());
  });
  r.add("GET", v1 + "/tokens", Role::kAdmin,
        [&c](HttpRequest&, const Route&) { return list_tokens(c); });
  r.add("POST", v1 + "/tokens", Role::kAdmin,
        [&c](HttpRequest& q, const Route&) { return create_token(c, q); });
}

}  // namespace sluice::server

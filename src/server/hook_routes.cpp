#include "server/hook_routes.h"

#include <algorithm>

#include "core/json.h"
#include "server/controller.h"
#include "server/router.h"
#include "server/trigger_loop.h"
#include "triggers/git_poller.h"
#include "triggers/git_refs.h"
#include "triggers/git_remote.h"
#include "triggers/webhooks.h"

namespace sluice::server {
namespace {

constexpr size_t kRememberedDeliveries = 4096;

HttpResponse json_value(int status, const Value& body) {
  return HttpResponse::json(status, to_json(body));
}

HttpResponse ignored(const std::string& why) {
  Value body = Value::object();
  body.set("ignored", why);
  return json_value(202, body);
}

Value id_array(const std::vector<int64_t>& ids) {
  Value out = Value::array();
  for (int64_t id : ids) out.as_array().push_back(static_cast<long long>(id));
  return out;
}

bool shares_identity(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& id) {
    return std::find(b.begin(), b.end(), id) != b.end();
  });
}

}  // namespace

HookRoutes::HookRoutes(Controller& controller, TriggerLoop* loop)
    : controller_(controller), loop_(loop) {}

runtime::BodyPlan HookRoutes::plan_body(const HttpRequest& head) const {
  std::string length = head.header("content-length");
  if (!length.empty() && length.size() < 20 &&
      std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::stoull(length) > triggers::kMaxWebhookBody)
    return runtime::BodyPlan::reject(json_error(
        413, "too_large",
        "webhook body larger than " + std::to_string(triggers::kMaxWebhookBody) + " bytes"));
  return runtime::BodyPlan::memory(triggers::kMaxWebhookBody);
}

std::vector<std::string> HookRoutes::identities(const ProjectConfig& project) const {
  std::vector<std::string> ids;
  auto add = [&](const std::string& id) {
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(triggers::repository_identity(project.repository));
  add(triggers::repository_identity(project.name));
  if (triggers::is_local_repository(project.repository)) {
    // A local clone names its hosted repository through `origin`.
    auto repo = triggers::find_git_repository(project.repository);
    if (repo.ok() && *repo) {
      auto url = triggers::read_remote_url(**repo, "origin");
      if (url.ok() && *url) add(triggers::repository_identity(**url));
    }
  }
  return ids;
}

void HookRoutes::forget_delivery(const std::string& key) {
  std::lock_guard lock(mutex_);
  deliveries_.erase(key);  // its entry in delivery_order_ goes in turn, erasing nothing
}

bool HookRoutes::remember_delivery(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (!deliveries_.insert(key).second) return false;
  delivery_order_.push_back(key);
  if (delivery_order_.size() > kRememberedDeliveries) {
    deliveries_.erase(delivery_order_.front());
    delivery_order_.pop_front();
  }
  return true;
}

HttpResponse HookRoutes::handle(HttpRequest& request) {
  if (request.method != "POST")
    return json_error(405, "method_not_allowed", "webhooks are POST requests");
  std::string name = request.path.substr(std::min(request.path.size(), sizeof("/hooks/") - 1));
  std::optional<triggers::HookProvider> provider = triggers::hook_provider_from_name(name);
  if (!provider)
    return json_error(404, "not_found",
                      "no webhook endpoint '" + request.path +
                          "' (use /hooks/github, /hooks/gitlab or /hooks/gitea)");
  if (request.body.size() > triggers::kMaxWebhookBody)
    return json_error(413, "too_large", "webhook body too large");
  Result<std::string> json = triggers::webhook_json_text(request.headers, request.body);
  if (!json.ok()) return json_error(415, "unsupported_media_type", json.error().message);

  // Authenticate before parsing: only the projects whose secret verifies the bytes go on.
  auto wanted = request.query.find("project");
  std::vector<const ProjectConfig*> verified;
  for (const ProjectConfig& project : controller_.projects()) {
    if (wanted != request.query.end() && wanted->second != project.name) continue;
    if (triggers::verify_webhook(*provider, request.headers, request.body, *json,
                                 project.webhook_secret))
      verified.push_back(&project);
  }
  if (verified.empty())
    return json_error(401, "unauthorized",
                      "webhook signature missing or invalid (check the project's webhook_secret)");

  Result<triggers::WebhookDelivery> delivery =
      triggers::parse_webhook(*provider, request.headers, *json);
  if (!delivery.ok()) return json_error(400, "bad_request", delivery.error().message);

  std::vector<const ProjectConfig*> projects;
  for (const ProjectConfig* project : verified)
    if (wanted != request.query.end() ||
        shares_identity(identities(*project), delivery->repository_ids))
      projects.push_back(project);
  if (delivery->kind == triggers::HookKind::kPing) {
    Value names = Value::array();
    for (const ProjectConfig* p : projects) names.as_array().push_back(p->name);
    Value body = Value::object();
    body.set("ok", true);
    body.set("projects", names);
    return json_value(200, body);
  }
  if (delivery->kind == triggers::HookKind::kIgnored) return ignored(delivery->note);
  if (!delivery->push) return ignored(delivery->note);
  if (projects.empty()) {
    std::string repo = delivery->repository_ids.empty() ? "(none)" : delivery->repository_ids[0];
    return json_error(422, "unknown_repository",
                      "the delivery's repository " + repo +
                          " is no configured project's (add ?project=NAME to the hook URL)");
  }

  std::string key =
      std::string(triggers::hook_provider_name(*provider)) + ":" + delivery->delivery_id;
  // Claimed before anything starts, so two concurrent redeliveries cannot both fire.
  if (!delivery->delivery_id.empty() && !remember_delivery(key)) {
    Value body = Value::object();
    body.set("duplicate", true);
    body.set("run_ids", Value::array());
    return json_value(200, body);
  }

  std::vector<int64_t> run_ids;
  std::vector<std::string> notes;
  for (const ProjectConfig* project : projects) {
    const triggers::TriggerEvent& push = *delivery->push;
    if (!triggers::is_watched_ref(watched_repository(*project), push.ref)) {
      notes.push_back(project->name + ": " + push.ref + " is not watched");
      continue;
    }
    std::string after = push.payload.get("after").to_string();
    if (loop_ && !loop_->claim_push(project->name, push.ref, after)) {
      notes.push_back(project->name + ": already triggered by polling");
      continue;
    }
    Result<std::vector<int64_t>> runs = controller_.trigger(project->name, to_plan_event(push));
    if (!runs.ok()) {
      forget_delivery(key);  // a redelivery may try again
      return json_error(500, "trigger_failed", project->name + ": " + runs.error().message);
    }
    run_ids.insert(run_ids.end(), runs->begin(), runs->end());
  }
  Value body = Value::object();
  body.set("run_ids", id_array(run_ids));
  if (!notes.empty()) {
    Value list = Value::array();
    for (const std::string& note : notes) list.as_array().push_back(note);
    body.set("notes", list);
  }
  return json_value(200, body);
}

}  // namespace sluice::server

// HookRoutes: POST /hooks/github, /hooks/gitlab, /hooks/gitea (mounted at /hooks/ with no
// token: a delivery authenticates itself with the project's webhook secret).
//
// A delivery goes through, in order (triggers/webhooks.h has the why):
//   body over 1 MiB                       -> 413 (plan_body refuses it before it is read)
//   not POST / unknown provider           -> 405 / 404
//   unsupported content type              -> 415
//   no candidate project's secret verifies -> 401, nothing parsed, nothing starts
//      candidates: the `?project=NAME` project, else every project with a webhook secret
//   malformed payload                     -> 400
//   ping                                  -> 200 {"ok":true,"projects":[...]}
//   other events, deleted refs, refs the project does not watch -> 202 {"ignored": why}
//   a delivery id seen before (redelivery) -> 200 {"duplicate":true,"run_ids":[]}
//   push                                  -> Controller::trigger for each matching project:
//                                            200 {"run_ids":[...]} (possibly empty: no
//                                            workflow's on.push accepts it)
// Without ?project=, a verified delivery runs for the verified projects whose repository is
// the payload's (full name or clone URL path; for a local-path project, its `origin`
// remote); none -> 422 naming the repository, with the hint to add ?project=.
//
// Delivery ids are remembered in memory (the last 4096): a redelivery after a controller
// restart fires again. A push the poller already fired (TriggerLoop::claim_push) answers
// 200 with no runs.
//
// Threading: handle() from the HTTP handler pool, concurrently.
#pragma once

#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/http_server.h"

namespace sluice::server {

class Controller;
class TriggerLoop;
struct ProjectConfig;

class HookRoutes {
 public:
  // `loop` may be null (no polling: nothing to reconcile with).
  HookRoutes(Controller& controller, TriggerLoop* loop);

  runtime::BodyPlan plan_body(const runtime::HttpRequest& head) const;
  runtime::HttpResponse handle(runtime::HttpRequest& request);

 private:
  std::vector<std::string> identities(const ProjectConfig& project) const;
  bool remember_delivery(const std::string& key);  // false: seen before
  void forget_delivery(const std::string& key);

  Controller& controller_;
  TriggerLoop* loop_;
  std::mutex mutex_;
  std::deque<std::string> delivery_order_;
  std::set<std::string> deliveries_;
};

}  // namespace sluice::server

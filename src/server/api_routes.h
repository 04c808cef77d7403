// The REST API of the controller (docs/api.md), prefix /api/v1, plus /healthz and
// /metrics: handlers over the Controller, the Store and the TokenStore, added to a Router.
#pragma once

#include <functional>
#include <string>

#include "server/auth.h"
#include "server/controller.h"
#include "server/router.h"
#include "server/token_store.h"

namespace sluice::server {

struct ApiContext {
  Controller& controller;
  TokenStore& tokens;
  SessionAuth& auth;
  // Prometheus text of the server's own counters (HTTP requests, agents); may be empty.
  std::function<std::string()> extra_metrics;
};

void add_api_routes(Router& router, ApiContext& context);

}  // namespace sluice::server

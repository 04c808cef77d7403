#include "server/serve.h"

#include <signal.h>

#include <ostream>

#include "runtime/oidc_issuer.h"
#include "server/agent_hub.h"
#include "server/api_routes.h"
#include "server/api_server.h"
#include "server/auth.h"
#include "server/badge.h"
#include "server/badge_lookup.h"
#include "server/hook_routes.h"
#include "server/token_store.h"
#include "server/trigger_loop.h"
#include "server/web_assets.h"

namespace sluice::server {

namespace {

// Blocks SIGTERM/SIGINT in this thread and every thread started after (the HTTP server's,
// the runs'), so that sigwait() below receives them; restored when done.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  int wait() {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }

 private:
  sigset_t set_{}, old_{};
};

}  // namespace

int serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  BlockedSignals signals;
  auto controller = Controller::open(options.controller);
  if (!controller) {
    err << "sluice serve: " << controller.error().message << "\n";
    return 2;
  }
  TokenStore tokens(options.controller.data_dir);
  for (const ConfiguredToken& t : options.tokens) tokens.add_configured(t.sha256, t.role, t.name);
  auto admin = tokens.ensure_admin_token();
  if (!admin) {
    err << "sluice serve: " << admin.error().message << "\n";
    return 2;
  }
  SessionAuth auth(tokens);
  Router router;
  Controller& c = **controller;
  ApiServer api(router, auth, &out, [&c](const std::string& text) { return c.mask(text); });
  ApiContext context{**controller, tokens, auth, [&api, &c] {
                       std::string text =
                           "# HELP sluice_agents_connected Remote agents connected.\n"
                           "# TYPE sluice_agents_connected gauge\nsluice_agents_connected " +
                           std::to_string(c.agents().remote_agents()) +
                           "\n"
                           "# HELP sluice_http_requests_total HTTP requests answered.\n"
                           "# TYPE sluice_http_requests_total counter\n";
                       for (const auto& [code, n] : api.requests_by_status())
                         text += "sluice_http_requests_total{code=\"" + std::to_string(code) +
                                 "\"} " + std::to_string(n) + "\n";
                       return text;
                     }};
  add_api_routes(router, context);
  // Remote agents (docs/agent-protocol.md): tokens with the agent role (or admin).
  AgentHub& hub = c.agents();
  router.mount(
      "/api/v1/agent/", Role::kAgent, [&hub](HttpRequest& request) { return hub.handle(request); },
      [&hub](const HttpRequest& head) { return hub.plan_body(head); });
  // Status badges are public (READMEs embed them); the web UI answers every other GET.
  BadgeRoutes badges(controller_badge_lookup(c));
  router.mount("/badge/", Role::kNone, [&badges](HttpRequest& r) { return badges.handle(r); });
  WebAssets web;
  WebFront front(
      api,
      [&router](const HttpRequest& head) {
        return router.match(head.method, head.path).kind != Router::Match::Kind::kNone;
      },
      web);

  // OIDC: jobs get their tokens from their run's runtime services, signed with the data
  // dir's key; the controller publishes the discovery document and the JWKS under its own
  // URL (the tokens' `iss`), which is what a cloud provider fetches.
  runtime::OidcIssuer oidc(options.controller.data_dir.string(), [](const std::string&) {
    return Result<runtime::RuntimeClaims>(Error{"not served by the controller", {}});
  });
  router.mount("/.well-known/", Role::kNone, [&oidc](HttpRequest& r) { return oidc.handle(r); });

  // Triggers: polling and schedules on their own thread; webhooks authenticate themselves.
  TriggerLoopOptions trigger_options;
  trigger_options.state_dir = options.controller.data_dir / "triggers";
  trigger_options.log = &out;
  TriggerLoop triggers(c, trigger_options);
  HookRoutes hooks(c, &triggers);
  router.mount(
      "/hooks/", Role::kNone, [&hooks](HttpRequest& request) { return hooks.handle(request); },
      [&hooks](const HttpRequest& head) { return hooks.plan_body(head); });
  runtime::ListenOptions listen;
  listen.address = options.listen_address;
  listen.port = options.listen_port;
  listen.handler_threads = options.handler_threads;
  auto http = runtime::HttpServer::start(front, listen);
  if (!http) {
    err << "sluice serve: " << http.error().message << "\n";
    return 2;
  }
  std::string host = options.listen_address.find(':') != std::string::npos
                         ? "[" + options.listen_address + "]"
                         : options.listen_address;
  std::string url = "http://" + host + ":" + std::to_string((*http)->port());
  std::string public_url = options.public_url.empty() ? url : options.public_url;
  oidc.set_issuer(public_url);
  c.set_public_url(public_url);
  // After the URL is known: a polled push may start a run at once.
  if (Status started = triggers.start(); !started.ok()) {
    err << "sluice serve: " << started.error().message << "\n";
    (*http)->stop();
    return 2;
  }
  out << "sluice serve: listening on " << url << " (data dir "
      << options.controller.data_dir.string() << ", admin token in "
      << (options.controller.data_dir / "admin.token").string() << ")" << std::endl;
  if (options.ready) options.ready(url, *admin, **controller);

  int signal = signals.wait();
  out << "sluice serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ": stopping (grace "
      << options.grace.count() / 1000 << "s)" << std::endl;
  (*http)->stop_accepting();
  triggers.stop();
  (*controller)->shutdown(options.grace);
  (*http)->stop();
  out << "sluice serve: stopped" << std::endl;
  return 0;
}

}  // namespace sluice::server

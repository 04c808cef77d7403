// `sluice serve`: the controller process. Opens the Controller (store, crash recovery),
// the token store (admin token at first start), the HTTP API, and waits for SIGTERM or
// SIGINT; then stops accepting connections, lets runs finish for up to the grace period,
// cancels what is left, persists everything and returns 0.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>

#include "server/controller.h"
#include "server/server_config.h"

namespace sluice::server {

struct ServeOptions {
  ControllerOptions controller;
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 8080;  // 0: any free port (printed)
  std::string public_url;       // "": http://LISTEN_ADDRESS:PORT
  std::chrono::milliseconds grace{30000};
  int handler_threads = 4;
  std::vector<ConfiguredToken> tokens;  // from the config file (hashes)
  // Called once the server listens, with its base URL and the admin token (the demo uses
  // it to dispatch a run and print the login details).
  std::function<void(const std::string& url, const std::string& admin_token, Controller&)> ready;
};

// Runs until SIGTERM/SIGINT. Returns the process exit code; messages go to `out` (the
// listening line, one JSON line per request) and `err`.
int serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace sluice::server

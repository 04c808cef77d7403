// RuntimeProxy: the Actions runtime services (cache, artifacts, OIDC tokens) for the jobs an
// agent runs, on the agent's own loopback (docs/agent-protocol.md, "Runtime services").
//
// The controller's runtime services listen on ITS loopback (runtime_server.h); a job on
// another machine cannot reach them. So each lease whose steps name them gets a listener
// here (ADDRESS:ephemeral port, ADDRESS being `sluice agent --runtime-address`, 127.0.0.1
// by default); the steps' env names it instead of the controller's origin, and every request
// on it goes to the controller over the agent's authenticated channel
// (`/api/v1/agent/leases/LEASE/runtime/<target>`), which hands it to the run's services
// (server::AgentHub). The job's own Authorization travels as X-Sluice-Runtime-Authorization
// (the agent's token takes the Authorization header); replies come back with the
// controller's runtime origin in their JSON bodies (signed blob URLs) replaced by the
// lease's. Bodies larger than a JSON call's wait in a RelaySpool (relay_spool.h) under the
// agent's work dir, so memory stays bounded whatever their size; blob bodies pass unchanged.
//
// Threading: one HTTP server thread and a few handler threads per agent; open()/close() from
// any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/http_channel.h"
#include "agent/relay_spool.h"
#include "runtime/http_server.h"

namespace sluice::agent {

inline constexpr const char* kRuntimeAuthorizationHeader = "x-sluice-runtime-authorization";
// On the controller's reply: the origin its runtime services answered from.
inline constexpr const char* kRuntimeOriginHeader = "x-sluice-runtime-origin";

// True for the headers a hop forwards: not hop-by-hop, not those the hop sets itself (host,
// content-length), and not the agent's own credentials.
bool forwarded_header(const std::string& lower_name);
// Whether a body of this Content-Type may name the runtime origin (JSON: signed URLs), so
// that a relay rewrites it; blobs and everything else pass byte for byte.
bool names_origins(const std::string& content_type);
// `text` with every `from` origin that is followed by neither a digit nor a host character
// replaced by `to`.
std::string replace_origin(const std::string& text, const std::string& from, const std::string& to);

class RuntimeProxy final : public runtime::HttpHandler {
 public:
  using ChannelFactory = std::function<Result<std::unique_ptr<Channel>>()>;
  // `auth`: the headers that authenticate the agent (token, session) at the time of a call.
  // `spool_dir`: where large bodies wait (RelaySpool; "" = the system's temp directory).
  RuntimeProxy(std::string address, ChannelFactory channels, std::function<Headers()> auth,
               std::string spool_dir = "");
  ~RuntimeProxy() override;
  RuntimeProxy(const RuntimeProxy&) = delete;
  RuntimeProxy& operator=(const RuntimeProxy&) = delete;

  // Opens the listener of `lease_id` (once; later calls return the same) and returns its
  // origin, "http://ADDRESS:PORT".
  Result<std::string> open(const std::string& lease_id);
  // Closes it (and the one in a network namespace); requests in flight finish. No-op when
  // there is none.
  void close(const std::string& lease_id);
  // Also listens for `lease_id` inside the network namespace at `netns_path` (its job
  // container's, /proc/PID/ns/net), on the same address and port, so that the steps there
  // reach the same URLs (runtime/netns_listener.h; docs/containers.md). A second call
  // replaces the first. Fails when the lease has no listener (open() was not called).
  Status serve_in_network_namespace(const std::string& lease_id, const std::string& netns_path);
  void stop_serving_in(const std::string& lease_id);

  runtime::BodyPlan plan_body(const runtime::HttpRequest& head) override;
  runtime::HttpResponse handle(runtime::HttpRequest& request) override;

 private:
  std::unique_ptr<Channel> take_channel();
  void give_back(std::unique_ptr<Channel> channel);

  const std::string address_;
  ChannelFactory channels_;
  std::function<Headers()> auth_;
  const RelaySpool spool_;
  std::mutex mutex_;
  std::unique_ptr<runtime::HttpServer> server_;
  std::map<std::string, std::string> origin_of_lease_;
  std::map<uint16_t, std::string> lease_of_port_;
  std::vector<std::unique_ptr<Channel>> idle_;  // kept-alive channels to the controller
};

}  // namespace sluice::agent

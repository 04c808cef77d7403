// RuntimeRelay: the controller's end of the runtime-services relay (docs/agent-protocol.md,
// "Runtime services"). A job on a remote agent reaches its run's cache, artifact and OIDC
// services through the agent (agent/runtime_proxy.h), which sends each request here as
// `METHOD /api/v1/agent/leases/LEASE/runtime/<target>`; the relay checks the lease and the
// agent's session (through the hub), sends the request to the run's runtime services on this
// machine's loopback with the job's own Authorization, and answers with their reply and
// X-Sluice-Runtime-Origin naming their origin (the agent puts its own in the signed URLs).
// Bodies larger than a JSON call's wait on disk (agent::RelaySpool), both ways, so memory
// stays bounded whatever their size; they pass byte for byte.
//
// Threading: any thread; no state of its own besides what it is given.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "agent/relay_spool.h"
#include "runtime/http_server.h"

namespace sluice::server {

class RuntimeRelay {
 public:
  // The runtime origin ("http://127.0.0.1:PORT") of the lease's run, when `session` is its
  // agent's; otherwise the reply to refuse the request with (410 lost lease, 404, 401).
  // Called for every relayed request, under none of the relay's locks.
  using LeaseCheck = std::function<std::optional<runtime::HttpResponse>(
      const std::string& lease_id, const std::string& session, std::string& origin)>;

  // `spool_dir`: where bodies too large for memory wait (agent::RelaySpool; the controller's
  // DATA_DIR/tmp).
  RuntimeRelay(LeaseCheck check, std::string spool_dir);

  // The lease of a relay path `/api/v1/agent/leases/LEASE/runtime/<target>`, else "".
  static std::string lease_of(const std::string& path);

  // A body is spooled only for a lease and session that check out: the request's token is
  // checked after its body is read, and a stranger's body then stays within memory_limit.
  runtime::BodyPlan plan_body(const runtime::HttpRequest& head);
  // Relays `request` (whose path lease_of() names) to the run's services.
  runtime::HttpResponse forward(const runtime::HttpRequest& request);

 private:
  LeaseCheck check_;
  const agent::RelaySpool spool_;
};

}  // namespace sluice::server

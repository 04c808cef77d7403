// RelaySpool: where the bodies of relayed runtime requests wait, so that a relay holds a few
// MiB per request whatever the body's size (docs/agent-protocol.md, "Runtime services").
//
// The runtime relay has two hops that each receive a whole request before sending it on (the
// agent's listener for its jobs, agent/runtime_proxy.h; the controller's relay endpoint,
// server/runtime_relay.h), and two that receive a whole reply. A body whose Content-Length
// says it fits in `memory_limit` (JSON: every Twirp call, lookups, signed URLs) is kept in
// memory, where the agent rewrites the URLs in it; any other (cache blobs, artifact blocks)
// is spooled to a file in the spool directory, named relay-<random>, and sent on from there
// through a 1 MiB buffer. The files go when their request ends: a request body's when the
// handler returns (runtime::HttpServer removes it), a reply body's once it is sent
// (HttpResponse::remove_files); leftovers of a process that died are removed by the next
// one that opens the same directory.
//
// The limit on a body is the runtime services' own (kMaxRelayedBody is their largest, the
// blob upload's): what a local job may send, a remote one may too.
//
// Threading: const methods from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "agent/http_channel.h"
#include "runtime/http_server.h"

namespace sluice::agent {

// The largest body relayed: as runtime/blob_endpoints.cpp's blob upload (1 TiB); the runtime
// services refuse what they would refuse from a local job.
inline constexpr uint64_t kMaxRelayedBody = uint64_t{1} << 40;
// Bodies up to this many bytes are relayed in memory unless SLUICE_RELAY_MEMORY_BYTES says
// otherwise (tests lower it to spool small bodies).
inline constexpr uint64_t kDefaultRelayMemoryBytes = 1 << 20;

// SLUICE_RELAY_MEMORY_BYTES (a byte count with an optional K/M/G suffix), else the default;
// also the default for a malformed value.
uint64_t relay_memory_limit_from_env();

class RelaySpool {
 public:
  // `dir` ("" = the system's temp directory) is created; relay-* files in it are removed
  // (the leftovers of an earlier process: each spool directory has one owner).
  explicit RelaySpool(std::string dir, uint64_t memory_limit = relay_memory_limit_from_env());

  const std::string& dir() const { return dir_; }
  uint64_t memory_limit() const { return memory_limit_; }

  // Where the body of a request with this head goes: memory when its Content-Length fits in
  // memory_limit (or it has none and is not chunked), else a new spool file.
  runtime::BodyPlan plan(const runtime::HttpRequest& head) const;
  // The request that sends `request`'s body (from memory or its spool file) to `target`,
  // with a reply body larger than memory_limit written to a new spool file.
  ChannelRequest relay(const runtime::HttpRequest& request, std::string target,
                       Headers headers) const;
  // A new spool file's name (not created).
  std::string new_file(const char* what) const;

 private:
  std::string dir_;
  uint64_t memory_limit_;
};

// Puts `reply`'s body into `response`: its string, or its spool file, which the server
// removes once it is sent.
void take_body(ChannelReply& reply, runtime::HttpResponse& response);

}  // namespace sluice::agent

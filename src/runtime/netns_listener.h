// A listening socket inside another network namespace (a job container's), so that the
// runtime services answer on that namespace's own loopback: the container reaches
// http://127.0.0.1:<port> as the host's steps do, and nothing listens on an address other
// hosts or containers could reach (docs/containers.md, "Runtime services").
//
// The socket is made by a short-lived thread that enters the namespace (setns applies to
// the calling thread only) and leaves with the thread; a socket keeps the namespace it was
// made in, so the descriptor can be accepted on from any thread. Entering another network
// namespace needs CAP_SYS_ADMIN (rootful Podman or Docker and sluice as root). Without it
// (rootless Podman, sluice as the same user) a forked one-thread child joins the user
// namespace that owns the network namespace, where that user holds every capability, makes
// the socket there and passes it back; when that fails too, this says why.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace sluice::runtime {

// A TCP socket bound to `address`:`port` (an IPv4 loopback address: 127.0.0.1, or a
// sluice agent's --runtime-address) and listening, in the network namespace at `netns_path`
// (/proc/<pid>/ns/net). The caller owns (closes) the descriptor.
Result<int> listen_in_network_namespace(const std::string& netns_path, uint16_t port,
                                        const std::string& address = "127.0.0.1");

}  // namespace sluice::runtime

// HttpChannel: one kept-alive HTTP/1.1 connection from an agent to its controller (Boost.Beast
// inside http_channel.cpp only). Each of the agent's threads (poll, heartbeat, reports) owns
// one, so a held poll never delays a report. A broken connection is reopened by the next
// call; a failed call returns an error and the caller decides when to try again.
//
// Threading: one thread at a time per channel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sluice::agent {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ChannelReply {
  int status = 0;
  std::string body;
  Headers headers;  // lower-case names, as received
};

class Channel {
 public:
  static constexpr uint64_t kMaxReplyBody = 256ull << 20;
  virtual ~Channel() = default;
  // `timeout_ms` bounds the whole exchange. Any HTTP status is a reply. A body goes as
  // application/json unless `headers` name another Content-Type. Reply bodies: at most
  // kMaxReplyBody.
  virtual Result<ChannelReply> call(const std::string& method, const std::string& target,
                                    const std::string& body, const Headers& headers,
                                    int timeout_ms) = 0;
  // GET `target` with the body streamed into `file`; a non-200 reply is an error.
  virtual Status download(const std::string& target, const std::string& file,
                          const Headers& headers, int timeout_ms) = 0;
};

// "http://host:port" (http only; put a TLS proxy in front of a controller on an untrusted
// network). Errors name what is wrong with the URL.
Result<std::unique_ptr<Channel>> open_http_channel(const std::string& server_url);

}  // namespace sluice::agent

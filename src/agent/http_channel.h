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
  // exchange() only: the body went to this file (ChannelRequest::reply_file) instead of
  // `body`; the caller owns it from now on.
  std::string body_file;
  uint64_t body_size = 0;  // of `body` or of `body_file`
};

// A request whose bodies may be larger than memory should hold (a relayed cache blob).
struct ChannelRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;       // the body, unless body_file is set
  std::string body_file;  // the body is this file's contents, sent through a 1 MiB buffer
  // A reply body whose Content-Length is at most this is read into ChannelReply::body; a
  // larger one, or one of unknown length, is written to `reply_file` (created, truncated;
  // removed again when the exchange fails). With no reply_file, a larger one is an error.
  uint64_t reply_memory_limit = 1 << 20;
  std::string reply_file;
  uint64_t reply_limit = uint64_t{1} << 40;  // the most a reply body may be, in a file
  // The longest wait for the connection to take or give the next piece (not the whole
  // exchange's deadline: a 10 GiB body takes its time).
  int idle_timeout_ms = 300000;
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
  // Sends `request`, streaming a body file, and reads the reply as `request` says, with
  // memory bounded (a few MiB) whatever the bodies' sizes. Any HTTP status is a reply. The
  // default reads and writes whole bodies in memory through call() (test doubles).
  virtual Result<ChannelReply> exchange(const ChannelRequest& request);
  // GET `target` with the body streamed into `file`; a non-200 reply is an error.
  virtual Status download(const std::string& target, const std::string& file,
                          const Headers& headers, int timeout_ms) = 0;
};

// "http://host:port" (http only; put a TLS proxy in front of a controller on an untrusted
// network). Errors name what is wrong with the URL.
Result<std::unique_ptr<Channel>> open_http_channel(const std::string& server_url);

}  // namespace sluice::agent

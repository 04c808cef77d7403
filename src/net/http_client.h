// A small blocking HTTP/1.1 client for talking to a sluice controller (Boost.Beast inside
// http_client.cpp only, so that including this header costs nothing).
//
// http:// only (put a TLS-terminating proxy in front of a controller reached over a network
// you do not trust). Every request opens its own connection and closes it after the
// response ("Connection: close"): the CLI sends a handful of requests, and no connection
// state survives a failed request. Every phase has a deadline (connect, the whole exchange
// of request(), the gap between two reads of stream()), so a silent server cannot hang the
// caller.
//
// Threading: an HttpClient holds no connection between calls; one object may be used from
// one thread at a time, and separate objects from separate threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sluice::net {

// "http://host[:port][/base/path]": where a server lives. IPv6 hosts are bracketed.
struct Url {
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string base_path;  // "" or "/prefix" without a trailing '/'

  std::string authority() const;  // "host:port" ("[::1]:8080")
  std::string to_string() const;  // "http://host:port/prefix"
};
// Errors name what is wrong ("https is not supported", "no host", "bad port").
Result<Url> parse_url(std::string_view text);

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  // request(): sending the request and reading the whole response.
  std::chrono::milliseconds request_timeout{30'000};
  // stream(): the longest wait for the next bytes of the body (servers sending
  // Server-Sent Events keep a stream alive with comment lines well within this).
  std::chrono::milliseconds idle_timeout{60'000};
  uint64_t max_body = 64ull << 20;  // request(): a larger response body is an error
  std::string user_agent = "sluice";
  // When set, another thread can end a call early by setting it: the call returns the
  // error "stopped" within kStopCheckInterval. Must outlive the client's calls.
  const std::atomic<bool>* stop = nullptr;
};
inline constexpr std::chrono::milliseconds kStopCheckInterval{100};

struct ClientRequest {
  std::string method = "GET";
  std::string target;  // path (below the base path) and query, e.g. "/api/v1/runs?limit=5"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  // set with a body, e.g. "application/json"
};

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // request() only

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(Url server, HttpClientOptions options = {});

  const Url& server() const { return server_; }

  // Sends the request and reads the whole response. An error (not a response) when the
  // server cannot be reached, a deadline passes or the response is malformed or too big:
  // "cannot connect to http://127.0.0.1:9/: Connection refused". Any HTTP status is a
  // response, 4xx and 5xx included.
  Result<ClientResponse> request(const ClientRequest& request) const;

  // Sends the request and hands the response's head to `on_head`, then each piece of its
  // body to `on_data` as it arrives (chunked or not), until the body ends, either
  // callback returns false, or no byte arrives within idle_timeout (an error). Returns the
  // response head (its body empty).
  using HeadCallback = std::function<bool(const ClientResponse& head)>;
  using DataCallback = std::function<bool(std::string_view data)>;
  Result<ClientResponse> stream(const ClientRequest& request, const HeadCallback& on_head,
                                const DataCallback& on_data) const;

 private:
  Url server_;
  HttpClientOptions options_;
};

// One Server-Sent Event (https://html.spec.whatwg.org/multipage/server-sent-events.html).
struct SseEvent {
  std::string id;     // the last id seen on the stream (as the spec carries it over)
  std::string event;  // "" means "message"
  std::string data;   // data lines joined with '\n'
};

// Parses an event stream fed in pieces of any size (lines may be split across pieces).
// Comment lines (":...") and unknown fields are ignored; a line longer than max_line is
// cut (the stream stays in step). CR, LF and CRLF all end lines.
class SseParser {
 public:
  explicit SseParser(size_t max_line = 1 << 20) : max_line_(max_line) {}
  // Calls `on_event` for each event completed by `data`; stops early and returns false
  // when it returns false.
  bool feed(std::string_view data, const std::function<bool(const SseEvent&)>& on_event);
  const std::string& last_event_id() const { return last_id_; }

 private:
  bool line(std::string_view text, const std::function<bool(const SseEvent&)>& on_event);

  size_t max_line_;
  std::string pending_;   // the unfinished line
  bool skip_lf_ = false;  // the last piece ended with CR: a leading LF belongs to it
  std::string last_id_;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
};

}  // namespace sluice::net

#include "net/http_client.h"

// <utility> before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange.
#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <utility>

namespace sluice::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Millis = std::chrono::milliseconds;

namespace {

std::string seconds_text(Millis timeout) {
  return fmt::format("{:g}s", static_cast<double>(timeout.count()) / 1000.0);
}

// One exchange on one connection. Each asynchronous step runs the io_context until it
// completes or its deadline passes; then the socket is closed so the step ends at once
// (with operation_aborted) and the deadline is reported instead.
class Exchange {
 public:
  Exchange(const Url& server, const HttpClientOptions& options)
      : server_(server), options_(options), resolver_(ioc_), socket_(ioc_) {}

  Status connect() {
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    bool timed_out = !run(options_.connect_timeout, [&](bool& done) {
      resolver_.async_resolve(server_.host, std::to_string(server_.port),
                              [&](beast::error_code e, tcp::resolver::results_type r) {
                                ec = e;
                                endpoints = std::move(r);
                                done = true;
                              });
    });
    if (timed_out)
      return failure(
          "timed out after " + seconds_text(options_.connect_timeout) + " resolving the host", {});
    if (ec) return failure("cannot resolve the host", ec);
    timed_out = !run(options_.connect_timeout, [&](bool& done) {
      asio::async_connect(socket_, endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        done = true;
      });
    });
    if (timed_out)
      return failure("timed out after " + seconds_text(options_.connect_timeout) + " connecting",
                     {});
    if (ec) return failure("cannot connect", ec);
    return Status::Ok();
  }

  Status write(const ClientRequest& request, Millis timeout) {
    http::request<http::string_body> message;
    message.version(11);
    message.method_string(request.method);
    message.target(server_.base_path + request.target);
    message.set(http::field::host, server_.authority());
    message.set(http::field::user_agent, options_.user_agent);
    message.set(http::field::connection, "close");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      message.body() = request.body;
      message.prepare_payload();
    }
    beast::error_code ec;
    bool ok = run(timeout, [&](bool& done) {
      http::async_write(socket_, message, [&](beast::error_code e, size_t) {
        ec = e;
        done = true;
      });
    });
    if (!ok)
      return failure("timed out after " + seconds_text(timeout) + " sending the request", {});
    if (ec) return failure("cannot send the request", ec);
    return Status::Ok();
  }

  // The whole response within `timeout`, its body at most `max_body` bytes (checked as it
  // arrives: Beast 1.74 does not apply body_limit to responses read this way).
  Result<ClientResponse> read_all(Millis timeout, uint64_t max_body) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string body;
    bool too_big = false;
    auto head = read_streamed(
        timeout, deadline, [](const ClientResponse&) { return true; },
        [&](std::string_view data) {
          too_big = data.size() > max_body - body.size();
          if (!too_big) body.append(data);
          return !too_big;
        });
    if (too_big) return failure(fmt::format("the response is larger than {} bytes", max_body), {});
    if (!head) return head;
    head->body = std::move(body);
    return head;
  }

  // Reads the head, then the body piece by piece; each wait lasts at most `idle` and ends
  // by `deadline`.
  Result<ClientResponse> read_streamed(Millis idle, std::chrono::steady_clock::time_point deadline,
                                       const HttpClient::HeadCallback& on_head,
                                       const HttpClient::DataCallback& on_data) {
    auto wait = [&] {
      auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
      return std::max(Millis(0), std::min(idle, left));
    };
    http::response_parser<http::buffer_body> parser;
    // No limit here (the callers bound what they keep). Not boost::none: Beast 1.74 then
    // refuses every body with a Content-Length.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 * 1024);
    beast::error_code ec;
    bool ok = run(wait(), [&](bool& done) {
      http::async_read_header(socket_, buffer_, parser, [&](beast::error_code e, size_t) {
        ec = e;
        done = true;
      });
    });
    if (!ok)
      return failure("timed out after " + seconds_text(idle) + " waiting for the response", {});
    if (ec) return failure("cannot read the response", ec);
    ClientResponse head = head_of(parser.get());
    if (!on_head(head)) return head;
    char chunk[16 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      ok = run(wait(), [&](bool& done) {
        http::async_read_some(socket_, buffer_, parser, [&](beast::error_code e, size_t) {
          ec = e;
          done = true;
        });
      });
      if (!ok && std::chrono::steady_clock::now() >= deadline)
        return failure("timed out waiting for the rest of the response", {});
      if (!ok) return failure("no data for " + seconds_text(idle) + " on the stream", {});
      if (ec == http::error::need_buffer) ec = {};  // the chunk is full: not an error
      if (ec) return failure("cannot read the response", ec);
      size_t size = sizeof chunk - parser.get().body().size;
      if (size > 0 && !on_data(std::string_view(chunk, size))) break;
    }
    return head;
  }

 private:
  // Runs the started operation until it completes (true) or `timeout` passes or the
  // stop flag is set (false; the operation is aborted first).
  template <typename Start>
  bool run(Millis timeout, Start start) {
    bool done = false;
    start(done);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && !stopped()) {
      auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
      if (left <= Millis(0)) break;
      ioc_.restart();
      ioc_.run_for(options_.stop ? std::min(left, kStopCheckInterval) : left);
    }
    if (done) return true;
    resolver_.cancel();
    beast::error_code ignored;
    socket_.close(ignored);
    ioc_.restart();
    ioc_.run();  // the aborted operation's handler
    return false;
  }

  bool stopped() const { return options_.stop && options_.stop->load(); }

  Error failure(const std::string& what, beast::error_code ec) const {
    if (stopped()) return Error{"stopped", {}};
    std::string message = fmt::format("{} (http://{}/)", what, server_.authority());
    if (ec) message += ": " + ec.message();
    return Error{message, {}};
  }

  template <typename Body>
  static ClientResponse head_of(const http::response<Body>& message) {
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = std::string(field.value());
    }
    return response;
  }

  const Url& server_;
  const HttpClientOptions& options_;
  asio::io_context ioc_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::string Url::authority() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string Url::to_string() const {
  return "http://" + authority() + base_path;
}

Result<Url> parse_url(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error{fmt::format("bad server URL '{}': {}", text, why), {}};
  };
  std::string_view rest = text;
  if (rest.starts_with("https://"))
    return bad("https is not supported; use http:// (behind a TLS-terminating proxy if needed)");
  if (!rest.starts_with("http://")) return bad("it must start with http://");
  rest.remove_prefix(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return bad("credentials in the URL are not used; pass --token");
  Url url;
  std::string_view port_text;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the host");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return bad("no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return bad("bad port '" + std::string(port_text) + "'");
    url.port = static_cast<uint16_t>(port);
  }
  if (path.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment");
  while (path.ends_with('/')) path.remove_suffix(1);
  url.base_path = std::string(path);
  return url;
}

HttpClient::HttpClient(Url server, HttpClientOptions options)
    : server_(std::move(server)), options_(std::move(options)) {}

Result<ClientResponse> HttpClient::request(const ClientRequest& request) const {
  Exchange exchange(server_, options_);
  if (Status s = exchange.connect(); !s.ok()) return s.error();
  if (Status s = exchange.write(request, options_.request_timeout); !s.ok()) return s.error();
  return exchange.read_all(options_.request_timeout, options_.max_body);
}

Result<ClientResponse> HttpClient::stream(const ClientRequest& request, const HeadCallback& on_head,
                                          const DataCallback& on_data) const {
  Exchange exchange(server_, options_);
  if (Status s = exchange.connect(); !s.ok()) return s.error();
  if (Status s = exchange.write(request, options_.request_timeout); !s.ok()) return s.error();
  return exchange.read_streamed(options_.idle_timeout, std::chrono::steady_clock::time_point::max(),
                                on_head, on_data);
}

bool SseParser::feed(std::string_view data, const std::function<bool(const SseEvent&)>& on_event) {
  size_t pos = 0;
  if (skip_lf_ && !data.empty() && data.front() == '\n') pos = 1;
  skip_lf_ = false;
  while (pos < data.size()) {
    size_t end = data.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      size_t room = max_line_ > pending_.size() ? max_line_ - pending_.size() : 0;
      pending_.append(data.substr(pos, std::min(room, data.size() - pos)));
      return true;
    }
    size_t room = max_line_ > pending_.size() ? max_line_ - pending_.size() : 0;
    pending_.append(data.substr(pos, std::min(room, end - pos)));
    size_t next = end + 1;
    if (data[end] == '\r') {
      if (next < data.size() && data[next] == '\n') {
        ++next;
      } else if (next == data.size()) {
        skip_lf_ = true;
      }
    }
    std::string text = std::move(pending_);
    pending_.clear();
    if (!line(text, on_event)) return false;
    pos = next;
  }
  return true;
}

bool SseParser::line(std::string_view text, const std::function<bool(const SseEvent&)>& on_event) {
  if (text.empty()) {
    // A blank line dispatches the event (one without data is dropped, per the spec).
    bool go_on = true;
    if (has_data_) go_on = on_event(SseEvent{last_id_, event_, data_});
    event_.clear();
    data_.clear();
    has_data_ = false;
    return go_on;
  }
  if (text.front() == ':') return true;  // a comment (keep-alive)
  size_t colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_ = std::string(value);
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    last_id_ = std::string(value);
  }
  return true;
}

}  // namespace sluice::net

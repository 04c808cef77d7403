// Include <utility> before any Asio header: Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including it.
#include <utility>
//
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <optional>

#include "agent/http_channel.h"

namespace sluice::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpChannel final : public Channel {
 public:
  HttpChannel(std::string host, std::string port)
      : host_(std::move(host)), port_(std::move(port)) {}

  Result<ChannelReply> call(const std::string& method, const std::string& target,
                            const std::string& body, const Headers& headers,
                            int timeout_ms) override {
    // A kept-alive connection the server closed meanwhile fails at once: retry once anew.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = stream_.has_value();
      beast::error_code ec;
      if (auto s = connect(timeout_ms); !s.ok()) return s.error();
      http::request<http::string_body> req{http::string_to_verb(method), target, 11};
      req.set(http::field::host, host_);
      req.set(http::field::user_agent, "sluice-agent");
      req.keep_alive(true);
      bool has_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
      if (has_body) req.set(http::field::content_type, "application/json");
      for (const auto& [k, v] : headers) req.set(k, v);
      if (has_body) {
        req.body() = body;
        req.prepare_payload();
      }
      stream_->expires_after(std::chrono::milliseconds(timeout_ms));
      http::write(*stream_, req, ec);
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxReplyBody);
      if (method == "HEAD") parser.skip(true);
      if (!ec) http::read(*stream_, buffer_, parser, ec);
      if (ec) {
        close();
        if (reused && attempt == 0) continue;
        return Error{"cannot reach the controller (" + host_ + ":" + port_ + "): " + ec.message(),
                     {}};
      }
      auto& res = parser.get();
      ChannelReply reply{static_cast<int>(res.result_int()), std::move(res.body()), {}};
      for (const auto& field : res) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      if (!res.keep_alive()) close();
      return reply;
    }
    return Error{"cannot reach the controller", {}};
  }

  Status download(const std::string& target, const std::string& file, const Headers& headers,
                  int timeout_ms) override {
    if (auto s = connect(timeout_ms); !s.ok()) return s;
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host_);
    req.keep_alive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    beast::error_code ec;
    stream_->expires_after(std::chrono::milliseconds(timeout_ms));
    http::write(*stream_, req, ec);
    // Read whole, then written: workspaces are source trees (the limit is 2 GiB).
    http::response_parser<http::string_body> parser;
    parser.body_limit(2ull << 30);
    if (!ec) http::read(*stream_, buffer_, parser, ec);
    if (ec) {
      close();
      return Error{"downloading " + target + ": " + ec.message(), {}};
    }
    if (parser.get().result_int() != 200) {
      int status = static_cast<int>(parser.get().result_int());
      close();
      return Error{"downloading " + target + ": HTTP " + std::to_string(status), {}};
    }
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << parser.get().body();
      if (!out) return Error{"cannot write " + file, {}};
    }
    if (!parser.get().keep_alive()) close();
    return Status::Ok();
  }

 private:
  Status connect(int timeout_ms) {
    if (stream_) return Status::Ok();
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return Error{"cannot resolve " + host_ + ": " + ec.message(), {}};
    stream_.emplace(io_);
    stream_->expires_after(std::chrono::milliseconds(std::min(timeout_ms, 10000)));
    stream_->connect(endpoints, ec);
    if (ec) {
      close();
      return Error{
          "cannot connect to the controller (" + host_ + ":" + port_ + "): " + ec.message(), {}};
    }
    stream_->socket().set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  void close() {
    if (!stream_) return;
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.reset();
    buffer_.clear();
  }

  std::string host_, port_;
  asio::io_context io_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

Result<std::unique_ptr<Channel>> open_http_channel(const std::string& server_url) {
  std::string rest = server_url;
  if (rest.rfind("https://", 0) == 0)
    return Error{"https is not supported: put a TLS proxy in front of the controller", {}};
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos)
    return Error{"the server URL must be http://host:port, without a path", {}};
  size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return Error{"no host in the server URL '" + server_url + "'", {}};
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    return Error{"bad port in the server URL '" + server_url + "'", {}};
  return std::unique_ptr<Channel>(std::make_unique<HttpChannel>(host, port));
}

}  // namespace sluice::agent

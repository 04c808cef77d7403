// Include <utility> before any Asio header: Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including it.
#include <utility>
//
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include "agent/http_channel.h"

namespace sluice::agent {

Result<ChannelReply> Channel::exchange(const ChannelRequest& request) {
  std::string body = request.body;
  if (!request.body_file.empty()) {
    std::ifstream in(request.body_file, std::ios::binary);
    if (!in) return Error{"cannot read " + request.body_file, {}};
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto reply = call(request.method, request.target, body, request.headers, request.idle_timeout_ms);
  if (!reply.ok()) return reply;
  reply->body_size = reply->body.size();
  if (reply->body.size() <= request.reply_memory_limit) return reply;
  if (request.reply_file.empty()) return Error{"the reply's body is too large", {}};
  std::ofstream out(request.reply_file, std::ios::binary | std::ios::trunc);
  out << reply->body;
  if (!out) return Error{"cannot write " + request.reply_file, {}};
  reply->body.clear();
  reply->body_file = request.reply_file;
  return reply;
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Bodies pass through a buffer this large (a file body, a reply body bound for a file).
constexpr size_t kChunk = 1 << 20;

struct FileDescriptor {
  int fd = -1;
  FileDescriptor() = default;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

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
      ChannelReply reply;
      reply.status = static_cast<int>(res.result_int());
      reply.body = std::move(res.body());
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

  Result<ChannelReply> exchange(const ChannelRequest& request) override {
    // As call(): a kept-alive connection the server closed meanwhile fails at once.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = stream_.has_value();
      if (auto s = connect(request.idle_timeout_ms); !s.ok()) return s.error();
      beast::error_code ec;
      Status sent = send_request(request, ec);
      ChannelReply reply;
      if (sent.ok() && !ec) sent = read_reply(request, reply, ec);
      if (!sent.ok() || ec) {
        close();
        if (!reply.body_file.empty()) ::unlink(reply.body_file.c_str());
        if (!sent.ok()) return sent.error();
        if (reused && attempt == 0) continue;
        return Error{"cannot reach " + host_ + ":" + port_ + ": " + ec.message(), {}};
      }
      return reply;
    }
    return Error{"cannot reach " + host_ + ":" + port_, {}};
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
  // Sends the head and body of `request`, a body file through one buffer. A failure of the
  // connection sets `ec`; one of the body file is returned.
  Status send_request(const ChannelRequest& request, beast::error_code& ec) {
    FileDescriptor file;
    uint64_t length = request.body.size();
    if (!request.body_file.empty()) {
      file.fd = ::open(request.body_file.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (file.fd < 0 || ::fstat(file.fd, &st) != 0)
        return Error{"cannot read " + request.body_file + ": " + std::strerror(errno), {}};
      length = static_cast<uint64_t>(st.st_size);
    }
    const std::string& method = request.method;
    http::request<http::empty_body> req{http::string_to_verb(method), request.target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "sluice-agent");
    req.keep_alive(true);
    bool has_body = length > 0 || method == "POST" || method == "PUT" || method == "PATCH";
    if (has_body) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    if (has_body) req.content_length(length);
    http::request_serializer<http::empty_body> serializer(req);
    const auto idle = std::chrono::milliseconds(request.idle_timeout_ms);
    stream_->expires_after(idle);
    http::write_header(*stream_, serializer, ec);
    if (ec || length == 0) return Status::Ok();
    if (file.fd < 0) {
      asio::write(*stream_, asio::buffer(request.body), ec);
      return Status::Ok();
    }
    std::vector<char> chunk(std::min<uint64_t>(length, kChunk));
    for (uint64_t sent = 0; sent < length;) {
      ssize_t n = ::read(file.fd, chunk.data(), std::min<uint64_t>(chunk.size(), length - sent));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error{"cannot read " + request.body_file + ": it shrank", {}};
      stream_->expires_after(idle);
      asio::write(*stream_, asio::buffer(chunk.data(), static_cast<size_t>(n)), ec);
      if (ec) return Status::Ok();
      sent += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  // Reads the reply to `request` into `reply`: its body into memory, or into the reply file
  // (then named by reply.body_file, also when this fails: the caller removes it).
  Status read_reply(const ChannelRequest& request, ChannelReply& reply, beast::error_code& ec) {
    const auto idle = std::chrono::milliseconds(request.idle_timeout_ms);
    http::response_parser<http::empty_body> head;
    // Checked below, once it is known where the body goes (Boost 1.74 wants a number here).
    head.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (request.method == "HEAD") head.skip(true);
    stream_->expires_after(idle);
    http::read_header(*stream_, buffer_, head, ec);
    if (ec) return Status::Ok();
    reply.status = static_cast<int>(head.get().result_int());
    for (const auto& field : head.get()) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    auto length = head.content_length();
    bool keep_alive = head.get().keep_alive();
    if (head.is_done() || request.reply_file.empty() ||
        (length && *length <= request.reply_memory_limit)) {
      if (length && *length > request.reply_memory_limit) return too_large(*length);
      http::response_parser<http::string_body> parser(std::move(head));
      parser.body_limit(request.reply_memory_limit);
      if (!parser.is_done()) http::read(*stream_, buffer_, parser, ec);
      if (ec == http::error::body_limit) return too_large(reply.body.size());
      if (ec) return Status::Ok();
      reply.body = std::move(parser.get().body());
      reply.body_size = reply.body.size();
      if (!keep_alive) close();
      return Status::Ok();
    }
    if (length && *length > request.reply_limit) return too_large(*length);
    FileDescriptor out;
    out.fd = ::open(request.reply_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out.fd < 0)
      return Error{"cannot write " + request.reply_file + ": " + std::strerror(errno), {}};
    reply.body_file = request.reply_file;
    http::response_parser<http::buffer_body> parser(std::move(head));
    parser.body_limit(request.reply_limit);
    std::vector<char> chunk(kChunk);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      stream_->expires_after(idle);
      http::read(*stream_, buffer_, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::body_limit) return too_large(reply.body_size);
      if (ec) return Status::Ok();
      size_t n = chunk.size() - parser.get().body().size;
      if (!write_all(out.fd, chunk.data(), n))
        return Error{"cannot write " + request.reply_file + ": " + std::strerror(errno), {}};
      reply.body_size += n;
    }
    if (!keep_alive) close();
    return Status::Ok();
  }

  // A reply larger than the request allows: an error of the call, not of the connection
  // (not tried again), which is closed (its body is left unread).
  static Status too_large(uint64_t size) {
    return Error{
        "the reply's body (" + std::to_string(size) + " bytes or more) is larger than allowed", {}};
  }

  static bool write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

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

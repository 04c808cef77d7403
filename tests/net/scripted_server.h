// A loopback server for client tests that answers with raw bytes written by a script, so
// that tests can send exactly what a real server might: chunked bodies, Server-Sent
// Events in odd pieces, a response that stops half-way, or nothing at all.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::net::testing {

// One request as received: the head (request line and headers) and the body.
struct ReceivedRequest {
  std::string head;
  std::string body;
};

class ScriptedServer {
 public:
  // Called on the server thread per connection with the request; writes the response
  // with send(). The connection is closed when it returns.
  using Script = std::function<void(const ReceivedRequest&, ScriptedServer&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  bool stopping() const { return stopping_; }

  // Writes to the current connection; false once the peer is gone.
  bool send(const std::string& bytes) {
    return ::send(connection_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Waits until the client closes the connection (or `ms` pass); true if it did.
  bool wait_closed(int ms) {
    pollfd p{connection_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char byte;
    return ::recv(connection_, &byte, 1, 0) <= 0;
  }

 private:
  void serve() {
    while (!stopping_) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      connection_ = fd;
      ReceivedRequest request = read_request(fd);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
      }
      script_(request, *this);
      ::close(fd);
    }
  }

  static ReceivedRequest read_request(int fd) {
    std::string data;
    char buf[4096];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {data, ""};
      data.append(buf, static_cast<size_t>(n));
    }
    ReceivedRequest request{data.substr(0, head_end), data.substr(head_end + 4)};
    size_t length = 0;
    std::string lower = request.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower.find("content-length:");
    if (at != std::string::npos) length = std::stoul(request.head.substr(at + 15));
    while (request.body.size() < length) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.body.append(buf, static_cast<size_t>(n));
    }
    return request;
  }

  Script script_;
  int listener_ = -1;
  int connection_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
};

}  // namespace sluice::net::testing

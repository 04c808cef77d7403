#include "agent/runtime_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/netns_listener.h"

namespace sluice::agent {

using runtime::HttpRequest;
using runtime::HttpResponse;

namespace {
// The key of a lease's listener in its job container's network namespace.
constexpr const char* kNetnsKey = "#netns";
}  // namespace

bool forwarded_header(const std::string& name) {
  static const char* const kSkipped[] = {"host",
                                         "connection",
                                         "keep-alive",
                                         "proxy-connection",
                                         "transfer-encoding",
                                         "te",
                                         "trailer",
                                         "upgrade",
                                         "content-length",
                                         "expect",
                                         "authorization",
                                         "x-sluice-agent-session",
                                         "cookie",
                                         kRuntimeOriginHeader};
  for (const char* skipped : kSkipped)
    if (name == skipped) return false;
  return true;
}

std::string replace_origin(const std::string& text, const std::string& from,
                           const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  size_t start = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
    size_t end = at + from.size();
    if (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                              text[end] == '.' || text[end] == '-'))
      continue;  // a longer port or host
    out.append(text, start, at - start);
    out += to;
    start = end;
  }
  out.append(text, start, std::string::npos);
  return out;
}

bool names_origins(const std::string& content_type) {
  return content_type.find("json") != std::string::npos;
}

namespace {

// A JSON reply spooled because it is larger than the spool's memory limit (a test's lowered
// one) is read back, so that its URLs are rewritten too. One larger than this stays as it
// is: the services' JSON replies are a few KiB.
constexpr uint64_t kMaxRewrittenJson = 16 << 20;

void load_spooled_json(ChannelReply& reply) {
  if (reply.body_file.empty() || reply.body_size > kMaxRewrittenJson) return;
  std::ifstream in(reply.body_file, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.bad() && body.size() == reply.body_size) {
    reply.body = std::move(body);
    std::remove(reply.body_file.c_str());
    reply.body_file.clear();
  }
}

}  // namespace

RuntimeProxy::RuntimeProxy(std::string address, ChannelFactory channels,
                           std::function<Headers()> auth, std::string spool_dir)
    : address_(std::move(address)),
      channels_(std::move(channels)),
      auth_(std::move(auth)),
      spool_(std::move(spool_dir)) {}

RuntimeProxy::~RuntimeProxy() {
  std::unique_ptr<runtime::HttpServer> server;
  {
    std::lock_guard lock(mutex_);
    server = std::move(server_);
  }
  if (server) server->stop();
}

Result<std::string> RuntimeProxy::open(const std::string& lease_id) {
  std::lock_guard lock(mutex_);
  if (auto it = origin_of_lease_.find(lease_id); it != origin_of_lease_.end()) return it->second;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, address_.c_str(), &addr.sin_addr) != 1)
    return Error{"the runtime address '" + address_ + "' is not an IPv4 address", {}};
  if (!server_) {
    runtime::ListenOptions options;
    options.address = address_;
    options.handler_threads = 4;  // the toolkit uploads blocks in parallel
    auto server = runtime::HttpServer::start(*this, options);
    if (!server.ok()) return server.error();
    server_ = std::move(*server);
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{std::string("socket: ") + std::strerror(errno), {}};
  socklen_t size = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return Error{"cannot listen on " + address_ + " for the runtime services: " + why, {}};
  }
  uint16_t port = ntohs(addr.sin_port);
  server_->add_listener(lease_id, fd);
  std::string origin = "http://" + address_ + ":" + std::to_string(port);
  origin_of_lease_[lease_id] = origin;
  lease_of_port_[port] = lease_id;
  return origin;
}

void RuntimeProxy::close(const std::string& lease_id) {
  std::lock_guard lock(mutex_);
  auto it = origin_of_lease_.find(lease_id);
  if (it == origin_of_lease_.end()) return;
  std::erase_if(lease_of_port_, [&](const auto& entry) { return entry.second == lease_id; });
  origin_of_lease_.erase(it);
  if (server_) {
    server_->remove_listener(lease_id);
    server_->remove_listener(lease_id + kNetnsKey);
  }
}

Status RuntimeProxy::serve_in_network_namespace(const std::string& lease_id,
                                                const std::string& netns_path) {
  uint16_t port = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [p, lease] : lease_of_port_)
      if (lease == lease_id) port = p;
    if (!port || !server_) return Error{"the lease has no runtime services", {}};
  }
  // The request's Host (this port) names the lease, in the namespace as on the agent.
  auto fd = runtime::listen_in_network_namespace(netns_path, port, address_);
  if (!fd.ok()) return fd.error();
  std::lock_guard lock(mutex_);
  if (!server_ || !origin_of_lease_.count(lease_id)) {  // closed meanwhile
    ::close(*fd);
    return Error{"the lease ended", {}};
  }
  server_->add_listener(lease_id + kNetnsKey, *fd);
  return Status::Ok();
}

void RuntimeProxy::stop_serving_in(const std::string& lease_id) {
  std::lock_guard lock(mutex_);
  if (server_) server_->remove_listener(lease_id + kNetnsKey);
}

runtime::BodyPlan RuntimeProxy::plan_body(const HttpRequest& head) {
  return spool_.plan(head);
}

std::unique_ptr<Channel> RuntimeProxy::take_channel() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Channel> channel = std::move(idle_.back());
      idle_.pop_back();
      return channel;
    }
  }
  auto opened = channels_();
  return opened.ok() ? std::move(*opened) : nullptr;
}

void RuntimeProxy::give_back(std::unique_ptr<Channel> channel) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 8) idle_.push_back(std::move(channel));
}

HttpResponse RuntimeProxy::handle(HttpRequest& request) {
  // The listener a request came on names its lease: the Host header carries its port.
  std::string host = request.header("host");
  size_t colon = host.rfind(':');
  std::string lease_id, origin;
  {
    std::lock_guard lock(mutex_);
    if (colon != std::string::npos && colon + 1 < host.size() && host.size() - colon <= 6 &&
        host.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      auto it = lease_of_port_.find(static_cast<uint16_t>(std::stoi(host.substr(colon + 1))));
      if (it != lease_of_port_.end()) {
        lease_id = it->second;
        origin = origin_of_lease_[lease_id];
      }
    }
  }
  if (lease_id.empty())
    return HttpResponse::json(404, R"({"error":"no job of this agent is served here"})");
  Headers headers = auth_();
  for (const auto& [name, value] : request.headers) {
    if (name == "authorization")
      headers.emplace_back(kRuntimeAuthorizationHeader, value);
    else if (forwarded_header(name))
      headers.emplace_back(name, value);
  }
  std::unique_ptr<Channel> channel = take_channel();
  if (!channel) return HttpResponse::json(502, R"({"error":"the controller cannot be reached"})");
  std::string target = "/api/v1/agent/leases/" + lease_id + "/runtime" + request.target;
  auto reply = channel->exchange(spool_.relay(request, target, std::move(headers)));
  if (!reply.ok())
    return HttpResponse::json(502, R"({"error":"the controller cannot be reached"})");
  give_back(std::move(channel));
  HttpResponse response;
  response.status = reply->status;
  std::string controller_origin;
  for (const auto& [name, value] : reply->headers) {
    if (name == kRuntimeOriginHeader)
      controller_origin = value;
    else if (name == "content-type")
      response.content_type = value;
    else if (forwarded_header(name))
      response.headers.emplace_back(name, value);
  }
  if (names_origins(response.content_type)) load_spooled_json(*reply);
  take_body(*reply, response);
  if (names_origins(response.content_type))
    response.body = replace_origin(response.body, controller_origin, origin);
  for (auto& [name, value] : response.headers)
    value = replace_origin(value, controller_origin, origin);
  return response;
}

}  // namespace sluice::agent

// Include <utility> before any Asio header: Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including it (DESIGN.md, "Known pitfall").
#include "runtime/http_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "core/sha256.h"

namespace sluice::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Request heads larger than this are refused (ours and the clients' are < 4 KiB).
constexpr uint32_t kHeaderLimit = 64 * 1024;
// A file body is read through a buffer this large. Beast reads no more than the buffer's
// free capacity at a time, which after a head is a few hundred bytes: a 64 MiB block then
// took ~130,000 recvmsg and write calls of 512 bytes (BENCHMARKS.md, cache save).
constexpr size_t kFileBodyBuffer = 1 << 20;

HttpRequest request_of(const http::request_parser<http::empty_body>& parser) {
  const auto& h = parser.get();
  HttpRequest r;
  r.method = std::string(h.method_string());
  r.target = std::string(h.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = parse_query(r.target.substr(q + 1));
  for (const auto& field : h) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  return r;
}

// A body planned with write_back asks for its file to be written back each time this much
// more of it has arrived (and once more at its end).
constexpr uint64_t kWriteBackEvery = 8 << 20;
// Write-back requests waiting beyond this many are dropped: each one covers the whole file,
// so the next request of that body catches up.
constexpr size_t kMaxWriteBacksQueued = 64;

// Starts writing body files back to disk, on a thread of its own: sync_file_range(WRITE)
// only starts the writing, but it submits the I/O itself and blocks while the disk's queue
// is full (10-90 ms per 32 MiB block measured here under load, BENCHMARKS.md), which on the
// server thread held every other upload still.
class WriteBack {
 public:
  // `write` is called with each requested descriptor (empty: sync_file_range WRITE).
  explicit WriteBack(std::function<void(int fd)> write) : write_(std::move(write)) {}
  WriteBack(const WriteBack&) = delete;
  WriteBack& operator=(const WriteBack&) = delete;
  ~WriteBack() { stop(); }

  // Asks for the dirty pages of `fd` to be written back. `fd` is duplicated: the caller may
  // close it (or remove its file) at once.
  void request(int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || fds_.size() >= kMaxWriteBacksQueued) return;
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return;
    fds_.push_back(copy);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_one();
  }

  // Drops what is still queued (the data stays in the page cache, written back later by the
  // kernel or by the handler's fsync) and joins the thread. Idempotent.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      for (int fd : fds_) ::close(fd);
      fds_.clear();
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !fds_.empty(); });
      if (stopping_) return;
      int fd = fds_.front();
      fds_.pop_front();
      lock.unlock();
      if (write_)
        write_(fd);
      else
        (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
      ::close(fd);
      lock.lock();
    }
  }

  const std::function<void(int fd)> write_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<int> fds_;  // duplicated descriptors, owned
  bool stopping_ = false;
  std::thread thread_;
};

// An open file descriptor, closed on scope exit.
struct OwnedFd {
  int fd = -1;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(OwnedFd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  OwnedFd& operator=(OwnedFd&&) = delete;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// A request body written to a file and hashed on the way (a Beast Body: the parser hands
// over what it reads, in the buffer's pieces). The state lives in the reading coroutine.
struct HashingFileBody {
  struct State {
    int fd = -1;
    Sha256 hash;
    uint64_t size = 0;
    WriteBack* write_back = nullptr;  // non-null: the plan asked for write_back
    uint64_t not_written_back = 0;    // bytes written since the last write-back request
  };
  struct value_type {
    State* state = nullptr;
  };
  class reader {
   public:
    template <bool isRequest, class Fields>
    // Constructed with the parser, before the state is set: looked up at each put().
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      State& state = *body_.state;
      std::size_t taken = 0;
      for (auto buffer : beast::buffers_range_ref(buffers)) {
        const char* data = static_cast<const char*>(buffer.data());
        std::size_t left = buffer.size();
        state.hash.update(data, left);
        while (left > 0) {
          ssize_t n = ::write(state.fd, data, left);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            ec = beast::error_code(errno, boost::system::generic_category());
            return taken;
          }
          data += n;
          left -= static_cast<std::size_t>(n);
          taken += static_cast<std::size_t>(n);
        }
      }
      state.size += taken;
      if (state.write_back && (state.not_written_back += taken) >= kWriteBackEvery) {
        state.write_back->request(state.fd);
        state.not_written_back = 0;
      }
      ec = {};
      return taken;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

template <class Body>
void fill(http::response<Body>& out, const HttpResponse& in, bool keep_alive) {
  out.result(static_cast<http::status>(in.status));
  out.set(http::field::server, "sluice");
  if (!in.content_type.empty()) out.set(http::field::content_type, in.content_type);
  for (const auto& [k, v] : in.headers) out.set(k, v);
  out.keep_alive(keep_alive);
}

}  // namespace

struct HttpServer::Impl {
  HttpHandler& handler;
  ListenOptions options;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  // Listeners added after start (add_listener), by key; touched on the server thread only.
  // Shared with their accept loops, which may resume once more after a close.
  std::map<std::string, std::shared_ptr<tcp::acceptor>> extra_acceptors;
  std::thread thread;
  std::unique_ptr<asio::thread_pool> pool;  // handler_threads > 0
  WriteBack write_back;                     // for bodies planned with write_back

  Impl(HttpHandler& h, ListenOptions o)
      : handler(h), options(std::move(o)), write_back(options.write_back) {
    if (options.handler_threads > 0)
      pool = std::make_unique<asio::thread_pool>(options.handler_threads);
  }

  // handle() on the pool, the coroutine waiting on a timer that the pool's completion
  // cancels (posted back to the server thread, so wait and cancel never race).
  asio::awaitable<HttpResponse> handle(HttpRequest& request) {
    if (!pool) co_return handler.handle(request);
    HttpResponse response;
    asio::steady_timer done(io, asio::steady_timer::time_point::max());
    asio::post(*pool, [&] {
      response = handler.handle(request);
      asio::post(io, [&] { done.cancel(); });
    });
    boost::system::error_code ec;
    co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return response;
  }

  // The response `deferred` is completed with, waited for on a timer that its completion
  // cancels (posted to the server thread; the timer is shared weakly, so a completion after
  // the connection is gone touches nothing of it).
  asio::awaitable<HttpResponse> wait_deferred(std::shared_ptr<DeferredResponse> deferred) {
    auto timer = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
    std::weak_ptr<asio::steady_timer> weak = timer;
    asio::io_context* context = &io;
    auto wake = [context, weak] {
      asio::post(*context, [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    };
    struct Forget {
      DeferredResponse& deferred;
      ~Forget() { deferred.forget_wake(); }
    } forget{*deferred};
    for (;;) {
      if (std::optional<HttpResponse> response = deferred->take_or_wake(wake))
        co_return std::move(*response);
      boost::system::error_code ec;
      co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      timer->expires_at(asio::steady_timer::time_point::max());
    }
  }

  // Sends a streamed response: the head (chunked), then what the stream yields, until it
  // ends or the client goes away. False when the connection is unusable afterwards.
  asio::awaitable<bool> send_stream(beast::tcp_stream& stream, const HttpResponse& response) {
    boost::system::error_code ec;
    http::response<http::empty_body> head;
    fill(head, response, false);
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer(head);
    stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
    co_await http::async_write_header(stream, serializer,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    asio::steady_timer wait(io);
    for (;;) {
      std::string part;
      ResponseStream::State state = response.stream->poll(part);
      if (!part.empty()) {
        stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(part)),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return false;
      }
      if (state == ResponseStream::State::kEnd) break;
      if (state == ResponseStream::State::kWait) {
        wait.expires_after(std::chrono::milliseconds(response.stream->poll_interval_ms()));
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return false;
      }
    }
    co_await asio::async_write(stream, http::make_chunk_last(),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return false;  // the head said "close"
  }

  // Accepts on `from` until it is closed. The loop holds `from` (an extra listener's is
  // shared; the main one lives with Impl): after close() a connection accepted just before
  // may still resume the loop, which then starts one more accept on the closed acceptor and
  // must find it alive (a use-after-free once crashed an agent here).
  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> from) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await from->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !from->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections there are
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<bool> send(beast::tcp_stream& stream, const HttpResponse& response,
                             bool keep_alive) {
    boost::system::error_code ec;
    if (response.stream) co_return co_await send_stream(stream, response);
    if (!response.files.empty()) co_return co_await send_files(stream, response, keep_alive);
    http::response<http::string_body> out;
    fill(out, response, keep_alive);
    out.body() = response.body;
    out.prepare_payload();
    co_await http::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  static void remove_files(const HttpResponse& response) {
    for (const std::string& path : response.files) ::unlink(path.c_str());
  }

  // Sends the files of `response` as one body. A file that is gone before the head is sent
  // makes a 404; one that fails later closes the connection (the length was promised).
  asio::awaitable<bool> send_files(beast::tcp_stream& stream, const HttpResponse& response,
                                   bool keep_alive) {
    boost::system::error_code ec;
    std::vector<OwnedFd> files;
    uint64_t total = 0;
    for (const std::string& path : response.files) {
      files.emplace_back(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      struct stat st {};
      if (files.back().fd < 0 || ::fstat(files.back().fd, &st) != 0) {
        if (response.remove_files) remove_files(response);
        HttpResponse missing =
            HttpResponse::json(404, R"({"code":"not_found","msg":"the blob's file is gone"})");
        co_return co_await send(stream, missing, keep_alive);
      }
      total += static_cast<uint64_t>(st.st_size);
    }
    // Open, they are readable to the end: removed now, a connection abandoned mid-body (the
    // server stopping) leaves none behind.
    if (response.remove_files) remove_files(response);
    http::response<http::empty_body> head;
    fill(head, response, keep_alive);
    head.content_length(total);
    http::response_serializer<http::empty_body> serializer(head);
    co_await http::async_write_header(stream, serializer,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    // No bigger than the body: a small file (an agent's workspace tar) then costs no 1 MiB
    // of zeroed pages per response.
    std::string buffer(std::max<uint64_t>(1, std::min<uint64_t>(total, 1 << 20)), '\0');
    uint64_t sent = 0;
    for (const OwnedFd& file : files) {
      for (;;) {
        ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) co_return false;
        if (n == 0) break;
        co_await asio::async_write(stream, asio::buffer(buffer.data(), static_cast<size_t>(n)),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return false;
        sent += static_cast<uint64_t>(n);
      }
    }
    co_return sent == total;
  }

  // Reads the body as `plan` says into `request`. False when the connection is unusable
  // afterwards (the reply, if any, is in `error`).
  asio::awaitable<bool> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  http::request_parser<http::empty_body>& head,
                                  const BodyPlan& plan, HttpRequest& request, HttpResponse& error) {
    boost::system::error_code ec;
    // The parser checks a Content-Length against its limit only when the head is parsed
    // (with no limit then); a chunked body is checked as it arrives.
    if (head.content_length() && *head.content_length() > plan.limit) {
      error = HttpResponse::json(413, R"({"code":"resource_exhausted","msg":"body too large"})");
      co_return false;
    }
    if (plan.kind == BodyPlan::Kind::kMemory) {
      http::request_parser<http::string_body> parser(std::move(head));
      parser.body_limit(plan.limit);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        request.body = parser.release().body();
        request.body_size = request.body.size();
      }
    } else {
      HashingFileBody::State state;
      OwnedFd file(::open(plan.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (file.fd < 0) {
        error =
            HttpResponse::json(500, R"({"code":"internal","msg":"cannot create the body file"})");
        co_return false;
      }
      state.fd = file.fd;
      if (plan.write_back) state.write_back = &write_back;
      buffer.reserve(kFileBodyBuffer);
      http::request_parser<HashingFileBody> parser(std::move(head));
      parser.body_limit(plan.limit);
      parser.get().body().state = &state;
      request.body_file = plan.file;
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      request.body_size = state.size;
      request.body_sha256 = state.hash.finish_hex();
      if (!ec && state.write_back && state.not_written_back > 0) write_back.request(file.fd);
      buffer.shrink_to_fit();  // idle keep-alive connections hold no large buffer
    }
    if (ec == http::error::body_limit)
      error = HttpResponse::json(413, R"({"code":"resource_exhausted","msg":"body too large"})");
    co_return !ec;
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
      http::request_parser<http::empty_body> head;
      head.header_limit(kHeaderLimit);
      // The real limit is set once the plan is known. Not boost::none: Boost 1.74 compares
      // the length with the empty optional and reports body_limit for every body.
      head.body_limit(std::numeric_limits<std::uint64_t>::max());
      co_await http::async_read_header(stream, buffer, head,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      HttpRequest request = request_of(head);
      bool keep_alive = head.get().keep_alive();
      BodyPlan plan = handler.plan_body(request);
      if (plan.kind == BodyPlan::Kind::kReject) {
        // The body is not read, so the connection cannot carry another request.
        co_await send(stream, plan.rejection, false);
        co_return;
      }
      if (beast::iequals(head.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        co_await http::async_write(stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
      }
      HttpResponse response;
      bool readable = co_await read_body(stream, buffer, head, plan, request, response);
      // Two statements: GCC 12 destroys the result twice with co_await in a conditional.
      if (readable && plan.quick) response = handler.handle(request);
      if (readable && !plan.quick) response = co_await handle(request);
      if (readable && response.deferred) {
        std::shared_ptr<DeferredResponse> deferred = std::move(response.deferred);
        response = co_await wait_deferred(std::move(deferred));
        response.deferred.reset();  // a completion is final
      }
      if (!request.body_file.empty()) {
        std::error_code ignored;
        std::filesystem::remove(request.body_file, ignored);
      }
      if (!readable) {
        if (response.status != 200) co_await send(stream, response, false);
        co_return;
      }
      // send_files() removes the files of a response that owns them, once opened: removing
      // them again here, after the client has its reply, could take a file made since.
      bool sent = co_await send(stream, response, keep_alive);
      if (!sent || !keep_alive) co_return;
    }
  }
};

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::empty(int status) {
  HttpResponse r;
  r.status = status;
  return r;
}

void DeferredResponse::complete(HttpResponse response) {
  std::lock_guard lock(mutex_);
  if (completed_) return;
  completed_ = true;
  response_ = std::move(response);
  if (wake_) std::exchange(wake_, nullptr)();
}

std::optional<HttpResponse> DeferredResponse::take_or_wake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  if (response_) {
    wake_ = nullptr;
    return std::exchange(response_, std::nullopt);
  }
  wake_ = std::move(wake);
  return std::nullopt;
}

void DeferredResponse::forget_wake() {
  std::lock_guard lock(mutex_);
  wake_ = nullptr;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), port_(impl_->acceptor.local_endpoint().port()) {}

HttpServer::~HttpServer() {
  stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpHandler& handler) {
  return start(handler, ListenOptions{});
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpHandler& handler,
                                                      const ListenOptions& options) {
  auto impl = std::make_unique<Impl>(handler, options);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return Error{"cannot listen on '" + options.address + "': not an IP address", {}};
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error{"cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                     ec.message(),
                 {}};
  Impl* raw = impl.get();
  std::shared_ptr<tcp::acceptor> main_acceptor(std::shared_ptr<void>(), &raw->acceptor);
  asio::co_spawn(raw->io, raw->accept_loop(std::move(main_acceptor)), asio::detached);
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  return port_;
}

void HttpServer::stop_accepting() {
  if (!impl_) return;
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    for (auto& [key, acceptor] : impl->extra_acceptors) acceptor->close(ignored);
  });
}

void HttpServer::add_listener(const std::string& key, int fd) {
  if (!impl_) {
    ::close(fd);
    return;
  }
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, key, fd] {
    auto acceptor = std::make_shared<tcp::acceptor>(impl->io);
    boost::system::error_code ec;
    acceptor->assign(tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    if (auto old = impl->extra_acceptors.find(key); old != impl->extra_acceptors.end())
      old->second->close(ec);  // its loop ends and frees it
    impl->extra_acceptors[key] = acceptor;
    asio::co_spawn(impl->io, impl->accept_loop(std::move(acceptor)), asio::detached);
  });
}

void HttpServer::remove_listener(const std::string& key) {
  if (!impl_) return;
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl, key] {
    auto it = impl->extra_acceptors.find(key);
    if (it == impl->extra_acceptors.end()) return;
    boost::system::error_code ignored;
    it->second->close(ignored);  // its loop ends and frees it
    impl->extra_acceptors.erase(it);
  });
}

void HttpServer::stop() {
  if (!impl_) return;
  // Stopping the context abandons every connection's coroutine; destroying the context
  // (with impl_) then closes their sockets and body files. Handlers still running on the
  // pool finish first: they write into those coroutines' frames.
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->pool) impl_->pool->join();
  impl_->write_back.stop();
  impl_.reset();
}

std::string bearer_token(const std::string& authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
    return "";
  std::string token = authorization.substr(kScheme.size());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return token;
}

std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() + 0 && hex(text[i + 1]) >= 0 &&
        hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string part = query.substr(start, end - start);
    size_t eq = part.find('=');
    if (!part.empty())
      out[percent_decode(part.substr(0, eq))] =
          eq == std::string::npos ? "" : percent_decode(part.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace sluice::runtime

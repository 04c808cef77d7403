// A small asynchronous HTTP/1.1 server on loopback (Boost.Beast inside http_server.cpp only,
// so that including this header costs nothing).
//
// One thread runs every connection as a coroutine (no thread per connection); connections
// are kept alive between requests and any number may be open at once. Bodies are read
// where the handler says once it has seen the request's head: into memory up to a limit
// (JSON), or streamed into a file with constant memory (blob uploads of any size), hashed
// (SHA-256) as it is written so that nobody reads it again to name it.
// Responses carry a string body or stream files (one after the other, one Content-Length).
//
// Threading: by default the handler is called on the server thread only, one call at a
// time, so it needs no locks of its own against other requests; it must not block for long
// (every connection waits for it). With ListenOptions::handler_threads > 0, handle() runs
// on a pool of that many threads instead (one thread: still one call at a time, in request
// order per connection), while the server thread keeps reading and writing other
// connections; plan_body() stays on the server thread, so it may run while handle() does,
// and so does handle() for a request whose plan says it is quick (BodyPlan::quick).
// Bodies planned with write_back are written back to disk by one more thread
// (sync_file_range can block for tens of milliseconds when the disk's queue is full). start()
// returns once the socket is bound; stop() (also the destructor) closes the listener and every
// connection and joins the threads.
//
// A response may stream its body (ResponseStream: Server-Sent Events, a growing log): the
// server sends the head, then asks the stream for more whenever the last part is written,
// waiting between polls on a timer, so a long-lived stream holds no thread.
// A response may also come later (DeferredResponse: an agent's held poll): the server waits
// for it holding no thread and polling nothing, is woken when the handler completes it from
// any thread, and sends it as any response (the connection stays open for the next request).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sluice::runtime {

struct HttpRequest {
  std::string method;                          // "GET", "PUT", ...
  std::string target;                          // as sent: path and query
  std::string path;                            // the target before '?', not decoded
  std::map<std::string, std::string> query;    // decoded parameters (the last of repeated ones)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // a body read into memory
  std::string body_file;                       // a body streamed to this file ("" if none)
  std::string body_sha256;                     // with body_file: its SHA-256, lowercase hex
  uint64_t body_size = 0;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A response body produced bit by bit, for as long as the client listens (sent with
// chunked transfer encoding). poll() is called on the server thread: it must not block.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  enum class State { kMore, kWait, kEnd };
  // Appends what is ready to `out`. kMore: call again at once; kWait: nothing now, call
  // again after poll_interval_ms; kEnd: the body is complete (after `out` is sent).
  virtual State poll(std::string& out) = 0;
  virtual int poll_interval_ms() const { return 250; }
};

class DeferredResponse;

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // Non-empty: the body is these files' contents, one after the other, streamed.
  std::vector<std::string> files;
  // The files are this response's own (a relayed body spooled to disk): the server removes
  // them once the response is sent, or could not be.
  bool remove_files = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ResponseStream> stream;  // non-null: the body comes from here
  // Non-null: this is a placeholder (its other fields are only logged); the response to send
  // is the one `deferred` is completed with.
  std::shared_ptr<DeferredResponse> deferred;

  static HttpResponse json(int status, std::string body);
  static HttpResponse empty(int status);
};

// A response its handler completes later. complete() may be called from any thread, before
// or after the handler returned the placeholder; the first call wins.
class DeferredResponse {
 public:
  void complete(HttpResponse response);

  // For the server: the response once complete; else nullopt, and `wake` is called (once,
  // under this object's lock: it must only post work) when it completes.
  std::optional<HttpResponse> take_or_wake(std::function<void()> wake);
  // For the server: `wake` is not to be called any more (the waiting connection is gone).
  void forget_wake();

 private:
  std::mutex mutex_;
  bool completed_ = false;
  std::optional<HttpResponse> response_;  // until taken
  std::function<void()> wake_;
};

// Where a request's body goes, decided from its head.
struct BodyPlan {
  enum class Kind { kMemory, kFile, kReject };
  Kind kind = Kind::kMemory;
  uint64_t limit = 0;      // maximum body size; more is refused with 413
  std::string file;        // kFile: the body is written here (created, truncated)
  HttpResponse rejection;  // kReject: sent instead of reading the body
  // kFile: the handler will fsync the file, so the server starts writing it back to disk
  // while it arrives (every few MiB, on a thread of its own: see HttpServer), and the
  // fsync finds little left to write. Without it the kernel would start only at its dirty
  // thresholds (gigabytes) and the fsync would write the whole body at the disk's speed.
  bool write_back = false;
  // handle() is quick for this request (memory, short locks, at most an append to a file;
  // never a wait for another request), so it runs on the server thread even when there are
  // handler threads: the hand-off to the pool and back (two thread wake-ups) would cost more
  // than the request itself. An agent's poll, heartbeat, log chunk and step result.
  bool quick = false;

  static BodyPlan memory(uint64_t limit) { return {Kind::kMemory, limit, "", {}, false}; }
  static BodyPlan to_file(std::string file, uint64_t limit, bool write_back = false) {
    return {Kind::kFile, limit, std::move(file), {}, write_back};
  }
  static BodyPlan reject(HttpResponse response) {
    return {Kind::kReject, 0, "", std::move(response), false};
  }
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Called when the request's head is read (`head.body` is empty).
  virtual BodyPlan plan_body(const HttpRequest& head) = 0;
  // Called with the whole request. A body file that still exists after this returns is
  // removed by the server (the handler moves the ones it keeps).
  virtual HttpResponse handle(HttpRequest& request) = 0;
};

struct ListenOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 address ("0.0.0.0": every interface)
  uint16_t port = 0;                  // 0: an ephemeral port (see port())
  int handler_threads = 0;            // 0: handle() on the server thread (see above)
  // A connection that sends or reads nothing for this long is closed.
  int idle_timeout_seconds = 300;
  // How a body planned with write_back is written back (called on the write-back thread
  // with a descriptor of the body file, closed after the call). Empty: start writing its
  // dirty pages (sync_file_range WRITE). Tests count the calls.
  std::function<void(int fd)> write_back;
};

class HttpServer {
 public:
  // Binds 127.0.0.1 on an ephemeral port and starts serving on a new thread. `handler`
  // must outlive the server.
  static Result<std::unique_ptr<HttpServer>> start(HttpHandler& handler);
  static Result<std::unique_ptr<HttpServer>> start(HttpHandler& handler,
                                                   const ListenOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Also accepts on `fd`, a listening TCP socket made elsewhere (a job container's own
  // loopback: netns_listener.h), under `key`; the server owns it from now on. A second
  // listener under the same key replaces the first. Any thread.
  void add_listener(const std::string& key, int fd);
  // Closes the listener added under `key` (connections it accepted go on). Any thread.
  void remove_listener(const std::string& key);
  // Closes the listener and stops accepting; connections in flight go on (a graceful
  // shutdown's first step). Any thread.
  void stop_accepting();
  // Closes the listener and every connection (abandoning requests in flight) and joins
  // the thread. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // null once stopped
  uint16_t port_ = 0;
};

// The token of an `Authorization: Bearer TOKEN` header value, trailing spaces dropped; ""
// when the value is no bearer credential. The scheme is matched without regard to case, as
// HTTP's authentication schemes are (RFC 9110 §11.1).
std::string bearer_token(const std::string& authorization);
// Percent-decodes a URL component ('+' stays '+', as in paths and Azure's query values).
std::string percent_decode(const std::string& text);
// Splits "a=1&b=2" into decoded parameters.
std::map<std::string, std::string> parse_query(const std::string& query);

}  // namespace sluice::runtime

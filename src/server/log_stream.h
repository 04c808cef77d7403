// The live tail of one step's log as Server-Sent Events
// (GET /api/v1/runs/{id}/logs/{job}/{step}/stream).
//
// Each complete log line is one event: `id:` the byte offset just after the line (in the
// step's log text, as GET .../logs/{job}/{step} returns it), `data:` the line. A client
// that reconnects with Last-Event-ID: N resumes after byte N. A comment (`: keep-alive`)
// goes out every 15 s of silence, so proxies keep the connection and a vanished client is
// noticed. When the step has finished and its text is all sent, an `event: end` with
// `data: <status>` closes the stream. Until the step starts, the stream waits for it.
//
// The stream polls the log file (and, when nothing new is there, the store, at most once
// a second) on the HTTP server's thread; it holds no thread while it waits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/http_server.h"

namespace sluice::server {

class Controller;

std::shared_ptr<runtime::ResponseStream> make_log_stream(Controller& controller, int64_t run_id,
                                                         std::string job, std::string step,
                                                         uint64_t resume_offset);

// One SSE event of a log line: "id: <offset>\ndata: <line>\n\n" (a line's '\r' and other
// control characters kept, as data allows any character but CR/LF, which it never holds).
std::string sse_event(uint64_t offset_after, const std::string& line);

}  // namespace sluice::server

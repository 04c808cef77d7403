// The run endpoints that read the history: the runs list (filters, cursor pagination)
// and logs (whole, or a byte range; live as Server-Sent Events in server/log_stream.h).
#pragma once

#include "server/controller.h"
#include "server/router.h"

namespace sluice::server {

// GET /api/v1/runs?project=&workflow=&status=&branch=&limit=&cursor=
HttpResponse list_runs(Controller& controller, HttpRequest& request);
// GET /api/v1/runs/{id}: the documented run detail JSON (store/run_json.h), with the
// run's project, step summaries and artifacts.
HttpResponse run_detail(Controller& controller, const Route& route);
// GET /api/v1/runs/{id}/logs/{job}[/{step}]  (Range: bytes=N-[M] → 206)
HttpResponse run_log(Controller& controller, HttpRequest& request, const Route& route);
// GET /api/v1/runs/{id}: the documented run detail JSON (store/run_json.h), with the
// run's project, step summaries and artifacts.
HttpResponse run_detail(Controller& controller, const Route& route);
// GET /api/v1/runs/{id}/logs/{job}/{step}/stream
HttpResponse run_log_stream(Controller& controller, HttpRequest& request, const Route& route);

// The size of an attempt's slice of its log file, -1 when it runs to the end of the file
// (the attempt is still running, or was interrupted by a crash before its size was saved).
int64_t known_log_bytes(const engine::AttemptRecord& attempt);

// "bytes=N-", "bytes=N-M", "bytes=-K" against a body of `size` bytes → [begin, end).
// nullopt when the header is malformed or the range cannot be satisfied.
struct ByteRange {
  uint64_t begin = 0, end = 0;
};
std::optional<ByteRange> parse_range(const std::string& header, uint64_t size);

}  // namespace sluice::server

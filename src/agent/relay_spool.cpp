#include "agent/relay_spool.h"

#include <cstdlib>
#include <filesystem>

#include "core/encodings.h"
#include "core/random.h"
#include "runtime/cache_index.h"

namespace sluice::agent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "relay-";

}  // namespace

uint64_t relay_memory_limit_from_env() {
  const char* text = std::getenv("SLUICE_RELAY_MEMORY_BYTES");
  if (!text || !*text) return kDefaultRelayMemoryBytes;
  auto parsed = runtime::parse_byte_size(text);
  return parsed.ok() ? *parsed : kDefaultRelayMemoryBytes;
}

RelaySpool::RelaySpool(std::string dir, uint64_t memory_limit)
    : dir_(std::move(dir)), memory_limit_(memory_limit) {
  std::error_code ec;
  if (dir_.empty()) {
    dir_ = fs::temp_directory_path(ec).string();
    return;  // shared with others: nothing there is ours to clear
  }
  fs::create_directories(dir_, ec);
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind(kPrefix, 0) == 0) fs::remove(it->path(), ec);
}

runtime::BodyPlan RelaySpool::plan(const runtime::HttpRequest& head) const {
  std::string length = head.header("content-length");
  bool chunked = head.header("transfer-encoding").find("chunked") != std::string::npos;
  bool fits = !chunked &&
              (length.empty() ||
               (length.size() < 20 && length.find_first_not_of("0123456789") == std::string::npos &&
                std::stoull(length) <= memory_limit_));
  if (fits) return runtime::BodyPlan::memory(memory_limit_);
  return runtime::BodyPlan::to_file(new_file("request"), kMaxRelayedBody);
}

ChannelRequest RelaySpool::relay(const runtime::HttpRequest& request, std::string target,
                                 Headers headers) const {
  ChannelRequest out;
  out.method = request.method;
  out.target = std::move(target);
  out.headers = std::move(headers);
  if (request.body_file.empty())
    out.body = request.body;
  else
    out.body_file = request.body_file;
  out.reply_memory_limit = memory_limit_;
  out.reply_file = new_file("reply");
  out.reply_limit = kMaxRelayedBody;
  return out;
}

std::string RelaySpool::new_file(const char* what) const {
  return (fs::path(dir_) / (std::string(kPrefix) + what + "-" + hex_encode(random_bytes(12))))
      .string();
}

void take_body(ChannelReply& reply, runtime::HttpResponse& response) {
  if (reply.body_file.empty()) {
    response.body = std::move(reply.body);
    return;
  }
  response.files = {std::move(reply.body_file)};
  response.remove_files = true;
}

}  // namespace sluice::agent

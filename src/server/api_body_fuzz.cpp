// libFuzzer target: the API's JSON request bodies (dispatch, rerun, token, session) and
// the Range header parser on arbitrary bytes. Built with -DSLUICE_FUZZ=ON (clang); any
// crash, sanitizer report, hang or out-of-memory is a bug: bodies come from the network.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/api_body.h"
#include "server/run_queries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using namespace sluice::server;
  auto dispatch = parse_dispatch_body(text);
  if (!dispatch && dispatch.error().message.empty()) __builtin_trap();
  (void)parse_rerun_body(text);
  auto token = parse_token_body(text);
  if (token && token->name.size() > 200) __builtin_trap();
  auto session = parse_session_body(text);
  if (session && session->empty()) __builtin_trap();
  for (uint64_t length : {uint64_t{0}, uint64_t{1}, uint64_t{100}, size}) {
    auto range = parse_range(text, length);
    if (range && (range->begin >= range->end || range->end > length)) __builtin_trap();
  }
  return 0;
}

// libFuzzer target: every parser of agent protocol messages (agent_messages.h) on any
// bytes. None may crash, hang or allocate without bound; accepted messages re-encode, and
// a poll reply's messages (container steps and Docker actions included) re-encoded are
// accepted again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::agent;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  // Registrations carry the steps an agent held across a controller restart, and the
  // controller's verdicts on them.
  if (auto r = parse_register_request(body); r.ok()) (void)encode(*r);
  if (auto r = parse_register_reply(body); r.ok()) (void)encode(*r);
  (void)parse_poll_request(body);
  (void)parse_heartbeat_request(body);
  (void)parse_heartbeat_reply(body);
  if (auto m = parse_poll_reply(body); m.ok()) {  // leases with workspace_sha256 too
    std::vector<std::string> encoded;
    for (const ControllerMessage& message : *m) encoded.push_back(encode(message));
    // (Bounded: re-encoding writes every field, so a huge reply could outgrow the limit.)
    if (size < 64 * 1024 && !parse_poll_reply(encode_poll_reply(encoded)).ok()) __builtin_trap();
  }
  if (auto c = parse_log_chunk(body); c.ok()) (void)encode(*c);
  if (auto r = parse_step_result(body); r.ok()) (void)encode(*r);  // with its last lines
  (void)error_code(body);
  return 0;
}

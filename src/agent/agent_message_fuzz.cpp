// libFuzzer target: every parser of agent protocol messages (agent_messages.h) on any
// bytes. None may crash, hang or allocate without bound; accepted messages re-encode.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/agent_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::agent;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)parse_register_request(body);
  (void)parse_register_reply(body);
  (void)parse_poll_request(body);
  (void)parse_heartbeat_request(body);
  (void)parse_heartbeat_reply(body);
  if (auto m = parse_poll_reply(body); m.ok())
    for (const ControllerMessage& message : *m) (void)encode(message);
  if (auto c = parse_log_chunk(body); c.ok()) (void)encode(*c);
  if (auto r = parse_step_result(body); r.ok()) (void)encode(*r);
  (void)error_code(body);
  return 0;
}

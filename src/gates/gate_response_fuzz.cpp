// libFuzzer target: every health-source response parser and the condition language over
// arbitrary bytes. None may crash, hang or allocate without bound (gate_json's limits).
#include <cstddef>
#include <cstdint>
#include <string>

#include "gates/json_path.h"
#include "gates/response_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using namespace sluice::gates;
  (void)parse_statuspage_summary(text);
  (void)parse_prometheus_query(text, std::nullopt);
  (void)parse_prometheus_query(text, 0.5);
  std::string token;
  (void)parse_events_json(text, "fuzz", &token);
  auto condition = parse_condition(text.substr(0, 200));
  if (condition.ok()) (void)evaluate_condition(*condition, text);
  static const auto fixed = parse_condition("$.a[*].b[0] == \"x\"");
  (void)evaluate_condition(*fixed, text);
  return 0;
}

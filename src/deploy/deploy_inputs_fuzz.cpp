// libFuzzer target: the deploy action's parsers over arbitrary bytes — an appspec.yml, the
// `hooks`, `steps`, `checks` and `targets` inputs, and the journal's spec JSON (read back
// by recovery). None may crash, hang or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "deploy/appspec.h"
#include "deploy/deploy_inputs.h"
#include "deploy/deploy_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  using namespace sluice;
  using namespace sluice::deploy;
  Diagnostics d;
  (void)read_appspec("/nonexistent-fuzz-dir/appspec.yml", text, d);
  (void)parse_hooks_input(text, d);
  (void)parse_steps_input(text, d);
  (void)parse_checks_input(text, d);
  (void)parse_targets(text, d);
  (void)parse_min_healthy(text.substr(0, 20));
  (void)spec_from_json(text);
  return 0;
}

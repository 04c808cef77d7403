// libFuzzer target: the workflow loader and validator on arbitrary bytes.
// Built with -DSLUICE_FUZZ=ON (clang); run e.g. `build-fuzz/fuzz/workflow_loader_fuzz
// -max_total_time=60`. Any crash, sanitizer report, hang or out-of-memory is a bug: untrusted
// workflow files must only ever produce diagnostics.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/text.h"
#include "spec/validator.h"
#include "spec/workflow_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Diagnostics diagnostics;
  auto workflow = sluice::spec::load_workflow_text(text, "fuzz.yml", diagnostics);
  if (workflow) {
    // No repository root: the fuzzer must not read files named by its input.
    sluice::spec::validate_workflow(*workflow, sluice::spec::ValidateOptions{}, diagnostics);
  }
  for (const auto& d : diagnostics.items()) {
    // Every diagnostic must be formattable and carry a message, and messages quote the
    // input only escaped: no control bytes, valid UTF-8.
    if (d.message.empty() || d.format().empty()) __builtin_trap();
    if (sluice::escape_for_display(d.message) != d.message) __builtin_trap();
    if (sluice::escape_for_display(d.hint) != d.hint) __builtin_trap();
  }
  return 0;
}

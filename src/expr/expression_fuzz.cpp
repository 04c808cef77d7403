// libFuzzer target: every entry point that takes untrusted expression text, on an empty
// context (hashFiles is disabled there, so the fuzzer never walks the file system).
// Build: cmake -DSLUICE_FUZZ=ON with clang; run: build/fuzz/expression_fuzz -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "expr/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::expr;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const EvalContext context;

  if (auto expression = parse(text); expression.ok()) {
    (void)evaluate(*expression, context);
    (void)referenced_paths(*expression);
  }
  (void)evaluate_string(text, context);
  if (auto condition = parse_condition(text); condition.ok())
    (void)evaluate_condition(*condition, context);
  return 0;
}

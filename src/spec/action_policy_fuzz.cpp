// libFuzzer target: the policy file parser (.sluice/policy.yml), the `uses:` parser and the
// policy's verdicts on arbitrary bytes. Built with -DSLUICE_FUZZ=ON (clang); any crash,
// sanitizer report, hang or out-of-memory is a bug: policy files and `uses:` strings come
// from the repository and must only ever produce diagnostics.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"
#include "spec/action_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Diagnostics diagnostics;
  auto source =
      sluice::spec::load_policy_text(text, "policy.yml", ".sluice/policy.yml", diagnostics);
  for (const auto& d : diagnostics.items()) {
    if (d.message.empty() || d.format().empty()) __builtin_trap();
    if (sluice::escape_for_display(d.message) != d.message) __builtin_trap();
  }
  if (source && diagnostics.has_errors()) __builtin_trap();
  // Every line as a `uses:` string, judged by the parsed policy (or an allow-everything one).
  sluice::spec::ActionPolicy policy;
  if (source) policy.sources.push_back(*source);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto ref = sluice::spec::parse_action_ref(text.substr(start, end - start));
    if (ref.ok()) {
      // A local path never leaves the repository: no "." or ".." segment, not absolute.
      if (ref->kind == sluice::spec::ActionRef::Kind::kLocal && ref->path != ".") {
        const std::string& path = ref->path;
        if (path.empty() || path.front() == '/') __builtin_trap();
        size_t begin = 0;
        while (begin <= path.size()) {
          size_t slash = std::min(path.find('/', begin), path.size());
          std::string_view segment(path.data() + begin, slash - begin);
          if (segment.empty() || segment == "." || segment == "..") __builtin_trap();
          begin = slash + 1;
        }
      }
      (void)sluice::spec::check_action_policy(policy, *ref);
    }
    start = end + 1;
  }
  return 0;
}

// libFuzzer target: the environments file parser (deploy/environments.h) on arbitrary
// bytes. Built with -DSLUICE_FUZZ=ON (clang); any crash, sanitizer report, hang or
// out-of-memory is a bug: the file must only ever produce a model or diagnostics, never
// both, and what it produces must hold the parser's promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deploy/environments.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Diagnostics diagnostics;
  auto file =
      sluice::deploy::parse_environments(text, "/fuzz/.sluice/environments.yml", diagnostics);
  if (file && diagnostics.has_errors()) __builtin_trap();
  if (!file && !diagnostics.has_errors()) __builtin_trap();
  for (const auto& d : diagnostics.items())
    if (d.message.empty() || d.format().empty()) __builtin_trap();
  if (!file) return 0;
  for (const auto& [name, env] : file->environments) {
    if (name.empty() || env.name != name) __builtin_trap();
    if (env.required_approvals > 0 && env.reviewers.empty()) __builtin_trap();
    if (env.wait_timer_ms < 0 || env.approval_timeout_ms <= 0 || env.concurrency < 0)
      __builtin_trap();
    for (const auto& gate : env.health_gates)
      if (!file->health_gates.count(gate)) __builtin_trap();
    (void)env.allows_ref("refs/heads/main");
    (void)env.allows_ref("refs/tags/v1");
  }
  for (const auto& n : file->notifications)
    if (n.url.empty() == n.url_secret.empty()) __builtin_trap();
  return 0;
}

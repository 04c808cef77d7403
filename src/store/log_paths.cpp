#include "store/log_paths.h"

#include <fmt/format.h>

#include <cstdint>

namespace sluice::store {

namespace {

// FNV-1a: stable across platforms and releases, unlike std::hash; paths must not
// change between sluice versions.
uint32_t fnv1a(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

bool is_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

}  // namespace

std::string sanitize_path_component(std::string_view text) {
  constexpr size_t kMaxLength = 80;
  std::string out;
  bool changed = text.empty();
  for (char c : text) {
    if (out.size() >= kMaxLength) {
      changed = true;
      break;
    }
    bool keep = is_safe(c) && !(out.empty() && c == '.');
    out.push_back(keep ? c : '_');
    changed = changed || !keep;
  }
  if (changed) out += fmt::format("-{:08x}", fnv1a(text));
  return out;
}

std::string job_log_path(int64_t run_id, std::string_view job_key, int job_attempt) {
  return fmt::format("logs/{}/{}-{}.log", run_id, sanitize_path_component(job_key), job_attempt);
}

std::string step_summary_path(int64_t run_id) {
  return fmt::format("logs/{}/summary.md", run_id);
}

}  // namespace sluice::store

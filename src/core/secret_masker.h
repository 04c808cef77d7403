// SecretMasker: replaces registered secret values with "***" in text.
//
// One per run: secrets from --secret/--secrets-file and every `::add-mask::` value are
// added to it, and every log line, stored output and annotation passes through mask().
// Thread-safe: steps of parallel jobs add and mask concurrently.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class SecretMasker {
 public:
  // Values shorter than 1 character are ignored. Multi-line values also register
  // each of their lines (a secret printed line by line stays masked).
  void add(std::string_view secret);
  std::string mask(std::string_view text) const;
  bool empty() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;  // longest first, so overlapping secrets mask fully
};

}  // namespace sluice

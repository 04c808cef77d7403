// SecretMasker: replaces registered secret values with "***" in text.
//
// One per run: secrets from --secret/--secrets-file and every `::add-mask::` value are
// added to it, and every log line, stored output and annotation passes through mask().
// Thread-safe: steps of parallel jobs add and mask concurrently.
//
// Masking is done on the original text: every occurrence of every secret is located first,
// overlapping or touching occurrences are merged, and each merged span becomes one "***".
// So overlapping secrets mask fully, and a short secret that happens to be "*" can never
// re-mask the replacement of another.
//
// Cost: the secrets are compiled into an immutable snapshot (longest first, plus a bitmap
// of the byte pairs that start a secret) that is rebuilt lazily after add(). With many
// secrets, one pass over the text with the bitmap rejects clean text in O(length)
// whatever the number of secrets; only text that may contain one is searched for each.
// mask(text, scratch) allocates nothing for clean text, and View skips the lock entirely,
// so the log path of many parallel steps never serialises on the masker.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sluice {

class SecretMasker {
 public:
  // A bound on what one run can register (each ::add-mask:: line adds values), so a step
  // printing add-mask in a loop cannot make masking or memory grow without limit.
  static constexpr size_t kMaxSecrets = 50000;

  // Values shorter than 1 character are ignored. Multi-line values also register
  // each of their lines (a secret printed line by line stays masked). Returns false when
  // a value could not be registered because kMaxSecrets was reached.
  bool add(std::string_view secret);
  std::string mask(std::string_view text) const;
  // Like mask(), but returns `text` itself when nothing is to be masked; otherwise the
  // masked text is built in `scratch` and a view of it is returned.
  std::string_view mask(std::string_view text, std::string& scratch) const;
  bool empty() const;
  size_t size() const;

  struct Compiled;

  // A cached view for a hot loop (one step's output): mask() costs one atomic load on top
  // of the search itself, and picks up secrets added since (e.g. by ::add-mask::) on the
  // next call. One View per thread; the masker must outlive it.
  class View {
   public:
    explicit View(const SecretMasker* masker) : masker_(masker) {}
    std::string_view mask(std::string_view text, std::string& scratch);

   private:
    const SecretMasker* masker_;
    uint64_t generation_ = 0;
    std::shared_ptr<const Compiled> compiled_;
  };
  View view() const { return View(this); }

 private:
  std::shared_ptr<const Compiled> snapshot() const;

  mutable std::mutex mutex_;
  std::vector<std::string> values_;                   // insertion order
  std::unordered_set<std::string> seen_;              // for de-duplication
  mutable std::shared_ptr<const Compiled> compiled_;  // null when stale
  std::atomic<size_t> count_{0};                      // lets mask() skip the lock when empty
  std::atomic<uint64_t> generation_{0};               // bumped after each change of values_
};

}  // namespace sluice

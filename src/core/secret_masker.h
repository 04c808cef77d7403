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
// Cost: mask() of text that contains no secret allocates nothing when the caller uses the
// scratch overload, and takes the lock only to copy one shared_ptr (secrets are an
// immutable snapshot replaced on add()), so the log path of many parallel steps never
// serialises on the masker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
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
  // Like mask(), but returns `text` itself when nothing is to be masked; otherwise the
  // masked text is built in `scratch` and a view of it is returned.
  std::string_view mask(std::string_view text, std::string& scratch) const;
  bool empty() const;
  size_t size() const;

  using Secrets = std::vector<std::string>;

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
    std::shared_ptr<const Secrets> secrets_;
  };
  View view() const { return View(this); }

 private:
  std::shared_ptr<const Secrets> snapshot() const;
  static std::string_view mask_with(const Secrets& secrets, std::string_view text,
                                    std::string& scratch);

  mutable std::mutex mutex_;
  std::shared_ptr<const Secrets> secrets_;  // longest first; never mutated once published
  std::atomic<size_t> count_{0};            // lets mask() skip the lock when empty
  std::atomic<uint64_t> generation_{0};     // bumped after each change of secrets_
};

}  // namespace sluice

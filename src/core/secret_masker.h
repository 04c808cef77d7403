// SecretMasker: replaces registered secret values with "***" in text.
//
// One per run: secrets from --secret/--secrets-file and every `::add-mask::` value are
// added to it, and everything sluice writes (log lines, step summaries, stored outputs,
// annotations, record names and reasons, error messages) passes through mask().
// Thread-safe: steps of parallel jobs add and mask concurrently.
//
// What is masked (docs/secrets.md): each value, each line of a multi-line value, and for
// each of those the forms a step or sluice derives from it (core/secret_forms.h: base64 at
// the three alignments, JSON-escaped, URL-encoded, ...), as GitHub's runner does.
//
// Masking is done on the original text: every occurrence of every value is located first,
// overlapping or touching occurrences are merged, and each merged span becomes one "***".
// So overlapping secrets mask fully, and a short secret that happens to be "*" can never
// re-mask the replacement of another.
//
// Cost: the values are compiled into an immutable snapshot, rebuilt lazily after add(): the
// values sorted by a key, which is a hash of their first 4 bytes (or, for the rare values
// shorter than that, their first two bytes), with byte tables of those keys that all the
// snapshots share (values are never removed, so the tables only gain entries). One
// pass over the text with the tables rejects clean text in O(length) whatever the number of
// secrets; text that may contain one is scanned once more, comparing at each position only
// the values whose key matches there. mask(text, scratch) allocates nothing for clean text,
// and View skips the lock entirely, so the log path of many parallel steps never
// serialises on the masker. Figures: bench/secret_masker_bench.cpp, BENCHMARKS.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
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
  // printing add-mask in a loop cannot make masking or memory grow without limit. Derived
  // forms do not count: each registered value brings at most a dozen.
  static constexpr size_t kMaxSecrets = 50000;

  // Empty values are ignored. Multi-line values also register each of their lines (a
  // secret printed line by line stays masked). Returns false when a value could not be
  // registered because kMaxSecrets was reached.
  bool add(std::string_view secret);
  std::string mask(std::string_view text) const;
  // Like mask(), but returns `text` itself when nothing is to be masked; otherwise the
  // masked text is built in `scratch` and a view of it is returned.
  std::string_view mask(std::string_view text, std::string& scratch) const;
  bool empty() const;
  size_t size() const;  // registered values (lines of multi-line ones included), not forms
  // The registered values (lines of multi-line ones included), not their derived forms, in
  // no particular order: a remote agent reports the ::add-mask:: values of a step with them.
  std::vector<std::string> registered() const;

  struct Compiled;
  class Stream;

  // A cached view for a hot loop (one step's output): mask() costs one atomic load on top
  // of the search itself, and picks up secrets added since (e.g. by ::add-mask::) on the
  // next call. One View per thread; the masker must outlive it.
  class View {
   public:
    explicit View(const SecretMasker* masker) : masker_(masker) {}
    std::string_view mask(std::string_view text, std::string& scratch);

   private:
    friend class SecretMasker;
    friend class Stream;
    const Compiled* refresh();  // null when nothing is registered

    const SecretMasker* masker_;
    uint64_t generation_ = 0;
    std::shared_ptr<const Compiled> compiled_;
  };
  View view() const { return View(this); }

  // Masks one text that arrives in pieces cut at arbitrary points (an over-long output line
  // the executor splits): a secret that straddles two pieces is still masked. push()
  // returns the masked text that is final so far (possibly empty): it holds back the last
  // (longest value - 1) bytes, which a secret may start in, and remembers how much of the
  // next piece continues a secret it already replaced. finish() returns the rest. Memory:
  // one piece plus the longest value. One Stream per thread, reusable after finish().
  class Stream {
   public:
    explicit Stream(const SecretMasker* masker) : view_(masker) {}
    std::string_view push(std::string_view piece);
    std::string_view finish();

   private:
    std::string_view emit(size_t hold);

    View view_;
    std::string carry_;  // unmasked bytes not yet emitted
    size_t forced_ = 0;  // carry_[0, forced_) ends a secret whose start was already masked
    std::string out_;
  };
  Stream stream() const { return Stream(this); }

 private:
  std::shared_ptr<const Compiled> snapshot() const;

  // Every registered value and form lives in storage_ (a deque: elements never move), so
  // the sets, the sorted list and each snapshot hold views of them. Snapshots are rebuilt
  // in O(values): the new values since the last one are sorted and merged in.
  mutable std::mutex mutex_;
  std::deque<std::string> storage_;
  std::unordered_set<std::string_view> registered_;   // add() de-duplication
  std::unordered_set<std::string_view> values_;       // values and forms, de-duplicated
  mutable std::vector<std::string_view> sorted_;      // in Compiled::values order
  mutable std::vector<std::string_view> unsorted_;    // added since the last snapshot
  mutable std::shared_ptr<const Compiled> compiled_;  // null when stale
  // The snapshots' shared hash tables (Compiled: quads and pairs), filled as values come
  // and never cleared, allocated with the first value of their kind. Atomic bytes: snapshot()
  // sets entries while other threads read them through older snapshots.
  mutable std::unique_ptr<std::atomic<uint8_t>[]> quads_;  // 64 KiB
  mutable std::unique_ptr<std::atomic<uint8_t>[]> pairs_;  // 64 KiB, for values < 4 bytes
  std::atomic<size_t> count_{0};                           // registered_.size()
  std::atomic<uint64_t> generation_{0};                    // bumped after each change of values_
};

}  // namespace sluice

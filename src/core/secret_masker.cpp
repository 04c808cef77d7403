#include "core/secret_masker.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "core/secret_forms.h"

namespace sluice {

namespace {

// Values of this many bytes or more are found by a hash of their first kQuad bytes; shorter
// ones (rare: short secrets, short lines of multi-line ones) by their first two bytes.
constexpr size_t kQuad = 4;
constexpr unsigned kQuadBits = 16;

uint32_t quad_hash(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return (v * 2654435761u) >> (32 - kQuadBits);
}

unsigned pair_key(std::string_view s) {
  return static_cast<unsigned>(static_cast<unsigned char>(s[0])) << 8 |
         (s.size() > 1 ? static_cast<unsigned char>(s[1]) : 0u);
}

// The order of Compiled::values: short values by pair_key, then long ones by quad_hash;
// longest first among equal keys.
uint32_t sort_key(std::string_view s) {
  return s.size() < kQuad ? pair_key(s) : (1u << 31) | quad_hash(s.data());
}

bool value_order(std::string_view a, std::string_view b) {
  uint32_t ka = sort_key(a);
  uint32_t kb = sort_key(b);
  if (ka != kb) return ka < kb;
  if (a.size() != b.size()) return a.size() > b.size();
  return a < b;
}

}  // namespace

struct SecretMasker::Compiled {
  // Every value in value_order, with keys[i] = sort_key(values[i]); the long values start
  // at first_long. Views of the masker's storage_, which outlives every snapshot.
  std::vector<std::string_view> values;
  std::vector<uint32_t> keys;
  size_t first_long = 0;
  // The masker's tables (SecretMasker::quads_, pairs_; null while unused), which may hold
  // entries of values added after this snapshot: those only lead to match_group, which
  // compares this snapshot's own values.
  const std::atomic<uint8_t>* quads = nullptr;
  const std::atomic<uint8_t>* pairs = nullptr;
  std::array<bool, 256> single{};  // one-byte values
  size_t longest = 0;

  bool quad_set(uint32_t h) const { return quads[h].load(std::memory_order_relaxed) != 0; }
  uint8_t pair(unsigned key) const { return pairs[key].load(std::memory_order_relaxed); }

  // False when `text` certainly contains no value.
  bool may_contain(std::string_view text) const {
    const char* p = text.data();
    size_t n = text.size();
    if (n == 0) return false;
    uint64_t hit = 0;
    if (first_long > 0) {  // short values: the byte pairs
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      for (size_t i = 0; i + 1 < n; ++i) hit |= pair(static_cast<unsigned>(u[i]) << 8 | u[i + 1]);
      // The last byte can only start a one-byte value; pair it with any byte (0).
      hit |= pair(static_cast<unsigned>(u[n - 1]) << 8) & 2;
    }
    if (first_long < values.size()) {
      for (size_t i = 0; i + kQuad <= n; ++i) {
        hit |= quads[quad_hash(p + i)].load(std::memory_order_relaxed);
      }
    }
    return (hit & 3) != 0;
  }

  // The end of the first (so longest) of values[k...] with keys[k] == key occurring at
  // text[i], or 0.
  size_t match_group(std::string_view text, size_t i, size_t k, uint32_t key) const {
    size_t left = text.size() - i;
    for (; k < keys.size() && keys[k] == key; ++k) {
      std::string_view v = values[k];
      if (v.size() >= 2 && v.size() <= left &&
          std::memcmp(text.data() + i, v.data(), v.size()) == 0)
        return i + v.size();
    }
    return 0;
  }

  // The end of the longest value occurring at text[i], or 0.
  size_t match_at(std::string_view text, size_t i) const {
    size_t end = 0;
    if (i + kQuad <= text.size() && first_long < values.size()) {
      uint32_t h = quad_hash(text.data() + i);
      if (quad_set(h)) {
        uint32_t key = (1u << 31) | h;
        auto k =
            std::lower_bound(keys.begin() + static_cast<ptrdiff_t>(first_long), keys.end(), key);
        end = match_group(text, i, static_cast<size_t>(k - keys.begin()), key);
        if (end != 0) return end;  // longer than any short value
      }
    }
    if (first_long > 0) {
      const auto* u = reinterpret_cast<const unsigned char*>(text.data());
      if (single[u[i]]) end = i + 1;
      if (i + 1 < text.size()) {
        unsigned key = static_cast<unsigned>(u[i]) << 8 | u[i + 1];
        if (pair(key) & 1) {
          auto last = keys.begin() + static_cast<ptrdiff_t>(first_long);
          auto k = std::lower_bound(keys.begin(), last, key);
          end = std::max(end, match_group(text, i, static_cast<size_t>(k - keys.begin()), key));
        }
      }
    }
    return end;
  }

  // Calls on_span(begin, end) for each merged span of occurrences that start before
  // `limit` (an occurrence may end after it), in order; [0, forced) counts as one.
  template <class OnSpan>
  void for_each_span(std::string_view text, size_t limit, size_t forced, OnSpan on_span) const {
    if (forced == 0 && !may_contain(text)) return;
    size_t begin = 0;
    size_t end = forced;  // the open span is [begin, end) when end > 0
    for (size_t i = 0; i < limit; ++i) {
      size_t match = match_at(text, i);
      if (match == 0) continue;
      if (end > 0 && i <= end) {
        end = std::max(end, match);
      } else {
        if (end > 0) on_span(begin, end);
        begin = i;
        end = match;
      }
    }
    if (end > 0) on_span(begin, end);
  }

  std::string_view mask(std::string_view text, std::string& scratch) const {
    bool masked = false;
    size_t copied = 0;  // text[0, copied) has been emitted
    for_each_span(text, text.size(), 0, [&](size_t begin, size_t end) {
      if (!masked) {
        scratch.clear();
        scratch.reserve(text.size());
        masked = true;
      }
      scratch.append(text.substr(copied, begin - copied));
      scratch.append("***");
      copied = end;
    });
    if (!masked) return text;
    scratch.append(text.substr(copied));
    return scratch;
  }
};

bool SecretMasker::add(std::string_view secret) {
  std::vector<std::string_view> values{secret};
  if (secret.find('\n') != std::string_view::npos) {
    size_t start = 0;
    while (start <= secret.size()) {
      size_t end = secret.find('\n', start);
      if (end == std::string_view::npos) end = secret.size();
      std::string_view line = secret.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      values.push_back(line);
      start = end + 1;
    }
  }
  // Encoded outside the lock: other threads keep masking meanwhile.
  std::vector<std::vector<std::string>> forms;
  for (std::string_view v : values)
    forms.push_back(v.empty() ? std::vector<std::string>{} : derived_forms(v));

  std::lock_guard lock(mutex_);
  bool changed = false;
  bool all_added = true;
  auto add_value = [&](std::string_view value) -> std::string_view {
    if (auto it = values_.find(value); it != values_.end()) return *it;
    std::string_view stored = storage_.emplace_back(value);
    values_.insert(stored);
    unsorted_.push_back(stored);
    return stored;
  };
  for (size_t i = 0; i < values.size(); ++i) {
    std::string_view v = values[i];
    if (v.empty() || registered_.count(v) != 0) continue;
    if (registered_.size() >= kMaxSecrets) {
      all_added = false;
      continue;
    }
    registered_.insert(add_value(v));
    for (const std::string& form : forms[i]) add_value(form);
    changed = true;
  }
  if (changed) {
    compiled_.reset();
    count_.store(registered_.size(), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  return all_added;
}

std::shared_ptr<const SecretMasker::Compiled> SecretMasker::snapshot() const {
  std::lock_guard lock(mutex_);
  if (compiled_ || storage_.empty()) return compiled_;
  // Only the new values' table entries are set (the tables only ever gain entries), so a
  // snapshot after add() costs O(values) in copies, not a fill of the tables.
  for (std::string_view s : unsorted_) {
    if (s.size() >= kQuad) {
      if (!quads_) quads_ = std::make_unique<std::atomic<uint8_t>[]>(1u << kQuadBits);
      quads_[quad_hash(s.data())].store(1, std::memory_order_relaxed);
      continue;
    }
    if (!pairs_) pairs_ = std::make_unique<std::atomic<uint8_t>[]>(65536);
    unsigned key = pair_key(s);
    if (s.size() == 1) {
      for (unsigned b = 0; b < 256; ++b) pairs_[(key & 0xFF00) | b].fetch_or(2);
    } else {
      pairs_[key].fetch_or(1);
    }
  }
  std::sort(unsorted_.begin(), unsorted_.end(), value_order);
  size_t middle = sorted_.size();
  sorted_.insert(sorted_.end(), unsorted_.begin(), unsorted_.end());
  std::inplace_merge(sorted_.begin(), sorted_.begin() + static_cast<ptrdiff_t>(middle),
                     sorted_.end(), value_order);
  unsorted_.clear();

  auto compiled = std::make_shared<Compiled>();
  compiled->values = sorted_;
  compiled->quads = quads_.get();
  compiled->pairs = pairs_.get();
  compiled->keys.reserve(sorted_.size());
  for (std::string_view s : sorted_) {
    uint32_t key = sort_key(s);
    compiled->keys.push_back(key);
    compiled->longest = std::max(compiled->longest, s.size());
    if (s.size() < kQuad) ++compiled->first_long;
    if (s.size() == 1) compiled->single[key >> 8] = true;
  }
  compiled_ = std::move(compiled);
  return compiled_;
}

std::string_view SecretMasker::mask(std::string_view text, std::string& scratch) const {
  if (text.empty() || count_.load(std::memory_order_acquire) == 0) return text;
  std::shared_ptr<const Compiled> compiled = snapshot();
  return compiled ? compiled->mask(text, scratch) : text;
}

const SecretMasker::Compiled* SecretMasker::View::refresh() {
  uint64_t generation = masker_->generation_.load(std::memory_order_acquire);
  if (generation != generation_) {
    compiled_ = masker_->snapshot();
    generation_ = generation;
  }
  return compiled_.get();
}

std::string_view SecretMasker::View::mask(std::string_view text, std::string& scratch) {
  const Compiled* compiled = refresh();
  return compiled ? compiled->mask(text, scratch) : text;
}

std::string_view SecretMasker::Stream::push(std::string_view piece) {
  carry_.append(piece);
  const Compiled* compiled = view_.refresh();
  size_t hold = compiled && compiled->longest > 0 ? compiled->longest - 1 : 0;
  if (carry_.size() <= hold) return {};
  return emit(hold);
}

std::string_view SecretMasker::Stream::finish() {
  view_.refresh();
  return emit(0);
}

// Emits carry_ but its last `hold` bytes: occurrences starting before the cut are complete
// (none is longer than hold + 1), and one that crosses the cut is masked up to it here and
// from it (forced_) in the next emission.
std::string_view SecretMasker::Stream::emit(size_t hold) {
  size_t limit = carry_.size() - hold;
  out_.clear();
  size_t copied = 0;
  if (const Compiled* compiled = view_.compiled_.get()) {
    compiled->for_each_span(carry_, limit, forced_, [&](size_t begin, size_t end) {
      out_.append(carry_, copied, begin - copied);
      // A span continuing one already replaced adds nothing: the concatenated output is
      // what mask() gives for the whole text.
      if (begin > 0 || forced_ == 0) out_.append("***");
      copied = end;
    });
  } else {
    copied = forced_;
  }
  if (copied < limit) out_.append(carry_, copied, limit - copied);
  forced_ = copied > limit ? copied - limit : 0;
  carry_.erase(0, limit);
  return out_;
}

std::string SecretMasker::mask(std::string_view text) const {
  std::string scratch;
  std::string_view masked = mask(text, scratch);
  if (masked.data() == scratch.data()) return scratch;
  return std::string(masked);
}

bool SecretMasker::empty() const {
  return count_.load(std::memory_order_acquire) == 0;
}

size_t SecretMasker::size() const {
  return count_.load(std::memory_order_acquire);
}

std::vector<std::string> SecretMasker::registered() const {
  std::lock_guard lock(mutex_);
  return std::vector<std::string>(registered_.begin(), registered_.end());
}

}  // namespace sluice

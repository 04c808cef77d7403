#include "core/secret_masker.h"

#include <algorithm>
#include <utility>

namespace sluice {

struct SecretMasker::Compiled {
  std::vector<std::string> values;  // longest first
  // starts[a << 8 | b] != 0 when some secret starts with bytes a, b; for a one-byte
  // secret a, every starts[a << 8 | x] is set. A byte table rather than a bitmap: one
  // load per text byte (64 KiB, stays in cache while a step's output streams through).
  std::vector<uint8_t> starts = std::vector<uint8_t>(65536, 0);

  // False when `text` certainly contains no secret.
  bool may_contain(std::string_view text) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size();
    if (n == 0) return false;
    const uint8_t* table = starts.data();
    uint8_t hit = 0;
    for (size_t i = 0; i + 1 < n; ++i) hit |= table[static_cast<unsigned>(p[i]) << 8 | p[i + 1]];
    // The last byte can only start a one-byte secret; pair it with any byte (0).
    hit |= table[static_cast<unsigned>(p[n - 1]) << 8] & 2;
    return hit != 0;
  }
  std::string_view mask(std::string_view text, std::string& scratch) const;
};

// With this many secrets or fewer, searching for each directly (memchr-based) beats the
// table pass.
constexpr size_t kPrefilterThreshold = 1;

std::string_view SecretMasker::Compiled::mask(std::string_view text, std::string& scratch) const {
  if (text.empty() || values.empty()) return text;
  if (values.size() > kPrefilterThreshold && !may_contain(text)) return text;

  // Spans [begin, end) of every occurrence, overlapping ones included.
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& s : values) {
    if (s.size() > text.size()) continue;
    for (size_t pos = text.find(s); pos != std::string_view::npos; pos = text.find(s, pos + 1)) {
      spans.emplace_back(pos, pos + s.size());
    }
  }
  if (spans.empty()) return text;
  std::sort(spans.begin(), spans.end());

  scratch.clear();
  scratch.reserve(text.size());
  size_t copied = 0;  // text[0, copied) has been emitted
  size_t i = 0;
  while (i < spans.size()) {
    size_t begin = spans[i].first;
    size_t end = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    scratch.append(text.substr(copied, begin - copied));
    scratch.append("***");
    copied = end;
  }
  scratch.append(text.substr(copied));
  return scratch;
}

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
  std::lock_guard lock(mutex_);
  bool changed = false;
  bool all_added = true;
  for (std::string_view v : values) {
    if (v.empty() || seen_.count(std::string(v)) != 0) continue;
    if (values_.size() >= kMaxSecrets) {
      all_added = false;
      continue;
    }
    seen_.emplace(v);
    values_.emplace_back(v);
    changed = true;
  }
  if (changed) {
    compiled_.reset();
    count_.store(values_.size(), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  return all_added;
}

std::shared_ptr<const SecretMasker::Compiled> SecretMasker::snapshot() const {
  std::lock_guard lock(mutex_);
  if (compiled_ || values_.empty()) return compiled_;
  auto compiled = std::make_shared<Compiled>();
  compiled->values = values_;
  std::stable_sort(compiled->values.begin(), compiled->values.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& s : compiled->values) {
    unsigned first = static_cast<unsigned char>(s[0]) << 8;
    if (s.size() == 1) {
      for (unsigned b = 0; b < 256; ++b) compiled->starts[first | b] |= 2;
    } else {
      compiled->starts[first | static_cast<unsigned char>(s[1])] |= 1;
    }
  }
  compiled_ = std::move(compiled);
  return compiled_;
}

std::string_view SecretMasker::mask(std::string_view text, std::string& scratch) const {
  if (text.empty() || count_.load(std::memory_order_acquire) == 0) return text;
  std::shared_ptr<const Compiled> compiled = snapshot();
  return compiled ? compiled->mask(text, scratch) : text;
}

std::string_view SecretMasker::View::mask(std::string_view text, std::string& scratch) {
  uint64_t generation = masker_->generation_.load(std::memory_order_acquire);
  if (generation != generation_) {
    compiled_ = masker_->snapshot();
    generation_ = generation;
  }
  return compiled_ ? compiled_->mask(text, scratch) : text;
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

}  // namespace sluice

#include "core/secret_masker.h"

#include <algorithm>
#include <utility>

namespace sluice {

void SecretMasker::add(std::string_view secret) {
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
  auto next = secrets_ ? std::make_shared<Secrets>(*secrets_) : std::make_shared<Secrets>();
  bool changed = false;
  for (std::string_view v : values) {
    if (v.empty() || std::find(next->begin(), next->end(), v) != next->end()) continue;
    next->emplace_back(v);
    changed = true;
  }
  if (!changed) return;
  std::stable_sort(next->begin(), next->end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  count_.store(next->size(), std::memory_order_release);
  secrets_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const SecretMasker::Secrets> SecretMasker::snapshot() const {
  std::lock_guard lock(mutex_);
  return secrets_;
}

std::string_view SecretMasker::mask(std::string_view text, std::string& scratch) const {
  if (text.empty() || count_.load(std::memory_order_acquire) == 0) return text;
  std::shared_ptr<const Secrets> secrets = snapshot();
  if (!secrets) return text;
  return mask_with(*secrets, text, scratch);
}

std::string_view SecretMasker::View::mask(std::string_view text, std::string& scratch) {
  uint64_t generation = masker_->generation_.load(std::memory_order_acquire);
  if (generation != generation_) {
    secrets_ = masker_->snapshot();
    generation_ = generation;
  }
  if (text.empty() || !secrets_) return text;
  return mask_with(*secrets_, text, scratch);
}

std::string_view SecretMasker::mask_with(const Secrets& secrets, std::string_view text,
                                         std::string& scratch) {
  // Spans [begin, end) of every occurrence, overlapping ones included.
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& s : secrets) {
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

std::string SecretMasker::mask(std::string_view text) const {
  std::string scratch;
  std::string_view masked = mask(text, scratch);
  if (masked.data() == scratch.data()) return scratch;
  return std::string(masked);
}

bool SecretMasker::empty() const { return count_.load(std::memory_order_acquire) == 0; }

size_t SecretMasker::size() const { return count_.load(std::memory_order_acquire); }

}  // namespace sluice

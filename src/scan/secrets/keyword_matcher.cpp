#include "scan/secrets/keyword_matcher.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>

namespace sluice::scan::secrets {

KeywordMatcher::KeywordMatcher(const std::vector<std::string>& keywords) {
  for (const auto& k : keywords) {
    lengths_.push_back(k.size());
    max_length_ = std::max(max_length_, k.size());
    for (unsigned char c : k) {
      const unsigned char lower = static_cast<unsigned char>(std::tolower(c));
      // Past 255 distinct bytes the rest share class 0 ("other"): the prefilter then
      // reports extra hits, which only costs regex runs, never findings.
      if (byte_class_[lower] == 0 && classes_ < 256) {
        byte_class_[lower] = static_cast<uint8_t>(classes_++);
      }
      byte_class_[std::toupper(lower)] = byte_class_[lower];
    }
  }
  // Build the trie; -1 marks a missing edge until the failure links fill it in.
  next_.assign(classes_, -1);
  outputs_.emplace_back();
  for (uint32_t k = 0; k < keywords.size(); ++k) {
    if (keywords[k].empty()) continue;
    int32_t state = 0;
    for (unsigned char c : keywords[k]) {
      const int cls = byte_class_[c];
      int32_t& edge = next_[state * classes_ + cls];
      if (edge < 0) {
        edge = static_cast<int32_t>(outputs_.size());
        outputs_.emplace_back();
        next_.resize(next_.size() + classes_, -1);
      }
      state = next_[state * classes_ + cls];
    }
    outputs_[state].push_back(k);
  }
  // Breadth-first: turn the trie into a DFA by resolving missing edges via failure links.
  std::vector<int32_t> fail(outputs_.size(), 0);
  std::deque<int32_t> queue;
  for (int cls = 0; cls < classes_; ++cls) {
    int32_t& edge = next_[cls];
    if (edge < 0) {
      edge = 0;
    } else {
      fail[edge] = 0;
      queue.push_back(edge);
    }
  }
  while (!queue.empty()) {
    const int32_t state = queue.front();
    queue.pop_front();
    const auto& inherited = outputs_[fail[state]];
    outputs_[state].insert(outputs_[state].end(), inherited.begin(), inherited.end());
    for (int cls = 0; cls < classes_; ++cls) {
      int32_t& edge = next_[state * classes_ + cls];
      const int32_t via_fail = next_[fail[state] * classes_ + cls];
      if (edge < 0) {
        edge = via_fail;
      } else {
        fail[edge] = via_fail;
        queue.push_back(edge);
      }
    }
  }
  jump_.resize(next_.size());
  for (size_t i = 0; i < next_.size(); ++i) {
    const auto target = static_cast<uint32_t>(next_[i]);
    jump_[i] =
        (target * static_cast<uint32_t>(classes_)) << 1 | (outputs_[target].empty() ? 0u : 1u);
  }
  if (jump_.size() * 2 <= 0xFFFF) jump16_.assign(jump_.begin(), jump_.end());
}

template <typename Entry>
void KeywordMatcher::scan(const Entry* jump, std::string_view text, std::vector<Hit>& hits) const {
  // Entries are (target_state * classes) << 1 | has_output.
  uint8_t classes_of[256];
  std::memcpy(classes_of, byte_class_, sizeof classes_of);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const auto classes = static_cast<uint32_t>(classes_);
  auto emit = [&](uint32_t offset, size_t end, std::vector<Hit>& out) {
    for (uint32_t k : outputs_[offset / classes]) out.push_back({k, end});
  };

  constexpr size_t kStreams = 4;
  if (n < 4096 || max_length_ == 0) {
    uint32_t offset = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t entry = jump[offset + classes_of[bytes[i]]];
      offset = entry >> 1;
      if (entry & 1) [[unlikely]]
        emit(offset, i + 1, hits);
    }
    return;
  }
  // The automaton's loop-carried dependency (state -> table load -> state) limits one
  // scan to ~5 cycles a byte. Four independent scans over quarters of the text, run in
  // lockstep, overlap those latencies. Each quarter is entered max_length_ - 1 bytes early
  // (without reporting) so that keywords straddling a boundary are found exactly once.
  const size_t chunk = n / kStreams;
  const size_t warmup = max_length_ - 1;
  uint32_t state[kStreams] = {};  // offsets into jump
  size_t begin[kStreams];
  for (size_t k = 0; k < kStreams; ++k) {
    begin[k] = k * chunk;
    for (size_t i = begin[k] - std::min(begin[k], warmup); i < begin[k]; ++i) {
      state[k] = jump[state[k] + classes_of[bytes[i]]] >> 1;
    }
  }
  thread_local std::vector<Hit> stream_hits[kStreams - 1];
  for (auto& v : stream_hits) v.clear();
  std::vector<Hit>* out[kStreams] = {&hits, &stream_hits[0], &stream_hits[1], &stream_hits[2]};
  // Scalars (not the arrays) in the hot loop, so the compiler keeps them in registers.
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  const unsigned char* p0 = bytes + begin[0];
  const unsigned char* p1 = bytes + begin[1];
  const unsigned char* p2 = bytes + begin[2];
  const unsigned char* p3 = bytes + begin[3];
  for (size_t i = 0; i < chunk; ++i) {
    const uint32_t e0 = jump[s0 + classes_of[p0[i]]];
    const uint32_t e1 = jump[s1 + classes_of[p1[i]]];
    const uint32_t e2 = jump[s2 + classes_of[p2[i]]];
    const uint32_t e3 = jump[s3 + classes_of[p3[i]]];
    s0 = e0 >> 1;
    s1 = e1 >> 1;
    s2 = e2 >> 1;
    s3 = e3 >> 1;
    if ((e0 | e1 | e2 | e3) & 1) [[unlikely]] {
      if (e0 & 1) emit(s0, begin[0] + i + 1, *out[0]);
      if (e1 & 1) emit(s1, begin[1] + i + 1, *out[1]);
      if (e2 & 1) emit(s2, begin[2] + i + 1, *out[2]);
      if (e3 & 1) emit(s3, begin[3] + i + 1, *out[3]);
    }
  }
  state[kStreams - 1] = s3;
  for (size_t i = kStreams * chunk; i < n; ++i) {  // the remainder belongs to the last stream
    const uint32_t entry = jump[state[kStreams - 1] + classes_of[bytes[i]]];
    state[kStreams - 1] = entry >> 1;
    if (entry & 1) [[unlikely]]
      emit(state[kStreams - 1], i + 1, *out[kStreams - 1]);
  }
  for (size_t k = 1; k < kStreams; ++k) hits.insert(hits.end(), out[k]->begin(), out[k]->end());
}

void KeywordMatcher::find_all(std::string_view text, std::vector<Hit>& hits) const {
  // 16-bit entries halve the table (it then fits in L1 cache for the built-in keywords).
  if (!jump16_.empty()) {
    scan(jump16_.data(), text, hits);
  } else {
    scan(jump_.data(), text, hits);
  }
}

}  // namespace sluice::scan::secrets

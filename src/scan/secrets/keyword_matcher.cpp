#include "scan/secrets/keyword_matcher.h"

#include <cctype>
#include <deque>

namespace sluice::scan::secrets {

KeywordMatcher::KeywordMatcher(const std::vector<std::string>& keywords) {
  for (const auto& k : keywords) {
    lengths_.push_back(k.size());
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
}

void KeywordMatcher::find_all(std::string_view text, std::vector<Hit>& hits) const {
  const int32_t* next = next_.data();
  const int classes = classes_;
  int32_t state = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    state = next[state * classes + byte_class_[static_cast<unsigned char>(text[i])]];
    if (!outputs_[state].empty()) {
      for (uint32_t k : outputs_[state]) hits.push_back({k, i + 1});
    }
  }
}

}  // namespace sluice::scan::secrets


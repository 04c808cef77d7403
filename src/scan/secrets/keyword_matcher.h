// Case-insensitive multi-keyword search (Aho-Corasick) used as the prefilter that decides
// which rules' regexes run on which parts of a file. One pass over the bytes finds every
// occurrence of every keyword, whatever the number of rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::scan::secrets {

class KeywordMatcher {
 public:
  struct Hit {
    uint32_t keyword;  // index into the keywords given to the constructor
    size_t end;        // offset one past the last byte of the occurrence
  };

  // Keywords are matched ASCII-case-insensitively; empty keywords are ignored.
  explicit KeywordMatcher(const std::vector<std::string>& keywords = {});

  // Every occurrence, in order of end offset. Overlapping occurrences are all reported.
  void find_all(std::string_view text, std::vector<Hit>& hits) const;

  size_t keyword_length(uint32_t keyword) const { return lengths_[keyword]; }

 private:
  // Bytes are mapped to a small alphabet (one class per distinct keyword byte, plus
  // "other") so that the goto table stays small enough for L1 cache.
  uint8_t byte_class_[256] = {};
  int classes_ = 1;
  std::vector<int32_t> next_;                   // state * classes_ + class -> state (a full DFA)
  std::vector<std::vector<uint32_t>> outputs_;  // keywords ending at each state
  std::vector<size_t> lengths_;
  size_t max_length_ = 0;
  // The scan loop's form of next_: entries are already multiplied by classes_ (no multiply
  // in the loop-carried dependency), and bit 0 of an entry flags a state with outputs.
  std::vector<uint32_t> jump_;
  std::vector<uint16_t> jump16_;  // the same when every entry fits in 16 bits

  template <typename Entry>
  void scan(const Entry* jump, std::string_view text, std::vector<Hit>& hits) const;
};

}  // namespace sluice::scan::secrets

// Glob patterns as GitHub's branch, tag and path filters use them:
//   *   any characters except '/'        **  any characters including '/'
//   ?   one character (zero or one of the preceding character, as GitHub documents, is
//       not supported)                   +   one or more of the preceding character
//   [abc] [a-z]  one character of the set
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

bool glob_match(std::string_view pattern, std::string_view text);

// A filter list with GitHub's negation rules: patterns are applied in order; a pattern
// starting with '!' excludes what it matches, a later positive pattern can include it
// again. True when the final verdict for `text` is "included".
bool filter_match(const std::vector<std::string>& patterns, std::string_view text);

}  // namespace sluice

// GitHub's comparison rules: loose equality and ordering.
//
// Values of the same kind compare directly (strings ignoring ASCII case, arrays and objects by
// identity). Two primitives (null, boolean, number, string) of different kinds are both
// converted to numbers first; a primitive never equals an array or object. NaN is neither
// equal to, less than nor greater than anything.
#pragma once

#include "core/value.h"

namespace sluice::expr {

bool loose_equals(const Value& a, const Value& b);
bool loose_less(const Value& a, const Value& b);     // a < b
bool loose_greater(const Value& a, const Value& b);  // a > b

// Case-insensitive substring/prefix/suffix tests (ASCII case folding, like OrdinalIgnoreCase
// on ASCII text).
bool icontains(std::string_view haystack, std::string_view needle);
bool istarts_with(std::string_view text, std::string_view prefix);
bool iends_with(std::string_view text, std::string_view suffix);

}  // namespace sluice::expr

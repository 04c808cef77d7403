#include "expr/compare.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace sluice::expr {
namespace {

bool is_primitive(const Value& v) {
  return !v.is_array() && !v.is_object();
}

unsigned char upper(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') ? static_cast<unsigned char>(u - 'a' + 'A') : u;
}

// Ordinal comparison after upper-casing ASCII letters (as .NET's OrdinalIgnoreCase does; it
// matters for characters between 'Z' and 'a' such as '_').
int compare_ignore_case(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = upper(a[i]), y = upper(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// Ordering of two values after coercion: -1, 0, 1, or 2 when unordered (NaN, different
// non-primitive kinds, arrays/objects).
int order(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) {
    if (!is_primitive(a) || !is_primitive(b)) return 2;
    double x = a.to_number(), y = b.to_number();
    if (std::isnan(x) || std::isnan(y)) return 2;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  switch (a.kind()) {
    case Value::Kind::kNull:
      return 0;
    case Value::Kind::kBool: {
      int x = a.as_bool(), y = b.as_bool();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case Value::Kind::kNumber: {
      double x = a.as_number(), y = b.as_number();
      if (std::isnan(x) || std::isnan(y)) return 2;
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case Value::Kind::kString:
      return compare_ignore_case(a.as_string(), b.as_string());
    case Value::Kind::kArray:
    case Value::Kind::kObject:
      return 2;
  }
  return 2;
}

}  // namespace

bool loose_equals(const Value& a, const Value& b) {
  if (a.kind() == b.kind() && (a.is_array() || a.is_object())) return a.same(b);
  return order(a, b) == 0;
}

bool loose_less(const Value& a, const Value& b) {
  return order(a, b) == -1;
}
bool loose_greater(const Value& a, const Value& b) {
  return order(a, b) == 1;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  auto upper_copy = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(upper(c));
    return out;
  };
  return upper_copy(haystack).find(upper_copy(needle)) != std::string::npos;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return prefix.size() <= text.size() &&
         compare_ignore_case(text.substr(0, prefix.size()), prefix) == 0;
}

bool iends_with(std::string_view text, std::string_view suffix) {
  return suffix.size() <= text.size() &&
         compare_ignore_case(text.substr(text.size() - suffix.size()), suffix) == 0;
}

}  // namespace sluice::expr

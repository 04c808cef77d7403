#include "core/yaml_scalar.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace sluice {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<double> parse_unsigned(std::string_view digits, int base) {
  unsigned long long v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    return std::nullopt;
  return static_cast<double>(v);
}

}  // namespace

std::optional<bool> parse_yaml_bool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool is_yaml_null(std::string_view s) {
  return s.empty() || s == "null" || s == "Null" || s == "NULL" || s == "~";
}

std::optional<double> parse_yaml_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == "+.Inf" || s == ".INF" || s == "+.INF")
    return INFINITY;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -INFINITY;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NAN;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return parse_unsigned(s.substr(2), 16);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return parse_unsigned(s.substr(2), 8);
  // [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exponent_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // strtod needs a terminated string and does not take a leading '+' in every locale.
  std::string copy(s[0] == '+' ? s.substr(1) : s);
  return std::strtod(copy.c_str(), nullptr);
}

}  // namespace sluice

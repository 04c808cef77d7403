#include "core/value.h"

#include <cassert>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sluice {

Value Value::array(Array items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.array_ = std::make_shared<Array>(std::move(items));
  return v;
}

Value Value::object(Object members) {
  Value v;
  v.kind_ = Kind::kObject;
  v.object_ = std::make_shared<Object>(std::move(members));
  return v;
}

bool Value::as_bool() const {
  assert(is_bool());
  return number_ != 0;
}
double Value::as_number() const {
  assert(is_number());
  return number_;
}
const std::string& Value::as_string() const {
  assert(is_string());
  return *string_;
}
const Value::Array& Value::as_array() const {
  assert(is_array());
  return *array_;
}
Value::Array& Value::as_array() {
  assert(is_array());
  return *array_;
}
const Value::Object& Value::as_object() const {
  assert(is_object());
  return *object_;
}
Value::Object& Value::as_object() {
  assert(is_object());
  return *object_;
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : *object_)
    if (iequals(k, key)) return &v;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

Value Value::get(std::string_view key) const {
  const Value* v = find(key);
  return v ? *v : Value();
}

Value& Value::set(std::string_view key, Value value) {
  assert(is_object());
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  object_->emplace_back(std::string(key), std::move(value));
  return object_->back().second;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kNull:
      return false;
    case Kind::kBool:
      return number_ != 0;
    case Kind::kNumber:
      return number_ != 0 && !std::isnan(number_);
    case Kind::kString:
      return !string_->empty();
    case Kind::kArray:
    case Kind::kObject:
      return true;
  }
  return false;
}

static double parse_number_string(const std::string& raw) {
  // Trim whitespace as GitHub does, then accept JSON-like numbers, hex and exponents.
  size_t b = 0, e = raw.size();
  while (b < e && std::isspace(static_cast<unsigned char>(raw[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(raw[e - 1]))) --e;
  if (b == e) return 0;
  std::string s = raw.substr(b, e - b);
  const char* p = s.c_str();
  char* end = nullptr;
  bool negative = false;
  const char* digits = p;
  if (*digits == '-' || *digits == '+') {
    negative = *digits == '-';
    ++digits;
  }
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    // Every character must be a hex digit: strtoull would also accept a sign or leading
    // spaces after "0x" ("0x-1", "0x 1") and saturate silently on overflow.
    if (digits[2] == '\0') return NAN;
    double h = 0;
    for (const char* q = digits + 2; *q; ++q) {
      if (!std::isxdigit(static_cast<unsigned char>(*q))) return NAN;
      int d =
          std::isdigit(static_cast<unsigned char>(*q)) ? *q - '0' : (std::tolower(*q) - 'a' + 10);
      h = h * 16 + d;
    }
    return negative ? -h : h;
  }
  if (s == "Infinity" || s == "+Infinity") return INFINITY;
  if (s == "-Infinity") return -INFINITY;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '-' || c == '+'))
      return NAN;
  double d = std::strtod(p, &end);
  if (end == p || *end != '\0') return NAN;
  return d;
}

double Value::to_number() const {
  switch (kind_) {
    case Kind::kNull:
      return 0;
    case Kind::kBool:
    case Kind::kNumber:
      return number_;
    case Kind::kString:
      return parse_number_string(*string_);
    case Kind::kArray:
    case Kind::kObject:
      return NAN;
  }
  return NAN;
}

std::string format_number(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";
  if (std::fabs(n) < 1e15 && n == std::floor(n)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", n);
  return buf;
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kNull:
      return "";
    case Kind::kBool:
      return number_ != 0 ? "true" : "false";
    case Kind::kNumber:
      return format_number(number_);
    case Kind::kString:
      return *string_;
    case Kind::kArray:
      return "Array";
    case Kind::kObject:
      return "Object";
  }
  return "";
}

bool Value::same(const Value& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
    case Kind::kNumber:
      return number_ == other.number_;
    case Kind::kString:
      return *string_ == *other.string_;
    case Kind::kArray:
      return array_ == other.array_;
    case Kind::kObject:
      return object_ == other.object_;
  }
  return false;
}

bool Value::deep_equals(const Value& other) const {
  if (kind_ != other.kind_) return false;
  if (kind_ == Kind::kArray) {
    if (array_->size() != other.array_->size()) return false;
    for (size_t i = 0; i < array_->size(); ++i)
      if (!(*array_)[i].deep_equals((*other.array_)[i])) return false;
    return true;
  }
  if (kind_ == Kind::kObject) {
    if (object_->size() != other.object_->size()) return false;
    for (const auto& [k, v] : *object_) {
      const Value* o = other.find(k);
      if (!o || !v.deep_equals(*o)) return false;
    }
    return true;
  }
  return same(other);
}

const char* Value::kind_name() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "?";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace sluice

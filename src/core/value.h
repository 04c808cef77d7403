// Value: the dynamic value of the expression language and of JSON data
// (null, boolean, number, string, array, object).
//
// Arrays and objects are shared by reference, as in GitHub's evaluator: copying a
// Value copies a handle, and two handles to the same array compare equal while two
// equal-looking arrays built separately do not. Build a value fully before sharing it.
// Object keys keep their insertion order and are looked up case-insensitively, as
// GitHub's contexts are.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

class Value {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(Kind::kBool), number_(b ? 1 : 0) {}
  Value(double n) : kind_(Kind::kNumber), number_(n) {}
  Value(int n) : kind_(Kind::kNumber), number_(n) {}
  Value(long n) : kind_(Kind::kNumber), number_(static_cast<double>(n)) {}
  Value(long long n) : kind_(Kind::kNumber), number_(static_cast<double>(n)) {}
  Value(std::string s)
      : kind_(Kind::kString), string_(std::make_shared<std::string>(std::move(s))) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}

  static Value array(Array items = {});
  static Value object(Object members = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Typed access; calling the wrong one is a programmer error (asserts).
  bool as_bool() const;
  double as_number() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object members, case-insensitive. find() returns nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  Value get(std::string_view key) const;  // null when absent
  // Sets (replacing a case-insensitively equal key) and returns a reference to the member.
  Value& set(std::string_view key, Value value);

  // GitHub coercions.
  bool truthy() const;       // false, 0, -0, NaN, "", null are falsy
  double to_number() const;  // null→0, bool→0/1, "" →0, string→JSON number or NaN, else NaN
  std::string to_string()
      const;  // null→"", bool→"true"/"false", numbers like GitHub, "Array"/"Object"

  // Identity for arrays/objects, value equality for scalars (strings case-sensitive).
  bool same(const Value& other) const;
  // Structural equality (strings case-sensitive); used by tests and matrix exclude.
  bool deep_equals(const Value& other) const;

  const char* kind_name() const;

 private:
  Kind kind_ = Kind::kNull;
  double number_ = 0;
  std::shared_ptr<std::string> string_;
  std::shared_ptr<Array> array_;
  std::shared_ptr<Object> object_;
};

// Formats a number the way GitHub's expression engine does: integers without a
// decimal point, others with up to 15 significant digits.
std::string format_number(double n);

// Case-insensitive ASCII comparison helpers (GitHub compares strings ignoring case).
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

}  // namespace sluice

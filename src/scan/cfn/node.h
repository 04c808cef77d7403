// CfnNode: one node of a CloudFormation template (JSON or YAML), with the file position
// it came from. YAML short-form tags (!Ref, !Sub, ...) are already expanded into their
// long form ({"Ref": ...}, {"Fn::Sub": ...}) by the loader, so rules see one shape.
//
// Objects keep document order and are looked up case-sensitively, as CloudFormation does.
// The tree owns its children by value; a template is immutable once loaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::scan::cfn {

struct CfnNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;               // string value; for numbers, the source spelling
  std::vector<std::string> keys;  // objects: member names, parallel to `items`
  std::vector<CfnNode> items;     // array elements, or object member values
  int line = 0;                   // 1-based; 0 for synthesised nodes
  int column = 0;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_bool() const { return kind == Kind::kBool; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_object() const { return kind == Kind::kObject; }
  bool is_scalar() const { return kind != Kind::kArray && kind != Kind::kObject; }

  // Member lookup (objects only); nullptr when absent or when this is not an object.
  const CfnNode* get(std::string_view key) const;
  // Follows a dotted path of member names ("Properties.LoggingConfiguration").
  const CfnNode* path(std::string_view dotted) const;

  // A one-member object whose key is "Ref", "Condition" or starts with "Fn::".
  bool is_intrinsic() const;
  // The intrinsic's name ("Ref", "Fn::Sub", ...) or "" when not an intrinsic.
  std::string_view intrinsic_name() const;
  const CfnNode& intrinsic_arg() const { return items.front(); }

  static CfnNode make_string(std::string s, int line = 0, int column = 0);
  static CfnNode make_number(double n);
  static CfnNode make_bool(bool b);
  static CfnNode make_array(std::vector<CfnNode> elements = {});
  static CfnNode make_object();
  CfnNode& add(std::string key, CfnNode value);
};

// Compact JSON text (no whitespace, member order kept), as JavaScript's JSON.stringify
// writes it: several rules match regexes against this text, as cdk-nag does.
std::string to_compact_json(const CfnNode& node);

// JavaScript's String(v) for a scalar: "true", "3306", "abc"; "" for null.
std::string scalar_to_string(const CfnNode& node);

}  // namespace sluice::scan::cfn

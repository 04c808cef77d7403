#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/value.h"
#include "scan/aws_solutions/rule.h"

namespace sluice::scan::aws {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// --- Prim ------------------------------------------------------------------------

bool Prim::is_true() const {
  if (!present) return false;
  if (value.is_bool()) return value.boolean;
  return value.is_string() && value.text == "true";
}

bool Prim::loose_false() const {
  if (!present) return false;
  switch (value.kind) {
    case CfnNode::Kind::kBool:
      return !value.boolean;
    case CfnNode::Kind::kNumber:
      return value.number == 0;
    case CfnNode::Kind::kString:
      return value.text == "false" || value.text.empty() || num() == 0;
    default:
      return false;
  }
}

bool Prim::falsy() const {
  if (!present) return true;
  switch (value.kind) {
    case CfnNode::Kind::kNull:
      return true;
    case CfnNode::Kind::kBool:
      return !value.boolean;
    case CfnNode::Kind::kNumber:
      return value.number == 0 || std::isnan(value.number);
    case CfnNode::Kind::kString:
      return value.text.empty() || value.text == "false";
    default:
      return false;
  }
}

bool Prim::eq(std::string_view s) const {
  return present && !value.is_null() && str() == s;
}

double Prim::num() const {
  if (!present) return NAN;
  if (value.is_number()) return value.number;
  if (value.is_bool()) return value.boolean ? 1 : 0;
  if (value.is_string()) {
    const std::string& t = value.text;
    size_t b = t.find_first_not_of(" \t\n\r");
    if (b == std::string::npos) return 0;  // JavaScript: Number("") == 0
    char* end = nullptr;
    double v = std::strtod(t.c_str() + b, &end);
    while (end && *end && std::isspace(static_cast<unsigned char>(*end))) ++end;
    return end && *end == '\0' ? v : NAN;
  }
  return NAN;
}

bool Prim::eq_num(double n) const {
  return present && !value.is_null() && num() == n;
}

std::string Prim::str() const {
  return present ? cfn::scalar_to_string(value) : "";
}

std::string Prim::lower() const {
  return aws::lower(str());
}

// --- RuleContext -----------------------------------------------------------------

const CfnNode* RuleContext::keep(CfnNode value) const {
  arena_.push_back(std::move(value));
  return &arena_.back();
}

const CfnNode* RuleContext::resolve(const CfnNode* node) const {
  if (!node || !node->is_intrinsic()) return node;
  cfn::EvalResult r = eval_.eval(node);
  if (r.absent()) return nullptr;
  if (r.known()) return keep(std::move(r.value));
  return node;  // undecidable: present but opaque
}

const CfnNode* RuleContext::resolve_strict(const CfnNode* node) const {
  if (!node || !node->is_intrinsic()) return node;
  cfn::EvalResult r = eval_.eval(node);
  if (r.absent()) return nullptr;
  if (r.known()) return keep(std::move(r.value));
  throw UnknownValue{r.reason};
}

const CfnNode* RuleContext::r(const CfnNode* base, std::string_view path) const {
  const CfnNode* node = base;
  while (node && !path.empty()) {
    node = resolve_strict(node);
    if (!node) return nullptr;
    size_t dot = path.find('.');
    node = node->get(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return resolve(node);
}

const std::vector<std::string>& RuleContext::memo(
    const std::string& key, const std::function<std::vector<std::string>()>& build) const {
  auto it = memo_.find(key);
  if (it == memo_.end()) it = memo_.emplace(key, build()).first;
  return it->second;
}

const CfnNode* RuleContext::lenient_prop(const Resource& res, std::string_view path) const {
  try {
    return prop(res, path);
  } catch (const UnknownValue&) {
    return nullptr;
  }
}

const CfnNode* RuleContext::raw(const CfnNode* base, std::string_view path) const {
  size_t dot = path.rfind('.');
  const CfnNode* parent = dot == std::string_view::npos
                              ? resolve_strict(base)
                              : resolve_strict(r(base, path.substr(0, dot)));
  return parent ? parent->get(dot == std::string_view::npos ? path : path.substr(dot + 1))
                : nullptr;
}

Prim RuleContext::p(const CfnNode* node) const {
  Prim out;
  if (!node) return out;
  if (node->is_intrinsic()) {
    cfn::EvalResult r = eval_.eval(node);
    if (r.absent()) return out;
    if (!r.known()) throw UnknownValue{r.reason};
    if (!r.value.is_scalar()) throw UnknownValue{"value is not a single value"};
    out.present = true;
    out.value = std::move(r.value);
    return out;
  }
  if (!node->is_scalar()) throw UnknownValue{"expected a single value, found a list or mapping"};
  out.present = true;
  out.value = *node;
  return out;
}

std::optional<std::string> RuleContext::link(const CfnNode* node) const {
  if (!node) return std::nullopt;
  if (node->is_string()) return node->text;
  std::string_view fn = node->intrinsic_name();
  const CfnNode* arg = fn.empty() ? nullptr : &node->intrinsic_arg();
  if (fn == "Ref" && arg->is_string()) return arg->text;
  if (fn == "Fn::GetAtt" && arg->is_array() && !arg->items.empty() && arg->items[0].is_string()) {
    return arg->items[0].text;
  }
  if (fn == "Fn::If" || fn == "Fn::Select" || fn == "Fn::FindInMap") {
    const CfnNode* v = resolve(node);
    if (v != node) return link(v);
  }
  return std::nullopt;
}

std::vector<const CfnNode*> RuleContext::list(const CfnNode* node) const {
  std::vector<const CfnNode*> out;
  node = resolve_strict(node);
  if (!node) return out;
  if (!node->is_array()) throw UnknownValue{"expected a list"};
  for (const CfnNode& item : node->items) {
    // An element that evaluates to AWS::NoValue disappears, as in CloudFormation.
    const CfnNode* v = resolve(&item);
    if (v) out.push_back(v);
  }
  return out;
}

std::vector<const CfnNode*> RuleContext::as_list_or_single(const CfnNode* node) const {
  node = resolve_strict(node);
  if (node && !node->is_array()) return {node};
  return list(node);
}

// --- text helpers ----------------------------------------------------------------

std::string flatten(const CfnNode* node) {
  if (!node || node->is_null()) return "";
  if (node->is_string()) {
    // "${" -> "<", "}" -> ">" (every occurrence, as String.replace with /g does).
    std::string r;
    for (size_t i = 0; i < node->text.size(); ++i) {
      if (node->text[i] == '$' && i + 1 < node->text.size() && node->text[i + 1] == '{') {
        r += '<';
        ++i;
      } else if (node->text[i] == '}') {
        r += '>';
      } else {
        r += node->text[i];
      }
    }
    return r;
  }
  std::string_view fn = node->intrinsic_name();
  if (!fn.empty()) {
    const CfnNode& arg = node->intrinsic_arg();
    if (fn == "Fn::Join" && arg.is_array() && arg.items.size() == 2) {
      if (!arg.items[1].is_array()) throw UnknownValue{"Fn::Join of a non-list"};
      std::string delim = cfn::scalar_to_string(arg.items[0]), out;
      for (size_t i = 0; i < arg.items[1].items.size(); ++i) {
        if (i) out += delim;
        out += flatten(&arg.items[1].items[i]);
      }
      return out;
    }
    if (fn == "Fn::Sub" && !arg.is_array()) return flatten(&arg);
    if (fn == "Fn::GetAtt" && arg.is_array() && arg.items.size() >= 2) {
      return "<" + flatten(&arg.items[0]) + "." + flatten(&arg.items[1]) + ">";
    }
    if (fn == "Fn::ImportValue") return flatten(&arg);
    if (fn == "Ref") return "<" + flatten(&arg) + ">";
  }
  if (node->is_number()) return format_number(node->number);
  return cfn::to_compact_json(*node);
}

bool contains_token(std::string_view text, std::string_view needle, bool dash_is_word) {
  if (needle.empty()) return false;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string_view::npos) {
    size_t after = pos + needle.size();
    if (after >= text.size()) return true;
    unsigned char c = static_cast<unsigned char>(text[after]);
    bool word = std::isalnum(c) || c == '_' || (dash_is_word && c == '-');
    if (!word) return true;
    ++pos;
  }
  return false;
}

// --- registry --------------------------------------------------------------------

const std::vector<RuleDef>& all_rules() {
  static const std::vector<RuleDef> rules = [] {
    std::vector<RuleDef> r;
    add_s3_rules(r);
    add_iam_rules(r);
    add_ec2_rules(r);
    add_rds_rules(r);
    add_messaging_rules(r);
    add_compute_rules(r);
    add_apigw_rules(r);
    add_cloudfront_elb_rules(r);
    add_data_rules(r);
    add_other_rules(r);
    return r;
  }();
  return rules;
}

}  // namespace sluice::scan::aws

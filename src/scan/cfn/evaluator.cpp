#include "scan/cfn/evaluator.h"

#include "core/json.h"
#include "core/value.h"

namespace sluice::scan::cfn {
namespace {

// Intrinsics nest shallowly in real templates; the bound turns condition cycles
// (A uses B uses A) into "unknown" instead of a stack overflow.
constexpr int kMaxEvalDepth = 64;

bool is_scalar_known(const EvalResult& r) {
  return r.known() && r.value.is_scalar();
}

std::vector<std::string> split(std::string_view text, std::string_view delim) {
  std::vector<std::string> out;
  if (delim.empty()) {
    out.emplace_back(text);
    return out;
  }
  size_t start = 0;
  while (true) {
    size_t pos = text.find(delim, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      return out;
    }
    out.emplace_back(text.substr(start, pos - start));
    start = pos + delim.size();
  }
}

CfnNode string_list(const std::vector<std::string>& parts) {
  CfnNode list = CfnNode::make_array();
  for (const auto& p : parts) list.items.push_back(CfnNode::make_string(p));
  return list;
}

bool scalars_equal(const CfnNode& a, const CfnNode& b) {
  // CloudFormation compares Fn::Equals operands as strings.
  return scalar_to_string(a) == scalar_to_string(b);
}

}  // namespace

Result<ParameterValues> load_parameter_file(const std::string& path) {
  std::string text;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Error{"cannot read parameters file", SourcePos{path, 0, 0}};
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (1u << 24))
      text.append(buf, n);
    std::fclose(f);
  }
  auto parsed = parse_json(text);
  if (!parsed) {
    Error e = parsed.error();
    e.pos.file = path;
    e.message = "parameters file: " + e.message;
    return e;
  }
  ParameterValues values;
  auto to_text = [](const Value& v) {
    if (!v.is_array()) return v.to_string();
    std::string joined;
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      if (i) joined += ',';
      joined += v.as_array()[i].to_string();
    }
    return joined;
  };
  if (parsed->is_object()) {
    for (const auto& [k, v] : parsed->as_object()) values[k] = to_text(v);
  } else if (parsed->is_array()) {
    for (const Value& item : parsed->as_array()) {
      const Value* key = item.find("ParameterKey");
      const Value* val = item.find("ParameterValue");
      if (!key || !val || !key->is_string()) {
        return Error{"parameters file: list entries need ParameterKey and ParameterValue",
                     SourcePos{path, 0, 0}};
      }
      values[key->as_string()] = to_text(*val);
    }
  } else {
    return Error{"parameters file must be a JSON object {\"Name\": \"value\"}",
                 SourcePos{path, 1, 1}};
  }
  return values;
}

Evaluator::Evaluator(const Template& tmpl, const ParameterValues& values)
    : tmpl_(tmpl), values_(values) {}

EvalResult Evaluator::eval(const CfnNode* node) const {
  return eval_at(node, 0);
}

EvalResult Evaluator::eval_at(const CfnNode* node, int depth) const {
  if (!node) return EvalResult::make_absent();
  if (depth > kMaxEvalDepth)
    return EvalResult::make_unknown("intrinsic functions nested too deeply");
  if (node->is_intrinsic()) return eval_intrinsic(*node, depth);
  if (node->is_array()) {
    CfnNode out = CfnNode::make_array();
    out.line = node->line;
    out.column = node->column;
    for (const CfnNode& item : node->items) {
      EvalResult r = eval_at(&item, depth + 1);
      if (r.unknown()) return r;
      if (r.known()) out.items.push_back(std::move(r.value));
    }
    return EvalResult::make_known(std::move(out));
  }
  return EvalResult::make_known(*node);
}

EvalResult Evaluator::ref(std::string_view name) const {
  if (name == "AWS::NoValue") return EvalResult::make_absent();
  if (auto it = values_.find(name); it != values_.end()) {
    const CfnNode* decl = tmpl_.root->path("Parameters");
    decl = decl ? decl->get(name) : nullptr;
    const CfnNode* type = decl ? decl->get("Type") : nullptr;
    if (type && type->is_string() &&
        (type->text.starts_with("List<") || type->text == "CommaDelimitedList")) {
      return EvalResult::make_known(string_list(split(it->second, ",")));
    }
    return EvalResult::make_known(CfnNode::make_string(it->second));
  }
  if (name.starts_with("AWS::")) {
    // The partition and URL suffix are the commercial ones unless --parameters says
    // otherwise; account, region and stack identity stay unknown.
    if (name == "AWS::Partition") return EvalResult::make_known(CfnNode::make_string("aws"));
    if (name == "AWS::URLSuffix")
      return EvalResult::make_known(CfnNode::make_string("amazonaws.com"));
    return EvalResult::make_unknown("pseudo parameter " + std::string(name) +
                                    " is only known at deploy time");
  }
  const CfnNode* params = tmpl_.root->get("Parameters");
  const CfnNode* decl = params ? params->get(name) : nullptr;
  if (decl) {
    const CfnNode* def = decl->get("Default");
    if (!def)
      return EvalResult::make_unknown("parameter " + std::string(name) +
                                      " has no default and no value");
    const CfnNode* type = decl->get("Type");
    if (type && type->is_string() && def->is_string() &&
        (type->text.starts_with("List<") || type->text == "CommaDelimitedList")) {
      return EvalResult::make_known(string_list(split(def->text, ",")));
    }
    return EvalResult::make_known(*def);
  }
  if (tmpl_.find(name)) return EvalResult::make_unknown("Ref to resource " + std::string(name));
  return EvalResult::make_unknown("Ref to undeclared name " + std::string(name));
}

EvalResult Evaluator::sub(const CfnNode& arg, int depth) const {
  const CfnNode* text = &arg;
  const CfnNode* vars = nullptr;
  if (arg.is_array()) {
    if (arg.items.empty()) return EvalResult::make_unknown("Fn::Sub without a string");
    text = &arg.items[0];
    if (arg.items.size() > 1) vars = &arg.items[1];
  }
  if (!text->is_string()) return EvalResult::make_unknown("Fn::Sub of a non-string");
  const std::string& s = text->text;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find("${", i);
    if (open == std::string::npos) {
      out.append(s, i);
      break;
    }
    out.append(s, i, open - i);
    size_t close = s.find('}', open);
    if (close == std::string::npos) {
      out.append(s, open);
      break;
    }
    std::string name = s.substr(open + 2, close - open - 2);
    i = close + 1;
    if (name.starts_with('!')) {  // ${!Literal} writes ${Literal}
      out += "${" + name.substr(1) + "}";
      continue;
    }
    EvalResult v;
    const CfnNode* var = vars ? vars->get(name) : nullptr;
    if (var) {
      v = eval_at(var, depth + 1);
    } else if (name.find('.') != std::string::npos && !name.starts_with("AWS::")) {
      return EvalResult::make_unknown("Fn::Sub uses attribute ${" + name + "}");
    } else {
      v = ref(name);
    }
    if (!is_scalar_known(v))
      return v.unknown() ? v : EvalResult::make_unknown("Fn::Sub variable " + name);
    out += scalar_to_string(v.value);
  }
  CfnNode r = CfnNode::make_string(out, arg.line, arg.column);
  return EvalResult::make_known(std::move(r));
}

EvalResult Evaluator::eval_intrinsic(const CfnNode& node, int depth) const {
  std::string_view fn = node.intrinsic_name();
  const CfnNode& arg = node.intrinsic_arg();
  auto positioned = [&](CfnNode v) {
    if (v.line == 0) {
      v.line = node.line;
      v.column = node.column;
    }
    return EvalResult::make_known(std::move(v));
  };
  if (fn == "Ref") {
    if (!arg.is_string()) return EvalResult::make_unknown("Ref of a non-string");
    EvalResult r = ref(arg.text);
    return r.known() ? positioned(std::move(r.value)) : r;
  }
  if (fn == "Fn::Sub") return sub(arg, depth);
  if (fn == "Fn::Join") {
    if (!arg.is_array() || arg.items.size() != 2 || !arg.items[0].is_string()) {
      return EvalResult::make_unknown("malformed Fn::Join");
    }
    EvalResult list = eval_at(&arg.items[1], depth + 1);
    if (!list.known() || !list.value.is_array())
      return EvalResult::make_unknown("Fn::Join of an unknown list");
    std::string out;
    for (size_t i = 0; i < list.value.items.size(); ++i) {
      const CfnNode& item = list.value.items[i];
      if (!item.is_scalar()) return EvalResult::make_unknown("Fn::Join of a non-scalar element");
      if (i) out += arg.items[0].text;
      out += scalar_to_string(item);
    }
    return positioned(CfnNode::make_string(out));
  }
  if (fn == "Fn::Select") {
    if (!arg.is_array() || arg.items.size() != 2)
      return EvalResult::make_unknown("malformed Fn::Select");
    EvalResult index = eval_at(&arg.items[0], depth + 1);
    EvalResult list = eval_at(&arg.items[1], depth + 1);
    if (!is_scalar_known(index) || !list.known() || !list.value.is_array()) {
      return EvalResult::make_unknown("Fn::Select of unknown values");
    }
    double i = index.value.is_number() ? index.value.number
                                       : std::atof(scalar_to_string(index.value).c_str());
    if (i < 0 || i >= static_cast<double>(list.value.items.size())) {
      return EvalResult::make_unknown("Fn::Select index out of range");
    }
    return positioned(list.value.items[static_cast<size_t>(i)]);
  }
  if (fn == "Fn::Split") {
    if (!arg.is_array() || arg.items.size() != 2 || !arg.items[0].is_string()) {
      return EvalResult::make_unknown("malformed Fn::Split");
    }
    EvalResult s = eval_at(&arg.items[1], depth + 1);
    if (!is_scalar_known(s)) return EvalResult::make_unknown("Fn::Split of an unknown string");
    return positioned(string_list(split(scalar_to_string(s.value), arg.items[0].text)));
  }
  if (fn == "Fn::FindInMap") {
    if (!arg.is_array() || arg.items.size() < 3)
      return EvalResult::make_unknown("malformed Fn::FindInMap");
    std::string keys[3];
    for (int k = 0; k < 3; ++k) {
      EvalResult r = eval_at(&arg.items[k], depth + 1);
      if (!is_scalar_known(r)) return EvalResult::make_unknown("Fn::FindInMap with an unknown key");
      keys[k] = scalar_to_string(r.value);
    }
    const CfnNode* m = tmpl_.root->get("Mappings");
    m = m ? m->get(keys[0]) : nullptr;
    m = m ? m->get(keys[1]) : nullptr;
    m = m ? m->get(keys[2]) : nullptr;
    if (!m) return EvalResult::make_unknown("Fn::FindInMap entry not found");
    return eval_at(m, depth + 1);
  }
  if (fn == "Fn::If") {
    if (!arg.is_array() || arg.items.size() != 3 || !arg.items[0].is_string()) {
      return EvalResult::make_unknown("malformed Fn::If");
    }
    std::optional<bool> c = named_condition(arg.items[0].text, depth + 1);
    if (!c) return EvalResult::make_unknown("condition " + arg.items[0].text + " is undecidable");
    return eval_at(&arg.items[*c ? 1 : 2], depth + 1);
  }
  if (fn == "Fn::Equals" || fn == "Fn::And" || fn == "Fn::Or" || fn == "Fn::Not" ||
      fn == "Condition") {
    std::optional<bool> c = condition_at(node, depth);
    if (!c) return EvalResult::make_unknown("undecidable condition");
    return positioned(CfnNode::make_bool(*c));
  }
  if (fn == "Fn::Base64") {
    EvalResult s = eval_at(&arg, depth + 1);
    if (!is_scalar_known(s)) return EvalResult::make_unknown("Fn::Base64 of an unknown string");
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string in = scalar_to_string(s.value), out;
    for (size_t i = 0; i < in.size(); i += 3) {
      unsigned v = static_cast<unsigned char>(in[i]) << 16;
      if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
      if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
      out += kAlphabet[(v >> 18) & 63];
      out += kAlphabet[(v >> 12) & 63];
      out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
      out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    }
    return positioned(CfnNode::make_string(out));
  }
  return EvalResult::make_unknown(std::string(fn) + " is only known at deploy time");
}

std::optional<bool> Evaluator::condition(std::string_view name) const {
  return named_condition(name, 0);
}

std::optional<bool> Evaluator::named_condition(std::string_view name, int depth) const {
  if (depth > kMaxEvalDepth) return std::nullopt;
  const CfnNode* conditions = tmpl_.root->get("Conditions");
  const CfnNode* c = conditions ? conditions->get(name) : nullptr;
  if (!c) return std::nullopt;
  return condition_at(*c, depth + 1);
}

std::optional<bool> Evaluator::condition_at(const CfnNode& node, int depth) const {
  if (depth > kMaxEvalDepth) return std::nullopt;
  std::string_view fn = node.intrinsic_name();
  if (fn.empty()) {
    if (node.is_bool()) return node.boolean;
    return std::nullopt;
  }
  const CfnNode& arg = node.intrinsic_arg();
  if (fn == "Condition") {
    if (!arg.is_string()) return std::nullopt;
    return named_condition(arg.text, depth + 1);
  }
  if (fn == "Fn::Equals") {
    if (!arg.is_array() || arg.items.size() != 2) return std::nullopt;
    EvalResult a = eval_at(&arg.items[0], depth + 1);
    EvalResult b = eval_at(&arg.items[1], depth + 1);
    if (!is_scalar_known(a) || !is_scalar_known(b)) return std::nullopt;
    return scalars_equal(a.value, b.value);
  }
  if (fn == "Fn::Not") {
    const CfnNode* inner = arg.is_array() && arg.items.size() == 1 ? &arg.items[0] : nullptr;
    if (!inner) return std::nullopt;
    auto v = condition_at(*inner, depth + 1);
    if (!v) return std::nullopt;
    return !*v;
  }
  if (fn == "Fn::And" || fn == "Fn::Or") {
    if (!arg.is_array()) return std::nullopt;
    bool is_and = fn == "Fn::And";
    bool undecided = false;
    for (const CfnNode& item : arg.items) {
      auto v = condition_at(item, depth + 1);
      if (!v) {
        undecided = true;
      } else if (*v != is_and) {
        return !is_and;  // a false in And, a true in Or decides regardless of the rest
      }
    }
    if (undecided) return std::nullopt;
    return is_and;
  }
  return std::nullopt;
}

}  // namespace sluice::scan::cfn

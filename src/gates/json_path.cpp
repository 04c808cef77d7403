#include "gates/json_path.h"

#include <cctype>

#include "gates/gate_json.h"

namespace sluice::gates {
namespace {

using nlohmann::json;

Error bad(std::string_view text, const std::string& why) {
  return Error{"invalid condition '" + std::string(text) + "': " + why +
                   " (write PATH OP LITERAL, e.g. $.status.indicator == \"none\")",
               {}};
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

void select(const json& node, const std::vector<PathStep>& path, size_t at,
            std::vector<const json*>& out) {
  if (out.size() >= 10'000) return;
  if (at == path.size()) {
    out.push_back(&node);
    return;
  }
  const PathStep& step = path[at];
  switch (step.kind) {
    case PathStep::Kind::kMember:
      if (node.is_object()) {
        auto it = node.find(step.member);
        if (it != node.end()) select(*it, path, at + 1, out);
      }
      break;
    case PathStep::Kind::kIndex:
      if (node.is_array() && step.index < node.size()) select(node[step.index], path, at + 1, out);
      break;
    case PathStep::Kind::kAll:
      if (node.is_array() || node.is_object())
        for (const auto& child : node) select(child, path, at + 1, out);
      break;
  }
}

bool compare(const json& value, const std::string& op, const json& literal) {
  if (op == "==") return value == literal;
  if (op == "!=") return value != literal;
  if (!value.is_number() || !literal.is_number()) return false;
  double a = value.get<double>(), b = literal.get<double>();
  return op == "<" ? a < b : a > b;
}

}  // namespace

Result<Condition> parse_condition(std::string_view text) {
  Condition c;
  c.text = std::string(text);
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip_space();
  if (i >= text.size() || text[i] != '$') return bad(text, "the path must start with '$'");
  ++i;
  while (i < text.size() && (text[i] == '.' || text[i] == '[')) {
    if (c.path.size() >= 32) return bad(text, "the path has more than 32 steps");
    PathStep step;
    if (text[i] == '.') {
      size_t start = ++i;
      while (i < text.size() && name_char(text[i])) ++i;
      if (i == start) return bad(text, "a '.' must be followed by a member name");
      step.member = std::string(text.substr(start, i - start));
    } else {
      ++i;
      if (i < text.size() && text[i] == '*') {
        step.kind = PathStep::Kind::kAll;
        ++i;
      } else if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
        char quote = text[i++];
        size_t end = text.find(quote, i);
        if (end == std::string_view::npos) return bad(text, "unterminated member name");
        step.member = std::string(text.substr(i, end - i));
        i = end + 1;
      } else {
        size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i == start || i - start > 9) return bad(text, "expected [N], [*] or [\"name\"]");
        step.kind = PathStep::Kind::kIndex;
        step.index = std::stoul(std::string(text.substr(start, i - start)));
      }
      if (i >= text.size() || text[i] != ']') return bad(text, "missing ']'");
      ++i;
    }
    c.path.push_back(std::move(step));
  }
  skip_space();
  for (const char* op : {"==", "!=", "<", ">"}) {
    if (text.substr(i, std::string_view(op).size()) == op) {
      c.op = op;
      i += c.op.size();
      break;
    }
  }
  if (c.op.empty()) return bad(text, "expected ==, !=, < or > after the path");
  skip_space();
  std::string literal(text.substr(i));
  while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back())))
    literal.pop_back();
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'')
    literal = json(literal.substr(1, literal.size() - 2)).dump();
  auto parsed = parse_response(literal, "condition literal");
  if (!parsed.ok() || parsed->is_object() || parsed->is_array())
    return bad(text, "the right side must be a number, a quoted string, true, false or null");
  c.literal = parsed->dump();
  return c;
}

Result<ConditionResult> evaluate_condition(const Condition& condition, std::string_view document) {
  auto doc = parse_response(document, "http");
  if (!doc.ok()) return doc.error();
  json literal = json::parse(condition.literal);
  std::vector<const json*> selected;
  select(*doc, condition.path, 0, selected);
  ConditionResult r;
  r.holds = !selected.empty();
  for (const json* v : selected) {
    if (!compare(*v, condition.op, literal)) r.holds = false;
    if (r.values.size() < 10) {
      std::string s = v->dump();
      if (s.size() > 200) s = s.substr(0, 200) + "...";
      r.values.push_back(s);
    }
  }
  return r;
}

}  // namespace sluice::gates

#include "scan/cfn/node.h"

#include "core/encodings.h"
#include "core/value.h"

namespace sluice::scan::cfn {

const CfnNode* CfnNode::get(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

const CfnNode* CfnNode::path(std::string_view dotted) const {
  const CfnNode* node = this;
  while (node && !dotted.empty()) {
    size_t dot = dotted.find('.');
    node = node->get(dotted.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return node;
}

bool CfnNode::is_intrinsic() const {
  return !intrinsic_name().empty();
}

std::string_view CfnNode::intrinsic_name() const {
  if (kind != Kind::kObject || keys.size() != 1) return {};
  std::string_view k = keys.front();
  if (k == "Ref" || k == "Condition" || k.starts_with("Fn::")) return k;
  return {};
}

CfnNode CfnNode::make_string(std::string s, int line, int column) {
  CfnNode n;
  n.kind = Kind::kString;
  n.text = std::move(s);
  n.line = line;
  n.column = column;
  return n;
}

CfnNode CfnNode::make_number(double v) {
  CfnNode n;
  n.kind = Kind::kNumber;
  n.number = v;
  n.text = format_number(v);
  return n;
}

CfnNode CfnNode::make_bool(bool b) {
  CfnNode n;
  n.kind = Kind::kBool;
  n.boolean = b;
  return n;
}

CfnNode CfnNode::make_array(std::vector<CfnNode> elements) {
  CfnNode n;
  n.kind = Kind::kArray;
  n.items = std::move(elements);
  return n;
}

CfnNode CfnNode::make_object() {
  CfnNode n;
  n.kind = Kind::kObject;
  return n;
}

CfnNode& CfnNode::add(std::string key, CfnNode value) {
  keys.push_back(std::move(key));
  items.push_back(std::move(value));
  return items.back();
}

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  out += json_string_escape(s);
  out += '"';
}

void write_json(std::string& out, const CfnNode& n) {
  switch (n.kind) {
    case CfnNode::Kind::kNull:
      out += "null";
      break;
    case CfnNode::Kind::kBool:
      out += n.boolean ? "true" : "false";
      break;
    case CfnNode::Kind::kNumber:
      out += format_number(n.number);
      break;
    case CfnNode::Kind::kString:
      append_json_string(out, n.text);
      break;
    case CfnNode::Kind::kArray:
      out += '[';
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ',';
        write_json(out, n.items[i]);
      }
      out += ']';
      break;
    case CfnNode::Kind::kObject:
      out += '{';
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, n.keys[i]);
        out += ':';
        write_json(out, n.items[i]);
      }
      out += '}';
      break;
  }
}

}  // namespace

std::string to_compact_json(const CfnNode& node) {
  std::string out;
  write_json(out, node);
  return out;
}

std::string scalar_to_string(const CfnNode& node) {
  switch (node.kind) {
    case CfnNode::Kind::kNull:
      return "";
    case CfnNode::Kind::kBool:
      return node.boolean ? "true" : "false";
    case CfnNode::Kind::kNumber:
      return format_number(node.number);
    case CfnNode::Kind::kString:
      return node.text;
    default:
      return to_compact_json(node);
  }
}

}  // namespace sluice::scan::cfn

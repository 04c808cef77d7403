// Template loading: text -> CfnNode via yaml-cpp (which also reads JSON and gives every
// node a position), with the limits that keep hostile input harmless.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/yaml_document.h"
#include "core/yaml_scalar.h"
#include "scan/cfn/json_reader.h"
#include "scan/cfn/template.h"

namespace sluice::scan::cfn {
namespace {

// Raised inside the converter only; turned into an Error before leaving this file.
struct LoadFailure {
  std::string message;
  int line = 0;
  int column = 0;
};

class Converter {
 public:
  // Bounded by check_yaml_bounds, which the document passed before conversion: depth and
  // node count (aliases included) are within LoadLimits.
  CfnNode convert(const YAML::Node& y, int depth) {
    CfnNode n = convert_untagged(y, depth);
    const std::string& tag = y.Tag();
    if (!tag.empty() && tag[0] == '!' && tag.size() > 1)
      return expand_tag(tag.substr(1), std::move(n), y);
    return n;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& y, std::string message) {
    YAML::Mark m = y.Mark();
    throw LoadFailure{std::move(message), m.line + 1, m.column + 1};
  }

  CfnNode convert_untagged(const YAML::Node& y, int depth) {
    CfnNode n;
    YAML::Mark m = y.Mark();
    n.line = m.line + 1;
    n.column = m.column + 1;
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        n.kind = CfnNode::Kind::kNull;
        break;
      case YAML::NodeType::Scalar:
        scalar(y, n);
        break;
      case YAML::NodeType::Sequence:
        n.kind = CfnNode::Kind::kArray;
        n.items.reserve(y.size());
        for (const auto& item : y) n.items.push_back(convert(item, depth + 1));
        break;
      case YAML::NodeType::Map:
        n.kind = CfnNode::Kind::kObject;
        for (const auto& kv : y) {
          if (!kv.first.IsScalar()) fail(kv.first, "mapping keys must be plain strings");
          n.keys.push_back(kv.first.Scalar());
          n.items.push_back(convert(kv.second, depth + 1));
          // Collections point at their key: "resource X is at line N" means the line of
          // the logical ID, not of its first property.
          CfnNode& value = n.items.back();
          if (!value.is_scalar() || value.line == 0) {
            YAML::Mark km = kv.first.Mark();
            value.line = km.line + 1;
            value.column = km.column + 1;
          }
        }
        break;
    }
    return n;
  }

  void scalar(const YAML::Node& y, CfnNode& n) {
    const std::string& s = y.Scalar();
    // Tag "!" marks a quoted scalar (always a string); "?" a plain one, typed by content.
    if (y.Tag() == "?") {
      if (is_yaml_null(s)) {
        n.kind = CfnNode::Kind::kNull;
        return;
      }
      if (auto b = parse_yaml_bool(s)) {
        n.kind = CfnNode::Kind::kBool;
        n.boolean = *b;
        return;
      }
      // `.inf` and `.nan` stay strings: CloudFormation values are JSON, which has neither.
      if (auto v = parse_yaml_number(s); v && std::isfinite(*v)) {
        n.kind = CfnNode::Kind::kNumber;
        n.number = *v;
        n.text = s;
        return;
      }
    }
    n.kind = CfnNode::Kind::kString;
    n.text = s;
  }

  // Short-form intrinsic tags become the long form CloudFormation itself uses.
  CfnNode expand_tag(const std::string& name, CfnNode arg, const YAML::Node& y) {
    static const char* kFunctions[] = {"GetAtt",    "Sub",       "Join",        "If",     "Select",
                                       "Split",     "FindInMap", "ImportValue", "Equals", "And",
                                       "Or",        "Not",       "Base64",      "Cidr",   "GetAZs",
                                       "Transform", "Length",    "ToJsonString"};
    std::string key;
    if (name == "Ref" || name == "Condition") {
      key = name;
    } else {
      for (const char* f : kFunctions) {
        if (name == f) key = std::string("Fn::") + f;
      }
    }
    if (key.empty())
      fail(y, "unknown YAML tag !" + name + " (expected a CloudFormation intrinsic)");
    if (key == "Fn::GetAtt" && arg.is_string()) {
      // `!GetAtt Res.Attr.Sub` means ["Res", "Attr.Sub"].
      size_t dot = arg.text.find('.');
      if (dot == std::string::npos) fail(y, "!GetAtt needs Resource.Attribute");
      CfnNode list = CfnNode::make_array();
      list.items.push_back(CfnNode::make_string(arg.text.substr(0, dot), arg.line, arg.column));
      list.items.push_back(CfnNode::make_string(arg.text.substr(dot + 1), arg.line, arg.column));
      list.line = arg.line;
      list.column = arg.column;
      arg = std::move(list);
    }
    if (arg.is_null() && key == "Fn::GetAZs") arg = CfnNode::make_string("", arg.line, arg.column);
    CfnNode obj = CfnNode::make_object();
    obj.line = arg.line;
    obj.column = arg.column;
    obj.add(key, std::move(arg));
    return obj;
  }
};

}  // namespace

Result<CfnNode> parse_document(std::string_view text, const std::string& file,
                               const LoadLimits& limits) {
  if (static_cast<long long>(text.size()) > limits.max_bytes) {
    return Error{"file is larger than the " + std::to_string(limits.max_bytes / (1024 * 1024)) +
                     " MB template limit",
                 SourcePos{file, 0, 0}};
  }
  if (auto bad = check_yaml_text(text, file, "templates")) return Error{bad->message, bad->pos};
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t first = text.find_first_not_of(" \t\r\n");
  bool json_like = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
  std::optional<Error> json_error;
  if (json_like) {
    // Strict JSON first (fast, exact positions); a flow-style YAML document that is not
    // strict JSON falls through to yaml-cpp, but a JSON error is the one reported.
    auto json = read_json(text, file, limits);
    if (json.ok()) return json;
    json_error = json.error();
    if (json_error->message.find("nesting") != std::string::npos ||
        json_error->message.find("too many") != std::string::npos) {
      return *json_error;
    }
  }
  std::string buffer(text);
  if (json_like) {
    // JSON allows tabs as whitespace where YAML's flow style trips on them; raw tabs
    // cannot appear inside JSON strings, so replacing them all is safe.
    for (char& c : buffer) {
      if (c == '\t') c = ' ';
    }
  }
  const YamlBounds bounds{limits.max_depth, limits.max_nodes};
  YAML::Node doc;
  std::optional<Diagnostic> bad = parse_yaml(buffer, file, bounds, doc);
  if (!bad) bad = check_yaml_bounds(doc, buffer.size(), file, bounds);
  if (bad) return json_error ? *json_error : Error{bad->message, bad->pos};
  try {
    return Converter().convert(doc, 0);
  } catch (const LoadFailure& f) {
    if (json_error) return *json_error;
    return Error{f.message, SourcePos{file, f.line, f.column}};
  } catch (const std::exception& e) {
    if (json_error) return *json_error;
    return Error{std::string("cannot parse template: ") + e.what(), SourcePos{file, 0, 0}};
  }
}

bool looks_like_cloudformation(const CfnNode& root) {
  const CfnNode* resources = root.get("Resources");
  if (!resources || !resources->is_object()) return false;
  for (const CfnNode& r : resources->items) {
    const CfnNode* type = r.get("Type");
    if (type && type->is_string() && type->text.starts_with("AWS::")) return true;
  }
  return false;
}

const Resource* Template::find(std::string_view logical_id) const {
  auto it = index.find(std::string(logical_id));
  return it == index.end() ? nullptr : &resources[it->second];
}

std::vector<const Resource*> Template::of_type(std::string_view type) const {
  std::vector<const Resource*> out;
  auto it = by_type.find(std::string(type));
  if (it == by_type.end()) return out;
  out.reserve(it->second.size());
  for (size_t i : it->second) out.push_back(&resources[i]);
  return out;
}

Result<Template> build_template(std::shared_ptr<const CfnNode> root, std::string file,
                                Diagnostics& diagnostics) {
  Template t;
  t.file = std::move(file);
  t.root = std::move(root);
  const CfnNode* resources = t.root->get("Resources");
  if (!resources || !resources->is_object()) {
    return Error{"template has no Resources mapping", SourcePos{t.file, 1, 1}};
  }
  LoadLimits limits;
  if (resources->items.size() > limits.max_resources) {
    return Error{"template has " + std::to_string(resources->items.size()) +
                     " resources; the limit is " + std::to_string(limits.max_resources),
                 SourcePos{t.file, resources->line, resources->column}};
  }
  t.resources.reserve(resources->items.size());
  for (size_t i = 0; i < resources->items.size(); ++i) {
    const CfnNode& node = resources->items[i];
    const std::string& id = resources->keys[i];
    SourcePos pos{t.file, node.line, node.column};
    const CfnNode* type = node.get("Type");
    if (!node.is_object() || !type || !type->is_string()) {
      diagnostics.warning(pos, "resource " + id + " has no Type string; skipped",
                          "give every resource a `Type: AWS::Service::Resource`");
      continue;
    }
    Resource r;
    r.logical_id = id;
    r.type = type->text;
    r.node = &node;
    r.properties = node.get("Properties");
    if (r.properties && !r.properties->is_object()) r.properties = nullptr;
    r.metadata = node.get("Metadata");
    if (r.metadata) {
      const CfnNode* path = r.metadata->get("aws:cdk:path");
      if (path && path->is_string()) {
        r.cdk_path = path->text;
        if (r.cdk_path.starts_with('/')) r.cdk_path.erase(0, 1);
      }
    }
    r.line = node.line;
    r.column = node.column;
    t.index.emplace(id, t.resources.size());
    t.by_type[r.type].push_back(t.resources.size());
    t.resources.push_back(std::move(r));
  }
  return t;
}

Result<Template> load_template_file(const std::string& path, const std::string& display_name,
                                    Diagnostics& diagnostics, bool& is_template,
                                    const LoadLimits& limits) {
  is_template = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read file", SourcePos{display_name, 0, 0}};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size > limits.max_bytes) {
    return Error{"file is larger than the " + std::to_string(limits.max_bytes / (1024 * 1024)) +
                     " MB template limit",
                 SourcePos{display_name, 0, 0}};
  }
  in.seekg(0);
  std::string text(static_cast<size_t>(size < 0 ? 0 : size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  auto parsed = parse_document(text, display_name, limits);
  if (!parsed) return parsed.error();
  if (!looks_like_cloudformation(*parsed)) return Template{};
  is_template = true;
  auto root = std::make_shared<const CfnNode>(std::move(*parsed));
  auto t = build_template(std::move(root), display_name, diagnostics);
  if (t) t->bytes = static_cast<long long>(text.size());
  return t;
}

}  // namespace sluice::scan::cfn

#include "spec/yaml_reader.h"

#include <cmath>
#include <set>

#include "core/yaml_document.h"
#include "core/yaml_scalar.h"
#include "spec/suggest.h"
#include "spec/workflow_loader.h"

namespace sluice::spec::detail {

namespace {

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

bool has_expression(std::string_view text) {
  return text.find("${{") != std::string_view::npos;
}

std::optional<double> parse_duration_seconds(std::string_view text) {
  double scale = 1;
  std::string_view number = text;
  auto strip = [&](std::string_view suffix, double s) {
    if (number.size() > suffix.size() && number.ends_with(suffix)) {
      number.remove_suffix(suffix.size());
      scale = s;
      return true;
    }
    return false;
  };
  strip("ms", 0.001) || strip("s", 1) || strip("m", 60) || strip("h", 3600);
  auto n = parse_yaml_number(number);
  if (!n || !std::isfinite(*n) || *n < 0 || number.starts_with('+')) return std::nullopt;
  return *n * scale;
}

YamlReader::YamlReader(std::string file, std::string_view source, Diagnostics& diagnostics)
    : file_(std::move(file)), source_(source), diagnostics_(diagnostics) {}

std::optional<YAML::Node> YamlReader::parse() {
  const YamlBounds bounds{kMaxYamlDepth, kMaxYamlNodes};
  std::optional<Diagnostic> error = check_yaml_text(source_, file_, "workflow files");
  YAML::Node root;
  if (!error) error = parse_yaml(source_, file_, bounds, root);
  if (!error) error = check_yaml_bounds(root, source_.size(), file_, bounds);
  if (error) {
    diagnostics_.add(std::move(*error));
    return std::nullopt;
  }
  return root;
}

SourcePos YamlReader::pos(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return SourcePos{file_, 0, 0};
  return SourcePos{file_, m.line + 1, m.column + 1};
}

const char* YamlReader::kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a string";
    default:
      return "null";
  }
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what, std::string_view hint) {
  if (node.IsMap()) return true;
  diagnostics_.error(pos(node),
                     "expected a mapping for " + std::string(what) + ", got " + kind(node),
                     hint.empty() ? "write it as indented `key: value` lines" : std::string(hint));
  return false;
}

bool YamlReader::expect_seq(const YAML::Node& node, std::string_view what, std::string_view hint) {
  if (node.IsSequence()) return true;
  diagnostics_.error(pos(node),
                     "expected a sequence for " + std::string(what) + ", got " + kind(node),
                     hint.empty() ? "write it as `- item` lines or `[a, b]`" : std::string(hint));
  return false;
}

void YamlReader::fill_columns(const YAML::Node& node, Scalar& scalar) const {
  YAML::Mark m = node.Mark();
  if (m.pos < 0 || static_cast<size_t>(m.pos) >= source_.size()) return;
  std::string_view at = source_.substr(static_cast<size_t>(m.pos));
  const std::string& text = scalar.text;
  if (at[0] == '|') {
    // Literal block: content starts on the next line at the block's indentation.
    size_t nl = at.find('\n');
    while (nl != std::string_view::npos && nl + 1 < at.size()) {
      std::string_view rest = at.substr(nl + 1);
      size_t indent = rest.find_first_not_of(' ');
      if (indent == std::string_view::npos) return;
      if (rest[indent] != '\n') {
        scalar.block_indent = static_cast<int>(indent) + 1;
        return;
      }
      // A blank line before the first content line: not worth mapping.
      return;
    }
    return;
  }
  if (text.find('\n') != std::string::npos) return;
  if (at[0] == '"' || at[0] == '\'') {
    if (at.substr(1).starts_with(text) && at.size() > text.size() + 1 &&
        at[text.size() + 1] == at[0])
      scalar.text_column = m.column + 2;
    return;
  }
  if (at.starts_with(text)) scalar.text_column = m.column + 1;
}

std::optional<Scalar> YamlReader::scalar(const YAML::Node& node, std::string_view what) {
  if (node.IsNull()) return Scalar{"", pos(node)};
  if (!node.IsScalar()) {
    diagnostics_.error(
        pos(node), "expected a string for " + std::string(what) + ", got " + kind(node),
        "write a single value; quote it if it contains ': ' or starts with '{' or '['");
    return std::nullopt;
  }
  Scalar s{node.Scalar(), pos(node)};
  fill_columns(node, s);
  return s;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, std::string_view what) {
  auto s = scalar(node, what);
  if (!s) return std::nullopt;
  return s->text;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view what) {
  auto s = scalar(node, what);
  if (!s) return std::nullopt;
  auto b = parse_yaml_bool(s->text);
  if (!b) {
    diagnostics_.error(
        s->pos, "expected true or false for " + std::string(what) + ", got " + quote(s->text),
        "write true or false");
  }
  return b;
}

std::optional<Scalar> YamlReader::bool_or_expr(const YAML::Node& node, std::string_view what) {
  auto s = scalar(node, what);
  if (!s) return std::nullopt;
  if (parse_yaml_bool(s->text) || has_expression(s->text)) return s;
  diagnostics_.error(
      s->pos,
      "expected true, false or an expression for " + std::string(what) + ", got " + quote(s->text),
      "write true, false or ${{ <expression> }}");
  return std::nullopt;
}

std::optional<Scalar> YamlReader::number_or_expr(const YAML::Node& node, std::string_view what) {
  auto s = scalar(node, what);
  if (!s) return std::nullopt;
  auto n = parse_yaml_number(s->text);
  if ((n && std::isfinite(*n) && *n >= 0) || has_expression(s->text)) return s;
  diagnostics_.error(s->pos,
                     "expected a non-negative number or an expression for " + std::string(what) +
                         ", got " + quote(s->text),
                     "write a number such as 30, or ${{ <expression> }}");
  return std::nullopt;
}

ScalarMap YamlReader::scalar_map(const YAML::Node& node, std::string_view what) {
  ScalarMap out;
  if (node.IsNull()) return out;
  if (!expect_map(node, what)) return out;
  for (auto& e : entries(node, what, {})) {
    // GitHub also evaluates `${{ }}` keys here (and `${{ insert }}`); sluice evaluates them
    // only in `strategy.matrix`, and refuses them elsewhere rather than keep them as text.
    if (has_expression(e.key)) {
      diagnostics_.error(
          e.key_pos,
          "expression key '" + e.key + "' in " + std::string(what) + " is not supported by sluice",
          "write each key out; `${{ }}` keys and `${{ insert }}` work only in "
          "`strategy.matrix`");
      continue;
    }
    auto v = scalar(e.value, "'" + e.key + "' in " + std::string(what));
    if (v) out.emplace_back(e.key, std::move(*v));
  }
  return out;
}

std::vector<Scalar> YamlReader::string_or_list(const YAML::Node& node, std::string_view what) {
  std::vector<Scalar> out;
  if (node.IsSequence()) {
    for (const auto& item : node) {
      auto s = scalar(item, what);
      if (s) out.push_back(std::move(*s));
    }
  } else if (auto s = scalar(node, what)) {
    out.push_back(std::move(*s));
  }
  return out;
}

std::vector<YamlReader::Entry> YamlReader::entries(const YAML::Node& map, std::string_view where,
                                                   std::span<const std::string_view> known) {
  std::vector<Entry> out;
  if (!map.IsMap()) return out;
  std::set<std::string> seen;
  for (const auto& item : map) {
    const YAML::Node& key = item.first;
    if (!key.IsScalar()) {
      diagnostics_.error(pos(key),
                         "keys must be strings in " + std::string(where) + ", got " + kind(key),
                         "write `name: value`");
      continue;
    }
    std::string k = key.Scalar();
    if (!seen.insert(k).second) {
      diagnostics_.error(pos(key), "duplicate key " + quote(k) + " in " + std::string(where),
                         "remove one of them; YAML keeps only one value per key");
      continue;
    }
    if (!known.empty()) {
      bool ok = false;
      for (auto kn : known) ok = ok || kn == k;
      if (!ok) {
        std::string hint = did_you_mean(k, known);
        if (hint.empty()) {
          hint = "valid keys here:";
          for (auto kn : known) hint += " " + std::string(kn);
        }
        diagnostics_.error(pos(key), "unknown key " + quote(k) + " in " + std::string(where), hint);
        continue;
      }
    }
    out.push_back({std::move(k), pos(key), item.second});
  }
  return out;
}

Value YamlReader::to_value(const YAML::Node& node) {
  // Bounded by parse(): depth <= kMaxYamlDepth and at most kMaxYamlNodes visits.
  if (node.IsSequence()) {
    Value::Array items;
    for (const auto& item : node) items.push_back(to_value(item));
    return Value::array(std::move(items));
  }
  if (node.IsMap()) {
    Value v = Value::object();
    for (const auto& item : node)
      v.set(item.first.IsScalar() ? item.first.Scalar() : "", to_value(item.second));
    return v;
  }
  if (node.IsNull()) return Value();
  const std::string& s = node.Scalar();
  if (is_plain(node)) {
    if (auto b = parse_yaml_bool(s)) return Value(*b);
    if (auto n = parse_yaml_number(s)) return Value(*n);
  }
  return Value(s);
}

}  // namespace sluice::spec::detail

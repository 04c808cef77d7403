#include "deploy/yaml_fields.h"

#include "core/yaml_document.h"
#include "gates/gate_loop.h"
#include "spec/suggest.h"

namespace sluice::deploy {

namespace {
// The deploy action's documents are small: a tight bound keeps a hostile input cheap.
constexpr YamlBounds kBounds{32, 100'000};
}  // namespace

YamlFields::YamlFields(std::string file, std::string_view source, Diagnostics& diagnostics)
    : file_(std::move(file)), source_(source), diagnostics_(diagnostics) {}

std::optional<YAML::Node> YamlFields::parse() {
  std::optional<Diagnostic> problem = check_yaml_text(source_, file_, "deploy files");
  YAML::Node root;
  if (!problem) problem = parse_yaml(source_, file_, kBounds, root);
  if (!problem) problem = check_yaml_bounds(root, source_.size(), file_, kBounds);
  if (problem) {
    diagnostics_.add(std::move(*problem));
    return std::nullopt;
  }
  return root;
}

SourcePos YamlFields::pos(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return SourcePos{file_, 0, 0};
  return SourcePos{file_, m.line + 1, m.column + 1};
}

void YamlFields::error(const YAML::Node& node, std::string message, std::string hint) {
  diagnostics_.error(pos(node), std::move(message), std::move(hint));
}

std::optional<std::string> YamlFields::text(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) return node.Scalar();
  error(node, std::string(what) + " must be a single value",
        node.IsNull() ? "give it a value" : "write it as `" + std::string(what) + ": value`");
  return std::nullopt;
}

std::optional<int> YamlFields::integer(const YAML::Node& node, std::string_view what, int min,
                                       int max) {
  auto t = text(node, what);
  if (!t) return std::nullopt;
  bool digits =
      !t->empty() && t->size() <= 9 && t->find_first_not_of("0123456789") == std::string::npos;
  int value = digits ? std::stoi(*t) : -1;
  if (!digits || value < min || value > max) {
    error(node, std::string(what) + ": '" + *t + "' is not a whole number from " +
                    std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> YamlFields::duration(const YAML::Node& node,
                                                              std::string_view what) {
  auto t = text(node, what);
  if (!t) return std::nullopt;
  auto d = gates::parse_duration(*t);
  if (!d) {
    error(node, std::string(what) + ": " + d.error().message, "write e.g. 500ms, 10s, 5m or 1h");
    return std::nullopt;
  }
  return *d;
}

void YamlFields::unknown_key(const YAML::Node& key, std::string_view where,
                             std::span<const std::string_view> known) {
  std::string name = key.IsScalar() ? key.Scalar() : "?";
  std::string list;
  for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  error(key, "unknown key '" + name + "' in " + std::string(where),
        spec::did_you_mean(name, known, "known keys: " + list));
}

}  // namespace sluice::deploy

// YamlReader: the typed, position-keeping view of a yaml-cpp document that the workflow
// and action loaders share. Internal to spec/ (it exposes yaml-cpp, which stays out of
// widely included headers).
//
// Every accessor reports what is wrong (with file:line:col and a hint) and returns an
// empty value, so a loader keeps going and reports all problems of a file in one pass.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/value.h"
#include "spec/workflow.h"

namespace sluice::spec::detail {

// yaml-cpp expands aliases into shared nodes, so a "billion laughs" file is small in
// memory but huge to walk. Every walk is bounded by the node budget of core/yaml_document.h
// (proportional to the file's size), and never more than this many visited nodes.
constexpr size_t kMaxYamlNodes = 1'000'000;

class YamlReader {
 public:
  YamlReader(std::string file, std::string_view source, Diagnostics& diagnostics);

  // Parses the source. Reports text that is not UTF-8 YAML (NUL and control bytes, invalid
  // UTF-8), malformed YAML (with the parser's position), documents nested deeper than
  // kMaxYamlDepth and documents that expand past their node budget (aliases counted at
  // every use); returns nullopt in those cases.
  std::optional<YAML::Node> parse();

  SourcePos pos(const YAML::Node& node) const;
  Diagnostics& diagnostics() { return diagnostics_; }
  const std::string& file() const { return file_; }

  // "a mapping", "a sequence", "a string", "null".
  static const char* kind(const YAML::Node& node);

  // Type checks: report "expected a mapping for WHAT, got a sequence" and return false.
  bool expect_map(const YAML::Node& node, std::string_view what, std::string_view hint = "");
  bool expect_seq(const YAML::Node& node, std::string_view what, std::string_view hint = "");

  // A scalar kept as written (null reads as ""); reports mappings and sequences.
  std::optional<Scalar> scalar(const YAML::Node& node, std::string_view what);
  std::optional<std::string> string(const YAML::Node& node, std::string_view what);
  // `true`/`false`.
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  // A boolean or a `${{ }}` expression, kept as a Scalar.
  std::optional<Scalar> bool_or_expr(const YAML::Node& node, std::string_view what);
  // A number or a `${{ }}` expression, kept as a Scalar.
  std::optional<Scalar> number_or_expr(const YAML::Node& node, std::string_view what);
  // `KEY: scalar` mapping, in order.
  ScalarMap scalar_map(const YAML::Node& node, std::string_view what);
  // A string or a sequence of strings.
  std::vector<Scalar> string_or_list(const YAML::Node& node, std::string_view what);

  struct Entry {
    std::string key;
    SourcePos key_pos;
    YAML::Node value;
  };
  // The entries of a mapping, in order. Keys must be strings; a duplicate key is an error;
  // keys not in `known` are reported as "unknown key 'k' in WHERE" with a "did you mean"
  // hint and left out. An empty `known` accepts every key.
  std::vector<Entry> entries(const YAML::Node& map, std::string_view where,
                             std::span<const std::string_view> known);

  // A YAML value as a core Value: plain scalars that read as null/bool/number become
  // those; every other scalar stays a string (kept raw: it may hold `${{ }}`).
  Value to_value(const YAML::Node& node);

 private:
  void fill_columns(const YAML::Node& node, Scalar& scalar) const;

  std::string file_;
  std::string_view source_;
  Diagnostics& diagnostics_;
};

// True when `text` contains `${{`.
bool has_expression(std::string_view text);

// Parses "30", "2.5", "2s", "500ms", "1m", "1h" into seconds; nullopt when invalid.
std::optional<double> parse_duration_seconds(std::string_view text);

}  // namespace sluice::spec::detail

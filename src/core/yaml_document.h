// Reading YAML from untrusted files with bounded work, shared by the workflow loader
// (spec/) and the template scanner (scan/).
//
// yaml-cpp keeps an alias as a reference to its anchor, so a "billion laughs" file of a
// few hundred bytes is small in memory but expands to billions of nodes for anything that
// walks or copies it. Before a caller walks a document, check_yaml_bounds() walks it once
// without allocating, counting every node at every use of an alias, and stops at a budget
// proportional to the file's size: a file may expand to at most kYamlNodesPerByte nodes per
// byte it holds (with a floor for small files). A file without aliases has at most about
// one node per byte, so only alias expansion can reach the budget; and whatever the input,
// the caller's own walk is bounded by the same number.
//
// yaml-cpp stays out of this header (DESIGN.md): the functions take its types by reference.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostic.h"

namespace YAML {
class Node;
class Exception;
}  // namespace YAML

namespace sluice {

constexpr size_t kYamlNodesPerByte = 16;
constexpr size_t kMinYamlNodeBudget = 100'000;

struct YamlBounds {
  int max_depth = 64;            // nesting of mappings and sequences
  size_t max_nodes = 1'000'000;  // absolute cap, whatever the file's size
};

// The node budget of a `source_bytes`-byte file: kYamlNodesPerByte per byte, at least
// kMinYamlNodeBudget, at most `cap`.
size_t yaml_node_budget(size_t source_bytes, size_t cap);

// Rejects what is not YAML text before it reaches the parser, with the position of the
// first offending byte: NUL bytes (binary files), control characters other than tab, LF
// and CR (YAML 1.2 forbids them in a stream), and invalid UTF-8. `what` names the files in
// the message ("workflow files", "templates").
std::optional<Diagnostic> check_yaml_text(std::string_view source, const std::string& file,
                                          std::string_view what);

// Parses `source` into `root`. On failure returns the error: malformed YAML with the
// parser's position, and nesting deeper than yaml-cpp's own guard (500 levels, reported by
// yaml-cpp as just "bad file") as nested deeper than bounds.max_depth.
std::optional<Diagnostic> parse_yaml(std::string_view source, const std::string& file,
                                     const YamlBounds& bounds, YAML::Node& root);

// Walks `root` (aliases counted at every use) and returns the first bound crossed:
// nesting deeper than bounds.max_depth, or more nodes than
// yaml_node_budget(source_bytes, bounds.max_nodes).
std::optional<Diagnostic> check_yaml_bounds(const YAML::Node& root, size_t source_bytes,
                                            const std::string& file, const YamlBounds& bounds);

}  // namespace sluice

#include "core/yaml_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/text.h"

namespace sluice {
namespace {

const char* kYamlHint = "check indentation, quoting and the ':' after each key";

SourcePos pos_of(const YAML::Mark& mark, std::string_view source, const std::string& file) {
  // yaml-cpp's line/column are unreliable at some errors (flow collections report column
  // 0); the byte offset is not, so prefer it.
  if (mark.pos >= 0 && static_cast<size_t>(mark.pos) <= source.size()) {
    LineColumn at = line_column_at(source, static_cast<size_t>(mark.pos));
    return {file, at.line, at.column};
  }
  if (mark.line < 0 || mark.column < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

SourcePos pos_of(const YAML::Node& node, const std::string& file) {
  YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

Diagnostic too_deep(SourcePos pos, int max_depth) {
  return {Severity::kError, std::move(pos),
          "document nested too deeply (more than " + std::to_string(max_depth) + " levels)",
          "flatten the structure; workflows and templates need only a few levels"};
}

class BoundsWalk {
 public:
  BoundsWalk(const std::string& file, int max_depth, size_t budget)
      : file_(file), max_depth_(max_depth), budget_(budget) {}

  // Recursion depth is bounded by max_depth_; the number of calls by budget_.
  bool walk(const YAML::Node& node, int depth) {
    if (++visited_ > budget_) {
      error_ = Diagnostic{Severity::kError, pos_of(node, file_),
                          "document expands to more than " + std::to_string(budget_) +
                              " YAML nodes (each use of an alias counts its whole anchor)",
                          "use fewer or smaller aliases; a file may expand to " +
                              std::to_string(kYamlNodesPerByte) + " nodes per byte"};
      return false;
    }
    if (!node.IsMap() && !node.IsSequence()) return true;
    if (depth > max_depth_) {
      error_ = too_deep(pos_of(node, file_), max_depth_);
      return false;
    }
    const bool map = node.IsMap();
    for (const auto& item : node) {
      if (map) {
        if (!walk(item.first, depth + 1) || !walk(item.second, depth + 1)) return false;
      } else if (!walk(item, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  std::optional<Diagnostic> error() const { return error_; }

 private:
  const std::string& file_;
  int max_depth_;
  size_t budget_;
  size_t visited_ = 0;
  std::optional<Diagnostic> error_;
};

}  // namespace

size_t yaml_node_budget(size_t source_bytes, size_t cap) {
  size_t proportional =
      source_bytes > cap / kYamlNodesPerByte ? cap : source_bytes * kYamlNodesPerByte;
  return std::min(cap, std::max(kMinYamlNodeBudget, proportional));
}

std::optional<Diagnostic> check_yaml_text(std::string_view source, const std::string& file,
                                          std::string_view what) {
  const std::string files(what);
  for (size_t i = 0; i < source.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(source[i]);
    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
    LineColumn at = line_column_at(source, i);
    if (c == 0)
      return Diagnostic{Severity::kError,
                        {file, at.line, at.column},
                        "binary data: " + describe_byte(c) + " in a text file",
                        files + " must be UTF-8 text"};
    return Diagnostic{Severity::kError,
                      {file, at.line, at.column},
                      describe_byte(c) +
                          " in the file: YAML allows only tab, newline and "
                          "carriage return as control characters",
                      "remove it, or write it as an escape such as \"\\x01\" in a "
                      "double-quoted string"};
  }
  if (size_t bad = find_invalid_utf8(source); bad != std::string_view::npos) {
    LineColumn at = line_column_at(source, bad);
    return Diagnostic{Severity::kError,
                      {file, at.line, at.column},
                      "invalid UTF-8 (" + describe_byte(static_cast<unsigned char>(source[bad])) +
                          "): " + files + " must be UTF-8 text",
                      "save the file as UTF-8"};
  }
  return std::nullopt;
}

std::optional<Diagnostic> parse_yaml(std::string_view source, const std::string& file,
                                     const YamlBounds& bounds, YAML::Node& root) {
  try {
    root = YAML::Load(std::string(source));
    return std::nullopt;
  } catch (const YAML::DeepRecursion& e) {
    return too_deep(pos_of(e.mark, source, file), bounds.max_depth);
  } catch (const YAML::ParserException& e) {
    return Diagnostic{Severity::kError, pos_of(e.mark, source, file), "malformed YAML: " + e.msg,
                      kYamlHint};
  } catch (const YAML::Exception& e) {
    return Diagnostic{
        Severity::kError, {file, 0, 0}, std::string("malformed YAML: ") + e.what(), kYamlHint};
  }
}

std::optional<Diagnostic> check_yaml_bounds(const YAML::Node& root, size_t source_bytes,
                                            const std::string& file, const YamlBounds& bounds) {
  BoundsWalk walk(file, bounds.max_depth, yaml_node_budget(source_bytes, bounds.max_nodes));
  walk.walk(root, 1);
  return walk.error();
}

}  // namespace sluice

// Reading the deploy action's YAML (an appspec.yml, the `hooks`, `steps` and `checks`
// inputs) with positions: every error is a Diagnostic at file:line:col with a hint. Only
// deploy/*.cpp include this header (it brings in yaml-cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/diagnostic.h"

namespace sluice::deploy {

class YamlFields {
 public:
  // `file` names the source in messages: a path, or "with.hooks" for an input.
  YamlFields(std::string file, std::string_view source, Diagnostics& diagnostics);

  // The document, or nullopt after an error (not YAML text, malformed, too deep or large).
  std::optional<YAML::Node> parse();

  SourcePos pos(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message, std::string hint = "");

  // A scalar's text; an error naming `what` for a mapping or sequence.
  std::optional<std::string> text(const YAML::Node& node, std::string_view what);
  std::optional<int> integer(const YAML::Node& node, std::string_view what, int min, int max);
  // "10s", "500ms", "2m", "15" (seconds).
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, std::string_view what);
  // An unknown key: an error with "did you mean" among `known`.
  void unknown_key(const YAML::Node& key, std::string_view where,
                   std::span<const std::string_view> known);

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  std::string_view source_;
  Diagnostics& diagnostics_;
};

}  // namespace sluice::deploy

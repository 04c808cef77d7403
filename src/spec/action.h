// The typed model of an action's metadata file (action.yml / action.yaml).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/workflow.h"

namespace sluice::spec {

struct ActionInput {
  std::string id;
  std::optional<std::string> default_value;  // may hold expressions
  bool required = false;
  SourcePos pos;
};

struct Action {
  std::string file;  // path of action.yml
  std::string name;
  std::vector<ActionInput> inputs;
  ScalarMap outputs;  // composite: output id -> `value:` expression; node: description only
  // runs.using: "composite", "node16", "node20", "docker"
  std::string using_;
  // composite
  std::vector<Step> steps;
  // node
  std::string main, pre, post;
  std::optional<Scalar> pre_if, post_if;
  // docker: `image` is "Dockerfile" (a path in the action's directory, built by the
  // container engine) or "docker://IMAGE"; `args` may hold `${{ inputs.x }}`.
  std::optional<Scalar> image;
  std::string entrypoint, pre_entrypoint, post_entrypoint;
  std::vector<Scalar> args;
  ScalarMap env;
  SourcePos pos;
};

}  // namespace sluice::spec

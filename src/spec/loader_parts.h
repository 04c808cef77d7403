// Pieces of the workflow/action loaders shared between their .cpp files. Internal to spec/.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "spec/yaml_reader.h"

namespace sluice::spec::detail {

// `on:` as a string, a list or a map of events with their filters.
void read_triggers(YamlReader& reader, const YAML::Node& node, Triggers& out);

// `retry:` — `retry: 3` or {max-attempts, backoff, on}. nullopt after reporting errors.
std::optional<RetryPolicy> read_retry(YamlReader& reader, const YAML::Node& node,
                                      std::string_view where);

// `steps:` of a job (or of a composite action, where `run` steps need `shell`).
std::vector<Step> read_steps(YamlReader& reader, const YAML::Node& node, std::string_view job_where,
                             bool composite);

// `defaults:` ({run: {shell, working-directory}}).
Defaults read_defaults(YamlReader& reader, const YAML::Node& node, std::string_view where);

// `concurrency:` as a string or {group, cancel-in-progress}.
std::optional<Concurrency> read_concurrency(YamlReader& reader, const YAML::Node& node,
                                            std::string_view where);

// `uses` parsed (spec/action_ref.h); reports a malformed string, and a kind that does not fit
// where it is written (`job`: a reusable workflow is expected; else an action), at `uses`.
std::optional<ActionRef> read_action_ref(YamlReader& reader, const Scalar& uses,
                                         std::string_view where, bool job);

// `container:` (an image name or {image, credentials, env, ports, volumes, options}).
std::optional<ContainerSpec> read_container(YamlReader& reader, const YAML::Node& node,
                                            std::string_view job_where);
// `services:` (a mapping of service name → the same shape as `container:`).
std::vector<ContainerSpec> read_services(YamlReader& reader, const YAML::Node& node,
                                         std::string_view job_where);

// "not supported" error for `key` (`snapshot:`).
void report_container_key(YamlReader& reader, std::string_view key, const SourcePos& pos,
                          std::string_view where);

}  // namespace sluice::spec::detail

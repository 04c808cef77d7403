// How a plain (unquoted) YAML scalar reads under the YAML 1.2 core schema: the one place
// that decides whether `30`, `0x1F`, `.inf` or `True` is a number, a boolean or text, for
// workflow files (spec/) and CloudFormation templates (scan/) alike.
#pragma once

#include <optional>
#include <string_view>

namespace sluice {

// `true`/`True`/`TRUE` and the same spellings of false; nullopt for anything else.
std::optional<bool> parse_yaml_bool(std::string_view text);

// `null`/`Null`/`NULL`/`~` and the empty scalar.
bool is_yaml_null(std::string_view text);

// Core-schema numbers: [-+]digits[.digits][e[-+]digits], `.5`, `0x1F`, `0o17`, `.inf`,
// `-.inf`, `.nan`. Every JSON number is one of these. nullopt when `text` is not a number
// (the caller then keeps it as a string). Infinities and NaN are returned as such: callers
// that need a finite value check std::isfinite.
std::optional<double> parse_yaml_number(std::string_view text);

}  // namespace sluice

// Names users give things in config files.
#pragma once

#include <string_view>

namespace sluice {

// An environment variable / secret / `vars` name: letters, digits and '_', not starting
// with a digit.
bool is_variable_name(std::string_view name);

}  // namespace sluice

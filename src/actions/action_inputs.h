// How a built-in action's body (`sluice __health-gate`, `sluice __deploy`) reads its step's
// inputs and environment: the engine gives input `name` as INPUT_NAME (upper case, spaces as
// '_', hyphens kept, as GitHub does).
#pragma once

#include <cctype>
#include <cstdlib>
#include <string>

namespace sluice::actions {

// The variable's value, "" when unset.
inline std::string env_value(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The input's value without trailing newlines and spaces (a `|` block ends with one).
inline std::string action_input(const std::string& name) {
  std::string key = "INPUT_";
  for (char c : name)
    key += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string v = env_value(key.c_str());
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

}  // namespace sluice::actions

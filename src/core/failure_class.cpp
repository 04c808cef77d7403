#include "core/failure_class.h"

#include <array>
#include <utility>

namespace sluice {
namespace {

constexpr std::array<std::pair<FailureClass, std::string_view>, 7> kNames = {{
    {FailureClass::kNone, ""},
    {FailureClass::kExitCode, "exit-code"},
    {FailureClass::kSignal, "signal"},
    {FailureClass::kTimeout, "timeout"},
    {FailureClass::kCancelled, "cancelled"},
    {FailureClass::kStartError, "start-error"},
    {FailureClass::kFileCommand, "file-command"},
}};

}  // namespace

std::string_view to_string(FailureClass failure) {
  for (const auto& [value, name] : kNames)
    if (value == failure) return name;
  return "";
}

std::optional<FailureClass> parse_failure_class(std::string_view text) {
  for (const auto& [value, name] : kNames)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace sluice

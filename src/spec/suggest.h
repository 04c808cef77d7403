// "did you mean" suggestions for misspelt keys, job ids and input names.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sluice::spec {

// Edit distance counting an adjacent transposition as one edit ("stpes" -> "steps" is 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate when it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

// "did you mean 'x'?" or `fallback` when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string fallback = "");

}  // namespace sluice::spec

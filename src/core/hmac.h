// HMAC-SHA256 and a comparison that does not leak where two secrets differ.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// HMAC-SHA256 of `message` under `key`: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Whether a == b, taking the same time wherever they differ (only the lengths may leak):
// for comparing a received signature or token with the expected one.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sluice

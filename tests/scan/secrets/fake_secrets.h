// Deterministic fake credentials for tests. Bodies are generated at run time and prefixes
// are split in the source, so this repository holds no string that looks like a secret
// to other scanners.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::scan::secrets::testing {

inline constexpr std::string_view kDigits = "0123456789";
inline constexpr std::string_view kHex = "0123456789abcdef";
inline constexpr std::string_view kUpper32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view kAlnum =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kUrlSafe =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
inline constexpr std::string_view kBase64 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
inline constexpr std::string_view kBech32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

// `n` characters drawn from `alphabet` by a fixed linear congruential generator.
inline std::string fake(std::string_view alphabet, size_t n, uint32_t seed = 7) {
  std::string out;
  uint64_t state = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    out.push_back(alphabet[(state >> 33) % alphabet.size()]);
  }
  return out;
}

}  // namespace sluice::scan::secrets::testing

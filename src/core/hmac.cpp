#include "core/hmac.h"

#include <openssl/crypto.h>

#include "core/sha256.h"

namespace sluice {

std::string hmac_sha256(std::string_view key, std::string_view message) {
  // RFC 2104 over SHA-256's 64-byte block, on core/sha256 rather than OpenSSL's HMAC(),
  // which would initialise the EVP layer (see sha256.cpp).
  constexpr size_t kBlock = 64;
  std::string block = key.size() > kBlock ? sha256_raw(key) : std::string(key);
  block.resize(kBlock, '\0');
  std::string inner_pad(kBlock, '\0'), outer_pad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    inner_pad[i] = static_cast<char>(block[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  Sha256 inner;
  inner.update(inner_pad);
  inner.update(message);
  Sha256 outer;
  outer.update(outer_pad);
  outer.update(inner.finish_raw());
  return outer.finish_raw();
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluice

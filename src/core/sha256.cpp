// The low-level SHA256_* functions on purpose (deprecated in OpenSSL 3, still shipped): the
// EVP layer (EVP_sha256, HMAC(), even the one-shot SHA256()) initialises OpenSSL's providers
// on first use, ~1 ms measured here, and every `sluice run` hashes (runtime tokens, lock
// names) before its first step (issue 8 §7). SHA256_Init/Update/Final run the same assembly.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/sha256.h"

#include <openssl/sha.h>

#include "core/encodings.h"

namespace sluice {

Sha256::Sha256() : ctx_(std::make_unique<SHA256_CTX>()) {
  SHA256_Init(ctx_.get());
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  SHA256_Update(ctx_.get(), data, size);
}

std::string Sha256::finish_raw() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, ctx_.get());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string Sha256::finish_hex() {
  return hex_encode(finish_raw());
}

std::string sha256_raw(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.finish_raw();
}

}  // namespace sluice

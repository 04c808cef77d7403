// Sha256: an incremental SHA-256 (OpenSSL EVP), for hashing data fed in chunks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace sluice {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, size_t size);
  // The digest of everything fed so far: 32 raw bytes, or 64 lowercase hex characters.
  // Either ends the hash: call one of them once.
  std::string finish_raw();
  std::string finish_hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace sluice

// Sha256: an incremental SHA-256, for hashing data fed in chunks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct SHA256state_st;

namespace sluice {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest of everything fed so far: 32 raw bytes, or 64 lowercase hex characters.
  // Either ends the hash: call one of them once.
  std::string finish_raw();
  std::string finish_hex();

 private:
  std::unique_ptr<SHA256state_st> ctx_;
};

// SHA-256 of `data` in one call: 32 raw bytes.
std::string sha256_raw(std::string_view data);

}  // namespace sluice

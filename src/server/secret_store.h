// SecretStore: project secrets encrypted at rest in DATA_DIR/secrets.json (mode 0600),
// with AES-256-GCM under the key in DATA_DIR/secret.key (32 random bytes, mode 0600,
// created at first start). Each value has its own random 96-bit nonce, and its project and
// name are the authenticated data, so a ciphertext moved to another name fails to open.
//
// What this protects: a copy of the data dir's database, logs or backups without the key
// file does not reveal secrets. The key file sits beside them; keep it out of backups (or
// on another volume) for the protection to mean something. Values are never logged.
//
// Threading: thread-safe within a process; `sluice secret set` in another process takes
// the same file lock.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "core/result.h"

namespace sluice::server {

using SecretMap =
    std::map<std::string, std::map<std::string, std::string>>;  // project → name → value

class SecretStore {
 public:
  // Reads the key file, creating it when there is none.
  static Result<std::unique_ptr<SecretStore>> open(const std::filesystem::path& data_dir);

  Status set(const std::string& project, const std::string& name, const std::string& value);
  Result<bool> remove(const std::string& project, const std::string& name);
  // Every secret, decrypted. A value that does not decrypt (a wrong key) is an error.
  Result<SecretMap> load_all();

  // The sealed form of one value: hex(nonce | tag | ciphertext). For tests.
  std::string seal(const std::string& project, const std::string& name,
                   const std::string& value) const;
  Result<std::string> open_sealed(const std::string& project, const std::string& name,
                                  const std::string& sealed) const;

 private:
  SecretStore(std::filesystem::path data_dir, std::string key)
      : data_dir_(std::move(data_dir)), key_(std::move(key)) {}
  Result<std::map<std::string, std::map<std::string, std::string>>> read_sealed();
  Status write_sealed(const std::map<std::string, std::map<std::string, std::string>>& sealed);

  std::filesystem::path data_dir_;
  std::string key_;  // 32 bytes
  std::mutex mutex_;
};

}  // namespace sluice::server

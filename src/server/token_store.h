// TokenStore: the controller's API tokens, in DATA_DIR/tokens.json (mode 0600).
//
// A token is "sluice_" + 40 random hex digits; only its SHA-256 is stored, with its role,
// a short id (the first 12 hex digits of the hash: what logs and lists show), a name and
// its creation time. `sluice token create` (another process) may add tokens while the
// controller runs: writes take an exclusive flock on the file's lock file and replace the
// file atomically; readers reload it when its modification time changes.
//
// At first start the controller creates an admin token and writes it, in plaintext, to
// DATA_DIR/admin.token (mode 0600) for the operator.
//
// Threading: thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/roles.h"

namespace sluice::server {

struct TokenInfo {
  std::string id;
  Role role = Role::kRead;
  std::string name;
  int64_t created_ms = 0;
};

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path data_dir);

  // Tokens of the config file (their hashes): found like stored ones, never written.
  void add_configured(const std::string& sha256, Role role, const std::string& name);

  // A new token (returned once, in plaintext) with `role`.
  Result<std::string> create(Role role, const std::string& name);
  // The token's record, when `token` is one of ours.
  std::optional<TokenInfo> find(const std::string& token);
  Result<std::vector<TokenInfo>> list();
  // Removes a token by id; false when there is none.
  Result<bool> revoke(const std::string& id);

  // Creates DATA_DIR/admin.token with a new admin token unless it exists. Returns the
  // admin token (read back from the file when it exists).
  Result<std::string> ensure_admin_token();

  static std::string hash(const std::string& token);

 private:
  struct Entry {
    TokenInfo info;
    std::string hash;
  };
  Status reload_locked();
  Status write_locked(const std::vector<Entry>& entries);

  std::filesystem::path file_;
  std::filesystem::path data_dir_;
  std::mutex mutex_;
  std::vector<Entry> entries_;
  std::vector<Entry> configured_;
  // Which version of the file entries_ holds: its inode, size and mtime in ns. Every write
  // renames a new file into place, so the inode changes even when two writes fall in the same
  // mtime tick (a revocation by another process must be seen at once).
  std::string loaded_version_;
  bool loaded_ = false;
};

}  // namespace sluice::server

#include "server/token_store.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/sha256.h"
#include "server/private_files.h"

namespace sluice::server {

namespace fs = std::filesystem;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TokenStore::TokenStore(fs::path data_dir)
    : file_(data_dir / "tokens.json"), data_dir_(std::move(data_dir)) {}

std::string TokenStore::hash(const std::string& token) {
  Sha256 h;
  h.update(token.data(), token.size());
  return h.finish_hex();
}

Status TokenStore::reload_locked() {
  struct stat st {};
  if (stat(file_.c_str(), &st) != 0) {  // no file yet: no tokens
    entries_.clear();
    loaded_ = true;
    loaded_version_.clear();
    return Status::Ok();
  }
  std::string version = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                        std::to_string(st.st_mtim.tv_sec) + "." +
                        std::to_string(st.st_mtim.tv_nsec);
  if (loaded_ && version == loaded_version_) return Status::Ok();
  std::ifstream in(file_);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc["tokens"].is_array())
    return Error{file_.string() + " is not a token file", {}};
  std::vector<Entry> entries;
  for (const auto& t : doc["tokens"]) {
    if (!t.is_object()) continue;
    Entry e;
    e.hash = t.value("hash", "");
    e.info.id = t.value("id", "");
    e.info.name = t.value("name", "");
    e.info.created_ms = t.value("created_ms", int64_t{0});
    auto role = role_from_string(t.value("role", ""));
    if (e.hash.size() != 64 || !role) continue;
    e.info.role = *role;
    entries.push_back(std::move(e));
  }
  entries_ = std::move(entries);
  loaded_version_ = version;
  loaded_ = true;
  return Status::Ok();
}

Status TokenStore::write_locked(const std::vector<Entry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const Entry& e : entries)
    list.push_back({{"id", e.info.id},
                    {"hash", e.hash},
                    {"role", to_string(e.info.role)},
                    {"name", e.info.name},
                    {"created_ms", e.info.created_ms}});
  nlohmann::json doc = {{"tokens", list}};
  Status s = write_private_file(file_, doc.dump(2) + "\n");
  if (!s) return s;
  loaded_ = false;  // the next read takes the new file
  return reload_locked();
}

Result<std::string> TokenStore::create(Role role, const std::string& name) {
  std::error_code ec;
  fs::create_directories(data_dir_, ec);
  std::lock_guard lock(mutex_);
  FileLock file_lock(data_dir_ / "tokens.lock");
  if (!file_lock.ok()) return Error{"cannot lock " + (data_dir_ / "tokens.lock").string(), {}};
  loaded_ = false;
  if (Status s = reload_locked(); !s) return s.error();
  std::string token = "sluice_" + random_hex(20);
  Entry e;
  e.hash = hash(token);
  e.info.id = e.hash.substr(0, 12);
  e.info.role = role;
  e.info.name = name;
  e.info.created_ms = now_ms();
  std::vector<Entry> entries = entries_;
  entries.push_back(e);
  if (Status s = write_locked(entries); !s) return s.error();
  return token;
}

void TokenStore::add_configured(const std::string& sha256, Role role, const std::string& name) {
  std::lock_guard lock(mutex_);
  Entry e;
  e.hash = sha256;
  e.info.id = sha256.substr(0, 12);
  e.info.role = role;
  e.info.name = name.empty() ? "(config)" : name + " (config)";
  configured_.push_back(std::move(e));
}

std::optional<TokenInfo> TokenStore::find(const std::string& token) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  std::string h = hash(token);
  std::lock_guard lock(mutex_);
  for (const Entry& e : configured_)
    if (e.hash == h) return e.info;  // comparing hashes: no timing leak of the token
  if (!reload_locked()) return std::nullopt;
  for (const Entry& e : entries_)
    if (e.hash == h) return e.info;
  return std::nullopt;
}

Result<std::vector<TokenInfo>> TokenStore::list() {
  std::lock_guard lock(mutex_);
  if (Status s = reload_locked(); !s) return s.error();
  std::vector<TokenInfo> out;
  for (const Entry& e : configured_) out.push_back(e.info);
  for (const Entry& e : entries_) out.push_back(e.info);
  return out;
}

Result<bool> TokenStore::revoke(const std::string& id) {
  std::lock_guard lock(mutex_);
  FileLock file_lock(data_dir_ / "tokens.lock");
  loaded_ = false;
  if (Status s = reload_locked(); !s) return s.error();
  std::vector<Entry> entries;
  for (const Entry& e : entries_)
    if (e.info.id != id) entries.push_back(e);
  if (entries.size() == entries_.size()) return false;
  if (Status s = write_locked(entries); !s) return s.error();
  return true;
}

Result<std::string> TokenStore::ensure_admin_token() {
  fs::path file = data_dir_ / "admin.token";
  std::ifstream in(file);
  std::string token;
  if (in && std::getline(in, token) && find(token)) return token;
  auto created = create(Role::kAdmin, "admin (first start)");
  if (!created) return created.error();
  if (Status s = write_private_file(file, *created + "\n"); !s) return s.error();
  return *created;
}

}  // namespace sluice::server

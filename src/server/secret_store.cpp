#include "server/secret_store.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encodings.h"
#include "core/random.h"
#include "server/private_files.h"

namespace sluice::server {

namespace fs = std::filesystem;

namespace {

constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

std::string read_all(const fs::path& path, bool& exists) {
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  std::stringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<SecretStore>> SecretStore::open(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  fs::path key_file = data_dir / "secret.key";
  FileLock lock(data_dir / "secrets.lock");
  bool exists = false;
  std::string hex = read_all(key_file, exists);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  if (!exists) {
    hex = random_hex(kKeyBytes);
    if (Status s = write_private_file(key_file, hex + "\n"); !s) return s.error();
  }
  std::string key = hex_decode(hex).value_or("");
  if (key.size() != kKeyBytes)
    return Error{key_file.string() + " is not a 256-bit key (64 hex digits)", {}};
  return std::unique_ptr<SecretStore>(new SecretStore(data_dir, key));
}

std::string SecretStore::seal(const std::string& project, const std::string& name,
                              const std::string& value) const {
  std::string nonce = random_bytes(kNonceBytes);
  std::string aad = project + '\0' + name;
  Cipher ctx(EVP_CIPHER_CTX_new());
  std::string out(value.size() + 16, '\0');
  int len = 0, total = 0;
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
  EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u(key_), u(nonce));
  EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u(value),
                    static_cast<int>(value.size()));
  total = len;
  EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + total, &len);
  total += len;
  out.resize(static_cast<size_t>(total));
  std::string tag(kTagBytes, '\0');
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data());
  return hex_encode(nonce + tag + out);
}

Result<std::string> SecretStore::open_sealed(const std::string& project, const std::string& name,
                                             const std::string& sealed) const {
  std::string raw = hex_decode(sealed).value_or("");
  if (raw.size() < kNonceBytes + kTagBytes)
    return Error{"secret '" + name + "' of project '" + project + "' is damaged", {}};
  std::string nonce = raw.substr(0, kNonceBytes), tag = raw.substr(kNonceBytes, kTagBytes);
  std::string ciphertext = raw.substr(kNonceBytes + kTagBytes);
  std::string aad = project + '\0' + name;
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  Cipher ctx(EVP_CIPHER_CTX_new());
  std::string out(ciphertext.size() + 16, '\0');
  int len = 0, total = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
  EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u(key_), u(nonce));
  EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u(ciphertext),
                    static_cast<int>(ciphertext.size()));
  total = len;
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data());
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + total, &len) <=
      0)
    return Error{"secret '" + name + "' of project '" + project + "' does not decrypt with " +
                     (data_dir_ / "secret.key").string(),
                 {}};
  total += len;
  out.resize(static_cast<size_t>(total));
  return out;
}

Result<std::map<std::string, std::map<std::string, std::string>>> SecretStore::read_sealed() {
  bool exists = false;
  std::string text = read_all(data_dir_ / "secrets.json", exists);
  std::map<std::string, std::map<std::string, std::string>> out;
  if (!exists) return out;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return Error{(data_dir_ / "secrets.json").string() + " is damaged", {}};
  for (const auto& [project, names] : doc.items()) {
    if (!names.is_object()) continue;
    for (const auto& [name, sealed] : names.items())
      if (sealed.is_string()) out[project][name] = sealed.get<std::string>();
  }
  return out;
}

Status SecretStore::write_sealed(
    const std::map<std::string, std::map<std::string, std::string>>& sealed) {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [project, names] : sealed)
    for (const auto& [name, value] : names) doc[project][name] = value;
  return write_private_file(data_dir_ / "secrets.json", doc.dump(2) + "\n");
}

Status SecretStore::set(const std::string& project, const std::string& name,
                        const std::string& value) {
  std::lock_guard lock(mutex_);
  FileLock file_lock(data_dir_ / "secrets.lock");
  auto sealed = read_sealed();
  if (!sealed) return sealed.error();
  (*sealed)[project][name] = seal(project, name, value);
  return write_sealed(*sealed);
}

Result<bool> SecretStore::remove(const std::string& project, const std::string& name) {
  std::lock_guard lock(mutex_);
  FileLock file_lock(data_dir_ / "secrets.lock");
  auto sealed = read_sealed();
  if (!sealed) return sealed.error();
  if (!(*sealed)[project].erase(name)) return false;
  if (Status s = write_sealed(*sealed); !s) return s.error();
  return true;
}

Result<SecretMap> SecretStore::load_all() {
  std::lock_guard lock(mutex_);
  auto sealed = read_sealed();
  if (!sealed) return sealed.error();
  SecretMap out;
  for (const auto& [project, names] : *sealed)
    for (const auto& [name, value] : names) {
      auto opened = open_sealed(project, name, value);
      if (!opened) return opened.error();
      out[project][name] = *opened;
    }
  return out;
}

}  // namespace sluice::server

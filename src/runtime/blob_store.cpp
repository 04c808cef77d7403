#include "runtime/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/encodings.h"
#include "core/random.h"
#include "core/sha256.h"
#include "runtime/index_common.h"
#include "runtime/runtime_token.h"

namespace fs = std::filesystem;

namespace sluice::runtime {

namespace {

// Bodies move through one buffer of this size: memory stays constant whatever the blob.
constexpr size_t kChunk = 1 << 20;
constexpr size_t kMaxBlockId = 1024;
// Where stage_block keeps a block's SHA-256 (the inode carries it through renames and links).
constexpr const char* kDigestAttribute = "user.sluice.sha256";
constexpr const char* kBlocksSuffix = ".blocks";
// sha256("") for an empty block list.
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Error io_error(const std::string& what, const std::string& path, int err) {
  return Error{what + " " + path + ": " + std::strerror(err) +
                   " (hint: check free space and permissions of the data directory)",
               {}};
}

// An open file descriptor, closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Closes now, reporting the error close() may carry for buffered writes.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

bool write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads `path` to the end, feeding `hash` (when not null) and copying to out_fd (when >= 0).
Result<uint64_t> pump(const std::string& path, Sha256* hash, int out_fd, std::string& buffer) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.ok()) return io_error("cannot open", path, errno);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", path, errno);
    }
    if (n == 0) break;
    if (hash) hash->update(buffer.data(), static_cast<size_t>(n));
    if (out_fd >= 0 && !write_all(out_fd, buffer.data(), static_cast<size_t>(n)))
      return io_error("cannot write the blob assembled from", path, errno);
    total += static_cast<uint64_t>(n);
  }
  return total;
}

Status fsync_path(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.ok()) return io_error("cannot open", path, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync", path, errno);
  return Status::Ok();
}

Status fsync_dir(const std::string& path) {
  return fsync_path(path, O_RDONLY | O_DIRECTORY);
}

Status make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error("cannot create directory", path, ec.value());
  return Status::Ok();
}

bool is_hex_digest(const std::string& digest) {
  if (digest.size() != 64) return false;
  for (char c : digest)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

int64_t mtime_ms(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// The name of part `index` in a .blocks directory: six digits or more, so that names sort
// in part order.
std::string part_name(size_t index) {
  std::string digits = std::to_string(index);
  return std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
}

// One block of a block list, as the commit finds it.
struct StagedPart {
  std::string path;
  std::string sha256;
  uint64_t size = 0;
};

// The digest stage_block recorded on `path`, or "" when there is none.
std::string recorded_digest(const std::string& path) {
  char value[64];
  ssize_t n = ::getxattr(path.c_str(), kDigestAttribute, value, sizeof value);
  if (n != static_cast<ssize_t>(sizeof value)) return "";
  std::string digest(value, sizeof value);
  return is_hex_digest(digest) ? digest : "";
}

// The id of a blob kept as `parts` (see blob_store.h).
std::string block_list_id(const std::vector<StagedPart>& parts) {
  Sha256 hash;
  std::string line = "sluice-blocks-v1\n";
  hash.update(line.data(), line.size());
  for (const StagedPart& part : parts) {
    line = part.sha256 + " " + std::to_string(part.size) + "\n";
    hash.update(line.data(), line.size());
  }
  return hash.finish_hex();
}

}  // namespace

Result<FileDigest> sha256_file(const std::string& path) {
  Sha256 hash;
  std::string buffer(kChunk, '\0');
  Result<uint64_t> size = pump(path, &hash, -1, buffer);
  if (!size) return size.error();
  return FileDigest{hash.finish_hex(), *size};
}

Status copy_blob(const BlobStore::Blob& blob, int out_fd) {
  std::string buffer(kChunk, '\0');
  for (const std::string& part : blob.parts)
    if (Result<uint64_t> copied = pump(part, nullptr, out_fd, buffer); !copied)
      return copied.error();
  return Status::Ok();
}

Result<std::string> BlobStore::content_sha256(const Blob& blob) {
  Sha256 hash;
  std::string buffer(kChunk, '\0');
  for (const std::string& part : blob.parts)
    if (Result<uint64_t> read = pump(part, &hash, -1, buffer); !read) return read.error();
  return hash.finish_hex();
}

BlobStore::BlobStore(std::string dir) : dir_(std::move(dir)) {}

bool BlobStore::valid_upload_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

std::string BlobStore::upload_dir(const std::string& upload) const {
  return dir_ + "/uploads/" + upload;
}

std::string BlobStore::blob_path(const std::string& digest) const {
  return dir_ + "/sha256/" + digest.substr(0, 2) + "/" + digest;
}

Result<std::string> BlobStore::temp_path() {
  std::string tmp = dir_ + "/tmp";
  if (Status made = make_dirs(tmp); !made) return made.error();
  return tmp + "/" + hex_encode(random_bytes(16)) + ".part";
}

Status BlobStore::publish(const std::string& temp, const std::string& digest,
                          const std::string& suffix) {
  std::string target = blob_path(digest) + suffix;
  std::string parent = fs::path(target).parent_path().string();
  if (Status made = make_dirs(parent); !made) return made;
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int err = errno;
    // A directory cannot replace a non-empty one: the same blob is in place already.
    if ((err != ENOTEMPTY && err != EEXIST) || ::access(target.c_str(), F_OK) != 0)
      return io_error("cannot publish", target, err);
    std::error_code ignored;
    fs::remove_all(temp, ignored);
  }
  // The rename is durable only once the directory entry is on disk.
  return fsync_dir(parent);
}

Status BlobStore::record_result(const std::string& upload, const Blob& blob) {
  Result<std::string> temp = temp_path();
  if (!temp) return temp.error();
  std::string type = blob.content_type.substr(0, blob.content_type.find_first_of("\r\n"));
  {
    std::ofstream out(*temp, std::ios::binary | std::ios::trunc);
    out << blob.digest << ' ' << blob.size << '\n' << type << '\n';
    out.flush();
    if (!out) return io_error("cannot write", *temp, errno);
  }
  if (Status synced = fsync_path(*temp, O_RDONLY); !synced) return synced;
  std::string dir = upload_dir(upload);
  if (Status made = make_dirs(dir); !made) return made;
  std::string target = dir + "/result";
  if (::rename(temp->c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(temp->c_str());
    return io_error("cannot record the upload in", target, err);
  }
  return fsync_dir(dir);
}

Status BlobStore::put(const std::string& upload, const std::string& temp,
                      const std::string& sha256) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  FileDigest digest{sha256, 0};
  if (!is_hex_digest(sha256)) {
    Result<FileDigest> hashed = sha256_file(temp);
    if (!hashed) return hashed.error();
    digest = *hashed;
  } else {
    std::error_code ec;
    digest.size = fs::file_size(temp, ec);
    if (ec) return io_error("cannot stat", temp, ec.value());
  }
  if (Status synced = fsync_path(temp, O_RDONLY); !synced) return synced;
  if (Status published = publish(temp, digest.sha256, ""); !published) return published;
  return record_result(upload, Blob{digest.sha256, digest.size, {}, "", 0});
}

Status BlobStore::stage_block(const std::string& upload, const std::string& block_id,
                              const std::string& temp, const std::string& sha256) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  if (block_id.empty() || block_id.size() > kMaxBlockId)
    return refusal("invalid_argument", "a block id must have 1 to 1024 bytes");
  std::string blocks = upload_dir(upload) + "/blocks";
  if (Status made = make_dirs(blocks); !made) return made;
  std::string target = blocks + "/" + hex_encode(block_id);
  Fd block(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
  if (!block.ok()) return io_error("cannot open", temp, errno);
  // Without the attribute (no user xattrs here) the commit hashes the block itself.
  if (is_hex_digest(sha256))
    (void)::fsetxattr(block.get(), kDigestAttribute, sha256.data(), sha256.size(), 0);
  if (::rename(temp.c_str(), target.c_str()) != 0) return io_error("cannot stage", target, errno);
  return Status::Ok();
}

Status BlobStore::commit_blocks(const std::string& upload, const std::vector<std::string>& ids,
                                const std::string& content_type) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  std::string blocks = upload_dir(upload) + "/blocks/";
  std::vector<StagedPart> parts;
  parts.reserve(ids.size());
  for (const std::string& id : ids) {
    StagedPart part{blocks + hex_encode(id), "", 0};
    struct stat st {};
    if (id.empty() || id.size() > kMaxBlockId || ::stat(part.path.c_str(), &st) != 0)
      return refusal("invalid_argument", "block '" + id + "' of upload '" + upload +
                                             "' was never staged; stage it before the block list");
    if (!S_ISREG(st.st_mode)) return io_error("cannot read", part.path, EISDIR);
    part.size = static_cast<uint64_t>(st.st_size);
    part.sha256 = recorded_digest(part.path);
    if (part.sha256.empty()) {
      Result<FileDigest> hashed = sha256_file(part.path);
      if (!hashed) return hashed.error();
      part.sha256 = hashed->sha256;
      part.size = hashed->size;
    }
    parts.push_back(std::move(part));
  }
  Result<std::string> temp = temp_path();
  if (!temp) return temp.error();
  // From here on, any failure leaves only the temp file or directory, which we remove.
  auto fail = [&](Error error) -> Status {
    std::error_code ignored;
    fs::remove_all(*temp, ignored);
    return error;
  };
  Blob blob{parts.size() == 1 ? parts[0].sha256 : kEmptySha256, 0, {}, content_type, 0};
  std::string suffix;
  if (parts.size() <= 1) {
    // One block (or none) is a single-part blob named by its content hash.
    if (!parts.empty()) {
      if (::link(parts[0].path.c_str(), temp->c_str()) != 0)
        return fail(io_error("cannot link", *temp, errno));
    } else if (!Fd(::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)).ok()) {
      return fail(io_error("cannot create", *temp, errno));
    }
    blob.size = parts.empty() ? 0 : parts[0].size;
    if (Status synced = fsync_path(*temp, O_RDONLY); !synced) return fail(synced.error());
  } else {
    // Several blocks stay as they are: hard links to the staged files, in list order (a
    // block listed twice is linked twice). Nothing is copied.
    *temp = temp->substr(0, temp->size() - std::char_traits<char>::length(".part")) + kBlocksSuffix;
    suffix = kBlocksSuffix;
    if (::mkdir(temp->c_str(), 0755) != 0) return io_error("cannot create", *temp, errno);
    for (size_t i = 0; i < parts.size(); ++i) {
      std::string target = *temp + "/" + part_name(i);
      if (::link(parts[i].path.c_str(), target.c_str()) != 0)
        return fail(io_error("cannot link", target, errno));
      if (Status synced = fsync_path(target, O_RDONLY); !synced) return fail(synced.error());
      blob.size += parts[i].size;
    }
    if (Status synced = fsync_dir(*temp); !synced) return fail(synced.error());
    blob.digest = block_list_id(parts);
  }
  if (Status published = publish(*temp, blob.digest, suffix); !published)
    return fail(published.error());
  if (Status recorded = record_result(upload, blob); !recorded) return recorded;
  // The published blob holds its own links: the staged names can go.
  std::error_code removed;
  fs::remove_all(blocks, removed);
  return Status::Ok();
}

Result<BlobStore::Blob> BlobStore::uploaded(const std::string& upload) const {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  std::ifstream in(upload_dir(upload) + "/result", std::ios::binary);
  if (!in) return refusal("not_found", "upload '" + upload + "' has no finished content yet");
  std::string digest, content_type;
  uint64_t size = 0;
  in >> digest >> size;
  in.ignore(1);
  std::getline(in, content_type);
  if (!in || !is_hex_digest(digest))
    return Error{"the record of upload '" + upload + "' is damaged; upload again", {}};
  std::optional<Blob> blob = find(digest);
  if (!blob)
    return refusal("not_found", "the content of upload '" + upload + "' was removed; upload again");
  blob->content_type = content_type;
  return *blob;
}

Status BlobStore::discard(const std::string& upload) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  std::error_code ec;
  fs::remove_all(upload_dir(upload), ec);
  if (ec) return io_error("cannot remove", upload_dir(upload), ec.value());
  return Status::Ok();
}

std::optional<BlobStore::Blob> BlobStore::find(const std::string& digest) const {
  if (!is_hex_digest(digest)) return std::nullopt;
  std::string path = blob_path(digest);
  struct stat st {};
  auto ms = [](const struct stat& s) {
    return static_cast<int64_t>(s.st_mtim.tv_sec) * 1000 + s.st_mtim.tv_nsec / 1000000;
  };
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
    return Blob{digest, static_cast<uint64_t>(st.st_size), {path}, "", ms(st)};
  std::string dir = path + kBlocksSuffix;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  Blob blob{digest, 0, {}, "", ms(st)};
  for (size_t i = 0;; ++i) {
    std::string part = dir + "/" + part_name(i);
    struct stat part_st {};
    if (::stat(part.c_str(), &part_st) != 0 || !S_ISREG(part_st.st_mode)) break;
    blob.size += static_cast<uint64_t>(part_st.st_size);
    blob.parts.push_back(std::move(part));
  }
  if (blob.parts.size() < 2) return std::nullopt;  // not a blob sluice published
  return blob;
}

Status BlobStore::remove(const std::string& digest) {
  if (!is_hex_digest(digest))
    return refusal("invalid_argument", "'" + digest + "' is not a SHA-256 hex digest");
  if (::unlink(blob_path(digest).c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove", blob_path(digest), errno);
  std::error_code ec;
  fs::remove_all(blob_path(digest) + kBlocksSuffix, ec);
  if (ec) return io_error("cannot remove", blob_path(digest) + kBlocksSuffix, ec.value());
  return Status::Ok();
}

std::vector<std::string> BlobStore::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator top(dir_ + "/sha256", ec), end; !ec && top != end;
       top.increment(ec)) {
    std::error_code inner;
    for (fs::directory_iterator it(top->path(), inner); !inner && it != end; it.increment(inner)) {
      std::string name = it->path().filename().string();
      bool blocks = name.size() == 64 + std::char_traits<char>::length(kBlocksSuffix) &&
                    name.compare(64, std::string::npos, kBlocksSuffix) == 0;
      if (blocks) name.resize(64);
      if (is_hex_digest(name) && (blocks ? it->is_directory(inner) : it->is_regular_file(inner)))
        out.push_back(name);
    }
  }
  return out;
}

size_t BlobStore::remove_stale(int64_t max_age_ms) {
  int64_t cutoff = wall_clock_ms()() - max_age_ms;
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir_ + "/tmp", ec), end; !ec && it != end; it.increment(ec)) {
    if (mtime_ms(it->path().string()) < cutoff && fs::remove_all(it->path(), ec) > 0) ++removed;
  }
  for (fs::directory_iterator it(dir_ + "/uploads", ec), end; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    // Staging a block touches blocks/, recording a result touches the upload's own dir.
    int64_t newest = std::max(mtime_ms(path), mtime_ms(path + "/blocks"));
    if (newest < cutoff && fs::remove_all(it->path(), ec) > 0) ++removed;
  }
  return removed;
}

}  // namespace sluice::runtime

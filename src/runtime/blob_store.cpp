#include "runtime/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
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

// Reads `path` to the end, feeding the digest and (when out_fd >= 0) copying to out_fd.
Result<uint64_t> pump(const std::string& path, Sha256& hash, int out_fd, std::string& buffer) {
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
    hash.update(buffer.data(), static_cast<size_t>(n));
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

}  // namespace

Result<FileDigest> sha256_file(const std::string& path) {
  Sha256 hash;
  std::string buffer(kChunk, '\0');
  Result<uint64_t> size = pump(path, hash, -1, buffer);
  if (!size) return size.error();
  return FileDigest{hash.finish_hex(), *size};
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

Status BlobStore::publish(const std::string& temp, const std::string& digest) {
  std::string target = blob_path(digest);
  std::string parent = fs::path(target).parent_path().string();
  if (Status made = make_dirs(parent); !made) return made;
  if (::rename(temp.c_str(), target.c_str()) != 0) return io_error("cannot publish", target, errno);
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

Status BlobStore::put(const std::string& upload, const std::string& temp) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  Result<FileDigest> digest = sha256_file(temp);
  if (!digest) return digest.error();
  if (Status synced = fsync_path(temp, O_RDONLY); !synced) return synced;
  if (Status published = publish(temp, digest->sha256); !published) return published;
  return record_result(upload, Blob{digest->sha256, digest->size, "", ""});
}

Status BlobStore::stage_block(const std::string& upload, const std::string& block_id,
                              const std::string& temp) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  if (block_id.empty() || block_id.size() > kMaxBlockId)
    return refusal("invalid_argument", "a block id must have 1 to 1024 bytes");
  std::string blocks = upload_dir(upload) + "/blocks";
  if (Status made = make_dirs(blocks); !made) return made;
  std::string target = blocks + "/" + hex_encode(block_id);
  // No fsync here: a block only matters once commit_blocks has copied it into a blob, and
  // that blob is fsynced before it is published.
  if (::rename(temp.c_str(), target.c_str()) != 0) return io_error("cannot stage", target, errno);
  return Status::Ok();
}

Status BlobStore::commit_blocks(const std::string& upload, const std::vector<std::string>& ids,
                                const std::string& content_type) {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  std::string blocks = upload_dir(upload) + "/blocks/";
  std::vector<std::string> paths;
  paths.reserve(ids.size());
  for (const std::string& id : ids) {
    std::string path = blocks + hex_encode(id);
    if (id.empty() || id.size() > kMaxBlockId || ::access(path.c_str(), F_OK) != 0)
      return refusal("invalid_argument", "block '" + id + "' of upload '" + upload +
                                             "' was never staged; stage it before the block list");
    paths.push_back(std::move(path));
  }
  Result<std::string> temp = temp_path();
  if (!temp) return temp.error();
  Fd out(::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.ok()) return io_error("cannot create", *temp, errno);
  // From here on, any failure leaves only the temp file, which we remove.
  auto fail = [&](Error error) -> Status {
    ::unlink(temp->c_str());
    return error;
  };
  Sha256 hash;
  std::string buffer(kChunk, '\0');
  uint64_t size = 0;
  for (const std::string& path : paths) {
    Result<uint64_t> copied = pump(path, hash, out.get(), buffer);
    if (!copied) return fail(copied.error());
    size += *copied;
  }
  // The blocks are all copied: dropping them now spares the disk writing back their
  // (still dirty) pages while the blob is being fsynced. A failure from here on fails the
  // upload, which the client reports; it never leaves a partial blob.
  std::error_code removed;
  fs::remove_all(blocks, removed);
  if (::fsync(out.get()) != 0) return fail(io_error("cannot fsync", *temp, errno));
  if (out.close() != 0) return fail(io_error("cannot close", *temp, errno));
  std::string digest = hash.finish_hex();
  if (Status published = publish(*temp, digest); !published) return fail(published.error());
  if (Status recorded = record_result(upload, Blob{digest, size, "", content_type}); !recorded)
    return recorded;
  return Status::Ok();
}

Result<BlobStore::Blob> BlobStore::uploaded(const std::string& upload) const {
  if (!valid_upload_name(upload))
    return refusal("invalid_argument", "invalid upload name '" + upload + "'");
  std::ifstream in(upload_dir(upload) + "/result", std::ios::binary);
  if (!in) return refusal("not_found", "upload '" + upload + "' has no finished content yet");
  Blob blob;
  in >> blob.digest >> blob.size;
  in.ignore(1);
  std::getline(in, blob.content_type);
  if (!in || !is_hex_digest(blob.digest))
    return Error{"the record of upload '" + upload + "' is damaged; upload again", {}};
  blob.path = blob_path(blob.digest);
  if (::access(blob.path.c_str(), F_OK) != 0)
    return refusal("not_found", "the content of upload '" + upload + "' was removed; upload again");
  return blob;
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
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  int64_t modified = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return Blob{digest, static_cast<uint64_t>(st.st_size), path, "", modified};
}

Status BlobStore::remove(const std::string& digest) {
  if (!is_hex_digest(digest))
    return refusal("invalid_argument", "'" + digest + "' is not a SHA-256 hex digest");
  if (::unlink(blob_path(digest).c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove", blob_path(digest), errno);
  return Status::Ok();
}

std::vector<std::string> BlobStore::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_ + "/sha256", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file(ec) && is_hex_digest(name)) out.push_back(name);
  }
  return out;
}

size_t BlobStore::remove_stale(int64_t max_age_ms) {
  int64_t cutoff = wall_clock_ms()() - max_age_ms;
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir_ + "/tmp", ec), end; !ec && it != end; it.increment(ec)) {
    if (mtime_ms(it->path().string()) < cutoff && fs::remove(it->path(), ec)) ++removed;
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

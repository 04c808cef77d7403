#include "runtime/artifact_download.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace fs = std::filesystem;

namespace sluice::runtime {

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

Error archive_error(archive* a, const std::string& what) {
  const char* detail = archive_error_string(a);
  return Error{what + ": " + (detail != nullptr ? detail : "unknown error"), {}};
}

// Copies the current entry's data from `in` to `out` block by block.
Status copy_entry_data(archive* in, archive* out, uint64_t& bytes) {
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rc = archive_read_data_block(in, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) return Status::Ok();
    if (rc < ARCHIVE_WARN) return archive_error(in, "cannot read the zip");
    if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN)
      return archive_error(out, "cannot write");
    bytes += size;
  }
}

}  // namespace

bool is_zipped(const store::Artifact& artifact, const std::string& blob_path) {
  if (artifact.content_type == "application/zip" || artifact.content_type == "zip") return true;
  if (!artifact.content_type.empty()) return false;
  // No declared type (older clients): a zip's first bytes are its first local header.
  char magic[4] = {};
  std::ifstream in(blob_path, std::ios::binary);
  return in.read(magic, 4) && std::string(magic, 4) == std::string("PK\x03\x04", 4);
}

Result<DownloadedArtifact> unzip_into(const std::string& zip_path, const std::string& dest_dir) {
  std::error_code ec;
  fs::create_directories(dest_dir, ec);
  if (ec) return Error{"cannot create " + dest_dir + ": " + ec.message(), {}};
  fs::path root = fs::canonical(dest_dir, ec);
  if (ec) return Error{"cannot resolve " + dest_dir + ": " + ec.message(), {}};

  std::unique_ptr<archive, ReadFree> in(archive_read_new());
  archive_read_support_format_zip(in.get());
  if (archive_read_open_filename(in.get(), zip_path.c_str(), 1 << 20) != ARCHIVE_OK)
    return archive_error(in.get(), "cannot open the zip " + zip_path);
  std::unique_ptr<archive, WriteFree> out(archive_write_disk_new());
  // Entry names are checked below and then prefixed with the (absolute) destination, so
  // libarchive's absolute-path guard cannot be used; its ".." and symlink guards still are.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  DownloadedArtifact done;
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return archive_error(in.get(), "cannot read the zip " + zip_path);
    std::string name =
        archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
    fs::path relative = fs::path(name).lexically_normal();
    if (name.empty() || relative.is_absolute() || *relative.begin() == "..")
      return Error{"the zip holds the entry '" + name +
                       "', which would land outside the destination; refusing to unzip it",
                   {}};
    archive_entry_set_pathname(entry, (root / relative).c_str());
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN)
      return archive_error(out.get(), "cannot write " + (root / relative).string());
    if (archive_entry_filetype(entry) == AE_IFREG) {
      if (Status copied = copy_entry_data(in.get(), out.get(), done.bytes); !copied)
        return copied.error();
      ++done.files;
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN)
      return archive_error(out.get(), "cannot finish " + (root / relative).string());
  }
  return done;
}

Result<DownloadedArtifact> download_artifact(const BlobStore& blobs,
                                             const store::Artifact& artifact,
                                             const std::string& dest_dir) {
  std::optional<BlobStore::Blob> blob = blobs.find(artifact.blob_digest);
  if (!blob)
    return Error{"the content of artifact '" + artifact.name + "' is missing from " + blobs.dir() +
                     " (hint: it was removed by hand; upload it again)",
                 {}};
  // Verified before anything is written: a blob altered on disk is refused whole.
  Result<std::string> digest = BlobStore::content_sha256(*blob);
  if (!digest) return digest.error();
  if ("sha256:" + *digest != artifact.digest)
    return Error{"artifact '" + artifact.name + "' does not match its digest " + artifact.digest +
                     " (the stored content hashes to sha256:" + *digest +
                     "); it is damaged, nothing was written",
                 {}};
  std::error_code ec;
  fs::create_directories(dest_dir, ec);
  if (ec) return Error{"cannot create " + dest_dir + ": " + ec.message(), {}};
  bool zipped = is_zipped(artifact, blob->parts.front());
  if (zipped && blob->parts.size() == 1) return unzip_into(blob->parts.front(), dest_dir);
  // A zip kept as several blocks is joined into a temp file first (libarchive reads a
  // zip's directory at its end).
  fs::path target = zipped ? fs::path(dest_dir) / (".sluice-" + digest->substr(0, 16) + ".zip")
                           : fs::path(dest_dir) / artifact.name;  // names hold no '/' or '\'
  int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Error{"cannot write " + target.string() + ": " + std::strerror(errno), {}};
  Status copied = copy_blob(*blob, out);
  if (::close(out) != 0 && copied) copied = Error{"cannot write " + target.string(), {}};
  if (!copied) return copied.error();
  if (!zipped) return DownloadedArtifact{1, blob->size};
  Result<DownloadedArtifact> unzipped = unzip_into(target.string(), dest_dir);
  fs::remove(target, ec);
  return unzipped;
}

}  // namespace sluice::runtime

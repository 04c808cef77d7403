#include "runtime/artifact_index.h"

#include "runtime/index_common.h"
#include "store/sqlite/database.h"

namespace sluice::runtime {

namespace {

using store::sqlite::ArtifactTable;
using store::sqlite::Database;

constexpr size_t kMaxName = 256;

}  // namespace

std::string invalid_artifact_name(const std::string& name) {
  if (name.empty()) return "an artifact name must not be empty";
  if (name.size() > kMaxName) return "an artifact name must have at most 256 bytes";
  // GitHub allows them, but they would name a directory when downloaded into DIR/<name>.
  if (name == "." || name == "..") return "'" + name + "' cannot be an artifact name";
  static const std::string kForbidden = "\":<>|*?\r\n\\/";
  size_t bad = name.find_first_of(kForbidden);
  if (bad == std::string::npos) return "";
  std::string shown = name[bad] == '\r' ? "\\r" : name[bad] == '\n' ? "\\n" : name.substr(bad, 1);
  return "artifact name '" + name + "' contains '" + shown +
         "'; names cannot contain \" : < > | * ? \\r \\n \\ /";
}

ArtifactIndex::ArtifactIndex(std::unique_ptr<Database> db, std::string blob_dir,
                             ArtifactOptions options)
    : db_(std::move(db)), blobs_(std::move(blob_dir)), options_(std::move(options)) {}

ArtifactIndex::~ArtifactIndex() = default;

Result<std::unique_ptr<ArtifactIndex>> ArtifactIndex::open(const std::string& data_dir,
                                                           ArtifactOptions options) {
  return open_index<ArtifactIndex>(data_dir, /*create_if_missing=*/true, std::move(options));
}

Result<std::unique_ptr<ArtifactIndex>> ArtifactIndex::open_existing(const std::string& data_dir,
                                                                    ArtifactOptions options) {
  return open_index<ArtifactIndex>(data_dir, /*create_if_missing=*/false, std::move(options));
}

Result<Artifact> ArtifactIndex::create(int64_t run_id, const std::string& job,
                                       const std::string& name, int64_t expires_ms) {
  if (std::string why = invalid_artifact_name(name); !why.empty())
    return refusal("invalid_argument", why);
  std::lock_guard lock(mutex_);
  ArtifactTable table(*db_);
  Artifact created;
  std::vector<std::string> released;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    released.clear();
    int64_t now_ms = now();
    auto existing = table.by_name(run_id, name);
    if (!existing) return existing.error();
    if (*existing) {
      const Artifact& old = **existing;
      bool expired = old.expires_ms <= now_ms;
      if (old.finalized && !expired)
        return refusal("already_exists", "run " + std::to_string(run_id) +
                                             " already has an artifact named '" + name +
                                             "' (upload with overwrite: true to replace it)");
      if (!old.finalized && !expired && now_ms - old.created_ms < options_.creation_ttl_ms)
        return refusal("already_exists", "another job is uploading artifact '" + name + "'");
      // Expired, or abandoned by a job that died: it gives way.
      if (Status removed = table.remove(old.id); !removed) return removed;
      released.push_back(old.blob_digest);
    }
    created = Artifact{};
    created.run_id = run_id;
    created.job = job;
    created.name = name;
    created.created_ms = now_ms;
    created.expires_ms = expires_ms > 0 ? expires_ms : now_ms + options_.default_retention_ms;
    Result<int64_t> id = table.insert(created);
    if (!id) return id.error();
    created.id = *id;
    return Status::Ok();
  });
  if (!status) return status.error();
  if (Status freed = release_blobs(*db_, blobs_, released); !freed) return freed.error();
  return created;
}

Result<Artifact> ArtifactIndex::finalize(int64_t run_id, const std::string& name,
                                         const std::string& blob_digest, uint64_t size,
                                         const std::string& hash, const std::string& content_type) {
  // The content's own SHA-256: a single-part blob's id; a blob kept as blocks is named
  // otherwise, so it is read and hashed once (outside the write transaction).
  std::string content_sha256 = blob_digest;
  if (std::optional<BlobStore::Blob> blob = blobs_.find(blob_digest);
      blob && blob->parts.size() > 1) {
    Result<std::string> hashed = BlobStore::content_sha256(*blob);
    if (!hashed) return hashed.error();
    content_sha256 = *hashed;
  }
  if (!hash.empty() && hash != "sha256:" + content_sha256)
    return refusal("invalid_argument",
                   "artifact '" + name + "': the declared hash " + hash +
                       " does not match the uploaded content (sha256:" + content_sha256 + ")");
  std::lock_guard lock(mutex_);
  ArtifactTable table(*db_);
  Artifact finalized;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    auto existing = table.by_name(run_id, name);
    if (!existing) return existing.error();
    if (!*existing)
      return refusal("not_found", "run " + std::to_string(run_id) + " has no artifact named '" +
                                      name + "' to finalize; create it first");
    if ((*existing)->finalized)
      return refusal("already_exists", "artifact '" + name + "' is already finalized");
    // Checked inside the write transaction: blobs are released inside one too.
    std::optional<BlobStore::Blob> blob = blobs_.find(blob_digest);
    if (!blob)
      return refusal("failed_precondition", "the uploaded content is missing; upload again");
    if (blob->size != size)
      return refusal("invalid_argument", "artifact '" + name + "' has " +
                                             std::to_string(blob->size) + " bytes uploaded, not " +
                                             std::to_string(size));
    finalized = **existing;
    finalized.blob_digest = blob_digest;
    finalized.size = size;
    finalized.digest = "sha256:" + content_sha256;
    finalized.content_type = content_type;
    finalized.finalized = true;
    return table.finalize(finalized.id, blob_digest, size, finalized.digest, content_type);
  });
  if (!status) return status.error();
  return finalized;
}

Result<std::vector<Artifact>> ArtifactIndex::list(int64_t run_id,
                                                  const std::optional<std::string>& name,
                                                  std::optional<int64_t> id) {
  std::lock_guard lock(mutex_);
  return ArtifactTable(*db_).visible(run_id, now(), name, id);
}

Result<std::optional<Artifact>> ArtifactIndex::get(int64_t run_id, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto found = ArtifactTable(*db_).visible(run_id, now(), name, std::nullopt);
  if (!found) return found.error();
  if (found->empty()) return std::optional<Artifact>();
  return std::optional<Artifact>(found->front());
}

Result<Artifact> ArtifactIndex::remove(int64_t run_id, const std::string& name) {
  std::lock_guard lock(mutex_);
  ArtifactTable table(*db_);
  Artifact removed;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    auto found = table.visible(run_id, now(), name, std::nullopt);
    if (!found) return found.error();
    if (found->empty())
      return refusal("not_found",
                     "run " + std::to_string(run_id) + " has no artifact named '" + name + "'");
    removed = found->front();
    return table.remove(removed.id);
  });
  if (!status) return status.error();
  if (Status freed = release_blobs(*db_, blobs_, {removed.blob_digest}); !freed)
    return freed.error();
  return removed;
}

Result<size_t> ArtifactIndex::remove_expired() {
  std::lock_guard lock(mutex_);
  ArtifactTable table(*db_);
  std::vector<std::string> released;
  Status status = db_->transaction(Database::Mode::kWrite, [&]() -> Status {
    released.clear();
    auto expired = table.expired(now());
    if (!expired) return expired.error();
    for (const Artifact& artifact : *expired) {
      if (Status removed = table.remove(artifact.id); !removed) return removed;
      released.push_back(artifact.blob_digest);
    }
    return Status::Ok();
  });
  if (!status) return status.error();
  if (Status freed = release_blobs(*db_, blobs_, released); !freed) return freed.error();
  return released.size();
}

}  // namespace sluice::runtime

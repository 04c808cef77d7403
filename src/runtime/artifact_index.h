// ArtifactIndex: the artifacts of each run, for the Actions artifact service v4
// (upload-artifact@v4, download-artifact@v4, @actions/artifact) and `sluice artifacts`.
//
// Semantics follow GitHub (docs/cache-and-artifacts.md):
// - Artifacts belong to a run (sluice's run id); the job that created one is recorded.
//   Names are unique per run, 1 to 256 bytes, none of `" : < > | * ? \r \n \ /`, and
//   not "." or ".." (they would name a directory on download). A second
//   create() of a name is refused with already_exists (the client deletes first for
//   `overwrite: true`), unless the first was never finalized and is older than
//   `creation_ttl_ms` (its job died).
// - Ids increase (SQLite AUTOINCREMENT, never reused) and stay below 2^53.
// - finalize() checks that the uploaded blob has the declared size and, when the client
//   sent one, the declared "sha256:<hex>" hash (the content's, read once here for a blob kept
//   as blocks); it stores "sha256:<hex>" as the digest that
//   downloads are checked against.
// - Only finalized, unexpired artifacts are listed or found. An artifact expires at
//   `expires_ms` (the client's retention-days; default `default_retention_ms`, 90 days as
//   on GitHub); remove_expired() deletes expired rows and their unreferenced blobs.
//
// Persistence, errors and threading: as CacheIndex (runtime.db + BlobStore; refusals carry
// a Twirp code, see refusal_code()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/blob_store.h"
#include "runtime/index_common.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::runtime {

using store::Artifact;  // id, run_id, job, name, size, digest, blob_digest, content_type, ...

struct ArtifactOptions {
  int64_t default_retention_ms = 90ll * 24 * 3600 * 1000;
  int64_t creation_ttl_ms = 30ll * 60 * 1000;
  std::function<int64_t()> now_ms;  // wall clock in ms; tests pass a manual one
};

// Why `name` cannot be an artifact name ("" when it can).
std::string invalid_artifact_name(const std::string& name);

class ArtifactIndex {
 public:
  static Result<std::unique_ptr<ArtifactIndex>> open(const std::string& data_dir,
                                                     ArtifactOptions options = {});
  // Opens only when <data dir>/runtime.db exists (read paths such as `sluice show` must not
  // create it): nullptr when there is none.
  static Result<std::unique_ptr<ArtifactIndex>> open_existing(const std::string& data_dir,
                                                              ArtifactOptions options = {});
  // Use open(): it opens runtime.db and fills in the default clock.
  ArtifactIndex(std::unique_ptr<store::sqlite::Database> db, std::string blob_dir,
                ArtifactOptions options);
  ~ArtifactIndex();

  // CreateArtifact. `expires_ms` 0: the default retention from now.
  Result<Artifact> create(int64_t run_id, const std::string& job, const std::string& name,
                          int64_t expires_ms = 0);
  // FinalizeArtifact. `hash` is the client's "sha256:<hex>" ("" when it sent none).
  Result<Artifact> finalize(int64_t run_id, const std::string& name, const std::string& blob_digest,
                            uint64_t size, const std::string& hash,
                            const std::string& content_type);
  // ListArtifacts: finalized, unexpired artifacts of the run, by id; optional filters.
  Result<std::vector<Artifact>> list(int64_t run_id, const std::optional<std::string>& name = {},
                                     std::optional<int64_t> id = {});
  // GetSignedArtifactURL: the finalized, unexpired artifact `name` of the run.
  Result<std::optional<Artifact>> get(int64_t run_id, const std::string& name);
  // DeleteArtifact: removes the artifact (and its blob when nothing else refers to it).
  Result<Artifact> remove(int64_t run_id, const std::string& name);
  // Removes every expired artifact; returns how many.
  Result<size_t> remove_expired();

  BlobStore& blobs() { return blobs_; }

 private:
  int64_t now() const { return options_.now_ms(); }

  std::mutex mutex_;  // guards db_
  std::unique_ptr<store::sqlite::Database> db_;
  BlobStore blobs_;
  ArtifactOptions options_;
};

}  // namespace sluice::runtime

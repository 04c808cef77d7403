// Downloading an artifact out of the blob store, as download-artifact@v4 does: the content
// is checked against the artifact's recorded "sha256:<hex>" digest first (a blob changed
// on disk is refused, nothing is written), then a zipped artifact is unzipped into the
// destination and any other one is saved there under its name.
//
// Unzipping streams through libarchive in constant memory and refuses entries that would
// land outside the destination (absolute paths, "..", paths through symlinks): the zip was
// made by a workflow step, which is untrusted input.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "runtime/blob_store.h"
#include "store/sqlite/runtime_tables.h"

namespace sluice::runtime {

struct DownloadedArtifact {
  uint64_t files = 0;  // files written
  uint64_t bytes = 0;  // bytes written
};

// True when the artifact holds a zip archive: upload-artifact's default type, or no type
// and zip's magic bytes (`archive: false` uploads keep the file's own type and are saved
// as they are).
bool is_zipped(const store::Artifact& artifact, const std::string& blob_path);

// Checks the digest and writes the artifact's files into `dest_dir` (created if missing).
Result<DownloadedArtifact> download_artifact(const BlobStore& blobs,
                                             const store::Artifact& artifact,
                                             const std::string& dest_dir);

// Unzips `zip_path` into `dest_dir` (the part of download_artifact after the digest check).
Result<DownloadedArtifact> unzip_into(const std::string& zip_path, const std::string& dest_dir);

}  // namespace sluice::runtime

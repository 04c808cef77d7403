// BlobStore: the bytes behind cache entries and artifacts, content-addressed by SHA-256.
//
// Layout under `dir` (normally <data dir>/blobs):
//   sha256/<2 hex>/<64 hex>           a finished single-part blob (one file)
//   sha256/<2 hex>/<64 hex>.blocks/   a finished blob kept as its blocks: files 000000,
//                                     000001, ... whose concatenation is the content
//   tmp/<random>.part                 incoming bodies (temp_path)
//   tmp/<random>.blocks/              a block-list blob being assembled
//   uploads/<upload>/blocks/<hex of block id>   staged blocks of an upload
//   uploads/<upload>/result           "<digest> <size> <content type>" of a finished upload
//
// Blob ids. A single-part blob (a whole-blob PUT, or a block list of one block) is named by
// the SHA-256 of its content. A blob committed from several blocks is kept as those blocks
// (hard links of the staged files: committing writes no byte of content a second time) and
// named by the SHA-256 of "sluice-blocks-v1\n" followed by "<block sha256> <block size>\n"
// for each block in list order: still a pure function of the content and its cut, so the
// same upload twice is one blob, and never equal to a content hash in practice. Whoever
// needs the content's own SHA-256 of such a blob (artifact digests) asks content_sha256().
// Blocks are hashed while they arrive (the HTTP server hashes bodies as it writes them and
// stage_block keeps the digest in the file's user.sluice.sha256 attribute); a block without
// one (a file system without user xattrs) is hashed at commit.
//
// Invariants:
// - What is under sha256/ is complete: it is assembled under tmp/, fsynced (file contents
//   and directory), then renamed into place (rename is atomic on one filesystem, and tmp/
//   is on the same one). A crash leaves at most something under tmp/ or uploads/, never a
//   partial blob; `remove_stale` deletes such leftovers once they are old.
// - Memory is constant: bodies are hashed and copied in fixed-size chunks, never held.
// - Upload names and block ids come from URLs: an upload name must match
//   [A-Za-z0-9][A-Za-z0-9._-]{0,127}; a block id is any byte string up to 1024 bytes and is
//   stored hex-encoded, so neither can name a path outside `dir`.
//
// Threading: every method may be called from several threads and processes at once. Two
// writers of the same content publish the same blob (the second finds it in place and
// drops its copy). Staging the same block id twice keeps the last one, as Azure does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::runtime {

class BlobStore {
 public:
  struct Blob {
    std::string digest;  // the blob's id (see above), lowercase hex
    uint64_t size = 0;
    // Absolute paths of the files whose concatenation is the content, in order (one for
    // a single-part blob). Filled by find() and uploaded().
    std::vector<std::string> parts;
    std::string content_type;  // as the upload declared it ("" when unknown)
    int64_t modified_ms = 0;   // when it was written (find() only)
  };

  explicit BlobStore(std::string dir);

  const std::string& dir() const { return dir_; }

  // A new, not yet existing path under tmp/ for an incoming body. The caller creates and
  // writes the file, then hands it to put() or stage_block(), which take it over (move or
  // delete it); on failure the caller removes it.
  Result<std::string> temp_path();

  // PUT BlockBlob: `temp` is the whole blob. Publishes it and records it as the result of
  // `upload` (replacing an earlier result). `sha256`: the content's digest when the caller
  // hashed it while writing `temp` ("" to hash it here).
  Status put(const std::string& upload, const std::string& temp, const std::string& sha256 = "");
  // PUT ?comp=block: stages `temp` as block `block_id` of `upload` (`sha256` as for put()).
  // Nothing is synced here: the commit fsyncs the blocks it publishes (the HTTP server
  // writes bodies back while they arrive, BodyPlan::write_back, so that fsync waits little).
  Status stage_block(const std::string& upload, const std::string& block_id,
                     const std::string& temp, const std::string& sha256 = "");
  // PUT ?comp=blocklist: publishes the staged blocks in the order of `ids` (a block may
  // appear more than once) as one blob and records it with `content_type`. An unknown id
  // fails with "invalid_argument: ..." and publishes nothing. The staged blocks are removed
  // once the result is recorded.
  Status commit_blocks(const std::string& upload, const std::vector<std::string>& ids,
                       const std::string& content_type);

  // The finished content of `upload` (after put or commit_blocks).
  Result<Blob> uploaded(const std::string& upload) const;
  // Forgets `upload`: its staged blocks and result (not the published blob).
  Status discard(const std::string& upload);

  // The published blob with this digest, if any (content_type is empty: one blob can be
  // uploaded under several types; the indexes keep the type).
  std::optional<Blob> find(const std::string& digest) const;
  // The SHA-256 of the blob's content, read and hashed now (a single-part blob's id is the
  // hash its content had when it was received; this checks what is on disk).
  static Result<std::string> content_sha256(const Blob& blob);
  // Removes a published blob (a missing one is fine). Callers make sure that nothing refers
  // to it any more.
  Status remove(const std::string& digest);
  // The digests of every published blob (for garbage collection).
  std::vector<std::string> list() const;

  // Deletes temp files and uploads not modified for `max_age_ms`: what dead uploads left.
  // Returns how many entries were removed.
  size_t remove_stale(int64_t max_age_ms);

  // True when `name` is acceptable as an upload name.
  static bool valid_upload_name(const std::string& name);

 private:
  std::string upload_dir(const std::string& upload) const;
  std::string blob_path(const std::string& digest) const;
  // Moves the finished file or .blocks directory `temp` to the address of `digest`
  // (`suffix`: "" or ".blocks"). When that blob exists already, `temp` is removed.
  Status publish(const std::string& temp, const std::string& digest, const std::string& suffix);
  Status record_result(const std::string& upload, const Blob& blob);

  std::string dir_;
};

// SHA-256 of a file, read in chunks, with its size. Lowercase hex.
struct FileDigest {
  std::string sha256;
  uint64_t size = 0;
};
Result<FileDigest> sha256_file(const std::string& path);
// Copies every part of `blob` in order to `out_fd` (1 MiB at a time).
Status copy_blob(const BlobStore::Blob& blob, int out_fd);

}  // namespace sluice::runtime

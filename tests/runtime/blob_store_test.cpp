#include "runtime/blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <filesystem>
#include <fstream>

#include "core/sha256.h"
#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

namespace fs = std::filesystem;
using store::testing::read_file;
using store::testing::TempDir;

// sha256("hello") and sha256("abcdef").
constexpr const char* kHello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
constexpr const char* kAbcdef = "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721";

// Writes `text` to a fresh temp path of the store, as the HTTP server does with a body.
std::string incoming(BlobStore& blobs, const std::string& text) {
  Result<std::string> path = blobs.temp_path();
  EXPECT_TRUE(path.ok());
  std::ofstream(*path, std::ios::binary) << text;
  return *path;
}

// The content of a blob: its parts one after the other.
std::string content_of(const BlobStore::Blob& blob) {
  std::string out;
  for (const std::string& part : blob.parts) out += read_file(part);
  return out;
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

size_t files_under(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

TEST(BlobStore, PutPublishesTheContentUnderItsDigest) {
  TempDir dir;
  BlobStore blobs((dir.path() / "blobs").string());
  std::string temp = incoming(blobs, "hello");
  ASSERT_TRUE(blobs.put("cache-1", temp).ok());
  EXPECT_FALSE(fs::exists(temp));  // taken over
  Result<BlobStore::Blob> blob = blobs.uploaded("cache-1");
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  EXPECT_EQ(blob->digest, kHello);
  EXPECT_EQ(blob->size, 5u);
  EXPECT_EQ(content_of(*blob), "hello");
  std::optional<BlobStore::Blob> found = blobs.find(kHello);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->parts, blob->parts);
  EXPECT_EQ(found->parts.size(), 1u);
  EXPECT_EQ(BlobStore::content_sha256(*found).value(), kHello);
  EXPECT_EQ(blobs.list(), std::vector<std::string>{kHello});
}

TEST(BlobStore, TheSameContentTwiceIsOneBlob) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  ASSERT_TRUE(blobs.put("a", incoming(blobs, "hello")).ok());
  ASSERT_TRUE(blobs.put("b", incoming(blobs, "hello")).ok());
  EXPECT_EQ(blobs.uploaded("a")->digest, blobs.uploaded("b")->digest);
  EXPECT_EQ(blobs.list().size(), 1u);
}

TEST(BlobStore, BlocksAreJoinedInListOrderNotArrivalOrder) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  // Azure block ids are base64 and may contain '/', '+' and '='.
  ASSERT_TRUE(blobs.stage_block("art-7", "Yw==/+", incoming(blobs, "ef")).ok());
  ASSERT_TRUE(blobs.stage_block("art-7", "YQ==", incoming(blobs, "ab")).ok());
  ASSERT_TRUE(blobs.stage_block("art-7", "Yg==", incoming(blobs, "cd")).ok());
  ASSERT_TRUE(blobs.commit_blocks("art-7", {"YQ==", "Yg==", "Yw==/+"}, "application/zip").ok());
  Result<BlobStore::Blob> blob = blobs.uploaded("art-7");
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  EXPECT_EQ(content_of(*blob), "abcdef");
  EXPECT_EQ(BlobStore::content_sha256(*blob).value(), kAbcdef);
  EXPECT_EQ(blob->size, 6u);
  EXPECT_EQ(blob->content_type, "application/zip");
  EXPECT_FALSE(fs::exists(dir.path() / "uploads" / "art-7" / "blocks"));
}

// Committing a block list writes no byte of content again: the blob's parts are the very
// files the blocks were staged in (same inodes), found, listed and removed as one blob.
TEST(BlobStore, CommittingBlocksCopiesNothing) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  ASSERT_TRUE(blobs.stage_block("u", "b2", incoming(blobs, "cd")).ok());
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "ab")).ok());
  fs::path staged = dir.path() / "uploads" / "u" / "blocks";
  ino_t first = inode_of(staged / "6231"), second = inode_of(staged / "6232");  // hex("b1")
  ASSERT_NE(first, 0u);
  ASSERT_TRUE(blobs.commit_blocks("u", {"b1", "b2", "b1"}, "").ok());
  Result<BlobStore::Blob> blob = blobs.uploaded("u");
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  ASSERT_EQ(blob->parts.size(), 3u);
  EXPECT_EQ(inode_of(blob->parts[0]), first);
  EXPECT_EQ(inode_of(blob->parts[1]), second);
  EXPECT_EQ(inode_of(blob->parts[2]), first);  // a block listed twice is linked twice
  EXPECT_EQ(content_of(*blob), "abcdab");
  EXPECT_EQ(blob->size, 6u);
  EXPECT_EQ(blobs.list(), std::vector<std::string>{blob->digest});
  std::optional<BlobStore::Blob> found = blobs.find(blob->digest);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->parts, blob->parts);
  EXPECT_EQ(found->size, 6u);
  // The same upload again is the same blob.
  ASSERT_TRUE(blobs.stage_block("v", "x", incoming(blobs, "ab")).ok());
  ASSERT_TRUE(blobs.stage_block("v", "y", incoming(blobs, "cd")).ok());
  ASSERT_TRUE(blobs.commit_blocks("v", {"x", "y", "x"}, "").ok());
  EXPECT_EQ(blobs.uploaded("v")->digest, blob->digest);
  EXPECT_EQ(blobs.list().size(), 1u);
  EXPECT_EQ(files_under(dir.path() / "tmp"), 0u);
  ASSERT_TRUE(blobs.remove(blob->digest).ok());
  EXPECT_FALSE(blobs.find(blob->digest).has_value());
  EXPECT_TRUE(blobs.list().empty());
}

// The digest the HTTP server computed while a block arrived names the blob: the commit
// reads no block to hash it (here the given digests are not the content's, which shows it).
TEST(BlobStore, BlockDigestsGivenAtStagingAreNotComputedAgain) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  std::string probe = incoming(blobs, "x");
  if (::setxattr(probe.c_str(), "user.sluice.probe", "1", 1, 0) != 0)
    GTEST_SKIP() << "no user xattrs on " << dir.path();
  fs::remove(probe);
  std::string zeros(64, '0'), ones(64, '1');
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "ab"), zeros).ok());
  ASSERT_TRUE(blobs.stage_block("u", "b2", incoming(blobs, "cd"), ones).ok());
  ASSERT_TRUE(blobs.commit_blocks("u", {"b1", "b2"}, "").ok());
  Sha256 expected;
  std::string listing = "sluice-blocks-v1\n" + zeros + " 2\n" + ones + " 2\n";
  expected.update(listing.data(), listing.size());
  EXPECT_EQ(blobs.uploaded("u")->digest, expected.finish_hex());
}

TEST(BlobStore, ARestagedBlockReplacesTheEarlierOne) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "old")).ok());
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "hello")).ok());
  ASSERT_TRUE(blobs.commit_blocks("u", {"b1"}, "").ok());
  EXPECT_EQ(blobs.uploaded("u")->digest, kHello);
}

TEST(BlobStore, AnUnknownBlockIdPublishesNothing) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "ab")).ok());
  Status status = blobs.commit_blocks("u", {"b1", "b2"}, "");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message.rfind("invalid_argument: ", 0), 0u) << status.error().message;
  EXPECT_TRUE(blobs.list().empty());
  EXPECT_FALSE(blobs.uploaded("u").ok());
}

// A failure in the middle of assembling a blob (here: the second block cannot be read)
// leaves no blob, no upload result and no temp file.
TEST(BlobStore, AFailureMidCommitLeavesNothingVisible) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  ASSERT_TRUE(blobs.stage_block("u", "b1", incoming(blobs, "ab")).ok());
  ASSERT_TRUE(blobs.stage_block("u", "b2", incoming(blobs, "cd")).ok());
  fs::path second = dir.path() / "uploads" / "u" / "blocks" / "6232";  // hex("b2")
  ASSERT_TRUE(fs::exists(second));
  fs::remove(second);
  fs::create_directory(second);  // exists, but reading it fails (EISDIR)
  Status status = blobs.commit_blocks("u", {"b1", "b2"}, "");
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(blobs.list().empty());
  EXPECT_FALSE(blobs.uploaded("u").ok());
  EXPECT_EQ(files_under(dir.path() / "tmp"), 0u);
}

TEST(BlobStore, UploadNamesCannotLeaveTheDirectory) {
  TempDir dir;
  BlobStore blobs((dir.path() / "blobs").string());
  for (const std::string& name :
       std::vector<std::string>{"../x", "..", ".", "a/b", "/etc/passwd", "", ".hidden", "a\\b",
                                "a\nb", std::string(129, 'a')}) {
    std::string temp = incoming(blobs, "x");
    Status put = blobs.put(name, temp);
    EXPECT_FALSE(put.ok()) << name;
    EXPECT_FALSE(blobs.stage_block(name, "b", temp).ok()) << name;
    EXPECT_FALSE(blobs.commit_blocks(name, {}, "").ok()) << name;
    EXPECT_FALSE(blobs.uploaded(name).ok()) << name;
    EXPECT_FALSE(blobs.discard(name).ok()) << name;
    fs::remove(temp);
  }
  EXPECT_TRUE(BlobStore::valid_upload_name("cache-42.v1_x"));
  // Only the blob store's own directory was touched.
  std::vector<std::string> top;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    top.push_back(entry.path().filename().string());
  EXPECT_EQ(top, std::vector<std::string>{"blobs"});
}

TEST(BlobStore, BlockIdsAreStoredHexEncoded) {
  TempDir dir;
  BlobStore blobs((dir.path() / "blobs").string());
  ASSERT_TRUE(blobs.stage_block("u", "../../../escaped", incoming(blobs, "ab")).ok());
  EXPECT_FALSE(fs::exists(dir.path() / "escaped"));
  EXPECT_EQ(files_under(dir.path() / "blobs" / "uploads" / "u" / "blocks"), 1u);
  EXPECT_FALSE(blobs.stage_block("u", std::string(1025, 'a'), incoming(blobs, "x")).ok());
  EXPECT_FALSE(blobs.stage_block("u", "", incoming(blobs, "x")).ok());
}

TEST(BlobStore, FindAndRemoveAcceptOnlyDigests) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  EXPECT_FALSE(blobs.find("../../etc/passwd").has_value());
  EXPECT_FALSE(blobs.remove("../x").ok());
  ASSERT_TRUE(blobs.put("u", incoming(blobs, "hello")).ok());
  ASSERT_TRUE(blobs.remove(kHello).ok());
  EXPECT_FALSE(blobs.find(kHello).has_value());
  EXPECT_TRUE(blobs.remove(kHello).ok());  // already gone is fine
  Result<BlobStore::Blob> gone = blobs.uploaded("u");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message.rfind("not_found: ", 0), 0u);
}

TEST(BlobStore, RemoveStaleDeletesOnlyOldLeftovers) {
  TempDir dir;
  BlobStore blobs(dir.path().string());
  std::string old_temp = incoming(blobs, "old");
  std::string new_temp = incoming(blobs, "new");
  ASSERT_TRUE(blobs.stage_block("dead", "b", incoming(blobs, "x")).ok());
  ASSERT_TRUE(blobs.stage_block("alive", "b", incoming(blobs, "x")).ok());
  testing::age_file(old_temp, 7200);
  testing::age_file(dir.path() / "uploads" / "dead", 7200);
  testing::age_file(dir.path() / "uploads" / "dead" / "blocks", 7200);
  EXPECT_EQ(blobs.remove_stale(3600 * 1000), 2u);
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(new_temp));
  EXPECT_FALSE(fs::exists(dir.path() / "uploads" / "dead"));
  EXPECT_TRUE(fs::exists(dir.path() / "uploads" / "alive"));
}

TEST(BlobStore, Sha256FileHashesInChunks) {
  TempDir dir;
  fs::path path = dir.path() / "big";
  {
    std::ofstream out(path, std::ios::binary);
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 3; ++i) out << chunk;
    out << "tail";
  }
  Result<FileDigest> digest = sha256_file(path.string());
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(digest->size, 3u * (1 << 20) + 4);
  EXPECT_EQ(digest->sha256, "e402d2c774eeab942791b15b0e0f0729219511a41ae5ac4854d08c8841adf7a9");
  EXPECT_FALSE(sha256_file((dir.path() / "missing").string()).ok());
}

}  // namespace
}  // namespace sluice::runtime

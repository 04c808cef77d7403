#include "runtime/artifact_download.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

namespace fs = std::filesystem;
using store::testing::read_file;

struct ZipEntry {
  std::string name;
  std::string content;
  std::string symlink_target;  // non-empty: a symlink entry
};

// Writes a zip with libarchive (the same library that reads it).
void write_zip(const fs::path& path, const std::vector<ZipEntry>& entries) {
  archive* zip = archive_write_new();
  archive_write_set_format_zip(zip);
  ASSERT_EQ(archive_write_open_filename(zip, path.c_str()), ARCHIVE_OK);
  for (const ZipEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    if (e.symlink_target.empty()) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    } else {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.symlink_target.c_str());
    }
    archive_write_header(zip, entry);
    if (!e.content.empty()) archive_write_data(zip, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(zip);
  archive_write_free(zip);
}

class ArtifactDownloadTest : public testing::RuntimeFixture {
 protected:
  // Stores the file at `path` as an artifact with `content_type`.
  store::Artifact stored(BlobStore& blobs, const fs::path& path, const std::string& name,
                         const std::string& content_type) {
    std::string digest = upload(blobs, "u-" + name, read_file(path));
    store::Artifact artifact;
    artifact.name = name;
    artifact.blob_digest = digest;
    artifact.digest = "sha256:" + digest;
    artifact.content_type = content_type;
    return artifact;
  }
  fs::path root() const { return fs::path(data_dir()); }
};

TEST_F(ArtifactDownloadTest, AZippedArtifactIsUnzippedWithItsFolders) {
  BlobStore blobs((root() / "blobs").string());
  write_zip(root() / "a.zip", {{"top.txt", "top", ""}, {"sub/deep/x.txt", "deep", ""}});
  auto done = download_artifact(blobs, stored(blobs, root() / "a.zip", "dist", "application/zip"),
                                (root() / "out").string());
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->files, 2u);
  EXPECT_EQ(done->bytes, 7u);
  EXPECT_EQ(read_file(root() / "out" / "top.txt"), "top");
  EXPECT_EQ(read_file(root() / "out" / "sub" / "deep" / "x.txt"), "deep");
}

TEST_F(ArtifactDownloadTest, WithoutATypeAZipIsRecognisedByItsMagic) {
  BlobStore blobs((root() / "blobs").string());
  write_zip(root() / "a.zip", {{"f.txt", "zipped", ""}});
  store::Artifact artifact = stored(blobs, root() / "a.zip", "old-client", "");
  ASSERT_TRUE(download_artifact(blobs, artifact, (root() / "out").string()).ok());
  EXPECT_EQ(read_file(root() / "out" / "f.txt"), "zipped");
}

TEST_F(ArtifactDownloadTest, ARawArtifactIsSavedUnderItsName) {
  BlobStore blobs((root() / "blobs").string());
  write_zip(root() / "a.zip", {{"f.txt", "zipped", ""}});
  // archive: false keeps the file's own type, even for a .zip file.
  store::Artifact artifact = stored(blobs, root() / "a.zip", "a.zip", "application/x-zip-raw");
  ASSERT_TRUE(download_artifact(blobs, artifact, (root() / "out").string()).ok());
  EXPECT_EQ(read_file(root() / "out" / "a.zip"), read_file(root() / "a.zip"));
  EXPECT_FALSE(fs::exists(root() / "out" / "f.txt"));
}

// A blob kept as several blocks (an upload in blocks): a zip is joined and unzipped, and
// its digest is the content's SHA-256 (not the blob's id).
TEST_F(ArtifactDownloadTest, AnArtifactKeptAsBlocksIsJoined) {
  BlobStore blobs((root() / "blobs").string());
  write_zip(root() / "a.zip", {{"f.txt", "zipped", ""}, {"g.txt", std::string(5000, 'g'), ""}});
  std::string zip = read_file(root() / "a.zip");
  for (std::string type : {"application/zip", "application/octet-stream"}) {
    std::string upload = type == "application/zip" ? "z" : "raw";
    std::vector<std::string> ids;
    for (size_t at = 0; at < zip.size(); at += 100) {
      ids.push_back("b" + std::to_string(at));
      auto temp = blobs.temp_path();
      ASSERT_TRUE(temp.ok());
      std::ofstream(*temp, std::ios::binary) << zip.substr(at, 100);
      ASSERT_TRUE(blobs.stage_block(upload, ids.back(), *temp).ok());
    }
    ASSERT_TRUE(blobs.commit_blocks(upload, ids, type).ok());
    auto blob = blobs.uploaded(upload);
    ASSERT_TRUE(blob.ok());
    ASSERT_GT(blob->parts.size(), 1u);
    store::Artifact artifact;
    artifact.name = "a.zip";
    artifact.blob_digest = blob->digest;
    artifact.digest = "sha256:" + sha256_file((root() / "a.zip").string())->sha256;
    artifact.content_type = type;
    fs::path out = root() / ("out-" + upload);
    auto done = download_artifact(blobs, artifact, out.string());
    ASSERT_TRUE(done.ok()) << done.error().message;
    if (upload == "z") {
      EXPECT_EQ(read_file(out / "f.txt"), "zipped");
      EXPECT_EQ(read_file(out / "g.txt"), std::string(5000, 'g'));
      EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 2);
    } else {
      EXPECT_EQ(read_file(out / "a.zip"), zip);
    }
  }
}

TEST_F(ArtifactDownloadTest, ADamagedBlobWritesNothing) {
  BlobStore blobs((root() / "blobs").string());
  write_zip(root() / "a.zip", {{"f.txt", "zipped", ""}});
  store::Artifact artifact = stored(blobs, root() / "a.zip", "dist", "application/zip");
  artifact.digest = "sha256:" + std::string(64, '0');  // recorded digest differs
  auto done = download_artifact(blobs, artifact, (root() / "out").string());
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("does not match its digest"), std::string::npos);
  EXPECT_FALSE(fs::exists(root() / "out"));
}

TEST_F(ArtifactDownloadTest, EntriesOutsideTheDestinationAreRefused) {
  for (const std::vector<ZipEntry>& entries : std::vector<std::vector<ZipEntry>>{
           {{"../escaped.txt", "x", ""}},
           {{"a/../../escaped.txt", "x", ""}},
           {{"/tmp/absolute-escape.txt", "x", ""}},
           // A symlink to outside, then a file written through it.
           {{"link", "", root().string()}, {"link/escaped.txt", "x", ""}},
       }) {
    fs::remove_all(root() / "out");
    write_zip(root() / "evil.zip", entries);
    auto done = unzip_into((root() / "evil.zip").string(), (root() / "out").string());
    EXPECT_FALSE(done.ok()) << entries.back().name;
    EXPECT_FALSE(fs::exists(root() / "escaped.txt")) << entries.back().name;
  }
  EXPECT_FALSE(fs::exists("/tmp/absolute-escape.txt"));
}

}  // namespace
}  // namespace sluice::runtime

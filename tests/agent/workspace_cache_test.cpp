// The agent's workspace: tars unpacked in-process, and commits' trees kept by SHA-256 and
// copied into each lease.
#include "agent/workspace_cache.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "agent/workspace_archive.h"

namespace sluice::agent {
namespace {

namespace fs = std::filesystem;
using store::testing::read_file;

class WorkspaceCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(src() / "sub");
    std::ofstream(src() / "a.txt") << "a\n";
    std::ofstream(src() / "sub/run.sh") << "#!/bin/sh\necho hi\n";
    fs::permissions(src() / "sub/run.sh", fs::perms(0755));
    fs::create_symlink("../a.txt", src() / "sub/link");
    ASSERT_TRUE(create_workspace_archive(src().string(), tar().string()).ok());
  }
  fs::path src() const { return dir_.path() / "src"; }
  fs::path tar() const { return dir_.path() / "ws.tar"; }

  void expect_tree(const fs::path& dest) {
    EXPECT_EQ(read_file(dest / "a.txt"), "a\n");
    EXPECT_EQ(read_file(dest / "sub/run.sh"), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(fs::status(dest / "sub/run.sh").permissions() & fs::perms::owner_exec,
              fs::perms::owner_exec);
    EXPECT_TRUE(fs::is_symlink(dest / "sub/link"));
    EXPECT_EQ(fs::read_symlink(dest / "sub/link"), "../a.txt");
  }

  store::testing::TempDir dir_;
};

TEST_F(WorkspaceCacheTest, UnpacksATarInProcess) {
  ASSERT_TRUE(extract_workspace_archive(tar().string(), (dir_.path() / "out").string()).ok());
  expect_tree(dir_.path() / "out");
}

TEST_F(WorkspaceCacheTest, AKeptTreeIsCopiedWithoutADownload) {
  auto sha = file_sha256(tar().string());
  ASSERT_TRUE(sha.ok());
  WorkspaceCache cache((dir_.path() / "trees").string());
  int downloads = 0;
  auto download = [&](const std::string& file) {
    ++downloads;
    fs::copy_file(tar(), file);
    return Status::Ok();
  };
  ASSERT_TRUE(cache.fill(*sha, (dir_.path() / "l-1").string(), download).ok());
  ASSERT_TRUE(cache.fill(*sha, (dir_.path() / "l-2").string(), download).ok());
  EXPECT_EQ(downloads, 1);
  EXPECT_EQ(cache.hits(), 1);
  expect_tree(dir_.path() / "l-2");
  // Each lease writes in its own copy, never in the kept tree or another lease's.
  std::ofstream(dir_.path() / "l-1/a.txt") << "changed\n";
  ASSERT_TRUE(cache.fill(*sha, (dir_.path() / "l-3").string(), download).ok());
  EXPECT_EQ(read_file(dir_.path() / "l-3/a.txt"), "a\n");
  EXPECT_EQ(read_file(dir_.path() / "l-2/a.txt"), "a\n");
  struct stat one {
  }, three{};
  ASSERT_EQ(::stat((dir_.path() / "l-1/a.txt").c_str(), &one), 0);
  ASSERT_EQ(::stat((dir_.path() / "l-3/a.txt").c_str(), &three), 0);
  EXPECT_NE(one.st_ino, three.st_ino) << "copies, not hard links";

  // A tar that is not what its SHA-256 said is unpacked for that lease only.
  std::string other(64, '0');
  ASSERT_TRUE(cache.fill(other, (dir_.path() / "l-4").string(), download).ok());
  expect_tree(dir_.path() / "l-4");
  EXPECT_FALSE(fs::exists(dir_.path() / "trees" / other));
  ASSERT_TRUE(cache.fill(other, (dir_.path() / "l-5").string(), download).ok());
  EXPECT_EQ(downloads, 3);

  // A failed download fails the fill and keeps nothing.
  auto fails = [](const std::string&) { return Status(Error{"HTTP 500", {}}); };
  std::string third(64, '3');
  EXPECT_FALSE(cache.fill(third, (dir_.path() / "l-6").string(), fails).ok());
  EXPECT_FALSE(fs::exists(dir_.path() / "trees" / third));
}

TEST_F(WorkspaceCacheTest, OnlyTheMostRecentTreesAreKept) {
  WorkspaceCache cache((dir_.path() / "trees").string(), 2);
  std::vector<std::string> shas;
  for (int i = 0; i < 3; ++i) {
    std::ofstream(src() / "a.txt") << "version " << i << "\n";
    fs::path t = dir_.path() / ("v" + std::to_string(i) + ".tar");
    ASSERT_TRUE(create_workspace_archive(src().string(), t.string()).ok());
    shas.push_back(*file_sha256(t.string()));
    ASSERT_TRUE(cache
                    .fill(shas.back(), (dir_.path() / ("l-" + std::to_string(i))).string(),
                          [&](const std::string& file) {
                            fs::copy_file(t, file);
                            return Status::Ok();
                          })
                    .ok());
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "trees" / shas[0]));
  EXPECT_TRUE(fs::exists(dir_.path() / "trees" / shas[2]));
  EXPECT_EQ(read_file(dir_.path() / "l-2/a.txt"), "version 2\n");
}

// A hostile tar: a member that climbs out of the destination is refused, and nothing is
// written through a symbolic link that an earlier member made.
TEST_F(WorkspaceCacheTest, MembersOutsideTheDestinationAreRefused) {
  auto write_tar = [&](const fs::path& file,
                       const std::vector<std::tuple<std::string, unsigned, std::string>>& members) {
    struct archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_filename(a, file.c_str()), ARCHIVE_OK);
    for (const auto& [name, type, content] : members) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_filetype(e, type);
      archive_entry_set_perm(e, 0644);
      if (type == AE_IFLNK) archive_entry_set_symlink(e, content.c_str());
      if (type == AE_IFREG) archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
      archive_write_header(a, e);
      if (type == AE_IFREG) archive_write_data(a, content.data(), content.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
  };
  fs::path outside = dir_.path() / "outside";
  fs::create_directories(outside);
  write_tar(dir_.path() / "climb.tar", {{"../escaped.txt", AE_IFREG, "x"}});
  auto climb =
      extract_workspace_archive((dir_.path() / "climb.tar").string(), (outside / "ws").string());
  ASSERT_FALSE(climb.ok());
  EXPECT_NE(climb.error().message.find("outside"), std::string::npos) << climb.error().message;
  EXPECT_FALSE(fs::exists(outside / "escaped.txt"));

  write_tar(dir_.path() / "through.tar",
            {{"link", AE_IFLNK, outside.string()}, {"link/planted.txt", AE_IFREG, "x"}});
  EXPECT_FALSE(extract_workspace_archive((dir_.path() / "through.tar").string(),
                                         (dir_.path() / "ws2").string())
                   .ok());
  EXPECT_FALSE(fs::exists(outside / "planted.txt"));

  // A leading '/' is dropped, as GNU tar does.
  write_tar(dir_.path() / "abs.tar", {{"/abs.txt", AE_IFREG, "in"}});
  ASSERT_TRUE(
      extract_workspace_archive((dir_.path() / "abs.tar").string(), (dir_.path() / "ws3").string())
          .ok());
  EXPECT_EQ(read_file(dir_.path() / "ws3/abs.txt"), "in");
}

}  // namespace
}  // namespace sluice::agent

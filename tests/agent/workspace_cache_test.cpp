// The agent's workspace: tars unpacked in-process, and commits' trees kept by SHA-256 and
// copied into each lease.
#include "agent/workspace_cache.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>
#include <vector>

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
  // A download that copies `tar` (ws.tar by default), counted in downloads_.
  std::function<Status(const std::string&)> copy_of(fs::path from = {}) {
    return [this, from](const std::string& file) {
      ++downloads_;
      fs::copy_file(from.empty() ? tar() : from, file);
      return Status::Ok();
    };
  }

  void expect_tree(const fs::path& dest) {
    EXPECT_EQ(read_file(dest / "a.txt"), "a\n");
    EXPECT_EQ(read_file(dest / "sub/run.sh"), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(fs::status(dest / "sub/run.sh").permissions() & fs::perms::owner_exec,
              fs::perms::owner_exec);
    EXPECT_TRUE(fs::is_symlink(dest / "sub/link"));
    EXPECT_EQ(fs::read_symlink(dest / "sub/link"), "../a.txt");
  }

  store::testing::TempDir dir_;
  int downloads_ = 0;
};

TEST_F(WorkspaceCacheTest, UnpacksATarInProcess) {
  ASSERT_TRUE(extract_workspace_archive(tar().string(), (dir_.path() / "out").string()).ok());
  expect_tree(dir_.path() / "out");
}

TEST_F(WorkspaceCacheTest, AKeptTreeIsCopiedWithoutADownload) {
  auto sha = file_sha256(tar().string());
  ASSERT_TRUE(sha.ok());
  WorkspaceCache cache((dir_.path() / "trees").string());
  auto download = copy_of();
  const int& downloads = downloads_;
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

// Everything a job could look at in a tree: each entry's path, type, permissions and content
// (a link's target).
std::vector<std::string> listing(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string line = fs::relative(e.path(), root).string();
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    line += " " + std::to_string(st.st_mode) + " ";
    if (S_ISLNK(st.st_mode)) line += fs::read_symlink(e.path()).string();
    if (S_ISREG(st.st_mode)) line += read_file(e.path());
    char names[256];
    ssize_t n = ::llistxattr(e.path().c_str(), names, sizeof names);
    if (n > 0) line += " xattrs:" + std::string(names, static_cast<size_t>(n));
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

ino_t inode(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(WorkspaceCacheTest, AnUnchangedLeaseDirectoryIsReusedByTheNextLeaseOfItsTree) {
  std::string sha = *file_sha256(tar().string());
  WorkspaceCache cache((dir_.path() / "trees").string());
  auto download = copy_of();
  const int& downloads = downloads_;
  fs::path one = dir_.path() / "leases/1", two = dir_.path() / "leases/2";
  fs::create_directories(dir_.path() / "leases");
  ASSERT_TRUE(cache.open_lease(sha, one.string(), download).ok());
  expect_tree(one / "workspace");
  EXPECT_TRUE(fs::is_empty(one / "temp"));
  ino_t file = inode(one / "workspace/a.txt");
  // What the agent puts beside them (actions, step files) does not keep it from being reused.
  fs::create_directories(one / "actions/1");
  std::ofstream(one / "actions/1/action.yml") << "runs: {}\n";
  std::vector<std::string> pristine = listing(dir_.path() / "leases/1/workspace");

  cache.close_lease(one.string());
  EXPECT_FALSE(fs::exists(one));
  ASSERT_TRUE(cache.open_lease(sha, two.string(), download).ok());
  EXPECT_EQ(cache.reused(), 1);
  EXPECT_EQ(inode(two / "workspace/a.txt"), file) << "the same directory, renamed";
  EXPECT_EQ(listing(two / "workspace"), pristine);
  EXPECT_TRUE(fs::is_empty(two / "temp"));
  EXPECT_FALSE(fs::exists(two / "actions"));
  EXPECT_EQ(downloads, 1);

  // Two leases at once get two directories; a lease of another tree does not get a spare.
  ASSERT_TRUE(cache.open_lease(sha, (dir_.path() / "leases/3").string(), download).ok());
  EXPECT_NE(inode(dir_.path() / "leases/3/workspace/a.txt"), file);
  cache.close_lease(two.string());
  std::ofstream(src() / "a.txt") << "other\n";
  ASSERT_TRUE(create_workspace_archive(src().string(), (dir_.path() / "b.tar").string()).ok());
  std::string other = *file_sha256((dir_.path() / "b.tar").string());
  ASSERT_TRUE(
      cache.open_lease(other, (dir_.path() / "leases/4").string(), copy_of(dir_.path() / "b.tar"))
          .ok());
  EXPECT_EQ(read_file(dir_.path() / "leases/4/workspace/a.txt"), "other\n");
  EXPECT_EQ(cache.reused(), 1);
  // A directory the cache did not make is removed.
  fs::create_directories(dir_.path() / "leases/5/workspace");
  cache.close_lease((dir_.path() / "leases/5").string());
  EXPECT_FALSE(fs::exists(dir_.path() / "leases/5"));
}

// Whatever a job does to its workspace or temp, the next lease of the tree sees a fresh copy:
// each change below is made right after the lease directory was made (in the same clock
// tick: the case coarse timestamps could hide), then the lease ends and the next one begins.
TEST_F(WorkspaceCacheTest, WhatAJobChangesInItsLeaseDirectoryIsNeverSeenByTheNextLease) {
  std::string sha = *file_sha256(tar().string());
  WorkspaceCache cache((dir_.path() / "trees").string());
  auto download = copy_of();
  auto write_at = [](const fs::path& file, const std::string& bytes, int flags) {
    int fd = ::open(file.c_str(), O_WRONLY | flags);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  };
  std::vector<std::pair<std::string, std::function<void(const fs::path& ws)>>> changes = {
      {"same-size write in place", [&](const fs::path& ws) { write_at(ws / "a.txt", "b", 0); }},
      {"the same bytes written again", [&](const fs::path& ws) { write_at(ws / "a.txt", "a", 0); }},
      {"append", [&](const fs::path& ws) { write_at(ws / "sub/run.sh", "x", O_APPEND); }},
      {"truncate", [](const fs::path& ws) { fs::resize_file(ws / "a.txt", 0); }},
      {"chmod", [](const fs::path& ws) { fs::permissions(ws / "sub/run.sh", fs::perms(0700)); }},
      {"chmod of a directory",
       [](const fs::path& ws) { fs::permissions(ws / "sub", fs::perms(0700)); }},
      {"new file", [](const fs::path& ws) { std::ofstream(ws / "sub/new.txt") << "n"; }},
      {"new directory", [](const fs::path& ws) { fs::create_directory(ws / "out"); }},
      {"file removed", [](const fs::path& ws) { fs::remove(ws / "a.txt"); }},
      {"renamed away and back",
       [](const fs::path& ws) {
         fs::rename(ws / "a.txt", ws / "b.txt");
         fs::rename(ws / "b.txt", ws / "a.txt");
       }},
      {"replaced by an equal file",
       [](const fs::path& ws) {
         std::ofstream(ws / "a.new") << "a\n";
         fs::rename(ws / "a.new", ws / "a.txt");
       }},
      {"link retargeted",
       [](const fs::path& ws) {
         fs::remove(ws / "sub/link");
         fs::create_symlink("/etc/passwd", ws / "sub/link");
       }},
      {"hard link made and removed",
       [](const fs::path& ws) {
         fs::create_hard_link(ws / "a.txt", ws / "../temp/held");
         fs::remove(ws / "../temp/held");
       }},
      {"times set back",
       [](const fs::path& ws) {
         struct stat st {};
         ::stat((ws / "a.txt").c_str(), &st);
         std::ofstream(ws / "a.txt", std::ios::app) << "more";
         timespec times[2] = {st.st_atim, st.st_mtim};
         ::utimensat(AT_FDCWD, (ws / "a.txt").c_str(), times, 0);
       }},
      {"extended attribute",
       [](const fs::path& ws) { ::setxattr((ws / "a.txt").c_str(), "user.x", "1", 1, 0); }},
      {"a file in temp", [](const fs::path& ws) { std::ofstream(ws / "../temp/t") << "t"; }},
      {"temp replaced",
       [](const fs::path& ws) {
         fs::remove(ws / "../temp");
         fs::create_directory(ws / "../temp");
       }},
      {"workspace replaced by an equal copy",
       [](const fs::path& ws) {
         fs::rename(ws, ws.string() + ".old");
         fs::copy(ws.string() + ".old", ws,
                  fs::copy_options::recursive | fs::copy_options::copy_symlinks);
         fs::remove_all(ws.string() + ".old");
       }},
  };
  fs::create_directories(dir_.path() / "leases");
  fs::path first = dir_.path() / "leases/first";
  ASSERT_TRUE(cache.open_lease(sha, first.string(), download).ok());
  const std::vector<std::string> pristine = listing(first / "workspace");
  cache.close_lease(first.string());
  int n = 0;
  for (const auto& [what, change] : changes) {
    SCOPED_TRACE(what);
    fs::path lease = dir_.path() / ("leases/" + std::to_string(++n));
    int64_t reused = cache.reused();
    ASSERT_TRUE(cache.open_lease(sha, lease.string(), download).ok());
    EXPECT_EQ(cache.reused(), reused + 1) << "the unchanged spare of the lease before";
    ASSERT_EQ(listing(lease / "workspace"), pristine);
    change(lease / "workspace");
    cache.close_lease(lease.string());
    // The next lease: a new copy (the changed directory is not kept), as it was.
    fs::path next = dir_.path() / ("leases/" + std::to_string(n) + "-next");
    ASSERT_TRUE(cache.open_lease(sha, next.string(), download).ok());
    EXPECT_EQ(cache.reused(), reused + 1) << "a changed lease directory must not be reused";
    EXPECT_EQ(listing(next / "workspace"), pristine);
    EXPECT_TRUE(fs::is_directory(next / "temp") && fs::is_empty(next / "temp"));
    cache.close_lease(next.string());  // unchanged: the spare the next change starts from
  }
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

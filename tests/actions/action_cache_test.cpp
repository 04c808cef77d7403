#include "actions/action_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

using store::testing::read_file;
using store::testing::TempDir;

constexpr const char* kSha = "0123456789abcdef0123456789abcdef01234567";

TEST(ActionCache, LayoutIsLowerCasedAndKeyedByCommit) {
  ActionCache cache("/c");
  auto key = RepositoryKey::of("Actions", "Setup-Node");
  EXPECT_EQ(key.name(), "actions/setup-node");
  EXPECT_EQ(cache.tree_dir(key, kSha), std::string("/c/repos/actions/setup-node/") + kSha);
  EXPECT_EQ(ref_file_name("release/v1%x"), "release%2Fv1%25x");
}

TEST(ActionCache, RefRecordsRoundTrip) {
  TempDir dir;
  ActionCache cache(dir.path().string());
  auto key = RepositoryKey::of("o", "r");
  EXPECT_FALSE(cache.read_ref(key, "release/v1"));
  ASSERT_TRUE(cache.write_ref(key, "release/v1", kSha).ok());
  auto record = cache.read_ref(key, "release/v1");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->sha, kSha);
  EXPECT_LE(record->age_seconds, 5);
  EXPECT_FALSE(cache.read_ref(key, "release"));  // not confused with a prefix
  // A damaged record is no record.
  std::ofstream(dir.path() / "refs/o/r/v2") << "not-a-sha\n";
  EXPECT_FALSE(cache.read_ref(key, "v2"));
}

TEST(ActionCache, InstallIsAtomicAndCleansLeftovers) {
  TempDir dir;
  ActionCache cache(dir.path().string());
  auto key = RepositoryKey::of("o", "r");
  // A failed fill leaves nothing behind.
  Status failed = cache.install(key, kSha, [](const std::string& temp) -> Status {
    std::ofstream(fs::path(temp) / "half") << "x";
    return Error{"network down", {}};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "network down");
  EXPECT_FALSE(cache.has_tree(key, kSha));
  // Leftovers of a process that died mid-fetch are removed by the next install.
  fs::create_directories(dir.path() / "repos/o/r/.tmp-999-dead");
  std::string seen_temp;
  Status ok = cache.install(key, kSha, [&](const std::string& temp) -> Status {
    seen_temp = temp;
    EXPECT_TRUE(fs::is_empty(temp));
    std::ofstream(fs::path(temp) / "action.yml") << "name: x\n";
    return Status::Ok();
  });
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(cache.has_tree(key, kSha));
  EXPECT_EQ(read_file(fs::path(cache.tree_dir(key, kSha)) / "action.yml"), "name: x\n");
  EXPECT_FALSE(fs::exists(seen_temp));
  EXPECT_FALSE(fs::exists(dir.path() / "repos/o/r/.tmp-999-dead"));
}

// flock locks belong to an open file description: a second open() of the lock file stands
// for another process here.
bool can_lock(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return locked;
}

TEST(ActionCache, LockExcludesOthersUntilReleased) {
  TempDir dir;
  ActionCache cache(dir.path().string());
  auto key = RepositoryKey::of("O", "R");
  fs::path path = dir.path() / "locks/o/r.lock";
  {
    auto held = cache.lock(key);
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE(fs::exists(path));
    EXPECT_FALSE(can_lock(path));
    auto other = cache.lock(RepositoryKey::of("o", "other"));  // per repository
    EXPECT_TRUE(other.ok());
  }
  EXPECT_TRUE(can_lock(path));
}

}  // namespace
}  // namespace sluice::actions

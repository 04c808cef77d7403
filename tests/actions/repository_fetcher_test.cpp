// RepositoryFetcher against real repositories on disk (file:// sources): git runs, so
// these are `system` tests (tests/CMakeLists.txt).
#include "actions/repository_fetcher.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../store/temp_dir.h"
#include "actions/git_command.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

using store::testing::read_file;
using store::testing::TempDir;

std::string git(const std::vector<std::string>& args) {
  auto out = run_git(args);
  EXPECT_TRUE(out.ok() && out->exit_code == 0) << (out.ok() ? out->err : out.error().message);
  std::string text = out.ok() ? out->out : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// A bare repository <root>/served/acme/tool.git with v1 (annotated) on the first commit
// and main on the second.
class RepositoryFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("GIT_AUTHOR_NAME", "t", 1);
    setenv("GIT_AUTHOR_EMAIL", "t@example.test", 1);
    setenv("GIT_COMMITTER_NAME", "t", 1);
    setenv("GIT_COMMITTER_EMAIL", "t@example.test", 1);
    src_ = (dir_.path() / "src").string();
    git({"init", "-q", "-b", "main", src_});
    commit("one");
    git({"-C", src_, "tag", "-a", "v1", "-m", "v1"});
    sha_one_ = git({"-C", src_, "rev-parse", "HEAD"});
    commit("two");
    sha_two_ = git({"-C", src_, "rev-parse", "HEAD"});
    served_ = dir_.path() / "served";
    git({"clone", "-q", "--bare", src_, (served_ / "acme/tool.git").string()});
  }
  void commit(const std::string& text) {
    std::ofstream(fs::path(src_) / "action.yml") << "name: " << text << "\n";
    git({"-C", src_, "add", "-A"});
    git({"-C", src_, "commit", "-q", "-m", text});
  }
  RepositoryFetcher fetcher(bool offline = false, int64_t ttl = 3600) {
    FetchOptions options;
    options.sources = {"file://" + (dir_.path() / "empty").string(), "file://" + served_.string()};
    options.offline = offline;
    options.ref_ttl_seconds = ttl;
    return RepositoryFetcher(ActionCache((dir_.path() / "cache").string()), options,
                             [this](const std::string& line) { fetched_.push_back(line); });
  }

  TempDir dir_;
  std::string src_, sha_one_, sha_two_;
  fs::path served_;
  std::vector<std::string> fetched_;
};

TEST_F(RepositoryFetcherTest, TagBranchAndShaResolveAsOnGithub) {
  auto f = fetcher();
  auto tag = f.checkout("acme", "tool", "v1", "action 'acme/tool@v1'");
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_EQ(tag->sha, sha_one_);  // the annotated tag peeled to its commit
  EXPECT_EQ(read_file(fs::path(tag->dir) / "action.yml"), "name: one\n");
  EXPECT_FALSE(fs::exists(fs::path(tag->dir) / ".git"));
  auto branch = f.checkout("acme", "tool", "main", "action 'acme/tool@main'");
  ASSERT_TRUE(branch.ok()) << branch.error().message;
  EXPECT_EQ(branch->sha, sha_two_);
  EXPECT_EQ(read_file(fs::path(branch->dir) / "action.yml"), "name: two\n");
  // A pinned SHA already in the cache needs no fetch.
  auto pinned = f.checkout("acme", "tool", sha_one_, "action");
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->dir, tag->dir);
  EXPECT_EQ(pinned->url, "");
  EXPECT_EQ(fetched_.size(), 2u);
}

TEST_F(RepositoryFetcherTest, PinnedShaFetchedShallowly) {
  auto f = fetcher();
  auto pinned = f.checkout("acme", "tool", sha_one_, "action");
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ(read_file(fs::path(pinned->dir) / "action.yml"), "name: one\n");
  auto unknown = f.checkout("acme", "tool", std::string(40, 'a'), "action 'acme/tool@aaa'");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("cannot fetch action 'acme/tool@aaa'"), std::string::npos);
}

// Under protocol v0 a server refuses a SHA it does not advertise (no
// uploadpack.allowAnySHA1InWant): the fetcher then fetches the branches and tags in full.
TEST_F(RepositoryFetcherTest, PinnedShaThatTheServerWillNotSendAlone) {
  commit("three");  // sha_two_ is no longer the tip of any branch or tag
  git({"-C", src_, "push", "-q", (served_ / "acme/tool.git").string(), "main"});
  setenv("GIT_CONFIG_COUNT", "1", 1);
  setenv("GIT_CONFIG_KEY_0", "protocol.version", 1);
  setenv("GIT_CONFIG_VALUE_0", "0", 1);
  auto pinned = fetcher().checkout("acme", "tool", sha_two_, "action");
  unsetenv("GIT_CONFIG_COUNT");
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ(pinned->sha, sha_two_);
  EXPECT_EQ(read_file(fs::path(pinned->dir) / "action.yml"), "name: two\n");
}

TEST_F(RepositoryFetcherTest, RecordedRefsServeOfflineAndWithinTheTtl) {
  ASSERT_TRUE(fetcher().checkout("acme", "tool", "main", "a").ok());
  // Move main on the server: within the TTL the recorded commit is used.
  commit("three");
  git({"-C", src_, "push", "-q", (served_ / "acme/tool.git").string(), "main"});
  auto cached = fetcher().checkout("acme", "tool", "main", "a");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->sha, sha_two_);
  EXPECT_EQ(cached->url, "");
  // With a TTL of 0 the source is asked again.
  auto fresh = fetcher(false, 0).checkout("acme", "tool", "main", "a");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->sha, sha_two_);
  // Offline: whatever is recorded, however old; a ref never fetched names what is missing.
  fs::remove_all(served_);
  auto offline = fetcher(true, 0).checkout("acme", "tool", "main", "action 'acme/tool@main'");
  ASSERT_TRUE(offline.ok()) << offline.error().message;
  EXPECT_EQ(offline->sha, fresh->sha);
  auto missing = fetcher(true).checkout("acme", "tool", "v9", "action 'acme/tool@v9'");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(
      missing.error().message.find("action 'acme/tool@v9' is not in the action cache "
                                   "(--offline): no commit is recorded for 'v9' of acme/tool"),
      std::string::npos)
      << missing.error().message;
}

TEST_F(RepositoryFetcherTest, MissingRefAndInvalidNames) {
  auto f = fetcher();
  auto missing = f.checkout("acme", "tool", "v9", "action 'acme/tool@v9'");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("has no tag or branch 'v9'"), std::string::npos)
      << missing.error().message;
  auto bad = f.checkout("acme", "tool", "--upload-pack=touch x", "action 'x'");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("invalid"), std::string::npos);
  EXPECT_FALSE(f.checkout("..", "tool", "v1", "x").ok());
}

}  // namespace
}  // namespace sluice::actions

// The poller against real repositories made with the git CLI: a local repository read in
// place and a file:// URL fetched into a mirror.
#include "triggers/git_poller.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>

#include "../git_test_repository.h"

namespace sluice::triggers {
namespace {

namespace fs = std::filesystem;

class GitPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sluice-poll-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = fs::canonical(pattern);
    repo_ = root_ / "repo";
    repository_ = std::make_unique<sluice::testing::TestRepository>(repo_);
    write("README.md", "hello\n");
    commit("first");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string git(std::vector<std::string> args) { return repository_->git(std::move(args)); }
  void write(const std::string& name, const std::string& text) { repository_->write(name, text); }
  std::string commit(const std::string& message) { return repository_->commit(message); }

  WatchedRepository watched(std::vector<std::string> branches = {}) {
    return WatchedRepository{"app", repo_.string(), std::move(branches), true};
  }

  PollResult poll(const WatchedRepository& repo) {
    Result<PollResult> result = poller_.poll(repo, seen_ ? &refs_ : nullptr);
    if (!result.ok()) throw std::runtime_error(result.error().message);
    refs_ = result->current.refs;
    seen_ = true;
    return std::move(*result);
  }

  fs::path root_, repo_;
  std::unique_ptr<sluice::testing::TestRepository> repository_;
  GitPoller poller_{fs::path("/nonexistent-mirrors")};
  RefMap refs_;
  bool seen_ = false;
};

TEST_F(GitPollerTest, FirstSightRecordsWithoutFiring) {
  PollResult first = poll(watched());
  EXPECT_TRUE(first.first_sight);
  EXPECT_TRUE(first.events.empty());
  EXPECT_EQ(first.current.default_branch, "main");
  EXPECT_EQ(first.current.refs.at("refs/heads/main"), git({"rev-parse", "HEAD"}));
  EXPECT_TRUE(poll(watched()).events.empty());  // nothing moved
}

TEST_F(GitPollerTest, NewCommitOnWatchedBranchIsOnePushWithPathsAndCommits) {
  poll(watched({"main"}));
  std::string before = git({"rev-parse", "HEAD"});
  write("src/app.c", "int main;\n");
  commit("add app");
  write("docs/guide.md", "x\n");
  std::string after = commit("add guide");
  PollResult result = poll(watched({"main"}));
  ASSERT_EQ(result.events.size(), 1u);
  const TriggerEvent& event = result.events[0];
  EXPECT_EQ(event.name, "push");
  EXPECT_EQ(event.ref, "refs/heads/main");
  EXPECT_EQ(event.sha, after);
  ASSERT_TRUE(event.changed_paths);
  EXPECT_EQ(*event.changed_paths, (std::vector<std::string>{"docs/guide.md", "src/app.c"}));
  const Value& payload = event.payload;
  EXPECT_EQ(payload.get("before").as_string(), before);
  EXPECT_EQ(payload.get("after").as_string(), after);
  EXPECT_FALSE(payload.get("created").as_bool());
  EXPECT_FALSE(payload.get("forced").as_bool());
  EXPECT_EQ(payload.get("head_commit").get("message").as_string(), "add guide");
  EXPECT_EQ(payload.get("head_commit").get("author").get("email").as_string(), "t@example.com");
  ASSERT_EQ(payload.get("commits").as_array().size(), 2u);
  EXPECT_EQ(payload.get("commits").as_array()[0].get("message").as_string(), "add app");
  EXPECT_EQ(payload.get("repository").get("default_branch").as_string(), "main");
  EXPECT_EQ(payload.get("repository").get("full_name").as_string(), "app");
}

TEST_F(GitPollerTest, UnwatchedBranchFiresNothingAndNewBranchHasUnknownPaths) {
  poll(watched({"main", "release/*"}));
  git({"checkout", "-q", "-b", "feature"});
  commit("feature work");
  EXPECT_TRUE(poll(watched({"main", "release/*"})).events.empty());
  git({"checkout", "-q", "-b", "release/1.0"});
  PollResult result = poll(watched({"main", "release/*"}));
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].ref, "refs/heads/release/1.0");
  EXPECT_TRUE(result.events[0].payload.get("created").as_bool());
  EXPECT_FALSE(result.events[0].changed_paths);
  EXPECT_EQ(result.events[0].payload.get("before").as_string(), kNullSha);
}

TEST_F(GitPollerTest, AnnotatedTagFiresWithTheCommitItTags) {
  poll(watched({"main"}));
  std::string head = git({"rev-parse", "HEAD"});
  git({"-c", "user.name=T", "tag", "-a", "v1.0", "-m", "release"});
  git({"pack-refs", "--all"});  // packed refs are read too
  PollResult result = poll(watched({"main"}));
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].ref, "refs/tags/v1.0");
  EXPECT_EQ(result.events[0].sha, head);
  EXPECT_NE(result.events[0].payload.get("after").as_string(), head);  // the tag object
  EXPECT_FALSE(result.events[0].changed_paths);

  WatchedRepository no_tags = watched({"main"});
  no_tags.tags = false;
  git({"tag", "v2.0"});
  EXPECT_TRUE(poll(no_tags).events.empty());
}

TEST_F(GitPollerTest, ForcedPushIsMarkedAndDeletedBranchFiresNothing) {
  git({"checkout", "-q", "-b", "topic"});
  commit("one");
  poll(watched());
  git({"reset", "-q", "--hard", "HEAD~1"});
  std::string rewritten = commit("one, rewritten");
  PollResult forced = poll(watched());
  ASSERT_EQ(forced.events.size(), 1u);
  EXPECT_EQ(forced.events[0].sha, rewritten);
  EXPECT_TRUE(forced.events[0].payload.get("forced").as_bool());
  git({"checkout", "-q", "main"});
  git({"branch", "-q", "-D", "topic"});
  EXPECT_TRUE(poll(watched()).events.empty());
  EXPECT_FALSE(refs_.contains("refs/heads/topic"));
}

TEST_F(GitPollerTest, UrlRepositoryIsFetchedIntoAMirror) {
  GitPoller poller(root_ / "mirrors");
  WatchedRepository url{"my app/x", "file://" + repo_.string(), {"main"}, true};
  auto first = poller.poll(url, nullptr);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->first_sight);
  EXPECT_EQ(first->current.default_branch, "main");
  EXPECT_EQ(poller.mirror_dir(url), root_ / "mirrors" / "my_app_x.git");
  EXPECT_TRUE(fs::exists(poller.mirror_dir(url) / "HEAD"));
  write("a.txt", "a\n");
  std::string after = commit("a");
  auto second = poller.poll(url, &first->current.refs);
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_EQ(second->events.size(), 1u);
  EXPECT_EQ(second->events[0].sha, after);
  EXPECT_EQ(*second->events[0].changed_paths, (std::vector<std::string>{"a.txt"}));

  EXPECT_EQ(second->events[0].payload.get("repository").get("clone_url").as_string(),
            url.repository);

  WatchedRepository missing{"gone", "file://" + (root_ / "nope").string(), {}, true};
  auto error = poller.poll(missing, nullptr);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.error().message.find("cannot clone"), std::string::npos);
}

TEST(GitPollerNames, LocalOrUrlAndWatchedRefs) {
  EXPECT_TRUE(is_local_repository("/srv/git/app"));
  EXPECT_TRUE(is_local_repository("relative/app"));
  EXPECT_TRUE(is_local_repository("./a:b"));
  EXPECT_FALSE(is_local_repository("file:///srv/git/app"));
  EXPECT_FALSE(is_local_repository("https://github.com/o/r"));
  EXPECT_FALSE(is_local_repository("git@github.com:o/r.git"));
  WatchedRepository repo{"p", "/x", {"main", "release/**", "!release/old"}, false};
  EXPECT_TRUE(is_watched_ref(repo, "refs/heads/main"));
  EXPECT_TRUE(is_watched_ref(repo, "refs/heads/release/1/2"));
  EXPECT_FALSE(is_watched_ref(repo, "refs/heads/release/old"));
  EXPECT_FALSE(is_watched_ref(repo, "refs/heads/dev"));
  EXPECT_FALSE(is_watched_ref(repo, "refs/tags/v1"));
  EXPECT_FALSE(is_watched_ref(repo, "refs/notes/x"));
}

TEST(GitPollerNames, CredentialsNeverLeaveTheUrl) {
  EXPECT_EQ(url_without_credentials("https://bot:ghp_secret@github.com/o/r.git"),
            "https://github.com/o/r.git");
  EXPECT_EQ(url_without_credentials("https://tok@host/a@b"), "https://host/a@b");
  EXPECT_EQ(url_without_credentials("https://host/a@b"), "https://host/a@b");
  EXPECT_EQ(url_without_credentials("git@github.com:o/r.git"), "git@github.com:o/r.git");
  EXPECT_EQ(url_without_credentials("/srv/app"), "/srv/app");
  EXPECT_EQ(url_without_credentials("fatal: 'https://u:p@h/x' and https://v@h2/y: no"),
            "fatal: 'https://h/x' and https://h2/y: no");
}

}  // namespace
}  // namespace sluice::triggers

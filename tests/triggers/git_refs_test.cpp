// The in-process ref reader against real repositories made with the git CLI: every answer
// is compared with what `git rev-parse` says about the same repository.
#include "triggers/git_refs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace sluice::triggers {
namespace {

namespace fs = std::filesystem;

class GitRefsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sluice-git-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = fs::canonical(pattern);
    repo_ = root_ / "repo";
    fs::create_directories(repo_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Runs git in `dir` with no user or system configuration; returns its first output line.
  static std::string git(const fs::path& dir, const std::string& args) {
    std::string command = "cd '" + dir.string() +
                          "' && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
                          "git -c user.name=t -c user.email=t@example.com "
                          "-c init.defaultBranch=main " +
                          args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed");
    std::string out, all;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) all += buffer;
    int status = pclose(pipe);
    if (status != 0) throw std::runtime_error("git " + args + " failed: " + all);
    out = all.substr(0, all.find('\n'));
    return out;
  }
  std::string git(const std::string& args) { return git(repo_, args); }
  void commit(const fs::path& dir, const std::string& message) {
    git(dir, "commit -q --allow-empty -m '" + message + "'");
  }

  GitRepository find(const fs::path& dir) {
    auto repo = find_git_repository(dir);
    if (!repo.ok()) throw std::runtime_error(repo.error().message);
    if (!*repo) throw std::runtime_error("no repository found from " + dir.string());
    return **repo;
  }
  GitHead head(const fs::path& dir) {
    auto head = read_git_head(find(dir));
    if (!head.ok()) throw std::runtime_error(head.error().message);
    return *head;
  }
  static void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  fs::path root_, repo_;
};

TEST_F(GitRefsTest, NoRepositoryIsNoError) {
  auto repo = find_git_repository(repo_);
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  EXPECT_FALSE(repo->has_value());
  auto missing = find_git_repository(root_ / "does-not-exist");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(GitRefsTest, BranchFromLooseRef) {
  git("init -q");
  commit(repo_, "first");
  ASSERT_TRUE(fs::exists(repo_ / ".git/refs/heads/main"));
  GitHead h = head(repo_);
  EXPECT_EQ(h.ref, "refs/heads/main");
  EXPECT_EQ(h.sha, git("rev-parse HEAD"));
  EXPECT_EQ(h.sha.size(), 40u);
  EXPECT_EQ(find(repo_).git_dir, repo_ / ".git");
  EXPECT_EQ(find(repo_).common_dir, repo_ / ".git");
}

TEST_F(GitRefsTest, BranchFromPackedRefsAfterPackRefsAll) {
  git("init -q");
  commit(repo_, "first");
  git("tag -a v1 -m 'annotated'");
  git("tag light");
  git("pack-refs --all");
  ASSERT_FALSE(fs::exists(repo_ / ".git/refs/heads/main"));
  GitHead h = head(repo_);
  EXPECT_EQ(h.ref, "refs/heads/main");
  EXPECT_EQ(h.sha, git("rev-parse HEAD"));

  auto packed = read_packed_refs(repo_ / ".git");
  ASSERT_TRUE(packed.ok()) << packed.error().message;
  ASSERT_EQ(packed->size(), 3u);
  for (const PackedRef& ref : *packed) {
    EXPECT_EQ(ref.sha, git("rev-parse " + ref.name)) << ref.name;
    // Only the annotated tag has a "^" line: the commit it peels to.
    EXPECT_EQ(ref.peeled, ref.name == "refs/tags/v1" ? git("rev-parse 'v1^{commit}'") : "")
        << ref.name;
  }
  auto tag = resolve_git_ref(find(repo_), "refs/tags/v1");
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_EQ(tag->value_or(""), git("rev-parse v1"));
  EXPECT_NE(tag->value_or(""), h.sha);  // the tag object, not the commit
}

TEST_F(GitRefsTest, LooseRefOverridesPackedOne) {
  git("init -q");
  commit(repo_, "first");
  git("pack-refs --all");
  commit(repo_, "second");  // writes a loose refs/heads/main; packed-refs keeps the old one
  ASSERT_TRUE(fs::exists(repo_ / ".git/refs/heads/main"));
  EXPECT_EQ(head(repo_).sha, git("rev-parse HEAD"));
  EXPECT_NE(head(repo_).sha, git("rev-parse HEAD~1"));
}

TEST_F(GitRefsTest, DetachedHeadHasNoBranch) {
  git("init -q");
  commit(repo_, "first");
  commit(repo_, "second");
  git("checkout -q --detach HEAD~1");
  GitHead h = head(repo_);
  EXPECT_EQ(h.ref, "");
  EXPECT_EQ(h.sha, git("rev-parse HEAD"));
  EXPECT_NE(h.sha, git("rev-parse main"));
}

TEST_F(GitRefsTest, EmptyRepositoryHasUnbornBranch) {
  git("init -q -b trunk");
  GitHead h = head(repo_);
  EXPECT_EQ(h.ref, "refs/heads/trunk");
  EXPECT_EQ(h.sha, "");
}

TEST_F(GitRefsTest, LinkedWorktreeHasItsOwnHeadAndSharedBranches) {
  git("init -q");
  commit(repo_, "first");
  git("worktree add -q -b feature ../wt");
  fs::path wt = root_ / "wt";
  ASSERT_TRUE(fs::is_regular_file(wt / ".git"));  // "gitdir: .../repo/.git/worktrees/wt"
  commit(wt, "on feature");
  GitRepository repo = find(wt / ".");
  EXPECT_EQ(repo.git_dir, repo_ / ".git/worktrees/wt");
  EXPECT_EQ(repo.common_dir, repo_ / ".git");
  GitHead h = head(wt);
  EXPECT_EQ(h.ref, "refs/heads/feature");
  EXPECT_EQ(h.sha, git(wt, "rev-parse HEAD"));
  // The main checkout still reads its own HEAD; the worktree sees main's branch too.
  EXPECT_EQ(head(repo_).ref, "refs/heads/main");
  EXPECT_EQ(head(repo_).sha, git("rev-parse main"));
  auto main_from_wt = resolve_git_ref(repo, "refs/heads/main");
  ASSERT_TRUE(main_from_wt.ok());
  EXPECT_EQ(main_from_wt->value_or(""), git("rev-parse main"));
  git("pack-refs --all");
  EXPECT_EQ(head(wt).sha, git(wt, "rev-parse HEAD"));
}

TEST_F(GitRefsTest, RepositoryInAParentDirectory) {
  git("init -q");
  commit(repo_, "first");
  fs::create_directories(repo_ / "a/b");
  fs::create_directories(repo_ / "a/.git");  // a stray empty `.git` folder is not a repository
  EXPECT_EQ(find(repo_ / "a/b").git_dir, repo_ / ".git");
  EXPECT_EQ(head(repo_ / "a/b").sha, git("rev-parse HEAD"));
}

TEST_F(GitRefsTest, BareRepository) {
  git("init -q --bare");
  EXPECT_EQ(find(repo_).git_dir, repo_);
  EXPECT_EQ(head(repo_).ref, "refs/heads/main");
}

TEST_F(GitRefsTest, GitdirFileRelativeToItsDirectory) {
  git("init -q --separate-git-dir=../store.git");
  commit(repo_, "first");
  write(repo_ / ".git", "gitdir: ../store.git\n");  // git wrote an absolute path
  EXPECT_EQ(find(repo_).git_dir, root_ / "store.git");
  EXPECT_EQ(head(repo_).sha, git("rev-parse HEAD"));
}

TEST_F(GitRefsTest, BrokenGitdirFilesAreErrors) {
  write(repo_ / ".git", "not a gitdir line\n");
  auto malformed = find_git_repository(repo_);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("not a gitdir file"), std::string::npos);
  write(repo_ / ".git", "gitdir: ../nowhere\n");
  auto dangling = find_git_repository(repo_);
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find("not a git directory"), std::string::npos);
}

TEST_F(GitRefsTest, SymbolicRefsAreFollowedAndLoopsRefused) {
  git("init -q");
  commit(repo_, "first");
  git("symbolic-ref refs/heads/alias refs/heads/main");
  GitRepository repo = find(repo_);
  auto alias = resolve_git_ref(repo, "refs/heads/alias");
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  EXPECT_EQ(alias->value_or(""), git("rev-parse HEAD"));
  auto missing = resolve_git_ref(repo, "refs/heads/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  write(repo_ / ".git/refs/heads/loop", "ref: refs/heads/loop\n");
  auto loop = resolve_git_ref(repo, "refs/heads/loop");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("nests deeper"), std::string::npos);
}

TEST_F(GitRefsTest, HeadOutsideRefsIsRefused) {
  git("init -q");
  write(repo_ / ".git/HEAD", "ref: refs/../../../etc/passwd\n");
  auto h = read_git_head(find(repo_));
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("not a ref"), std::string::npos);
  write(repo_ / ".git/HEAD", "12345\n");
  EXPECT_FALSE(read_git_head(find(repo_)).ok());
}

TEST_F(GitRefsTest, MalformedPackedRefsNameTheLine) {
  git("init -q");
  write(repo_ / ".git/packed-refs", "# pack-refs with: peeled fully-peeled sorted \nbogus\n");
  auto packed = read_packed_refs(repo_ / ".git");
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.error().pos.line, 2);
  EXPECT_NE(packed.error().pos.file.find("packed-refs"), std::string::npos);
}

}  // namespace
}  // namespace sluice::triggers

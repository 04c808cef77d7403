// Workspaces over a real local repository (git runs: WorkspacesTest is a system test), and
// the ref reader over hand-made git directories (GitRefsTest: files only).
#include "server/workspaces.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../git_test_repository.h"
#include "../store/temp_dir.h"
#include "agent/workspace_archive.h"
#include "server/git_refs.h"
#include "server/run_workspaces.h"

namespace sluice::server {
namespace {

namespace fs = std::filesystem;
using sluice::testing::TestRepository;
using store::testing::read_file;
using store::testing::TempDir;

class WorkspacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.write("file.txt", "one\n");
    first_ = repo_.commit("one");
  }
  std::string git(std::vector<std::string> args, const fs::path& where = {}) {
    return repo_.git(std::move(args), where);
  }
  void write(const std::string& name, const std::string& text) { repo_.write(name, text); }
  std::string commit(const std::string& message) { return repo_.commit(message); }
  std::string repo() const { return repo_.path().string(); }

  TempDir dir_;
  TestRepository repo_{dir_.path() / "app"};
  std::string first_;
  Workspaces workspaces_{dir_.path() / "data"};
};

TEST_F(WorkspacesTest, ChecksOutTheBranchHeadAndSeesNewCommits) {
  auto one = workspaces_.checkout("app", repo(), "main", "");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->sha, first_);
  EXPECT_EQ(one->ref, "refs/heads/main");
  EXPECT_EQ(read_file(one->dir / "file.txt"), "one\n");
  EXPECT_EQ(git({"rev-parse", "HEAD"}, one->dir), first_);  // a git checkout, detached
  // The next commit on the branch is found without anyone telling the controller.
  write("file.txt", "two\n");
  std::string second = commit("two");
  auto two = workspaces_.checkout("app", repo(), "", "");
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(two->sha, second);
  EXPECT_EQ(two->ref, "refs/heads/main");
  EXPECT_EQ(read_file(two->dir / "file.txt"), "two\n");
  EXPECT_EQ(git({"rev-parse", "HEAD"}, two->dir), second);
}

// A commit already in a snapshot is copied: no fetch, so the source's objects may even be
// gone.
TEST_F(WorkspacesTest, AKnownCommitNeedsNeitherTheSourceNorGit) {
  auto one = workspaces_.checkout("app", repo(), "refs/heads/main", first_);
  ASSERT_TRUE(one.ok()) << one.error().message;
  fs::remove_all(repo_.path() / ".git" / "objects");
  auto two = workspaces_.checkout("app", repo(), "refs/heads/main", first_);
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_NE(two->dir, one->dir);
  EXPECT_EQ(read_file(two->dir / "file.txt"), "one\n");
  // An unknown commit needs the fetch, which now fails with the repository named.
  auto missing = workspaces_.checkout("app", repo(), "refs/heads/main", std::string(40, '1'));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot fetch " + repo()), std::string::npos)
      << missing.error().message;
}

TEST_F(WorkspacesTest, EachRunWritesItsOwnCopy) {
  auto snapshot = workspaces_.snapshot("app", repo(), "main", "");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  auto a = workspaces_.copy("app", *snapshot);
  auto b = workspaces_.copy("app", *snapshot);
  ASSERT_TRUE(a.ok() && b.ok());
  std::ofstream(a->dir / "file.txt") << "changed by a run\n";
  std::ofstream(a->dir / "new.txt") << "new\n";
  EXPECT_EQ(read_file(b->dir / "file.txt"), "one\n");
  EXPECT_FALSE(fs::exists(b->dir / "new.txt"));
  EXPECT_EQ(read_file(snapshot->checkout.dir / "file.txt"), "one\n");
  EXPECT_EQ(git({"status", "--porcelain"}, b->dir), "");  // the copy is a clean checkout
  EXPECT_EQ(git({"log", "--format=%H", "-1"}, b->dir), first_);
  EXPECT_EQ(git({"rev-parse", "origin/main"}, b->dir), first_);
  // What remote agents unpack: the snapshot, whatever a run did to its copy.
  std::string tar = snapshot->archive();
  ASSERT_FALSE(tar.empty());
  ASSERT_TRUE(agent::extract_workspace_archive(tar, (dir_.path() / "unpacked").string()).ok());
  EXPECT_EQ(read_file(dir_.path() / "unpacked" / "file.txt"), "one\n");
  EXPECT_FALSE(fs::exists(dir_.path() / "unpacked" / "new.txt"));
  EXPECT_EQ(snapshot->archive(), tar);  // made once
}

TEST_F(WorkspacesTest, TagsBranchesAndPackedRefs) {
  git({"tag", "-a", "-m", "release", "v1"});
  git({"tag", "light"});
  write("file.txt", "two\n");
  std::string second = commit("two");
  for (bool packed : {false, true}) {
    if (packed) git({"pack-refs", "--all"});
    auto v1 = workspaces_.checkout("app", repo(), "v1", "");
    ASSERT_TRUE(v1.ok()) << v1.error().message;
    EXPECT_EQ(v1->ref, "refs/tags/v1");
    EXPECT_EQ(v1->sha, first_);  // the commit, not the tag object
    auto light = workspaces_.checkout("app", repo(), "refs/tags/light", "");
    ASSERT_TRUE(light.ok()) << light.error().message;
    EXPECT_EQ(light->sha, first_);
    auto main = workspaces_.checkout("app", repo(), "main", "");
    ASSERT_TRUE(main.ok()) << main.error().message;
    EXPECT_EQ(main->sha, second);
    auto none = workspaces_.checkout("app", repo(), "nope", "");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("no branch or tag 'nope'"), std::string::npos);
  }
}

TEST_F(WorkspacesTest, OldSnapshotsGoOnceNobodyHoldsThem) {
  auto first = workspaces_.snapshot("app", repo(), "main", "");
  ASSERT_TRUE(first.ok());
  Snapshot held = *first;
  fs::path first_dir = held.checkout.dir;
  std::string first_tar = held.archive();
  EXPECT_EQ(first_tar, first_dir.string() + ".tar");
  EXPECT_TRUE(fs::exists(first_tar));
  fs::path second_dir;
  for (size_t i = 0; i < Workspaces::kSnapshotsPerProject; ++i) {
    commit("more " + std::to_string(i));
    auto s = workspaces_.snapshot("app", repo(), "main", "");
    ASSERT_TRUE(s.ok());
    if (i == 0) second_dir = s->checkout.dir;
  }
  EXPECT_TRUE(fs::exists(first_dir / "file.txt"));  // evicted, but still held
  first = Error{"released", {}};
  held = Snapshot{};
  EXPECT_FALSE(fs::exists(first_dir));
  EXPECT_FALSE(fs::exists(first_tar));
  EXPECT_TRUE(fs::exists(second_dir / "file.txt"));  // among the newest: kept
}

// A local executor that accepts steps and does nothing.
class IdleExecutor : public engine::Executor {
 public:
  engine::ExecutionId start(engine::StepRequest,
                            std::function<void(engine::StepOutcome)>) override {
    return ++started;
  }
  void cancel(engine::ExecutionId) override {}
  void end_job(const std::string&) override {}
  void kill_all() override {}
  engine::ExecutionId started = 0;
};

// Remote agents get the snapshot's tar until a step runs in the workspace on this machine.
TEST_F(WorkspacesTest, AnUntouchedRunWorkspaceSharesItsSnapshotTar) {
  auto snapshot = workspaces_.snapshot("app", repo(), "main", "");
  ASSERT_TRUE(snapshot.ok());
  auto copy = workspaces_.copy("app", *snapshot);
  ASSERT_TRUE(copy.ok());
  RunWorkspaces runs;
  auto registration = runs.add(copy->dir.string(), *snapshot);
  std::string tar = runs.shared_archive(copy->dir.string() + "/");  // any spelling of the path
  EXPECT_EQ(tar, snapshot->archive());
  EXPECT_FALSE(tar.empty());
  EXPECT_EQ(runs.shared_archive((dir_.path() / "elsewhere").string()), "");
  IdleExecutor local;
  auto watched = RunWorkspaces::watch(local, *registration);
  watched->start(engine::StepRequest{}, [](engine::StepOutcome) {});
  EXPECT_EQ(local.started, 1);
  EXPECT_EQ(runs.shared_archive(copy->dir.string()), "") << "a local step may have written";
  auto other = workspaces_.copy("app", *snapshot);
  auto other_registration = runs.add(other->dir.string(), *snapshot);
  EXPECT_EQ(runs.shared_archive(other->dir.string()), tar);
  other_registration.reset();
  EXPECT_EQ(runs.shared_archive(other->dir.string()), "");
}

// A run's workspace is a link to the snapshot until a step is to run on this machine; then
// it is a copy of its own, and what the step writes stays out of the snapshot.
TEST_F(WorkspacesTest, ALinkedWorkspaceBecomesACopyBeforeTheFirstLocalStep) {
  auto snapshot = workspaces_.snapshot("app", repo(), "main", "");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  auto linked = workspaces_.link("app", *snapshot);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  EXPECT_TRUE(fs::is_symlink(linked->dir));
  EXPECT_EQ(read_file(linked->dir / "file.txt"), "one\n");  // read through the link
  EXPECT_EQ(git({"log", "--format=%H", "-1"}, linked->dir), first_);
  RunWorkspaces runs;
  auto registration = runs.add(linked->dir.string(), *snapshot);
  EXPECT_EQ(runs.shared_archive(linked->dir.string()), snapshot->archive());
  IdleExecutor local;
  auto watched = RunWorkspaces::watch(local, *registration);
  watched->start(engine::StepRequest{}, [](engine::StepOutcome) {});
  EXPECT_EQ(local.started, 1);
  EXPECT_FALSE(fs::is_symlink(linked->dir));
  EXPECT_TRUE(fs::is_directory(linked->dir));
  EXPECT_FALSE(fs::exists(linked->dir.string() + ".copy"));
  std::ofstream(linked->dir / "file.txt") << "changed by a step\n";
  EXPECT_EQ(read_file(snapshot->checkout.dir / "file.txt"), "one\n");
  EXPECT_EQ(git({"status", "--porcelain"}, snapshot->checkout.dir), "");
  EXPECT_EQ(git({"log", "--format=%H", "-1"}, linked->dir), first_);
  EXPECT_EQ(runs.shared_archive(linked->dir.string()), "");
  watched->start(engine::StepRequest{}, [](engine::StepOutcome) {});  // copied once
  EXPECT_EQ(read_file(linked->dir / "file.txt"), "changed by a step\n");

  // A run over: removing its workspace, a link still, leaves the snapshot alone.
  auto other = workspaces_.link("app", *snapshot);
  ASSERT_TRUE(other.ok());
  fs::remove_all(other->dir);
  EXPECT_FALSE(fs::exists(other->dir));
  EXPECT_EQ(read_file(snapshot->checkout.dir / "file.txt"), "one\n");
}

// A project that is a plain directory may change under a run: its workspace is a copy at once.
TEST_F(WorkspacesTest, APlainDirectoryIsCopiedAtOnce) {
  fs::path plain = dir_.path() / "plain";
  fs::create_directories(plain);
  std::ofstream(plain / "a.txt") << "a\n";
  auto snapshot = workspaces_.snapshot("plain", plain.string(), "", "");
  ASSERT_TRUE(snapshot.ok());
  auto linked = workspaces_.link("plain", *snapshot);
  ASSERT_TRUE(linked.ok());
  EXPECT_FALSE(fs::is_symlink(linked->dir));
  std::ofstream(plain / "a.txt") << "changed\n";
  EXPECT_EQ(read_file(linked->dir / "a.txt"), "a\n");
}

// GitRefsTest: the reader over hand-written git directories.
class GitRefsTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_.path() / ".git" / "objects"); }
  void put(const std::string& name, const std::string& text) {
    fs::path p = dir_.path() / ".git" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  TempDir dir_;
  const std::string a_ = std::string(40, 'a'), b_ = std::string(40, 'b'), c_ = std::string(40, 'c');
};

TEST_F(GitRefsTest, LooseBeforePackedAndPeeledTags) {
  put("HEAD", "ref: refs/heads/main\n");
  put("refs/heads/main", a_ + "\n");
  put("packed-refs", "# pack-refs with: peeled fully-peeled sorted \n" + b_ + " refs/heads/main\n" +
                         b_ + " refs/heads/old\n" + b_ + " refs/tags/v1\n^" + c_ + "\n" + c_ +
                         " refs/tags/light\n");
  auto head = read_local_ref(dir_.path(), "");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->ref, "refs/heads/main");
  EXPECT_EQ(head->sha, a_);  // the loose ref wins over the stale packed line
  auto old = read_local_ref(dir_.path(), "old");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->sha, b_);
  auto v1 = read_local_ref(dir_.path(), "v1");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->ref, "refs/tags/v1");
  EXPECT_EQ(v1->sha, c_);  // peeled
}

TEST_F(GitRefsTest, LeavesTheUnclearCasesToGit) {
  put("HEAD", a_ + "\n");  // detached
  EXPECT_FALSE(read_local_ref(dir_.path(), ""));
  put("refs/tags/loose", a_ + "\n");  // may be a tag object
  EXPECT_FALSE(read_local_ref(dir_.path(), "loose"));
  put("refs/heads/sym", "ref: refs/heads/main\n");
  EXPECT_FALSE(read_local_ref(dir_.path(), "sym"));
  put("packed-refs", "# pack-refs with: peeled fully-peeled sorted \n" + b_ + " refs/tags/v2\n");
  EXPECT_FALSE(read_local_ref(dir_.path(), "v2"));  // lightweight or not: git peels it
  EXPECT_FALSE(read_local_ref(dir_.path(), "refs/heads/../../x"));
  EXPECT_FALSE(read_local_ref(dir_.path(), "absent"));
  EXPECT_FALSE(read_local_ref(dir_.path() / "nowhere", "main"));
}

}  // namespace
}  // namespace sluice::server

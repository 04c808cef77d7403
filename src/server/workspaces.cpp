#include "server/workspaces.h"

#include <fcntl.h>
#include <stdio.h>

#include <chrono>
#include <mutex>

#include "actions/git_command.h"
#include "agent/workspace_archive.h"
#include "server/git_refs.h"

namespace sluice::server {

namespace fs = std::filesystem;

class SnapshotTree {
 public:
  explicit SnapshotTree(fs::path dir) : dir_(std::move(dir)) {}
  ~SnapshotTree() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove(tar_path(), ec);
  }
  SnapshotTree(const SnapshotTree&) = delete;
  SnapshotTree& operator=(const SnapshotTree&) = delete;

  const fs::path& dir() const { return dir_; }
  std::string archive() {
    std::call_once(archived_, [this] {
      if (agent::create_workspace_archive(dir_.string(), tar_path().string()).ok())
        archive_ = tar_path().string();
    });
    return archive_;
  }

 private:
  fs::path tar_path() const { return dir_.string() + ".tar"; }

  fs::path dir_;
  std::once_flag archived_;
  std::string archive_;  // "" until made, or when it could not be
};

std::string Snapshot::archive() const {
  return tree ? tree->archive() : std::string();
}

namespace {

Result<std::string> git(const std::vector<std::string>& args) {
  auto out = actions::run_git(args);
  if (!out) return out.error();
  if (out->exit_code != 0)
    return Error{"git " + args.front() + ": " + actions::git_error_line(*out), {}};
  std::string text = out->out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

bool looks_like_url(const std::string& repository) {
  return repository.find("://") != std::string::npos ||
         (repository.find('@') != std::string::npos && repository.find(':') != std::string::npos);
}

// "main" -> the candidates a name can mean, most likely first.
std::vector<std::string> ref_candidates(const std::string& ref) {
  if (ref.rfind("refs/", 0) == 0) return {ref};
  return {"refs/heads/" + ref, "refs/tags/" + ref};
}

}  // namespace

Workspaces::Workspaces(fs::path data_dir) : data_dir_(std::move(data_dir)) {}

bool Workspaces::is_git(const std::string& repository) {
  if (looks_like_url(repository)) return true;
  std::error_code ec;
  return fs::exists(fs::path(repository) / ".git", ec) ||
         fs::exists(fs::path(repository) / "HEAD", ec);
}

fs::path Workspaces::fresh_dir(const std::string& project) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return data_dir_ / "workspaces" / project /
         (std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + "-" +
          std::to_string(++sequence_));
}

Workspaces::ProjectTrees& Workspaces::trees(const std::string& project) {
  std::lock_guard lock(mutex_);
  auto& t = projects_[project];
  if (!t) {
    t = std::make_unique<ProjectTrees>();
    std::error_code ec;  // a previous controller's snapshots: nobody tracks them
    fs::remove_all(data_dir_ / "repos" / (project + ".trees"), ec);
  }
  return *t;
}

// With the project's lock held.
Result<fs::path> Workspaces::mirror(const std::string& project, const std::string& repository) {
  fs::path dir = data_dir_ / "repos" / (project + ".git");
  std::string source = looks_like_url(repository) ? repository : fs::absolute(repository).string();
  std::error_code ec;
  if (!fs::exists(dir / "HEAD", ec)) {
    fs::create_directories(dir.parent_path(), ec);
    fs::remove_all(dir, ec);
    auto cloned = git({"clone", "--quiet", "--mirror", source, dir.string()});
    if (!cloned) return Error{"cannot clone " + repository + ": " + cloned.error().message, {}};
  } else {
    auto fetched = git({"-C", dir.string(), "fetch", "--quiet", "--prune", "--force", source,
                        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"});
    if (!fetched) return Error{"cannot fetch " + repository + ": " + fetched.error().message, {}};
  }
  return dir;
}

Result<Workspaces::Resolved> Workspaces::resolve(const std::string& project,
                                                 const std::string& repository,
                                                 const std::string& ref, const std::string& sha) {
  // A local repository answers from its ref files (no process); a commit given with a full
  // ref needs no lookup at all.
  if (!looks_like_url(repository)) {
    if (!sha.empty() && ref.rfind("refs/", 0) == 0) return Resolved{ref, sha};
    if (auto local = read_local_ref(repository, ref))
      return Resolved{local->ref, sha.empty() ? local->sha : sha};
  }
  ProjectTrees& t = trees(project);
  std::lock_guard lock(t.mutex);
  auto dir = mirror(project, repository);
  if (!dir) return dir.error();
  Resolved out;
  if (ref.empty()) {
    auto head = git({"-C", dir->string(), "symbolic-ref", "HEAD"});
    out.ref = head ? *head : "refs/heads/main";
    if (!sha.empty()) {
      out.sha = sha;
      return out;
    }
    auto commit = git({"-C", dir->string(), "rev-parse", "--verify", "HEAD^{commit}"});
    if (!commit) return commit.error();
    out.sha = *commit;
    return out;
  }
  for (const std::string& candidate : ref_candidates(ref)) {
    auto commit =
        git({"-C", dir->string(), "rev-parse", "--verify", "--quiet", candidate + "^{commit}"});
    if (commit) return Resolved{candidate, sha.empty() ? *commit : sha};
  }
  if (!sha.empty()) return Resolved{ref_candidates(ref).front(), sha};
  return Error{"no branch or tag '" + ref + "' in " + repository, {}};
}

Result<Snapshot> Workspaces::build(const std::string& project, const std::string& repository,
                                   const Resolved& commit) {
  ProjectTrees& t = trees(project);
  std::lock_guard lock(t.mutex);
  auto known = t.by_sha.find(commit.sha);
  if (known == t.by_sha.end()) {
    // Fetch, so that the commit is there (a commit from the source's refs, or a push event's).
    auto mirror_dir = mirror(project, repository);
    if (!mirror_dir) return mirror_dir.error();
    fs::path dir;
    {
      std::lock_guard names(mutex_);
      dir = data_dir_ / "repos" / (project + ".trees") /
            (commit.sha + "-" + std::to_string(++sequence_));
    }
    auto made = std::make_shared<SnapshotTree>(dir);  // removes what is made
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    auto cloned = git({"clone", "--quiet", "--shared", "--no-checkout",
                       "--template=", mirror_dir->string(), dir.string()});
    if (!cloned) return cloned.error();
    auto checked = git({"-C", dir.string(), "checkout", "--quiet", "--detach", commit.sha});
    if (!checked)
      return Error{"cannot check out " + commit.sha + ": " + checked.error().message, {}};
    // The clone's reflogs (five directories, three files) would be copied into every run's
    // workspace, and ext4's mkdir is most of a copy's cost; a fresh clone's reflog says
    // nothing a run needs.
    fs::remove_all(dir / ".git" / "logs", ec);
    known = t.by_sha.emplace(commit.sha, std::move(made)).first;
  }
  t.recent.remove(commit.sha);
  t.recent.push_front(commit.sha);
  while (t.recent.size() > kSnapshotsPerProject) {
    t.by_sha.erase(t.recent.back());
    t.recent.pop_back();
  }
  // Each holder has its own ref: one commit may be a branch and a tag.
  return Snapshot{Checkout{known->second->dir(), commit.ref, commit.sha}, known->second};
}

Result<Snapshot> Workspaces::snapshot(const std::string& project, const std::string& repository,
                                      const std::string& ref, const std::string& sha) {
  if (!is_git(repository)) {
    Snapshot plain;
    plain.checkout.dir = fs::absolute(repository);
    plain.checkout.ref = ref.empty() ? "refs/heads/main" : ref_candidates(ref).front();
    plain.checkout.sha = std::string(40, '0');
    return plain;
  }
  auto commit = resolve(project, repository, ref, sha);
  if (!commit) return commit.error();
  return build(project, repository, *commit);
}

Result<Checkout> Workspaces::copy(const std::string& project, const Snapshot& snapshot) {
  Checkout out = snapshot.checkout;
  out.dir = fresh_dir(project);
  std::error_code ec;
  fs::create_directories(out.dir.parent_path(), ec);
  fs::copy(snapshot.checkout.dir, out.dir,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(out.dir, ignored);
    return Error{
        "cannot copy " + snapshot.checkout.dir.string() + " into a workspace: " + ec.message(), {}};
  }
  return out;
}

Result<Checkout> Workspaces::link(const std::string& project, const Snapshot& snapshot) {
  if (!snapshot.tree) return copy(project, snapshot);
  Checkout out = snapshot.checkout;
  out.dir = fresh_dir(project);
  std::error_code ec;
  fs::create_directories(out.dir.parent_path(), ec);
  // Absolute: a relative target would be read from the link's own directory.
  fs::create_directory_symlink(fs::absolute(snapshot.checkout.dir), out.dir, ec);
  if (ec) return Error{"cannot make the workspace " + out.dir.string() + ": " + ec.message(), {}};
  return out;
}

Status Workspaces::materialize(const fs::path& workspace, const Snapshot& snapshot) {
  std::error_code ec;
  if (!fs::is_symlink(workspace, ec)) return Status::Ok();
  fs::path copy = workspace.string() + ".copy";
  fs::remove_all(copy, ec);
  fs::copy(snapshot.checkout.dir, copy,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(copy, ignored);
    return Error{"cannot copy " + snapshot.checkout.dir.string() + " into the workspace " +
                     workspace.string() + ": " + ec.message(),
                 {}};
  }
  if (::renameat2(AT_FDCWD, copy.c_str(), AT_FDCWD, workspace.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove(copy, ec);  // the link, now
    return Status::Ok();
  }
  // A file system without RENAME_EXCHANGE: the link goes first (a directory cannot be renamed
  // over a link).
  fs::remove(workspace, ec);
  fs::rename(copy, workspace, ec);
  if (ec)
    return Error{
        "cannot put the copy in place of the workspace " + workspace.string() + ": " + ec.message(),
        {}};
  return Status::Ok();
}

Result<Checkout> Workspaces::checkout(const std::string& project, const std::string& repository,
                                      const std::string& ref, const std::string& sha) {
  auto snap = snapshot(project, repository, ref, sha);
  if (!snap) return snap.error();
  return copy(project, *snap);
}

}  // namespace sluice::server

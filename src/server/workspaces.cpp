#include "server/workspaces.h"

#include <chrono>

#include "actions/git_command.h"

namespace sluice::server {

namespace fs = std::filesystem;

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

Result<std::string> Workspaces::resolve(const std::string& project, const std::string& repository,
                                        const std::string& ref) {
  if (!is_git(repository)) return std::string();
  std::shared_ptr<std::mutex> project_lock;
  {
    std::lock_guard lock(mutex_);
    auto& l = project_locks_[project];
    if (!l) l = std::make_shared<std::mutex>();
    project_lock = l;
  }
  std::lock_guard lock(*project_lock);
  auto dir = mirror(project, repository);
  if (!dir) return dir.error();
  if (ref.empty()) return git({"-C", dir->string(), "rev-parse", "--verify", "HEAD^{commit}"});
  for (const std::string& candidate : ref_candidates(ref)) {
    auto sha =
        git({"-C", dir->string(), "rev-parse", "--verify", "--quiet", candidate + "^{commit}"});
    if (sha) return sha;
  }
  return Error{"no branch or tag '" + ref + "' in " + repository, {}};
}

Result<Checkout> Workspaces::checkout(const std::string& project, const std::string& repository,
                                      const std::string& ref, const std::string& sha) {
  Checkout out;
  out.dir = fresh_dir(project);
  std::error_code ec;
  fs::create_directories(out.dir.parent_path(), ec);
  if (!is_git(repository)) {
    fs::copy(repository, out.dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks,
             ec);
    if (ec) return Error{"cannot copy " + repository + ": " + ec.message(), {}};
    out.ref = ref.empty() ? "refs/heads/main" : ref_candidates(ref).front();
    out.sha = std::string(40, '0');
    return out;
  }
  std::string commit = sha;
  if (commit.empty()) {
    auto resolved = resolve(project, repository, ref);
    if (!resolved) return resolved.error();
    commit = *resolved;
  } else {
    auto fetched = resolve(project, repository, "");  // fetch, so that the commit is there
    if (!fetched) return fetched.error();
  }
  fs::path mirror_dir = data_dir_ / "repos" / (project + ".git");
  auto cloned =
      git({"clone", "--quiet", "--shared", "--no-checkout", mirror_dir.string(), out.dir.string()});
  if (!cloned) return cloned.error();
  auto checked = git({"-C", out.dir.string(), "checkout", "--quiet", "--detach", commit});
  if (!checked) return Error{"cannot check out " + commit + ": " + checked.error().message, {}};
  if (ref.empty()) {
    auto head = git({"-C", mirror_dir.string(), "symbolic-ref", "HEAD"});
    out.ref = head ? *head : "refs/heads/main";
  } else {
    out.ref = ref_candidates(ref).front();
    if (ref.rfind("refs/", 0) != 0 &&
        git({"-C", mirror_dir.string(), "rev-parse", "--verify", "--quiet", out.ref}).ok() == false)
      out.ref = "refs/tags/" + ref;
  }
  out.sha = commit;
  return out;
}

}  // namespace sluice::server

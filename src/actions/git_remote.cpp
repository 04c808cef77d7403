#include "actions/git_remote.h"

#include <filesystem>

#include "actions/git_command.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

Error git_failure(const std::string& what, const GitOutput& output) {
  return Error{what + ": " + git_error_line(output), {}};
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::optional<RemoteRef> parse_ls_remote(std::string_view output, std::string_view ref) {
  const std::string tag = "refs/tags/" + std::string(ref);
  const std::string peeled = tag + "^{}";
  const std::string branch = "refs/heads/" + std::string(ref);
  std::optional<RemoteRef> tag_ref, peeled_ref, branch_ref;
  while (!output.empty()) {
    size_t end = output.find('\n');
    std::string_view line = output.substr(0, end);
    output.remove_prefix(end == std::string_view::npos ? output.size() : end + 1);
    size_t tab = line.find('\t');
    if (tab != 40) continue;
    std::string sha(line.substr(0, 40));
    std::string_view name = line.substr(41);
    if (name == peeled)
      peeled_ref = RemoteRef{sha, tag};
    else if (name == tag)
      tag_ref = RemoteRef{sha, tag};
    else if (name == branch)
      branch_ref = RemoteRef{sha, branch};
  }
  if (peeled_ref) return peeled_ref;
  if (tag_ref) return tag_ref;
  return branch_ref;
}

Result<LsRemote> ls_remote(const std::string& url, const std::string& ref) {
  auto output = run_git(
      {"ls-remote", url, "refs/tags/" + ref, "refs/tags/" + ref + "^{}", "refs/heads/" + ref});
  if (!output.ok()) return output.error();
  LsRemote result;
  if (output->exit_code != 0) {
    result.error = git_error_line(*output);
    return result;
  }
  result.reachable = true;
  result.ref = parse_ls_remote(output->out, ref);
  return result;
}

Status fetch_commit(const std::string& url, const std::string& ref_name, const std::string& sha,
                    const std::string& dest) {
  // The repository lives beside the tree and is dropped afterwards: the cache keeps files.
  fs::path git_dir = fs::path(dest).parent_path() / (fs::path(dest).filename().string() + ".git");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{git_dir};
  const std::string gd = "--git-dir=" + git_dir.string();
  auto init = run_git({"init", "-q", "--bare", git_dir.string()});
  if (!init.ok()) return init.error();
  if (init->exit_code != 0) return git_failure("git init", *init);

  auto fetch = [&](std::vector<std::string> refspecs, bool shallow) -> Result<GitOutput> {
    std::vector<std::string> args{gd, "fetch", "-q", "--no-tags"};
    if (shallow) args.push_back("--depth=1");
    args.push_back(url);
    args.insert(args.end(), refspecs.begin(), refspecs.end());
    return run_git(args);
  };
  auto fetched = fetch({ref_name.empty() ? sha : ref_name}, true);
  if (!fetched.ok()) return fetched.error();
  // A branch that moved since ls-remote brings another commit: then ask for the SHA itself.
  bool have = false;
  if (fetched->exit_code == 0) {
    auto head = run_git({gd, "rev-parse", "--verify", "-q", "FETCH_HEAD^{commit}"});
    have = head.ok() && trimmed(head->out) == sha;
  }
  if (!have && !ref_name.empty()) {
    fetched = fetch({sha}, true);
    if (!fetched.ok()) return fetched.error();
  }
  auto verify = [&]() {
    auto found = run_git({gd, "cat-file", "-e", sha + "^{commit}"});
    return found.ok() && found->exit_code == 0;
  };
  if (!verify()) {
    // The server refuses to send an unadvertised SHA: fetch what it advertises, in full.
    auto everything =
        fetch({"+refs/heads/*:refs/remotes/all/heads/*", "+refs/tags/*:refs/tags/*"}, false);
    if (!everything.ok()) return everything.error();
    if (everything->exit_code != 0) return git_failure("git fetch " + url, *everything);
    if (!verify())
      return Error{"commit " + sha + " is not in " + url + " (no branch or tag contains it)", {}};
  }
  auto checkout = run_git({gd, "--work-tree=" + dest, "-c", "advice.detachedHead=false", "checkout",
                           "-q", "--force", sha, "--", "."});
  if (!checkout.ok()) return checkout.error();
  if (checkout->exit_code != 0) return git_failure("git checkout " + sha, *checkout);
  return Status::Ok();
}

}  // namespace sluice::actions

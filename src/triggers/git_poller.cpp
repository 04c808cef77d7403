#include "triggers/git_poller.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "core/git_command.h"
#include "core/glob.h"
#include "triggers/git_refs.h"
#include "triggers/webhooks.h"

namespace fs = std::filesystem;

namespace sluice::triggers {
namespace {

Error git_failure(const std::string& what, const GitOutput& output) {
  return Error{url_without_credentials(what + ": " + git_error_line(output)), {}};
}

// Runs git in `git_dir`; nullopt when it fails (the caller degrades what it builds).
std::optional<std::string> git_output(const fs::path& git_dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--git-dir", git_dir.string()});
  Result<GitOutput> run = run_git(args);
  if (!run.ok() || run->exit_code != 0) return std::nullopt;
  return std::move(run->out);
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// `git log` records: id, author name/email, committer name/email, date, message; -z ends
// each commit with NUL, fields split by US (0x1f), the message last so it may hold anything.
constexpr const char* kLogFormat = "--format=%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%cI%x1f%B";

Value person(const std::string& name, const std::string& email) {
  Value p = Value::object();
  p.set("name", name);
  p.set("email", email);
  return p;
}

// Commits, newest first as git lists them.
std::vector<Value> read_commits(const fs::path& git_dir, std::vector<std::string> range,
                                size_t limit) {
  std::vector<std::string> args{
      "log", "-z", "-n", std::to_string(limit), kLogFormat, "--end-of-options"};
  args.insert(args.end(), range.begin(), range.end());
  args.push_back("--");
  std::optional<std::string> out = git_output(git_dir, args);
  std::vector<Value> commits;
  if (!out) return commits;
  for (const std::string& record : split(*out, '\0')) {
    std::vector<std::string> f = split(record, '\x1f');
    if (f.size() < 6) continue;
    Value commit = Value::object();
    commit.set("id", f[0]);
    commit.set("message", f.size() > 6 ? trim(f[6]) : "");
    commit.set("timestamp", f[5]);
    commit.set("author", person(f[1], f[2]));
    commit.set("committer", person(f[3], f[4]));
    commits.push_back(commit);
  }
  return commits;
}

std::optional<std::vector<std::string>> diff_names(const fs::path& git_dir,
                                                   const std::string& before,
                                                   const std::string& after) {
  std::optional<std::string> out = git_output(git_dir, {"diff", "--no-renames", "--name-only", "-z",
                                                        "--end-of-options", before, after, "--"});
  if (!out) return std::nullopt;
  return split(*out, '\0');
}

std::string repository_full_name(const WatchedRepository& repo) {
  std::string id = repository_identity(repo.repository);
  return id.empty() ? repo.project : id;
}

}  // namespace

std::string url_without_credentials(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t scheme = text.find("://", pos);
    if (scheme == std::string::npos) break;
    size_t authority = scheme + 3;
    size_t end = text.find_first_of("/ \t\n'\"", authority);
    if (end == std::string::npos) end = text.size();
    size_t at = text.rfind('@', end - 1);
    out += text.substr(pos, authority - pos);
    pos = at != std::string::npos && at >= authority && at < end ? at + 1 : authority;
  }
  return out + text.substr(pos);
}

namespace {

Value repository_payload(const WatchedRepository& repo, const RepositoryRefs& refs) {
  std::string full_name = repository_full_name(repo);
  Value r = Value::object();
  r.set("full_name", full_name);
  r.set("name", full_name.substr(full_name.rfind('/') + 1));
  r.set("clone_url", url_without_credentials(repo.repository));
  r.set("default_branch", refs.default_branch);
  return r;
}

// The push event for `ref` moving from `before` ("" if new) to `after`; nullopt when the
// ref does not name a commit (a tag of a tree).
std::optional<TriggerEvent> push_event(const WatchedRepository& repo, const RepositoryRefs& refs,
                                       const std::string& ref, const std::string& before,
                                       const std::string& after) {
  const fs::path& git_dir = refs.git_dir;
  bool branch = ref.starts_with("refs/heads/");
  std::string commit = after;
  if (!branch) {
    std::optional<std::string> peeled = git_output(
        git_dir, {"rev-parse", "--verify", "--quiet", "--end-of-options", after + "^{commit}"});
    if (!peeled) return std::nullopt;
    commit = trim(*peeled);
  }
  bool created = before.empty();
  TriggerEvent event;
  event.name = "push";
  event.ref = ref;
  event.sha = commit;
  if (branch && !created) event.changed_paths = diff_names(git_dir, before, after);

  std::vector<Value> commits;
  if (branch && !created)
    commits = read_commits(git_dir, {before + ".." + after}, kMaxPayloadCommits);
  Value head_commit;
  if (!commits.empty() && commits.front().get("id").as_string() == commit) {
    head_commit = commits.front();
  } else if (std::vector<Value> head = read_commits(git_dir, {commit}, 1); !head.empty()) {
    head_commit = head.front();
  }
  if (branch && created && !head_commit.is_null()) commits = {head_commit};
  std::reverse(commits.begin(), commits.end());  // GitHub lists the oldest first

  bool forced = false;
  if (branch && !created) {
    Result<GitOutput> ancestor =
        run_git({"--git-dir", git_dir.string(), "merge-base", "--is-ancestor", before, after});
    forced = ancestor.ok() && ancestor->exit_code == 1;
  }
  Value payload = Value::object();
  payload.set("ref", ref);
  payload.set("before", created ? std::string(kNullSha) : before);
  payload.set("after", after);
  payload.set("created", created);
  payload.set("deleted", false);
  payload.set("forced", forced);
  payload.set("base_ref", Value());
  payload.set("commits", Value::array(std::move(commits)));
  payload.set("head_commit", head_commit);
  payload.set("repository", repository_payload(repo, refs));
  payload.set("pusher", person("sluice", ""));
  event.payload = std::move(payload);
  return event;
}

Result<RepositoryRefs> read_local_refs(const fs::path& dir) {
  auto found = find_git_repository(dir);
  if (!found.ok()) return found.error();
  if (!*found) return Error{dir.string() + ": not a git repository", {}};
  const GitRepository& repo = **found;
  RepositoryRefs result;
  result.git_dir = repo.common_dir;
  for (const char* prefix : {"refs/heads/", "refs/tags/"}) {
    auto refs = list_git_refs(repo, prefix);
    if (!refs.ok()) return refs.error();
    result.refs.merge(*refs);
  }
  // The default branch is what the shared HEAD names (a linked worktree's own HEAD is not it).
  auto head = read_git_head(GitRepository{repo.common_dir, repo.common_dir});
  if (head.ok() && head->ref.starts_with("refs/heads/"))
    result.default_branch = head->ref.substr(std::string_view("refs/heads/").size());
  return result;
}

}  // namespace

bool is_local_repository(const std::string& repository) {
  if (repository.find("://") != std::string::npos) return false;
  // scp-like "host:path" has a ':' before any '/'.
  size_t colon = repository.find(':');
  return colon == std::string::npos || repository.find('/') < colon;
}

bool is_watched_ref(const WatchedRepository& repo, const std::string& ref) {
  if (ref.starts_with("refs/tags/")) return repo.tags;
  if (!ref.starts_with("refs/heads/")) return false;
  return repo.branches.empty() ||
         filter_match(repo.branches,
                      std::string_view(ref).substr(std::string_view("refs/heads/").size()));
}

GitPoller::GitPoller(fs::path mirror_root) : mirror_root_(std::move(mirror_root)) {}

fs::path GitPoller::mirror_dir(const WatchedRepository& repo) const {
  // The project name is a configuration identifier; keep only safe characters for a path.
  std::string name;
  for (char c : repo.project)
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return mirror_root_ / (name + ".git");
}

Result<fs::path> GitPoller::update_mirror(const WatchedRepository& repo) const {
  fs::path dir = mirror_dir(repo);
  std::error_code ec;
  if (!fs::exists(dir / "HEAD", ec)) {
    fs::create_directories(mirror_root_, ec);
    fs::path temp = dir;
    temp += ".tmp-" + std::to_string(::getpid());
    fs::remove_all(temp, ec);
    Result<GitOutput> clone =
        run_git({"clone", "--bare", "--quiet", "--", repo.repository, temp.string()});
    if (!clone.ok()) return clone.error();
    if (clone->exit_code != 0) {
      fs::remove_all(temp, ec);
      return git_failure("cannot clone " + repo.repository, *clone);
    }
    fs::remove_all(dir, ec);
    fs::rename(temp, dir, ec);
    if (ec) return Error{"cannot create mirror " + dir.string() + ": " + ec.message(), {}};
    return dir;
  }
  Result<GitOutput> fetch =
      run_git({"--git-dir", dir.string(), "fetch", "--quiet", "--prune", "--no-tags", "--",
               repo.repository, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"});
  if (!fetch.ok()) return fetch.error();
  if (fetch->exit_code != 0) return git_failure("cannot fetch " + repo.repository, *fetch);
  return dir;
}

Result<RepositoryRefs> GitPoller::read_refs(const WatchedRepository& repo) const {
  if (is_local_repository(repo.repository)) return read_local_refs(repo.repository);
  Result<fs::path> mirror = update_mirror(repo);
  if (!mirror.ok()) return mirror.error();
  return read_local_refs(*mirror);
}

Result<PollResult> GitPoller::poll(const WatchedRepository& repo, const RefMap* previous) const {
  Result<RepositoryRefs> refs = read_refs(repo);
  if (!refs.ok()) return refs.error();
  PollResult result;
  result.current = std::move(*refs);
  result.first_sight = previous == nullptr;
  if (result.first_sight) return result;
  for (const auto& [ref, sha] : result.current.refs) {
    if (!is_watched_ref(repo, ref)) continue;
    auto old = previous->find(ref);
    if (old != previous->end() && old->second == sha) continue;
    std::string before = old == previous->end() ? "" : old->second;
    if (std::optional<TriggerEvent> event = push_event(repo, result.current, ref, before, sha))
      result.events.push_back(std::move(*event));
  }
  return result;
}

}  // namespace sluice::triggers

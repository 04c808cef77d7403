#include "actions/repository_fetcher.h"

#include <cstdlib>

#include "actions/action_sources.h"
#include "actions/git_remote.h"
#include "core/value.h"
#include "spec/action_ref.h"

namespace sluice::actions {

RepositoryFetcher::RepositoryFetcher(ActionCache cache, FetchOptions options,
                                     std::function<void(const std::string&)> progress)
    : cache_(std::move(cache)), options_(std::move(options)), progress_(std::move(progress)) {}

int64_t ref_ttl_from_environment(int64_t fallback) {
  const char* value = std::getenv("SLUICE_ACTION_REF_TTL");
  if (!value || !*value) return fallback;
  char* end = nullptr;
  long long parsed = std::strtoll(value, &end, 10);
  return (*end == '\0' && parsed >= 0) ? parsed : fallback;
}

Result<Checkout> RepositoryFetcher::checkout(const std::string& owner, const std::string& repo,
                                             const std::string& ref, const std::string& what) {
  if (!is_safe_repository_part(owner) || !is_safe_repository_part(repo) || !is_safe_ref(ref))
    return Error{what + " has an invalid repository name or ref", {}};
  RepositoryKey key = RepositoryKey::of(owner, repo);
  const bool is_sha = spec::is_full_commit_sha(ref);
  std::string sha = is_sha ? to_lower(ref) : "";
  auto cached = [&](const std::string& commit) -> std::optional<Checkout> {
    if (commit.empty() || !cache_.has_tree(key, commit)) return std::nullopt;
    return Checkout{cache_.tree_dir(key, commit), commit, ""};
  };
  auto usable_record = [&]() -> std::string {
    auto record = cache_.read_ref(key, ref);
    if (!record) return "";
    return options_.offline || record->age_seconds < options_.ref_ttl_seconds ? record->sha : "";
  };
  if (auto hit = cached(is_sha ? sha : usable_record())) return *hit;
  if (options_.offline) {
    auto record = cache_.read_ref(key, ref);
    if (!is_sha && !record)
      return Error{what + " is not in the action cache (--offline): no commit is recorded for '" +
                       ref + "' of " + key.name() + " under " + cache_.root() +
                       "/refs; run once without --offline to fetch it",
                   {}};
    return Error{what + " is not in the action cache (--offline): the files of commit " +
                     (is_sha ? sha : record->sha) + " are not in " +
                     cache_.tree_dir(key, is_sha ? sha : record->sha) +
                     "; run once without --offline to fetch them",
                 {}};
  }
  auto lock = cache_.lock(key);
  if (!lock.ok()) return lock.error();
  // Another process may have fetched it while we waited for the lock.
  if (auto hit = cached(is_sha ? sha : usable_record())) return *hit;
  return fetch_locked(key, owner, repo, ref, is_sha, what);
}

Result<Checkout> RepositoryFetcher::fetch_locked(const RepositoryKey& key, const std::string& owner,
                                                 const std::string& repo, const std::string& ref,
                                                 bool is_sha, const std::string& what) {
  std::string reasons;
  auto note = [&](const std::string& text) { reasons += (reasons.empty() ? "" : "; ") + text; };
  for (const std::string& source : options_.sources) {
    // Messages and records name a source without the credentials written into its URL.
    auto shown = [&](std::string text) { return hide_credentials(std::move(text), source); };
    for (const std::string& url : repository_urls(source, owner, repo)) {
      RemoteRef found;
      if (is_sha) {
        found.sha = to_lower(ref);
      } else {
        auto listed = ls_remote(url, ref);
        if (!listed.ok()) return Error{shown(listed.error().message), listed.error().pos};
        if (!listed->reachable) {
          note(shown(url + ": " + listed->error));
          continue;
        }
        if (!listed->ref) {
          note(shown(url) + " has no tag or branch '" + ref + "'");
          break;  // the ".git" spelling is the same repository
        }
        found = *listed->ref;
      }
      Status installed = Status::Ok();
      if (!cache_.has_tree(key, found.sha)) {
        installed = cache_.install(key, found.sha, [&](const std::string& temp) {
          return fetch_commit(url, found.name, found.sha, temp);
        });
      }
      if (!installed.ok()) {
        note(shown(url + ": " + installed.error().message));
        continue;
      }
      if (!is_sha) {
        if (Status s = cache_.write_ref(key, ref, found.sha); !s.ok()) return s.error();
      }
      if (progress_)
        progress_("fetched " + owner + "/" + repo + "@" + ref + " (" + found.sha.substr(0, 12) +
                  ") from " + shown(url));
      return Checkout{cache_.tree_dir(key, found.sha), found.sha, shown(url)};
    }
  }
  return Error{"cannot fetch " + what + ": " + (reasons.empty() ? "no action source" : reasons),
               {}};
}

}  // namespace sluice::actions

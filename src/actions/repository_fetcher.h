// RepositoryFetcher: `owner/repo@ref` -> a directory holding that commit's files, from the
// ActionCache when it has them, else fetched with git from the first source that has the
// repository and the ref. Used for remote actions and remote reusable workflows alike.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actions/action_cache.h"
#include "core/result.h"

namespace sluice::actions {

struct FetchOptions {
  std::vector<std::string> sources;  // base URLs in order (action_sources.h)
  bool offline = false;              // use only the cache; never run git
  // How long a tag's or branch's recorded commit is trusted before the source is asked
  // again (SLUICE_ACTION_REF_TTL). Full commit SHAs never need asking.
  int64_t ref_ttl_seconds = 3600;
};

struct Checkout {
  std::string dir;  // the commit's files (ActionCache tree)
  std::string sha;
  std::string url;  // where it was fetched from now; "" when it came from the cache
};

class RepositoryFetcher {
 public:
  // `progress` hears one line per repository fetched over the network ("" = silent).
  RepositoryFetcher(ActionCache cache, FetchOptions options,
                    std::function<void(const std::string&)> progress = {});

  // `what` names the thing fetched in errors: "action 'actions/cache@v4'".
  Result<Checkout> checkout(const std::string& owner, const std::string& repo,
                            const std::string& ref, const std::string& what);

  const ActionCache& cache() const { return cache_; }
  const FetchOptions& options() const { return options_; }

 private:
  Result<Checkout> fetch_locked(const RepositoryKey& key, const std::string& owner,
                                const std::string& repo, const std::string& ref, bool is_sha,
                                const std::string& what);

  ActionCache cache_;
  FetchOptions options_;
  std::function<void(const std::string&)> progress_;
};

// SLUICE_ACTION_REF_TTL in seconds, or `fallback` when unset or not a number.
int64_t ref_ttl_from_environment(int64_t fallback);

}  // namespace sluice::actions

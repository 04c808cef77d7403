// Asking a git server what a ref points to, and fetching one commit's files from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sluice::actions {

struct RemoteRef {
  std::string sha;   // the commit (an annotated tag is peeled to its commit)
  std::string name;  // "refs/tags/v1" or "refs/heads/main"
};

// What `ref` resolves to in the output of `git ls-remote URL refs/tags/REF refs/tags/REF^{}
// refs/heads/REF`: a tag wins over a branch of the same name (as `git rev-parse` and
// GitHub's runner decide), and an annotated tag's peeled line wins over the tag object.
std::optional<RemoteRef> parse_ls_remote(std::string_view output, std::string_view ref);

// Outcome of asking one URL.
struct LsRemote {
  bool reachable = false;        // the repository answered (false: not there, or no server)
  std::optional<RemoteRef> ref;  // nullopt: the repository has no such tag or branch
  std::string error;             // git's last stderr line when not reachable
};
Result<LsRemote> ls_remote(const std::string& url, const std::string& ref);

// Writes the files of commit `sha` (no .git) into the empty directory `dest`, fetching
// only that commit: by `ref_name` when given (what every server allows), else by SHA,
// and, when the server refuses a bare SHA (uploadpack.allowAnySHA1InWant off under
// protocol v0), every branch and tag in full. Checks that what arrived is `sha`.
Status fetch_commit(const std::string& url, const std::string& ref_name, const std::string& sha,
                    const std::string& dest);

}  // namespace sluice::actions

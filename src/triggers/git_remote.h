// Which hosted repository a checkout is a clone of: its `origin` remote, read from the
// repository's git config in-process (no git process: `sluice run` reads it on every
// trigger, and starting git costs more than the rest of the run's setup).
//
// The config format (git-config(1)) as far as a remote's URL needs it: `[section]`,
// `[section "subsection"]` (the subsection case-sensitive, `\"` and `\\` escaped) and the
// old `[section.subsection]`; `key = value` with section and key names case-insensitive;
// values unquoted or "quoted", with the escapes \n \t \b \" \\ and a trailing `\` that
// continues the line; `#` and `;` start comments outside quotes; a key without `=` is true.
// Not followed (their remotes are not seen): `[include]` / `[includeIf]` files, the user's
// and system config, `url.<base>.insteadOf` rewrites. A remote with several `url` values
// fetches from the first, as git does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "triggers/git_refs.h"

namespace sluice::triggers {

// The first value of `section.subsection.key` in config text; nullopt when it is not set.
// Errors name the line of a malformed config ("bad config line 3"), as git does.
Result<std::optional<std::string>> git_config_value(std::string_view text, std::string_view section,
                                                    std::string_view subsection,
                                                    std::string_view key);

// `remote.<name>.url` of the repository; nullopt when the remote (or the config) is absent.
Result<std::optional<std::string>> read_remote_url(const GitRepository& repo,
                                                   std::string_view name);

struct RepositorySlug {
  std::string owner;  // github.repository_owner
  std::string name;   // github.repository is owner + "/" + name
};

// The owner/repo a remote URL names — the last two path segments, without ".git":
//   https://host/owner/repo(.git)    http://, git://, ssh://[user@]host[:port]/owner/repo,
//   git@host:owner/repo(.git)        (scp-like), https://user:token@host/owner/repo
// nullopt for a local path or a file:// URL (a clone of a clone names no hosted
// repository) and for anything with fewer than two path segments. Credentials in the URL
// never reach the result.
std::optional<RepositorySlug> repository_from_remote_url(std::string_view url);

}  // namespace sluice::triggers

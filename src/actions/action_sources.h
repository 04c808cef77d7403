// Where remote actions and reusable workflows are fetched from: an ordered list of git
// base URLs. `owner/repo` is appended to each ("https://github.com" + "/actions/cache"),
// with and without ".git", because git hosts and `git daemon --base-path` serve both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sluice::actions {

inline constexpr const char* kDefaultActionSource = "https://github.com";

// The sources in the order they are tried: the `--action-source` flags when there are any,
// else SLUICE_ACTION_SOURCES (space-separated) when set and not blank, else github.com.
// Each must be an https://, http://, git:// or file:// URL; a trailing '/' is dropped.
Result<std::vector<std::string>> action_sources(const std::vector<std::string>& flags,
                                                const char* environment_value);

// The URLs to try for `owner/repo` on one source, in order: as written, then with ".git".
std::vector<std::string> repository_urls(std::string_view source, std::string_view owner,
                                         std::string_view repo);

// The credentials of a source URL ("https://user:token@host/..."), or "" when it has none.
std::string url_credentials(std::string_view url);
// `text` with the credentials of `url` replaced by "***" wherever they occur, so that no
// message or record shows a token written into an --action-source URL.
std::string hide_credentials(std::string text, std::string_view url);

// A ref git may be given as an argument: not empty, no leading '-', no "..", no control
// characters and nothing of git's forbidden set (space ~ ^ : ? * [ \).
bool is_safe_ref(std::string_view ref);

// `owner` or `repo` as GitHub allows them: letters, digits, '-', '_', '.', not starting
// with '-' or '.'.
bool is_safe_repository_part(std::string_view part);

}  // namespace sluice::actions

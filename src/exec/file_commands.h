// The file half of the runner protocol: after a step exits, what it wrote to the files
// named by GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_PATH and GITHUB_STEP_SUMMARY
// (docs/runner-protocol.md). Pure parsing plus one bounded file read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::exec {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// GitHub's limit for a step summary; larger summaries are rejected, as on GitHub.
constexpr size_t kMaxSummaryBytes = 1024 * 1024;
// Outputs, env, state and path files beyond this are rejected without being parsed.
constexpr size_t kMaxCommandFileBytes = 16 * 1024 * 1024;

// Parses the `name=value` / `name<<DELIMITER ... DELIMITER` format of GITHUB_OUTPUT,
// GITHUB_ENV and GITHUB_STATE with the GitHub runner's rules: blank lines are skipped, the
// first of '=' and '<<' decides the form, a heredoc's value is its lines joined by "\n",
// CRLF line ends are accepted. Entries before an error are kept in `out`; the error text
// (empty when none) names `label` and the line, never a value (values may be secrets).
std::string parse_key_value_file(std::string_view content, std::string_view label, KeyValues& out);

// GITHUB_PATH: one directory per line, blanks skipped, surrounding whitespace trimmed.
std::vector<std::string> parse_path_file(std::string_view content);

// Reads a whole file of at most `max_bytes`. Returns an error text (empty on success);
// a missing file reads as empty (a step may delete it).
std::string read_file_limited(const std::string& path, size_t max_bytes, std::string_view label,
                              std::string& content);

}  // namespace sluice::exec

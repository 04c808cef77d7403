// Reads the lines that commits added since a revision, for incremental scans
// (`sluice scan --since REV`): `git log -p -U0 REV..HEAD` gives each commit's added lines,
// then `git diff -U0 HEAD` the uncommitted changes to tracked files. Git runs as a child
// process (no shell) in the scan root; its output is parsed as a stream, one
// (commit, file) fragment at a time, so memory stays bounded by the largest fragment.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace sluice::scan::secrets {

struct AddedLines {
  std::string commit;             // full hash; "" for uncommitted changes
  std::string path;               // relative to the repository directory given, '/'-separated
  std::string text;               // the added lines, each followed by '\n'
  std::vector<int> line_numbers;  // line in the new file of each added line
  bool truncated = false;         // more than max_bytes were added; `text` is incomplete
};

struct GitDiffOptions {
  std::string repo_dir = ".";
  std::string since_rev;
  std::vector<std::string> pathspecs;  // relative to repo_dir; empty: everything
  bool include_uncommitted = true;
  size_t max_bytes = 10 << 20;  // per fragment
};

// Calls `visit` once per (commit, file) with added lines. Fails when REV is not a plain
// revision (must not start with '-') or git reports an error (its first stderr line).
Status read_added_lines(const GitDiffOptions& options,
                        const std::function<void(const AddedLines&)>& visit);

// Feeds unified diff text (`git log -p -U0 --format='commit %H'` or `git diff -U0`
// output), line by line. Exposed for tests.
class DiffParser {
 public:
  DiffParser(size_t max_bytes, std::function<void(const AddedLines&)> visit)
      : max_bytes_(max_bytes), visit_(std::move(visit)) {}
  void line(std::string_view line);
  void finish() { flush(); }

 private:
  void flush();
  size_t max_bytes_;
  std::function<void(const AddedLines&)> visit_;
  AddedLines current_;
  std::string commit_;
  bool in_file_ = false;
  int added_left_ = 0, removed_left_ = 0, next_line_ = 0;
};

}  // namespace sluice::scan::secrets

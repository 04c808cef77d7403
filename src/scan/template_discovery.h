// Finding CloudFormation templates under the paths given to `sluice scan`: files,
// directories (recursive, honouring .gitignore) and CDK cloud assemblies (cdk.out/,
// whose manifest.json lists the stack templates).
#pragma once

#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace sluice::scan {

struct TemplateCandidate {
  std::string path;            // filesystem path to open
  std::string display_name;    // relative to the scan root, for reports
  bool explicit_path = false;  // named on the command line: parse errors always reported
};

// Candidates in a stable (sorted) order, without duplicates. Missing paths are errors.
std::vector<TemplateCandidate> discover_templates(const std::vector<std::string>& paths,
                                                  const std::string& root,
                                                  Diagnostics& diagnostics);

// Simple .gitignore matching: `name`, `*.ext`, `dir/`, `/anchored`, `a/**/b`; `!negation`
// re-includes. Exposed for tests.
class GitIgnore {
 public:
  void add_file(const std::string& gitignore_path, const std::string& base_dir);
  void add_pattern(const std::string& line, const std::string& base_dir);
  // `path` is relative to the scan walk's top; `is_dir` for directory entries.
  bool ignored(const std::string& path, bool is_dir) const;

 private:
  struct Pattern {
    std::string glob;
    std::string base;  // relative dir the .gitignore lives in ("" = top)
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;
  };
  std::vector<Pattern> patterns_;
};

}  // namespace sluice::scan

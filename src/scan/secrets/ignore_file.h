// Fingerprint ignore files (`.gitleaksignore`, `.sluiceignore-secrets`): one fingerprint
// per line, `file:rule-id:line` or `commit:file:rule-id:line`, '#' starts a comment.
// These are the fingerprints findings carry, so a reviewed false positive is silenced by
// pasting its fingerprint.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "core/diagnostic.h"

namespace sluice::scan::secrets {

class FingerprintIgnore {
 public:
  // Reads `path` if it exists; a missing file is not an error. Files over 4 MB are refused.
  void load(const std::string& path, Diagnostics& diagnostics);
  void add(std::string_view line);

  // A commit finding is also ignored by its fingerprint without the commit, so one entry
  // covers a line however many commits touched it.
  bool ignored(std::string_view fingerprint, std::string_view without_commit) const;
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_set<std::string> entries_;
};

}  // namespace sluice::scan::secrets

// Loads rules from a gitleaks-compatible TOML configuration (`sluice scan --config`), so
// teams can bring the config they already have. Supported: [extend] useDefault / path /
// disabledRules; [[rules]] with id, description, regex, secretGroup, entropy, keywords,
// path, [rules.allowlist] and [[rules.allowlists]]; top-level [allowlist] and
// [[allowlists]] (with targetRules). Allowlists take description, condition (OR/AND),
// regexTarget (secret/match/line), regexes, paths, commits and stopwords.
#pragma once

#include <string>

#include "core/diagnostic.h"
#include "scan/secrets/secret_rule.h"

namespace sluice::scan::secrets {

// Every problem is reported in `diagnostics` with file:line:col; a rule with an invalid
// regex (for instance a look-around or a backreference, which RE2 rejects) is left out of
// the returned set and named in its diagnostic. Config files over 4 MB are refused.
RuleSet load_gitleaks_config(const std::string& path, Diagnostics& diagnostics);

// Same, from text already in memory; `path` is used for positions and for resolving a
// relative [extend] path.
RuleSet parse_gitleaks_config(const std::string& text, const std::string& path,
                              Diagnostics& diagnostics);

}  // namespace sluice::scan::secrets

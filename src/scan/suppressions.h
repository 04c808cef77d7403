// Suppressions: documented exceptions to rules, from template metadata (cdk-nag, cfn_nag,
// checkov) and from a suppressions file (.sluice/suppressions.yml).
//
// Rules of the game (shared by every source): a reason of at least 10 characters; an id
// never carries a `[finding]` (applies_to does that); invalid suppressions are errors
// with their position and do not apply; suppressions that match nothing are reported
// as stale warnings so dead exceptions get cleaned up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"
#include "scan/cfn/template.h"
#include "scan/finding.h"

namespace sluice::scan {

// One `applies_to` entry: an exact finding ID or a /body/flags regular expression.
struct FindingPattern {
  std::string text;  // as written
  bool is_regex = false;
  std::shared_ptr<const void> compiled;  // RE2, kept opaque to keep re2.h out of headers

  bool matches(const std::string& finding_id) const;
};

struct Suppression {
  std::string rule_id;  // "AwsSolutions-S1" or "CdkNagValidationFailure"
  std::string reason;
  std::vector<FindingPattern> applies_to;  // empty: every finding of the rule
  std::string source;                      // "cdk_nag", "cfn_nag", "checkov", "file"
  SourcePos pos;
  std::string resource_glob;  // file suppressions: logical ID or CDK path glob
  std::string expires;        // file suppressions: YYYY-MM-DD or ""
  bool used = false;
};

// Parses a suppressions file. `today` is YYYY-MM-DD (expired entries are kept but never
// apply, and are reported as warnings).
Result<std::vector<Suppression>> load_suppressions_file(const std::string& path,
                                                        const std::string& today,
                                                        Diagnostics& diagnostics);

// Applies metadata suppressions of `tmpl` and the file suppressions to `findings` (which
// belong to `tmpl`): matching Non-Compliant/UNKNOWN findings become Suppressed with the
// reason. Invalid metadata suppressions and stale metadata suppressions are reported.
void apply_suppressions(const cfn::Template& tmpl, std::vector<Finding>& findings,
                        std::vector<Suppression>& file_suppressions, Diagnostics& diagnostics);

// After all templates: file suppressions that matched nothing are stale.
void report_stale_file_suppressions(const std::vector<Suppression>& file_suppressions,
                                    const std::string& today, Diagnostics& diagnostics);

// The sluice rule for a checkov check ID ("CKV_AWS_18" -> "AwsSolutions-S1"), or "".
std::string checkov_to_rule(const std::string& checkov_id);
// The sluice rule for a cfn_nag rule ID ("W35" -> "AwsSolutions-S1"), or "".
std::string cfn_nag_to_rule(const std::string& cfn_nag_id);

// Today's date in UTC as YYYY-MM-DD.
std::string today_utc();

}  // namespace sluice::scan

// `.sluice/environments.yml`: the protection rules of each environment a job deploys to
// (`environment:` in a workflow), the health gates they name, reviewer groups, and the
// notifications sent about runs and deployments. Documented in docs/environments.md.
//
//   environments:
//     production:
//       reviewers: [alice, ops-team]     # users or groups (reviewer-groups, else OS groups)
//       required-approvals: 1
//       prevent-self-review: true
//       wait-timer: 5                    # minutes (or a duration: 30s, 2m)
//       branches: [main, 'release/*']    # branch patterns; refs/tags/... for tags
//       tags: ['v*']                     # tag patterns
//       health-gates: [aws-eu-west-1]
//       concurrency: 1
//       url: https://example.com
//       vars: {REGION: eu-west-1}
//       secrets-file: production.env     # NAME=value lines, relative to this file
//       approval-timeout: 30d
//   health-gates:
//     aws-eu-west-1: {source: aws-health, region: eu-west-1, interval: 30s}
//   reviewer-groups:
//     ops-team: [carol, dave]
//   notifications:
//     - {name: ops, url: http://..., format: slack, on: [failure, recovery], secret: HOOK_KEY}
//
// Parsed with the workflow loader's reader: every problem in one pass, with file:line:col
// and a hint. Pure: reading secrets-file happens later (read_secrets_file), when a job of
// that environment starts, so that a missing secrets file fails that job, not every run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"

namespace sluice::deploy {

inline constexpr const char* kEnvironmentsFile = ".sluice/environments.yml";
inline constexpr int64_t kDefaultApprovalTimeoutMs = 30LL * 24 * 3600 * 1000;  // 30 days

// A health gate as the `sluice/health-gate@v1` step takes it: the same keys, as strings
// (gates/gate_inputs.h reads them).
struct HealthGateSpec {
  std::string name;
  std::map<std::string, std::string> inputs;
  SourcePos pos;
};

enum class NotificationEvent { kFailure, kRecovery, kApproval, kRollback, kSuccess };
const char* to_string(NotificationEvent event);  // "failure", "recovery", "approval", ...
std::optional<NotificationEvent> notification_event_from_string(std::string_view text);

enum class NotificationFormat { kJson, kSlack };

struct NotificationSpec {
  std::string name;
  std::string url;  // http://... (https is refused: the HTTP client speaks plain HTTP)
  // The name of a secret of the run (or else an environment variable) holding the URL,
  // when the URL itself is a secret (Slack's are); "" when `url` is given.
  std::string url_secret;
  NotificationFormat format = NotificationFormat::kJson;
  std::vector<NotificationEvent> events;  // empty: failure, recovery, approval, rollback
  // The name of a secret (or environment variable) holding the HMAC-SHA256 key; "" for none.
  std::string secret;
  std::vector<std::string> workflows;     // workflow file globs; empty: every workflow
  std::vector<std::string> environments;  // environment names; empty: every environment
  int max_attempts = 5;
  SourcePos pos;

  bool wants(NotificationEvent event) const;
};

struct EnvironmentSpec {
  std::string name;
  SourcePos pos;
  std::vector<std::string> reviewers;  // users or groups
  int required_approvals = 0;          // 0: none needed (1 when reviewers are given)
  bool prevent_self_review = false;
  int64_t wait_timer_ms = 0;
  std::vector<std::string> branches;  // patterns (core/glob.h); empty with tags: any ref
  std::vector<std::string> tags;
  std::vector<std::string> health_gates;  // names in EnvironmentsFile::health_gates
  int concurrency = 0;                    // deployments in progress at once; 0: no limit
  std::string url;
  std::map<std::string, std::string> vars;
  std::string secrets_file;  // absolute; "" for none
  int64_t approval_timeout_ms = kDefaultApprovalTimeoutMs;
  std::vector<NotificationSpec> notifications;  // this environment's own

  // Whether `ref` (refs/heads/..., refs/tags/...) may deploy here.
  bool allows_ref(const std::string& ref) const;
};

struct EnvironmentsFile {
  std::string path;  // as given to the parser
  std::map<std::string, EnvironmentSpec> environments;
  std::map<std::string, HealthGateSpec> health_gates;
  std::map<std::string, std::vector<std::string>> reviewer_groups;
  std::vector<NotificationSpec> notifications;

  const EnvironmentSpec* find(const std::string& name) const;
};

// Parses `source` (the file `file`; relative paths are relative to its directory).
// Diagnostics get every problem; nullopt when there is an error.
std::optional<EnvironmentsFile> parse_environments(std::string_view source, const std::string& file,
                                                   Diagnostics& diagnostics);

// Reads <repo_dir>/.sluice/environments.yml. A missing file is an empty EnvironmentsFile
// (every environment unprotected); an unreadable or invalid one is nullopt with diagnostics.
std::optional<EnvironmentsFile> load_environments(const std::string& repo_dir,
                                                  Diagnostics& diagnostics);

// A secrets file: `NAME=value` lines (blank lines and `#` comments skipped; one pair of
// surrounding quotes removed). Errors name the file and line, never a value.
Result<std::map<std::string, std::string>> read_secrets_file(const std::string& path);

}  // namespace sluice::deploy

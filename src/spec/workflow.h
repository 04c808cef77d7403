// The typed model of a workflow file (GitHub Actions syntax plus sluice extensions).
//
// The loader (workflow_loader.h) fills it from YAML and records the source position of
// every node, so that later layers (validation, planner, engine) can point at a line.
// Values that may hold `${{ }}` expressions are kept as written (Scalar); they are
// parsed and evaluated by the planner and the engine, in the contexts GitHub allows.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/value.h"
#include "spec/action_ref.h"

namespace sluice::spec {

// A YAML scalar kept as written. `text` may contain `${{ }}`. For YAML booleans and
// numbers `text` is their source form ("true", "30").
struct Scalar {
  std::string text;
  SourcePos pos;
  // Where the characters of `text` are in the file, so that an error at offset k of the
  // text (e.g. an expression's column) points at the right place (see pos_at):
  // text_column > 0: the text appears verbatim on pos.line from this 1-based column
  //   (single-line plain scalars, and quoted scalars without escapes);
  // block_indent > 0: a literal block scalar (`|`) whose line i is source line
  //   pos.line + 1 + i, starting at 1-based column block_indent.
  int text_column = 0;
  int block_indent = 0;

  // Source position of text[offset]; falls back to `pos` when the mapping is unknown.
  SourcePos pos_at(size_t offset) const;
};

// Ordered `KEY: value` maps (env, with, outputs): order matters for display.
using ScalarMap = std::vector<std::pair<std::string, Scalar>>;

// sluice extension: retry that knows why something failed. Both jobs and steps.
struct RetryPolicy {
  int max_attempts = 1;             // 1 = no retry
  double delay_seconds = 0;         // first backoff delay
  double factor = 2;                // delay multiplier per attempt
  double max_delay_seconds = 3600;  // cap
  // Failure classes that allow a retry. When none is given, `any` is assumed.
  std::vector<int> exit_codes;
  bool on_timeout = false;
  bool on_signal = false;
  std::string log_pattern;  // RE2, matched against the attempt's output
  SourcePos log_pattern_pos;
  bool on_any = false;
  SourcePos pos;
};

struct Defaults {
  std::optional<Scalar> shell;
  std::optional<Scalar> working_directory;
};

struct Concurrency {
  Scalar group;
  std::optional<Scalar> cancel_in_progress;  // bool or expression
  // `queue: max`: every waiting run/job queues, served first come first served. Default
  // (`single`): one waits, and a newer one cancels it.
  bool queue_all = false;
  SourcePos pos;
};

struct Step {
  std::string id;  // "" when not given
  SourcePos id_pos;
  std::optional<Scalar> name;
  std::optional<Scalar> if_condition;
  std::optional<Scalar> run;
  std::optional<Scalar> shell;
  std::optional<Scalar> working_directory;
  ScalarMap env;
  std::optional<Scalar> continue_on_error;  // bool or expression
  std::optional<Scalar> timeout_minutes;    // number or expression
  std::optional<Scalar> uses;               // "./path", "owner/repo@ref", "sluice/scan@v1"
  std::optional<ActionRef> action;          // `uses` parsed; nullopt when absent or malformed
  ScalarMap with;
  std::optional<RetryPolicy> retry;
  SourcePos pos;
};

// `permissions:` as written, at the top of a workflow or on a job. sluice issues no
// GitHub token, so most scopes change nothing; `id-token: write` lets the job have OIDC ID
// tokens (docs/oidc.md).
struct Permissions {
  std::string all;                            // "read-all", "write-all", or "" (a mapping)
  std::map<std::string, std::string> scopes;  // scope -> read | write | none
  // The level `scope` has: "read", "write" or "none".
  std::string level(const std::string& scope) const;
};

struct Environment {
  Scalar name;
  std::optional<Scalar> url;
};

// GitHub runs at most 256 jobs per matrix ("Job matrix: 256 jobs / workflow run" in
// GitHub's Actions limits); so does sluice.
constexpr size_t kMaxMatrixJobs = 256;
// Jobs under `jobs:` in one workflow file. GitHub documents no separate cap on the jobs a
// file defines, only the 256 jobs a matrix may generate per run; sluice applies the same
// number to the jobs of a file, so that a hostile file cannot make validation or planning
// do unbounded work.
constexpr size_t kMaxWorkflowJobs = 256;

struct Strategy {
  // The matrix as written: an object of axes (arrays of values), `include` and `exclude`
  // lists, or a whole-matrix expression string. Strings may hold `${{ }}` (e.g.
  // `${{ fromJSON(needs.a.outputs.m) }}`), evaluated when the job becomes ready.
  std::optional<Value> matrix;
  SourcePos matrix_pos;
  std::optional<Scalar> fail_fast;     // default true
  std::optional<Scalar> max_parallel;  // default unlimited
};

// `container:` of a job, or one entry of its `services:` (a string is the image alone).
// Every value may hold `${{ }}` (matrix, needs, vars, secrets, inputs), evaluated when the
// job starts; the container engine runs it (exec/container/).
struct ContainerSpec {
  std::string service_id;  // the key under `services:` (its host name); "" for `container:`
  Scalar image;
  std::optional<Scalar> username, password;  // `credentials:`
  ScalarMap env;
  std::vector<Scalar> ports;      // "8080", "5432:5432", "127.0.0.1:80:80/tcp"
  std::vector<Scalar> volumes;    // "name:/path", "/host:/path[:ro]"
  std::optional<Scalar> options;  // extra `create` options, e.g. --health-cmd "..."
  SourcePos pos;
};

struct Job {
  std::string id;
  SourcePos pos;
  std::optional<Scalar> name;
  std::vector<Scalar> needs;  // job ids
  std::optional<Scalar> if_condition;
  std::vector<Scalar> runs_on;          // labels
  std::optional<Scalar> runs_on_group;  // `runs-on: {group: ...}`
  std::optional<Environment> environment;
  std::optional<Concurrency> concurrency;
  ScalarMap outputs;
  ScalarMap env;
  Defaults defaults;
  std::optional<Scalar> timeout_minutes;  // default 360
  std::optional<Scalar> continue_on_error;
  Strategy strategy;
  std::vector<Step> steps;
  std::optional<ContainerSpec> container;
  std::vector<ContainerSpec> services;
  std::optional<RetryPolicy> retry;
  bool has_permissions = false;  // accepted, not enforced
  std::optional<Permissions> permissions;
  // Reusable-workflow caller job: `uses: ./.github/workflows/x.yml`.
  std::optional<Scalar> uses;
  std::optional<ActionRef> called;  // `uses` parsed; nullopt when absent or malformed
  ScalarMap with;
  ScalarMap secrets;
  bool secrets_inherit = false;
};

// Filters of push / pull_request (and similar) events.
struct EventFilter {
  std::string event;  // "push", "pull_request", ...
  std::vector<std::string> branches, branches_ignore, tags, tags_ignore, paths, paths_ignore, types;
  std::vector<std::string> workflows;  // workflow_run
  SourcePos pos;
};

// An input of workflow_dispatch or workflow_call.
struct InputSpec {
  std::string id;
  std::string type = "string";  // string | boolean | number | choice | environment
  std::string description;
  bool required = false;
  std::optional<Value> default_value;  // strings may hold expressions (workflow_call)
  std::vector<std::string> options;    // choice
  SourcePos pos;
};

struct SecretSpec {
  std::string id;
  bool required = false;
  SourcePos pos;
};

struct Triggers {
  std::vector<EventFilter> events;  // every event named under `on`, with its filters
  std::vector<Scalar> schedules;    // cron expressions (UTC)
  bool workflow_dispatch = false;
  std::vector<InputSpec> dispatch_inputs;
  bool workflow_call = false;
  std::vector<InputSpec> call_inputs;
  ScalarMap call_outputs;  // output id -> value expression
  std::vector<SecretSpec> call_secrets;

  const EventFilter* find(std::string_view event) const;
};

struct Workflow {
  std::string file;  // path as given (relative to the repository when discovered)
  std::optional<Scalar> name;
  std::optional<Scalar> run_name;
  Triggers on;
  ScalarMap env;
  Defaults defaults;
  std::optional<Concurrency> concurrency;
  bool has_permissions = false;  // accepted, not enforced
  std::optional<Permissions> permissions;
  std::vector<Job> jobs;  // in file order

  const Job* find_job(std::string_view id) const;
  // The display name: `name:` when given, else the file path.
  std::string display_name() const;
};

}  // namespace sluice::spec

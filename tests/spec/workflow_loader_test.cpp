#include "spec/workflow_loader.h"

#include <gtest/gtest.h>

#include "loader_test_util.h"

namespace sluice::spec {
namespace {

std::optional<Workflow> load(const std::string& text, Diagnostics& d) {
  return load_workflow_text(text, "wf.yml", d);
}

TEST(WorkflowLoader, MinimalWorkflow) {
  Diagnostics d;
  auto wf = load(R"(name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_TRUE(d.empty()) << d.format();
  EXPECT_EQ(wf->display_name(), "CI");
  ASSERT_EQ(wf->jobs.size(), 1u);
  const Job& j = wf->jobs[0];
  EXPECT_EQ(j.id, "build");
  EXPECT_EQ(j.pos.line, 4);
  EXPECT_EQ(j.pos.column, 3);
  ASSERT_EQ(j.runs_on.size(), 1u);
  EXPECT_EQ(j.runs_on[0].text, "ubuntu-latest");
  ASSERT_EQ(j.steps.size(), 1u);
  EXPECT_EQ(j.steps[0].run->text, "echo hi");
  EXPECT_EQ(j.steps[0].run->pos.line, 7);
  EXPECT_EQ(j.steps[0].run->pos.column, 14);
  EXPECT_EQ(j.steps[0].pos.line, 7);
  EXPECT_EQ(j.steps[0].pos.column, 9);
  ASSERT_NE(wf->on.find("push"), nullptr);
}

TEST(WorkflowLoader, DisplayNameFallsBackToFile) {
  Diagnostics d;
  auto wf = load("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: a\n", d);
  ASSERT_TRUE(wf);
  EXPECT_EQ(wf->display_name(), "wf.yml");
}

TEST(WorkflowLoader, OnAsListAndMapWithFilters) {
  Diagnostics d;
  auto wf = load(R"(on: [push, workflow_dispatch]
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_EQ(wf->on.events.size(), 2u);
  EXPECT_TRUE(wf->on.workflow_dispatch);

  Diagnostics d2;
  auto wf2 = load(R"(on:
  push:
    branches: [main, 'release/**']
    tags: v*
    paths-ignore: [docs/**]
  pull_request:
    types: [opened]
    branches: main
  schedule:
    - cron: '0 10 1 * *'
    - cron: '*/15 * * * *'
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
                  d2);
  ASSERT_TRUE(wf2) << d2.format();
  const EventFilter* push = wf2->on.find("push");
  ASSERT_NE(push, nullptr);
  EXPECT_EQ(push->branches, (std::vector<std::string>{"main", "release/**"}));
  EXPECT_EQ(push->tags, (std::vector<std::string>{"v*"}));
  EXPECT_EQ(push->paths_ignore, (std::vector<std::string>{"docs/**"}));
  const EventFilter* pr = wf2->on.find("pull_request");
  ASSERT_NE(pr, nullptr);
  EXPECT_EQ(pr->types, (std::vector<std::string>{"opened"}));
  ASSERT_EQ(wf2->on.schedules.size(), 2u);
  EXPECT_EQ(wf2->on.schedules[0].text, "0 10 1 * *");
  EXPECT_EQ(wf2->on.schedules[1].pos.line, 11);
  EXPECT_NE(wf2->on.find("schedule"), nullptr);
}

TEST(WorkflowLoader, DispatchInputsTyped) {
  Diagnostics d;
  auto wf = load(R"(on:
  workflow_dispatch:
    inputs:
      name: {description: who, default: world}
      debug: {type: boolean, default: false}
      level: {type: choice, options: [low, high], default: high, required: true}
      count: {type: number, default: 3}
      where: {type: environment}
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  const auto& in = wf->on.dispatch_inputs;
  ASSERT_EQ(in.size(), 5u);
  EXPECT_EQ(in[0].type, "string");
  EXPECT_EQ(in[0].default_value->as_string(), "world");
  EXPECT_EQ(in[1].type, "boolean");
  EXPECT_TRUE(in[1].default_value->is_bool());
  EXPECT_FALSE(in[1].default_value->as_bool());
  EXPECT_EQ(in[2].options, (std::vector<std::string>{"low", "high"}));
  EXPECT_TRUE(in[2].required);
  EXPECT_EQ(in[3].default_value->as_number(), 3);
  EXPECT_EQ(in[4].type, "environment");
}

// GitHub runs a workflow whose workflow_dispatch has push filters, ignoring them.
TEST(WorkflowLoader, DispatchBranchFiltersWarnAndAreIgnored) {
  Diagnostics d;
  auto wf = load(R"(on:
  workflow_dispatch:
    branches: [main]
    paths-ignore: ['docs/**']
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_DIAG(d, "'branches' has no effect on workflow_dispatch", 3, 5);
  EXPECT_DIAG(d, "'paths-ignore' has no effect on workflow_dispatch", 4, 5);
  EXPECT_EQ(::sluice::spec::testing::find_diag(d, "'branches'")->severity, Severity::kWarning);
  EXPECT_TRUE(wf->on.workflow_dispatch);
}

TEST(WorkflowLoader, ChoiceInputErrors) {
  Diagnostics d;
  load(R"(on:
  workflow_dispatch:
    inputs:
      level: {type: choice, options: [low, high], default: medium}
      mode: {type: choice}
      flag: {type: boolean, default: maybe}
      kind: {type: strng}
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)",
       d);
  EXPECT_DIAG(d, "default 'medium' of choice input 'level' is not one of its options", 4, 60);
  EXPECT_DIAG(d, "choice input 'mode' has no 'options'", 5, 7);
  EXPECT_DIAG(d, "default of boolean input 'flag' is 'maybe', not true or false", 6, 38);
  EXPECT_DIAG(d, "unknown type 'strng' of input 'kind'", 7, 20);
  EXPECT_HINT(d, "unknown type 'strng'", "did you mean 'string'?");
}

}  // namespace
}  // namespace sluice::spec

namespace sluice::spec {
namespace {

const char* kJobs = "jobs: {a: {runs-on: x, steps: [{run: a}]}}\n";

TEST(WorkflowLoader, WorkflowCall) {
  Diagnostics d;
  auto wf = load(std::string(R"(on:
  workflow_call:
    inputs:
      version: {type: string, required: true}
      ref: {type: string, default: '${{ github.ref }}'}
    outputs:
      artifact: {description: x, value: '${{ jobs.a.outputs.path }}'}
    secrets:
      token: {required: true}
      optional:
)") + kJobs,
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_TRUE(wf->on.workflow_call);
  ASSERT_EQ(wf->on.call_inputs.size(), 2u);
  EXPECT_TRUE(wf->on.call_inputs[0].required);
  EXPECT_EQ(wf->on.call_inputs[1].default_value->as_string(), "${{ github.ref }}");
  ASSERT_EQ(wf->on.call_outputs.size(), 1u);
  EXPECT_EQ(wf->on.call_outputs[0].second.text, "${{ jobs.a.outputs.path }}");
  ASSERT_EQ(wf->on.call_secrets.size(), 2u);
  EXPECT_TRUE(wf->on.call_secrets[0].required);
  EXPECT_FALSE(wf->on.call_secrets[1].required);
}

TEST(WorkflowLoader, WorkflowCallInputNeedsType) {
  Diagnostics d;
  load(std::string("on:\n  workflow_call:\n    inputs:\n      v: {required: true}\n") + kJobs, d);
  EXPECT_DIAG(d, "input 'v' of workflow_call has no 'type'", 4, 7);
}

TEST(WorkflowLoader, UnknownEventAndFilter) {
  Diagnostics d;
  load(std::string("on:\n  pushh:\n  pull_request:\n    branchs: [main]\n") + kJobs, d);
  EXPECT_DIAG(d, "unknown event 'pushh'", 2, 3);
  EXPECT_HINT(d, "unknown event 'pushh'", "did you mean 'push'?");
  EXPECT_DIAG(d, "unknown key 'branchs' in event 'pull_request'", 4, 5);
  EXPECT_HINT(d, "unknown key 'branchs'", "did you mean 'branches'?");
}

TEST(WorkflowLoader, BranchesAndBranchesIgnore) {
  Diagnostics d;
  load(std::string("on:\n  push:\n    branches: [a]\n    branches-ignore: [b]\n") + kJobs, d);
  EXPECT_DIAG(d, "event 'push' has both 'branches' and 'branches-ignore'", 2, 3);
}

TEST(WorkflowLoader, ScheduleNeedsCronList) {
  Diagnostics d;
  load(std::string("on:\n  schedule:\n    cron: '* * * * *'\n") + kJobs, d);
  EXPECT_DIAG(d, "expected a sequence for 'schedule', got a mapping", 3, 5);
}

TEST(WorkflowLoader, JobKeys) {
  Diagnostics d;
  auto wf = load(R"(on: push
env: {A: 1}
defaults: {run: {shell: bash, working-directory: src}}
concurrency: ci-${{ github.ref }}
permissions: read-all
jobs:
  lint:
    runs-on: [self-hosted, linux]
    steps: [{run: a}]
  build:
    name: Build ${{ matrix.os }}
    needs: lint
    if: github.ref == 'refs/heads/main'
    runs-on: {group: big, labels: [x64]}
    environment: {name: prod, url: 'https://x'}
    concurrency: {group: deploy, cancel-in-progress: true}
    permissions: {contents: read}
    outputs: {version: '${{ steps.v.outputs.version }}'}
    env: {B: two}
    defaults: {run: {shell: sh}}
    timeout-minutes: 30
    continue-on-error: ${{ matrix.experimental }}
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        os: [linux, macos]
        node: [18, 20]
        include: [{os: linux, experimental: true}]
        exclude: [{os: macos, node: 18}]
    steps:
      - id: v
        name: Version
        run: echo version=1 >> "$GITHUB_OUTPUT"
        shell: bash
        working-directory: sub
        env: {C: 3}
        continue-on-error: true
        timeout-minutes: 5
      - uses: ./actions/hello
        with: {who: me}
  deploy:
    needs: [lint, build]
    environment: staging
    runs-on: x
    steps: [{uses: actions/checkout@v4}]
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_TRUE(wf->has_permissions);
  EXPECT_EQ(wf->env[0].first, "A");
  EXPECT_EQ(wf->env[0].second.text, "1");
  EXPECT_EQ(wf->defaults.shell->text, "bash");
  EXPECT_EQ(wf->defaults.working_directory->text, "src");
  EXPECT_EQ(wf->concurrency->group.text, "ci-${{ github.ref }}");
  const Job& lint = *wf->find_job("lint");
  EXPECT_EQ(lint.runs_on.size(), 2u);
  const Job& b = *wf->find_job("build");
  EXPECT_EQ(b.name->text, "Build ${{ matrix.os }}");
  ASSERT_EQ(b.needs.size(), 1u);
  EXPECT_EQ(b.needs[0].text, "lint");
  EXPECT_EQ(b.if_condition->text, "github.ref == 'refs/heads/main'");
  EXPECT_EQ(b.runs_on_group->text, "big");
  EXPECT_EQ(b.runs_on[0].text, "x64");
  EXPECT_EQ(b.environment->name.text, "prod");
  EXPECT_EQ(b.environment->url->text, "https://x");
  EXPECT_EQ(b.concurrency->group.text, "deploy");
  EXPECT_EQ(b.concurrency->cancel_in_progress->text, "true");
  EXPECT_TRUE(b.has_permissions);
  EXPECT_EQ(b.outputs[0].first, "version");
  EXPECT_EQ(b.defaults.shell->text, "sh");
  EXPECT_EQ(b.timeout_minutes->text, "30");
  EXPECT_EQ(b.continue_on_error->text, "${{ matrix.experimental }}");
  EXPECT_EQ(b.strategy.fail_fast->text, "false");
  EXPECT_EQ(b.strategy.max_parallel->text, "2");
  ASSERT_TRUE(b.strategy.matrix);
  const Value& m = *b.strategy.matrix;
  EXPECT_EQ(m.get("os").as_array().size(), 2u);
  EXPECT_TRUE(m.get("node").as_array()[0].is_number());
  EXPECT_EQ(m.get("node").as_array()[1].as_number(), 20);
  EXPECT_TRUE(m.get("include").as_array()[0].get("experimental").as_bool());
  EXPECT_EQ(b.strategy.matrix_pos.line, 27);
  ASSERT_EQ(b.steps.size(), 2u);
  const Step& s = b.steps[0];
  EXPECT_EQ(s.id, "v");
  EXPECT_EQ(s.name->text, "Version");
  EXPECT_EQ(s.shell->text, "bash");
  EXPECT_EQ(s.working_directory->text, "sub");
  EXPECT_EQ(s.env[0].second.text, "3");
  EXPECT_EQ(s.continue_on_error->text, "true");
  EXPECT_EQ(s.timeout_minutes->text, "5");
  EXPECT_EQ(b.steps[1].uses->text, "./actions/hello");
  EXPECT_EQ(b.steps[1].with[0].second.text, "me");
  const Job& dep = *wf->find_job("deploy");
  EXPECT_EQ(dep.needs.size(), 2u);
  EXPECT_EQ(dep.environment->name.text, "staging");
}

TEST(WorkflowLoader, MatrixAsExpressionAndStringsKeptRaw) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}
    steps: [{run: a}]
  b:
    runs-on: x
    strategy:
      matrix:
        v: ['1.10', '${{ inputs.x }}', null]
    steps: [{run: a}]
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_EQ(wf->jobs[0].strategy.matrix->as_string(),
            "${{ fromJSON(needs.setup.outputs.matrix) }}");
  const auto& v = wf->jobs[1].strategy.matrix->get("v").as_array();
  EXPECT_EQ(v[0].as_string(), "1.10");
  EXPECT_EQ(v[1].as_string(), "${{ inputs.x }}");
  EXPECT_TRUE(v[2].is_null());
}

TEST(WorkflowLoader, MatrixShapeErrors) {
  Diagnostics d;
  load(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix:
        os: linux
        empty: []
        include: [linux]
    steps: [{run: a}]
)",
       d);
  EXPECT_DIAG(d, "expected a sequence for matrix axis 'os', got a string", 7, 13);
  EXPECT_DIAG(d, "matrix axis 'empty' has no values", 8, 16);
  EXPECT_DIAG(d, "expected a mapping for an entry of matrix 'include', got a string", 9, 19);
}

TEST(WorkflowLoader, RetryShorthandAndFullForm) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  a:
    runs-on: x
    retry: 3
    steps:
      - run: ./flaky
        retry:
          max-attempts: 5
          backoff: {delay: 2s, factor: 1.5, max: 1m}
          on:
            - exit-codes: [1, 137]
            - timeout
            - signal
            - log-pattern: 'connection (reset|refused)'
      - run: ./other
        retry: {max-attempts: 2, backoff: 500ms, on: any}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  const Job& j = wf->jobs[0];
  ASSERT_TRUE(j.retry);
  EXPECT_EQ(j.retry->max_attempts, 3);
  EXPECT_TRUE(j.retry->on_any);
  const RetryPolicy& r = *j.steps[0].retry;
  EXPECT_EQ(r.max_attempts, 5);
  EXPECT_DOUBLE_EQ(r.delay_seconds, 2);
  EXPECT_DOUBLE_EQ(r.factor, 1.5);
  EXPECT_DOUBLE_EQ(r.max_delay_seconds, 60);
  EXPECT_EQ(r.exit_codes, (std::vector<int>{1, 137}));
  EXPECT_TRUE(r.on_timeout);
  EXPECT_TRUE(r.on_signal);
  EXPECT_FALSE(r.on_any);
  EXPECT_EQ(r.log_pattern, "connection (reset|refused)");
  EXPECT_EQ(r.pos.line, 9);
  const RetryPolicy& r2 = *j.steps[1].retry;
  EXPECT_DOUBLE_EQ(r2.delay_seconds, 0.5);
  EXPECT_TRUE(r2.on_any);
}

TEST(WorkflowLoader, RetryErrors) {
  Diagnostics d;
  load(R"(on: push
jobs:
  a:
    runs-on: x
    retry: 0
    steps:
      - run: a
        retry: {max-attempts: 2, backoff: {delay: soon}, on: [timeoutt, exit-codes: [300]]}
      - run: b
        retry: {max-atempts: 2}
)",
       d);
  EXPECT_DIAG(d, "invalid retry max-attempts '0'", 5, 12);
  EXPECT_DIAG(d, "invalid duration 'soon' for retry backoff 'delay'", 8, 51);
  EXPECT_DIAG(d, "unknown retry failure class 'timeoutt'", 8, 63);
  EXPECT_HINT(d, "unknown retry failure class", "did you mean 'timeout'?");
  EXPECT_DIAG(d, "invalid exit code '300' in retry", 8, 86);
  EXPECT_DIAG(d, "unknown key 'max-atempts' in retry in step 2 of job 'a'", 10, 17);
  EXPECT_HINT(d, "unknown key 'max-atempts'", "did you mean 'max-attempts'?");
}

TEST(WorkflowLoader, ConcurrencyQueue) {
  Diagnostics d;
  auto wf = load(R"(on: push
concurrency: {group: ci, queue: max}
jobs:
  a:
    runs-on: x
    concurrency: {group: deploy, queue: single}
    steps: [{run: a}]
  b:
    runs-on: x
    concurrency: {group: deploy, queue: all}
    steps: [{run: b}]
  c:
    runs-on: x
    concurrency: {group: deploy, queue: max, cancel-in-progress: true}
    steps: [{run: c}]
)",
                 d);
  EXPECT_DIAG(d, "'queue' in 'concurrency' in job 'b' must be 'single' or 'max', not 'all'", 10,
              41);
  EXPECT_DIAG(d, "'queue: max' cannot be combined with 'cancel-in-progress: true'", 14, 18);

  Diagnostics valid;
  wf = load(R"(on: push
concurrency: {group: ci, queue: max}
jobs:
  a: {runs-on: x, concurrency: {group: deploy, queue: single}, steps: [{run: a}]}
)",
            valid);
  ASSERT_TRUE(wf);
  EXPECT_TRUE(valid.empty()) << valid.format();  // no "not supported" warning either
  EXPECT_TRUE(wf->concurrency->queue_all);
  EXPECT_FALSE(wf->jobs[0].concurrency->queue_all);
}

TEST(WorkflowLoader, UnknownKeyWithSuggestion) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  build:
    runs-on: x
    stpes:
      - run: a
)",
                 d);
  EXPECT_FALSE(wf);
  EXPECT_DIAG(d, "unknown key 'stpes' in job 'build'", 5, 5);
  EXPECT_HINT(d, "unknown key 'stpes'", "did you mean 'steps'?");
  EXPECT_DIAG(d, "job 'build' has no 'steps'", 3, 3);
}

TEST(WorkflowLoader, UnknownKeysAtEveryLevel) {
  Diagnostics d;
  load(R"(on: push
nmae: x
jobs:
  a:
    runs-on: x
    steps:
      - run: a
        shel: bash
      - run: b
        xyzzy: 1
)",
       d);
  EXPECT_DIAG(d, "unknown key 'nmae' in the workflow", 2, 1);
  EXPECT_HINT(d, "unknown key 'nmae'", "did you mean 'name'?");
  EXPECT_DIAG(d, "unknown key 'shel' in step 1 of job 'a'", 8, 9);
  EXPECT_HINT(d, "unknown key 'shel'", "did you mean 'shell'?");
  EXPECT_DIAG(d, "unknown key 'xyzzy' in step 2 of job 'a'", 10, 9);
  EXPECT_HINT(d, "unknown key 'xyzzy'", "valid keys here:");
}

TEST(WorkflowLoader, WrongTypes) {
  Diagnostics d;
  load(R"(on: push
env: [A]
jobs:
  a:
    runs-on: x
    name: {x: 1}
    needs: {b: 1}
    steps: {run: a}
  b: [1]
)",
       d);
  EXPECT_DIAG(d, "expected a mapping for 'env' of the workflow, got a sequence", 2, 6);
  EXPECT_DIAG(d, "expected a string for 'name' in job 'a', got a mapping", 6, 11);
  EXPECT_DIAG(d, "expected a string for 'needs' in job 'a', got a mapping", 7, 12);
  EXPECT_DIAG(d, "expected a sequence for 'steps' in job 'a', got a mapping", 8, 12);
  EXPECT_DIAG(d, "expected a mapping for job 'b', got a sequence", 9, 6);
  Diagnostics d2;
  load("jobs: [a]\non: push\n", d2);
  EXPECT_DIAG(d2, "expected a mapping for 'jobs', got a sequence", 1, 7);
  Diagnostics d3;
  load("- a\n- b\n", d3);
  EXPECT_DIAG(d3, "expected a mapping for the workflow, got a sequence", 1, 1);
}

TEST(WorkflowLoader, MissingRunsOnAndSteps) {
  Diagnostics d;
  load(R"(on: push
jobs:
  a:
    name: A
  b:
    runs-on: x
    steps: []
)",
       d);
  EXPECT_DIAG(d, "job 'a' has no 'runs-on'", 3, 3);
  EXPECT_HINT(d, "job 'a' has no 'runs-on'", "runs-on: ubuntu-latest");
  EXPECT_DIAG(d, "job 'a' has no 'steps'", 3, 3);
  EXPECT_DIAG(d, "job 'b' has an empty 'steps' list", 5, 3);
}

TEST(WorkflowLoader, MissingOnAndJobs) {
  Diagnostics d;
  load("name: x\n", d);
  EXPECT_DIAG(d, "workflow has no 'on'", 1, 1);
  EXPECT_DIAG(d, "workflow has no 'jobs'", 1, 1);
  Diagnostics d2;
  load("", d2);
  EXPECT_DIAG(d2, "workflow file is empty", 1, 1);
}

TEST(WorkflowLoader, ReusableCallerJob) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  call:
    uses: ./.github/workflows/build.yml
    with: {version: 1.2}
    secrets: inherit
  call2:
    uses: ./.github/workflows/build.yml
    secrets: {token: '${{ secrets.T }}'}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_EQ(wf->jobs[0].uses->text, "./.github/workflows/build.yml");
  EXPECT_EQ(wf->jobs[0].with[0].second.text, "1.2");
  EXPECT_TRUE(wf->jobs[0].secrets_inherit);
  EXPECT_EQ(wf->jobs[1].secrets[0].first, "token");
}

TEST(WorkflowLoader, ReusableCallerJobErrors) {
  Diagnostics d;
  load(R"(on: push
jobs:
  call:
    uses: ./.github/workflows/build.yml
    runs-on: x
    steps: [{run: a}]
  remote:
    uses: octo/repo/.github/workflows/x.yml@v1
  plain:
    runs-on: x
    with: {a: 1}
    steps: [{run: a}]
)",
       d);
  EXPECT_DIAG(d, "job 'call' calls a reusable workflow with 'uses' and cannot have 'runs-on'", 5,
              5);
  EXPECT_DIAG(d, "job 'call' calls a reusable workflow with 'uses' and cannot have 'steps'", 6, 5);
  EXPECT_DIAG(d, "'with' in job 'plain' is only for jobs that call a reusable workflow", 11, 5);
}

TEST(WorkflowLoader, ContainerAndServicesAreRead) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  a:
    runs-on: x
    container:
      image: node:20
      credentials: {username: u, password: '${{ secrets.P }}'}
      env: {A: '1'}
      ports: [8080, "9000:9000"]
      volumes: [/data:/data]
      options: --cpus 1
    services:
      db:
        image: postgres:16
        options: --health-cmd pg_isready
      cache: redis:7
    steps:
      - uses: docker://alpine:3
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  const Job& job = wf->jobs[0];
  ASSERT_TRUE(job.container);
  EXPECT_EQ(job.container->image.text, "node:20");
  EXPECT_EQ(job.container->username->text, "u");
  EXPECT_EQ(job.container->password->text, "${{ secrets.P }}");
  ASSERT_EQ(job.container->ports.size(), 2u);
  EXPECT_EQ(job.container->ports[0].text, "8080");
  EXPECT_EQ(job.container->volumes[0].text, "/data:/data");
  EXPECT_EQ(job.container->options->text, "--cpus 1");
  EXPECT_EQ(job.container->env[0].first, "A");
  ASSERT_EQ(job.services.size(), 2u);
  EXPECT_EQ(job.services[0].service_id, "db");
  EXPECT_EQ(job.services[0].options->text, "--health-cmd pg_isready");
  EXPECT_EQ(job.services[1].service_id, "cache");
  EXPECT_EQ(job.services[1].image.text, "redis:7");
  EXPECT_EQ(job.services[1].pos.line, 16);
}

TEST(WorkflowLoader, ContainerErrorsArePlaced) {
  Diagnostics d;
  load(R"(on: push
jobs:
  a:
    runs-on: x
    container: {env: {A: b}}
    services:
      "bad name": {image: x}
      ok: [1]
    steps: [{run: a}]
)",
       d);
  EXPECT_DIAG(d, "'container' in job 'a' has no 'image'", 5, 16);
  EXPECT_DIAG(d, "service name 'bad name' in 'services' in job 'a' is invalid", 7, 7);
  EXPECT_HINT(d, "service name 'bad name'", "host name");
  EXPECT_DIAG(d, "service 'ok' of job 'a'", 8, 11);
}

TEST(WorkflowLoader, StepNeedsExactlyOneOfRunAndUses) {
  Diagnostics d;
  load(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - name: nothing
      - run: a
        uses: b
      - run: a
        with: {x: 1}
      - uses: a/b@v1
        shell: bash
      - run: a
        background: true
      - run:
)",
       d);
  EXPECT_DIAG(d, "step 1 of job 'a' has neither 'run' nor 'uses'", 6, 9);
  EXPECT_DIAG(d, "step 2 of job 'a' has both 'run' and 'uses'", 7, 9);
  EXPECT_DIAG(d, "'with' in step 3 of job 'a' is only for 'uses' steps", 10, 9);
  EXPECT_DIAG(d, "'shell' in step 4 of job 'a' is only for 'run' steps", 12, 9);
  EXPECT_DIAG(d, "'background' in step 5 of job 'a' is not supported by sluice yet", 14, 9);
  EXPECT_DIAG(d, "'run' in step 6 of job 'a' is empty", 15, 9);
}

// `run: ""` is valid on GitHub (an empty script, which succeeds; sinatra/sinatra uses such steps
// as labels): a warning, not an error. `run:` with no value stays an error.
TEST(WorkflowLoader, ExplicitlyEmptyRunIsAWarning) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - id: t
        run: exit 0
      - name: "outcome of t: ${{ steps.t.outcome }}"
        run: ""
      - run: '  '
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_DIAG(d, "'run' in step 2 of job 'a' is empty: the step does nothing", 9, 9);
  EXPECT_DIAG(d, "'run' in step 3 of job 'a' is empty: the step does nothing", 10, 9);
  EXPECT_EQ(::sluice::spec::testing::find_diag(d, "step 2")->severity, Severity::kWarning);
}

TEST(WorkflowLoader, MalformedYaml) {
  Diagnostics d;
  auto wf = load("on: push\njobs:\n  a:\n    runs-on: [x\n    steps: a\n", d);
  EXPECT_FALSE(wf);
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_NE(d.items()[0].message.find("malformed YAML"), std::string::npos);
  EXPECT_GT(d.items()[0].pos.line, 0);
  EXPECT_GT(d.items()[0].pos.column, 0);
  Diagnostics d2;
  load("on: push\njobs:\n  a: b: c\n", d2);
  EXPECT_DIAG(d2, "malformed YAML", 3, 7);
}

TEST(WorkflowLoader, DuplicateKey) {
  Diagnostics d;
  load("on: push\njobs:\n  a:\n    runs-on: x\n    runs-on: y\n    steps: [{run: a}]\n", d);
  EXPECT_DIAG(d, "duplicate key 'runs-on' in job 'a'", 5, 5);
}

TEST(WorkflowLoader, FileTooLarge) {
  Diagnostics d;
  std::string big(kMaxWorkflowFileBytes + 1, '#');
  EXPECT_FALSE(load(big, d));
  EXPECT_DIAG(d, "workflow file is too large", 0, 0);
}

TEST(WorkflowLoader, ScalarColumnsForExpressions) {
  Diagnostics d;
  auto wf = load(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: echo ${{ github.sha }}
      - run: "echo ${{ x }}"
      - run: "esc\taped"
      - run: |
          echo one
            echo ${{ two }}
)",
                 d);
  ASSERT_TRUE(wf) << d.format();
  const auto& s = wf->jobs[0].steps;
  EXPECT_EQ(s[0].run->text_column, 14);
  EXPECT_EQ(s[0].run->pos_at(5).column, 19);
  EXPECT_EQ(s[1].run->text_column, 15);
  EXPECT_EQ(s[2].run->text_column, 0);
  EXPECT_EQ(s[3].run->block_indent, 11);
  SourcePos p = s[3].run->pos_at(s[3].run->text.find("${{"));
  EXPECT_EQ(p.line, 11);
  EXPECT_EQ(p.column, 18);
}

}  // namespace
}  // namespace sluice::spec

#include "spec/validator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "loader_test_util.h"
#include "spec/workflow_loader.h"

namespace sluice::spec {
namespace {

// Loads (must succeed) and validates; returns the validator's diagnostics.
Diagnostics validate(const std::string& text, const std::string& repo_root = "") {
  Diagnostics load_diags;
  auto wf = load_workflow_text(text, "wf.yml", load_diags);
  EXPECT_TRUE(wf) << load_diags.format();
  Diagnostics d;
  if (wf) validate_workflow(*wf, ValidateOptions{repo_root}, d);
  return d;
}

TEST(Validator, ValidWorkflowHasNoDiagnostics) {
  auto d = validate(R"(name: CI
on:
  push: {branches: [main]}
  schedule: [{cron: '0 10 1 * *'}]
  workflow_dispatch:
    inputs:
      target: {type: choice, options: [a, b], default: a}
run-name: Deploy ${{ inputs.target }} by ${{ github.actor }}
env: {TOKEN: '${{ secrets.TOKEN }}'}
jobs:
  build:
    runs-on: ubuntu-latest
    outputs: {version: '${{ steps.v.outputs.version }}'}
    strategy:
      matrix:
        os: [linux, macos]
        include: [{os: linux, extra: true}]
        exclude: [{os: macos}]
    steps:
      - id: v
        run: echo "version=1.0 on ${{ matrix.os }} ${{ matrix.extra }}" >> "$GITHUB_OUTPUT"
      - if: steps.v.outcome == 'success' && inputs.target == 'a'
        run: echo ${{ steps.v.outputs.version }}
        retry: {max-attempts: 3, on: [log-pattern: 'reset|refused']}
  deploy:
    needs: build
    if: ${{ needs.build.result == 'success' }}
    runs-on: x
    environment: {name: prod, url: '${{ steps.d.outputs.url }}'}
    steps:
      - id: d
        run: ./deploy ${{ needs.build.outputs.version }}
        shell: bash
)");
  EXPECT_TRUE(d.empty()) << d.format();
}

TEST(Validator, NeedsUnknownJob) {
  auto d = validate(R"(on: push
jobs:
  build: {runs-on: x, steps: [{run: a}]}
  deploy:
    needs: [biuld]
    runs-on: x
    steps: [{run: a}]
  other:
    needs: zzz
    runs-on: x
    steps: [{run: a}]
)");
  EXPECT_DIAG(d, "job 'deploy' needs unknown job 'biuld'", 5, 13);
  EXPECT_HINT(d, "unknown job 'biuld'", "did you mean 'build'?");
  EXPECT_DIAG(d, "job 'other' needs unknown job 'zzz'", 9, 12);
  EXPECT_HINT(d, "unknown job 'zzz'", "jobs in this workflow: build, deploy, other");
}

TEST(Validator, NeedsItselfAndTwice) {
  auto d = validate(R"(on: push
jobs:
  a: {runs-on: x, needs: [a], steps: [{run: a}]}
  b: {runs-on: x, needs: [a, a], steps: [{run: a}]}
)");
  EXPECT_DIAG(d, "job 'a' needs itself", 3, 27);
  EXPECT_DIAG(d, "job 'b' lists 'a' twice in 'needs'", 4, 30);
}

TEST(Validator, CycleIsPrinted) {
  auto d = validate(R"(on: push
jobs:
  a: {runs-on: x, needs: c, steps: [{run: a}]}
  b: {runs-on: x, needs: a, steps: [{run: a}]}
  c: {runs-on: x, needs: b, steps: [{run: a}]}
  d: {runs-on: x, needs: e, steps: [{run: a}]}
  e: {runs-on: x, needs: d, steps: [{run: a}]}
)");
  EXPECT_DIAG(d, "cycle in 'needs': a -> c -> b -> a", 4, 26);
  EXPECT_HINT(d, "cycle in 'needs': a", "remove one of these dependencies");
  EXPECT_DIAG(d, "cycle in 'needs': d -> e -> d", 7, 26);
  EXPECT_EQ(d.error_count(), 2u) << d.format();
}

TEST(Validator, InvalidJobAndStepIds) {
  auto d = validate(R"(on: push
jobs:
  1build: {runs-on: x, steps: [{run: a, id: 'my step'}]}
)");
  EXPECT_DIAG(d, "invalid job id '1build'", 3, 3);
  EXPECT_HINT(d, "invalid job id", "start with a letter or '_'");
  EXPECT_DIAG(d, "invalid step id 'my step' in step 1 of job '1build'", 3, 45);
}

TEST(Validator, DuplicateStepIds) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - id: build
        run: a
      - id: build
        run: b
)");
  EXPECT_DIAG(d, "duplicate step id 'build' in job 'a'", 8, 13);
  EXPECT_HINT(d, "duplicate step id", "the first is at line 6");
}

TEST(Validator, InvalidCronPointsAtTheField) {
  auto d = validate(R"(on:
  schedule:
    - cron: '0 25 * * *'
    - cron: '* * *'
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)");
  EXPECT_DIAG(
      d, "invalid cron expression '0 25 * * *': invalid hour field '25': 25 is out of range 0-23",
      3, 16);
  EXPECT_HINT(d, "invalid hour field", "minute hour day-of-month month day-of-week");
  EXPECT_DIAG(d, "invalid cron expression '* * *': cron expression '* * *' has 3 fields", 4, 14);
}

TEST(Validator, UnknownShell) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: a
        shell: bsh
      - run: a
        shell: zsh
      - run: a
        shell: 'zsh -e {0}'
)");
  EXPECT_DIAG(d, "unknown shell 'bsh' in step 1 of job 'a'", 7, 16);
  EXPECT_HINT(d, "unknown shell 'bsh'", "did you mean 'bash'?");
  EXPECT_DIAG(d, "unknown shell 'zsh' in step 2 of job 'a'", 9, 16);
  EXPECT_HINT(d, "unknown shell 'zsh'", "'zsh {0}'");
  EXPECT_EQ(d.error_count(), 2u) << d.format();
}

TEST(Validator, RetryLogPatternMustCompile) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: a
        retry: {max-attempts: 2, on: [log-pattern: '(unclosed']}
      - run: b
        retry: {max-attempts: 2, on: [log-pattern: '(?=lookahead)']}
)");
  EXPECT_DIAG(d, "invalid retry log-pattern '(unclosed' in step 1 of job 'a': missing )", 7, 52);
  EXPECT_HINT(d, "invalid retry log-pattern '(unclosed'", "RE2");
  EXPECT_DIAG(d, "invalid retry log-pattern '(?=lookahead)'", 9, 52);
}

TEST(Validator, MatrixTooLarge) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix:
        a: [1, 2, 3, 4, 5, 6, 7, 8]
        b: [1, 2, 3, 4, 5, 6, 7, 8]
        c: [1, 2, 3, 4, 5]
    steps: [{run: a}]
  b:
    runs-on: x
    strategy:
      matrix:
        a: [1, 2, 3, 4, 5, 6, 7, 8]
        b: [1, 2, 3, 4, 5, 6, 7, 8]
        c: [1, 2, 3, 4, 5]
        exclude: [{c: 5}]
    steps: [{run: a}]
)");
  EXPECT_DIAG(d, "matrix of job 'a' expands to 320 jobs; the limit is 256", 7, 9);
  EXPECT_EQ(d.error_count(), 1u) << d.format();  // job b: 8*8*4 = 256 is allowed
}

TEST(Validator, MatrixExcludeKeyAndEmptyExpansion) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix:
        os: [linux]
        exclude: [{oss: linux}]
    steps: [{run: a}]
  b:
    runs-on: x
    strategy:
      matrix:
        os: [linux]
        exclude: [{os: linux}]
    steps: [{run: a}]
)");
  EXPECT_DIAG(d, "matrix exclude key 'oss' of job 'a' is not a matrix axis", 7, 9);
  EXPECT_HINT(d, "matrix exclude key 'oss'", "did you mean 'os'?");
  EXPECT_DIAG(d, "matrix of job 'b' expands to no jobs: every combination is excluded", 14, 9);
}

TEST(Validator, MatrixIncludeAddsCombinations) {
  // 16*16 = 256 plus one include that extends nothing = 257.
  std::string values = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]";
  auto d = validate(
      "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        a: " + values +
      "\n        b: " + values +
      "\n        include: [{a: 99, extra: 1}, {a: 1, extra: 2}]\n    steps: [{run: a}]\n");
  EXPECT_DIAG(d, "matrix of job 'a' expands to 257 jobs; the limit is 256", 7, 9);
}

}  // namespace
}  // namespace sluice::spec

namespace sluice::spec {
namespace {

TEST(Validator, InvalidExpressionSyntaxWithColumn) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - run: echo ${{ github.sha == }}
      - run: |
          echo ok
          echo ${{ "double" }}
      - if: github.ref == 'main' &&
        run: a
      - run: a
        env: {X: "${{ toJSON(github }}"}
)");
  EXPECT_DIAG(d, "invalid expression in 'run' in step 1 of job 'a'", 6, 0);
  const Diagnostic* first = testing::find_diag(d, "in 'run' in step 1");
  EXPECT_GT(first->pos.column, 14);  // inside the expression, not at the start of the scalar
  EXPECT_EQ(first->message.find("at column"), std::string::npos);
  EXPECT_HINT(d, "in 'run' in step 1", "single-quoted");
  EXPECT_DIAG(d, "invalid expression in 'run' in step 2 of job 'a'", 9, 0);
  EXPECT_DIAG(d, "invalid expression in 'if' in step 3 of job 'a'", 10, 0);
  EXPECT_DIAG(d, "invalid expression in 'env.X' of step 4 of job 'a'", 13, 0);
}

TEST(Validator, UndefinedInputs) {
  auto d = validate(R"(on:
  workflow_dispatch:
    inputs:
      name: {type: string}
jobs:
  a:
    runs-on: x
    steps:
      - run: echo ${{ inputs.nmae }} ${{ inputs.name }}
      - run: echo ${{ inputs.other }}
)");
  EXPECT_DIAG(d, "'inputs.nmae' in 'run' in step 1 of job 'a' is not a declared input", 9, 23);
  EXPECT_HINT(d, "'inputs.nmae'", "did you mean 'name'?");
  EXPECT_DIAG(d, "'inputs.other' in 'run' in step 2 of job 'a' is not a declared input", 10, 23);
  EXPECT_HINT(d, "'inputs.other'", "declare it under `on: workflow_dispatch: inputs:`");
  EXPECT_EQ(d.error_count(), 2u) << d.format();
}

TEST(Validator, CallInputsAreDeclaredToo) {
  auto d = validate(R"(on:
  workflow_call:
    inputs:
      version: {type: string}
    outputs:
      out: {value: '${{ jobs.buld.outputs.x }}'}
jobs:
  build:
    runs-on: x
    steps: [{run: 'echo ${{ inputs.version }}'}]
)");
  EXPECT_DIAG(d, "'jobs.buld' in output 'out' of workflow_call refers to an unknown job", 6, 25);
  EXPECT_HINT(d, "'jobs.buld'", "did you mean 'build'?");
  EXPECT_EQ(d.error_count(), 1u) << d.format();
}

TEST(Validator, NeedsReferenceMustBeInNeeds) {
  auto d = validate(R"(on: push
jobs:
  build: {runs-on: x, steps: [{run: a}]}
  test: {runs-on: x, steps: [{run: a}]}
  deploy:
    needs: test
    if: needs.build.result == 'success'
    runs-on: x
    steps:
      - run: echo ${{ needs.tset.outputs.x }}
)");
  EXPECT_DIAG(
      d, "'needs.build' in 'if' of job 'deploy' refers to a job that job 'deploy' does not need", 7,
      9);
  EXPECT_HINT(d, "'needs.build'", "add `needs: build` to job 'deploy'");
  EXPECT_DIAG(d, "'needs.tset' in 'run' in step 1 of job 'deploy' refers to a job", 10, 23);
  EXPECT_HINT(d, "'needs.tset'", "did you mean 'test'?");
}

TEST(Validator, StepsReferenceMustBeEarlier) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    outputs:
      v: ${{ steps.late.outputs.v }}
      w: ${{ steps.nope.outputs.v }}
    steps:
      - id: first
        run: echo ${{ steps.late.outputs.v }}
      - run: echo ${{ steps.frist.outputs.v }}
      - id: late
        run: a
)");
  EXPECT_DIAG(d, "'steps.late' in 'run' in step 1 of job 'a' refers to no earlier step", 10, 23);
  EXPECT_HINT(d, "'steps.late' in 'run'", "step 'late' runs later");
  EXPECT_DIAG(d, "'steps.frist' in 'run' in step 2 of job 'a' refers to no earlier step", 11, 23);
  EXPECT_HINT(d, "'steps.frist'", "did you mean 'first'?");
  EXPECT_DIAG(d, "'steps.nope' in 'outputs.w' of job 'a' refers to no earlier step", 7, 14);
  EXPECT_EQ(d.error_count(), 3u) << d.format();  // outputs may read every step
}

TEST(Validator, ContextAvailability) {
  auto d = validate(R"(on: push
jobs:
  a:
    if: secrets.TOKEN != ''
    runs-on: x
    steps:
      - run: echo ${{ gihub.sha }}
      - if: secrets.X
        run: a
)");
  EXPECT_DIAG(d, "context 'secrets' is not available in 'if' of job 'a'", 4, 9);
  EXPECT_HINT(d, "context 'secrets' is not available in 'if' of job",
              "available here: github, vars, inputs, needs");
  EXPECT_DIAG(d, "unknown context 'gihub' in 'run' in step 1 of job 'a'", 7, 23);
  EXPECT_HINT(d, "unknown context 'gihub'", "did you mean 'github'?");
  EXPECT_DIAG(d, "context 'secrets' is not available in 'if' in step 2 of job 'a'", 8, 13);
}

TEST(Validator, MatrixAxisReferences) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: ${{ matrix.oss }}
    strategy:
      matrix: {os: [linux], include: [{os: linux, extra: 1}]}
    steps: [{run: 'echo ${{ matrix.extra }} ${{ matrix.os }}'}]
  b:
    runs-on: x
    steps: [{run: 'echo ${{ matrix.os }}'}]
  c:
    runs-on: x
    strategy: {matrix: '${{ fromJSON(inputs.m) }}'}
    steps: [{run: 'echo ${{ matrix.anything }}'}]
)");
  EXPECT_DIAG(d, "'matrix.oss' in 'runs-on' of job 'a' is not a matrix axis of job 'a'", 4, 18);
  EXPECT_HINT(d, "'matrix.oss'", "did you mean 'os'?");
  EXPECT_DIAG(d, "'matrix.os' in 'run' in step 1 of job 'b' is not a matrix axis of job 'b'", 10,
              0);
  EXPECT_HINT(d, "'matrix.os' in 'run' in step 1 of job 'b'", "job 'b' has no matrix");
  // c's axes are only known at run time; its inputs.m reference is reported once.
  EXPECT_DIAG(d, "'inputs.m' in 'strategy' of job 'c' is not a declared input", 13, 24);
  // Regression (issue 9 §4): unknown axes are warnings, as GitHub runs such files (the value
  // is empty); only the undeclared input is an error.
  EXPECT_EQ(d.error_count(), 1u) << d.format();
  EXPECT_EQ(d.items().size(), 3u) << d.format();
}

// Regression (issue 9 §4): `matrix['a.b']` names the axis "a.b"; it was split at the dot and
// reported as the unknown axis 'a'. `matrix.versions.ghc` reads a member of an object axis.
TEST(Validator, MatrixAxisWithADotAndObjectAxes) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix:
        'a.b': [1]
        versions: [{ghc: '9.4'}, {ghc: '9.6'}]
    steps: [{run: "echo ${{ matrix['a.b'] }} ${{ matrix.versions.ghc }}"}]
)");
  EXPECT_TRUE(d.empty()) << d.format();
}

TEST(Validator, ExpressionInUses) {
  Diagnostics d;
  load_workflow_text(R"(on: push
jobs:
  a:
    runs-on: x
    steps: [{uses: 'actions/${{ github.sha }}@v1'}]
)",
                     "wf.yml", d);
  EXPECT_DIAG(d, "'actions/${{ github.sha }}@v1' in step 1 of job 'a' cannot contain an expression",
              5, 20);
}

TEST(Validator, IfMixingTextAndExpressionsWarns) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - if: ${{ github.ref == 'a' }} || ${{ github.ref == 'b' }}
        run: a
)");
  EXPECT_DIAG(d,
              "'if' in step 1 of job 'a' mixes text with ${{ }}, so it is a non-empty string and "
              "always true",
              6, 13);
  EXPECT_EQ(d.error_count(), 0u);
  EXPECT_EQ(d.items()[0].severity, Severity::kWarning);
}

TEST(Validator, DuplicateJobIdIsADuplicateKey) {
  Diagnostics d;
  load_workflow_text(
      "on: push\njobs:\n  a: {runs-on: x, steps: [{run: a}]}\n  a: {runs-on: y, steps: [{run: "
      "b}]}\n",
      "wf.yml", d);
  EXPECT_DIAG(d, "duplicate key 'a' in 'jobs'", 4, 3);
}

TEST(Validator, ReusableWorkflowSecretsAndInputs) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sluice-validator-" + std::to_string(::getpid()));
  fs::create_directories(root / ".github/workflows");
  std::ofstream(root / ".github/workflows/callee.yml") << R"(on:
  workflow_call:
    inputs:
      version: {type: string, required: true}
      mode: {type: string, required: true, default: fast}
    secrets:
      token: {required: true}
jobs: {a: {runs-on: x, steps: [{run: a}]}}
)";
  auto d = validate(R"(on: push
jobs:
  no-secret:
    uses: ./.github/workflows/callee.yml
    with: {version: 1}
  inherit:
    uses: ./.github/workflows/callee.yml
    with: {version: 1}
    secrets: inherit
)",
                    root.string());
  fs::remove_all(root);
  EXPECT_DIAG(
      d,
      "job 'no-secret' does not pass required secret 'token' of './.github/workflows/callee.yml'",
      4, 11);
  EXPECT_HINT(d, "required secret 'token'", "secrets: inherit");
  EXPECT_EQ(d.error_count(), 1u) << d.format();  // `mode` has a default; inherit passes token
}

// Regression (issue 9 §4): `uses: ./` names the action at the repository root; it was
// refused as "points outside the repository".
TEST(Validator, LocalActionAtTheRepositoryRoot) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sluice-root-action-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "action.yml") << R"(name: root
inputs: {who: {required: true}}
runs: {using: composite, steps: [{run: echo hi, shell: bash}]}
)";
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: ./
        with: {who: me}
      - uses: .
)",
                    root.string());
  fs::remove_all(root);
  EXPECT_DIAG(d, "step 2 of job 'a' does not pass required input 'who' of action '.'", 8, 15);
  EXPECT_EQ(d.error_count(), 1u) << d.format();
}

TEST(Validator, ReusableWorkflowCyclesNameEveryCall) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sluice-cycles-" + std::to_string(::getpid()));
  fs::path dir = root / ".github/workflows";
  fs::create_directories(dir);
  const std::string head = "on: [push, workflow_call]\njobs:\n";
  std::ofstream(dir / "self.yml") << head << "  again:\n    uses: ./.github/workflows/self.yml\n";
  std::ofstream(dir / "a.yml") << head << "  to-b:\n    uses: ./.github/workflows/b.yml\n";
  std::ofstream(dir / "b.yml") << head << "  build: {runs-on: x, steps: [{run: b}]}\n"
                               << "  to-a:\n    uses: ./.github/workflows/a.yml\n";
  std::ofstream(dir / "entry.yml") << head << "  into:\n    uses: ./.github/workflows/b.yml\n";
  auto check = [&](const std::string& name) {
    Diagnostics d;
    auto wf = load_workflow_file((dir / name).string(), d);
    EXPECT_TRUE(wf) << d.format();
    if (wf) validate_workflow(*wf, ValidateOptions{root.string()}, d);
    return d;
  };
  const std::string a = (dir / "a.yml").string(), b = (dir / "b.yml").string();
  auto self = check("self.yml");
  EXPECT_DIAG(self,
              "workflow calls itself: " + (dir / "self.yml").string() +
                  ":4:11 uses ./.github/workflows/self.yml",
              4, 11);
  EXPECT_EQ(self.error_count(), 1u) << self.format();
  auto cycle = check("a.yml");
  EXPECT_DIAG(cycle,
              "reusable workflows call each other in a cycle: " + a +
                  ":4:11 uses ./.github/workflows/b.yml, " + b +
                  ":5:11 uses ./.github/workflows/a.yml",
              4, 11);
  EXPECT_HINT(cycle, "in a cycle", "cannot call itself");
  EXPECT_EQ(cycle.error_count(), 1u) << cycle.format();
  auto entry = check("entry.yml");
  EXPECT_DIAG(entry,
              "'./.github/workflows/b.yml' leads into a cycle of reusable workflow calls: " + b +
                  ":5:11 uses ./.github/workflows/a.yml, " + a +
                  ":4:11 uses ./.github/workflows/b.yml",
              4, 11);
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::spec

// Regression (issue 9 §4): `${{ insert }}` and `${{ }}` keys were kept as literal names.
// In a matrix they are evaluated at run time (no static axis checks); elsewhere sluice
// refuses them at their position.
namespace sluice::spec {
namespace {

TEST(Validator, ExpressionKeys) {
  auto d = validate(R"(on: push
jobs:
  a:
    runs-on: x
    strategy:
      matrix:
        ${{ insert }}: ${{ fromJSON(vars.M) }}
        exclude: [{os: linux}]
    steps: [{run: 'echo ${{ matrix.os }}'}]
)");
  EXPECT_TRUE(d.empty()) << d.format();
  Diagnostics load;
  EXPECT_FALSE(load_workflow_text(R"(on: push
env:
  ${{ insert }}: ${{ fromJSON(vars.ENV) }}
jobs:
  a:
    runs-on: x
    steps:
      - uses: ./x
        with: {"${{ vars.K }}": 1}
)",
                                  "wf.yml", load));
  EXPECT_DIAG(load, "expression key '${{ insert }}' in 'env' of the workflow is not supported", 3,
              3);
  EXPECT_HINT(load, "expression key '${{ insert }}'", "work only in `strategy.matrix`");
  EXPECT_DIAG(load, "expression key '${{ vars.K }}' in 'with' in step 1 of job 'a'", 9, 16);
}

}  // namespace
}  // namespace sluice::spec

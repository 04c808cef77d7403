#!/usr/bin/env bash
# Regression (issue 9 §4): `${{ insert }}` and expression keys in `strategy.matrix` are
# evaluated as on GitHub (they were kept as literal axis names); `matrix['a.b']` reads the
# axis "a.b"; `matrix.X` of a job without a matrix is a warning and reads as empty.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/ci.yml" <<'YAML'
on: push
jobs:
  m:
    runs-on: x
    strategy:
      matrix:
        ${{ vars.AXIS }}: [18, 20]
        ${{ insert }}: ${{ fromJSON(vars.EXTRA) }}
        'a.b': [dot]
    steps:
      - run: echo "node=${{ matrix.node }} os=${{ matrix.os }} ab=${{ matrix['a.b'] }}"
  plain:
    runs-on: x
    steps:
      - run: echo "os=[${{ matrix.os }}]"
YAML

sluice_run --var AXIS=node --var 'EXTRA={"os": ["linux"]}'
check_rc 0 "matrix with expression keys"
check_contains "ci.yml:15:28: warning: 'matrix.os' in 'run' in step 1 of job 'plain' is not a matrix axis of job 'plain' (it is empty at run time)"
check_eq "$(job_log 'm (18, linux, dot)')" "node=18 os=linux ab=dot" "first matrix job"
check_eq "$(job_log 'm (20, linux, dot)')" "node=20 os=linux ab=dot" "second matrix job"
check_eq "$(job_log plain)" "os=[]" "matrix.X without a matrix"

finish

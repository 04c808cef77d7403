#!/usr/bin/env bash
# sluice/deploy@v1 without nginx (hooks write files): invalid inputs are reported with their
# place before anything runs; an existing CodeDeploy appspec.yml runs as is with the
# documented environment; `sluice deploy promote RUN` ends a canary's `pause: {}` and
# `sluice deploy abort RUN` rolls one back, from another process.
source "$(dirname "$0")/lib.sh"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows" "$REPO/deploy/scripts" "$WORK/out"
workflow() { cat >"$REPO/.github/workflows/deploy.yml"; }
deploy_log() { OUT+=$'\n'"$(job_log deploy)"$'\n'"$(db "SELECT message FROM annotations WHERE run_id=$(last_run)")"; }

# 1. Invalid inputs: every error, with its place, and no hook runs.
workflow <<YAML
on: push
jobs:
  deploy:
    runs-on: x
    steps:
      - uses: sluice/deploy@v1
        with:
          strategy: canary
          revision: v1
          targets: blue=a, green=b
          hooks: |
            Install: touch $WORK/out/installed
            ValidateServce: 'true'
          steps: |
            - set-weight: 120
            - analysis: [nope]
YAML
sluice_run
deploy_log
check_rc 1 "invalid inputs"
check_contains "with.hooks:2:1: unknown key 'ValidateServce' in hooks (did you mean 'ValidateService'?)"
check_contains "with.steps:1:15: set-weight: '120' is not a whole number from 0 to 100"
[ ! -e "$WORK/out/installed" ] || fail "a hook ran despite invalid inputs"

# 2. A CodeDeploy appspec, as is: scripts by location, the CodeDeploy variables.
cat >"$REPO/deploy/appspec.yml" <<'YAML'
version: 0.0
os: linux
files:
  - source: /
    destination: /srv/app
hooks:
  BeforeInstall:
    - location: scripts/env.sh
      timeout: 30
  ValidateService:
    - location: scripts/env.sh
YAML
cat >"$REPO/deploy/scripts/env.sh" <<SH
echo "\$LIFECYCLE_EVENT \$SLUICE_DEPLOY_TARGET \$SLUICE_DEPLOY_REVISION prev=\$SLUICE_DEPLOY_PREVIOUS_REVISION group=\$DEPLOYMENT_GROUP_NAME id=\${DEPLOYMENT_ID:0:2}" >>"$WORK/out/events"
SH
appspec_workflow() {
  workflow <<YAML
on: push
jobs:
  deploy:
    runs-on: x
    steps:
      - uses: sluice/deploy@v1
        id: d
        with:
          strategy: rolling
          environment: staging
          revision: $1
          targets: web-1, web-2
          appspec: deploy/appspec.yml
      - run: echo "status=\${{ steps.d.outputs.status }} revision=\${{ steps.d.outputs.revision }}"
YAML
}
appspec_workflow r1
sluice_run
check_rc 0 "appspec deployment r1"
appspec_workflow r2
sluice_run
deploy_log
check_rc 0 "appspec deployment r2"
check_contains "status=succeeded revision=r2"
check_eq "$(cat "$WORK/out/events")" "BeforeInstall web-1 r1 prev= group=staging id=d-
ValidateService web-1 r1 prev= group=staging id=d-
BeforeInstall web-2 r1 prev= group=staging id=d-
ValidateService web-2 r1 prev= group=staging id=d-
BeforeInstall web-1 r2 prev=r1 group=staging id=d-
ValidateService web-1 r2 prev=r1 group=staging id=d-
BeforeInstall web-2 r2 prev=r1 group=staging id=d-
ValidateService web-2 r2 prev=r1 group=staging id=d-" "hook environment, in order"

# 3. Promote and abort from another process.
canary_workflow() {
  workflow <<YAML
on: push
jobs:
  deploy:
    runs-on: x
    steps:
      - uses: sluice/deploy@v1
        with:
          strategy: canary
          environment: prod
          revision: $1
          targets: blue=a, green=b
          hooks: |
            set-traffic: echo "\$SLUICE_DEPLOY_COLOUR=\$SLUICE_DEPLOY_WEIGHT" >>$WORK/out/traffic-$1
          steps: |
            - set-weight: 10
            - pause: {}
YAML
}
# paused_run REVISION: starts the run, waits for the pause; sets RUN_PID and RUN_ID.
paused_run() {
  canary_workflow "$1"
  "$SLUICE" run "$REPO" --data-dir "$DATA" >"$WORK/out/run-$1" 2>&1 &
  RUN_PID=$!
  for _ in $(seq 1 200); do
    RUN_ID=$(db "SELECT run_id FROM deploy_journal WHERE phase='pause' AND state='started' AND
      detail LIKE 'canary at 10%%' AND deployment_id IN (SELECT deployment_id FROM deploy_journal
      WHERE seq=1 AND detail LIKE '%\"revision\":\"$1\"%')" 2>/dev/null || true)
    [ -n "$RUN_ID" ] && return 0
    sleep 0.05
  done
  fail "the canary of $1 never paused: $(cat "$WORK/out/run-$1")"
}
paused_run c1
sluice_cmd deploy promote "$RUN_ID"
check_rc 0 "deploy promote"
check_contains "promote requested for d-$RUN_ID-"
RC=0; timeout 20 bash -c "while kill -0 $RUN_PID 2>/dev/null; do sleep 0.05; done" || RC=$?
wait "$RUN_PID" || fail "the promoted run failed: $(cat "$WORK/out/run-c1")"
check_eq "$(tr '\n' ' ' <"$WORK/out/traffic-c1")" "green=10 green=100 " "traffic of the promoted canary"

paused_run c2
sluice_cmd deploy abort "$RUN_ID"
check_rc 0 "deploy abort"
RC=0; wait "$RUN_PID" || RC=$?
check_eq "$RC" 1 "exit of the aborted run"
check_eq "$(tr '\n' ' ' <"$WORK/out/traffic-c2")" "blue=10 " "traffic of the aborted canary"
# The rollback is a deployment of c1 through c1's hooks: c1's set-traffic switched back.
check_eq "$(tr '\n' ' ' <"$WORK/out/traffic-c1")" "green=10 green=100 green=100 " "traffic by c1's hook"
OUT=$(cat "$WORK/out/run-c2")
deploy_log
check_contains "deployment d-$RUN_ID-"
check_contains "rolled-back: aborted during a pause"

# 4. A job with `environment:` has a deployment record (docs/environments.md): the deploy
#    step gives it the revision, and marks it rolled back when it rolled back.
workflow <<YAML
on: push
jobs:
  deploy:
    runs-on: x
    environment: qa
    steps:
      - uses: sluice/deploy@v1
        with: {environment: qa, revision: q1, targets: a, hooks: "Install: 'true'"}
      - uses: sluice/deploy@v1
        with: {environment: qa, revision: q2, targets: a, hooks: "Install: exit 3"}
YAML
sluice_run
check_rc 1 "a job whose second deployment is rolled back"
check_eq "$(db "SELECT status || ' ' || revision FROM deployments WHERE environment='qa'")" \
  "rolled_back q2" "the job's deployment record"

sluice_cmd deploy promote 999
check_rc 2 "promote of a run without deployments"
check_contains "run 999 has no deployment in progress"
finish

#!/usr/bin/env bash
# Deployments on the controller, with a project that is a plain directory (not git):
# - its .sluice/environments.yml applies (the job waits for alice's approval; the
#   environment's vars reach the job);
# - GET /api/v1/deployments?run_id=N lists only run N's deployments;
# - GET /api/v1/deployments/{id} has the journal of the job's sluice/deploy step: one journal
#   deployment for a good revision, two (the deployment and its rollback) for a bad one;
# - when node, chromium and playwright-core are there, the web UI's deployment page shows
#   that journal (tests/browser/deploy_journal.mjs; screenshots in $WEB_UI_SCREENSHOTS).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
APP=$WORK/app
mkdir -p "$APP/.github/workflows" "$APP/.sluice"
cat >"$APP/.github/workflows/deploy.yml" <<'YAML'
name: deploy
on:
  workflow_dispatch:
    inputs:
      revision: {type: string, required: true}
jobs:
  deploy:
    runs-on: local
    environment: staging
    steps:
      - run: echo "region=${{ vars.REGION }}"
      - uses: sluice/deploy@v1
        with:
          strategy: rolling
          environment: staging
          revision: ${{ inputs.revision }}
          targets: t1, t2
          hooks: |
            Install: test "$SLUICE_DEPLOY_REVISION" != bad || test "$SLUICE_DEPLOY_TARGET" != t2
YAML
cat >"$APP/.github/workflows/other.yml" <<'YAML'
name: other
on: workflow_dispatch
jobs:
  smoke:
    runs-on: local
    environment: dev
    steps: [{run: echo smoke}]
YAML
cat >"$APP/.github/workflows/canary.yml" <<'YAML'
name: canary
on:
  workflow_dispatch:
    inputs:
      revision: {type: string, required: true}
jobs:
  canary:
    runs-on: local
    environment: canary
    steps:
      - uses: sluice/deploy@v1
        with:
          strategy: canary
          environment: canary
          revision: ${{ inputs.revision }}
          targets: blue=app-blue, green=app-green
          hooks: |
            Install: "true"
            set-traffic: "true"
          steps: |
            - set-weight: 50
            - pause: {}
YAML
cat >"$APP/.sluice/environments.yml" <<'YAML'
environments:
  staging: {reviewers: [alice], vars: {REGION: eu-west-1}}
YAML
mkdir -p "$DATA"
ALICE=$("$SLUICE" token create --role operate --name alice --data-dir "$DATA")
ADMIN_TOKEN=""
start_serve --project "app=$APP"
ADMIN_TOKEN=$TOKEN
# fields PATH...: the values at PATHs of $BODY (dotted; "#KEY" = the length of the list KEY),
# space-separated. With curl and jq there, api and fields use them: a python start costs
# ~0.3 s on a loaded machine, and this test makes ~80 calls.
FIELDS_PY='
import json, sys
doc = json.load(sys.stdin)
def at(path):
    if path.startswith("#"):
        return str(len(doc[path[1:]]))
    v = doc
    for part in path.split("."):
        v = v[int(part)] if isinstance(v, list) else (v.get(part) if isinstance(v, dict) else None)
    return "" if v is None else str(v)
print(" ".join(at(p) for p in sys.argv[1:]))'
if command -v jq >/dev/null; then
  fields() {
    local p exprs=()
    for p in "$@"; do
      if [[ $p == \#* ]]; then exprs+=("(.${p#\#} | length | tostring)")
      else exprs+=("((.$(sed -E 's/\.([0-9]+)/[\1]/g' <<<"$p")) // \"\" | tostring)"); fi
    done
    jq -r "[$(IFS=,; echo "${exprs[*]}")] | join(\" \")" <<<"$BODY"
  }
else
  fields() { python3 -c "$FIELDS_PY" "$@" <<<"$BODY"; }
fi
field() { fields "$1"; }
if command -v curl >/dev/null; then
  api() {
    local out data=()
    [ $# -lt 3 ] || data=(-H "Content-Type: application/json" --data "$3")
    out=$(curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" "${data[@]}" -w '\n%{http_code}' "$URL$2")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
  }
fi

# deploy REVISION: dispatches deploy.yml, waits for the approval, approves as alice; sets RUN.
deploy() {
  TOKEN=$ADMIN_TOKEN
  api POST /api/v1/projects/app/workflows/.github/workflows/deploy.yml/dispatch "{\"inputs\":{\"revision\":\"$1\"}}"
  check_eq "$STATUS" 201 "dispatch of $1"
  RUN=$(field run_ids.0)
  local state=""
  for _ in $(seq 1 150); do
    api GET "/api/v1/deployments?run_id=$RUN"
    state=$(field deployments.0.status 2>/dev/null || true)
    [ "$state" = waiting ] && break
    sleep 0.1
  done
  check_eq "$state" waiting "run $RUN's deployment (environments.yml of a plain directory)"
  TOKEN=$ALICE
  api POST "/api/v1/runs/$RUN/approve" '{}'
  check_eq "$STATUS" 200 "approval of run $RUN"
  TOKEN=$ADMIN_TOKEN
}

deploy r1
GOOD_RUN=$RUN
check_eq "$(wait_run "$GOOD_RUN" 60)" success "the deployment of r1"
api GET "/api/v1/runs/$GOOD_RUN/logs/deploy"
check_contains_body() { [[ "$BODY" == *"$1"* ]] || fail "$2: '$1' not in: ${BODY:0:600}"; }
check_contains_body "region=eu-west-1" "the environment's vars in the job"

deploy bad
BAD_RUN=$RUN
check_eq "$(wait_run "$BAD_RUN" 60)" failure "the deployment of bad"

api POST /api/v1/projects/app/workflows/.github/workflows/other.yml/dispatch '{}'
OTHER_RUN=$(field run_ids.0)
check_eq "$(wait_run "$OTHER_RUN" 60)" success "the run deploying to dev"

# The run filter.
api GET "/api/v1/deployments"
check_eq "$(fields "#deployments")" 3 "deployments of every run"
api GET "/api/v1/deployments?run_id=$GOOD_RUN"
check_eq "$STATUS" 200 "deployments of one run"
read -r N ENV RUN_OF GOOD_ID <<<"$(fields "#deployments" deployments.0.environment deployments.0.run_id deployments.0.id)"
check_eq "$N $ENV $RUN_OF" "1 staging $GOOD_RUN" "deployments of run $GOOD_RUN"
api GET "/api/v1/deployments?run_id=$OTHER_RUN"
check_eq "$(fields "#deployments" deployments.0.environment)" "1 dev" "deployments of run $OTHER_RUN"
api GET "/api/v1/deployments?run_id=$BAD_RUN"
read -r BAD_ID BAD_STATUS <<<"$(fields deployments.0.id deployments.0.status)"
check_eq "$BAD_STATUS" rolled_back "the bad revision's deployment"
api GET "/api/v1/deployments?run_id=x"
check_eq "$STATUS" 400 "a run_id that is not a number"

# One deployment with its journal.
api GET "/api/v1/deployments/$GOOD_ID"
check_eq "$STATUS" 200 "GET /api/v1/deployments/$GOOD_ID"
check_eq "$(fields status revision "#journal" journal.0.strategy journal.0.revision journal.0.state)" \
  "success r1 1 rolling r1 succeeded" "the good deployment and its one journal deployment"
ENTRIES=$(python3 -c 'import json,sys; print(";".join(" ".join([e["target"] or "-", e["phase"], e["state"]]) for e in json.load(sys.stdin)["journal"][0]["entries"]))' <<<"$BODY")
[[ "$ENTRIES" == "- deployment started;"*"t1 Install started;t1 Install succeeded;"*"t2 Install succeeded;"*"- deployment succeeded" ]] ||
  fail "the good deployment's journal entries: $ENTRIES"
read -r AT DETAIL <<<"$(fields journal.0.entries.1.at journal.0.entries.0.detail)"
check_eq "$DETAIL" "" "the header's detail (the spec with its hooks) is left out"
[[ "$AT" == 20*Z ]] || fail "an entry's time: $AT"

api GET "/api/v1/deployments/$BAD_ID"
read -r N REV STATE ID RB_OF RB_REV RB_STATE <<<"$(fields "#journal" journal.0.revision journal.0.state journal.0.id journal.1.rollback_of journal.1.revision journal.1.state)"
check_eq "$N" 2 "journal deployments of the bad deployment (it and its rollback)"
check_eq "$REV $STATE" "bad rolled-back" "the bad journal deployment"
check_eq "$RB_OF" "$ID" "the rollback names what it rolls back"
check_eq "$RB_REV $RB_STATE" "r1 succeeded" "the rollback deployment"

api GET "/api/v1/deployments/999999"
check_eq "$STATUS" 404 "an unknown deployment"
api GET "/api/v1/deployments/abc"
check_eq "$STATUS" 400 "a deployment id that is not a number"

# A canary that pauses until a person decides (POST /api/v1/runs/{id}/deploy/promote|abort).
# canary REVISION: dispatches canary.yml and waits for the pause; sets CANARY_RUN, CANARY_ID.
canary() {
  api POST /api/v1/projects/app/workflows/.github/workflows/canary.yml/dispatch "{\"inputs\":{\"revision\":\"$1\"}}"
  CANARY_RUN=$(field run_ids.0) CANARY_ID=""
  local where=""
  for _ in $(seq 1 200); do
    if [ -z "$CANARY_ID" ]; then
      api GET "/api/v1/deployments?run_id=$CANARY_RUN"
      CANARY_ID=$(fields deployments.0.id 2>/dev/null || true)
    else
      api GET "/api/v1/deployments/$CANARY_ID"
      where=$(fields journal.0.phase journal.0.state 2>/dev/null || true)
      [ "$where" = "pause started" ] && break
    fi
    sleep 0.1
  done
  check_eq "$where" "pause started" "the canary of $1 waits at its pause"
  CANARY_JOURNAL=$(fields journal.0.id)
}
api POST "/api/v1/runs/$GOOD_RUN/deploy/promote" '{}'
check_eq "$STATUS" 404 "promote of a run without a deployment in progress"
canary c1
PROMOTE_RUN=$CANARY_RUN PROMOTE_ID=$CANARY_ID

# The web UI's journal view, when a browser can be driven here (it also promotes c1).
browser_dir=$SOURCE_DIR/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}
if command -v node >/dev/null && [ -x "$chromium" ] &&
  [ -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
  BASE_URL=$URL TOKEN=$ADMIN_TOKEN GOOD_ID=$GOOD_ID BAD_ID=$BAD_ID BAD_RUN=$BAD_RUN CHROMIUM=$chromium \
    CANARY_ID=$PROMOTE_ID \
    SCREENSHOTS=${WEB_UI_SCREENSHOTS:-} timeout -k 5 90 node "$browser_dir/deploy_journal.mjs" ||
    fail "the web UI's deployment journal checks"
else
  echo "note: node, chromium or playwright-core missing: the web UI checks are skipped"
  api POST "/api/v1/runs/$PROMOTE_RUN/deploy/promote" '{}'
  check_eq "$STATUS $(fields request)" "200 promote" "promote of c1"
fi
check_eq "$(wait_run "$PROMOTE_RUN" 60)" success "the promoted canary's run"
api GET "/api/v1/deployments/$PROMOTE_ID"
check_eq "$(fields status journal.0.state)" "success succeeded" "the promoted canary"

canary c2
api POST "/api/v1/runs/$CANARY_RUN/deploy/abort" '{}'
check_eq "$STATUS $(fields request deployment_ids.0)" "200 abort $CANARY_JOURNAL" "abort of c2"
check_eq "$(wait_run "$CANARY_RUN" 60)" failure "the aborted canary's run"
api GET "/api/v1/deployments/$CANARY_ID"
check_eq "$(fields status "#journal" journal.0.state journal.1.revision journal.1.state)" \
  "rolled_back 2 rolled-back c1 succeeded" "the aborted canary and its rollback to c1"
finish

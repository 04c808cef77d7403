#!/usr/bin/env bash
# Protected environments on the controller (docs/api.md): a dispatched run's `environment:`
# job waits for a reviewer; GET /api/v1/deployments shows it waiting; POST
# /api/v1/runs/{id}/approve by a token named after a reviewer lets it go on (a token named
# after someone else is refused with 403); the run succeeds and the deployment is listed
# with its review.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
command -v git >/dev/null || { echo "skip: no git"; exit 77; }
APP=$WORK/app
mkdir -p "$APP/.github/workflows" "$APP/.sluice"
cat >"$APP/.github/workflows/deploy.yml" <<'YAML'
name: deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: local
    environment: production
    steps: [{run: echo deployed}]
YAML
cat >"$APP/.sluice/environments.yml" <<'YAML'
environments:
  production: {reviewers: [alice]}
YAML
git -C "$APP" init -q -b main
git -C "$APP" -c user.email=t@t -c user.name=t add -A
git -C "$APP" -c user.email=t@t -c user.name=t commit -qm init
cat >"$WORK/sluice.yml" <<YAML
projects:
  - {name: app, repository: $APP, branches: [main], poll-interval: 0}
YAML
mkdir -p "$DATA"
ALICE=$("$SLUICE" token create --role operate --name alice --data-dir "$DATA")
MALLORY=$("$SLUICE" token create --role operate --name mallory --data-dir "$DATA")
start_serve --config "$WORK/sluice.yml"

api POST /api/v1/projects/app/workflows/.github/workflows/deploy.yml/dispatch '{"ref":"main"}'
check_eq "$STATUS" 201 "dispatch"
RUN=$(field run_ids.0)
STATE=""
for _ in $(seq 1 150); do
  api GET "/api/v1/deployments?environment=production"
  STATE=$(field deployments.0.status 2>/dev/null || true)
  [ "$STATE" = waiting ] && break
  sleep 0.1
done
check_eq "$STATE" waiting "the deployment's status"
check_eq "$(field deployments.0.waiting_on)" approval "what it waits on"

TOKEN=$MALLORY
api POST "/api/v1/runs/$RUN/approve" '{"comment":"lgtm"}'
check_eq "$STATUS" 403 "approval by a non-reviewer"
TOKEN=$ALICE
api POST "/api/v1/runs/$RUN/approve" '{"environment":"production","comment":"lgtm"}'
check_eq "$STATUS" 200 "approval by alice"
check_eq "$(field user)" alice "the reviewer"
TOKEN=$(cat "$DATA/admin.token")
check_eq "$(wait_run "$RUN" 60)" success "the approved run"
api GET "/api/v1/deployments"
check_eq "$(field deployments.0.status)" success "the deployment after the run"
check_eq "$(field deployments.0.reviews.0.user) $(field deployments.0.reviews.0.comment)" "alice lgtm" "the review"
api POST "/api/v1/runs/$RUN/approve" '{}'
check_eq "$STATUS" 404 "approving a run that waits for nothing"
finish

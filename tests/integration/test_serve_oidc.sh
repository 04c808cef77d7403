#!/usr/bin/env bash
# OIDC under the controller (issue 10 §3, docs/oidc.md): a dispatched job with `permissions:
# id-token: write` gets a token whose `iss` is the controller's URL, and the controller
# itself serves the discovery document and the JWKS that verify it (a cloud provider
# fetches them from the issuer, not from a run's short-lived runtime server). With
# --public-url the issuer is that URL. Loopback only; the controller is killed on exit.
source "$(dirname "$0")/lib.sh"
source "$SOURCE_DIR/tests/integration/serve_lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
APP=$WORK/app OUTDIR=$WORK/out
mkdir -p "$APP/.github/workflows" "$OUTDIR"
cat >"$APP/.github/workflows/deploy.yml" <<YAML
name: deploy
on: workflow_dispatch
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: local
    environment: prod
    steps:
      - run: |
          curl -sSf -H "Authorization: Bearer \$ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
            "\$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" > $OUTDIR/token.json
YAML
git -C "$APP" init -q -b main
git -C "$APP" -c user.email=t@example.com -c user.name=t add -A
git -C "$APP" -c user.email=t@example.com -c user.name=t commit -qm init

start_serve --project app="$APP"
curl -sSf "$URL/.well-known/openid-configuration" >"$OUTDIR/discovery.json" || fail "discovery"
check_eq "$($API field issuer <"$OUTDIR/discovery.json")" "$URL" "the controller is the issuer"
api POST /api/v1/projects/app/workflows/.github/workflows/deploy.yml/dispatch '{}'
check_eq "$STATUS" 201 "dispatch"
run_id=$(field 'run_ids.0')
check_eq "$(wait_run "$run_id")" success "the job fetched its token"
# The JWKS is fetched after the run: the key lives in the data dir, not in the run.
curl -sSf "$URL/.well-known/jwks" >"$OUTDIR/jwks.json" || fail "jwks"
claims=$(python3 "$SOURCE_DIR/tests/integration/tools/id_token.py" "$OUTDIR/token.json" \
  "$OUTDIR/jwks.json") || fail "the token does not verify against the controller's JWKS"
check_eq "$($API field iss <<<"$claims")" "$URL" "iss"
check_eq "$($API field aud <<<"$claims")" sts.amazonaws.com "aud"
check_eq "$($API field environment <<<"$claims")" prod "environment claim"
check_eq "$($API field sub <<<"$claims" | grep -c ':environment:prod$')" 1 "sub names the environment"
# Only discovery and the JWKS are public: tokens come from a run's runtime services.
check_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/.well-known/nothing")" 404 "unknown path"
kill_serve

start_serve --project app="$APP" --public-url https://ci.example.test/
curl -sSf "$URL/.well-known/openid-configuration" >"$OUTDIR/discovery.json" || fail "discovery"
check_eq "$($API field issuer <"$OUTDIR/discovery.json")" https://ci.example.test "--public-url is the issuer"
check_eq "$($API field jwks_uri <"$OUTDIR/discovery.json")" https://ci.example.test/.well-known/jwks "jwks_uri"
kill_serve
"$SLUICE" serve --listen 127.0.0.1:0 --data-dir "$DATA" --public-url ftp://x >/dev/null 2>"$OUTDIR/err" &&
  fail "a non-http public URL is refused"
grep -q "is not an http(s) URL" "$OUTDIR/err" || fail "error message: $(cat "$OUTDIR/err")"
finish

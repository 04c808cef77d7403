#!/usr/bin/env bash
# OIDC ID tokens in `sluice run` (issue 10 §3, docs/oidc.md): a job with `permissions:
# id-token: write` fetches its token with curl the way @actions/core does (the URL it was
# given + `&audience=`, the request token as bearer) and the discovery document and JWKS
# from the issuer; the test then verifies the RS256 signature against that JWKS (plain RSA
# arithmetic in Python, as a relying party would) and the claims. A job whose own
# permissions leave id-token out gets no variables.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
REPO=$WORK/repo DATA=$WORK/data OUTDIR=$WORK/out
mkdir -p "$REPO/.github/workflows" "$OUTDIR"
g() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$REPO" \
  -c user.name=t -c user.email=t@example.com "$@"; }
g init -q -b main
g remote add origin https://github.com/octo/app.git
cat >"$REPO/.github/workflows/deploy.yml" <<YAML
name: Deploy
on: push
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: local
    environment: prod
    steps:
      - run: |
          curl -sSf -H "Authorization: Bearer \$ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
            "\$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" > $OUTDIR/deploy.json
          issuer=\${ACTIONS_ID_TOKEN_REQUEST_URL%%/_services/*}
          curl -sSf "\$issuer/.well-known/openid-configuration" > $OUTDIR/discovery.json
          curl -sSf "\$issuer/.well-known/jwks" > $OUTDIR/jwks.json
          echo "\$ACTIONS_ID_TOKEN_REQUEST_URL" > $OUTDIR/url
  build:
    runs-on: local
    steps:
      - run: |
          curl -sSf -H "Authorization: Bearer \$ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
            "\$ACTIONS_ID_TOKEN_REQUEST_URL&audience=" > $OUTDIR/build.json
  plain:
    runs-on: local
    permissions:
      contents: read
    steps:
      - run: env | grep '^ACTIONS_ID_TOKEN' || echo "no id-token variables"
      # Its runtime token does not get it a token either.
      - run: |
          base=\${ACTIONS_RESULTS_URL%/}
          curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer \$ACTIONS_RUNTIME_TOKEN" \
            "\$base/_services/token/idtoken?api-version=2.0" > $OUTDIR/plain.status
YAML
g add -A && g commit -q -m "deploy"
sha=$(g rev-parse HEAD)
sluice_run
check_rc 0 "oidc run"
check_eq "$(job_log plain | grep -c 'no id-token variables')" 1 "a job without id-token: write gets no variables"
check_eq "$(cat "$OUTDIR/plain.status")" 403 "a job without id-token: write is refused a token"
grep -q '/_services/token/idtoken?api-version=2.0$' "$OUTDIR/url" || fail "request URL: $(cat "$OUTDIR/url")"

python3 - "$OUTDIR" "$sha" "$SOURCE_DIR/tests/integration/tools" <<'PY' || fail "token verification (see above)"
import json, sys
sys.path.insert(0, sys.argv[3])
from id_token import verify
out, sha = sys.argv[1], sys.argv[2]
discovery = json.load(open(f"{out}/discovery.json"))
jwks = json.load(open(f"{out}/jwks.json"))
issuer = discovery["issuer"]
assert discovery["jwks_uri"] == issuer + "/.well-known/jwks", discovery
assert issuer.startswith("http://127.0.0.1:"), issuer
def verify_file(path):
    return verify(json.load(open(path))["value"], jwks)
def expect(claims, name, value):
    if claims.get(name) != value:
        raise SystemExit(f"claim {name}: {claims.get(name)!r}, expected {value!r}\n{claims}")
deploy = verify_file(f"{out}/deploy.json")
for name, value in [("iss", issuer), ("aud", "sts.amazonaws.com"),
                    ("sub", "repo:octo/app:environment:prod"), ("environment", "prod"),
                    ("repository", "octo/app"), ("repository_owner", "octo"),
                    ("ref", "refs/heads/main"), ("ref_type", "branch"), ("sha", sha),
                    ("workflow", "Deploy"), ("event_name", "push"),
                    ("workflow_ref", "octo/app/.github/workflows/deploy.yml@refs/heads/main"),
                    ("job_workflow_ref", "octo/app/.github/workflows/deploy.yml@refs/heads/main"),
                    ("run_number", "1"), ("run_attempt", "1"),
                    ("runner_environment", "self-hosted")]:
    expect(deploy, name, value)
assert deploy["exp"] - deploy["iat"] == 300 and deploy["nbf"] <= deploy["iat"], deploy
assert deploy["run_id"].isdigit(), deploy
build = verify_file(f"{out}/build.json")
expect(build, "sub", "repo:octo/app:ref:refs/heads/main")
expect(build, "aud", "https://github.com/octo")  # an empty audience is the default
assert build["jti"] != deploy["jti"]
PY

# The key stays private on disk and is kept for the next run.
check_eq "$(stat -c %a "$DATA/oidc/signing-key.pem")" 600 "signing key mode"
finish

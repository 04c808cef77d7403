#!/usr/bin/env bash
# The official @actions/cache client (pinned by tests/runtime/clients/package-lock.json) as
# steps of `sluice run`, against sluice's runtime services (issue 9 §2): save then restore
# (exact hit, restore-keys prefix hit, miss, cache-hit semantics, content intact), immutable
# entries, entries kept across runs, branch scopes with the default branch as fallback, the
# v1 REST protocol on the same entries, a local JS action built on the toolkit, and tokens
# that are checked.
source "$(dirname "$0")/lib.sh"
CLIENTS=$SOURCE_DIR/tests/runtime/clients
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$CLIENTS/node_modules/@actions/cache" ] ||
  { echo "SKIP: run 'npm ci' in tests/runtime/clients (scripts/test.sh does)"; exit 77; }
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
g() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$REPO" \
  -c user.name=t -c user.email=t@example.com "$@"; }
g init -q -b main
workflow() { cat >"$REPO/.github/workflows/cache.yml"; }
commit() { g add -A && g commit -q -m "$1"; }
C="node $CLIENTS/cache.mjs"

workflow <<YAML
on: push
jobs:
  cache:
    runs-on: local
    steps:
      - run: mkdir -p data && head -c 300000 /dev/urandom > data/blob && echo hello > data/a.txt && sha256sum data/* > sums
      - run: $C save deps-v1 data
      - run: rm -rf data && $C restore deps-v1 data && sha256sum -c sums
      - run: rm -rf data && $C restore deps-v2 data --restore-key nothing- --restore-key deps- && sha256sum -c sums
      - run: $C restore other data
      - run: mkdir -p data && $C save deps-v1 data || echo "second save refused"
YAML
commit "cache workflow"
sluice_run
check_rc 0 "save and restore"
log=$(job_log cache)
grep -qE '^saved [0-9]+$' <<<"$log" || fail "no 'saved <id>'"$'\n'"$log"
grep -qxF "hit deps-v1 exact=true" <<<"$log" || fail "exact hit"$'\n'"$log"
grep -qxF "hit deps-v1 exact=false" <<<"$log" || fail "restore-keys prefix hit is not exact"$'\n'"$log"
grep -qxF "miss" <<<"$log" || fail "a miss"$'\n'"$log"
[ "$(grep -c 'OK$' <<<"$log")" -eq 4 ] || fail "restored files differ"$'\n'"$log"
grep -qF "Unable to reserve cache with key deps-v1" <<<"$log" || fail "entries are immutable"$'\n'"$log"
grep -qxF "second save refused" <<<"$log" || fail "second save not refused"

# A later run (another process, other tokens and keys) finds the entry; a feature branch
# reads the default branch's entries, and its own entries stay invisible to main.
workflow <<YAML
on: push
jobs:
  cache:
    runs-on: local
    steps:
      - run: $C restore deps-v1 data
      - run: mkdir -p f && echo feature > f/x && $C save feature-only f
YAML
g checkout -q -b feature
commit "feature"
sluice_run
check_rc 0 "feature branch"
log=$(job_log cache)
grep -qxF "hit deps-v1 exact=true" <<<"$log" || fail "feature branch does not read main's entry"$'\n'"$log"
g checkout -q main
workflow <<YAML
on: push
jobs:
  cache:
    runs-on: local
    steps:
      - run: $C restore feature-only f
YAML
commit "main again"
sluice_run
check_rc 0 "main after feature"
grep -qxF "miss" <<<"$(job_log cache)" || fail "main sees the feature branch's entry"

# Cache v1 (REST): the client's fallback when ACTIONS_CACHE_SERVICE_V2 is empty; same index.
workflow <<YAML
on: push
jobs:
  cache:
    runs-on: local
    env:
      ACTIONS_CACHE_SERVICE_V2: ''
    steps:
      - run: mkdir -p v1 && head -c 100000 /dev/urandom > v1/f && sha256sum v1/f > v1.sum
      - run: $C save v1-key v1
      - run: rm -rf v1 && $C restore v1-key v1 && sha256sum -c v1.sum
      - run: rm -rf data && $C restore deps-v1 data
      - run: $C save v1-key v1 || echo "v1 second save refused"
YAML
commit "v1"
sluice_run
check_rc 0 "cache v1"
log=$(job_log cache)
grep -qxF "hit v1-key exact=true" <<<"$log" || fail "v1 restore"$'\n'"$log"
grep -qxF "v1/f: OK" <<<"$log" || fail "v1 content"$'\n'"$log"
grep -qxF "hit deps-v1 exact=true" <<<"$log" || fail "v1 reads entries saved by v2"$'\n'"$log"
grep -qxF "v1 second save refused" <<<"$log" || fail "v1 entries immutable"$'\n'"$log"

# A local JavaScript action built on @actions/cache, as actions/cache is: it works unchanged
# and its cache-hit output drives a later step.
mkdir -p "$REPO/.github/actions/cache-it"
cp "$FIXTURES/run/runtime-cache-action/action.yml" "$FIXTURES/run/runtime-cache-action/index.mjs" \
  "$REPO/.github/actions/cache-it/"
ln -s "$CLIENTS/node_modules" "$REPO/.github/actions/cache-it/node_modules"
workflow <<'YAML'
on: push
jobs:
  cache:
    runs-on: local
    steps:
      - run: mkdir -p tool && echo built > tool/bin
      - uses: ./.github/actions/cache-it
        id: first
        with: {key: tool-1, path: tool}
      - uses: ./.github/actions/cache-it
        id: second
        with: {key: tool-1, path: tool}
      - run: echo "first=${{ steps.first.outputs.cache-hit }} second=${{ steps.second.outputs.cache-hit }}"
YAML
commit "action"
sluice_run
check_rc 0 "local action"
grep -qxF "first=false second=true" <<<"$(job_log cache)" || fail "action's cache-hit"$'\n'"$(job_log cache)"

# Tokens: none, forged (signed with another key), and a valid one are told apart.
P="node $CLIENTS/probe.mjs CacheService GetCacheEntryDownloadURL"
workflow <<YAML
on: push
jobs:
  cache:
    runs-on: local
    steps:
      - run: $P '{"key":"k","version":"v"}' -
      - run: $P '{"key":"k","version":"v"}' "\$(echo "\$ACTIONS_RUNTIME_TOKEN" | cut -d. -f1-2).AAAA"
      - run: $P '{"key":"k","version":"v"}'
YAML
commit "probe"
sluice_run
check_rc 0 "token probes"
log=$(job_log cache)
[ "$(grep -c '^401 {"code":"unauthenticated"' <<<"$log")" -eq 2 ] || fail "missing/forged token accepted"$'\n'"$log"
grep -qF '200 {"matched_key":"","ok":false' <<<"$log" || fail "valid token refused"$'\n'"$log"
# The token is a credential: masked in logs.
token_seen=$(grep -c 'eyJ' <<<"$(job_log cache)" || true)
check_eq "$token_seen" 0 "tokens in logs"
finish

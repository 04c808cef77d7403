#!/usr/bin/env bash
# The official @actions/artifact client (pinned by tests/runtime/clients/package-lock.json)
# as steps of `sluice run`, against sluice's runtime services (issue 9 §2): two jobs upload,
# a third lists them, downloads one by name and all merged (merge-multiple), the client
# checks each digest; a 20 MB file goes through in blocks intact; a duplicate name is
# refused; delete; `sluice artifacts` serves what the client uploaded; another run's token
# cannot list, read or delete this run's artifacts.
source "$(dirname "$0")/lib.sh"
CLIENTS=$SOURCE_DIR/tests/runtime/clients
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -d "$CLIENTS/node_modules/@actions/artifact" ] ||
  { echo "SKIP: run 'npm ci' in tests/runtime/clients (scripts/test.sh does)"; exit 77; }
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
A="node $CLIENTS/artifact.mjs"
P="node $CLIENTS/probe.mjs ArtifactService"
cat >"$REPO/.github/workflows/artifacts.yml" <<YAML
on: push
jobs:
  one:
    runs-on: local
    steps:
      - run: mkdir -p out1/sub && echo one > out1/a.txt && echo deep > out1/sub/b.txt
      - run: $A upload first out1 a.txt sub/b.txt
      - run: $A upload first out1 a.txt || echo "duplicate refused"
  two:
    runs-on: local
    steps:
      - run: mkdir -p out2 && head -c 20000000 /dev/urandom > out2/big.bin && sha256sum out2/big.bin | cut -d' ' -f1 > $WORK/big.sum
      - run: $A upload second out2 big.bin
  get:
    needs: [one, two]
    runs-on: local
    steps:
      - run: $A list
      - run: $A download first got && cat got/a.txt got/sub/b.txt
      - run: $A download-all merged --merge && sha256sum merged/big.bin && ls merged
      - run: $A download-all apart && ls apart apart/first
      - run: $A delete first && $A list
YAML
sluice_run
check_rc 0 "upload and download"
RUN=$(last_run)
grep -qxF "duplicate refused" <<<"$(job_log one)" || fail "a duplicate name was accepted"$'\n'"$(job_log one)"
log=$(job_log get)
grep -qE "^first [0-9]+$" <<<"$log" || fail "list lacks first"$'\n'"$log"
grep -qE "^second [0-9]+$" <<<"$log" || fail "list lacks second"$'\n'"$log"
grep -qxF "one" <<<"$log" && grep -qxF "deep" <<<"$log" || fail "download by name"$'\n'"$log"
grep -qF "$(cat "$WORK/big.sum")  merged/big.bin" <<<"$log" || fail "20 MB file changed"$'\n'"$log"
grep -qxF "a.txt" <<<"$log" && grep -qxF "sub" <<<"$log" || fail "merge-multiple"$'\n'"$log"
grep -qF "apart/first:" <<<"$log" || fail "download-all without merge: DIR/<name>"$'\n'"$log"
[ "$(grep -c "Artifact download completed successfully" <<<"$log")" -eq 5 ] ||
  fail "digest-checked downloads"$'\n'"$log"
grep -qF "deleted " <<<"$log" || fail "delete"$'\n'"$log"
[ "$(tail -1 <<<"$log" | cut -d' ' -f1)" = "second" ] || fail "deleted artifact still listed"$'\n'"$log"

# `sluice artifacts` reads what the client uploaded.
if has_command artifacts; then
  sluice_cmd artifacts "$RUN" second -o "$WORK/cli"
  [ "$RC" -eq 0 ] || fail "sluice artifacts: exit $RC: $OUT"
  check_eq "$(sha256sum "$WORK/cli/big.bin" 2>/dev/null | cut -d' ' -f1)" "$(cat "$WORK/big.sum")" \
    "sluice artifacts download"
fi

# Another run's job (its own valid token) sends this run's id: refused for every method.
cat >"$REPO/.github/workflows/artifacts.yml" <<YAML
on: push
jobs:
  other:
    runs-on: local
    steps:
      - run: $P ListArtifacts '{"workflow_run_backend_id":"$RUN","workflow_job_run_backend_id":"JOB"}'
      - run: $P GetSignedArtifactURL '{"workflow_run_backend_id":"$RUN","workflow_job_run_backend_id":"JOB","name":"second"}'
      - run: $P DeleteArtifact '{"workflow_run_backend_id":"$RUN","workflow_job_run_backend_id":"JOB","name":"second"}'
      - run: $P CreateArtifact '{"workflow_run_backend_id":"RUN","workflow_job_run_backend_id":"not-my-job","name":"x","version":4}'
      - run: $P ListArtifacts '{"workflow_run_backend_id":"RUN","workflow_job_run_backend_id":"JOB"}'
YAML
sluice_run
check_rc 0 "probes"
log=$(job_log other)
[ "$(grep -c '^403 {"code":"permission_denied"' <<<"$log")" -eq 4 ] || fail "another run's ids accepted"$'\n'"$log"
grep -qxF '200 {"artifacts":[]}' <<<"$log" || fail "own (empty) run not listed"$'\n'"$log"
finish

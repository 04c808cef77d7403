#!/usr/bin/env bash
# `sluice artifacts RUN [NAME] [-o DIR]` and the artifacts section of `sluice show`, on a
# real run whose artifacts are stored through the runtime classes (tools/seed_artifact):
# listing, downloading one (unzipped into DIR) or all (DIR/<name>/), a raw (archive: false)
# artifact saved as is, exit 2 for an unknown run or name, a damaged blob refused by its
# digest with nothing written, and a zip entry pointing outside DIR refused.
source "$(dirname "$0")/lib.sh"
: "${SEED_ARTIFACT:?path of the seed_artifact tool}"
REPO=$WORK/repo DATA=$WORK/data
mkdir -p "$REPO/.github/workflows"
cat >"$REPO/.github/workflows/build.yml" <<'YAML'
name: Build
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
YAML
sluice_run
check_rc 0 "the run"
RUN=$(last_run)

# `sluice show` before any artifact: no section, and no runtime.db is created.
OUT=$("$SLUICE" show "$RUN" --data-dir "$DATA" 2>&1) || fail "show without artifacts"
check_lacks "artifacts" "show without artifacts"
[ ! -e "$DATA/runtime.db" ] || fail "sluice show created runtime.db"
OUT=$("$SLUICE" artifacts "$RUN" --data-dir "$DATA" 2>&1) || fail "artifacts without any"
check_contains "run $RUN has no artifacts"

# A zipped artifact with a nested file, and a raw one.
mkdir -p "$WORK/src/sub"
echo "alpha" >"$WORK/src/a.txt"
echo "beta" >"$WORK/src/sub/b.txt"
python3 - "$WORK/dist.zip" "$WORK/src" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(sys.argv[2]):
        for f in files:
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, sys.argv[2]))
PY
head -c 20000 /dev/urandom >"$WORK/report.bin"
"$SEED_ARTIFACT" "$DATA" "$RUN" dist "$WORK/dist.zip" >/dev/null
"$SEED_ARTIFACT" "$DATA" "$RUN" report.bin "$WORK/report.bin" application/octet-stream >/dev/null
ZIP_DIGEST="sha256:$(sha256sum "$WORK/dist.zip" | cut -d' ' -f1)"

OUT=$("$SLUICE" artifacts "$RUN" --data-dir "$DATA" 2>&1) || fail "artifacts list"
check_contains "dist" "list"
check_contains "report.bin" "list"
check_contains "$ZIP_DIGEST" "list"
check_contains "19.5 KiB" "list"
OUT=$("$SLUICE" show "$RUN" --data-dir "$DATA" 2>&1) || fail "show"
check_contains "artifacts" "show"
check_contains "$ZIP_DIGEST" "show"
OUT=$("$SLUICE" show "$RUN" --data-dir "$DATA" --json 2>&1) || fail "show --json"
check_eq "$(python3 -c 'import json,sys; print(",".join(a["name"] for a in json.load(sys.stdin)["artifacts"]))' <<<"$OUT")" \
  "dist,report.bin" "show --json artifacts"

# One artifact: unzipped into DIR itself.
OUT=$("$SLUICE" artifacts "$RUN" dist -o "$WORK/one" --data-dir "$DATA" 2>&1) || fail "download dist"
check_contains "downloaded dist"
check_eq "$(cat "$WORK/one/a.txt" 2>/dev/null)" "alpha" "dist/a.txt"
check_eq "$(cat "$WORK/one/sub/b.txt" 2>/dev/null)" "beta" "dist/sub/b.txt"
# All artifacts: one directory per name; the raw one saved as is.
OUT=$("$SLUICE" artifacts latest -o "$WORK/all" --data-dir "$DATA" 2>&1) || fail "download all"
check_eq "$(cat "$WORK/all/dist/sub/b.txt" 2>/dev/null)" "beta" "all: dist/sub/b.txt"
cmp -s "$WORK/report.bin" "$WORK/all/report.bin/report.bin" || fail "all: report.bin differs"

# Unknown run and name: exit 2 with what exists.
RC=0
OUT=$("$SLUICE" artifacts "$RUN" nope --data-dir "$DATA" 2>&1) || RC=$?
check_rc 2 "unknown artifact"
check_contains "has no artifact named 'nope' (it has: dist, report.bin)"
RC=0
OUT=$("$SLUICE" artifacts 999 --data-dir "$DATA" 2>&1) || RC=$?
check_rc 2 "unknown run"
check_contains "no run 999"

# A blob damaged on disk is refused by its digest; nothing is written.
BLOB=$(find "$DATA/blobs/sha256" -type f -name "${ZIP_DIGEST#sha256:}")
[ -n "$BLOB" ] || fail "the zip's blob is not under blobs/sha256"
chmod u+w "$BLOB" && printf 'x' >>"$BLOB"
RC=0
OUT=$("$SLUICE" artifacts "$RUN" dist -o "$WORK/damaged" --data-dir "$DATA" 2>&1) || RC=$?
check_rc 1 "damaged artifact"
check_contains "does not match its digest"
[ ! -e "$WORK/damaged" ] || fail "a damaged artifact wrote files"

# A zip whose entry climbs out of the destination is refused.
python3 - "$WORK/evil.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("../escaped.txt", "gotcha")
PY
"$SEED_ARTIFACT" "$DATA" "$RUN" evil "$WORK/evil.zip" >/dev/null
RC=0
OUT=$("$SLUICE" artifacts "$RUN" evil -o "$WORK/evil" --data-dir "$DATA" 2>&1) || RC=$?
check_rc 1 "zip with ../"
check_contains "outside the destination"
[ ! -e "$WORK/escaped.txt" ] || fail "a zip entry escaped the destination"

finish

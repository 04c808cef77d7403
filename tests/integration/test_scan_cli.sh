#!/usr/bin/env bash
# `sluice scan` end to end: exit codes (0 clean, 1 findings, 2 bad input), --fail-on,
# every --format, --output FILE|DIR, --parameters, and the iac-gate example.
set -uo pipefail
: "${SLUICE:?path of the sluice binary}" "${FIXTURES:?fixtures directory}"
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
dir="$FIXTURES/scan"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-scan-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

scan() {  # scan ARGS...: sets $out and $rc (aws-solutions pack only: secrets has its own tests)
  out=$("$SLUICE" scan --pack aws-solutions "$@" 2>&1)
  rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1"$'\n'"$out"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "$2: output lacks '$1'"$'\n'"$out"; }

scan "$dir/clean.yaml"
expect_rc 0 "clean template"
expect_out "0 non-compliant" "clean template summary"

scan "$dir/open-bucket.template.json"
expect_rc 1 "open bucket"
expect_out "AwsSolutions-S1" "open bucket text"
expect_out "Fixture/DataBucket/Resource" "open bucket CDK path"
expect_out "open-bucket.template.json:3" "open bucket file:line"
expect_out "fix: " "open bucket remediation"

scan "$dir/warning-only.yaml"
expect_rc 0 "warning only, --fail-on error"
scan "$dir/warning-only.yaml" --fail-on warning
expect_rc 1 "warning only, --fail-on warning"
scan "$dir/open-bucket.template.json" --fail-on none
expect_rc 0 "--fail-on none"

scan "$dir/malformed.json"
expect_rc 2 "malformed template"
expect_out "malformed.json:3:" "malformed template position"
scan "$dir/does-not-exist.json"
expect_rc 2 "missing path"
scan "$dir/bad-suppression.yaml"
expect_rc 2 "invalid suppression"
expect_out "bad-suppression.yaml:8" "invalid suppression position"
expect_out "10 characters" "invalid suppression message"
scan "$dir/clean.yaml" --format yaml
expect_rc 2 "unknown format"
scan "$dir/clean.yaml" --fail-on sometimes
expect_rc 2 "unknown fail-on"

scan "$dir/param-sg.yaml"
expect_rc 0 "parameter without value is UNKNOWN, not a failure"
expect_out "1 unknown" "parameter without value"
scan "$dir/param-sg.yaml" --parameters "$dir/open-params.json"
expect_rc 1 "parameter value decides EC23"

scan "$dir/open-bucket.template.json" --format csv
head -1 <<<"$out" | grep -qx 'Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info' ||
  fail "csv header: $(head -1 <<<"$out")"
expect_out '"AwsSolutions-S1","Fixture/DataBucket/Resource","Non-Compliant","N/A","Error"' "csv row"

scan "$dir/open-bucket.template.json" --format json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["lines"] and d["sluice"]["findings"][0]["line"] == 3' <<<"$out" ||
  fail "json report"$'\n'"$out"

scan "$dir/open-bucket.template.json" --format sarif --output "$work/report.sarif"
expect_rc 1 "sarif to file"
python3 - "$work/report.sarif" <<'PY' || fail "sarif structure"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0"
run = d["runs"][0]
assert run["tool"]["driver"]["name"] == "sluice"
ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
for res in run["results"]:
    assert res["ruleId"] in ids and res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("open-bucket.template.json")
    assert loc["region"]["startLine"] == 3
PY

scan "$dir/open-bucket.template.json" --format junit,csv,json --output "$work/reports/"
for f in sluice-scan.junit.xml sluice-scan.csv sluice-scan.json; do
  [ -s "$work/reports/$f" ] || fail "report directory lacks $f"
done
grep -q '<failure' "$work/reports/sluice-scan.junit.xml" || fail "junit has no failure"

# A YAML alias bomb ("billion laughs", 10^10 nodes in ~600 bytes) is refused once it
# expands past its file's budget; it used to build 20 million nodes first (9.5 s, 2 GB).
{
  echo "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"
  for i in $(seq 1 9); do
    p="*a$((i - 1))"
    echo "a$i: &a$i [$p, $p, $p, $p, $p, $p, $p, $p, $p, $p]"
  done
  echo "Resources: {B: {Type: AWS::S3::Bucket, Properties: {Tags: *a9}}}"
} >"$work/bomb.yaml"
scan "$work/bomb.yaml"
expect_rc 2 "alias bomb"
expect_out "bomb.yaml:1:30: error: document expands to more than 100000 YAML nodes" "alias bomb message"

# The iac-gate example: fails as first written, passes after the fix and a suppression.
scan "$SOURCE_DIR/examples/iac-gate/cdk.out"
expect_rc 1 "iac-gate before the fix"
expect_out "AwsSolutions-EC23" "iac-gate open security group"
scan "$SOURCE_DIR/examples/iac-gate/cdk.out-fixed"
expect_rc 0 "iac-gate after the fix"
expect_out "1 suppressed" "iac-gate documented suppression"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok"

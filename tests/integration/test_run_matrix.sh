#!/usr/bin/env bash
# Matrix expansion: include/exclude give exactly the expected instance set (an include that
# extends a combination, an include that adds one, an excluded one), strategy.job-total,
# a matrix from fromJSON, GitHub's documented include example, an include-only matrix.
source "$(dirname "$0")/lib.sh"
setup_repo matrix

sluice_run --jobs 2
check_rc 0
expected="os=linux py=3.10 extra= total=4
os=linux py=3.11 extra=yes total=4
os=mac py=3.11 extra= total=4
os=windows py=3.12 extra= total=4"
check_eq "$(sort "$REPO/instances.txt")" "$expected" "include/exclude instances"
check_eq "$(sort "$REPO/shards.txt" | tr '\n' ' ')" "shard=1 shard=2 shard=3 " "fromJSON matrix instances"
check_lacks "mac, 3.10" "excluded combination"
# The run history has one job per instance, each with its matrix values.
check_eq "$(db "SELECT matrix_json FROM jobs WHERE key LIKE 'test (%' ORDER BY matrix_json" | tr '\n' ' ')" \
  '{"os":"linux","py":"3.10"} {"os":"linux","py":"3.11","extra":"yes"} {"os":"mac","py":"3.11"} {"os":"windows","py":"3.12"} ' \
  "matrix values in the history"
# GitHub's documented include example: exactly these six combinations.
check_eq "$(sort "$REPO/docs-include.txt")" '{"fruit":"apple","animal":"cat","color":"pink","shape":"circle"}
{"fruit":"apple","animal":"dog","color":"green","shape":"circle"}
{"fruit":"banana","animal":"cat"}
{"fruit":"banana"}
{"fruit":"pear","animal":"cat","color":"pink"}
{"fruit":"pear","animal":"dog","color":"green"}' "documented include example"
# A matrix made only of include entries.
check_eq "$(sort "$REPO/only-include.txt" | tr '\n' ' ')" "production@site-a staging@site-b " "include-only matrix"
check_contains "15 actions: 15 succeeded, 0 failed"

finish

#!/usr/bin/env bash
# Matrix expansion: include/exclude give exactly the expected instance set (an include that
# extends a combination, an include that adds one, an excluded one), strategy.job-total,
# and a matrix from fromJSON.
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
check_contains "7 actions: 7 succeeded, 0 failed"

finish

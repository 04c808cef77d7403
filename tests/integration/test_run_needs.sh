#!/usr/bin/env bash
# `needs` graph: jobs start only after every job they need has succeeded (a diamond and a
# tail, declared in reverse order), and `--job` runs one job plus the jobs it needs.
source "$(dirname "$0")/lib.sh"
setup_repo needs

sluice_run --jobs 4
check_rc 0
order=$(tr '\n' ' ' <"$REPO/order.txt")
# lint and unit run in parallel, lint is quicker: the order is fully determined.
check_eq "$order" "setup lint unit package publish " "order in which jobs ran"
check_before "[setup] ✓ job success" "[lint] started"
check_before "[setup] ✓ job success" "[unit] started"
check_before "[unit] ✓ job success" "[package] started"
check_before "[lint] ✓ job success" "[package] started"
check_before "[package] ✓ job success" "[publish] started"
check_contains "5 actions: 5 succeeded, 0 failed"
if has_command show; then  # `sluice show` lists the jobs in the order they started
  sluice_cmd show 1
  check_rc 0 "sluice show 1"
  check_eq "$(grep -o '^job [a-z]*' <<<"$OUT" | tr '\n' ' ')" "job setup job lint job unit job package job publish " \
    "job order in \`sluice show\`"
  check_contains "5 actions: 5 succeeded, 0 failed" "sluice show 1"
fi

# --job package: package and its transitive needs, not publish.
rm -f "$REPO/order.txt"
sluice_run --jobs 4 --job package
check_rc 0 "--job package"
check_eq "$(sort "$REPO/order.txt" | tr '\n' ' ')" "lint package setup unit " "--job package ran"
check_lacks "[publish]" "--job package"
check_contains "4 actions: 4 succeeded, 0 failed" "--job package"

# --job on a job the workflow does not have: an error naming it, exit 2.
sluice_run --job nope
check_rc 2 "--job nope"
check_contains "no job 'nope'" "--job nope"

finish

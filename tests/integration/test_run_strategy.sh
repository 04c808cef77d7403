#!/usr/bin/env bash
# strategy: max-parallel limits concurrent matrix instances even with free job slots;
# fail-fast (default) cancels the sibling instances; fail-fast: false lets them finish.
source "$(dirname "$0")/lib.sh"
setup_repo strategy

# max-parallel: 1 — each instance takes a lock directory; overlap would make mkdir fail.
sluice_run --jobs 4 -w .github/workflows/max-parallel.yml
check_rc 0 "max-parallel"
check_eq "$(sort "$REPO/serial.txt" | tr '\n' ' ')" "n=1 n=2 n=3 " "max-parallel instances"
check_contains "3 actions: 3 succeeded, 0 failed" "max-parallel"

# fail-fast: the failing instance cancels the two sleeping ones (well before their 20 s sleep).
start=$SECONDS
sluice_run --jobs 4 -w .github/workflows/fail-fast.yml
check_rc 1 "fail-fast"
[ $((SECONDS - start)) -lt 10 ] || fail "fail-fast: run took $((SECONDS - start)) s, siblings not cancelled"
check_eq "$(job_status 'fast (1)')" failure "fail-fast: failing instance"
check_eq "$(job_status 'fast (2)')" cancelled "fail-fast: sibling 2"
check_eq "$(job_status 'fast (3)')" cancelled "fail-fast: sibling 3"
[ ! -e "$REPO/fast.txt" ] || fail "fail-fast: a cancelled sibling finished its step"
check_contains "0 succeeded, 1 failed, 0 timed out, 2 cancelled" "fail-fast summary"

# fail-fast: false — the others run to the end and succeed; the run still fails.
sluice_run --jobs 4 -w .github/workflows/no-fail-fast.yml
check_rc 1 "no-fail-fast"
check_eq "$(job_status 'slow (1)')" failure "no-fail-fast: failing instance"
check_eq "$(job_status 'slow (2)')" success "no-fail-fast: sibling 2"
check_eq "$(job_status 'slow (3)')" success "no-fail-fast: sibling 3"
check_eq "$(sort "$REPO/slow.txt" 2>/dev/null | tr '\n' ' ')" "n=2 finished n=3 finished " "no-fail-fast: siblings finished"

finish

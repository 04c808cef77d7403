#!/usr/bin/env bash
# Real-workflow corpus check (issue 9 §5): how many real workflow files from popular
# repositories sluice validates, plans and runs end to end, and why the others do not.
#
# Usage: bench/corpus_check.sh CORPUS_DIR SLUICE_BIN [options]
#   --timeout S     per-file limit for `sluice run` (default 60)
#   --mirror DIR    local action mirror: bare repositories DIR/OWNER/REPO[.git] for
#                   --action-source file://DIR, or DIR/OWNER/REPO/REF for --actions-dir
#                   (default: an empty directory, so every remote action is "missing")
#   --only GLOB     check only the corpus files matching GLOB
#   --keep DIR      keep the scratch repositories and logs in DIR
#
# CORPUS_DIR holds third-party files named OWNER__REPO__NAME.yml and, optionally, a
# SOURCES.md table `| file | OWNER/REPO | path | commit |` giving each file's original
# path (default .github/workflows/NAME.yml). The files are reference data: never commit
# them. Each file is put alone in a scratch git repository (branch main, origin
# https://github.com/OWNER/REPO.git, never contacted) with the reusable workflows of the
# same repository it calls through `uses: ./.github/workflows/...`, then:
#   1. `sluice validate FILE`;
#   2. `sluice plan --json` for the first of push (branch main, then master),
#      pull_request (main, then master) and workflow_dispatch that triggers it;
#   3. `sluice run -w FILE --event E` offline with a timeout, inside a bubblewrap sandbox
#      (read-only root, no network namespace but loopback, HOME in the scratch dir): the
#      steps are third-party shell code run as root, so they must not reach the machine
#      or the internet.
# Files that only declare `workflow_call` are checked through their caller and are not
# counted. Prints a Markdown table and the totals; exit 0 (the figure is the result).
set -uo pipefail

die() { echo "corpus_check: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: bench/corpus_check.sh CORPUS_DIR SLUICE_BIN [--timeout S] [--mirror DIR] [--only GLOB] [--keep DIR]"
corpus=$(cd "$1" && pwd) || die "no corpus dir $1"
sluice=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -x "$sluice" ] || die "no sluice binary at $2"
shift 2
timeout_s=60 mirror="" only="*" keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_s=$2; shift 2 ;;
    --mirror) mirror=$(cd "$2" && pwd) || die "no mirror dir $2"; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
for tool in bwrap jq git timeout; do
  command -v "$tool" >/dev/null || die "needs $tool (Debian: apt-get install -y bubblewrap jq git coreutils)"
done

if [ -n "$keep" ]; then
  mkdir -p "$keep" && work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
fi
if [ -z "$mirror" ]; then
  mirror=$work/empty-mirror
  mkdir -p "$mirror"
fi

# Offline flags as main has them: --offline and --action-source (issue 9 §1) when the binary
# knows them, else --actions-dir (the only source sluice had before; it downloads nothing).
run_help=$("$sluice" run --help 2>&1)
source_flags=()
if grep -q -- '--action-source' <<<"$run_help"; then
  source_flags+=(--action-source "file://$mirror")
fi
if grep -q -- '--offline' <<<"$run_help" && [ "$mirror" = "$work/empty-mirror" ]; then
  # Nothing to fetch from: only what the cache (empty in the scratch HOME) holds.
  source_flags=(--offline)
fi
if [ ${#source_flags[@]} -eq 0 ]; then
  source_flags=(--actions-dir "$mirror")
fi
# `sluice plan` fetches remote reusable workflows too (issue 9 §1): same sources, no network.
plan_flags=()
if grep -q -- '--action-source' <<<"$("$sluice" plan --help 2>&1)"; then
  plan_flags=("${source_flags[@]}")
fi

# A container engine's state must be writable for container jobs to start (podman: its
# storage and runtime dirs). Images cannot be pulled (no network): only local ones run.
engine_binds=()
command -v podman >/dev/null && mkdir -p /var/cache/containers  # podman creates it at first use
for d in /var/lib/containers /var/cache/containers /run/containers /run/libpod /run/netns \
  /etc/containers/networks; do
  [ -d "$d" ] && engine_binds+=(--bind "$d" "$d")
done

original_path() { # corpus file name -> path inside its repository
  local base=$1 row
  row=$(grep -F "| $base |" "$corpus/SOURCES.md" 2>/dev/null | head -1)
  if [ -n "$row" ]; then
    awk -F'|' '{gsub(/^ +| +$/, "", $4); print $4}' <<<"$row"
  else
    echo ".github/workflows/${base#*__*__}"
  fi
}

# Local reusable workflows a file calls, found in the corpus under the same OWNER__REPO.
callees() { # file -> corpus files, transitively
  local file=$1 prefix=$2 seen=" " queue=("$1") f name
  while [ ${#queue[@]} -gt 0 ]; do
    f=${queue[0]}; queue=("${queue[@]:1}")
    for name in $(grep -oE 'uses: *\./\.github/workflows/[^ @#]+' "$f" | sed 's#.*/##'); do
      local c="$corpus/${prefix}__${name%.y*ml}.yml"
      [ -f "$c" ] || continue
      case "$seen" in *" $c "*) continue ;; esac
      seen="$seen$c "
      queue+=("$c")
      echo "$c"
    done
  done
}

# Shortens a message for a table cell.
cell() { tr '\n|' ' /' | sed -e 's/  */ /g' -e 's/^ //' | cut -c1-"${2:-160}"; }

rows=()
n=0 n_valid=0 n_plan=0 n_ok=0 n_no_action=0
declare -A cause_count=()
called_only=()

for file in "$corpus"/$only; do
  [ -f "$file" ] || continue
  case "$file" in *.yml) ;; *) continue ;; esac
  base=$(basename "$file")
  owner=${base%%__*}; rest=${base#*__}; repo_name=${rest%%__*}
  path=$(original_path "$base")
  scratch=$work/${base%.yml}
  rm -rf "$scratch"
  mkdir -p "$scratch/repo" "$scratch/home" "$scratch/data"
  repo=$scratch/repo
  git_() { GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$repo" -c user.name=corpus -c user.email=corpus@example.com "$@"; }
  git_ init -q -b main
  git_ remote add origin "https://github.com/$owner/$repo_name.git"
  mkdir -p "$repo/$(dirname "$path")"
  cp "$file" "$repo/$path"
  for c in $(callees "$file" "${owner}__${repo_name}"); do
    cpath=$(original_path "$(basename "$c")")
    mkdir -p "$repo/$(dirname "$cpath")"
    cp "$c" "$repo/$cpath"
  done
  git_ add -A
  git_ commit -q -m "corpus file $base"
  # Remote actions the file and its callees use (actions/checkout is built into sluice).
  used=$(cat "$file" $(callees "$file" "${owner}__${repo_name}") |
    grep -oE 'uses: *["'"'"']?[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@' | grep -v '/\.github/workflows/' |
    sed -E 's/uses: *["'"'"']?//; s/@$//' | grep -vxE 'actions/checkout|sluice/.*' | sort -u | wc -l)

  # 1. validate
  "$sluice" validate "$repo/$path" >"$scratch/validate.log" 2>&1
  vrc=$?
  if [ $vrc -eq 0 ]; then
    vcell="ok"
  else
    vcell="error: $(grep -m1 ': error: ' "$scratch/validate.log" | sed 's/^[^ ]*: error: //' | cell 120)"
  fi

  # 2. the event (and branch) that triggers the file
  event="" branch="" prc=0
  for candidate in push:main push:master pull_request:main pull_request:master workflow_dispatch:main; do
    ev=${candidate%%:*} br=${candidate#*:}
    (cd "$repo" && "$sluice" plan --event "$ev" --branch "$br" "${plan_flags[@]}" --json) >"$scratch/plan.json" 2>"$scratch/plan.err"
    prc=$?
    [ $prc -eq 0 ] || break
    if [ "$(jq --arg f "$path" '[.workflows[] | select(.file == $f and .triggered)] | length' "$scratch/plan.json")" != 0 ]; then
      event=$ev branch=$br
      break
    fi
  done
  if [ $prc -ne 0 ]; then
    pcell="error: $(grep -m1 'error' "$scratch/plan.err" | sed 's/^[^ ]*: error: //' | cell 120)"
    [ "$pcell" = "$vcell" ] && pcell="error (the same)"
  elif [ -z "$event" ]; then
    if grep -q 'workflow_call' "$file"; then
      called_only+=("$base")
      continue
    fi
    pcell="not triggered by push, pull_request or workflow_dispatch"
  else
    pcell=$(jq -r --arg f "$path" '.workflows[] | select(.file == $f) | .jobs
      | "\(length) jobs: \(map(select(.decision == "run")) | length) run, \(map(select(.decision == "skip")) | length) skip, \(map(select(.decision == "runtime")) | length) runtime"' "$scratch/plan.json")
  fi
  n=$((n + 1))
  [ "$used" -eq 0 ] && n_no_action=$((n_no_action + 1))
  [ $vrc -eq 0 ] && n_valid=$((n_valid + 1))
  [ $prc -eq 0 ] && [ -n "$event" ] && n_plan=$((n_plan + 1))

  # 3. run, offline, sandboxed
  rcell="-" cause="" detail=""
  if [ $vrc -ne 0 ]; then
    cause="validation error"
    detail=$vcell
  elif [ $prc -ne 0 ] || [ -z "$event" ]; then
    cause="plan error"
    detail=$pcell
  else
    [ "$branch" = main ] || git_ checkout -q -b "$branch"
    start=$(date +%s.%N)
    timeout --kill-after=10 "$timeout_s" bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /var/tmp \
      --bind "$scratch" "$scratch" --ro-bind "$mirror" "$mirror" "${engine_binds[@]}" \
      --unshare-net --unshare-pid --die-with-parent \
      --setenv HOME "$scratch/home" --chdir "$repo" \
      "$sluice" run -w "$path" --event "$event" "${source_flags[@]}" --data-dir "$scratch/data" \
      >"$scratch/run.log" 2>&1
    rrc=$?
    # Whatever the run left in the container engine (it should leave nothing, but a matrix
    # job's name with a comma broke the cleanup filter), found by sluice's data-dir label.
    if command -v podman >/dev/null; then
      podman ps -aq --filter "label=sluice.data-dir=$scratch/data" | xargs -r podman rm -f >/dev/null 2>&1
      podman network ls -q --filter "label=sluice.data-dir=$scratch/data" | xargs -r podman network rm >/dev/null 2>&1
    fi
    secs=$(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f')
    rcell="exit $rrc, ${secs}s"
    failed=$(grep -E '^\[[^]]*\] ✗ ' "$scratch/run.log" | grep -v '✗ job ' || true)
    # Before issue 9 §1: "action 'o/r@v' not found: no action.yml in DIR"; with --offline:
    # "action 'o/r@v' is not in the action cache (--offline)" (reusable workflows alike).
    missing=$(grep -oE "'[^' ]+@[^' ]+' (not found|is not in the action cache)" "$scratch/run.log" |
      grep -oE "[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[A-Za-z0-9_./-]+" | sort -u | tr '\n' ' ')
    succeeded=$(grep -oE '[0-9]+ succeeded' "$scratch/run.log" | tail -1 | cut -d' ' -f1)
    if [ $rrc -eq 0 ] && [ "${succeeded:-0}" = 0 ]; then
      cause="runs, but every job is skipped"
      detail=$(grep -E '^\[[^]]*\] − job skipped' "$scratch/run.log" | head -1 | sed 's/^\[[^]]*\] − //' | cell)
    elif [ $rrc -eq 0 ]; then
      cause="runs end to end"
      n_ok=$((n_ok + 1))
    elif [ $rrc -eq 124 ] || [ $rrc -eq 137 ]; then
      cause="timeout (${timeout_s}s)"
      # Jobs that started and never ended, with the last step each finished.
      detail=$(awk '/^\[[^]]*\] started$/ {j = substr($0, 2, index($0, "]") - 2); open[j] = "-"; next}
        /^\[[^]]*\] (✓|✗|⊘|−) job / {delete open[substr($0, 2, index($0, "]") - 2)]; next}
        /^\[[^]]*\] ✓ / {j = substr($0, 2, index($0, "]") - 2); if (j in open) {s = $0; sub(/^\[[^]]*\] ✓ /, "", s); sub(/ \([0-9.]+s\)$/, "", s); open[j] = s}}
        END {for (j in open) printf "%s (after: %s); ", j, open[j]}' "$scratch/run.log" | cell 200)
      detail="still running: $detail"
    elif [ -n "$missing" ]; then
      cause="needs actions not in the mirror"
      # sluice names the first missing action of each job; the file may use more.
      detail="$missing(the file uses $used remote actions)"
      images=$(grep -oE 'Trying to pull [^ ]+\.\.\.' "$scratch/run.log" | sed 's/Trying to pull //; s/\.\.\.$//' | sort -u | tr '\n' ' ')
      [ -z "$images" ] || detail="$detail; images not pullable offline: $images"
    elif [ $rrc -eq 2 ]; then
      cause="refused at run"
      detail=$(grep -m1 'error' "$scratch/run.log" | cell)
    elif grep -qE 'Trying to pull |pinging container registry' "$scratch/run.log"; then
      cause="needs container images (none can be pulled offline)"
      detail=$(grep -oE 'Trying to pull [^ ]+\.\.\.' "$scratch/run.log" | sed 's/Trying to pull //; s/\.\.\.$//' |
        sort -u | tr '\n' ' ')
    elif grep -qiE '(container|service|docker|podman)' <<<"$failed"; then
      cause="needs a container engine"
      detail=$(grep -iE '(container|service|docker|podman)' <<<"$failed" | head -1 | sed 's/^\[[^]]*\] ✗ //' | cell)
    else
      cause="fails at run time"
      first=$(head -1 <<<"$failed")
      job=$(sed -E 's/^\[([^]]*)\].*/\1/' <<<"$first")
      # The failing step's last log line (sluice prints its tail as "    | ...").
      why=$(awk -v j="[$job]" 'index($0, j " ✗ ") == 1 {grab = 1; next} grab && /^    \| / {last = $0} grab && !/^    \| / {if (last != "") exit} END {print last}' "$scratch/run.log" | sed -E 's/^    \| //; s#[^ ]*/step-[0-9]+/step(\.[a-z]+)?: ##')
      detail="$(sed 's/^\[[^]]*\] ✗ //' <<<"$first" | cell 90) — $(cell 110 <<<"$why")"
    fi
  fi
  cause_count[$cause]=$(( ${cause_count[$cause]:-0} + 1 ))
  rows+=("| $base | ${event:--}${branch:+ ($branch)} | $vcell | $pcell | $rcell | $cause | $(cell 220 <<<"$detail") |")
done

echo "sluice: $("$sluice" version 2>&1 | head -1); run flags: ${source_flags[*]/$work/<scratch>}; timeout ${timeout_s}s"
echo
echo "| file | event | validate | plan | run | result | detail |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "Files: $n (workflow_call only, checked through their callers: ${#called_only[@]}${called_only:+: ${called_only[*]}})"
echo "Validate: $n_valid/$n, plan: $n_plan/$n, run end to end offline: $n_ok/$n; files using no remote action: $n_no_action/$n"
for cause in "${!cause_count[@]}"; do
  echo "- $cause: ${cause_count[$cause]}"
done | sort

# Shared by the tests of container jobs on a remote agent (sourced after lib.sh,
# serve_lib.sh and container_lib.sh): one `sluice agent` (work dir $FAR, label `remote`,
# name `far`) beside `sluice serve`, and what the agent leaves on the engine, found by its
# work-dir label. Whatever a test leaves (a failed check) is removed when it exits.
AGENT_PID=""
FAR=$WORK/far
kill_agent() {
  [ -n "$AGENT_PID" ] && {
    kill -TERM "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
  }
  AGENT_PID=""
}
agent_leftovers() {  # the agent's containers and networks
  "$ENGINE" ps -a -q --filter "label=sluice.data-dir=$FAR"
  "$ENGINE" network ls -q --filter "label=sluice.data-dir=$FAR"
}
remove_agent_leftovers() {
  "$ENGINE" rm -f -t 0 $("$ENGINE" ps -a -q --filter "label=sluice.data-dir=$FAR") >/dev/null 2>&1 || true
  "$ENGINE" network rm -f $("$ENGINE" network ls -q --filter "label=sluice.data-dir=$FAR") >/dev/null 2>&1 || true
}
trap 'kill_agent; kill_serve; remove_agent_leftovers; rm -rf "$WORK"' EXIT
# run_containers RUN: the agent's containers of that run.
run_containers() { "$ENGINE" ps -a -q --filter "label=sluice.data-dir=$FAR" --filter "label=sluice.run=$1"; }

# commit_app: $WORK/app (its workflows written by the test) as a git repository.
commit_app() {
  git -C "$WORK/app" init -q -b main
  git -C "$WORK/app" -c user.email=t@e -c user.name=t add -A
  git -C "$WORK/app" -c user.email=t@e -c user.name=t commit -qm init
}
# start_controller_and_agent: serve with the project `app` (leases of 2 s), then the agent.
start_controller_and_agent() {
  SLUICE_AGENT_LEASE_TTL_MS=2000 start_serve --project "app=$WORK/app"
  AGENT_TOKEN=$("$SLUICE" token create --role agent --data-dir "$DATA")
  start_agent
}
# $AGENT_AS: a command that runs the agent as another user (its argument: the command), with
# the binary $AGENT_SLUICE and more options $AGENT_OPTIONS (test_serve_agents_rootless.sh).
start_agent() {
  ${AGENT_AS:-} "${AGENT_SLUICE:-$SLUICE}" agent --server "$URL" --token "$AGENT_TOKEN" --labels remote --name far \
    --work-dir "$FAR" ${AGENT_OPTIONS:-} >>"$WORK/far.log" 2>&1 &
  AGENT_PID=$!
}
# dispatch WORKFLOW: sets RUN.
dispatch() {
  api POST "/api/v1/projects/app/workflows/$1/dispatch"
  RUN=$(field run_ids.0)
}
log_of() { api GET "/api/v1/runs/$RUN/logs/$1"; OUT=$BODY; }  # log_of JOB: into OUT
# wait_for COMMAND...: until it prints something, at most 20 s.
wait_for() {
  for _ in $(seq 1 200); do [ -n "$("$@")" ] && return 0; sleep 0.1; done
  return 1
}
gone() { [ -z "$("$@")" ] && echo gone; }  # gone COMMAND...: when it prints nothing

# Workflow parts (after container_lib.sh, for $IMAGE). DB_SERVICE: a job's `services:` with
# `db`, the image's TCP server answering pong-from-db, health-checked.
DB_SERVICE="    services:
      db:
        image: $IMAGE
        env:
          REPLY: pong-from-db
        options: >-
          --entrypoint sluice-pong
          --health-cmd \"bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'\"
          --health-interval 1s --health-retries 20"
# write_sleeping_workflow [COMMAND]: sleeps.yml, a container job on the agent that runs
# COMMAND first (when given), then sleeps 60 s.
write_sleeping_workflow() {
  cat >"$WORK/app/.github/workflows/sleeps.yml" <<YAML
on: workflow_dispatch
jobs:
  far:
    runs-on: [self-hosted, remote]
    container:
      image: $IMAGE
    steps:${1:+
      - run: $1}
      - run: sleep 60
YAML
}

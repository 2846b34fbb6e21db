# shellcheck shell=bash
# Shell helpers shared by tools/bench/run, e2e, drain and footprint (sourced).
# The caller sets kStopTimeoutSeconds and keeps its servers' pids in pids;
# the suite helpers below also read ROOT, WORK, PKI and build_dir.

die() { echo "bench: $*" >&2; exit 1; }

# The benches measure capacity, not the per-agency rate limits (README "Rate
# limits"): their one client agency gets buckets it cannot empty.
readonly bench_rate_limits='{"writes": {"perSecond": 1000000, "burst": 1000000}, "reads": {"perSecond": 1000000, "burst": 1000000}}'
# start_service waits this many times 0.1 s for "server.started".
readonly kServiceReadyAttempts=100

# A free loopback port, chosen by the OS.
free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# SIGTERM to every server in pids, SIGKILL after kStopTimeoutSeconds.
stop_servers() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq $(( kStopTimeoutSeconds * 10 ))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "bench: pid $pid ignored SIGTERM; killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

# The bench suite's ports (web-svc's API port is its HTTPS port), set by
# write_suite_configs.
declare -A API_PORT=() HEALTH_PORT=() METRICS_PORT=()

# write_suite_configs [web]: the configurations of notify-svc,
# allocation-svc, triage-svc and intake-svc (each relaying to the next), and
# of web-svc with "web", in $WORK (tools/suite-config: the suite's one
# description) on free loopback ports: the development certificates in
# $PKI, the key ring $WORK/keys.json, SQLite in $WORK, bench_rate_limits.
write_suite_configs() {
  local services=notify-svc,allocation-svc,triage-svc,intake-svc
  [ "${1:-}" = web ] && services+=,web-svc
  "$ROOT/tools/suite-config" "$WORK" --services="$services" --ports=free \
    --pki="$PKI" --keys="$WORK/keys.json" --grace=10 \
    --assets="$build_dir/web-svc/assets" \
    --set="grpc:server.rateLimits=$bench_rate_limits" ||
    die "tools/suite-config failed"
  # shellcheck source=/dev/null
  . "$WORK/ports.sh"
}

# launch_service NAME: starts $build_dir/NAME/NAME with $WORK/NAME.json (log
# $WORK/NAME.log) in the background, adds it to pids and sets last_pid.
launch_service() {
  local name=$1
  "$build_dir/$name/$name" --config="$WORK/$name.json" >>"$WORK/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# await_started NAME PID: waits (bounded) for the service's "server.started"
# log line; dies when it exits or does not start.
await_started() {
  local name=$1 pid=$2 log="$WORK/$1.log"
  for _ in $(seq "$kServiceReadyAttempts"); do
    grep -q '"event":"server.started"' "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; die "$name exited"; }
    sleep 0.1
  done
  die "$name not ready; see $log"
}

# start_service NAME: launch_service, then await_started.
start_service() {
  launch_service "$1"
  await_started "$1" "$last_pid"
}

# start_echo_server: frontdoor-echo-server on a free loopback port with
# intake-svc's certificate; sets echo_port.
start_echo_server() {
  "$build_dir/tools/bench/frontdoor-echo-server" --address=127.0.0.1:0 \
    --ca="$PKI/ca.pem" --cert="$PKI/intake-svc.pem" --key="$PKI/intake-svc.key" \
    >"$WORK/echo.out" 2>"$WORK/echo.log" &
  pids+=("$!")
  echo_port=""
  for _ in $(seq "$kServiceReadyAttempts"); do
    echo_port=$(awk '$1 == "PORT" {print $2}' "$WORK/echo.out")
    [ -n "$echo_port" ] && return 0
    sleep 0.1
  done
  die "echo server printed no PORT"
}

# make_pki_and_keys: development certificates in $WORK/pki (sets PKI) and a
# key ring in $WORK/keys.json.
make_pki_and_keys() {
  PKI="$WORK/pki"
  "$ROOT/tools/dev-pki" "$PKI" >/dev/null || die "tools/dev-pki failed"
  (umask 077; "$build_dir/common/crypto/frontdoor-keygen" > "$WORK/keys.json") ||
    die "frontdoor-keygen failed"
}

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

# The bench suite: each service's ports, chosen by write_suite_configs.
declare -A API_PORT=() HEALTH_PORT=() METRICS_PORT=()

# write_service_config NAME EXTRA_JSON: writes $WORK/NAME.json for one of
# intake-svc, triage-svc, allocation-svc and notify-svc: loopback ports of
# API_PORT etc., the development certificates in $PKI, SQLite in $WORK,
# bench_rate_limits, the project's configuration files.
write_service_config() {
  local name=$1 extra=$2
  cat > "$WORK/$name.json" <<JSON
{
  "server": {
    "apiAddress": "127.0.0.1:${API_PORT[$name]}",
    "healthAddress": "127.0.0.1:${HEALTH_PORT[$name]}",
    "metricsAddress": "127.0.0.1:${METRICS_PORT[$name]}",
    "tls": {"caFile": "$PKI/ca.pem", "certFile": "$PKI/$name.pem",
            "keyFile": "$PKI/$name.key"},
    "shutdownGraceSeconds": 10,
    "rateLimits": $bench_rate_limits
  },
  "store": {"sqlitePath": "$WORK/$name.db"},
  "agencyRegistryFile": "$ROOT/config/agencies.json",
  "keyRingFile": "$WORK/keys.json",
  $extra
}
JSON
}

# write_suite_configs [web]: free loopback ports for every service (and
# web-svc with "web"), and the configurations of notify-svc,
# allocation-svc, triage-svc and intake-svc (each relaying to the next) and
# of web-svc, in $WORK.
write_suite_configs() {
  local svc services=(notify-svc allocation-svc triage-svc intake-svc)
  [ "${1:-}" = web ] && services+=(web-svc)
  for svc in "${services[@]}"; do
    API_PORT[$svc]=$(free_port); HEALTH_PORT[$svc]=$(free_port)
    METRICS_PORT[$svc]=$(free_port)
  done
  write_service_config notify-svc "\"rulesFile\": \"$ROOT/config/notify-rules.json\""
  write_service_config allocation-svc "\"catalogueFile\": \"$ROOT/config/catalogue.json\",
  \"settingsFile\": \"$ROOT/config/allocation-settings.json\",
  \"districtsFile\": \"$ROOT/config/districts.json\",
  \"notify\": {\"target\": \"localhost:${API_PORT[notify-svc]}\"}"
  write_service_config triage-svc "\"rulesFile\": \"$ROOT/config/triage-rules.json\",
  \"allocation\": {\"target\": \"localhost:${API_PORT[allocation-svc]}\"},
  \"notify\": {\"target\": \"localhost:${API_PORT[notify-svc]}\"}"
  write_service_config intake-svc "\"districtsFile\": \"$ROOT/config/districts.json\",
  \"triage\": {\"target\": \"localhost:${API_PORT[triage-svc]}\"},
  \"notify\": {\"target\": \"localhost:${API_PORT[notify-svc]}\"}"
  [ "${1:-}" = web ] || return 0
  # web-svc: HTTPS on its API port, its own identity towards the services.
  cat > "$WORK/web-svc.json" <<JSON
{
  "httpsAddress": "127.0.0.1:${API_PORT[web-svc]}",
  "publicTls": {"certFile": "$PKI/web-svc.pem", "keyFile": "$PKI/web-svc.key"},
  "healthAddress": "127.0.0.1:${HEALTH_PORT[web-svc]}",
  "metricsAddress": "127.0.0.1:${METRICS_PORT[web-svc]}",
  "serviceTls": {"caFile": "$PKI/ca.pem", "certFile": "$PKI/web-svc.pem",
                 "keyFile": "$PKI/web-svc.key"},
  "intake": {"target": "localhost:${API_PORT[intake-svc]}"},
  "triage": {"target": "localhost:${API_PORT[triage-svc]}"},
  "allocation": {"target": "localhost:${API_PORT[allocation-svc]}"},
  "notify": {"target": "localhost:${API_PORT[notify-svc]}"},
  "store": {"sqlitePath": "$WORK/web-svc.db"},
  "keyRingFile": "$WORK/keys.json",
  "shutdownGraceSeconds": 10,
  "assetsDir": "$build_dir/web-svc/assets",
  "professionalEmailDomains": ["staffordshire.police.uk", "nhs.net"],
  "districtsFile": "$ROOT/config/districts.json",
  "catalogueFile": "$ROOT/config/catalogue.json"
}
JSON
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

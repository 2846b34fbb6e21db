# Shell helpers shared by tools/bench/run and tools/bench/e2e (sourced).
# The caller sets kStopTimeoutSeconds and keeps its servers' pids in pids.

die() { echo "bench: $*" >&2; exit 1; }

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

# shellcheck shell=bash
# One real intake-svc process for an e2e script: sourced after store.sh and
# store_init, with BUILD, SRC and WORK set. Defines fail, free_port, the
# development PKI, a key ring and the service's config in $WORK (from the
# suite's one description, suite.sh; API, HEALTH and METRICS its ports), then
# intake_start (starts it, PID set, log in $WORK/svc.log, waits for
# server.started) and ctl (the real frontdoorctl against it).

fail() { echo "FAIL: $*" >&2; [ -f "$WORK/svc.log" ] && tail -20 "$WORK/svc.log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Bounded start-up wait: polls, and seconds each.
readonly kStartPolls=200
readonly kStartPollSeconds=0.05

"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"
# shellcheck source=suite.sh
source "$(dirname "${BASH_SOURCE[0]}")/suite.sh"
suite_configs intake-svc --set="intake-svc:store=$(store_value intake)"
API=${API_PORT[intake-svc]}
HEALTH=${HEALTH_PORT[intake-svc]}
METRICS=${METRICS_PORT[intake-svc]}

intake_start() {
  : > "$WORK/svc.log"
  "$BUILD/intake-svc/intake-svc" --config="$WORK/intake-svc.json" >>"$WORK/svc.log" 2>&1 &
  PID=$!
  for _ in $(seq $kStartPolls); do
    grep -q '"event":"server.started"' "$WORK/svc.log" && return 0
    kill -0 "$PID" 2>/dev/null || fail "intake-svc exited at start-up"
    sleep $kStartPollSeconds
  done
  fail "intake-svc did not start"
}

ctl() {
  FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
    --target="localhost:$API" --actor="E2E Tester" "$@"
}

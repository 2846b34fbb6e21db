# shellcheck shell=bash
# One real intake-svc process for an e2e script: sourced after store.sh and
# store_init, with BUILD, SRC and WORK set. Defines fail, free_port, the
# development PKI, a key ring and the service's config in $WORK, then
# intake_start (starts it, PID set, log in $WORK/svc.log, waits for
# server.started) and ctl (the real frontdoorctl against it).

fail() { echo "FAIL: $*" >&2; [ -f "$WORK/svc.log" ] && tail -20 "$WORK/svc.log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Bounded start-up wait: polls, and seconds each.
readonly kStartPolls=200
readonly kStartPollSeconds=0.05

"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"
API=$(free_port); HEALTH=$(free_port); METRICS=$(free_port)
cat > "$WORK/intake.json" <<JSON
{"server": {"apiAddress": "127.0.0.1:$API", "healthAddress": "127.0.0.1:$HEALTH",
  "metricsAddress": "127.0.0.1:$METRICS",
  "tls": {"caFile": "$WORK/pki/ca.pem", "certFile": "$WORK/pki/intake-svc.pem",
          "keyFile": "$WORK/pki/intake-svc.key"},
  "shutdownGraceSeconds": 5},
 $(store_json intake),
 "agencyRegistryFile": "$SRC/config/agencies.json",
 "districtsFile": "$SRC/config/districts.json",
 "keyRingFile": "$WORK/keys.json"}
JSON

intake_start() {
  : > "$WORK/svc.log"
  "$BUILD/intake-svc/intake-svc" --config="$WORK/intake.json" >>"$WORK/svc.log" 2>&1 &
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

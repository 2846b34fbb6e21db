#!/usr/bin/env bash
# End to end: a partner's first calls in Python (examples/python), as a
# partner's developer would run them. Real intake-svc, triage-svc,
# allocation-svc and notify-svc processes on SQLite over mTLS; the examples'
# stubs generated from the project's protos (examples/python/generate), run
# with Debian's python3-grpcio and the test CA's agency certificates:
#   1. the police hub holds its notification stream (hold_notifications.py);
#      notify-svc is stopped and started again under it: the example
#      reconnects with back-off;
#   2. the police submit a 14-yes DASH (submit_referral.py): it prints a
#      reference that intake-svc then knows (frontdoorctl get); the same
#      idempotency key again gives the same reference;
#   3. the hub's stream receives the MARAC alert for that reference and
#      acknowledges it: notify-svc counts nothing unacknowledged for the hub,
#      and the example kept the position it acknowledged;
#   4. a referral without the subject's date of birth is refused, the
#      example printing the field violation naming
#      referral.subject.date_of_birth (exit 2);
#   5. an agency over its write limit: the example waits RetryInfo's delay
#      and the referral is received;
#   6. the hub's example, started again from its position file while a
#      second alert waits, resumes after the first: it receives only the
#      second;
#   7. an agency that neither refers nor receives is refused the stream
#      (PERMISSION_DENIED): the example stops, exit 1.
# Usage: python_examples.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skipped) only when python3-grpcio is not installed.
set -euo pipefail
BUILD=$1
SRC=$2
# Debian's interpreter, where python3-grpcio installs (another python3 may
# come first on PATH).
readonly kPython=${FRONTDOOR_PYTHON:-/usr/bin/python3}
if ! "$kPython" -c 'import grpc' 2>/dev/null; then
  echo "SKIP: $kPython cannot import grpc (Debian package 'python3-grpcio', tools/deps)" >&2
  exit 77
fi
# $WORK, PIDS and their clean-up on exit (workdir.sh).
# shellcheck source=workdir.sh
source "$(dirname "$0")/workdir.sh"

readonly kExamples="$SRC/examples/python"
readonly kWaitSeconds=60
readonly kReferrer=staffs-police
readonly kHub=staffs-police-hub           # receives MARAC alerts by stream
# An agency allowed one write, then one every 1/kLimitedRate seconds: its
# second submission is refused RESOURCE_EXHAUSTED with RetryInfo.
readonly kLimitedAgency=uhnm-health
readonly kLimitedRate=0.1


"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"
"$kExamples/generate" "$WORK/gen" 2>"$WORK/generate.log" || fail "examples/python/generate failed"

# The four services, each relaying to the next (the suite's one
# description, suite.sh); the limited agency's write bucket set on intake.
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs intake-svc,triage-svc,allocation-svc,notify-svc \
  "--set=intake-svc:server.rateLimits={\"agencies\": [{\"agencyId\": \"$kLimitedAgency\", \"writes\": {\"perSecond\": $kLimitedRate, \"burst\": 1}}]}"
declare -A API METRICS
for svc in intake-svc triage-svc allocation-svc notify-svc; do
  API[$svc]=${API_PORT[$svc]}; METRICS[$svc]=${METRICS_PORT[$svc]}
done

# shellcheck source=processes.sh
source "$(dirname "$0")/processes.sh"

# The examples, as a partner runs them: its own key and certificate, the
# suite's CA.
example() {  # SCRIPT AGENCY ARGS...
  local script=$1 agency=$2
  shift 2
  PYTHONPATH="$WORK/gen" "$kPython" "$kExamples/$script" \
    --ca "$WORK/pki/ca.pem" --cert "$WORK/pki/$agency.pem" --key "$WORK/pki/$agency.key" "$@"
}
submit() {  # AGENCY KEY FILE (stdout: the example's output)
  example submit_referral.py "$1" --target "localhost:${API[intake-svc]}" \
    --actor "Partner Developer" --idempotency-key "$2" "$3"
}
reference_in() { sed -n 's/^reference: \(FD-[0-9A-Z]*\)$/\1/p' "$1"; }
hold() {  # OUT ARGS...: the hub's stream example in the background (its
          # own process, not a subshell, so that signals reach it)
  local out=$1
  shift
  PYTHONPATH="$WORK/gen" "$kPython" "$kExamples/hold_notifications.py" \
    --ca "$WORK/pki/ca.pem" --cert "$WORK/pki/$kHub.pem" --key "$WORK/pki/$kHub.key" \
    --target "localhost:${API[notify-svc]}" \
    --actor "Hub Duty Officer" --position-file "$WORK/hub.position" \
    --give-up-after "$kWaitSeconds" --initial-backoff 0.2 --max-backoff 2 "$@" \
    >"$out" 2>>"$WORK/hold.log" &
  PIDS[hold]=$!
}
ctl() {  # AGENCY ARGS...
  local as=$1
  shift
  FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
    --actor="E2E Tester" --as="$as" --target="localhost:${API[intake-svc]}" "$@"
}
# notify_metric and await_metric (metrics.sh).
# shellcheck source=metrics.sh
source "$(dirname "$0")/metrics.sh"
# await_line FILE PATTERN WHAT: a line of FILE matches the extended regex.
await_line() {
  local deadline=$((SECONDS + kWaitSeconds))
  until grep -Eq "$2" "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$3: no line matching '$2' in $1 within $kWaitSeconds s"
    sleep 0.2
  done
}
# stop_hold: SIGTERM to the stream example, which must exit 0.
stop_hold() {
  kill -TERM "${PIDS[hold]}"
  wait "${PIDS[hold]}" || fail "hold_notifications.py did not exit 0 on SIGTERM"
  unset 'PIDS[hold]'
}

for svc in notify-svc allocation-svc triage-svc intake-svc; do start "$svc"; done
readonly kOpen="frontdoor_notify_open_subscriptions{recipient=\"$kHub\"}"
readonly kUnacked="frontdoor_notify_undelivered{recipient=\"$kHub\"}"

# 1. The hub holds its stream; notify-svc restarts under it.
hold "$WORK/hold-1.out"
await_metric "$kOpen" 1.0 "the hub's stream"
kill -TERM "${PIDS[notify-svc]}"
wait "${PIDS[notify-svc]}" || fail "notify-svc did not stop cleanly on SIGTERM"
start notify-svc 2
await_line "$WORK/hold.log" 'stream ended UNAVAILABLE.*reconnecting in' \
  "the stream example after notify-svc stopped"
await_metric "$kOpen" 1.0 "the hub's stream after notify-svc restarted"
echo "e2e: the hub's stream example reconnected after notify-svc restarted"

# 2. A high-risk referral: the example prints its reference; intake knows it.
submit "$kReferrer" py-high-1 "$SRC/tools/examples/high-risk-dash.json" \
  >"$WORK/submit-1.out" || fail "submit_referral.py did not receive the referral"
ref=$(reference_in "$WORK/submit-1.out")
[ -n "$ref" ] || fail "submit_referral.py printed no reference"
grep -qx "status: REFERRAL_STATUS_ACCEPTED" "$WORK/submit-1.out" || fail "$ref not accepted"
ctl "$kReferrer" get "$ref" >"$WORK/get.out" 2>&1 || fail "intake-svc does not know $ref"
grep -q "\"reference\": *\"$ref\"" "$WORK/get.out" || fail "frontdoorctl get $ref: no such reference"
submit "$kReferrer" py-high-1 "$SRC/tools/examples/high-risk-dash.json" >"$WORK/submit-again.out" ||
  fail "submit_referral.py: the same key again was not answered"
[ "$(reference_in "$WORK/submit-again.out")" = "$ref" ] ||
  fail "the same idempotency key gave another reference: $(reference_in "$WORK/submit-again.out")"
echo "e2e: submit_referral.py: $ref accepted, known to intake-svc, same receipt for the same key"

# 3. The hub's stream receives the MARAC alert and acknowledges it.
await_line "$WORK/hold-1.out" "\"body\": \"marac_alert\", \"reference\": \"$ref\"" \
  "the MARAC alert for $ref on the hub's stream"
position=$("$kPython" -c 'import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["body"] == "marac_alert" and d["reference"] == sys.argv[2]:
        print(d["position"])' "$WORK/hold-1.out" "$ref")
await_line "$WORK/hold.log" "acknowledged position $position\$" "the hub's Ack of position $position"
await_metric "$kUnacked" 0.0 "the hub's acknowledgement"
stop_hold
[ "$(cat "$WORK/hub.position")" = "$position" ] ||
  fail "the position file holds '$(cat "$WORK/hub.position")', not $position"
echo "e2e: hold_notifications.py: the MARAC alert for $ref at position $position, acknowledged"

# 4. A referral missing a required field: the violation names the field.
"$kPython" - "$SRC/tools/examples/high-risk-dash.json" "$WORK/no-dob.json" <<'PY'
import json, sys
referral = json.load(open(sys.argv[1]))
del referral["subject"]["dateOfBirth"]
json.dump(referral, open(sys.argv[2], "w"))
PY
status=0
submit "$kReferrer" py-bad-1 "$WORK/no-dob.json" >"$WORK/submit-bad.out" || status=$?
[ "$status" = 2 ] || fail "submit_referral.py exited $status for a referral without a date of birth, not 2"
grep -q "^refused: INVALID_ARGUMENT" "$WORK/submit-bad.out" || fail "no INVALID_ARGUMENT printed"
grep -Eq "^  referral\.subject\.date_of_birth: .+" "$WORK/submit-bad.out" ||
  fail "no field violation naming referral.subject.date_of_birth printed"
echo "e2e: submit_referral.py printed the field violation for referral.subject.date_of_birth"

# 5. Over the write limit: refused RESOURCE_EXHAUSTED, retried after the delay.
submit "$kLimitedAgency" py-limited-1 "$SRC/tools/examples/adult-victim.json" \
  >"$WORK/submit-limited-1.out" || fail "$kLimitedAgency's first referral not received"
submit "$kLimitedAgency" py-limited-2 "$SRC/tools/examples/adult-victim.json" \
  >"$WORK/submit-limited-2.out" 2>"$WORK/submit-limited-2.log" ||
  fail "$kLimitedAgency's second referral not received after the rate limit's delay"
grep -q "^submit_referral: RESOURCE_EXHAUSTED (rate limit): retrying after" "$WORK/submit-limited-2.log" ||
  fail "the second referral of $kLimitedAgency was not refused for its rate limit first"
[ -n "$(reference_in "$WORK/submit-limited-2.out")" ] || fail "no reference after the retry"
echo "e2e: submit_referral.py waited out RESOURCE_EXHAUSTED's retry delay"

# 6. Resuming: a second alert waits; the example, started again, receives
#    it and not the one it acknowledged.
submit "$kReferrer" py-high-2 "$SRC/tools/examples/high-risk-dash.json" \
  >"$WORK/submit-2.out" || fail "the second high-risk referral was not received"
ref2=$(reference_in "$WORK/submit-2.out")
[ -n "$ref2" ] || fail "no reference for the second high-risk referral"
hold "$WORK/hold-2.out" --until-reference "$ref2"
wait "${PIDS[hold]}" || fail "hold_notifications.py --until-reference $ref2 did not exit 0"
unset 'PIDS[hold]'
grep -q "\"body\": \"marac_alert\", \"reference\": \"$ref2\"" "$WORK/hold-2.out" ||
  fail "no MARAC alert for $ref2 after resuming"
! grep -q "\"reference\": \"$ref\"" "$WORK/hold-2.out" ||
  fail "the resumed stream delivered $ref's alert again"
echo "e2e: hold_notifications.py resumed after position $position: $ref2's alert only"

# 7. An agency that neither refers nor receives is refused the stream: the
#    example stops (exit 1) instead of reconnecting.
status=0
example hold_notifications.py frontdoor-operations --target "localhost:${API[notify-svc]}" \
  --actor "Operator" --give-up-after "$kWaitSeconds" >/dev/null 2>"$WORK/hold-refused.log" || status=$?
[ "$status" = 1 ] || fail "hold_notifications.py as frontdoor-operations exited $status, not 1"
grep -q "^hold_notifications: refused: PERMISSION_DENIED" "$WORK/hold-refused.log" ||
  fail "hold_notifications.py as frontdoor-operations: no PERMISSION_DENIED printed"
echo "e2e: hold_notifications.py stopped on PERMISSION_DENIED for frontdoor-operations"

for name in intake-svc triage-svc allocation-svc notify-svc; do kill -TERM "${PIDS[$name]}"; done
for name in intake-svc triage-svc allocation-svc notify-svc; do
  wait "${PIDS[$name]}" || fail "$name: unclean stop"
  unset "PIDS[$name]"
done
echo "e2e: ok (the Python examples submitted, were told the field at fault, waited out a rate limit, held, resumed and acknowledged the hub's stream)"

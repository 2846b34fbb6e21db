#!/usr/bin/env bash
# End to end: one referral keeps one trace id through the four services'
# logs. Real intake-svc, triage-svc, allocation-svc and notify-svc processes
# on SQLite over mTLS (the test CA's certificates):
#   1. the police submit a 14-yes DASH with a known traceparent (Python,
#      Debian's python3-grpcio, the stubs of examples/python/generate);
#   2. wait (bounded) until notify-svc holds the MARAC alert for the police
#      hub (frontdoor_notify_undelivered{recipient="staffs-police-hub"} 1),
#      then the hub's stream example receives it;
#   3. wait (bounded) for each hop's delivery line (intake -> triage and
#      notify, triage -> allocation and notify, allocation -> notify, notify
#      -> the hub's stream), then stop the services;
#   4. trace_check.py: every line of every log names its service; every line
#      naming the reference (or an event or notification id made from it)
#      carries the submitted trace id; each of the four services has such
#      lines.
# Usage: trace_e2e.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skipped) only when python3-grpcio is not installed.
set -euo pipefail
BUILD=$1
SRC=$2
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
readonly kHub=staffs-police-hub
# The partner's trace: W3C traceparent, version 00, sampled.
readonly kTraceId=5a1e7f00c0ffee0000d15ea5e0f7ace1
readonly kTraceparent="00-$kTraceId-00f067aa0ba902b7-01"
readonly kServices=(intake-svc triage-svc allocation-svc notify-svc)


"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"
"$kExamples/generate" "$WORK/gen" 2>"$WORK/generate.log" || fail "examples/python/generate failed"

# The four services, each relaying to the next (the suite's one
# description, suite.sh).
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs "$(IFS=,; echo "${kServices[*]}")"
declare -A API METRICS
for svc in "${kServices[@]}"; do
  API[$svc]=${API_PORT[$svc]}; METRICS[$svc]=${METRICS_PORT[$svc]}
done

# shellcheck source=processes.sh
source "$(dirname "$0")/processes.sh"

# notify_metric and await_metric (metrics.sh).
# shellcheck source=metrics.sh
source "$(dirname "$0")/metrics.sh"
# await_lines FILE PATTERN COUNT WHAT: at least COUNT lines of FILE match
# the extended regex.
await_lines() {
  local deadline=$((SECONDS + kWaitSeconds))
  until [ "$(grep -Ec "$2" "$1")" -ge "$3" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$4: fewer than $3 lines matching '$2' in $1 within $kWaitSeconds s"
    sleep 0.2
  done
}

for svc in notify-svc allocation-svc triage-svc intake-svc; do start "$svc"; done

# 1. The police submit a high-risk referral under their own trace.
PYTHONPATH="$WORK/gen:$kExamples" "$kPython" - "localhost:${API[intake-svc]}" \
  "$WORK/pki/ca.pem" "$WORK/pki/$kReferrer.pem" "$WORK/pki/$kReferrer.key" \
  "$SRC/tools/examples/high-risk-dash.json" "$kTraceparent" >"$WORK/submit.out" <<'PY' ||
import sys
from google.protobuf import json_format
import frontdoor_client
from frontdoor.common.v1 import referral_pb2
from frontdoor.intake.v1 import intake_pb2, intake_pb2_grpc
target, ca, cert, key, path, traceparent = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    referral = json_format.Parse(f.read(), referral_pb2.Referral())
request = intake_pb2.SubmitReferralRequest(idempotency_key="trace-e2e-1", referral=referral)
with frontdoor_client.secure_channel(target, ca, cert, key) as channel:
    response = intake_pb2_grpc.IntakeServiceStub(channel).SubmitReferral(
        request, timeout=10,
        metadata=((frontdoor_client.ACTOR_METADATA, "Trace Tester"),
                  (frontdoor_client.TRACEPARENT_METADATA, traceparent)))
print(response.receipt.reference)
PY
  fail "the referral was not received"
ref=$(cat "$WORK/submit.out")
[[ "$ref" =~ ^FD-[0-9A-Z]+$ ]] || fail "no reference printed: '$ref'"
echo "e2e: $ref submitted with trace id $kTraceId"

# 2. notify-svc holds the MARAC alert for the hub; the hub's stream takes it.
await_metric "frontdoor_notify_undelivered{recipient=\"$kHub\"}" 1.0 "the hub's alert for $ref"
PYTHONPATH="$WORK/gen" "$kPython" "$kExamples/hold_notifications.py" \
  --ca "$WORK/pki/ca.pem" --cert "$WORK/pki/$kHub.pem" --key "$WORK/pki/$kHub.key" \
  --target "localhost:${API[notify-svc]}" --actor "Hub Duty Officer" \
  --position-file "$WORK/hub.position" --give-up-after "$kWaitSeconds" \
  --until-reference "$ref" >"$WORK/hold.out" 2>"$WORK/hold.log" ||
  fail "the hub's stream example did not receive $ref"
echo "e2e: notify-svc held the hub's alert for $ref; the hub's stream received it"

# 3. Every hop's delivery has been logged.
delivered="\"event\":\"outbox.delivered\".*\"event_id\":\"$ref"
await_lines "$WORK/intake-svc.log" "$delivered" 2 "intake-svc's deliveries to triage and notify"
await_lines "$WORK/triage-svc.log" "$delivered" 2 "triage-svc's deliveries to allocation and notify"
await_lines "$WORK/allocation-svc.log" "$delivered" 1 "allocation-svc's delivery to notify"
await_lines "$WORK/notify-svc.log" "\"event\":\"notification.streamed\".*\"notification\":\"$ref" 1 \
  "notify-svc's stream delivery to the hub"
for name in "${kServices[@]}"; do kill -TERM "${PIDS[$name]}"; done
for name in "${kServices[@]}"; do
  wait "${PIDS[$name]}" || fail "$name: unclean stop"
  unset "PIDS[$name]"
done

# 4. One trace id for the referral in every service's log.
logs=()
for name in "${kServices[@]}"; do logs+=("$name=$WORK/$name.log"); done
"$kPython" "$(dirname "$0")/trace_check.py" "$kTraceId" "$ref" "${logs[@]}" ||
  fail "the logs do not follow $ref under trace id $kTraceId"
echo "e2e: ok ($ref followed under one trace id through intake-svc, triage-svc, allocation-svc and notify-svc)"

#!/usr/bin/env bash
# End to end: real intake-svc and triage-svc processes with their stores on
# SQLite (or, with FRONTDOOR_TEST_POSTGRES_DIR set, PostgreSQL: store.sh),
# driven by the real frontdoorctl over mTLS. triage-svc is killed (SIGKILL)
# while referrals flow and started again: every accepted referral is then
# triaged, each exactly once, and both audit chains verify.
# Usage: triage_e2e.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$1
SRC=$2
WORK=$(mktemp -d)
declare -A PIDS=()
# shellcheck source=store.sh
source "$(dirname "$0")/store.sh"
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  store_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT
store_init intake triage

readonly kBefore=8       # referrals while triage runs
readonly kWhileDown=12   # referrals submitted after the kill
readonly kSettleSeconds=60

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do echo "--- $log" >&2; tail -15 "$log" >&2; done
  exit 1
}

"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"

# intake-svc relaying to triage-svc, each on its store (store.sh).
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs intake-svc,triage-svc \
  --set="intake-svc:store=$(store_value intake)" \
  --set="triage-svc:store=$(store_value triage)" \
  --set=intake-svc:triage.deadlineMs=2000
TRIAGE_API=${API_PORT[triage-svc]}
INTAKE_API=${API_PORT[intake-svc]}

# shellcheck source=processes.sh
source "$(dirname "$0")/processes.sh"

ctl() {
  FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
    --actor="E2E Tester" "$@"
}

submit() {  # KEY: a complete DASH, so triage decides at once
  ctl --target="localhost:$INTAKE_API" --as=staffs-police \
    --idempotency-key="$1" submit "$SRC/tools/examples/high-risk-dash.json" |
    sed -n 's/.*"reference": *"\(FD-[0-9A-Z]*\)".*/\1/p'
}

start triage-svc
start intake-svc

REFS=()
for i in $(seq "$kBefore"); do REFS+=("$(submit "before-$i")"); done
kill -9 "${PIDS[triage-svc]}"; wait "${PIDS[triage-svc]}" 2>/dev/null || true
unset 'PIDS[triage-svc]'
for i in $(seq "$kWhileDown"); do REFS+=("$(submit "down-$i")"); done
[ "${#REFS[@]}" = $((kBefore + kWhileDown)) ] || fail "not every referral was accepted"
start triage-svc 2

# Every referral reaches a decision.
deadline=$((SECONDS + kSettleSeconds))
for ref in "${REFS[@]}"; do
  until ctl --target="localhost:$TRIAGE_API" --as=frontdoor-helpline \
          decision "$ref" >"$WORK/decision.json" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no decision on $ref"
    sleep 0.2
  done
  grep -q '"riskLevel": *"RISK_LEVEL_HIGH"' "$WORK/decision.json" ||
    fail "$ref: $(cat "$WORK/decision.json")"
done

# Exactly once: one recorded referral and one decision per reference.
kill -TERM "${PIDS[intake-svc]}" "${PIDS[triage-svc]}"
wait "${PIDS[intake-svc]}" "${PIDS[triage-svc]}" || fail "unclean stop"
PIDS=()
counts=$(store_query triage "
  SELECT (SELECT COUNT(*) FROM triage_referrals),
         (SELECT COUNT(DISTINCT reference) FROM triage_referrals),
         (SELECT COUNT(*) FROM triage_decisions),
         (SELECT COUNT(DISTINCT reference) FROM triage_decisions)") ||
  fail "cannot count triage-svc's referrals and decisions"
IFS='|' read -r rows distinct decisions decided <<<"$counts"
echo "referrals $rows ($distinct distinct), decisions $decisions ($decided distinct)"
want=$((kBefore + kWhileDown))
[ "$counts" = "$want|$want|$want|$want" ] || fail "not exactly once"
for db in intake triage; do
  store_audit "$db" >/dev/null || fail "$db audit chain does not verify"
done
echo "e2e: ok (${#REFS[@]} referrals triaged exactly once across a SIGKILL of triage-svc)"

#!/usr/bin/env bash
# End to end: the real intake-svc process with its store on SQLite (or, with
# FRONTDOOR_TEST_POSTGRES_DIR set, PostgreSQL: store.sh), driven by the real
# frontdoorctl over mTLS. Covers every example, each submitted by its
# agency, a refused referral, an unregistered agency, SIGKILL with every
# acknowledged referral still there after restart, a clean SIGTERM and the
# audit chain.
# Usage: intake_e2e.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$1
SRC=$2
WORK=$(mktemp -d)
PID=""
# shellcheck source=store.sh
source "$(dirname "$0")/store.sh"
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  store_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT
store_init intake


# shellcheck source=intake_process.sh
source "$(dirname "$0")/intake_process.sh"

intake_start

# Every example in tools/examples/, submitted by the agency that made it,
# is taken and reaches the expected status and front door. An example
# missing from this table fails the test: say who sends it and what it gets.
declare -A EXAMPLE=(
  [adult-victim]="staffs-police REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_VICTIM"
  [high-risk-dash]="staffs-police REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_VICTIM"
  [adult-behaviour-change]="staffs-probation REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE"
  [probation-behaviour-change]="staffs-probation REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE"
  [child-victim]="staffs-childrens-social-care REFERRAL_STATUS_ACCEPTED FRONT_DOOR_CHILDREN"
  [school-child]="oakfield-academy REFERRAL_STATUS_ACCEPTED FRONT_DOOR_CHILDREN"
  [child-to-behaviour-change]="oakfield-academy REFERRAL_STATUS_RETURNED FRONT_DOOR_UNSPECIFIED"
  [gp-adult-victim-with-children]="hillside-medical-practice REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_VICTIM"
  [housing-older-victim]="moorlands-housing REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_VICTIM"
  [staff-keyed-secure-email]="frontdoor-helpline REFERRAL_STATUS_ACCEPTED FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE"
)
for file in "$SRC"/tools/examples/*.json; do
  ex=$(basename "$file" .json)
  [ -n "${EXAMPLE[$ex]:-}" ] || fail "tools/examples/$ex.json is not in intake_e2e.sh's table"
done
REFS=()   # "agency reference" of each referral taken, accepted or returned
KEYED=""  # the reference of the one the helpline keyed for probation
for ex in "${!EXAMPLE[@]}"; do
  read -r agency status door <<<"${EXAMPLE[$ex]}"
  [ -f "$SRC/tools/examples/$ex.json" ] || fail "no tools/examples/$ex.json"
  out=$(ctl --as="$agency" submit "$SRC/tools/examples/$ex.json") || fail "$ex refused for $agency"
  grep -q "\"status\": *\"$status\"" <<<"$out" || fail "$ex as $agency: expected $status: $out"
  if [ "$door" = FRONT_DOOR_UNSPECIFIED ]; then
    # Protobuf JSON leaves the default out: a returned referral has no door.
    grep -q '"frontDoor"' <<<"$out" && fail "$ex as $agency: expected no front door: $out"
    grep -q 'CHILD_REFERRED_TO_BEHAVIOUR_CHANGE' <<<"$out" || fail "$ex: no return reason: $out"
  else
    grep -q "\"frontDoor\": *\"$door\"" <<<"$out" || fail "$ex as $agency: expected $door: $out"
  fi
  ref=$(sed -n 's/.*"reference": *"\(FD-[0-9A-Z]*\)".*/\1/p' <<<"$out" | head -1)
  REFS+=("$agency $ref")
  if [ "$ex" = staff-keyed-secure-email ]; then KEYED=$ref; fi
done

# The helpline keyed probation's email on probation's behalf: the referral
# is probation's to read as well; another agency gets NOT_FOUND (exit 1+5).
ctl --as=staffs-probation get "$KEYED" >/dev/null || fail "probation cannot read $KEYED"
set +e
ctl --as=uhnm-health get "$KEYED" >/dev/null 2>&1; code=$?
set -e
[ "$code" = 6 ] || fail "another agency read a keyed referral: exit $code, want 6"

# A referral missing its subject's date of birth: exit 1+3, field named.
python3 - "$SRC/tools/examples/adult-victim.json" "$WORK/bad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); del r["subject"]["dateOfBirth"]
json.dump(r, open(sys.argv[2], "w"))
PY
set +e
ctl --as=staffs-police submit "$WORK/bad.json" >/dev/null 2>"$WORK/err.json"; code=$?
set -e
[ "$code" = 4 ] || fail "invalid referral: exit $code, want 4"
grep -q 'referral.subject.date_of_birth' "$WORK/err.json" || fail "field not named: $(cat "$WORK/err.json")"

# An agency with a valid certificate that is not registered.
set +e
ctl --as=unregistered-agency submit "$SRC/tools/examples/adult-victim.json" >/dev/null 2>"$WORK/err.json"; code=$?
set -e
[ "$code" = 8 ] || fail "unregistered agency: exit $code, want 8 (PERMISSION_DENIED)"

# SIGKILL: nothing acknowledged may be lost.
kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=""
intake_start
for owned in "${REFS[@]}"; do
  read -r agency ref <<<"$owned"
  ctl --as="$agency" get "$ref" >/dev/null || fail "$ref ($agency) lost after SIGKILL"
done

# SIGTERM: graceful stop, exit 0.
kill -TERM "$PID"
set +e; wait "$PID"; code=$?; set -e; PID=""
[ "$code" = 0 ] || fail "exit $code after SIGTERM"
grep -q '"event":"server.stopped"' "$WORK/svc.log" || fail "no server.stopped log line"

# The audit chain verifies.
store_audit intake >"$WORK/audit.json" || fail "audit chain: $(cat "$WORK/audit.json")"
echo "e2e: ok (${#REFS[@]} referrals survived SIGKILL)"

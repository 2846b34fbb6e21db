#!/usr/bin/env bash
# End to end, FAULT-MATRIX row 28 (fsyncgate): the real intake-svc process
# on SQLite takes referrals; then strace makes every fsync/fdatasync of the
# process fail with EIO. The next referral must not be acknowledged: the
# process logs store.fatal_io_error and exits 74. Restarted without the
# fault, it recovers through SQLite's WAL: every acknowledged referral is
# there and the audit chain verifies.
# Skipped (77) without strace (Debian strace, in tools/deps) or when ptrace
# is not permitted (a container without CAP_SYS_PTRACE, Yama).
# Usage: fsync_eio_e2e.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$1
SRC=$2
WORK=$(mktemp -d)
PID=""
STRACE_PID=""
# shellcheck source=store.sh
source "$(dirname "$0")/store.sh"
cleanup() {
  [ -n "$STRACE_PID" ] && kill "$STRACE_PID" 2>/dev/null || true
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
store_init intake   # SQLite: this script is not run with a PostgreSQL server

skip() { echo "SKIP: $*" >&2; exit 77; }
command -v strace >/dev/null || skip "strace not found (Debian strace, tools/deps)"

# Bounded waits: how many polls, and how long each.
POLLS=200
POLL_SECONDS=0.05
FATAL_EXIT=74   # store::kFatalStorageErrorExitCode
ACKED_BEFORE=3

# shellcheck source=intake_process.sh
source "$(dirname "$0")/intake_process.sh"
reference() { sed -n 's/.*"reference": *"\(FD-[0-9A-Z]*\)".*/\1/p' <<<"$1" | head -1; }

intake_start
REFS=()
for _ in $(seq $ACKED_BEFORE); do
  out=$(ctl --as=staffs-police submit "$SRC/tools/examples/adult-victim.json") ||
    fail "referral refused before the fault"
  REFS+=("$(reference "$out")")
done

# From now on every fsync and fdatasync of every thread fails with EIO
# (once strace reports the process attached "with N threads": all of them).
strace -f -p "$PID" -o "$WORK/strace.out" -e trace=fsync,fdatasync \
  -e inject=fsync,fdatasync:error=EIO 2>"$WORK/strace.err" &
STRACE_PID=$!
attached=""
for _ in $(seq $POLLS); do
  if grep -q "attached" "$WORK/strace.err" 2>/dev/null; then attached=1; break; fi
  kill -0 "$STRACE_PID" 2>/dev/null || break
  sleep $POLL_SECONDS
done
if [ -z "$attached" ]; then
  grep -qi "not permitted" "$WORK/strace.err" &&
    skip "ptrace not permitted: $(head -1 "$WORK/strace.err")"
  fail "strace did not attach: $(cat "$WORK/strace.err")"
fi

set +e
out=$(ctl --as=staffs-police submit "$SRC/tools/examples/adult-victim.json" 2>&1)
ctl_code=$?
set -e
[ "$ctl_code" != 0 ] || fail "a referral was acknowledged after fsync failed: $out"
[ -z "$(reference "$out")" ] || fail "a reference was given after fsync failed: $out"
for _ in $(seq $POLLS); do
  kill -0 "$PID" 2>/dev/null || break
  sleep $POLL_SECONDS
done
kill -0 "$PID" 2>/dev/null && fail "intake-svc still running after fsync EIO"
set +e; wait "$PID"; code=$?; set -e
PID=""
wait "$STRACE_PID" 2>/dev/null || true
STRACE_PID=""
[ "$code" = "$FATAL_EXIT" ] || fail "intake-svc exited $code after fsync EIO, want $FATAL_EXIT"
grep -q '"event":"store.fatal_io_error"' "$WORK/svc.log" || fail "no store.fatal_io_error log line"
grep -q 'EIO' "$WORK/strace.out" || fail "strace injected no EIO"
grep -v '^{' "$WORK/svc.log" | grep -q . && fail "a log line is not JSON"

# Restarted without the fault: WAL recovery; nothing acknowledged is lost.
intake_start
for ref in "${REFS[@]}"; do
  ctl --as=staffs-police get "$ref" >/dev/null || fail "$ref lost after the fsync error"
done
ctl --as=staffs-police submit "$SRC/tools/examples/adult-victim.json" >/dev/null ||
  fail "no referral taken after the restart"
kill -TERM "$PID"
set +e; wait "$PID"; code=$?; set -e; PID=""
[ "$code" = 0 ] || fail "exit $code after SIGTERM"
store_audit intake >"$WORK/audit.json" || fail "audit chain: $(cat "$WORK/audit.json")"
echo "e2e: ok (fsync EIO fatal, exit $FATAL_EXIT; ${#REFS[@]} acknowledged referrals recovered)"

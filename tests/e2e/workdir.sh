# shellcheck shell=bash
# Sourced first by the end-to-end scripts that start processes: a fresh
# $WORK, PIDS (name -> pid of each process started, see processes.sh), both
# cleared away on exit, and a default fail() that shows the tail of every
# log in $WORK (a script may define its own after sourcing this).

WORK=$(mktemp -d)
declare -A PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log "$WORK"/*.out; do
    [ -e "$log" ] || continue
    echo "--- $log" >&2; tail -20 "$log" >&2
  done
  exit 1
}

# shellcheck shell=bash
# Sourced by the end-to-end scripts that wait on notify-svc's metrics.
# Needs kPython, kWaitSeconds, fail() and METRICS_PORT (suite.sh).

# notify_metric SERIES: the value of one series on notify-svc's /metrics
# (empty when absent or unreachable).
notify_metric() {
  "$kPython" - "http://127.0.0.1:${METRICS_PORT[notify-svc]}/metrics" "$1" <<'PY' 2>/dev/null || true
import sys, urllib.request
url, series = sys.argv[1:]
for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
    if line.startswith(series + " "):
        print(float(line.split()[-1]))
PY
}
# await_metric SERIES VALUE WHAT: waits (at most kWaitSeconds) until the
# series has the value.
await_metric() {
  local deadline=$((SECONDS + kWaitSeconds))
  until [ "$(notify_metric "$1")" = "$2" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$3: $1 is '$(notify_metric "$1")', not $2, after $kWaitSeconds s"
    sleep 0.2
  done
}

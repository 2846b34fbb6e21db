#!/usr/bin/env bash
# End to end: the outbox alert as operators get it. Real intake-svc and
# triage-svc processes on SQLite, a real Prometheus server scraping their
# metrics ports (job = service name, as the rules expect) with the project's
# rules loaded, driven by the real frontdoorctl over mTLS:
#   1. both services up, a referral relayed: FrontdoorOutboxStalled is not
#      active for the intake -> triage hop, and both targets are up;
#   2. triage-svc stopped (SIGTERM) and a referral submitted: the alert goes
#      pending for job="intake-svc", topic="intake.referral_received";
#   3. triage-svc started again: the outbox drains and the alert goes away.
# Usage: alert_e2e.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skipped) only when the Prometheus server is not installed.
set -euo pipefail
BUILD=$1
SRC=$2
readonly kPrometheus=${PROMETHEUS:-/usr/bin/prometheus}
if [ ! -x "$kPrometheus" ]; then
  echo "SKIP: $kPrometheus not found (Debian package 'prometheus', tools/deps)" >&2
  exit 77
fi
# $WORK, PIDS and their clean-up on exit (workdir.sh).
# shellcheck source=workdir.sh
source "$(dirname "$0")/workdir.sh"

# The real FrontdoorOutboxStalled fires on an event older than 300 s, held
# for 5m, with groups evaluated every 30 s: far too slow here. The copy of the
# rules this test loads lowers only that alert's threshold to
# kStalledAfterSeconds and evaluates every group each second; everything else
# (alert name, `for`, labels, recording rule, expression) is the project's.
# The real thresholds are covered by the promtool unit tests in
# monitoring/tests (monitoring/check).
readonly kStalledAfterSeconds=5
readonly kHop=intake.referral_received   # intake-svc's outbox topic for triage-svc
readonly kPendingWithinSeconds=60
readonly kClearedWithinSeconds=75
readonly kStartSeconds=20

PROM=""
fail() {
  echo "FAIL: $*" >&2
  if [ -n "$PROM" ]; then
    echo "--- Prometheus alerts (labels, state, value)" >&2
    prom_get /api/v1/alerts | python3 -c '
import json, sys
for a in json.load(sys.stdin)["data"]["alerts"]:
    print(json.dumps(a["labels"], sort_keys=True), a["state"], a["value"])' >&2 || true
    echo "--- Prometheus targets (job, health, last error)" >&2
    prom_get /api/v1/targets | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print(t["labels"]["job"], t["scrapeUrl"], t["health"], t["lastError"])' >&2 || true
  fi
  for log in "$WORK"/*.log; do
    [ -e "$log" ] || continue
    echo "--- $log" >&2; tail -15 "$log" >&2
  done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# prom_get PATH: Prometheus's HTTP API (python3: no extra dependency).
prom_get() {
  python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$PROM$1"
}
# prom_query PROMQL: one line per series, "labels-as-json value".
prom_query() {
  python3 -c 'import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
for s in json.load(urllib.request.urlopen(url, timeout=5))["data"]["result"]:
    print(json.dumps(s["metric"], sort_keys=True), s["value"][1])' "$PROM" "$1"
}
# hop_alert: "STATE SEVERITY" of FrontdoorOutboxStalled for intake-svc's hop
# to triage-svc (STATE pending or firing), "inactive" when it is not active,
# nothing when Prometheus cannot be asked.
hop_alert() {
  prom_get /api/v1/alerts | python3 -c '
import json, sys
hop = sys.argv[1]
found = [a["state"] + " " + a["labels"].get("severity", "")
         for a in json.load(sys.stdin)["data"]["alerts"]
         if a["labels"].get("alertname") == "FrontdoorOutboxStalled"
         and a["labels"].get("job") == "intake-svc" and a["labels"].get("topic") == hop]
print("\n".join(found) if found else "inactive")' "$kHop"
}
# hop_value METRIC: that series' value for intake-svc's hop, empty if none.
hop_value() {
  prom_query "$1{job=\"intake-svc\",topic=\"$kHop\"}" | awk '{print $NF}'
}

"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"

# intake-svc relaying to triage-svc (the suite's one description, suite.sh).
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs intake-svc,triage-svc --set=intake-svc:triage.deadlineMs=2000
INTAKE_API=${API_PORT[intake-svc]}; INTAKE_METRICS=${METRICS_PORT[intake-svc]}
TRIAGE_API=${API_PORT[triage-svc]}; TRIAGE_METRICS=${METRICS_PORT[triage-svc]}
PROM_PORT=$(free_port)

# The rules under test, changed only as said above. Each substitution must
# match exactly, so a change to the rules file fails here instead of leaving
# the test checking something else.
python3 - "$SRC/monitoring/rules/frontdoor.yml" "$WORK/rules.yml" \
    "$kStalledAfterSeconds" <<'PY' || fail "cannot derive the test's rules from monitoring/rules/frontdoor.yml"
import re, sys
src, dst, threshold = sys.argv[1:]
text = open(src).read()
old = ("      - alert: FrontdoorOutboxStalled\n"
       "        expr: topic:frontdoor_outbox_oldest_undelivered_age_seconds:max > 300\n")
if text.count(old) != 1:
    sys.exit(f"expected exactly once in {src}:\n{old}")
text = text.replace(old, old.replace("> 300\n", f"> {threshold}\n"))
groups = len(re.findall(r"^  - name: ", text, re.M))
interval = re.compile(r"^    interval: \S+$", re.M)
if groups == 0 or len(interval.findall(text)) != groups:
    sys.exit(f"expected one '    interval:' line per rule group ({groups}) in {src}")
text = interval.sub("    interval: 1s", text)
open(dst, "w").write(text)
PY

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$WORK/rules.yml"]
scrape_configs:
  - job_name: intake-svc
    static_configs: [{targets: ["127.0.0.1:$INTAKE_METRICS"]}]
  - job_name: triage-svc
    static_configs: [{targets: ["127.0.0.1:$TRIAGE_METRICS"]}]
YAML

# shellcheck source=processes.sh
source "$(dirname "$0")/processes.sh"

start_prometheus() {
  "$kPrometheus" --config.file="$WORK/prometheus.yml" \
    --storage.tsdb.path="$WORK/prometheus-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" \
    --log.level=warn >>"$WORK/prometheus.log" 2>&1 &
  PIDS[prometheus]=$!
  PROM="http://127.0.0.1:$PROM_PORT"
  local deadline=$((SECONDS + kStartSeconds))
  until prom_get /-/ready >/dev/null 2>&1; do
    kill -0 "${PIDS[prometheus]}" 2>/dev/null || { PROM=""; fail "prometheus exited at start-up"; }
    [ "$SECONDS" -lt "$deadline" ] || fail "prometheus not ready"
    sleep 0.2
  done
}

ctl() {
  FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
    --actor="E2E Tester" "$@"
}

submit() {  # KEY: a complete DASH, so triage decides at once
  local ref
  ref=$(ctl --target="localhost:$INTAKE_API" --as=staffs-police \
    --idempotency-key="$1" submit "$SRC/tools/examples/high-risk-dash.json" |
    sed -n 's/.*"reference": *"\(FD-[0-9A-Z]*\)".*/\1/p')
  [ -n "$ref" ] || fail "referral $1 not accepted"
  echo "$ref"
}

await_decision() {  # REF SECONDS: triage-svc has decided REF (the hop delivered it)
  local deadline=$((SECONDS + $2))
  until ctl --target="localhost:$TRIAGE_API" --as=frontdoor-helpline \
          decision "$1" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no decision on $1 within $2 s"
    sleep 0.2
  done
}

start triage-svc
start intake-svc
start_prometheus

# Prometheus loaded the test's rules, not something else.
prom_get /api/v1/rules | python3 -c '
import json, sys
threshold = sys.argv[1]
groups = json.load(sys.stdin)["data"]["groups"]
outbox = [g for g in groups if g["name"] == "frontdoor.outbox"]
assert outbox and all(g["interval"] == 1 for g in groups), "group intervals"
rules = {r["name"]: r for r in outbox[0]["rules"]}
stalled = rules["FrontdoorOutboxStalled"]
assert stalled["query"] == ("topic:frontdoor_outbox_oldest_undelivered_age_seconds:max > "
                            + threshold), stalled["query"]
assert stalled["duration"] == 300, stalled["duration"]
assert stalled["labels"] == {"severity": "warning"}, stalled["labels"]
assert rules["FrontdoorOutboxStalledCritical"]["query"].endswith("> 1800")
' "$kStalledAfterSeconds" || fail "Prometheus did not load the expected rules"

# 1. Both targets up, as the jobs the rules name.
deadline=$((SECONDS + kStartSeconds))
until [ "$(prom_query 'up{job=~"intake-svc|triage-svc"} == 1' | wc -l)" = 2 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "Prometheus does not see both services up"
  sleep 0.5
done

# A referral relayed to triage-svc while it runs: the hop stays quiet. The
# check waits until the rules have been evaluated on a scrape taken more than
# the threshold after the relay, when an undelivered event would have raised
# the alert.
ref=$(submit "up-1")
await_decision "$ref" 30
relayed_at=$(python3 -c 'import time; print(time.time())')
deadline=$((SECONDS + kStartSeconds + kStalledAfterSeconds))
until python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) + float(sys.argv[3]) + 2 else 1)' \
        "$(prom_query "timestamp(topic:frontdoor_outbox_oldest_undelivered_age_seconds:max{job=\"intake-svc\",topic=\"$kHop\"})" |
           awk '{print $NF}')" "$relayed_at" "$kStalledAfterSeconds" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no evaluation of the outbox rules for intake-svc's $kHop"
  sleep 0.5
done
[ "$(hop_value frontdoor_outbox_undelivered)" = 0 ] ||
  fail "intake-svc's outbox for $kHop is not empty with triage-svc up"
[ "$(hop_alert)" = inactive ] || fail "FrontdoorOutboxStalled active with triage-svc up"
ever=$(prom_query "count_over_time(ALERTS{alertname=\"FrontdoorOutboxStalled\",job=\"intake-svc\",topic=\"$kHop\"}[5m])") ||
  fail "cannot query Prometheus"
[ -z "$ever" ] || fail "FrontdoorOutboxStalled was active for $kHop with triage-svc up: $ever"
echo "e2e: both targets up, $ref relayed, FrontdoorOutboxStalled quiet for $kHop"

# 2. triage-svc down: the next referral waits in intake-svc's outbox.
kill -TERM "${PIDS[triage-svc]}"
wait "${PIDS[triage-svc]}" || fail "triage-svc did not stop cleanly on SIGTERM"
unset 'PIDS[triage-svc]'
stopped=$SECONDS
ref=$(submit "down-1")
deadline=$((SECONDS + kPendingWithinSeconds))
until state=$(hop_alert) && [ -n "$state" ] && [ "$state" != inactive ]; do
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "FrontdoorOutboxStalled not active for intake-svc $kHop within $kPendingWithinSeconds s of stopping triage-svc"
  sleep 0.5
done
case "$state" in
  "pending warning" | "firing warning") ;;
  *) fail "FrontdoorOutboxStalled for $kHop: unexpected state/severity '$state'" ;;
esac
echo "e2e: triage-svc stopped, $ref waiting: FrontdoorOutboxStalled ${state% *} after $((SECONDS - stopped)) s"

# 3. triage-svc back: the relay delivers, the outbox drains, the alert clears.
start triage-svc 2
restarted=$SECONDS
await_decision "$ref" "$kClearedWithinSeconds"
deadline=$((restarted + kClearedWithinSeconds))
until [ "$(hop_alert)" = inactive ] && [ "$(hop_value frontdoor_outbox_undelivered)" = 0 ]; do
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "FrontdoorOutboxStalled still active or outbox not drained $kClearedWithinSeconds s after triage-svc restarted"
  sleep 0.5
done
echo "e2e: triage-svc restarted: $ref triaged, outbox drained, alert cleared after $((SECONDS - restarted)) s"

for name in intake-svc triage-svc prometheus; do kill -TERM "${PIDS[$name]}"; done
for name in intake-svc triage-svc prometheus; do
  wait "${PIDS[$name]}" || fail "$name: unclean stop"
  unset "PIDS[$name]"
done
echo "e2e: ok (FrontdoorOutboxStalled quiet, pending while triage-svc was down, cleared after it came back)"

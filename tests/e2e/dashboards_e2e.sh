#!/usr/bin/env bash
# End to end: the operators' Grafana dashboards (monitoring/dashboards/*.json)
# against the running suite. Real processes on SQLite (the four services,
# web-svc and a push partner's inbox), a real Prometheus server scraping them
# (job = service name, as the rules and dashboards expect) with the project's
# rules loaded, driven by the real frontdoorctl over mTLS: referrals that are
# triaged at once and one that queues, one returned and one refused, a
# NOT_FOUND, a partner over its rate limit, a first contact, a held
# notification stream, a push partner that receives and one that cannot (its
# notifications dead-letter), a page of web-svc. Then every target of every
# panel of every dashboard, with the dashboard's variables substituted (each
# value of a query variable, as Prometheus answers its label_values query),
# must parse and return data (dashboards_check.py, bounded polls), and every
# metric it names must be one the suite exports or a recording rule.
# Usage: dashboards_e2e.sh BUILD_DIR SOURCE_DIR
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

readonly kStartSeconds=20
# How long the drive may take to show in Prometheus (scrapes and rule
# evaluations every second here), and how long the panels may take to
# return data once it has.
readonly kDriveSeconds=60
readonly kPanelsSeconds=60
# A partner's writes at intake-svc for the rate-limit panel: one call, then
# refused (the bucket refills once in 1000 s).
readonly kLimitedAgency=uhnm-health
# The push partners: one whose inbox runs (partner-inbox), one whose inbox
# address refuses connections, so its notifications dead-letter after
# kDeadLetterAfterSeconds.
readonly kPushAgency=staffs-police-hub
readonly kDeadAgency=frontdoor-idva
readonly kDeadLetterAfterSeconds=1

PROM=""
fail() {
  echo "FAIL: $*" >&2
  if [ -n "$PROM" ]; then
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
prom_get() {
  python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$PROM$1"
}
# prom_count PROMQL: how many series the instant query returns (0 on error).
prom_count() {
  python3 -c 'import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
try:
    print(len(json.load(urllib.request.urlopen(url, timeout=5))["data"]["result"]))
except Exception:
    print(0)' "$PROM" "$1"
}
# until_series PROMQL WHAT: waits (bounded) until the query returns a series.
until_series() {
  local deadline=$((SECONDS + kDriveSeconds))
  until [ "$(prom_count "$1")" -gt 0 ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$2: no series for $1 within $kDriveSeconds s"
    sleep 0.5
  done
}

"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"

INBOX_PORT=$(free_port)
DEAD_INBOX_PORT=$(free_port)   # nothing listens here
PROM_PORT=$(free_port)

# notify-svc's rules: the project's, with the two push partners above.
python3 - "$SRC/config/notify-rules.json" "$WORK/notify-rules.json" \
    "$kPushAgency" "127.0.0.1:$INBOX_PORT" "$kDeadAgency" "127.0.0.1:$DEAD_INBOX_PORT" <<'PY'
import json, sys
src, dst, push, push_at, dead, dead_at = sys.argv[1:]
rules = json.load(open(src))
targets = {push: push_at, dead: dead_at}
for r in rules["recipients"]:
    if r["agencyId"] in targets:
        r.update(mode="DELIVERY_MODE_PUSH", pushTarget=targets.pop(r["agencyId"]),
                 pushTlsServerName="localhost")
if targets:
    sys.exit(f"not in {src}: {sorted(targets)}")
json.dump(rules, open(dst, "w"), indent=1)
PY
# The suite (its one description, suite.sh) with notify-svc's rules above,
# fast push retries, the limited agency's bucket at intake-svc.
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs notify-svc,allocation-svc,triage-svc,intake-svc,web-svc \
  --set="notify-svc:rulesFile=\"$WORK/notify-rules.json\"" \
  --set="notify-svc:push={\"initialBackoffMs\": 100, \"maxBackoffMs\": 200,
          \"deadLetterAfterSeconds\": $kDeadLetterAfterSeconds, \"deadlineMs\": 1000}" \
  --set="intake-svc:server.rateLimits={\"agencies\": [{\"agencyId\": \"$kLimitedAgency\",
          \"writes\": {\"perSecond\": 0.001, \"burst\": 1}}]}" \
  --set='web-svc:professionalEmailDomains=["staffordshire.police.uk"]'

# The project's rules, every group evaluated each second instead of every
# 30 s (nothing else changed), so recording rules have data within seconds.
python3 - "$SRC/monitoring/rules/frontdoor.yml" "$WORK/rules.yml" <<'PY' || fail "cannot derive the test's rules from monitoring/rules/frontdoor.yml"
import re, sys
src, dst = sys.argv[1:]
text = open(src).read()
groups = len(re.findall(r"^  - name: ", text, re.M))
interval = re.compile(r"^    interval: \S+$", re.M)
if groups == 0 or len(interval.findall(text)) != groups:
    sys.exit(f"expected one '    interval:' line per rule group ({groups}) in {src}")
open(dst, "w").write(interval.sub("    interval: 1s", text))
PY

{
  cat <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$WORK/rules.yml"]
scrape_configs:
YAML
  for svc in intake-svc triage-svc allocation-svc notify-svc web-svc; do
    echo "  - job_name: $svc"
    echo "    static_configs: [{targets: [\"127.0.0.1:${METRICS_PORT[$svc]}\"]}]"
  done
} > "$WORK/prometheus.yml"

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

ctl() {  # AGENCY TARGET_SERVICE ARGS...
  local as=$1 svc=$2
  shift 2
  FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
    --actor="E2E Tester" --as="$as" --target="localhost:${API_PORT[$svc]}" "$@"
}
submit() {  # AGENCY FILE KEY: prints the reference
  ctl "$1" intake-svc --idempotency-key="$3" submit "$2" |
    sed -n 's/.*"reference": *"\(FD-[0-9A-Z]*\)".*/\1/p'
}
await_decision() {  # REF
  local deadline=$((SECONDS + kDriveSeconds))
  until ctl frontdoor-helpline triage-svc decision "$1" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no decision on $1 within $kDriveSeconds s"
    sleep 0.2
  done
}

# The push partner's inbox, then the services downstream first.
FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/partner-inbox/partner-inbox" \
  --listen="127.0.0.1:$INBOX_PORT" --as="$kPushAgency" \
  >"$WORK/inbox.out" 2>>"$WORK/partner-inbox.log" &
PIDS[partner-inbox]=$!
for svc in notify-svc allocation-svc triage-svc intake-svc web-svc; do start "$svc"; done
start_prometheus

# A referrer's notification stream, held while the panels are checked.
FRONTDOOR_PKI_DIR="$WORK/pki" "$BUILD/tools/frontdoorctl/frontdoorctl" \
  --actor="E2E Tester" --as=staffs-police --target="localhost:${API_PORT[notify-svc]}" \
  watch --ack >"$WORK/watch.out" 2>>"$WORK/watch.log" &
PIDS[watch]=$!

# Referrals: two triaged at once (complete DASH, high risk: MARAC hub and
# IDVA told, a placement), one queued for a practitioner (no assessment),
# one returned (a child sent to behaviour change), one refused (empty).
high1=$(submit staffs-police "$SRC/tools/examples/high-risk-dash.json" high-1)
high2=$(submit staffs-police "$SRC/tools/examples/high-risk-dash.json" high-2)
queued=$(submit staffs-police "$SRC/tools/examples/adult-victim.json" queued-1)
if [ -z "$high1" ] || [ -z "$high2" ] || [ -z "$queued" ]; then fail "referrals not accepted"; fi
[ -n "$(submit staffs-police "$SRC/tools/examples/child-to-behaviour-change.json" returned-1)" ] ||
  fail "the child referred to behaviour change was not acknowledged (returned)"
echo '{}' > "$WORK/empty.json"
if ctl staffs-police intake-svc submit "$WORK/empty.json" >/dev/null 2>&1; then
  fail "an empty referral was accepted"
fi
# A partner over its rate limit.
[ -n "$(submit "$kLimitedAgency" "$SRC/tools/examples/adult-victim.json" limited-1)" ] ||
  fail "$kLimitedAgency's first referral refused"
if ctl "$kLimitedAgency" intake-svc submit "$SRC/tools/examples/adult-victim.json" >/dev/null 2>&1; then
  fail "$kLimitedAgency's second referral was not refused for its rate limit"
fi
await_decision "$high1"
await_decision "$high2"
# Refusals at each gRPC service, for the panels of answers other than OK:
# NOT_FOUND for a referral of another agency (intake-svc, notify-svc), a
# malformed reference (triage-svc, allocation-svc).
if ctl staffs-probation intake-svc get "$high1" >/dev/null 2>&1; then
  fail "staffs-probation read staffs-police's referral"
fi
if ctl staffs-probation notify-svc updates "$high1" >/dev/null 2>&1; then
  fail "staffs-probation read the updates on staffs-police's referral"
fi
if ctl frontdoor-helpline triage-svc decision FD-0 >/dev/null 2>&1; then
  fail "a decision on a malformed reference"
fi
if ctl frontdoor-helpline allocation-svc placement FD-0 >/dev/null 2>&1; then
  fail "a placement on a malformed reference"
fi
# A first contact on one placement.
deadline=$((SECONDS + kDriveSeconds))
until ctl frontdoor-helpline allocation-svc first-contact "$high1" --method=phone \
        >>"$WORK/first-contact.log" 2>&1; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no first contact recorded on $high1"
  sleep 0.2
done
# web-svc: its first page, and a self-referral posted without the form's
# CSRF token (refused 403, counted as a submission refused for csrf).
python3 - "https://127.0.0.1:${API_PORT[web-svc]}" "$WORK/pki/ca.pem" <<'PY' || fail "web-svc's pages"
import ssl, sys, urllib.error, urllib.request
site, ca = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
urllib.request.urlopen(site + "/", context=ctx, timeout=5).read()
post = urllib.request.Request(site + "/self-referral", data=b"website=",
    headers={"Content-Type": "application/x-www-form-urlencoded"})
try:
    urllib.request.urlopen(post, context=ctx, timeout=5)
    sys.exit("a self-referral without its CSRF token was accepted")
except urllib.error.HTTPError as e:
    if e.code != 403:
        sys.exit(f"a self-referral without its CSRF token: HTTP {e.code}, expected 403")
PY

# The drive as Prometheus sees it.
until_series 'count(up{job=~"intake-svc|triage-svc|allocation-svc|notify-svc|web-svc"} == 1) == 5' "targets up"
until_series "recipient:frontdoor_notify_dead_letters:max{recipient=\"$kDeadAgency\"} > 0" \
  "$kDeadAgency's notifications dead-lettered"
until_series "frontdoor_notify_delivered_total{recipient=\"$kPushAgency\"} > 0" \
  "$kPushAgency's notifications pushed"
until_series 'frontdoor_notify_open_subscriptions{recipient="staffs-police"} > 0' "stream held"
until_series "frontdoor_rate_limited_total{agency=\"$kLimitedAgency\"} > 0" "rate limit"
until_series 'frontdoor_not_found_total{job="notify-svc"} > 0' "NOT_FOUND"
echo "e2e: suite driven ($high1, $high2 triaged, $queued queued)"

python3 "$(dirname "$0")/dashboards_check.py" "$PROM" "$SRC/monitoring/dashboards" \
  "$kPanelsSeconds" || fail "dashboard panels (above)"

for name in watch web-svc intake-svc triage-svc allocation-svc notify-svc partner-inbox prometheus; do
  kill -TERM "${PIDS[$name]}" 2>/dev/null || true
done
for name in web-svc intake-svc triage-svc allocation-svc notify-svc prometheus; do
  wait "${PIDS[$name]}" || fail "$name: unclean stop"
  unset "PIDS[$name]"
done
echo "e2e: ok (every dashboard panel's query parses and returns data)"

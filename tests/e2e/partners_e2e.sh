#!/usr/bin/env bash
# End to end: the partners' guide (docs/partners.md), followed as written.
# Every ```sh block of the guide is a named step (<!-- step: NAME --> just
# before it); this test runs each one, in the guide's order, in a copy of
# the repository's config/, k8s/ and tools/examples/, against real
# intake-svc and notify-svc processes on SQLite (with the development CA
# as the suite's CA), with only the addresses in the step "names" pointed
# at them:
#   partner-csr, operator-check: a key and a CSR with the agency's URI SAN,
#     checked;
#   operator-sign-cluster: the CertificateRequest, through a kubectl test
#     double (tests/k8s/kubectl-double.mjs: cert-manager's schema, signed
#     as its CA issuer does), and operator-sign-files: the same with
#     openssl and the CA's files; operator-verify after each;
#   before registration the handshake works (partner-handshake) and a call
#     is refused PERMISSION_DENIED "agency not registered";
#   register, register-cluster: the registry entry, k8s/sync-config and
#     `kubectl apply -k k8s/overlays/production` (the double renders it with
#     the real kustomize, validates it, and writes the rendered
#     agencies.json where the services read their registry): the agency is
#     let in without a restart (bounded poll);
#   partner-first-call: a referral accepted, read back, its notification
#     streamed and acknowledged, its updates listed;
#   rotate-csr, rotate-sign, rotate-switch: a new certificate in use, the
#     previous one still accepted until it expires, the expiry metric;
# then the guide's "When it fails" rows that can be produced here (each
# message must be in the guide too), and revocation.
# Usage: partners_e2e.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skipped) only without a kustomize that supports components or
# without the npm packages of tests/k8s (tests/k8s/setup).
set -eEuo pipefail
BUILD=$1
SRC=$2
readonly kGuide=$SRC/docs/partners.md
# The services look at their registry file every 10 s
# (kAgencyRegistryPollInterval): a change is honoured within this.
readonly kRegistrySeconds=30
# The steps the guide must have, in its order.
readonly kSteps=(names partner-csr operator-check operator-sign-cluster
  operator-sign-files operator-verify register register-cluster
  partner-handshake partner-first-call rotate-csr rotate-sign rotate-switch)

kustomize_ok() {
  local kv major rest minor
  kv=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\{0,1\}//p')
  major=${kv%%.*}; rest=${kv#*.}; minor=${rest%%.*}
  [[ "$major" =~ ^[0-9]+$ ]] && { [ "$major" -ge 4 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 7 ]; }; }
}
if ! command -v kubectl >/dev/null || ! kustomize_ok; then
  echo "SKIP: no kubectl with kustomize 3.7 or later (components), needed to render the overlay the guide applies" >&2
  exit 77
fi
if [ ! -d "$SRC/tests/k8s/node_modules/@kubernetes-models/cert-manager" ]; then
  echo "SKIP: tests/k8s/node_modules missing: tests/k8s/setup could not install the npm packages" >&2
  exit 77
fi
for tool in openssl jq node curl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found" >&2; exit 1; }
done

# $WORK, PIDS and their clean-up on exit (workdir.sh).
# shellcheck source=workdir.sh
source "$(dirname "$0")/workdir.sh"
STEP="(set-up)"
# fail writes to the test's own stderr (fd 3), also from inside a step,
# whose output goes to its .out file.
exec 3>&2
fail() {
  {
    echo "FAIL: $*"
    for log in "$WORK"/*.log "$WORK"/steps/*.out; do
      [ -e "$log" ] || continue
      echo "--- $log"; tail -15 "$log"
    done
  } >&3
  exit 1
}
trap 'fail "step $STEP: command failed (exit $?): $BASH_COMMAND"' ERR
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the guide's steps ----------------------------------------------------
mkdir -p "$WORK/steps"
python3 - "$kGuide" "$WORK/steps" "${kSteps[@]}" <<'PY' || fail "the guide's steps"
import re, sys
guide, out, *want = sys.argv[1:]
lines = open(guide).read().split("\n")
steps, problems, i = [], [], 0
while i < len(lines):
    if lines[i].startswith("```sh"):
        m = re.fullmatch(r"<!-- step: ([a-z0-9-]+) -->", lines[i - 1] if i else "")
        j = lines.index("```", i + 1)
        if not m:
            problems.append(f"line {i + 1}: a sh block without <!-- step: NAME --> before it (every command is tested)")
        else:
            steps.append(m.group(1))
            open(f"{out}/{m.group(1)}.sh", "w").write("\n".join(lines[i + 1:j]) + "\n")
        i = j
    i += 1
if steps != want:
    problems.append(f"steps {steps}, the test runs {want}: add the new step to the test")
if problems:
    sys.exit("\n".join(problems))
PY

# --- the suite: notify-svc and intake-svc, the development CA -------------
# The "cluster": the CA's files (cert-manager's Issuer frontdoor-ca) and
# the registry file the services read (the ConfigMap's agencies.json).
mkdir -p "$WORK/cluster" "$WORK/bin"
"$SRC/tools/dev-pki" "$WORK/pki" >/dev/null
cp "$WORK/pki/ca.pem" "$WORK/pki/ca.key" "$WORK/cluster/"
cp "$SRC/config/agencies.json" "$WORK/cluster/agencies.json"
"$BUILD/common/crypto/frontdoor-keygen" > "$WORK/keys.json"
# The suite's one description (suite.sh), the cluster's registry file.
# shellcheck source=suite.sh
source "$(dirname "$0")/suite.sh"
suite_configs intake-svc,notify-svc \
  --set="grpc:agencyRegistryFile=\"$WORK/cluster/agencies.json\""
# shellcheck source=processes.sh
source "$(dirname "$0")/processes.sh"
start notify-svc
start intake-svc

# --- the operator's checkout and the partner's tools ----------------------
mkdir -p "$WORK/repo/tools"
cp -r "$SRC/config" "$SRC/k8s" "$WORK/repo/"
cp -r "$SRC/tools/examples" "$WORK/repo/tools/"
cat > "$WORK/bin/kubectl" <<SH
#!/bin/sh
KUBECTL_DOUBLE_DIR="$WORK/cluster" KUBECTL_DOUBLE_REAL="$(command -v kubectl)" \
KUBECTL_DOUBLE_REPO="$SRC" exec node "$SRC/tests/k8s/kubectl-double.mjs" "\$@"
SH
chmod +x "$WORK/bin/kubectl"
export PATH="$WORK/bin:$BUILD/tools/frontdoorctl:$PATH"

# run NAME: the guide's step NAME, in this shell (its variables stay set),
# in the operator's checkout; its output in $WORK/steps/NAME.out.
run() {
  STEP=$1
  echo "== step $1"
  # shellcheck disable=SC1090
  source "$WORK/steps/$1.sh" > "$WORK/steps/$1.out" 2>&1
  STEP="(between steps, after $1)"
}
# expect_error "CODE" "MESSAGE PART" ARGS...: frontdoorctl ARGS fails with
# that code and a message containing that part, which the guide's "When it
# fails" table must quote too.
expect_error() {
  local code=$1 part=$2 out
  shift 2
  grep -qF -- "$part" "$kGuide" || fail "docs/partners.md does not quote \"$part\" (\"When it fails\")"
  if out=$(frontdoorctl "$@" 2>&1); then fail "frontdoorctl $* succeeded; expected $code \"$part\""; fi
  grep -q "\"code\":\"$code\"" <<< "$out" && grep -qF -- "$part" <<< "$out" ||
    fail "frontdoorctl $*: expected $code \"$part\", got: $out"
}
cd "$WORK/repo"

sed -i -e "s/^INTAKE=intake\.partners\.example\.org:7443 /INTAKE=localhost:${API_PORT[intake-svc]} /" \
       -e "s/^NOTIFY=notify\.partners\.example\.org:7446 /NOTIFY=localhost:${API_PORT[notify-svc]} /" \
       "$WORK/steps/names.sh"
grep -q "^INTAKE=localhost:" "$WORK/steps/names.sh" && grep -q "^NOTIFY=localhost:" "$WORK/steps/names.sh" ||
  fail "the step names no longer sets INTAKE= and NOTIFY= to the example hosts the test replaces"
run names
[ -n "${AGENCY:-}" ] || fail "the step names sets no AGENCY"
PARTNER=(--target="$INTAKE" --ca=ca.crt --actor="E2E Tester")

# 1-2. Key and CSR; checked; signed through cert-manager, then with the files.
run partner-csr
[ "$(stat -c %a "$AGENCY.key")" = 600 ] || fail "$AGENCY.key is not private (mode $(stat -c %a "$AGENCY.key"))"
run operator-check
grep -q ": OK$" "$WORK/steps/operator-check.out" || fail "operator-check did not say OK"
run operator-sign-cluster
run operator-verify
grep -q "URI:spiffe://frontdoor/agency/$AGENCY" "$WORK/steps/operator-verify.out" &&
  grep -q "TLS Web Client Authentication" "$WORK/steps/operator-verify.out" ||
  fail "the certificate cert-manager signed lacks the identity or client authentication"
cp "$AGENCY.pem" "$WORK/cluster-signed.pem"
cp "$WORK/cluster/ca.key" ca.key   # the operator's machine holds the CA key
run operator-sign-files
run operator-verify
grep -q "URI:spiffe://frontdoor/agency/$AGENCY" "$WORK/steps/operator-verify.out" ||
  fail "the certificate signed with the files lacks the identity"

# Not registered yet: the handshake is fine, calls are refused.
run partner-handshake
grep -q "Verification: OK" "$WORK/steps/partner-handshake.out" || fail "partner-handshake: no verified handshake"
expect_error PERMISSION_DENIED "agency not registered" \
  "${PARTNER[@]}" --cert="$AGENCY.pem" --key="$AGENCY.key" get FD-AAAAAAAAAAAA

# 3. Registered through the overlay: let in within the registry's poll.
run register
run register-cluster
grep -q "\"spiffe://frontdoor/agency/$AGENCY\"" "$WORK/cluster/agencies.json" ||
  fail "kubectl apply -k did not deliver the new registry entry"
deadline=$((SECONDS + kRegistrySeconds))
until out=$(frontdoorctl "${PARTNER[@]}" --cert="$AGENCY.pem" --key="$AGENCY.key" get FD-AAAAAAAAAAAA 2>&1) ||
      ! grep -q "agency not registered" <<< "$out"; do
  [ "$SECONDS" -lt "$deadline" ] || fail "$AGENCY still not registered $kRegistrySeconds s after apply: $out"
  sleep 0.5
done
grep -q '"code":"NOT_FOUND"' <<< "$out" && grep -qF "no referral with that reference" <<< "$out" ||
  fail "registered agency, unknown reference: expected NOT_FOUND, got: $out"
grep -qF "no referral with that reference" "$kGuide" || fail "the guide does not quote the NOT_FOUND message"

# 4. The first calls.
run partner-first-call
[ "$(jq -r .receipt.status receipt.json)" = REFERRAL_STATUS_ACCEPTED ] || fail "referral not accepted: $(cat receipt.json)"
grep -q "\"reference\":\"$REFERENCE\"" "$WORK/steps/partner-first-call.out" || fail "the referral was not read back"
grep -q '"event":"EVENT_KIND_REFERRAL_ACCEPTED"' "$WORK/steps/partner-first-call.out" || fail "no notification streamed"
[ "$(grep -c "\"reference\":\"$REFERENCE\"" "$WORK/steps/partner-first-call.out")" -ge 3 ] ||
  fail "get, watch and updates do not all name $REFERENCE"

# 5. Rotation: the new certificate in use, the previous one (and the one
# cert-manager signed) still good until they expire.
old_serial=$(openssl x509 -in "$AGENCY.pem" -noout -serial)
run rotate-csr
run rotate-sign
run rotate-switch
[ "$(openssl x509 -in "$AGENCY.pem" -noout -serial)" != "$old_serial" ] || fail "rotate-switch left the old certificate in place"
grep -q "\"reference\":\"$REFERENCE\"" "$WORK/steps/rotate-switch.out" || fail "no call with the new certificate"
# (Both are for the key the rotation retired, now $AGENCY-previous.key.)
for cert in "$AGENCY-previous.pem" "$WORK/cluster-signed.pem"; do
  frontdoorctl "${PARTNER[@]}" --cert="$cert" --key="$AGENCY-previous.key" get "$REFERENCE" >/dev/null ||
    fail "$cert no longer accepted after the rotation"
done
curl -fsS "http://127.0.0.1:${METRICS_PORT[intake-svc]}/metrics" |
  grep -q "^frontdoor_peer_certificate_expiry_seconds{agency=\"$AGENCY\"} [0-9]" ||
  fail "intake-svc exports no frontdoor_peer_certificate_expiry_seconds for $AGENCY"

# When it fails: the rows that can be produced here.
STEP="(When it fails)"
expect_error UNAVAILABLE "Socket closed" \
  "${PARTNER[@]}" --cert="$WORK/pki/rogue-agency.pem" --key="$WORK/pki/rogue-agency.key" get "$REFERENCE"
expect_error UNAVAILABLE "certificate verify failed" \
  --target="$INTAKE" --ca="$WORK/pki/rogue-ca.pem" --actor="E2E Tester" \
  --cert="$AGENCY.pem" --key="$AGENCY.key" get "$REFERENCE"
expect_error UNAVAILABLE "is not in peer certificate" \
  "${PARTNER[@]}" --server-name=intake.partners.example.org --cert="$AGENCY.pem" --key="$AGENCY.key" get "$REFERENCE"
expect_error UNAVAILABLE "Connection refused" \
  --target="localhost:$(free_port)" --ca=ca.crt --actor="E2E Tester" --deadline=5s \
  --cert="$AGENCY.pem" --key="$AGENCY.key" get "$REFERENCE"
# A certificate from the suite's CA without a URI SAN (signed without the
# guide's extension file).
openssl req -new -sha256 -key "$AGENCY.key" -subj "/CN=$AGENCY" -out no-san.csr
openssl x509 -req -sha256 -days 1 -in no-san.csr -CA ca.crt -CAkey ca.key -out no-san.pem 2>/dev/null
expect_error UNAUTHENTICATED "client certificate with a URI SAN identity required" \
  "${PARTNER[@]}" --cert=no-san.pem --key="$AGENCY.key" get "$REFERENCE"
expect_error PERMISSION_DENIED "only operators replay dead letters" \
  --target="$NOTIFY" --ca=ca.crt --actor="E2E Tester" --cert="$AGENCY.pem" --key="$AGENCY.key" replay

# Revocation, as the guide says: out of the registry, applied; refused
# without a restart.
jq --arg id "$AGENCY" 'del(.agencies[] | select(.id == $id))' config/agencies.json > config/agencies.json.new
mv config/agencies.json.new config/agencies.json
k8s/sync-config
kubectl apply -k k8s/overlays/production >/dev/null
deadline=$((SECONDS + kRegistrySeconds))
until ! out=$(frontdoorctl "${PARTNER[@]}" --cert="$AGENCY.pem" --key="$AGENCY.key" get "$REFERENCE" 2>&1) &&
      grep -q "agency not registered" <<< "$out"; do
  [ "$SECONDS" -lt "$deadline" ] || fail "$AGENCY still let in $kRegistrySeconds s after its removal: $out"
  sleep 0.5
done

for name in intake-svc notify-svc; do kill -TERM "${PIDS[$name]}"; done
for name in intake-svc notify-svc; do
  wait "${PIDS[$name]}" || fail "$name: unclean stop"
  unset "PIDS[$name]"
done
echo "e2e: ok (the partners' guide: ${#kSteps[@]} steps run, $AGENCY signed two ways, registered, first calls, rotated, failures as the guide says, revoked)"

#!/usr/bin/env bash
# Runs a fault test binary in a network namespace of its own (a user and
# network namespace: unshare -rn), loopback up, with
# FRONTDOOR_FAULT_NETNS=1 so that the test knows it may change the
# network. Exits 77 (skipped), saying why, where the machine does not allow
# it (no unshare or ip, user namespaces disabled, a container without
# CAP_SYS_ADMIN).
# Usage: in_netns.sh TEST_BINARY [ARGS...]
set -euo pipefail
skip() { echo "SKIP: $*" >&2; exit 77; }
command -v unshare >/dev/null || skip "unshare not found (Debian util-linux)"
command -v ip >/dev/null || skip "ip not found (Debian iproute2)"
command -v nsenter >/dev/null || skip "nsenter not found (Debian util-linux)"
why=$(unshare -rn true 2>&1) || skip "no network namespace: unshare -rn: $why"
why=$(unshare -rn ip link add fd-probe type veth peer name fd-probe-b 2>&1) ||
  skip "no veth pair in a network namespace: $why"
exec unshare -rn sh -c 'ip link set lo up && FRONTDOOR_FAULT_NETNS=1 exec "$0" "$@"' "$@"

# shellcheck shell=bash
# Sourced by the end-to-end scripts: the services' configurations from the
# suite's one description (tools/suite-config), in $WORK, on free loopback
# ports, with the development certificates in $WORK/pki, the key ring
# $WORK/keys.json, SQLite databases $WORK/SHORT.db (intake.db, ...) and
# web-svc's assets from $BUILD. Needs BUILD, SRC and WORK.
#
#   suite_configs SERVICES [ARGS...]  writes $WORK/NAME.json for each of the
#       comma-separated SERVICES (each relaying only to those among them;
#       ARGS go to tools/suite-config, e.g. --set=intake-svc:PATH=JSON) and
#       sets API_PORT, HEALTH_PORT and METRICS_PORT (NAME -> port; web-svc's
#       API port is its HTTPS port)

declare -A API_PORT=() HEALTH_PORT=() METRICS_PORT=()

suite_configs() {
  local services=$1
  shift
  "$SRC/tools/suite-config" "$WORK" --services="$services" --ports=free \
    --assets="$BUILD/web-svc/assets" "$@" ||
    { echo "FAIL: tools/suite-config" >&2; exit 1; }
  # shellcheck source=/dev/null
  . "$WORK/ports.sh"
}

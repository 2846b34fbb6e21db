# shellcheck shell=bash
# Sourced by the end-to-end scripts: where each service keeps its store.
#
# On SQLite (the default) a service's store is $WORK/NAME.db. When
# FRONTDOOR_TEST_POSTGRES_DIR is set (ctest's ".postgres" variants), it is a
# fresh schema of its own, made for this run, on the throwaway server that
# tests/testing/pg-server started there; with no server the script exits 77
# (skipped), saying why.
#
# Needs BUILD and WORK. Provides:
#   store_init NAME...     makes each service's store (in the calling shell,
#                          not in $(...): it sets STORE)
#   store_json NAME        the service config's "store": {...} member
#   store_value NAME       its value, {...}
#   store_query NAME SQL   one line per row, columns joined by "|"
#   store_audit NAME       frontdoor-audit verify of the service's chain under
#                          $WORK/keys.json, and against its anchor file when
#                          the service left one (SQLite)
#   store_cleanup          drops the schemas (for the EXIT trap)

declare -A STORE=()   # NAME -> SQLite path or PostgreSQL URL
STORE_PG_URL=""       # the server's URL, on PostgreSQL

store_schema() { echo "e2e_${1//[^a-z0-9]/_}_$$"; }  # NAME: unique to this run

store_init() {
  local name
  if [ -n "${FRONTDOOR_TEST_POSTGRES_DIR:-}" ]; then
    local dir=$FRONTDOOR_TEST_POSTGRES_DIR
    if [ -f "$dir/unavailable" ]; then
      echo "SKIP: no PostgreSQL server for the tests: $(cat "$dir/unavailable")" >&2
      exit 77
    fi
    if [ ! -f "$dir/url" ]; then
      echo "SKIP: no PostgreSQL server for the tests (tests/testing/pg-server" \
        "start has not run: no $dir/url)" >&2
      exit 77
    fi
    command -v psql >/dev/null || {
      echo "SKIP: psql not found (Debian postgresql-client)" >&2; exit 77; }
    STORE_PG_URL=$(cat "$dir/url")
  fi
  for name in "$@"; do
    if [ -z "$STORE_PG_URL" ]; then
      STORE[$name]="$WORK/$name.db"
    else
      local schema
      schema=$(store_schema "$name")
      psql "$STORE_PG_URL" -Xqc "CREATE SCHEMA $schema" ||
        { echo "FAIL: CREATE SCHEMA $schema" >&2; exit 1; }
      STORE[$name]="$STORE_PG_URL&options=-csearch_path%3D$schema"
    fi
  done
}

store_json() {  # NAME
  if [ -z "$STORE_PG_URL" ]; then
    echo "\"store\": {\"sqlitePath\": \"${STORE[$1]}\"}"
  else
    echo "\"store\": {\"postgresUrl\": \"${STORE[$1]}\"}"
  fi
}

store_value() {  # NAME
  local member
  member=$(store_json "$1")
  echo "${member#\"store\": }"
}

store_query() {  # NAME SQL
  if [ -z "$STORE_PG_URL" ]; then
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
for row in db.execute(sys.argv[2]):
    print("|".join(map(str, row)))' "${STORE[$1]}" "$2"
  else
    psql "${STORE[$1]}" -XqAtc "$2"
  fi
}

store_audit() {  # NAME
  local backend=--sqlite
  [ -n "$STORE_PG_URL" ] && backend=--postgres
  local anchor=()
  if [ -z "$STORE_PG_URL" ] && [ -f "${STORE[$1]}.audit-anchor.json" ]; then
    anchor=(--anchor "${STORE[$1]}.audit-anchor.json")
  fi
  "$BUILD/common/audit/frontdoor-audit" verify "$backend" "${STORE[$1]}" \
    --keys "$WORK/keys.json" "${anchor[@]}"
}

store_cleanup() {
  if [ -z "$STORE_PG_URL" ] || [ "${#STORE[@]}" = 0 ]; then return 0; fi
  local name schemas=()
  for name in "${!STORE[@]}"; do schemas+=("$(store_schema "$name")"); done
  PGOPTIONS="-c lock_timeout=5s" psql "$STORE_PG_URL" -Xqc \
    "DROP SCHEMA IF EXISTS $(IFS=,; echo "${schemas[*]}") CASCADE" \
    >/dev/null 2>&1 || true
}

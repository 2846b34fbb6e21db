# Starting a service process in the end-to-end tests (sourced). The caller
# defines BUILD, WORK, an associative array PIDS and fail(); the service's
# config is $WORK/<name>.json and its log $WORK/<name>.log.

# start NAME [STARTS]: starts build/<name>/<name> in the background and waits
# for the STARTS-th (default first) "server.started" line in its log.
start() {
  local name=$1
  "$BUILD/$name/$name" --config="$WORK/$name.json" >>"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  for _ in $(seq 200); do
    [ "$(grep -c '"event":"server.started"' "$WORK/$name.log")" -ge "${2:-1}" ] && return 0
    kill -0 "${PIDS[$name]}" 2>/dev/null || fail "$name exited at start-up"
    sleep 0.05
  done
  fail "$name did not start"
}

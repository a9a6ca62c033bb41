#!/usr/bin/env bash
# Stops what up.sh started: SIGTERM to each service, then waits for it to exit.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

for svc in gateway "${SERVICES[@]}"; do
  [ -f "$RUN_DIR/$svc.pid" ] || continue
  pid="$(cat "$RUN_DIR/$svc.pid")"
  if pid_alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 120); do pid_alive "$pid" || break; sleep 0.05; done
    if pid_alive "$pid"; then
      log "$svc (pid $pid) did not stop in 12 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    else
      log "stopped $svc"
    fi
  fi
  rm -f "$RUN_DIR/$svc.pid"
done

#!/usr/bin/env bash
# Starts the whole platform locally: dependencies, database, all nine services, then waits
# until every /ready answers. Idempotent: a second run starts only what is down.
#   INSTANT_PROFILE=release|dev   build profile (default release)
#   INSTANT_PORT_BASE=8080        gateway port; the others follow (see scripts/lib.sh)
#   INSTANT_RUN_DIR=.run          pid, log and key files
#   INSTANT_SKIP_BUILD=1          start the binaries already in the profile's directory
#                                 (an image, or a benchmark comparing two builds)
# It also builds the web client (services/gateway/web) that the gateway serves at /.
# Every INSTANT_* setting in the environment is passed to the services (README: Settings).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_dependencies
ensure_keys
if [ "${INSTANT_SKIP_BUILD:-0}" != 1 ]; then
  build_web
  build_binaries
fi
bin="$(profile_dir)"

log "creating and migrating the database"
"$bin/migrate" >&2 || die "migrations failed"

export INSTANT_AUTH_URL="${INSTANT_AUTH_URL:-http://127.0.0.1:$(port_of auth)}"
export INSTANT_CHAT_API_URL="${INSTANT_CHAT_API_URL:-http://127.0.0.1:$(port_of chat-api)}"
export INSTANT_FILE_SERVICE_URL="${INSTANT_FILE_SERVICE_URL:-http://127.0.0.1:$(port_of file-service)}"
export INSTANT_CASCADE_SERVICE_URL="${INSTANT_CASCADE_SERVICE_URL:-http://127.0.0.1:$(port_of cascade-service)}"
# Uploaded bytes: a directory of the checkout (git-ignored) unless set to a bucket.
export INSTANT_STORAGE="${INSTANT_STORAGE:-$ROOT/uploads}"
export INSTANT_WEB_DIR="${INSTANT_WEB_DIR:-$WEB_DIR/dist}"

mkdir -p "$RUN_DIR"
for svc in "${SERVICES[@]}"; do
  if alive "$svc"; then
    log "$svc already running (pid $(cat "$RUN_DIR/$svc.pid"))"
    continue
  fi
  port="$(port_of "$svc")"
  port_open 127.0.0.1 "$port" && die "port $port (for $svc) is taken by another process"
  INSTANT_LISTEN="127.0.0.1:$port" setsid "$bin/$svc" >>"$RUN_DIR/$svc.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$svc.pid"
  log "started $svc (pid $!, port $port)"
done

for svc in "${SERVICES[@]}"; do
  port="$(port_of "$svc")"
  ok=""
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then ok=1; break; fi
    alive "$svc" || break
    sleep 0.1
  done
  [ -n "$ok" ] || { tail -n 20 "$RUN_DIR/$svc.log" >&2; die "$svc is not ready (log: $RUN_DIR/$svc.log)"; }
done

gw="http://127.0.0.1:$(port_of gateway)"
cat <<MSG
instant is up.
  Web app   $gw/
  API       $gw/api/v1
  Docs      $gw/docs/
  OpenAPI   $gw/openapi.json
  Health    $gw/health   $gw/ready   $gw/metrics
  Logs      $RUN_DIR/<service>.log      Stop: ./scripts/down.sh
MSG

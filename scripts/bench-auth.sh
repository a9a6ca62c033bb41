#!/usr/bin/env bash
# Auth memory benchmark (issue 16): starts the platform (release, spare ports, its own
# database) and loads auth directly: USERS registrations, one burst of USERS concurrent
# logins, then IDLE seconds of nothing, sampling auth's RSS (scripts/bench-auth.py).
# Reports the peak and the settled RSS beside the idle RSS before and the k8s limit.
#   ./scripts/bench-auth.sh   (USERS=200 IDLE=30 by default)
set -euo pipefail
USERS="${USERS:-200}" IDLE="${IDLE:-30}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
export INSTANT_PORT_BASE="${INSTANT_BENCH_PORT_BASE:-25080}"
export INSTANT_DB_NAME=instant_bench_auth INSTANT_AMQP_PREFIX=benchauth. INSTANT_REDIS_PREFIX=benchauth:
# The burst comes from one address: auth's own throttles must not be what is measured.
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=1000000
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/benchauth"
RUN_DIR="$INSTANT_RUN_DIR"
cleanup() {
  "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
  mysql_cmd -e "DROP DATABASE IF EXISTS instant_bench_auth" 2>/dev/null || true
  for q in $(rabbitmqctl list_queues -q name 2>/dev/null | grep -E '^benchauth\.' || true); do
    rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ensure_dependencies
cleanup
"$ROOT/scripts/up.sh" >/dev/null
limit=$(awk '/^        - name: auth$/ {a=1} a && /limits:/ {match($0, /memory: *([0-9]+)Mi/, m); print m[1]; exit}' "$ROOT/k8s/base/auth.yaml")
python3 "$ROOT/scripts/bench-auth.py" "http://127.0.0.1:$(port_of auth)" "$(cat "$RUN_DIR/auth.pid")" \
  "$USERS" "$IDLE" "${limit:-256}"

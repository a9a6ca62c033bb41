#!/usr/bin/env bash
# Idle WebSocket connections on one gateway: its RSS before and while holding N sockets
# (default 15 000: this workplace caps a process at 20 000 open files, and the client and
# the gateway each need one per socket), and the memory per connection.
#   ./scripts/bench-idle.sh [N]      (release build; starts the platform on spare ports)
set -euo pipefail
N="${1:-15000}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
export INSTANT_PORT_BASE=20080 INSTANT_DB_NAME=instant_idle INSTANT_AMQP_PREFIX=idle. INSTANT_REDIS_PREFIX=idle:
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=100000 INSTANT_WS_MAX_CONNECTIONS_PER_USER=100000
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/idle"
RUN_DIR="$INSTANT_RUN_DIR"
trap '"$ROOT/scripts/down.sh" >/dev/null 2>&1 || true' EXIT
build_loadcheck
"$ROOT/scripts/up.sh" >/dev/null
read -r before peak per < <(measure_idle_sockets "http://127.0.0.1:$INSTANT_PORT_BASE" "$N" 10)
printf 'gateway RSS: idle %d KiB, holding %d connections %d KiB -> %s KiB per connection (target 16)\n' \
  "$before" "$N" "$peak" "$per"

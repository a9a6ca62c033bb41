#!/usr/bin/env bash
# The fault test: while loadcheck sends through the gateway, SIGKILL the persistence-worker
# and the push-worker several times (up.sh brings them back), restart RabbitMQ once and
# FLUSHALL Redis once; then loadcheck checks every invariant (no acknowledged message lost
# or duplicated, seqs unique and ordered, every member got everything by push or sync,
# nothing dead-lettered, queues drained). Disruptive: test.sh runs it alone. Whatever
# happens, the trap leaves RabbitMQ running and the platform stopped.
set -euo pipefail
export INSTANT_PROFILE="${INSTANT_PROFILE:-dev}"
export INSTANT_PORT_BASE="${INSTANT_FAULT_PORT_BASE:-19080}"
export INSTANT_DB_NAME=instant_fault
export INSTANT_AMQP_PREFIX=fault.
export INSTANT_REDIS_PREFIX="fault:"
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=100000
export INSTANT_RATE_LIMIT_USER_PER_MINUTE=1000000
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/fault"
RUN_DIR="$INSTANT_RUN_DIR"
ensure_dependencies
mysql_cmd -e "DROP DATABASE IF EXISTS instant_fault" 2>/dev/null || true
for q in $(rabbitmqctl list_queues -q name 2>/dev/null | grep -E '^fault\.' || true); do rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true; done

cleanup() {
  port_open 127.0.0.1 5672 || { rabbitmqctl start_app >/dev/null 2>&1 || true; rabbitmqctl await_startup >/dev/null 2>&1 || true; }
  "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

build_loadcheck
"$ROOT/scripts/up.sh" >/dev/null
bin="$(profile_dir)"
RATE="${INSTANT_FAULT_RATE:-50}" SECS="${INSTANT_FAULT_SECS:-45}"
"$bin/loadcheck" --gateway "http://127.0.0.1:$INSTANT_PORT_BASE" --users 20 --rate "$RATE" --duration "$SECS" \
  --drain-secs 60 --amqp-prefix fault. --no-baseline >"$RUN_DIR/loadcheck.out" 2>"$RUN_DIR/loadcheck.err" &
load=$!

kill9() { # service
  local pid; pid="$(cat "$RUN_DIR/$1.pid")"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  log "SIGKILLed $1"
}
restart() { "$ROOT/scripts/up.sh" >/dev/null 2>&1 && log "restarted what was down"; }
at() { # seconds since start, then a command
  local target=$1; shift
  while (( SECONDS - t0 < target )); do sleep 0.2; done
  "$@"
}
t0=$SECONDS
sleep 8  # loadcheck's setup: users, conversations, sockets
t0=$SECONDS
at 3 kill9 persistence-worker; at 5 restart
at 8 kill9 push-worker; at 10 restart
at 13 kill9 persistence-worker; kill9 push-worker; at 15 restart
at 18 bash -c 'rabbitmqctl stop_app >/dev/null && echo "[fault] RabbitMQ stopped" >&2'
at 23 bash -c 'rabbitmqctl start_app >/dev/null && echo "[fault] RabbitMQ started" >&2'
at 28 kill9 push-worker; at 30 restart
at 33 bash -c 'redis-cli FLUSHALL >/dev/null && echo "[fault] Redis FLUSHALL" >&2'
at 36 kill9 persistence-worker; at 38 restart

status=0
wait "$load" || status=$?
cat "$RUN_DIR/loadcheck.out"
if [ "$status" != 0 ]; then
  tail -n 20 "$RUN_DIR/loadcheck.err" >&2
  echo "fault: 0 passed, 1 failed"
  exit 1
fi
echo "fault: 1 passed, 0 failed"

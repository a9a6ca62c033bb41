#!/usr/bin/env bash
# The soak (issue 16): SOAK_SECS (default one hour) of mixed traffic through the gateway at a
# fixed rate near half the measured saturation, while one fault is injected every window in
# turn; then a report (scripts/soak.py) that must hold:
#   - loadcheck's sends, one run per window (SOAK_WINDOW_SECS, default 300): 1:1 at SOAK_RATE
#     msg/s (20 users) and a group of 10 at SOAK_GROUP_RATE; each window's invariants (no
#     acknowledged message lost or duplicated, every member got everything, nothing
#     dead-lettered) and its send->ack p50/p99 — flat: the last window's p99 within 1.5x the
#     first's; WebSocket connects and disconnects come with every window's clients;
#   - beside them (scripts/soak.py drive): logins and refreshes, history reads, uploads and
#     downloads, events, broadcasts — no 500s (503 while a dependency is down is expected);
#   - faults, one per window in this order: SIGKILL persistence-worker, push-worker,
#     broadcast-worker, event-worker, RabbitMQ restart, Redis FLUSHALL, MariaDB restart,
#     and a gateway SIGKILL between windows (the sockets of a window stay on their node);
#   - every service's RSS and open fds sampled every 10 s: peak under its Kubernetes limit,
#     the end near the start, fds back; the dead-letter queue empty at the end.
# Not in CI by default; test.sh runs a short version (SOAK_SECS=300, two windows).
#   ./scripts/soak.sh            one hour, release build
#   SOAK_SECS=300 SOAK_WINDOW_SECS=150 INSTANT_PROFILE=dev ./scripts/soak.sh
# Whatever happens, the trap leaves RabbitMQ, Redis and MariaDB running and the platform
# stopped, and removes what the soak made.
set -euo pipefail
SECS="${SOAK_SECS:-3600}" WINDOW="${SOAK_WINDOW_SECS:-300}"
RATE="${SOAK_RATE:-150}" GROUP_RATE="${SOAK_GROUP_RATE:-15}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
export INSTANT_PORT_BASE="${INSTANT_SOAK_PORT_BASE:-26080}"
export INSTANT_DB_NAME=instant_soak INSTANT_AMQP_PREFIX=soak. INSTANT_REDIS_PREFIX=soak:
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=1000000 INSTANT_RATE_LIMIT_USER_PER_MINUTE=100000000
export INSTANT_WS_FRAMES_PER_SECOND=100000
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/soak"
RUN_DIR="$INSTANT_RUN_DIR"
OUT="$RUN_DIR/report"
STOP="$RUN_DIR/stop"
pids=()
mariadb_up() { mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1; }
start_mariadb() {
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
  for _ in $(seq 1 120); do mariadb_up && return 0; sleep 0.5; done
  return 1
}
cleanup() {
  touch "$STOP" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  port_open 127.0.0.1 5672 || { rabbitmqctl start_app >/dev/null 2>&1 || true; rabbitmqctl await_startup >/dev/null 2>&1 || true; }
  mariadb_up || start_mariadb || true
  port_open 127.0.0.1 6379 || ensure_redis || true
  "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
  mysql_cmd -e "DROP DATABASE IF EXISTS instant_soak" 2>/dev/null || true
  for q in $(rabbitmqctl list_queues -q name 2>/dev/null | grep -E '^soak\.' || true); do
    rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ensure_dependencies
cleanup
trap cleanup EXIT
rm -rf "$OUT" "$STOP"
mkdir -p "$OUT"
build_loadcheck
"$ROOT/scripts/up.sh" >/dev/null
bin="$(profile_dir)"
gw="http://127.0.0.1:$INSTANT_PORT_BASE"
admin="soak_admin_$RANDOM"
echo 'soak admin password' | "$ROOT/scripts/admin.sh" create-admin "$admin" >/dev/null
python3 "$ROOT/scripts/soak.py" sample "$RUN_DIR" "$OUT/samples.csv" "$STOP" & pids+=($!)
python3 "$ROOT/scripts/soak.py" drive "$gw" "$admin" 'soak admin password' "$OUT/driver.jsonl" "$STOP" & pids+=($!)

kill9() { # service
  local pid; pid="$(cat "$RUN_DIR/$1.pid")"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  sleep 2
  "$ROOT/scripts/up.sh" >/dev/null 2>&1
  echo "SIGKILL $1, restarted"
}
fault() { # index
  case $(( $1 % 7 )) in
    0) kill9 persistence-worker ;;
    1) kill9 push-worker ;;
    2) kill9 broadcast-worker ;;
    3) kill9 event-worker ;;
    4) rabbitmqctl stop_app >/dev/null; sleep 5; rabbitmqctl start_app >/dev/null
       rabbitmqctl await_startup >/dev/null; echo "RabbitMQ restarted (5 s down)" ;;
    5) redis-cli FLUSHALL >/dev/null; echo "Redis FLUSHALL" ;;
    6) mysqladmin -uroot -h127.0.0.1 shutdown >/dev/null 2>&1 || true
       for _ in $(seq 1 60); do mariadb_up || break; sleep 0.5; done
       sleep 3; start_mariadb; echo "MariaDB restarted" ;;
  esac
}
windows=$(( SECS / WINDOW ))
(( windows >= 1 )) || die "SOAK_SECS must be at least SOAK_WINDOW_SECS"
send_secs=$(( WINDOW - 45 ))
(( send_secs >= 20 )) || die "SOAK_WINDOW_SECS must be at least 65"
log "soak: $windows windows of $WINDOW s: 1:1 at $RATE msg/s, a group of 10 at $GROUP_RATE msg/s, mixed traffic, one fault per window"
for ((i = 0; i < windows; i++)); do
  "$bin/loadcheck" --gateway "$gw" --mode direct --users 20 --rate "$RATE" --duration "$send_secs" \
    --drain-secs 30 --amqp-prefix soak. --no-baseline --run-dir "$RUN_DIR" \
    >"$OUT/seg$i-direct.txt" 2>"$OUT/seg$i-direct.err" &
  direct=$!
  "$bin/loadcheck" --gateway "$gw" --mode group --users 10 --rate "$GROUP_RATE" --duration "$send_secs" \
    --drain-secs 30 --amqp-prefix soak. --no-baseline --run-dir "$RUN_DIR" \
    >"$OUT/seg$i-group.txt" 2>"$OUT/seg$i-group.err" &
  group=$!
  sleep $(( send_secs / 2 ))
  what="$(fault "$i")"
  log "window $i: $what"
  echo "$what" >"$OUT/seg$i-direct.fault"
  wait "$direct" || true
  wait "$group" || true
  if (( i % 4 == 3 )); then
    # Between windows, with no window's sockets on it: a gateway dies and comes back.
    log "window $i: $(kill9 gateway)"
  fi
done
touch "$STOP"
sleep 12
dlq=$(rabbitmqctl list_queues -q name messages 2>/dev/null | awk '$1 == "soak.instant_dead_letter_queue" {print $2}')
python3 "$ROOT/scripts/soak.py" report "$OUT" "$ROOT/k8s/base" "${dlq:-0}" "$WINDOW" | tee "$OUT/report.txt"
[ "${PIPESTATUS[0]}" = 0 ]

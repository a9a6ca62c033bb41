#!/usr/bin/env bash
# Webhook benchmark (issue 15): starts the platform (release, spare ports, its own database
# and queue prefix) with a local receiver, then three loadcheck runs of group sends at
# RATE msg/s: no webhook; one webhook (delivery latency, beside loadcheck's raw
# publish->consume baseline of the same number of messages in the same run); five
# webhooks (the send path's cost: send->ack p50 beside the run without any). Everything it
# made is removed.   ./scripts/bench-webhooks.sh   (RATE=200 SECS=20 by default)
set -euo pipefail
RATE="${RATE:-200}" SECS="${SECS:-20}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
export INSTANT_PORT_BASE="${INSTANT_BENCH_PORT_BASE:-24080}"
export INSTANT_DB_NAME=instant_bench_wh INSTANT_AMQP_PREFIX=benchwh. INSTANT_REDIS_PREFIX=benchwh:
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=1000000 INSTANT_RATE_LIMIT_USER_PER_MINUTE=100000000
export INSTANT_WS_FRAMES_PER_SECOND=100000
# The receiver is on this machine.
export INSTANT_WEBHOOK_ALLOW_PRIVATE=true
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/benchwh"
RUN_DIR="$INSTANT_RUN_DIR"
OUT="$RUN_DIR/out"
RX_PORT=$((INSTANT_PORT_BASE + 50))
SECRET="bench-webhook-secret-0123456789"
rx_pid=""
cleanup() {
  [ -n "$rx_pid" ] && kill "$rx_pid" 2>/dev/null || true
  "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
  mysql_cmd -e "DROP DATABASE IF EXISTS instant_bench_wh" 2>/dev/null || true
  for q in $(rabbitmqctl list_queues -q name 2>/dev/null | grep -E '^benchwh\.' || true); do
    rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ensure_dependencies
cleanup
build_loadcheck
"$ROOT/scripts/up.sh" >/dev/null
mkdir -p "$OUT"
python3 "$ROOT/scripts/bench-webhooks.py" "$RX_PORT" "$SECRET" &
rx_pid=$!
bin="$(profile_dir)"
gw="http://127.0.0.1:$INSTANT_PORT_BASE"
admin="bench_admin_$RANDOM"
echo 'bench admin password' | "$ROOT/scripts/admin.sh" create-admin "$admin" >/dev/null
token=$(curl -s -XPOST "$gw/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$admin\",\"password\":\"bench admin password\"}" | jq -r .access_token)
[ -n "$token" ] && [ "$token" != null ] || die "the bench admin could not log in"
hook() { # path -> id
  local body
  body=$(curl -s -XPOST "$gw/api/v1/admin/webhooks" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$RX_PORT$1\",\"events\":[\"message\"],\"secret\":\"$SECRET\"}")
  jq -e .id <<<"$body" >/dev/null || die "creating a webhook failed: $body"
  jq -r .id <<<"$body"
}
unhook() { curl -sf -XDELETE "$gw/api/v1/admin/webhooks/$1" -H "authorization: Bearer $token" >/dev/null; }
run() { # name
  log "run $1: group of 10 at $RATE msg/s for $SECS s"
  "$bin/loadcheck" --gateway "$gw" --amqp-prefix benchwh. --run-dir "$RUN_DIR" --mode group --users 10 \
    --rate "$RATE" --duration "$SECS" --drain-secs 30 --baseline-paced >"$OUT/$1.txt" 2>"$OUT/$1.err" \
    || log "run $1: invariants violated or failed (see $OUT/$1.txt)"
}
drained() { # waits until no delivery is pending (60 s at most)
  for _ in $(seq 1 120); do
    [ "$(mysql_cmd -N instant_bench_wh -e "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")" = 0 ] && return 0
    sleep 0.5
  done
  log "deliveries still pending after 60 s"
}
stats() { curl -sf "http://127.0.0.1:$RX_PORT/stats?$1"; }

run none
id1=$(hook /one)
run one
drained
one=$(stats "path=/one")
unhook "$id1"
ids=()
for i in 1 2 3 4 5; do ids+=("$(hook "/five$i")"); done
run five
drained
five=$(stats "path=/five1&path=/five2&path=/five3&path=/five4&path=/five5")
for id in "${ids[@]}"; do unhook "$id"; done
peak=$(ps -o rss= -p "$(cat "$RUN_DIR/chat-api.pid")" | awk '{printf "%.0f", $1/1024}')

python3 - "$OUT" "$one" "$five" "$RATE" "$peak" <<'PY'
import json, re, sys
out, one, five, rate, rss = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5]
def read(n): return open(f"{out}/{n}.txt").read()
def ack(t): return [float(x) for x in re.search(r"send->ack p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", t).groups()]
def base(t):
    m = re.search(r"publish->consume p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+\((\d+) raw", t)
    return [float(m.group(1)), float(m.group(3)), int(m.group(4))]
none, o, f = read("none"), read("one"), read("five")
print(f"webhooks at {rate} msg/s (group of 10, release, this machine)")
b = base(o)
print(f"  delivery, 1 webhook   p50 {one['p50']:8.2f} ms  p99 {one['p99']:8.2f} ms  ({one['count']} deliveries, {one['bad_signatures']} bad signatures)")
print(f"  raw broker baseline   p50 {b[0]:8.2f} ms  p99 {b[1]:8.2f} ms  ({b[2]} messages published at {rate}/s and consumed with lapin, same run)")
print(f"  delivery, 5 webhooks  p50 {five['p50']:8.2f} ms  p99 {five['p99']:8.2f} ms  ({five['count']} deliveries)")
a0, a5 = ack(none), ack(f)
print(f"  send->ack, 0 webhooks p50 {a0[0]:8.2f} ms  p99 {a0[2]:8.2f} ms")
print(f"  send->ack, 5 webhooks p50 {a5[0]:8.2f} ms  p99 {a5[2]:8.2f} ms")
print(f"  chat-api RSS after the runs: {rss} MiB")
PY

#!/usr/bin/env bash
# End to end: brings the platform up with up.sh on spare ports and its own database, walks
# the contract's auth flow through the gateway with curl, checks the broker bindings, and
# stops everything with down.sh. Run by test.sh; safe beside a running dev system.
set -euo pipefail
export INSTANT_PROFILE="${INSTANT_PROFILE:-dev}"
export INSTANT_PORT_BASE="${INSTANT_E2E_PORT_BASE:-18080}"
export INSTANT_DB_NAME=instant_e2e
export INSTANT_AMQP_PREFIX=e2e.
export INSTANT_REDIS_PREFIX="e2e:$$:"
# Per-request and per-delivery lines (debug) for the trace check below.
export INSTANT_LOG="info,lapin=warn,actix_server=warn,kit::http=debug,bus=debug"
# The lifecycle load below registers and logs in its own users from this one address.
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE="${INSTANT_RATE_LIMIT_AUTH_PER_MINUTE:-300}"
source "$(dirname "$0")/lib.sh"
export INSTANT_STORAGE="$ROOT/.run/e2e/uploads"
export INSTANT_RUN_DIR="$ROOT/.run/e2e"
RUN_DIR="$INSTANT_RUN_DIR"
ensure_dependencies
command -v jq >/dev/null || install_packages jq
mysql_cmd -e "DROP DATABASE IF EXISTS instant_e2e" 2>/dev/null || true
# The audit feed of an earlier run would satisfy the relay check below on its own.
rabbitmqctl delete_queue "${INSTANT_AMQP_PREFIX}audit_queue" >/dev/null 2>&1 || true
# A stand-in OTLP collector and push gateway (scripts/collector.py): every service
# exports its spans there, and push-worker sends offline pushes there.
mkdir -p "$RUN_DIR"
COLLECTED="$RUN_DIR/collected.jsonl"
: >"$COLLECTED"
collector_port=$((INSTANT_PORT_BASE + 60))
python3 "$ROOT/scripts/collector.py" "$collector_port" "$COLLECTED" &
collector_pid=$!
export INSTANT_OTLP_ENDPOINT="http://127.0.0.1:$collector_port"
export INSTANT_PUSH_WEBHOOK_URL="http://127.0.0.1:$collector_port/push"
export INSTANT_PUSH_WEBHOOK_SECRET="e2e push secret"
trap '"$ROOT/scripts/down.sh" >/dev/null 2>&1 || true; kill "$collector_pid" 2>/dev/null || true' EXIT

passed=0 failed=0
check() { # name, then a command that must succeed
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); log "ok   $name"; else failed=$((failed + 1)); log "FAIL $name"; fi
}

"$ROOT/scripts/up.sh"
gw="http://127.0.0.1:$INSTANT_PORT_BASE"
api="$gw/api/v1"
# Everything published from here on is checked against /asyncapi.json at the end.
ensure_tools_venv
check "a tap on every routing key (for the AsyncAPI check)" "$TOOLS_VENV/bin/python" "$ROOT/scripts/asyncapi_check.py" tap --prefix e2e.

all_alive() { for s in "${SERVICES[@]}"; do alive "$s" || return 1; done; }
check "nine processes alive with pid files" all_alive
check "gateway /health" curl -fsS "$gw/health" -o /dev/null
check "gateway /ready" curl -fsS "$gw/ready" -o /dev/null
check "gateway /metrics is Prometheus text" bash -c "curl -fsS '$gw/metrics' | grep -q '^# TYPE http_requests_total'"
check "idempotent up.sh" "$ROOT/scripts/up.sh"

user="e2e_$RANDOM$RANDOM"
status() { curl -s -o /tmp/e2e_body.$$ -w '%{http_code}' "$@"; }
check "register 201" test "$(status -X POST "$api/auth/register" -H 'content-type: application/json' -d "{\"username\":\"$user\",\"password\":\"e2e password\"}")" = 201
check "login 200" test "$(status -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$user\",\"password\":\"e2e password\"}")" = 200
access="$(jq -r .access_token /tmp/e2e_body.$$)"
refresh="$(jq -r .refresh_token /tmp/e2e_body.$$)"
check "me 200" test "$(status "$api/users/me" -H "authorization: Bearer $access")" = 200
check "me is the user" test "$(jq -r .username /tmp/e2e_body.$$)" = "$user"
check "search finds the user" bash -c "curl -fsS '$api/users/search?q=$user' -H 'authorization: Bearer $access' | jq -e '.items[0].username == \"$user\"' >/dev/null"
check "refresh 200" test "$(status -X POST "$api/auth/refresh" -H 'content-type: application/json' -d "{\"refresh_token\":\"$refresh\"}")" = 200
check "spent refresh 401" test "$(status -X POST "$api/auth/refresh" -H 'content-type: application/json' -d "{\"refresh_token\":\"$refresh\"}")" = 401
# A reused refresh token is a theft signal: that session's access tokens end too.
session_ended() {
  for _ in $(seq 1 50); do
    [ "$(status "$api/users/me" -H "authorization: Bearer $access")" = 401 ] && return 0
    sleep 0.1
  done
  return 1
}
check "the reused session's access token is refused within 5 s" session_ended
check "login again 200" test "$(status -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$user\",\"password\":\"e2e password\"}")" = 200
access="$(jq -r .access_token /tmp/e2e_body.$$)"
check "openapi.json lists auth" bash -c "curl -fsS '$gw/openapi.json' | jq -e '.paths[\"/api/v1/auth/login\"].post' >/dev/null"
check "docs served offline" bash -c "curl -fsS '$gw/docs/' | grep -qi swagger"
check "admin.sh create-admin" bash -c "echo 'admin password 1' | INSTANT_DATABASE_URL='$INSTANT_DATABASE_URL' '$ROOT/scripts/admin.sh' create-admin e2e_admin_$$ >/dev/null"
# Groups, notifications and files through the gateway.
login_as() { # username -> access token
  curl -fsS -X POST "$api/auth/register" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"e2e password\"}" >/dev/null
  curl -fsS -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"e2e password\"}" | jq -r .access_token
}
bob="e2e_bob_$$"
bob_token="$(login_as "$bob")"
bob_id="$(curl -fsS "$api/users/me" -H "authorization: Bearer $bob_token" | jq -r .id)"
auth=(-H "authorization: Bearer $access")
check "create group 201" test "$(status -X POST "$api/conversations" "${auth[@]}" -H 'content-type: application/json' -d '{"type":"group","name":"e2e","member_ids":[]}')" = 201
group="$(jq -r .id /tmp/e2e_body.$$)"
check "add member 200" test "$(status -X POST "$api/groups/$group/members" "${auth[@]}" -H 'content-type: application/json' -d "{\"user_ids\":[$bob_id]}")" = 200
check "added member notified" bash -c "curl -fsS '$api/notifications' -H 'authorization: Bearer $bob_token' | jq -e '.items[0].kind == \"group.added\"' >/dev/null"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x20\0\0\0\x10\x08\x06\0\0\0' >"$INSTANT_RUN_DIR/e2e.png"
check "upload 201 with detected type and size" bash -c "curl -fsS -F 'file=@$INSTANT_RUN_DIR/e2e.png;filename=../../x.html;type=text/html' '$api/files' -H 'authorization: Bearer $access' >/tmp/e2e_file.$$ && jq -e '.content_type == \"image/png\" and .width == 32 and .height == 16 and .filename == \"x.html\"' /tmp/e2e_file.$$ >/dev/null"
file_id="$(jq -r .id /tmp/e2e_file.$$ 2>/dev/null || true)"
check "stranger gets 404 before it is sent" test "$(status "$api/files/$file_id" -H "authorization: Bearer $bob_token")" = 404
check "image message 201" test "$(status -X POST "$api/messages" "${auth[@]}" -H 'content-type: application/json' -d "{\"conversation_id\":$group,\"client_msg_id\":\"img-1\",\"type\":\"image\",\"content\":\"\",\"file_id\":\"$file_id\"}")" = 201
check "member downloads a range (206)" test "$(status "$api/files/$file_id/content" -H "authorization: Bearer $bob_token" -H 'range: bytes=0-3')" = 206
check "kick 204, then the file is gone for them" bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' -X DELETE '$api/groups/$group/members/$bob_id' -H 'authorization: Bearer $access')\" = 204 && test \"\$(curl -s -o /dev/null -w '%{http_code}' '$api/files/$file_id' -H 'authorization: Bearer $bob_token')\" = 404"
rm -f /tmp/e2e_file.$$
refused_within_5s() { # token: 401 within 5 s
  for _ in $(seq 1 50); do
    [ "$(status "$api/users/me" -H "authorization: Bearer $1")" = 401 ] && return 0
    sleep 0.1
  done
  return 1
}
bob_login() { status -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$bob\",\"password\":\"e2e password\"}"; }
disable_bob() {
  "$ROOT/scripts/admin.sh" disable "$bob" e2e >/dev/null || return 1
  refused_within_5s "$bob_token" && test "$(bob_login)" = 403
}
enable_bob() { "$ROOT/scripts/admin.sh" enable "$bob" >/dev/null && test "$(bob_login)" = 200; }
check "admin.sh disable: the user's token is refused within 5 s, login is 403" disable_bob
check "admin.sh enable: the user logs in again" enable_bob
# Genesis, the spent refresh token above (auth.refresh_reuse), disable, enable.
check "admin.sh audit-verify: the chain holds" bash -c "'$ROOT/scripts/admin.sh' audit-verify | grep -q 'intact: 4 rows'"
audit_on_bus() {
  for _ in $(seq 1 50); do
    local n; n="$(rabbitmqctl list_queues -q name messages 2>/dev/null | awk -v q="${INSTANT_AMQP_PREFIX}audit_queue" '$1 == q {print $2}')"
    [ "${n:-0}" -ge 4 ] && return 0
    sleep 0.1
  done
  return 1
}
check "every audit row relayed onto the bus (audit_queue)" audit_on_bus
check "admin.sh stats: users, conversations, queues" bash -c "'$ROOT/scripts/admin.sh' stats | jq -e '.users.total >= 2 and (.queues | length) >= 5 and (.messages_per_day | length) == 30' >/dev/null"

bindings() {
  local out; out="$(rabbitmqctl list_bindings -q source_name destination_name routing_key 2>/dev/null)"
  for pair in "persistence_queue chat.message.#" "persistence_queue system.event" "persistence_queue system.broadcast" \
    "realtime_push_queue chat.message.#" "realtime_push_queue user.status.#" "realtime_push_queue system.notification.#" \
    "broadcast_process_queue system.broadcast" "event_process_queue system.event"; do
    set -- $pair
    # A here-string, not a pipe: with pipefail, grep -q exiting early would fail the pipe.
    grep -qP "^e2e\.instant_exchange\te2e\.$1\t\Q$2\E$" <<<"$out" || { log "missing binding $1 <- $2"; return 1; }
  done
}
check "contract bindings declared" bindings

# The web client: served by the gateway on its own origin, then used by two people in
# Debian's Chromium (services/gateway/web/e2e, node's test runner + playwright-core).
header_of() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | grep -i "^$2:" | cut -d' ' -f2-; }
csp_strict() { [[ "$(header_of "$gw/" content-security-policy)" == "default-src 'self'; "* ]]; }
deep_link_is_app() { curl -fsS "$gw/c/1" | grep -q '<div id="app">'; }
asset_immutable() {
  local asset; asset="$(curl -fsS "$gw/" | grep -o '/assets/[^"]*\.js' | head -1)"
  [ -n "$asset" ] && [ "$(header_of "$gw$asset" cache-control)" = "public, max-age=31536000, immutable" ]
}
api_404_is_json() { curl -s "$gw/api/v1/nope" | jq -e '.error.code' >/dev/null; }
check "web client at / with a strict CSP" csp_strict
check "a deep link (/c/1) is the app" deep_link_is_app
check "hashed assets cached immutably" asset_immutable
check "an unknown API path stays JSON" api_404_is_json
if [ "${INSTANT_SKIP_BROWSER:-0}" != 1 ]; then
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || install_packages chromium chromium-driver
  ensure_web_deps 20
  log "browser tests (Chromium, two users) against $gw"
  check "browser tests (services/gateway/web/e2e)" bash -c "cd '$WEB_DIR' && INSTANT_WEB_URL='$gw' INSTANT_WEB_ADMIN_USER='e2e_admin_$$' INSTANT_WEB_ADMIN_PASSWORD='admin password 1' npm run --silent test:browser"
fi

# The message lifecycle under load: sends with edits, reactions and recalls mixed in (0.5
# per send), in one group and in direct chats; every device must end in the state of
# history and a device offline for most of the run must catch up by sync, each change once.
lifecycle_load() { # mode, users, rate
  "$(profile_dir)/loadcheck" --gateway "$gw" --mode "$1" --users "$2" --rate "$3" --duration 8 \
    --changes 0.5 --amqp-prefix e2e. --no-baseline --run-dir "$RUN_DIR" \
    >"$RUN_DIR/lifecycle-$1.out" 2>"$RUN_DIR/lifecycle-$1.err" \
    || { cat "$RUN_DIR/lifecycle-$1.out"; tail -n 5 "$RUN_DIR/lifecycle-$1.err"; return 1; }
  grep -E '^  (changes|devices|invariants)' "$RUN_DIR/lifecycle-$1.out" >&2
}
build_loadcheck
# One trace per message: a send with a traceparent of our own, received by a socket, must
# show its trace id in the logs of the gateway (request and delivery), chat-api,
# persistence-worker and push-worker.
one_trace() {
  local out id
  out="$("$(profile_dir)/loadcheck" --gateway "$gw" --mode trace)" || { echo "$out"; return 1; }
  id="$(awk '$1 == "trace_id" {print $2}' <<<"$out")"
  [ "${#id}" = 32 ] || return 1
  TRACE_ID="$id"
  sleep 1
  for svc in gateway chat-api persistence-worker push-worker; do
    grep -q "\"trace_id\":\"$id\"" "$RUN_DIR/$svc.log" || { log "trace $id not in $svc.log"; return 1; }
  done
  grep "\"trace_id\":\"$id\"" "$RUN_DIR/gateway.log" | grep -q '"name":"delivery"' \
    || { log "trace $id: no delivery line in gateway.log"; return 1; }
}
check "one send's trace id in the logs of gateway, chat-api, persistence-worker, push-worker" one_trace
# The same trace exported over OTLP: spans from the four processes forming one tree (only
# the gateway's request span has its parent outside: loadcheck's own span).
otlp_tree() {
  for _ in $(seq 1 40); do
    "$TOOLS_VENV/bin/python" "$ROOT/scripts/otlp_check.py" "$COLLECTED" "$TRACE_ID" && return 0
    sleep 0.5
  done
  log "trace $TRACE_ID: no complete span tree at the collector"
  return 1
}
check "the same trace exported over OTLP as one span tree across the four processes" otlp_tree
# Offline push: a user with a registered device and no socket gets a signed push at the
# push gateway when someone writes to them.
offline_push() {
  local pw="e2e password" a b ta tb b_id conv device="e2e-device-$$"
  a="e2e_pa_$RANDOM$RANDOM"; b="e2e_pb_$RANDOM$RANDOM"
  for u in "$a" "$b"; do
    curl -fsS -X POST "$api/auth/register" -H 'content-type: application/json' \
      -d "{\"username\":\"$u\",\"password\":\"$pw\"}" -o /dev/null || return 1
  done
  ta="$(curl -fsS -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$a\",\"password\":\"$pw\"}" | jq -r .access_token)"
  tb="$(curl -fsS -X POST "$api/auth/login" -H 'content-type: application/json' -d "{\"username\":\"$b\",\"password\":\"$pw\"}" | jq -r .access_token)"
  curl -fsS -X PUT "$api/users/me/devices/$device" -H "authorization: Bearer $tb" \
    -H 'content-type: application/json' -d '{"platform":"fcm"}' -o /dev/null || return 1
  b_id="$(curl -fsS "$api/users/me" -H "authorization: Bearer $tb" | jq -r .id)"
  conv="$(curl -fsS -X POST "$api/conversations" -H "authorization: Bearer $ta" -H 'content-type: application/json' \
    -d "{\"type\":\"direct\",\"member_ids\":[$b_id]}" | jq -r .id)"
  curl -fsS -X POST "$api/messages" -H "authorization: Bearer $ta" -H 'content-type: application/json' \
    -d "{\"conversation_id\":$conv,\"client_msg_id\":\"push-$$\",\"type\":\"text\",\"content\":\"are you there\"}" -o /dev/null || return 1
  for _ in $(seq 1 40); do
    jq -e --arg t "$device" 'select(.path == "/push" and .body.token == $t
        and .body.notification.body == "are you there" and .body.notification.badge == 1
        and (.headers["x-instant-signature"] | startswith("v1=")))' "$COLLECTED" >/dev/null && return 0
    sleep 0.25
  done
  return 1
}
check "offline push: a device of a user without a socket gets the message at the push gateway" offline_push
check "lifecycle load in a group: every device equals history" lifecycle_load group 6 30
check "lifecycle load in direct chats: every device equals history" lifecycle_load direct 10 40
# The dashboard's and the alerts' queries name metrics the services really export.
metrics_named_exist() {
  local urls=() s
  for s in "${SERVICES[@]}"; do urls+=("http://127.0.0.1:$(port_of "$s")/metrics"); done
  "$TOOLS_VENV/bin/python" "$ROOT/scripts/monitoring_check.py" --scrape "${urls[@]}"
}
check "dashboard and alert queries name exported metrics (deploy/grafana, k8s/monitoring)" metrics_named_exist
check "every envelope published during e2e matches /asyncapi.json" \
  "$TOOLS_VENV/bin/python" "$ROOT/scripts/asyncapi_check.py" check --prefix e2e. --doc "$gw/asyncapi.json" --min-kinds 6

"$ROOT/scripts/down.sh"
none_alive() { for s in "${SERVICES[@]}"; do ! alive "$s" || return 1; done; }
check "down.sh stops everything" none_alive
rm -f /tmp/e2e_body.$$
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]

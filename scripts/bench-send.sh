#!/usr/bin/env bash
# The send-path benchmark (issue "Speed"): starts the platform (release, spare ports, its
# own database and queue prefix), runs the loadcheck series below, and prints one table,
# every figure beside the raw-broker baseline loadcheck measured in the same run, then the
# CPU each process spent per 1 000 messages in each run. Everything it made is removed.
#   ./scripts/bench-send.sh            (about 5 minutes on 2 cores)
#   IDLE_SOCKETS=15000 ./scripts/bench-send.sh   (more idle sockets; this workplace caps a process at 20 000 files)
#   SECS=20 ./scripts/bench-send.sh    (longer runs)
set -euo pipefail
SECS="${SECS:-10}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
export INSTANT_PORT_BASE="${INSTANT_BENCH_PORT_BASE:-23080}"
export INSTANT_DB_NAME=instant_bench INSTANT_AMQP_PREFIX=bench. INSTANT_REDIS_PREFIX=bench:
# Load is the point here: the per-user and per-socket limits would only measure themselves.
export INSTANT_RATE_LIMIT_AUTH_PER_MINUTE=1000000 INSTANT_RATE_LIMIT_USER_PER_MINUTE=100000000
export INSTANT_WS_FRAMES_PER_SECOND=100000 INSTANT_WS_MAX_CONNECTIONS_PER_USER=1000
source "$(dirname "$0")/lib.sh"
export INSTANT_RUN_DIR="$ROOT/.run/bench"
RUN_DIR="$INSTANT_RUN_DIR"
OUT="$RUN_DIR/out"

cleanup() {
  "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
  mysql_cmd -e "DROP DATABASE IF EXISTS instant_bench" 2>/dev/null || true
  for q in $(rabbitmqctl list_queues -q name 2>/dev/null | grep -E '^bench\.' || true); do
    rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ensure_dependencies
cleanup
build_loadcheck
"$ROOT/scripts/up.sh" >/dev/null
mkdir -p "$OUT"
bin="$(profile_dir)"
gw="http://127.0.0.1:$INSTANT_PORT_BASE"

# An admin for the event storm.
admin="bench_admin_$RANDOM"
echo 'bench admin password' | "$ROOT/scripts/admin.sh" create-admin "$admin" >/dev/null
token=$(curl -sf -XPOST "$gw/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$admin\",\"password\":\"bench admin password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

run() { # name, loadcheck args...
  local name="$1"; shift
  log "run $name: $*"
  "$bin/loadcheck" --gateway "$gw" --amqp-prefix bench. --run-dir "$RUN_DIR" --drain-secs 30 "$@" \
    >"$OUT/$name.txt" 2>"$OUT/$name.err" || log "run $name: invariants violated or failed (see $OUT/$name.txt)"
}

# Idle sockets first, on the fresh gateway (its baseline: its own RSS before them).
log "run idle: ${IDLE_SOCKETS:-10000} idle WebSockets"
measure_idle_sockets "$gw" "${IDLE_SOCKETS:-10000}" 20 >"$OUT/idle.txt" 2>"$OUT/idle.err" \
  || log "run idle failed (see $OUT/idle.err)"
run saturation --mode direct --users 20 --rate 4000 --duration "$SECS"
run rate1000 --mode direct --users 20 --rate 1000 --duration "$SECS"
run closed --mode closed --users 32 --senders 32 --duration "$SECS"
run quiet --mode direct --users 20 --rate 10 --duration "$SECS"
run group500 --mode group --users 500 --rate 50 --duration "$SECS"
run events --mode events --users 20 --rate 5000 --duration "$SECS" --admin-token "$token"

# Start-up time and idle RSS of every binary beside a hello-world actix-web server.
"$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
log "run startup: scripts/bench-startup.py"
RUNS=3 python3 "$ROOT/scripts/bench-startup.py" >"$OUT/startup.txt" 2>&1 || true

python3 - "$OUT" <<'EOF'
import re, sys, os
out = sys.argv[1]
def read(name):
    p = os.path.join(out, name + ".txt")
    return open(p).read() if os.path.exists(p) else ""
def pipeline(t):
    m = re.search(r"pipeline\s+throughput\s+(\d+) msg/s\s+send->deliver p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", t)
    return tuple(float(x) for x in m.groups()) if m else (float("nan"),) * 4
def base(t):
    m = re.search(r"baseline\s+throughput\s+(\d+) msg/s\s+publish->consume p50\s+([\d.]+) ms", t)
    return (float(m.group(1)), float(m.group(2))) if m else (float("nan"),) * 2
def errors(t):
    m = re.search(r"send errors (\d+)", t)
    return int(m.group(1)) if m else -1
def ok(t):
    return "all hold" if "invariants: all hold" in t else "VIOLATED"
rows = []
s = read("saturation"); thr, *_ = pipeline(s); b, _ = base(s)
rows.append(("1:1 saturation throughput", f"{thr:.0f} msg/s = {thr / b:.2f}x raw", f"raw lapin {b:.0f} msg/s", ">= 0.25x", ok(s)))
r = read("rate1000"); thr, p50, p95, p99 = pipeline(r); b, bp50 = base(r)
rows.append(("send->deliver at 1 000 msg/s offered", f"{thr:.0f} msg/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {errors(r)} errors", f"raw p50 {bp50:.1f} ms", "p50 <= 5, p99 <= 20 ms, 0 errors", ok(r)))
c = read("closed"); thr, p50, _, p99 = pipeline(c); b, _ = base(c)
rows.append(("one conversation, 32 senders, closed loop", f"{thr:.0f} msg/s (p50 {p50:.1f} ms)", f"raw lapin {b:.0f} msg/s", ">= 2 000 msg/s", ok(c)))
q = read("quiet"); thr, p50, _, p99 = pipeline(q); b, bp50 = base(q)
rows.append(("send->deliver at 10 msg/s", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", f"raw p50 {bp50:.1f} ms", "p50 <= 3 ms", ok(q)))
g = read("group500"); thr, p50, _, p99 = pipeline(g); b, bp50 = base(g)
rows.append(("group of 500, 50 msg/s", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", f"raw p50 {bp50:.1f} ms", "every delivery, p99 <= 50 ms", ok(g)))
e = read("events")
m = re.search(r"accepted (\d+) .*?([\d.]+)/s", e); acc = m.group(2) if m else "?"
m2 = re.search(r"stored (\d+) of (\d+) accepted \(lost (\d+)", e)
m3 = re.search(r"raw lapin, \d+ messages: (\d+) msg/s", e)
rows.append(("event intake, 5 000/s offered", f"{acc}/s accepted, lost {m2.group(3) if m2 else '?'}", f"raw lapin {m3.group(1) if m3 else '?'} msg/s", ">= 4 500/s, 0 lost", "all hold" if m2 and m2.group(3) == "0" else "see events.txt"))
i = read("idle").split()
if len(i) == 3:
    rows.append(("memory per idle WebSocket", f"{i[2]} KiB ({os.environ.get('IDLE_SOCKETS', '10000')} sockets: {int(i[1]) // 1024} MiB)", f"gateway idle {int(i[0]) // 1024} MiB", "<= 16 KiB", "-"))
st = read("startup")
svc = [l.split() for l in st.splitlines() if l and l.split()[0] in ("gateway", "auth", "chat-api", "file-service", "cascade-service", "persistence-worker", "push-worker", "broadcast-worker", "event-worker")]
hello = [l.split() for l in st.splitlines() if l.startswith("hello-actix")]
if svc and hello:
    ready = [float(x[1]) for x in svc]; rss = [float(x[2]) for x in svc]
    rows.append(("cold start, idle RSS", f"{min(ready):.0f}-{max(ready):.0f} ms, {min(rss):.1f}-{max(rss):.1f} MiB", f"hello-world actix: {float(hello[0][2]):.0f} ms, {float(hello[0][3]):.1f} MiB", "no worse than 8-49 ms, 9-20 MiB", "-"))
print("| figure | measured | same-run baseline | target | invariants |")
print("| --- | --- | --- | --- | --- |")
for row in rows:
    print("| " + " | ".join(row) + " |")
for name in ["saturation", "rate1000", "closed", "quiet", "group500"]:
    t = read(name)
    i = t.find("CPU per 1 000")
    if i >= 0:
        print(f"\n{name}:")
        print("\n".join(l for l in t[i:].splitlines() if not re.search(r"\s0\.0 ms\s+0\.0 %", l)))
EOF

#!/usr/bin/env bash
# The admin statistics over a large history (issue "Running an organisation's chat"):
# generates N messages (default 1 000 000) with real ULID ids spread over the last 30
# days, fills `message_days` as the migration does, then times, in the same MariaDB
# session (server time, SHOW PROFILES), the statements `GET /admin/stats` runs
# (crates/db/src/stats.rs: user counts, conversations by type, messages per day from the
# maintained counters) beside one `SELECT COUNT(*) FROM messages`, and beside the first
# version's 30 primary-key range counts (one per day) for comparison.
# Everything it made is removed.
#   ./scripts/bench-stats.sh            (N=1000000)
set -euo pipefail
N="${N:-1000000}"
REPEAT="${REPEAT:-5}"
source "$(dirname "$0")/lib.sh"
DB=instant_bstats
cleanup() { mysql_cmd -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true; rm -f "$RUN_DIR/bench-stats.tsv"; }
trap cleanup EXIT
ensure_mariadb
ensure_db_access
bin="$(profile_dir)"
[ -x "$bin/migrate" ] || build_binaries
cleanup
mkdir -p "$RUN_DIR"
INSTANT_DATABASE_URL="${INSTANT_DATABASE_URL%/*}/$DB" "$bin/migrate" >/dev/null
sql() { mysql_cmd --local-infile=1 "$DB" "$@"; }

log "generating $N messages with ULID ids over 30 days"
python3 - "$N" "$RUN_DIR/bench-stats.tsv" <<'PY'
import sys, time, random
n, out = int(sys.argv[1]), sys.argv[2]
alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def enc(v, length):
    s = []
    for _ in range(length):
        s.append(alphabet[v & 31]); v >>= 5
    return "".join(reversed(s))
now = int(time.time() * 1000)
span = 30 * 86400 * 1000
rnd = random.Random(7)
with open(out, "w") as f:
    for i in range(n):
        ms = now - span + (span * i) // n
        f.write(f"{enc(ms, 10)}{enc(rnd.getrandbits(80), 16)}\t{1 + i % 100}\t{1 + i // 100}\tb{i}\t{ms}\n")
PY
sql <<SQL
INSERT INTO users (id, username, password_hash, display_name) VALUES (1, 'reader', 'x', 'reader');
INSERT INTO conversations (id, type, name, created_by) SELECT seq, 'group', CONCAT('c', seq), 1 FROM seq_1_to_100;
LOAD DATA LOCAL INFILE '$RUN_DIR/bench-stats.tsv' INTO TABLE messages
  (id, conversation_id, seq, client_msg_id, @ms)
  SET sender_id = 1, type = 'text', content = 'x', created_at = FROM_UNIXTIME(@ms / 1000);
DELETE FROM message_days;
INSERT INTO message_days (day, shard, messages)
SELECT DATE(created_at), 0, COUNT(*) FROM messages GROUP BY DATE(created_at);
SQL

# The day bounds exactly as db::stats computes them (the lowest ULID of each midnight).
bounds="$(python3 - <<'PY'
import datetime
alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def floor(dt):
    v = int(dt.timestamp() * 1000); s = []
    for _ in range(10):
        s.append(alphabet[v & 31]); v >>= 5
    return "".join(reversed(s)) + "0" * 16
today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
print(" ".join(floor(today - datetime.timedelta(days=d)) for d in range(29, -2, -1)))
PY
)"
read -r -a b <<<"$bounds"
{
  echo "SET profiling = 1; SET profiling_history_size = 100;"
  for _ in $(seq 1 "$REPEAT"); do
    echo "SELECT SQL_NO_CACHE COUNT(*) FROM users; SELECT SQL_NO_CACHE COUNT(*) FROM users WHERE disabled_at IS NOT NULL;"
    echo "SELECT SQL_NO_CACHE COUNT(*) FROM users WHERE last_seen_at >= CURDATE(); SELECT SQL_NO_CACHE COUNT(*) FROM users WHERE last_seen_at >= CURDATE() - INTERVAL 6 DAY;"
    echo "SELECT SQL_NO_CACHE type, COUNT(*) FROM conversations GROUP BY type;"
    echo "SELECT SQL_NO_CACHE day, CAST(SUM(messages) AS SIGNED) FROM message_days WHERE day >= CURDATE() - INTERVAL 29 DAY GROUP BY day;"
    echo "SELECT SQL_NO_CACHE COUNT(*) FROM messages;"
    for d in $(seq 0 29); do
      echo "SELECT SQL_NO_CACHE COUNT(*) FROM messages WHERE id >= '${b[$d]}' AND id < '${b[$((d + 1))]}';"
    done
    echo "SHOW PROFILES;"
  done
} | sql -N >"$RUN_DIR/bench-stats.out" 2>&1 || { tail -5 "$RUN_DIR/bench-stats.out"; die "queries failed"; }
python3 - "$RUN_DIR/bench-stats.out" "$N" <<'PY'
import sys, re
lines = open(sys.argv[1]).read().splitlines()
runs, cur = [], []
for l in lines:
    m = re.match(r"^\d+\t([\d.]+)\t(SELECT.*)$", l)
    if m: cur.append((float(m.group(1)) * 1000, m.group(2)))
    elif cur: runs.append(cur); cur = []
if cur: runs.append(cur)
stats, full, ranges = [], [], []
for r in runs:
    r = r[-37:]  # one run: 6 stats statements, the full count, 30 range counts
    full.append(sum(t for t, q in r if q.endswith("FROM messages")))
    ranges.append(sum(t for t, q in r if "WHERE id >=" in q))
    stats.append(sum(t for t, q in r if not q.endswith("FROM messages") and "WHERE id >=" not in q))
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(f"stats over {int(sys.argv[2]):,} messages, {len(runs)} runs (server time, ms):")
print(f"  GET /admin/stats statements  p50 {pct(stats,50):8.1f}  max {max(stats):8.1f}")
print(f"  SELECT COUNT(*) FROM messages p50 {pct(full,50):8.1f}  max {max(full):8.1f}")
print(f"  (first version: 30 id-range counts p50 {pct(ranges,50):8.1f}  max {max(ranges):8.1f})")
PY

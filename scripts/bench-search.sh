#!/usr/bin/env bash
# Search latency over a large history (issue "Messages that live"): generates N messages
# (default 1 000 000) in 100 conversations of one reader, in English and Chinese, builds
# the index with `chat-api search-rebuild` (timed), then runs each query REPEAT times as
# the search endpoint runs it (db::search::find's statement: membership, removal point,
# recalls and delete-for-me joined) and as a plain `LIKE '%…%'` scan of the messages
# (no membership filter: with the same joins a scan took over a minute per query at this
# size), in the same MariaDB session, timed by the server (SHOW PROFILES), and prints
# p50/p99 of both. Everything it made is removed.
#   ./scripts/bench-search.sh            (N=1000000: about 5 minutes on 2 cores)
#   N=100000 REPEAT=20 ./scripts/bench-search.sh
set -euo pipefail
N="${N:-1000000}"
REPEAT="${REPEAT:-5}"
export INSTANT_PROFILE="${INSTANT_PROFILE:-release}"
source "$(dirname "$0")/lib.sh"
DB=instant_bsearch
cleanup() { mysql_cmd -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true; }
trap cleanup EXIT
ensure_mariadb
ensure_db_access
bin="$(profile_dir)"
[ -x "$bin/chat-api" ] && [ -x "$bin/migrate" ] || build_binaries
cleanup
mkdir -p "$RUN_DIR"
url="${INSTANT_DATABASE_URL%/*}/$DB"
INSTANT_DATABASE_URL="$url" "$bin/migrate" >/dev/null
sql() { mysql_cmd --default-character-set=utf8mb4 "$DB" "$@"; }

log "generating $N messages in 100 conversations"
sql <<SQL
INSERT INTO users (id, username, password_hash, display_name) VALUES (1, 'reader', 'x', 'reader');
INSERT INTO conversations (id, type, name, created_by) SELECT seq, 'group', CONCAT('c', seq), 1 FROM seq_1_to_100;
INSERT INTO conversation_members (conversation_id, user_id, role) SELECT seq, 1, 'owner' FROM seq_1_to_100;
INSERT INTO messages (id, conversation_id, seq, sender_id, client_msg_id, type, content, created_at)
SELECT LPAD(seq, 26, '0'), 1 + seq % 100, 1 + seq DIV 100, 1, CONCAT('b', seq), 'text',
  CONCAT_WS(' ',
    ELT(1 + seq % 7, 'deploy', 'release', 'meeting', 'lunch', 'server', 'database', 'network'),
    ELT(1 + (seq DIV 7) % 11, 'today', 'tomorrow', 'monday', 'friday', 'tonight', 'soon', 'later', 'now', 'again', 'first', 'last'),
    ELT(1 + (seq DIV 77) % 13, '明天部署', '下午开会', '一起午饭', '服务器重启', '数据库备份', '网络故障', '版本发布', '回归测试', '正式上线', '紧急回滚', '监控告警', '值班安排', '季度总结'),
    CONCAT('ticket', seq % 5000)),
  NOW(6) - INTERVAL seq SECOND
FROM seq_1_to_$N;
SQL

log "building the index: chat-api search-rebuild"
t0=$(date +%s.%N)
INSTANT_DATABASE_URL="$url" INSTANT_LOG=warn "$bin/chat-api" search-rebuild
t1=$(date +%s.%N)
python3 -c "print(f'index build: $N messages in {$t1 - $t0:.1f} s')"

# The query terms exactly as db::search::query makes them (words: prefix; CJK: bigrams).
terms() {
  python3 - "$1" <<'EOF'
import sys
def cjk(c):
    o = ord(c)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF)
hx = lambda p, s: p + s.encode().hex()
pieces, word, run = [], "", ""
for c in sys.argv[1] + " ":
    if cjk(c):
        if word: pieces.append(("w", word)); word = ""
        run += c
    elif c.isalnum():
        if run: pieces.append(("c", run)); run = ""
        word += c
    else:
        if word: pieces.append(("w", word)); word = ""
        if run: pieces.append(("c", run)); run = ""
out = []
for kind, text in pieces:
    if kind == "w": out.append("+" + hx("w", text.lower()) + "*")
    elif len(text) == 1: out.append("+" + hx("u", text))
    else: out += ["+" + hx("b", a + b) for a, b in zip(text, text[1:])]
print(" ".join(out[:16]))
EOF
}

queries=("deploy" "数据库备份" "ticket4321" "deploy 明天部署" "nothingmatches")
likes=("deploy" "数据库备份" "ticket4321" "明天部署" "nothingmatches")
{
  echo "SET profiling = 1; SET profiling_history_size = 100;"
  for i in "${!queries[@]}"; do
    t=$(terms "${queries[$i]}")
    for _ in $(seq 1 "$REPEAT"); do
      echo "SELECT SQL_NO_CACHE s.message_id FROM message_search s JOIN conversation_members m ON m.conversation_id = s.conversation_id AND m.user_id = 1 JOIN messages g ON g.id = s.message_id WHERE MATCH(s.terms) AGAINST('$t' IN BOOLEAN MODE) AND (m.left_seq IS NULL OR s.seq <= m.left_seq) AND g.recalled_at IS NULL AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.user_id = 1 AND h.message_id = s.message_id) ORDER BY MATCH(s.terms) AGAINST('$t' IN BOOLEAN MODE) DESC, s.created_at DESC LIMIT 20;"
      echo "SELECT SQL_NO_CACHE id FROM messages WHERE content LIKE '%${likes[$i]}%' ORDER BY created_at DESC LIMIT 20;"
    done
    echo "SHOW PROFILES;"
  done
} | sql -N >"$RUN_DIR/bench-search.out" 2>&1 || { tail -5 "$RUN_DIR/bench-search.out"; die "queries failed"; }
python3 - "$RUN_DIR/bench-search.out" "$REPEAT" "${queries[@]}" <<'EOF'
import sys, re, statistics
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
repeat = int(sys.argv[2]); queries = sys.argv[3:]
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(f"{'query':<22}{'index p50':>12}{'p99':>10}{'LIKE scan p50':>16}{'p99':>10}   (ms, {repeat} runs each, server time)")
# SHOW PROFILES after each query group lists the last 100 statements: take each group's own.
groups, cur = [], []
for l in lines:
    if re.match(r"^\d+\t[\d.]+\tSELECT", l):
        cur.append(l.split("\t"))
    elif cur:
        groups.append(cur); cur = []
if cur: groups.append(cur)
for q, g in zip(queries, groups):
    ft = [float(p[1]) * 1000 for p in g if "MATCH(" in p[2]][-repeat:]
    lk = [float(p[1]) * 1000 for p in g if "LIKE" in p[2]][-repeat:]
    if ft and lk:
        print(f"{q:<22}{pct(ft,50):>12.1f}{pct(ft,99):>10.1f}{pct(lk,50):>16.1f}{pct(lk,99):>10.1f}")
EOF

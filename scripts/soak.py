"""The soak's helpers (scripts/soak.sh runs them):

  soak.py sample RUN_DIR OUT.csv STOPFILE
      every 10 s, each service's RSS and open file descriptors (pids re-read from up.sh's
      pid files, so a restarted service is followed) until STOPFILE exists.
  soak.py drive GATEWAY ADMIN PASSWORD OUT.jsonl STOPFILE
      the mixed traffic beside loadcheck's sends, at fixed rates, until STOPFILE exists:
      logins and refreshes, history reads, uploads and downloads, broadcasts, reported
      events. One JSON line per request (time, kind, status, seconds).
  soak.py report OUT_DIR K8S_BASE DLQ_MESSAGES WINDOW_SECS
      the verdict: loadcheck's invariants and send->ack p50/p99 per window (flat: the last
      window's p99 within 1.5x the first's), each service's peak RSS against its Kubernetes
      limit and its RSS and fds at the end against the first window's (pools warm), no 500s
      in the mixed traffic,
      the dead-letter queue empty. Exit 0 when every check holds.
"""
import glob
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

SERVICES = ["gateway", "auth", "chat-api", "file-service", "cascade-service",
            "persistence-worker", "push-worker", "broadcast-worker", "event-worker"]


def stopped(stopfile):
    return os.path.exists(stopfile)


def sample(run_dir, out, stopfile):
    with open(out, "a", encoding="utf-8") as f:
        while not stopped(stopfile):
            now = time.time()
            for svc in SERVICES:
                try:
                    pid = int(open(os.path.join(run_dir, f"{svc}.pid")).read().strip())
                    rss = 0
                    for line in open(f"/proc/{pid}/status"):
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1])
                    fds = len(os.listdir(f"/proc/{pid}/fd"))
                except (OSError, ValueError):
                    continue  # restarting: no sample this round
                f.write(f"{now:.0f},{svc},{pid},{rss},{fds}\n")
            f.flush()
            for _ in range(20):
                if stopped(stopfile):
                    break
                time.sleep(0.5)


class Client:
    def __init__(self, base, out):
        self.base = base.rstrip("/") + "/api/v1"
        self.out = out

    def call(self, kind, method, path, body=None, token=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", ctype)
        if token:
            req.add_header("authorization", f"Bearer {token}")
        start = time.time()
        status, payload = 0, b""
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        except (urllib.error.URLError, OSError, TimeoutError):
            status = 0  # the gateway is down (a fault): not a 5xx of ours
        self.out.write(json.dumps({"t": round(start, 3), "kind": kind, "status": status,
                                   "secs": round(time.time() - start, 4)}) + "\n")
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None


def drive(gateway, admin, admin_password, out, stopfile):
    f = open(out, "a", encoding="utf-8")
    c = Client(gateway, f)
    pw = "soak password 1"
    tag = uuid.uuid4().hex[:6]
    users = [f"soak_{tag}_{i}" for i in range(4)]
    tokens = {}
    while not tokens and not stopped(stopfile):
        for u in users:
            c.call("register", "POST", "/auth/register", {"username": u, "password": pw})
            s, b = c.call("login", "POST", "/auth/login", {"username": u, "password": pw})
            if s == 200:
                tokens[u] = b
        if not tokens:
            time.sleep(2)
    s, b = c.call("login", "POST", "/auth/login", {"username": admin, "password": admin_password})
    admin_token = b["access_token"] if s == 200 else None
    me = {}
    for u, t in tokens.items():
        s, b = c.call("me", "GET", "/users/me", token=t["access_token"])
        if s == 200:
            me[u] = b["id"]
    names = list(tokens)
    conv = None
    if len(names) >= 2:
        s, b = c.call("conversation", "POST", "/conversations",
                      {"type": "group", "name": "soak", "member_ids": [me[n] for n in names[1:] if n in me]},
                      token=tokens[names[0]]["access_token"])
        conv = b["id"] if s in (200, 201) else None
    blob = os.urandom(20 * 1024)
    tick = 0
    while not stopped(stopfile):
        t0 = time.time()
        u = names[tick % len(names)]
        access = tokens[u]["access_token"]
        # Every second: a history read and a message; every 2 s a refresh (and re-login
        # when the refresh token died with a fault); every 3 s an upload and its download;
        # every 10 s an event; every 60 s a broadcast.
        if conv:
            c.call("history", "GET", f"/messages?conversation_id={conv}&limit=50", token=access)
            c.call("send", "POST", "/messages", {"conversation_id": conv, "client_msg_id": uuid.uuid4().hex,
                                                  "type": "text", "content": f"soak {tick}"}, token=access)
        if tick % 2 == 0:
            s, b = c.call("refresh", "POST", "/auth/refresh", {"refresh_token": tokens[u]["refresh_token"]})
            if s == 200:
                tokens[u] = b
            else:
                s, b = c.call("login", "POST", "/auth/login", {"username": u, "password": pw})
                if s == 200:
                    tokens[u] = b
        if tick % 3 == 0:
            boundary = uuid.uuid4().hex
            form = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"soak.bin\"\r\n"
                    f"content-type: application/octet-stream\r\n\r\n").encode() + blob + f"\r\n--{boundary}--\r\n".encode()
            s, b = c.call("upload", "POST", "/files", raw=form, token=tokens[u]["access_token"],
                          ctype=f"multipart/form-data; boundary={boundary}")
            if s in (200, 201) and b:
                c.call("download", "GET", f"/files/{b['id']}/content", token=tokens[u]["access_token"])
        if tick % 10 == 0:
            c.call("event", "POST", "/events", {"type": "soak.tick", "severity": "info",
                                                "payload": {"tick": tick}}, token=tokens[u]["access_token"])
        if tick % 60 == 0 and admin_token:
            s, _ = c.call("broadcast", "POST", "/broadcasts", {"title": "soak", "content": f"tick {tick}"},
                          token=admin_token)
            if s == 401:
                s2, b2 = c.call("login", "POST", "/auth/login", {"username": admin, "password": admin_password})
                admin_token = b2["access_token"] if s2 == 200 else None
        f.flush()
        tick += 1
        time.sleep(max(0.0, 1.0 - (time.time() - t0)))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else 0.0


def k8s_limits(base):
    limits = {}
    for path in glob.glob(os.path.join(base, "*.yaml")):
        text = open(path).read()
        for m in re.finditer(r"\n        - name: ([a-z-]+)\n(?:.*\n)*?\s+limits: \{[^}]*memory: (\d+)(Mi|Gi)\}", text):
            mib = int(m.group(2)) * (1024 if m.group(3) == "Gi" else 1)
            limits.setdefault(m.group(1), mib)
    return limits


def report(out_dir, k8s_base, dlq, window):
    failures = []
    print("soak report")
    windows = []
    for path in sorted(glob.glob(os.path.join(out_dir, "seg*-*.txt")), key=lambda p: (int(re.search(r"seg(\d+)", p).group(1)), p)):
        text = open(path).read()
        name = os.path.basename(path)[:-4]
        m = re.search(r"send->ack p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", text)
        sent = re.search(r"sent (\d+)\s+acked (\d+)", text)
        holds = "invariants: all hold" in text
        if not holds:
            failures.append(f"{name}: invariants violated (see {path})")
        if m:
            windows.append((name, float(m.group(1)), float(m.group(3))))
        fault = open(path.replace(".txt", ".fault")).read().strip() if os.path.exists(path.replace(".txt", ".fault")) else ""
        print(f"  {name:16} sent {sent.group(1) if sent else '?':>6} acked {sent.group(2) if sent else '?':>6}  "
              f"send->ack p50 {m.group(1) if m else '?':>8} ms p99 {m.group(3) if m else '?':>8} ms  "
              f"{'invariants hold' if holds else 'INVARIANTS VIOLATED'}  {fault}")
    for kind in ("direct", "group"):
        ws = [w for w in windows if w[0].endswith(kind)]
        if len(ws) >= 2:
            first, last = ws[0], ws[-1]
            if last[2] > 1.5 * first[2] and last[2] - first[2] > 5.0:
                failures.append(f"{kind}: last window p99 {last[2]:.1f} ms > 1.5x first {first[2]:.1f} ms")
            print(f"  {kind}: first window p99 {first[2]:.1f} ms, last {last[2]:.1f} ms "
                  f"({last[2] / max(first[2], 0.001):.2f}x)")
    samples = {}
    for line in open(os.path.join(out_dir, "samples.csv")):
        t, svc, pid, rss, fds = line.strip().split(",")
        samples.setdefault(svc, []).append((int(t), int(pid), int(rss) / 1024, int(fds)))
    limits = k8s_limits(k8s_base)
    print(f"  {'RSS MiB':20} {'start':>8} {'window0':>8} {'peak':>8} {'end':>8} {'limit':>7}   fds start/window0/end")
    for svc in SERVICES:
        xs = samples.get(svc, [])
        if not xs:
            failures.append(f"{svc}: never sampled")
            continue
        start, end = xs[0], xs[-1]
        peak = max(x[2] for x in xs)
        # Warm: connection pools fill in the first window; a leak shows as growth after it.
        warm = [x for x in xs if x[0] < start[0] + window]
        warm_rss = max(x[2] for x in warm)
        warm_fds = max(x[3] for x in warm)
        limit = limits.get(svc)
        print(f"  {svc:20} {start[2]:8.1f} {warm_rss:8.1f} {peak:8.1f} {end[2]:8.1f} {limit or '?':>7}"
              f"   {start[3]}/{warm_fds}/{end[3]}")
        if limit and peak > limit:
            failures.append(f"{svc}: peak RSS {peak:.1f} MiB over its limit {limit} MiB")
        # No growth: the end within 25% (or 16 MiB) of the first window's, the same
        # process or not.
        if end[2] > max(warm_rss * 1.25, warm_rss + 16):
            failures.append(f"{svc}: RSS grew from {warm_rss:.1f} (first window) to {end[2]:.1f} MiB")
        if end[3] > warm_fds + 10:
            failures.append(f"{svc}: fds grew from {warm_fds} (first window) to {end[3]}")
    kinds, errors, unavailable = {}, 0, 0
    for path in glob.glob(os.path.join(out_dir, "driver.jsonl")):
        for line in open(path):
            r = json.loads(line)
            kinds.setdefault(r["kind"], []).append(r)
            # 503/504 while a dependency is down is the contract's answer; any other 5xx
            # (a 500 above all) is a bug.
            if r["status"] in (502, 503, 504):
                unavailable += 1
            elif r["status"] >= 500:
                errors += 1
    print("  mixed traffic: " + ", ".join(
        f"{k} {len(v)} (p99 {pct([r['secs'] for r in v], 99) * 1000:.0f} ms)" for k, v in sorted(kinds.items())))
    down = sum(1 for v in kinds.values() for r in v if r["status"] == 0)
    print(f"  mixed traffic: {errors} answers 500 (or another 5xx but 502-504), {unavailable} 502-504 "
          f"during faults, {down} while the gateway was down")
    if errors:
        failures.append(f"{errors} 5xx answers (not 502-504) in the mixed traffic")
    print(f"  dead-letter queue: {dlq} messages")
    if int(dlq) != 0:
        failures.append(f"{dlq} messages dead-lettered")
    for f in failures:
        print(f"  FAIL {f}")
    print(f"soak: {'all checks hold' if not failures else str(len(failures)) + ' checks failed'}")
    return 0 if not failures else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sample":
        sample(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "drive":
        drive(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
    elif cmd == "report":
        sys.exit(report(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))

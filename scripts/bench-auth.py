"""The auth memory benchmark's load (issue 16): against auth's own port, registers USERS
accounts (10 at a time), then logs all of them in at once (one burst of USERS concurrent
logins), then leaves auth idle for IDLE seconds — sampling auth's resident memory every
100 ms throughout. Prints the idle RSS before any hashing, the peak, the RSS at the end,
the k8s limit beside them, and the logins' latency.

  python3 scripts/bench-auth.py AUTH_URL AUTH_PID USERS IDLE LIMIT_MIB
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else 0.0


def main():
    base, pid, users, idle, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append((time.monotonic(), rss_mib(pid)))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    time.sleep(0.5)
    idle_before = rss_mib(pid)
    stamp = f"{int(time.time()) % 100000:05d}"
    names = [f"ba{stamp}u{i:04d}" for i in range(users)]
    password = "bench password 1"
    t0 = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda n: post(f"{base}/api/v1/auth/register", {"username": n, "password": password}), names))
    bad = [c for c in codes if c != 201]
    if bad:
        print(f"registration failed: {len(bad)} of {users} (e.g. HTTP {bad[0]})", file=sys.stderr)
        return 1
    registered = time.monotonic() - t0
    after_register = rss_mib(pid)
    barrier = threading.Barrier(users)
    latencies = []

    def login(n):
        barrier.wait()
        s = time.monotonic()
        code = post(f"{base}/api/v1/auth/login", {"username": n, "password": password})
        latencies.append(time.monotonic() - s)
        return code

    burst_start = time.monotonic()
    with ThreadPoolExecutor(users) as pool:
        codes = list(pool.map(login, names))
    burst = time.monotonic() - burst_start
    ok = sum(1 for c in codes if c == 200)
    peak_burst = max(r for t, r in samples if t >= burst_start)
    time.sleep(idle)
    stop.set()
    settled = rss_mib(pid)
    peak = max(r for _, r in samples)
    print(f"auth memory: {users} registrations in {registered:.1f} s, then {users} concurrent logins "
          f"({ok} ok) in {burst:.1f} s, login latency p50 {pct(latencies, 50) * 1000:.0f} ms "
          f"p99 {pct(latencies, 99) * 1000:.0f} ms")
    print(f"  RSS idle before      {idle_before:7.1f} MiB")
    print(f"  RSS after register   {after_register:7.1f} MiB")
    print(f"  RSS peak (burst)     {peak_burst:7.1f} MiB")
    print(f"  RSS peak (whole run) {peak:7.1f} MiB   (k8s limit {limit:.0f} MiB)")
    print(f"  RSS after {idle} s idle {settled:7.1f} MiB   ({settled - idle_before:+.1f} MiB vs idle before)")
    within = peak <= limit and settled <= idle_before + 0.25 * limit
    print(f"  within limits: {'yes' if within else 'NO'}")
    return 0 if ok == users else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Start-up time and idle memory of every binary, beside a hello-world actix-web server.

For each binary: spawn it (release build), poll its readiness endpoint every millisecond
until it answers 200, record the time since spawn; let it idle 2 s, read VmRSS; SIGTERM
it and record how long it takes to exit. The baseline (crates/kit/examples/hello_actix.rs)
is measured the same way in the same run. Each binary is measured RUNS times; the median
is printed. Targets: ready <= 250 ms, idle RSS <= 32 MiB.

Usage: scripts/bench-startup.py   (after ./scripts/up.sh has built release binaries, or it
builds them; needs MariaDB, Redis and RabbitMQ up, as up.sh ensures)
"""
import http.client, os, signal, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release")
RUNS = int(os.environ.get("RUNS", "5"))
SERVICES = ["gateway", "auth", "chat-api", "file-service", "cascade-service",
            "persistence-worker", "push-worker", "broadcast-worker", "event-worker"]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def status(port, path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        c.request("GET", path); r = c.getresponse(); r.read(); c.close(); return r.status
    except OSError:
        return None

def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def measure(path, ready_path, env):
    port = free_port()
    e = dict(os.environ, **env, INSTANT_LISTEN=f"127.0.0.1:{port}", INSTANT_LOG="warn")
    t0 = time.perf_counter()
    p = subprocess.Popen([path], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while status(port, ready_path) != 200:
        if p.poll() is not None:
            raise SystemExit(f"{path} exited early ({p.returncode})")
        if time.perf_counter() - t0 > 30:
            p.kill(); raise SystemExit(f"{path} not ready in 30 s")
        time.sleep(0.001)
    ready_ms = (time.perf_counter() - t0) * 1000
    time.sleep(2)
    rss = rss_mib(p.pid)
    t1 = time.perf_counter()
    p.send_signal(signal.SIGTERM)
    code = p.wait(timeout=10)
    stop_ms = (time.perf_counter() - t1) * 1000
    return ready_ms, rss, stop_ms, code

def main():
    # One command: building kit alone would unify features differently and rebuild deps.
    subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins", "--example", "hello_actix"],
                   cwd=ROOT, check=True)
    keys = os.path.join(os.environ.get("INSTANT_RUN_DIR", os.path.join(ROOT, ".run")), "keys")
    db = os.environ.get("INSTANT_TEST_MYSQL", "mysql://root@127.0.0.1:3306") + "/instant_bench"
    env = {"INSTANT_DATABASE_URL": db, "INSTANT_AMQP_PREFIX": "bench.", "INSTANT_REDIS_PREFIX": "bench:",
           "INSTANT_JWT_PRIVATE_KEY_FILE": os.path.join(keys, "jwt_private.pem"),
           "INSTANT_JWT_PUBLIC_KEY_FILE": os.path.join(keys, "jwt_public.pem")}
    if not os.path.exists(env["INSTANT_JWT_PRIVATE_KEY_FILE"]):
        raise SystemExit("no key pair in .run/keys: run ./scripts/up.sh once first")
    subprocess.run([os.path.join(BIN, "migrate")], env=dict(os.environ, INSTANT_DATABASE_URL=db),
                   check=True, stdout=subprocess.DEVNULL)
    rows = [("hello-actix (baseline)", os.path.join(TARGET, "release", "examples", "hello_actix"), "/health")]
    rows += [(s, os.path.join(BIN, s), "/ready") for s in SERVICES]
    print(f"{'binary':<24}{'ready ms':>10}{'idle RSS MiB':>14}{'stop ms':>10}   (median of {RUNS})")
    worst_ready = worst_rss = 0.0
    for name, path, ready in rows:
        results = [measure(path, ready, env) for _ in range(RUNS)]
        r = statistics.median(x[0] for x in results)
        m = statistics.median(x[1] for x in results)
        s = statistics.median(x[2] for x in results)
        codes = {x[3] for x in results}
        print(f"{name:<24}{r:>10.1f}{m:>14.1f}{s:>10.1f}   exit {sorted(codes)}")
        if not name.startswith("hello"):
            worst_ready, worst_rss = max(worst_ready, r), max(worst_rss, m)
    print(f"worst service: ready {worst_ready:.1f} ms (target 250), idle RSS {worst_rss:.1f} MiB (target 32)")
    sys.exit(0 if worst_ready <= 250 and worst_rss <= 32 else 1)

if __name__ == "__main__":
    main()

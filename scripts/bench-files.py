#!/usr/bin/env python3
"""Upload and download speed of a 20 MiB file through the gateway, beside copying the same
file through the same storage backend directly, and file-service's peak memory by size.

Brings the platform up with up.sh on spare ports (release build, its own database and
storage directory), registers a user, then for each size (1, 20, 100 MiB of random bytes):
uploads it RUNS times through the gateway (`POST /api/v1/files`, multipart, streamed by
curl) and downloads it RUNS times (`GET .../content`), timing each with curl's own
clock; the baseline copies the same file into the same storage directory and reads it
back (`cp`, then `cat > /dev/null`), what object_store's local backend does without
HTTP. After each size it reads file-service's VmHWM (peak RSS): flat memory means it does
not grow with the file size. Stops everything with down.sh.

Targets: 20 MiB upload and download >= 0.5x the direct copy; peak RSS not growing with
file size.

Usage: scripts/bench-files.py   (RUNS=5 by default)
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "5"))
PORT = int(os.environ.get("INSTANT_BENCH_PORT_BASE", "21080"))
RUN_DIR = os.path.join(ROOT, ".run", "bench-files")
STORAGE = os.path.join(RUN_DIR, "uploads")
MIB = 1024 * 1024

env = dict(os.environ)
env.update({
    "INSTANT_PROFILE": env.get("INSTANT_PROFILE", "release"),
    "INSTANT_PORT_BASE": str(PORT),
    "INSTANT_RUN_DIR": RUN_DIR,
    "INSTANT_DB_NAME": "instant_bench_files",
    "INSTANT_AMQP_PREFIX": "benchfiles.",
    "INSTANT_REDIS_PREFIX": "benchfiles:",
    "INSTANT_STORAGE": STORAGE,
    # Room for the 100 MiB memory probe (the default limit is 25 MiB).
    "INSTANT_MAX_FILE_BYTES": str(128 * MIB),
    "INSTANT_MAX_UPLOAD_BYTES": str(129 * MIB),
    "INSTANT_RATE_LIMIT_USER_PER_MINUTE": "100000",
    "INSTANT_RATE_LIMIT_AUTH_PER_MINUTE": "100000",
})
api = f"http://127.0.0.1:{PORT}/api/v1"


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, **kw).stdout


def curl_time(*args):
    out = sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", *args)
    code, seconds = out.split()
    assert code in ("200", "201"), f"curl {args}: HTTP {code}"
    return float(seconds)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_rss_mib():
    pid = open(os.path.join(RUN_DIR, "file-service.pid")).read().strip()
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    shutil.rmtree(STORAGE, ignore_errors=True)
    print("starting the platform (up.sh, release)...", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "up.sh")], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    try:
        user = f"bench{os.getpid()}"
        cred = json.dumps({"username": user, "password": "bench password"})
        sh("curl", "-fsS", "-X", "POST", f"{api}/auth/register", "-H", "content-type: application/json", "-d", cred)
        token = json.loads(sh("curl", "-fsS", "-X", "POST", f"{api}/auth/login",
                              "-H", "content-type: application/json", "-d", cred))["access_token"]
        auth = ["-H", f"authorization: Bearer {token}"]
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for size in (1, 20, 100):
                src = os.path.join(tmp, f"data-{size}")
                with open(src, "wb") as f:
                    f.write(os.urandom(size * MIB))
                up, down, cp, cat = [], [], [], []
                for i in range(RUNS):
                    out = sh("curl", "-fsS", "-F", f"file=@{src}", f"{api}/files", *auth,
                             "-w", "\n%{time_total}")
                    body, seconds = out.rsplit("\n", 1)
                    up.append(float(seconds))
                    fid = json.loads(body)["id"]
                    down.append(curl_time(f"{api}/files/{fid}/content", *auth))
                    dst = os.path.join(STORAGE, f"baseline-{size}-{i}")
                    cp.append(timed(lambda: shutil.copyfile(src, dst)))
                    cat.append(timed(lambda: subprocess.run(["cat", dst], stdout=subprocess.DEVNULL, check=True)))
                    os.remove(dst)
                rows.append((size, statistics.median(up), statistics.median(down),
                             statistics.median(cp), statistics.median(cat), peak_rss_mib()))
        print(f"\nfile sizes 1/20/100 MiB, median of {RUNS}; baseline = the same bytes copied into and read "
              f"from the same storage directory (object_store's local backend without HTTP)\n")
        print(f"{'size':>7} | {'upload MiB/s':>12} | {'copy-in MiB/s':>13} | {'ratio':>5} | "
              f"{'download MiB/s':>14} | {'read MiB/s':>10} | {'ratio':>5} | file-service peak RSS")
        for size, up, down, cp, cat, hwm in rows:
            print(f"{size:>4} MiB | {size / up:>12.0f} | {size / cp:>13.0f} | {cp / up:>5.2f} | "
                  f"{size / down:>14.0f} | {size / cat:>10.0f} | {cat / down:>5.2f} | {hwm:.1f} MiB")
    finally:
        subprocess.run([os.path.join(ROOT, "scripts", "down.sh")], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(STORAGE, ignore_errors=True)


if __name__ == "__main__":
    main()

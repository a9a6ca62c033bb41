#!/usr/bin/env python3
"""A webhook receiver for scripts/bench-webhooks.sh: answers 200 at once, verifies every
signature, and records each delivery's latency (arrival minus the envelope's
occurred_at, i.e. from the send's acceptance by chat-api). GET /stats?path=/w1 prints
count / p50 / p99 / bad signatures for one path (or all with no path) and resets them.
"""

import hashlib
import hmac
import json
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
LAT = {}  # path -> [ms]
BAD = {"n": 0}
SECRET = sys.argv[2].encode()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, round((len(v) - 1) * p))] if v else float("nan")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        now = datetime.now().astimezone()
        ts = self.headers.get("x-instant-timestamp", "")
        mac = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(self.headers.get("x-instant-signature", ""), "v1=" + mac)
        occurred = datetime.fromisoformat(json.loads(body)["occurred_at"].replace("Z", "+00:00"))
        with LOCK:
            LAT.setdefault(self.path, []).append((now - occurred).total_seconds() * 1000)
            BAD["n"] += 0 if ok else 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        with LOCK:
            paths = q.get("path") or list(LAT)
            v = [x for p in paths for x in LAT.get(p, [])]
            out = {"count": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99), "bad_signatures": BAD["n"]}
            for p in paths:
                LAT.pop(p, None)
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()

"""A stand-in for the services instant talks to over plain HTTP when they are outside the
platform: an OTLP/HTTP collector (POST /v1/traces, JSON) and the push gateway of offline
push (POST /push). It answers 200 and appends each request to a JSON Lines file, so
scripts/e2e.sh can check what arrived.

  python3 scripts/collector.py PORT OUT.jsonl
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 * 1024 * 1024


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        with open(self.server.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        reply = b"{}"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Sink)
    server.out = out
    server.serve_forever()


if __name__ == "__main__":
    main()

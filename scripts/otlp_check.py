"""Checks that one trace arrived at the stand-in collector (scripts/collector.py) as one
span tree across the gateway, chat-api, persistence-worker and push-worker: every span's
parent is another exported span, except exactly one (the gateway's request span, whose
parent is the client's own). Exit 0 when so.

  python3 scripts/otlp_check.py COLLECTED.jsonl TRACE_ID
"""
import base64
import json
import sys

NEED = {"gateway", "chat-api", "persistence-worker", "push-worker"}


def hexid(v):
    """OTLP/JSON ids are hex; accept base64 too (protobuf's default JSON mapping)."""
    if all(c in "0123456789abcdefABCDEF" for c in v):
        return v.lower()
    return base64.b64decode(v).hex()


def spans_of(path, trace_id):
    out = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["path"] != "/v1/traces" or not isinstance(r["body"], dict):
            continue
        for rs in r["body"].get("resourceSpans", []):
            attrs = rs.get("resource", {}).get("attributes", [])
            svc = next((a["value"].get("stringValue") for a in attrs if a["key"] == "service.name"), None)
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    if hexid(s["traceId"]) == trace_id:
                        out.append((svc, hexid(s["spanId"]), hexid(s.get("parentSpanId") or ""), s["name"]))
    return out


def main():
    path, trace_id = sys.argv[1], sys.argv[2].lower()
    spans = spans_of(path, trace_id)
    services = {svc for svc, *_ in spans}
    ids = {sid for _, sid, _, _ in spans}
    outside = [(svc, name) for svc, _, parent, name in spans if parent not in ids]
    if NEED <= services and len(outside) == 1:
        names = ", ".join(sorted(f"{svc}: {name}" for svc, _, _, name in spans))
        print(f"otlp: {len(spans)} spans in one tree: {names}", file=sys.stderr)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

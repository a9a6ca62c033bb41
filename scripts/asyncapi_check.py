#!/usr/bin/env python3
"""Real envelopes against the AsyncAPI document (run by scripts/e2e.sh).

  tap   --amqp URL --prefix P          bind a tap queue (P + asyncapi_tap) to every routing
                                       key of P + instant_exchange, empty
  check --amqp URL --prefix P --doc U  read what the tap caught, validate each envelope
                                       against the message of its kind in the document at U
                                       (JSON Schema 2020-12, $refs into its components), then
                                       delete the tap

Fails on an envelope that does not validate, a kind the document does not describe, or
fewer than --min-kinds kinds seen; and proves it can fail: a caught envelope with its
data emptied must not validate.
"""

import argparse
import collections
import copy
import json
import sys
import urllib.request

import jsonschema
import pika

TAP = "asyncapi_tap"


def channel(url):
    conn = pika.BlockingConnection(pika.URLParameters(url))
    return conn, conn.channel()


def tap(a):
    conn, ch = channel(a.amqp)
    q = a.prefix + TAP
    ch.queue_declare(q, durable=False, arguments={"x-max-length": 20000, "x-expires": 1800000})
    ch.queue_bind(q, a.prefix + "instant_exchange", routing_key="#")
    ch.queue_purge(q)
    conn.close()
    print(f"tap {q} bound to # on {a.prefix}instant_exchange")
    return True


def validator(doc, message_id):
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/messages/{message_id}/payload",
        "components": doc["components"],
    }
    return jsonschema.Draft202012Validator(schema)


def check(a):
    with urllib.request.urlopen(a.doc, timeout=10) as res:
        doc = json.load(res)
    conn, ch = channel(a.amqp)
    q = a.prefix + TAP
    seen = collections.Counter()
    bad = []
    sample = None
    while True:
        method, props, body = ch.basic_get(q, auto_ack=True)
        if method is None:
            break
        env = json.loads(body)
        kind = env.get("kind", "")
        mid = kind.replace(".", "_")
        if mid not in doc["components"]["messages"]:
            bad.append(f"{method.routing_key}: kind {kind!r} is not in the document")
            continue
        errors = list(validator(doc, mid).iter_errors(env))
        if errors:
            e = errors[0]
            bad.append(f"{method.routing_key} {kind}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        seen[kind] += 1
        if sample is None and isinstance(env.get("data"), dict) and env["data"]:
            sample = (mid, env)
    ch.queue_delete(q)
    conn.close()
    for b in bad[:20]:
        print(b)
    print(f"asyncapi: {sum(seen.values())} envelopes of {len(seen)} kinds validated: "
          + ", ".join(f"{k} {n}" for k, n in sorted(seen.items())))
    ok = not bad and len(seen) >= a.min_kinds
    if len(seen) < a.min_kinds:
        print(f"expected at least {a.min_kinds} kinds on the bus")
    if sample is None:
        print("no envelope with data to prove the check can fail")
        return False
    mid, env = sample
    broken = copy.deepcopy(env)
    broken["data"] = {}
    if validator(doc, mid).is_valid(broken):
        print(f"self-test: {mid} with empty data validated; the check cannot fail")
        return False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["tap", "check"])
    ap.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/%2f")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--doc", default="http://127.0.0.1:8080/asyncapi.json")
    ap.add_argument("--min-kinds", type=int, default=5)
    a = ap.parse_args()
    sys.exit(0 if (tap(a) if a.action == "tap" else check(a)) else 1)


if __name__ == "__main__":
    main()

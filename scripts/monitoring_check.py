#!/usr/bin/env python3
"""Checks of the dashboard (deploy/grafana/) and the alerts (k8s/monitoring/).

offline (scripts/k8s-check.sh):
  * the PrometheusRule has the operator's shape (a schema written from its API reference:
    the CRD is not vendored), no unknown fields;
  * `promtool check rules` on its groups, then `promtool test rules` with
    k8s/monitoring/rules.test.yaml: every alert fires on the series that should raise it;
  * every dashboard panel has a query, a datasource and a unique id.
scrape (scripts/e2e.sh, against the running services):
  * every metric the dashboard and the alerts name is in some service's /metrics, and every
    `label="value"` they select on matches an exported series;
  * then it proves it can fail: a made-up metric and a made-up label value are reported.
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy/grafana/instant-overview.json"
RULE = ROOT / "k8s/monitoring/prometheus-rule.yaml"
RULE_TESTS = ROOT / "k8s/monitoring/rules.test.yaml"

STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
DURATION = {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w|y))+$"}
RULE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PrometheusRule"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "labels": STR_MAP, "annotations": STR_MAP},
            "additionalProperties": False,
        },
        "spec": {
            "type": "object",
            "required": ["groups"],
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "interval": DURATION,
                            "rules": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["expr"],
                                    "oneOf": [{"required": ["alert"]}, {"required": ["record"]}],
                                    "additionalProperties": False,
                                    "properties": {
                                        "alert": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
                                        "record": {"type": "string"},
                                        "expr": {"type": "string", "minLength": 1},
                                        "for": DURATION,
                                        "keep_firing_for": DURATION,
                                        "labels": STR_MAP,
                                        "annotations": STR_MAP,
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
    },
}

# PromQL words that are not metric names.
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "le", "inf", "nan",
}


def exprs():
    """(where, expr) of every query of the dashboard and the alerts."""
    out = []
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            out.append((f"dashboard panel '{panel['title']}'", target["expr"]))
    rule = yaml.safe_load(RULE.read_text(encoding="utf-8"))
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            out.append((f"alert {r.get('alert', r.get('record'))}", r["expr"]))
    return out


def referenced(expr):
    """Metric names and (metric, label, value) equality selectors of one PromQL expression."""
    selectors = []
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}", expr):
        for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"', m.group(2)):
            selectors.append((m.group(1), lm.group(1), lm.group(2)))
    text = re.sub(r'"[^"]*"', "", expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = m.group(0)
        after = text[m.end():].lstrip()
        if after.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names, selectors


def offline():
    rule = yaml.safe_load(RULE.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(RULE_SCHEMA).iter_errors(rule), key=str)
    for e in errors:
        print(f"{RULE}: {'/'.join(map(str, e.path))}: {e.message}")
    if errors:
        return False
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool is missing (apt-get install prometheus)")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        rules = pathlib.Path(tmp) / "instant.rules.yaml"
        rules.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}), encoding="utf-8")
        shutil.copy(RULE_TESTS, pathlib.Path(tmp) / "rules.test.yaml")
        for args in (["check", "rules", str(rules)], ["test", "rules", "rules.test.yaml"]):
            run = subprocess.run([promtool, *args], cwd=tmp, capture_output=True, text=True)
            if run.returncode != 0:
                print(f"promtool {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
                return False
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        print("dashboard panel ids repeat")
        return False
    for p in dash["panels"]:
        if not p.get("targets") or not all(t.get("expr") for t in p["targets"]) or "datasource" not in p:
            print(f"dashboard panel '{p.get('title')}' has no query or datasource")
            return False
    n_alerts = sum(len(g["rules"]) for g in rule["spec"]["groups"])
    print(f"monitoring offline: PrometheusRule shape ok, promtool check + test ok ({n_alerts} alerts), "
          f"{len(ids)} dashboard panels")
    return True


def parse_exposition(text):
    """metric name -> list of label dicts."""
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        series.setdefault(m.group(1), []).append(labels)
    return series


def problems(queries, series):
    found = []
    for where, expr in queries:
        names, selectors = referenced(expr)
        for name in sorted(names):
            if name not in series:
                found.append(f"{where}: metric {name} is not exported by any service")
        for metric, label, value in selectors:
            if metric in series and not any(s.get(label) == value for s in series[metric]):
                found.append(f'{where}: no {metric} series has {label}="{value}"')
    return found


def scrape(urls):
    series = {}
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as res:
            for name, labels in parse_exposition(res.read().decode()).items():
                series.setdefault(name, []).extend(labels)
    queries = exprs()
    found = problems(queries, series)
    for p in found:
        print(p)
    # The check must be able to fail.
    fake = [("self-test", 'sum(rate(made_up_metric_total[5m])) + max(bus_queue_messages{queue="no_such_queue"})')]
    caught = problems(fake, series)
    if len(caught) != 2:
        print(f"self-test: expected the made-up metric and label value to be reported, got {caught}")
        return False
    names = set().union(*(referenced(e)[0] for _, e in queries))
    print(f"monitoring scrape: {len(names)} metrics named by {len(queries)} queries, "
          f"all exported by {len(urls)} services ({len(series)} metric names)")
    return not found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--offline", action="store_true")
    ap.add_argument("--scrape", nargs="*", default=[], help="/metrics URLs of the running services")
    a = ap.parse_args()
    ok = True
    if a.offline:
        ok = offline() and ok
    if a.scrape:
        ok = scrape(a.scrape) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

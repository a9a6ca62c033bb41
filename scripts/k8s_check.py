#!/usr/bin/env python3
"""Offline checks of the Kubernetes manifests beyond what kubernetes-validate does.

Called by scripts/k8s-check.sh with the rendered overlays. Checks:
  * custom resources (KEDA ScaledObject / TriggerAuthentication, RabbitmqCluster) against
    the openAPIV3Schema of their CRDs, rejecting fields the schema does not know (the API
    server would prune them silently);
  * settings drift: every INSTANT_* setting a container's binary reads (from its `--help`)
    is provided to that container (ConfigMap via envFrom, or env), every key of the
    ConfigMap and of the Secret template is read by some binary, explicit env entries are
    read by their container's binary, and *_FILE settings point into a mounted volume;
  * coverage: every service of the workspace runs in a Deployment of the overlay, every
    queue worker has a ScaledObject on its queue, every HTTP service a Service, a PDB and
    an HPA; no ScaledObject targets the gateway (its delivery queues are per pod);
  * network policies: every pod of instant is under a default deny (ingress and egress);
    it may open MySQL (3306), Redis (6379) and RabbitMQ (5672) exactly when one of its
    containers' binaries reads INSTANT_DATABASE_URL, INSTANT_REDIS_URL, INSTANT_AMQP_URL;
    the HTTP services other than the gateway take HTTP only from the gateway (and
    Prometheus' namespace), the workers from nobody else; in-cluster MySQL, Redis and
    RabbitMQ (dev) admit exactly the same clients.
Then it proves the drift and policy checks can fail: it removes a provided setting, adds
an unread one and lets a worker reach MySQL in a copy, and expects all three reported.
"""

import argparse
import copy
import pathlib
import re
import subprocess
import sys

import jsonschema
import yaml

HTTP_SERVICES = {"gateway", "auth", "chat-api", "file-service", "cascade-service"}
WORKER_QUEUES = {
    "persistence-worker": "persistence_queue",
    "push-worker": "realtime_push_queue",
    "broadcast-worker": "broadcast_process_queue",
    "event-worker": "event_process_queue",
}


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def crd_schemas(crd_dir):
    schemas = {}
    for path in sorted(pathlib.Path(crd_dir).glob("*.yaml")):
        for crd in load_all(path):
            if crd.get("kind") != "CustomResourceDefinition":
                continue
            group = crd["spec"]["group"]
            kind = crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                schema = version.get("schema", {}).get("openAPIV3Schema")
                if schema and version.get("served", True):
                    schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def unknown_fields(value, schema, path):
    """Fields the structural schema does not declare (what the API server would prune)."""
    found = []
    if not isinstance(schema, dict):
        return found
    if isinstance(value, dict):
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return found
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, sub in value.items():
            if path == "" and key in ("apiVersion", "kind", "metadata"):
                continue
            if props is not None and key in props:
                found += unknown_fields(sub, props[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(sub, extra, f"{path}.{key}")
            elif props is not None and extra is not True:
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}[{i}]")
    return found


def check_custom_resources(docs, schemas, errors):
    checked = 0
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        group = key[0].split("/")[0] if key[0] and "/" in key[0] else ""
        if not any(group == g.split("/")[0] for g, _ in schemas):
            continue
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        schema = schemas.get(key)
        if schema is None:
            errors.append(f"{name}: no CRD schema for {key[0]} {key[1]}")
            continue
        body = {k: v for k, v in doc.items() if k != "metadata"}
        for err in jsonschema.Draft7Validator(schema).iter_errors(body):
            errors.append(f"{name}: {'.'.join(map(str, err.path)) or '(root)'}: {err.message}")
        for field in unknown_fields(doc, schema, ""):
            errors.append(f"{name}: unknown field {field}")
        checked += 1
    return checked


def settings_read(bin_dir, binary, cache):
    if binary not in cache:
        exe = pathlib.Path(bin_dir) / binary
        if not exe.exists():
            raise SystemExit(f"k8s_check: {exe} is missing (build the workspace binaries first)")
        out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
        cache[binary] = set(re.findall(r"\[env: (INSTANT_[A-Z0-9_]+)[=\]]", out.stdout))
    return cache[binary]


def container_binary(container):
    command = container.get("command") or []
    if command:
        return pathlib.PurePosixPath(command[0]).name
    image = container["image"].split("@")[0]
    name = image.rsplit("/", 1)[-1].split(":")[0]
    return name


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def base_name(generated):
    """instant-config-9g7btktb29 -> instant-config (kustomize's hash suffix)."""
    return re.sub(r"-[a-z0-9]{10}$", "", generated)


def check_drift(docs, secret, bin_dir, cache, errors):
    configmaps = {base_name(n): d.get("data", {}) for n, d in by_kind(docs, "ConfigMap").items()}
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    secret_name = secret["metadata"]["name"]
    config = configmaps.get("instant-config")
    if config is None:
        errors.append("no instant-config ConfigMap")
        return
    read_anywhere = set()
    used_secret_keys = set()
    workloads = [d for d in docs if d.get("kind") in ("Deployment", "Job")]
    for work in workloads:
        labels = work["spec"]["template"]["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/part-of") != "instant":
            continue
        pod = work["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in pod.get("initContainers", []) + pod["containers"]:
            where = f"{work['kind']}/{work['metadata']['name']}/{c['name']}"
            binary = container_binary(c)
            reads = settings_read(bin_dir, binary, cache)
            read_anywhere |= reads
            provided = {}
            for src in c.get("envFrom", []):
                ref = src.get("configMapRef") or src.get("secretRef")
                name = base_name(ref["name"])
                if "configMapRef" in src:
                    provided.update({k: v for k, v in configmaps.get(name, {}).items()})
                elif name == secret_name:
                    provided.update({k: "" for k in secret_keys})
                    used_secret_keys |= secret_keys
            for env in c.get("env", []):
                name = env["name"]
                provided[name] = env.get("value", "")
                if name.startswith("INSTANT_") and name not in reads:
                    errors.append(f"{where}: env {name} is not read by `{binary}`")
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    if ref["name"] != secret_name or ref["key"] not in secret_keys:
                        errors.append(f"{where}: {name} refers to {ref} not in the Secret template")
                    used_secret_keys.add(ref["key"])
            for missing in sorted(reads - set(provided)):
                errors.append(f"{where}: `{binary}` reads {missing}, which the manifests do not set")
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            for name in sorted(reads):
                if not name.endswith("_FILE") or name not in provided:
                    continue
                path = pathlib.PurePosixPath(provided[name])
                mount = next((m for m in mounts if path.is_relative_to(m)), None)
                if mount is None:
                    errors.append(f"{where}: {name}={path} is not inside a mounted volume")
                    continue
                volume = volumes.get(mounts[mount], {})
                items = volume.get("secret", {}).get("items")
                if items is not None:
                    rel = str(path.relative_to(mount))
                    if not any(i["path"] == rel for i in items):
                        errors.append(f"{where}: {name}={path}: the volume has no item {rel}")
                    for item in items:
                        used_secret_keys.add(item["key"])
    for key in sorted(set(config) - read_anywhere):
        errors.append(f"instant-config sets {key}, which no service reads")
    for key in sorted(secret_keys - used_secret_keys):
        errors.append(f"Secret template key {key} is used by no container")
    for key in sorted(k for k in secret_keys if k.startswith("INSTANT_") and k not in read_anywhere):
        errors.append(f"Secret template sets {key}, which no service reads")


def check_coverage(docs, services, errors):
    deployments = by_kind(docs, "Deployment")
    running = {}
    for name, d in deployments.items():
        for c in d["spec"]["template"]["spec"]["containers"]:
            running.setdefault(container_binary(c), name)
    for svc in sorted(services):
        if svc not in running:
            errors.append(f"service {svc} has no Deployment")
    for svc in sorted(HTTP_SERVICES & set(services)):
        for kind in ("Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            if svc not in by_kind(docs, kind):
                errors.append(f"HTTP service {svc} has no {kind}")
    scaled = by_kind(docs, "ScaledObject")
    for worker, queue in WORKER_QUEUES.items():
        so = scaled.get(worker)
        if so is None:
            errors.append(f"worker {worker} has no ScaledObject")
            continue
        queues = [t["metadata"].get("queueName") for t in so["spec"]["triggers"]]
        if queues != [queue]:
            errors.append(f"ScaledObject {worker} scales on {queues}, expected [{queue!r}]")
        if so["spec"]["scaleTargetRef"]["name"] != worker:
            errors.append(f"ScaledObject {worker} targets {so['spec']['scaleTargetRef']['name']}")
    for so in scaled.values():
        if so["spec"]["scaleTargetRef"]["name"] == "gateway":
            errors.append("a ScaledObject targets the gateway: its delivery queues are per pod")
    hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in by_kind(docs, "HorizontalPodAutoscaler").values()}
    for worker in WORKER_QUEUES:
        if worker in hpa_targets:
            errors.append(f"{worker} has both an HPA and a ScaledObject")


DEPENDENCY_PORTS = {3306: "INSTANT_DATABASE_URL", 6379: "INSTANT_REDIS_URL", 5672: "INSTANT_AMQP_URL"}
INFRA = {"mysql": 3306, "redis": 6379, "rabbitmq": 5672}


def selects(selector, labels):
    """Whether a label selector (matchLabels + matchExpressions) selects `labels`."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has, value = e["key"] in labels, labels.get(e["key"])
        op = e["operator"]
        if op == "In" and value not in e["values"]:
            return False
        if op == "NotIn" and has and value in e["values"]:
            return False
        if op == "Exists" and not has:
            return False
        if op == "DoesNotExist" and has:
            return False
    return True


def check_network_policies(docs, bin_dir, cache, errors):
    policies = list(by_kind(docs, "NetworkPolicy").values())
    if not policies:
        errors.append("no NetworkPolicy in the overlay")
        return 0
    instant = [w for w in docs if w.get("kind") in ("Deployment", "Job")
               and w["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "instant"]
    clients = {port: set() for port in DEPENDENCY_PORTS}
    names = {w["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/name", w["metadata"]["name"])
             for w in instant}
    for work in instant:
        labels = work["spec"]["template"]["metadata"]["labels"]
        name = labels.get("app.kubernetes.io/name", work["metadata"]["name"])
        pod = work["spec"]["template"]["spec"]
        reads = set()
        for c in pod.get("initContainers", []) + pod["containers"]:
            reads |= settings_read(bin_dir, container_binary(c), cache)
        mine = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        types = lambda p: set(p["spec"].get("policyTypes") or ["Ingress"])
        if not any({"Ingress", "Egress"} <= types(p) and not p["spec"].get("ingress")
                   and not p["spec"].get("egress") for p in mine):
            errors.append(f"{name}: no default-deny NetworkPolicy selects its pods")
        egress_ports = set()
        for p in mine:
            if "Egress" in types(p):
                for rule in p["spec"].get("egress") or []:
                    for port in rule.get("ports") or []:
                        egress_ports.add(port.get("port"))
        for port, setting in DEPENDENCY_PORTS.items():
            needs, opens = setting in reads, port in egress_ports
            if needs and not opens:
                errors.append(f"{name} reads {setting} but no NetworkPolicy lets it reach port {port}")
            if opens and not needs:
                errors.append(f"{name} may reach port {port} but reads no {setting}")
            if needs:
                clients[port].add(name)
        for p in mine:
            if "Ingress" not in types(p):
                continue
            for rule in p["spec"].get("ingress") or []:
                sources = rule.get("from")
                if name == "gateway":
                    continue
                if not sources:
                    errors.append(f"{name}: NetworkPolicy {p['metadata']['name']} admits anyone")
                    continue
                for src in sources:
                    ns = (src.get("namespaceSelector") or {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                    from_gateway = selects(src.get("podSelector") or {"matchLabels": {"x": "none"}},
                                           {"app.kubernetes.io/name": "gateway"}) and "namespaceSelector" not in src
                    if ns == "monitoring":
                        continue
                    if name in HTTP_SERVICES and from_gateway:
                        continue
                    errors.append(f"{name}: NetworkPolicy {p['metadata']['name']} admits {src}, not only the gateway")
    # In-cluster infrastructure (dev): it admits exactly the clients found above.
    for infra, port in INFRA.items():
        pods = [w for w in docs if w.get("kind") == "StatefulSet"
                and w["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/name") == infra]
        for sts in pods:
            labels = sts["spec"]["template"]["metadata"]["labels"]
            admitted = set()
            fenced = False
            for p in policies:
                if not selects(p["spec"]["podSelector"], labels) or "Ingress" not in (p["spec"].get("policyTypes") or []):
                    continue
                fenced = True
                for rule in p["spec"].get("ingress") or []:
                    if port not in {x.get("port") for x in rule.get("ports") or []}:
                        continue
                    for src in rule.get("from") or []:
                        if "podSelector" in src and "namespaceSelector" not in src:
                            admitted |= {w for w in names
                                         if selects(src["podSelector"], {"app.kubernetes.io/name": w})}
            if not fenced:
                errors.append(f"in-cluster {infra} has no ingress NetworkPolicy")
            elif admitted != clients[port]:
                errors.append(f"in-cluster {infra} admits {sorted(admitted)}, but its clients are {sorted(clients[port])}")
    return len(policies)


def self_test(docs, secret, bin_dir, cache):
    """The drift check must catch a setting taken away and a setting nobody reads."""
    mutated = copy.deepcopy(docs)
    for d in mutated:
        if d.get("kind") == "ConfigMap" and base_name(d["metadata"]["name"]) == "instant-config":
            del d["data"]["INSTANT_PREFETCH"]
            d["data"]["INSTANT_NOBODY_READS_THIS"] = "1"
    errors = []
    check_drift(mutated, secret, bin_dir, cache, errors)
    text = "\n".join(errors)
    if "reads INSTANT_PREFETCH, which the manifests do not set" not in text:
        return "self-test: a removed setting was not reported"
    if "INSTANT_NOBODY_READS_THIS, which no service reads" not in text:
        return "self-test: an unread setting was not reported"
    mutated = copy.deepcopy(docs)
    for d in mutated:
        if d.get("kind") == "NetworkPolicy" and d["metadata"]["name"] == "mysql-clients":
            d["spec"]["podSelector"]["matchExpressions"][0]["values"].append("broadcast-worker")
    errors = []
    check_network_policies(mutated, bin_dir, cache, errors)
    if "broadcast-worker may reach port 3306 but reads no INSTANT_DATABASE_URL" not in "\n".join(errors):
        return "self-test: a worker allowed to reach MySQL without needing it was not reported"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rendered", required=True, help="output of kubectl kustomize")
    ap.add_argument("--secret-template", required=True)
    ap.add_argument("--crds", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--services", required=True, help="comma-separated workspace services")
    args = ap.parse_args()

    docs = load_all(args.rendered)
    secret = load_all(args.secret_template)[0]
    cache = {}
    errors = []
    n = check_custom_resources(docs, crd_schemas(args.crds), errors)
    check_custom_resources([secret], {}, errors)
    check_drift(docs, secret, args.bin_dir, cache, errors)
    check_coverage(docs, args.services.split(","), errors)
    policies = check_network_policies(docs, args.bin_dir, cache, errors)
    failure = self_test(docs, secret, args.bin_dir, cache)
    if failure:
        errors.append(failure)
    for e in errors:
        print(f"  FAIL {e}")
    if errors:
        return 1
    print(f"  ok: {n} custom resources match their CRDs; settings of "
          f"{len(cache)} binaries all provided and all read; every service deployed; "
          f"{policies} NetworkPolicies open exactly what each binary needs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

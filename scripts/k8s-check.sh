#!/usr/bin/env bash
# Offline checks of k8s/ (no cluster needed); part of scripts/test.sh.
#   yamllint over k8s/; `kubectl kustomize` of each overlay; kubernetes-validate --strict on
#   the built-in kinds (at the oldest supported and the newest Kubernetes); the custom
#   resources against the CRD schemas vendored in k8s/crds (or INSTANT_K8S_CRDS); the
#   settings-drift and coverage checks of scripts/k8s_check.py; the alerts and dashboard
#   (scripts/monitoring_check.py --offline, with promtool).
# The Python tools live in the cached test-tools virtualenv (lib.sh: ensure_tools_venv).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

OLDEST_K8S=1.30.0
NEWEST_K8S=1.37.0
# The upstream CRDs, vendored unmodified (k8s/crds/README.md); INSTANT_K8S_CRDS overrides.
CRDS="${INSTANT_K8S_CRDS:-$ROOT/k8s/crds}"
[ -d "$CRDS" ] || die "no CRD schemas in $CRDS: set INSTANT_K8S_CRDS to a folder with the KEDA and RabbitMQ CRDs"
command -v kubectl >/dev/null || die "kubectl is missing (it renders the kustomize overlays): install kubectl >= 1.27"

ensure_tools_venv
VENV="$TOOLS_VENV"

log "yamllint k8s/"
"$VENV/bin/yamllint" --strict -c k8s/.yamllint k8s/

log "building the binaries whose settings the manifests must match"
cargo build --workspace --bins --quiet
SERVICES_CSV=$(ls services | paste -sd, -)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for overlay in k8s/overlays/*/; do
  name=$(basename "$overlay")
  log "overlay $name: kustomize, kubernetes-validate ($OLDEST_K8S and $NEWEST_K8S), CRDs, settings drift"
  kubectl kustomize "$overlay" >"$out/$name.yaml"
  # Built-in kinds only: the custom resources are checked against their CRDs below.
  "$VENV/bin/python" - "$out/$name.yaml" "$out/$name.builtin.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
builtin = [d for d in docs if not d["apiVersion"].split("/")[0].endswith((".sh", "rabbitmq.com"))]
yaml.safe_dump_all(builtin, open(sys.argv[2], "w"))
PY
  for version in "$OLDEST_K8S" "$NEWEST_K8S"; do
    "$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "$out/$name.builtin.yaml" \
      || die "overlay $name is not valid for Kubernetes $version"
  done
  "$VENV/bin/kubernetes-validate" --strict --quiet -k "$NEWEST_K8S" k8s/base/secret.template.yaml \
    || die "the Secret template is not valid"
  "$VENV/bin/python" scripts/k8s_check.py --rendered "$out/$name.yaml" \
    --secret-template k8s/base/secret.template.yaml --crds "$CRDS" \
    --bin-dir "$CARGO_TARGET_DIR/debug" --services "$SERVICES_CSV" \
    || die "overlay $name failed the manifest checks above"
done
log "scripts/k8s-secret.sh: the Secrets it prints are valid and hold exactly the template's keys"
scripts/k8s-secret.sh dev >"$out/secret-dev.yaml"
scripts/k8s-secret.sh prod --database-url mysql://u:p@db:3306/instant --redis-url redis://r:6379 \
  --amqp-url amqp://u:p@instant-rabbitmq:5672/%2f >"$out/secret-prod.yaml"
"$VENV/bin/kubernetes-validate" --strict --quiet -k "$NEWEST_K8S" "$out/secret-dev.yaml" "$out/secret-prod.yaml"
"$VENV/bin/python" - "$out/secret-dev.yaml" "$out/secret-prod.yaml" k8s/base/secret.template.yaml <<'PY'
import sys, yaml
template = set(yaml.safe_load(open(sys.argv[3]))["stringData"])
for path in sys.argv[1:3]:
    secret = [d for d in yaml.safe_load_all(open(path)) if d["metadata"]["name"] == "instant-secrets"][0]
    if set(secret["data"]) != template:
        sys.exit(f"{path}: keys {sorted(secret['data'])} differ from the template's {sorted(template)}")
PY

# The dashboard and the alerts (k8s/monitoring, deploy/grafana): the rule's shape, promtool
# check + unit tests of every alert. promtool comes with Debian's prometheus package.
if ! command -v promtool >/dev/null; then
  is_root && command -v apt-get >/dev/null \
    || die "promtool is missing: apt-get install --no-install-recommends prometheus (it brings promtool)"
  log "installing promtool (Debian's prometheus package, without recommends)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
  # Only promtool is wanted: a server its init script may have started is stopped.
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
log "monitoring: PrometheusRule shape, promtool check rules + test rules, dashboard panels"
kubectl kustomize k8s/monitoring >"$out/monitoring.yaml"
"$VENV/bin/python" scripts/monitoring_check.py --offline || die "the monitoring checks failed"
log "k8s manifests: all checks passed"

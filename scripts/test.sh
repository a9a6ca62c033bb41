#!/usr/bin/env bash
# The whole test suite, against the real MariaDB, Redis and RabbitMQ (started or installed
# here when missing). `.ci/run` calls exactly this.
#   1. formatting and clippy (-D warnings);           skip with INSTANT_SKIP_LINT=1
#   2. the web client's unit and component tests (Vitest, services/gateway/web);
#   3. the Kubernetes manifests, offline (yamllint, kubernetes-validate, CRDs, settings drift);
#   4. every crate's tests, in parallel, each test in its own database / name prefix;
#   5. the disruptive tests (they restart the shared broker) one at a time, alone;
#   6. the fault test (scripts/fault.sh): loadcheck under SIGKILLs, a broker restart, FLUSHALL;
#   7. a five-minute soak (scripts/soak.sh, two windows at a low rate, a worker killed in
#      each): memory, fds, latency and every message checked over time; skip with
#      INSTANT_SKIP_SOAK=1 (the hour-long one is run by hand);
#   8. end to end: up.sh on spare ports (it builds the web client), the flows through the
#      gateway with curl, the browser tests in Chromium (two users), down.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$SECONDS

ensure_dependencies
ensure_tools_venv   # moto for the S3 tests, the manifest validators
# Whatever happens, leave the broker running for whoever comes next.
trap 'port_open 127.0.0.1 5672 || { rabbitmqctl start_app >/dev/null 2>&1 || ensure_rabbitmq; }' EXIT

log "removing leftovers of earlier interrupted runs"
for db in $(mysql_cmd -N -e "SHOW DATABASES LIKE 'instant\\_t\\_%'" 2>/dev/null); do
  mysql_cmd -e "DROP DATABASE \`$db\`" >/dev/null 2>&1 || true
done
if command -v rabbitmqctl >/dev/null; then
  # `|| true`: no leftovers means grep finds nothing, which must not end the run (pipefail).
  leftovers=$(rabbitmqctl list_queues -q name 2>/dev/null \
    | grep -E '^(t[0-9a-z]{26}|e2e|fault|soak|loadcheck|benchfiles|sysbench|city)\.' || true)
  for q in $leftovers; do
    rabbitmqctl delete_queue "$q" </dev/null >/dev/null 2>&1 || true
  done
fi

if [ "${INSTANT_SKIP_LINT:-0}" != 1 ]; then
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy -D warnings"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
fi

log "web client: unit and component tests (vitest)"
ensure_web_deps 20
(cd "$WEB_DIR" && npx --no-install vitest run)

log "Kubernetes manifests, offline (scripts/k8s-check.sh)"
"$ROOT/scripts/k8s-check.sh"

if cargo nextest --version >/dev/null 2>&1; then
  log "tests (nextest), then the disruptive ones alone"
  cargo nextest run --workspace --no-fail-fast -E 'not test(/^disruptive_/)'
  cargo nextest run --workspace --no-fail-fast -j 1 -E 'test(/^disruptive_/)'
else
  log "tests (cargo test), then the disruptive ones alone"
  cargo test --workspace --no-fail-fast -- --skip disruptive_
  cargo test --workspace --no-fail-fast -- disruptive_ --test-threads=1
fi

log "fault test: loadcheck while workers are killed, the broker restarts and Redis is flushed"
"$ROOT/scripts/fault.sh"

if [ "${INSTANT_SKIP_SOAK:-0}" != 1 ]; then
  log "soak, short: two windows of 150 s with a fault each (scripts/soak.sh)"
  SOAK_SECS=300 SOAK_WINDOW_SECS=150 SOAK_RATE=50 SOAK_GROUP_RATE=5 INSTANT_PROFILE=dev "$ROOT/scripts/soak.sh"
fi

log "end to end through up.sh"
"$ROOT/scripts/e2e.sh"

log "all tests passed in $((SECONDS - started)) s"

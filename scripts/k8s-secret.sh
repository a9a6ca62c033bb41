#!/usr/bin/env bash
# Prints the `instant-secrets` Secret (the keys of k8s/base/secret.template.yaml) with a
# fresh Ed25519 JWT key pair, ready for `| kubectl apply -f -`.
#
#   scripts/k8s-secret.sh dev
#       for k8s/overlays/dev: also prints `instant-dev-infra` with random passwords for the
#       in-cluster MariaDB, Redis and RabbitMQ, and points the URLs at them. Run it ONCE per
#       namespace: the databases keep the first passwords on their volumes.
#   scripts/k8s-secret.sh prod --database-url URL --redis-url URL --amqp-url URL \
#       [--s3-access-key-id ID --s3-secret-access-key KEY] [--cascade-registration-token T]
#       [--cascade-parent-token T --cascade-parent-amqp-url URL] [--push-webhook-secret S]
#       [--namespace instant]
#       [--jwt-private-key FILE]
#       for k8s/overlays/prod: your managed MySQL and Redis, the RabbitmqCluster's user,
#       the credentials of the files bucket (none: the pod's own cloud identity).
#       Rotating the JWT key pair logs everybody out: pass the current key to keep it.
set -euo pipefail
usage() { sed -n '2,/^set -euo/{/^set -euo/d;p}' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
overlay=$1; shift
namespace=instant; database_url=; redis_url=; amqp_url=; jwt_private=; s3_key=; s3_secret=
cascade_token=; parent_token=; parent_amqp_url=; push_secret=
while [ $# -gt 0 ]; do
  case "$1" in
    --namespace) namespace=$2; shift 2 ;;
    --database-url) database_url=$2; shift 2 ;;
    --redis-url) redis_url=$2; shift 2 ;;
    --amqp-url) amqp_url=$2; shift 2 ;;
    --jwt-private-key) jwt_private=$2; shift 2 ;;
    --s3-access-key-id) s3_key=$2; shift 2 ;;
    --s3-secret-access-key) s3_secret=$2; shift 2 ;;
    --cascade-registration-token) cascade_token=$2; shift 2 ;;
    --cascade-parent-token) parent_token=$2; shift 2 ;;
    --cascade-parent-amqp-url) parent_amqp_url=$2; shift 2 ;;
    --push-webhook-secret) push_secret=$2; shift 2 ;;
    *) usage ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is missing" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is missing" >&2; exit 1; }

keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
if [ -n "$jwt_private" ]; then
  cp "$jwt_private" "$keys/jwt_private.pem"
else
  openssl genpkey -algorithm ed25519 -out "$keys/jwt_private.pem" 2>/dev/null
fi
openssl pkey -in "$keys/jwt_private.pem" -pubout -out "$keys/jwt_public.pem"
password() { openssl rand -hex 24; }

case "$overlay" in
  dev)
    namespace=instant-dev
    mysql_pw=$(password); redis_pw=$(password); rabbit_pw=$(password)
    database_url="mysql://instant:$mysql_pw@mysql:3306/instant"
    redis_url="redis://:$redis_pw@redis:6379"
    amqp_url="amqp://instant:$rabbit_pw@rabbitmq:5672/%2f"
    kubectl create secret generic instant-dev-infra --namespace "$namespace" --dry-run=client -o yaml \
      --from-literal=mysql-password="$mysql_pw" --from-literal=mysql-root-password="$(password)" \
      --from-literal=redis-password="$redis_pw" --from-literal=rabbitmq-password="$rabbit_pw"
    echo "---"
    ;;
  prod)
    [ -n "$database_url" ] && [ -n "$redis_url" ] && [ -n "$amqp_url" ] \
      || { echo "prod needs --database-url, --redis-url and --amqp-url" >&2; exit 2; }
    ;;
  *) usage ;;
esac
kubectl create secret generic instant-secrets --namespace "$namespace" --dry-run=client -o yaml \
  --from-literal=INSTANT_DATABASE_URL="$database_url" \
  --from-literal=INSTANT_REDIS_URL="$redis_url" \
  --from-literal=INSTANT_AMQP_URL="$amqp_url" \
  --from-literal=INSTANT_S3_ACCESS_KEY_ID="$s3_key" \
  --from-literal=INSTANT_S3_SECRET_ACCESS_KEY="$s3_secret" \
  --from-literal=INSTANT_CASCADE_REGISTRATION_TOKEN="$cascade_token" \
  --from-literal=INSTANT_CASCADE_PARENT_TOKEN="$parent_token" \
  --from-literal=INSTANT_CASCADE_PARENT_AMQP_URL="$parent_amqp_url" \
  --from-literal=INSTANT_PUSH_WEBHOOK_SECRET="$push_secret" \
  --from-file=jwt_private.pem="$keys/jwt_private.pem" \
  --from-file=jwt_public.pem="$keys/jwt_public.pem"

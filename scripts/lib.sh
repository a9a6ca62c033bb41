#!/usr/bin/env bash
# Shared by up.sh, down.sh, test.sh and admin.sh: where things are, and making sure MySQL
# (MariaDB), Redis and RabbitMQ are reachable. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${INSTANT_RUN_DIR:-$ROOT/.run}"
PORT_BASE="${INSTANT_PORT_BASE:-8080}"
# One shared target directory; CI points it outside the clone so builds are reused.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# Every binary and its port offset from PORT_BASE (gateway first in the table, started last).
SERVICES=(auth chat-api file-service cascade-service persistence-worker push-worker broadcast-worker event-worker gateway)
port_of() {
  case "$1" in
    gateway) echo $((PORT_BASE)) ;;
    auth) echo $((PORT_BASE + 1)) ;;
    chat-api) echo $((PORT_BASE + 2)) ;;
    file-service) echo $((PORT_BASE + 3)) ;;
    cascade-service) echo $((PORT_BASE + 4)) ;;
    persistence-worker) echo $((PORT_BASE + 11)) ;;
    push-worker) echo $((PORT_BASE + 12)) ;;
    broadcast-worker) echo $((PORT_BASE + 13)) ;;
    event-worker) echo $((PORT_BASE + 14)) ;;
    *) echo "unknown service $1" >&2; return 1 ;;
  esac
}

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$1" "$2" && return 0; sleep 0.1; done
  return 1
}

is_root() { [ "$(id -u)" = 0 ]; }

# Installs Debian packages when we are root and apt-get exists; otherwise says what to do.
install_packages() {
  if is_root && command -v apt-get >/dev/null; then
    log "installing $* from Debian packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    die "missing: $* (install these packages, e.g. 'sudo apt-get install $*', or point INSTANT_*_URL at running servers)"
  fi
}

ensure_mariadb() {
  port_open 127.0.0.1 3306 && return 0
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || install_packages mariadb-server mariadb-client
  log "starting MariaDB"
  if is_root; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  else
    die "MariaDB is not running on 127.0.0.1:3306 and only root can start it here"
  fi
  wait_port 127.0.0.1 3306 30 || die "MariaDB did not come up on 127.0.0.1:3306 (see its error log)"
}

ensure_redis() {
  port_open 127.0.0.1 6379 && return 0
  command -v redis-server >/dev/null || install_packages redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_port 127.0.0.1 6379 10 || die "Redis did not come up on 127.0.0.1:6379"
}

ensure_rabbitmq() {
  port_open 127.0.0.1 5672 && return 0
  command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || install_packages rabbitmq-server
  log "starting RabbitMQ"
  if is_root; then
    rabbitmq-server -detached >/dev/null 2>&1 || true
    # The node may be running with the app stopped (e.g. after an interrupted test).
    rabbitmqctl start_app >/dev/null 2>&1 || true
  else
    die "RabbitMQ is not running on 127.0.0.1:5672 and only root can start it here"
  fi
  wait_port 127.0.0.1 5672 60 || die "RabbitMQ did not come up on 127.0.0.1:5672"
}

# Decides how to reach MySQL: root over TCP with an empty password (these machines), or an
# `instant` user made here on a fresh Debian box where root only logs in by unix socket.
# Exports INSTANT_DATABASE_URL (unless set) and INSTANT_TEST_MYSQL (server URL for tests).
# A script that names its own database (INSTANT_DB_NAME: e2e, the fault test) gets it on
# the same server even when a caller (test.sh) already exported a URL: otherwise those
# runs would share the caller's database.
ensure_db_access() {
  local db_name="${INSTANT_DB_NAME:-instant}"
  if [ -n "${INSTANT_DATABASE_URL:-}" ]; then
    if [ -n "${INSTANT_DB_NAME:-}" ]; then
      export INSTANT_DATABASE_URL="${INSTANT_DATABASE_URL%/*}/$INSTANT_DB_NAME"
    fi
    export INSTANT_TEST_MYSQL="${INSTANT_TEST_MYSQL:-${INSTANT_DATABASE_URL%/*}}"
    return 0
  fi
  command -v mysql >/dev/null || install_packages mariadb-client
  local server
  if mysql -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then
    server="mysql://root@127.0.0.1:3306"
  else
    local pwfile="$RUN_DIR/mysql-password"
    mkdir -p "$RUN_DIR"
    if [ ! -s "$pwfile" ] || ! mysql -h127.0.0.1 -uinstant -p"$(cat "$pwfile")" -e 'SELECT 1' >/dev/null 2>&1; then
      is_root && mysql -uroot -e 'SELECT 1' >/dev/null 2>&1 ||
        die "cannot log in to MySQL as root over TCP or the unix socket; set INSTANT_DATABASE_URL"
      log "creating the MySQL user 'instant' (password in $pwfile)"
      (umask 077 && openssl rand -hex 16 >"$pwfile")
      local pw; pw="$(cat "$pwfile")"
      mysql -uroot <<SQL
CREATE USER IF NOT EXISTS 'instant'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'instant'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'instant'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'instant'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`instant%\`.* TO 'instant'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`instant%\`.* TO 'instant'@'localhost';
SQL
    fi
    server="mysql://instant:$(cat "$pwfile")@127.0.0.1:3306"
  fi
  export INSTANT_DATABASE_URL="$server/$db_name"
  export INSTANT_TEST_MYSQL="${INSTANT_TEST_MYSQL:-$server}"
}

# Checks (and where it can, starts or installs) everything the platform needs locally.
ensure_dependencies() {
  command -v cargo >/dev/null || die "missing: a Rust toolchain (cargo); install it with rustup"
  command -v openssl >/dev/null || install_packages openssl
  command -v curl >/dev/null || install_packages curl
  ensure_mariadb
  ensure_redis
  ensure_rabbitmq
  ensure_db_access
}

# The Ed25519 key pair auth signs with and everyone verifies with.
ensure_keys() {
  local dir="$RUN_DIR/keys"
  mkdir -p "$dir"
  if [ ! -s "$dir/jwt_private.pem" ]; then
    log "generating the JWT signing key pair in $dir"
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$dir/jwt_private.pem")
    openssl pkey -pubout -in "$dir/jwt_private.pem" -out "$dir/jwt_public.pem"
  fi
  export INSTANT_JWT_PRIVATE_KEY_FILE="${INSTANT_JWT_PRIVATE_KEY_FILE:-$dir/jwt_private.pem}"
  export INSTANT_JWT_PUBLIC_KEY_FILE="${INSTANT_JWT_PUBLIC_KEY_FILE:-$dir/jwt_public.pem}"
}

# Which cargo profile and where its binaries land.
profile_dir() {
  case "${INSTANT_PROFILE:-release}" in
    dev | debug) echo "$CARGO_TARGET_DIR/debug" ;;
    *) echo "$CARGO_TARGET_DIR/${INSTANT_PROFILE:-release}" ;;
  esac
}

# The nine services and `migrate`; loadcheck (a tool, not part of the platform) only for
# the scripts that drive load. Both builds select the same features, so neither rebuilds
# what the other built.
build_binaries() {
  local profile="${INSTANT_PROFILE:-release}"
  [ "$profile" = debug ] && profile=dev
  log "building the services (profile $profile)"
  (cd "$ROOT" && cargo build --profile "$profile" --workspace --bins --exclude loadcheck --quiet) || die "build failed"
}

build_loadcheck() {
  local profile="${INSTANT_PROFILE:-release}"
  [ "$profile" = debug ] && profile=dev
  log "building loadcheck (profile $profile)"
  (cd "$ROOT" && cargo build --profile "$profile" --workspace --bins --quiet) || die "build failed"
}

# A process that exited but was not reaped yet (a zombie) counts as gone.
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
alive() { [ -f "$RUN_DIR/$1.pid" ] && pid_alive "$(cat "$RUN_DIR/$1.pid")"; }

# The mysql client as the account ensure_db_access chose.
mysql_cmd() {
  local url="${INSTANT_TEST_MYSQL:-mysql://root@127.0.0.1:3306}"
  local rest="${url#mysql://}" creds="" hostport user pass
  case "$rest" in *@*) creds="${rest%%@*}"; rest="${rest#*@}" ;; esac
  hostport="${rest%%/*}"
  user="${creds%%:*}"; pass=""
  [[ "$creds" == *:* ]] && pass="${creds#*:}"
  mysql -h"${hostport%%:*}" -P"${hostport##*:}" -u"${user:-root}" ${pass:+-p"$pass"} "$@"
}

# The Python test tools in one cached virtualenv (pinned): moto (the S3-compatible server
# of file-service's tests), yamllint, kubernetes-validate and jsonschema (k8s-check.sh).
TOOLS_VENV="${INSTANT_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/instant/tools-venv}"
TOOLS_PINS=(kubernetes-validate==1.37.0 yamllint==1.38.0 jsonschema==4.26.0 PyYAML==6.0.3 "moto[server]==5.2.5" pika==1.3.2)
ensure_tools_venv() {
  export INSTANT_TOOLS_VENV="$TOOLS_VENV"
  if [ -f "$TOOLS_VENV/.pins" ] && [ "$(cat "$TOOLS_VENV/.pins")" = "${TOOLS_PINS[*]}" ]; then
    return 0
  fi
  log "installing the Python test tools into $TOOLS_VENV: ${TOOLS_PINS[*]}"
  command -v python3 >/dev/null || die "python3 is missing (apt-get install python3 python3-venv)"
  rm -rf "$TOOLS_VENV"
  python3 -m venv "$TOOLS_VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check "${TOOLS_PINS[@]}" \
    || die "pip could not install ${TOOLS_PINS[*]} (is PyPI reachable?)"
  echo "${TOOLS_PINS[*]}" >"$TOOLS_VENV/.pins"
}

# The web client (services/gateway/web): Node.js and npm (Debian's packages when missing),
# `npm ci` from the committed lockfile when it changed, then a Vite build into dist/ that
# the gateway serves at `/`. Never a prebuilt copy in git.
WEB_DIR="$ROOT/services/gateway/web"
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null || install_packages nodejs npm
  local major; major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$major" -ge "${1:-18}" ] || die "Node.js ${1:-18} or newer is needed here, found $(node --version 2>/dev/null || echo none) (Debian 13 or NodeSource packages have it)"
}
ensure_web_deps() {
  ensure_node "${1:-18}"
  local stamp="$WEB_DIR/node_modules/.lock-sha"
  local want; want="$(sha256sum "$WEB_DIR/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing the web client's packages (npm ci)"
    (cd "$WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in $WEB_DIR (is the npm registry reachable?)"
    echo "$want" >"$stamp"
  fi
}
build_web() {
  ensure_web_deps
  local stamp="$WEB_DIR/dist/.src-sha"
  local want; want="$(cd "$WEB_DIR" && cat package-lock.json index.html vite.config.ts tsconfig.json $(find src public -type f | sort) | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$WEB_DIR/dist/index.html" ]; then
    return 0
  fi
  log "building the web client (vue-tsc + vite build)"
  (cd "$WEB_DIR" && npm run --silent build >&2) || die "the web client did not build (services/gateway/web)"
  echo "$want" >"$stamp"
}

# Holds N idle WebSockets (over `users` users) on the running gateway at $1 for 15 s and
# prints "idle_kib peak_kib per_connection_kib" of its RSS (pid from $RUN_DIR).
measure_idle_sockets() { # gateway_url n users
  local rss_of pid before peak now client
  pid=$(cat "$RUN_DIR/gateway.pid")
  rss_of() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
  sleep 1
  before=$(rss_of)
  "$(profile_dir)/loadcheck" --gateway "$1" --users "$3" --idle-connections "$2" --duration 15 --no-baseline >&2 &
  client=$!
  peak=$before
  while kill -0 "$client" 2>/dev/null; do
    now=$(rss_of); (( now > peak )) && peak=$now
    sleep 0.5
  done
  wait "$client" || return 1
  awk -v a="$peak" -v b="$before" -v n="$2" 'BEGIN {printf "%d %d %.1f\n", b, a, (a - b) / n}'
}

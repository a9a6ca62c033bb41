#!/usr/bin/env bash
# Account administration.
#   ./scripts/admin.sh create-admin USERNAME   (password on standard input)
# Creates USERNAME as an admin, or promotes the existing account and sets its password.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ "${1:-}" = create-admin ] && [ -n "${2:-}" ] || die "usage: $0 create-admin USERNAME  (password on stdin)"
ensure_mariadb
ensure_db_access
bin="$(profile_dir)"
[ -x "$bin/auth" ] && [ -x "$bin/migrate" ] || build_binaries
"$bin/migrate" >/dev/null
# The password stays on stdin: never an argument, never in the process list.
INSTANT_LOG=warn "$bin/auth" create-admin "$2"

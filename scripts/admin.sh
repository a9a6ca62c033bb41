#!/usr/bin/env bash
# Administration.
#   ./scripts/admin.sh create-admin USERNAME   (password on standard input)
#     Creates USERNAME as an admin, or promotes the existing account and sets its password.
#   ./scripts/admin.sh search-rebuild
#     Rebuilds the message search index from MySQL (safe while the platform runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage="usage: $0 create-admin USERNAME  (password on stdin) | $0 search-rebuild"
case "${1:-}" in
  create-admin) [ -n "${2:-}" ] || die "$usage" ;;
  search-rebuild) ;;
  *) die "$usage" ;;
esac
ensure_mariadb
ensure_db_access
bin="$(profile_dir)"
[ -x "$bin/auth" ] && [ -x "$bin/chat-api" ] && [ -x "$bin/migrate" ] || build_binaries
"$bin/migrate" >/dev/null
if [ "$1" = search-rebuild ]; then
  exec env INSTANT_LOG=warn "$bin/chat-api" search-rebuild
fi
# The password stays on stdin: never an argument, never in the process list.
INSTANT_LOG=warn "$bin/auth" create-admin "$2"

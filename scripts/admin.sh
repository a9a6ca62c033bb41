#!/usr/bin/env bash
# Administration from the command line, for operators without a token at hand (the same
# use cases as /api/v1/admin/*, audited with no actor).
#   ./scripts/admin.sh create-admin USERNAME   (password on standard input)
#     Creates USERNAME as an admin, or promotes the existing account and sets its password.
#   ./scripts/admin.sh disable USERNAME [REASON] | enable USERNAME | logout USERNAME
#     Disables (sessions end within seconds everywhere, no login until enabled), enables,
#     or ends every session of a user.
#   ./scripts/admin.sh audit-verify
#     Walks the audit log's hash chain; fails naming the first edited or deleted row.
#   ./scripts/admin.sh stats
#     Prints the platform statistics (as GET /admin/stats) as JSON.
#   ./scripts/admin.sh search-rebuild
#     Rebuilds the message search index from MySQL (safe while the platform runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage="usage: $0 create-admin USERNAME (password on stdin) | disable USERNAME [REASON] | enable USERNAME | logout USERNAME | audit-verify | stats | search-rebuild"
case "${1:-}" in
  create-admin | enable | logout) [ -n "${2:-}" ] || die "$usage" ;;
  disable) [ -n "${2:-}" ] || die "$usage" ;;
  search-rebuild | audit-verify | stats) ;;
  *) die "$usage" ;;
esac
ensure_mariadb
ensure_db_access
bin="$(profile_dir)"
[ -x "$bin/auth" ] && [ -x "$bin/chat-api" ] && [ -x "$bin/migrate" ] || build_binaries
"$bin/migrate" >/dev/null
case "$1" in
  search-rebuild) exec env INSTANT_LOG=warn "$bin/chat-api" search-rebuild ;;
  audit-verify) exec env INSTANT_LOG=warn "$bin/auth" audit-verify ;;
  stats) exec env INSTANT_LOG=warn "$bin/chat-api" stats ;;
  disable) exec env INSTANT_LOG=warn "$bin/auth" disable "$2" --reason "${3:-disabled by an operator}" ;;
  enable | logout) exec env INSTANT_LOG=warn "$bin/auth" "$1" "$2" ;;
esac
# The password stays on stdin: never an argument, never in the process list.
INSTANT_LOG=warn "$bin/auth" create-admin "$2"

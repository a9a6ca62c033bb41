#!/usr/bin/env bash
# loadcheck against a running platform (README: Load and faults), built first in the
# profile up.sh used (INSTANT_PROFILE, release by default). Arguments go to loadcheck:
#   ./scripts/loadcheck.sh --mode direct --users 20 --rate 1000 --duration 20
#   ./scripts/loadcheck.sh --mode closed --users 40 --senders 32 --duration 15
# Its CPU table reads the services' pid files in INSTANT_RUN_DIR (default .run).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build_loadcheck
exec "$(profile_dir)/loadcheck" --run-dir "$RUN_DIR" "$@"

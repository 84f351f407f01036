#!/usr/bin/env bash
# Stops the PostgreSQL started by start.sh in DIR (fast shutdown, waiting until it has exited).
#   Scripts/pg-testnet/stop.sh DIR           keeps DIR (data directory, log)
#   Scripts/pg-testnet/stop.sh --remove DIR  also deletes DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

remove=no
if [ "${1:-}" = "--remove" ]; then remove=yes; shift; fi
[ -n "${1:-}" ] || pg_die "usage: stop.sh [--remove] DIR"
dir="$(cd "$1" && pwd)"
pg_find_bin
pg_stop "$dir" || true
if [ $remove = yes ] && { [ -d "$dir/data" ] || [ -f "$dir/env" ]; }; then
  rm -rf "$dir"
fi
echo "pg-testnet: stopped ($dir)"

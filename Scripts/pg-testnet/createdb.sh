#!/usr/bin/env bash
# Creates an empty database NAME owned by the test role, on the server start.sh made in DIR.
#   Scripts/pg-testnet/createdb.sh DIR NAME
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -eq 2 ] || pg_die "usage: createdb.sh DIR NAME"
. "$1/env"
case "$2" in *[!a-z0-9_]*|"") pg_die "database names here are [a-z0-9_]+";; esac
pg_find_bin
pg_run "$PG_PSQL" -h "$PG_TESTNET_DIR" -p "$PG_TESTNET_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE DATABASE $2 OWNER $PG_TESTNET_USER" >/dev/null

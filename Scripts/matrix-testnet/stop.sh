#!/usr/bin/env bash
# Stops the Synapse started by start.sh in DIR (by pid, waiting until it has exited).
#   Scripts/matrix-testnet/stop.sh DIR           keeps DIR (config, database, log, media)
#   Scripts/matrix-testnet/stop.sh --remove DIR  also deletes DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

remove=no
if [ "${1:-}" = "--remove" ]; then remove=yes; shift; fi
matrix_load "${1:-}"

matrix_stop_pid "${MATRIX_TESTNET_PID:-}" synapse.app.homeserver
if [ $remove = yes ]; then
  # Only a directory that start.sh made is deleted.
  [ -f "$MATRIX_TESTNET_DIR/homeserver.yaml" ] && rm -rf "$MATRIX_TESTNET_DIR"
fi
echo "matrix-testnet: stopped ($MATRIX_TESTNET_DIR)"

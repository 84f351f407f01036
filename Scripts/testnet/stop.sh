#!/usr/bin/env bash
# Stops the testnet started by start.sh in DIR (by pid, waiting until both have exited).
#   Scripts/testnet/stop.sh DIR           keeps DIR (configs, logs, certificates)
#   Scripts/testnet/stop.sh --remove DIR  also deletes DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

remove=no
if [ "${1:-}" = "--remove" ]; then remove=yes; shift; fi
testnet_load "${1:-}"

testnet_stop_pid "${TESTNET_INSPIRCD_PID:-}" inspircd
testnet_stop_pid "${TESTNET_ATHEME_PID:-}" atheme
if [ $remove = yes ]; then
  # Only a directory that start.sh made (it has env + inspircd/ + atheme/) is deleted.
  [ -d "$TESTNET_DIR/inspircd" ] && [ -d "$TESTNET_DIR/atheme" ] && rm -rf "$TESTNET_DIR"
fi
echo "testnet: stopped ($TESTNET_DIR)"

#!/usr/bin/env bash
# Stops the testnet started by start.sh in DIR (by pid, waiting until its daemons have exited).
#   Scripts/testnet/stop.sh DIR           keeps DIR (configs, logs, certificates)
#   Scripts/testnet/stop.sh --remove DIR  also deletes DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

remove=no
if [ "${1:-}" = "--remove" ]; then remove=yes; shift; fi
testnet_load "${1:-}"

testnet_stop_pid "${TESTNET_INSPIRCD_PID:-}" inspircd
testnet_stop_pid "${TESTNET_ATHEME_PID:-}" atheme
testnet_stop_pid "${TESTNET_NGIRCD_PID:-}" ngircd
if [ $remove = yes ]; then
  # Only a directory that start.sh made (env + inspircd/ + atheme/, or env + ngircd/) is deleted.
  if { [ -d "$TESTNET_DIR/inspircd" ] && [ -d "$TESTNET_DIR/atheme" ]; } || [ -d "$TESTNET_DIR/ngircd" ]; then
    rm -rf "$TESTNET_DIR"
  fi
fi
echo "testnet: stopped ($TESTNET_DIR)"

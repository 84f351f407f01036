#!/usr/bin/env bash
# Lets a paused InspIRCd of the testnet in DIR run again (SIGCONT).
#   Scripts/testnet/resume-ircd.sh DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
testnet_pid_is "$TESTNET_INSPIRCD_PID" inspircd || testnet_die "InspIRCd (pid $TESTNET_INSPIRCD_PID) is not running"
kill -CONT "$TESTNET_INSPIRCD_PID"
echo "testnet: InspIRCd resumed ($TESTNET_DIR)"

#!/usr/bin/env bash
# Stops only InspIRCd of the testnet in DIR (Atheme keeps running and relinks later).
#   Scripts/testnet/kill-ircd.sh DIR [SIGNAL]    SIGNAL: TERM (default) or KILL (no goodbye)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
signal="${2:-TERM}"
case "$signal" in TERM|KILL|INT) ;; *) testnet_die "signal must be TERM, KILL or INT, not '$signal'" ;; esac
testnet_stop_pid "$TESTNET_INSPIRCD_PID" inspircd "$signal"
echo "testnet: InspIRCd stopped ($TESTNET_DIR)"

#!/usr/bin/env bash
# Stops only the IRC server of the testnet in DIR: InspIRCd (Atheme keeps running and relinks
# later) or ngIRCd.
#   Scripts/testnet/kill-ircd.sh DIR [SIGNAL]    SIGNAL: TERM (default) or KILL (no goodbye)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
signal="${2:-TERM}"
case "$signal" in TERM|KILL|INT) ;; *) testnet_die "signal must be TERM, KILL or INT, not '$signal'" ;; esac
testnet_stop_pid "$(testnet_ircd_pid)" "$(testnet_ircd_name)" "$signal"
echo "testnet: $(testnet_ircd_name) stopped ($TESTNET_DIR)"

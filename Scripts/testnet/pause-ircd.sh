#!/usr/bin/env bash
# Freezes InspIRCd of the testnet in DIR (SIGSTOP): connections stay open but nothing is
# answered, as with a hung server or a dead route — for ping-timeout tests. Undo with
# resume-ircd.sh soon: Atheme drops its link after about a minute without answers.
#   Scripts/testnet/pause-ircd.sh DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
testnet_pid_is "$TESTNET_INSPIRCD_PID" inspircd || testnet_die "InspIRCd (pid $TESTNET_INSPIRCD_PID) is not running"
kill -STOP "$TESTNET_INSPIRCD_PID"
echo "testnet: InspIRCd paused ($TESTNET_DIR)"

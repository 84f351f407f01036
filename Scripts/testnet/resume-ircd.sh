#!/usr/bin/env bash
# Lets a paused IRC server (InspIRCd or ngIRCd) of the testnet in DIR run again (SIGCONT).
#   Scripts/testnet/resume-ircd.sh DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
pid="$(testnet_ircd_pid)"; name="$(testnet_ircd_name)"
testnet_pid_is "$pid" "$name" || testnet_die "$name (pid $pid) is not running"
kill -CONT "$pid"
echo "testnet: $name resumed ($TESTNET_DIR)"

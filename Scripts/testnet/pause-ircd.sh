#!/usr/bin/env bash
# Freezes the IRC server (InspIRCd or ngIRCd) of the testnet in DIR (SIGSTOP): connections stay open but nothing is
# answered, as with a hung server or a dead route — for ping-timeout tests. Undo with
# resume-ircd.sh soon: Atheme drops its link after about a minute without answers.
#   Scripts/testnet/pause-ircd.sh DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
pid="$(testnet_ircd_pid)"; name="$(testnet_ircd_name)"
testnet_pid_is "$pid" "$name" || testnet_die "$name (pid $pid) is not running"
kill -STOP "$pid"
# kill returns before the signal has taken effect: wait (at most 5 s) until the process is really
# stopped (state T in /proc/PID/stat), so a test never writes to a server that still reads.
for _ in $(seq 1 100); do
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)"
  [ "$state" = T ] && break
  sleep 0.05
done
[ "$state" = T ] || testnet_die "$name (pid $pid) did not stop (state $state)"
echo "testnet: $name paused ($TESTNET_DIR)"

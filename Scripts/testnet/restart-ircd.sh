#!/usr/bin/env bash
# Kills only the IRC server of the testnet in DIR (InspIRCd or ngIRCd) and starts it again on
# the same ports, for reconnect tests. Returns when Atheme has relinked (InspIRCd) or the
# server answers (ngIRCd).
#   Scripts/testnet/restart-ircd.sh DIR [SIGNAL]    SIGNAL as for kill-ircd.sh
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/kill-ircd.sh" "${1:-}" "${2:-TERM}"
"$here/start-ircd.sh" "${1:-}"

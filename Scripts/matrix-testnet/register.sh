#!/usr/bin/env bash
# Registers one more user on the homeserver of DIR (shared-secret admin API) and prints
# {"user_id":…, "access_token":…, "device_id":…} on stdout.
#   Scripts/matrix-testnet/register.sh DIR NAME PASSWORD [--admin]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
matrix_load "${1:-}"
[ $# -ge 3 ] || matrix_die "usage: register.sh DIR NAME PASSWORD [--admin]"
matrix_py register "$MATRIX_TESTNET_URL" "$MATRIX_TESTNET_SHARED_SECRET" "$2" "$3" ${4:+"$4"}

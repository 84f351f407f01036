#!/usr/bin/env bash
# Starts InspIRCd of the testnet in DIR again, same config and ports, and waits until
# Atheme has relinked (sasl offered again). Updates TESTNET_INSPIRCD_PID in env/env.json.
# Does nothing if it is already running.
#   Scripts/testnet/start-ircd.sh DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
testnet_load "${1:-}"
if [ "$(testnet_server)" = ngircd ]; then
  # ngIRCd: no services to wait for; same config, same ports.
  if testnet_pid_is "$TESTNET_NGIRCD_PID" ngircd; then
    echo "testnet: ngIRCd already running (pid $TESTNET_NGIRCD_PID)"
    exit 0
  fi
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    status=0; testnet_start_ngircd || status=$?
    [ $status -eq 0 ] && break
    [ $attempt -eq 10 ] && testnet_die "ngIRCd could not bind its ports again ($TESTNET_PLAIN_PORT, $TESTNET_TLS_PORT)"
    sleep 1
  done
  testnet_write_env
  testnet_wait_ready "${TESTNET_READY_TIMEOUT:-60}"
  echo "testnet: ngIRCd started (pid $TESTNET_NGIRCD_PID, $TESTNET_DIR)"
  exit 0
fi
if testnet_pid_is "$TESTNET_INSPIRCD_PID" inspircd; then
  echo "testnet: InspIRCd already running (pid $TESTNET_INSPIRCD_PID)"
  exit 0
fi
testnet_pid_is "$TESTNET_ATHEME_PID" atheme ||
  testnet_die "Atheme (pid $TESTNET_ATHEME_PID) is not running either; start the whole network again with start.sh $TESTNET_DIR"
# A new server id on every start: InspIRCd numbers its users from <id>AAAAAA again, and
# Atheme 7.2 can still hold a SASL session of the old process under the same UID, with a
# dangling server pointer (it crashed on exactly that).
conf="$TESTNET_DIR/inspircd/inspircd.conf"
sid="$(sed -n 's/.*<server .* id="\([0-9][0-9A-Z][0-9A-Z]\)".*/\1/p' "$conf")"
[ -n "$sid" ] || testnet_die "no <server id> found in $conf"
next=$(( (10#$sid % 999) + 1 ))
sed -i "s/\(<server .* id=\)\"$sid\"/\1\"$(printf '%03d' "$next")\"/" "$conf"

# The ports were free a moment ago, but a listener elsewhere may hold one briefly.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  status=0; testnet_start_inspircd || status=$?
  [ $status -eq 0 ] && break
  [ $attempt -eq 10 ] && testnet_die "InspIRCd could not bind its ports again ($TESTNET_PLAIN_PORT, $TESTNET_TLS_PORT, $TESTNET_LINK_PORT)"
  sleep 1
done
testnet_write_env
testnet_wait_ready "${TESTNET_READY_TIMEOUT:-60}"
echo "testnet: InspIRCd started (pid $TESTNET_INSPIRCD_PID, $TESTNET_DIR)"

#!/usr/bin/env bash
# Try the whole bot by hand: a throw-away IRC network (Scripts/testnet), the proxy simulator
# and the bot, all on loopback. Connect any IRC client to the printed port, join #mjbridge and
# type !imagine a red fox. Ctrl-C stops everything.
#
#   Scripts/try-on-testnet.sh            # needs: swift, inspircd, atheme-services, openssl, python3
set -euo pipefail
cd "$(dirname "$0")/.."

echo "building mjbridge…" >&2
if ! out=$(swift build --product mjbridge 2>&1); then echo "$out" >&2; exit 1; fi
bin="$(swift build --show-bin-path)/mjbridge"

dir=$(Scripts/testnet/start.sh | tail -n 1)
# shellcheck disable=SC1091
. "$dir/env"
sim_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true
  Scripts/testnet/stop.sh --remove "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$bin" simulate --port "$sim_port" --flavor trueai --timing quick >"$dir/simulator.log" 2>&1 &
sim_pid=$!

cat >"$dir/bot.conf" <<CONF
[bot]
database = "bot.sqlite"
owners = ["$TESTNET_OWNER_ACCOUNT"]

[proxy]
base_url = "http://127.0.0.1:$sim_port/mj"
poll_interval_seconds = 2

[http]
listen = "127.0.0.1:$http_port"
public_base_url = "http://127.0.0.1:$http_port"

[[networks]]
name = "testnet"
host = "$TESTNET_HOST"
port = $TESTNET_TLS_PORT
ca_file = "$TESTNET_CA"
nick = "mjbridge"
sasl_mechanism = "plain"
sasl_account = "$TESTNET_BOT_ACCOUNT"
channels = [{ name = "#mjbridge", progress = "quarter" }]
CONF

cat <<MSG

  IRC network:  127.0.0.1 port $TESTNET_PLAIN_PORT (plain) or $TESTNET_TLS_PORT (TLS, CA $TESTNET_CA)
                e.g.  irssi -c 127.0.0.1 -p $TESTNET_PLAIN_PORT -n you    then  /join #mjbridge
  Owner account: /msg NickServ IDENTIFY $TESTNET_OWNER_ACCOUNT $TESTNET_OWNER_PASSWORD
  Proxy:        simulated, http://127.0.0.1:$sim_port/mj (log: $dir/simulator.log)
  Bot config:   $dir/bot.conf

MSG
MJBRIDGE_NETWORK_TESTNET_SASL_PASSWORD="$TESTNET_BOT_PASSWORD" "$bin" run -c "$dir/bot.conf"

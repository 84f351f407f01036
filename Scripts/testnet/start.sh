#!/usr/bin/env bash
# Starts a throw-away IRC network on loopback: InspIRCd 3 (TLS + plain port, IRCv3, SASL,
# fake-lag) linked to Atheme 7 (NickServ + SaslServ PLAIN/EXTERNAL), with test accounts
# registered. Prints the directory on stdout (last line) and writes DIR/env and DIR/env.json.
#
#   Scripts/testnet/start.sh [DIR]                   DIR defaults to a new mktemp -d
#   Scripts/testnet/start.sh --server ngircd [DIR]   ngIRCd alone instead: TLS + plain port,
#                                                    no services, no SASL, CAP without IRCv3
#   Scripts/testnet/stop.sh DIR
#
# Port overrides: TESTNET_TLS_PORT, TESTNET_PLAIN_PORT, TESTNET_LINK_PORT (else free ports).
# Other knobs: TESTNET_PINGFREQ (seconds, default 30), TESTNET_READY_TIMEOUT (default 60),
# TESTNET_SERVER (inspircd or ngircd; --server wins).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TESTNET_SERVER="${TESTNET_SERVER:-inspircd}"
if [ "${1:-}" = "--server" ]; then
  [ $# -ge 2 ] || testnet_die "--server needs a name: inspircd or ngircd"
  TESTNET_SERVER="$2"
  shift 2
fi
case "$TESTNET_SERVER" in
  inspircd|ngircd) ;;
  *) testnet_die "unknown server '$TESTNET_SERVER': use inspircd or ngircd" ;;
esac

# Fail early, with the fix in the message, before anything is written.
if [ "$TESTNET_SERVER" = ngircd ]; then
  testnet_find_ngircd >/dev/null
else
  testnet_find_inspircd >/dev/null
  testnet_find_atheme >/dev/null
fi
testnet_need openssl "Install it: apt-get install -y openssl"
testnet_need python3 "Install it: apt-get install -y python3"
testnet_need setsid "It is part of util-linux."

if [ $# -ge 1 ] && [ -n "$1" ]; then
  TESTNET_DIR="$1"
  mkdir -p "$TESTNET_DIR"
  # Idempotent: a network still running from this directory is stopped first.
  if [ -f "$TESTNET_DIR/env" ]; then
    "$TESTNET_SCRIPTS/stop.sh" "$TESTNET_DIR" >/dev/null || true
  fi
  rm -rf "$TESTNET_DIR/tls" "$TESTNET_DIR/inspircd" "$TESTNET_DIR/atheme" "$TESTNET_DIR/ngircd" \
    "$TESTNET_DIR/env" "$TESTNET_DIR/env.json"
else
  TESTNET_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mjbridge-testnet.XXXXXX")"
fi
TESTNET_DIR="$(cd "$TESTNET_DIR" && pwd)"
if [ "$TESTNET_SERVER" = ngircd ]; then
  mkdir -p "$TESTNET_DIR/tls" "$TESTNET_DIR/ngircd"
else
  mkdir -p "$TESTNET_DIR/tls" "$TESTNET_DIR/inspircd" "$TESTNET_DIR/atheme"
fi

# If anything below fails, leave no daemon behind.
cleanup_on_error() {
  local status=$?
  if [ $status -ne 0 ]; then
    testnet_stop_pid "${TESTNET_INSPIRCD_PID:-}" inspircd
    testnet_stop_pid "${TESTNET_ATHEME_PID:-}" atheme
    testnet_stop_pid "${TESTNET_NGIRCD_PID:-}" ngircd
    echo "testnet: start failed; logs kept in $TESTNET_DIR" >&2
  fi
}
trap cleanup_on_error EXIT

TESTNET_HOST=127.0.0.1
TESTNET_SERVER_NAME=irc.test
TESTNET_SERVICES_NAME=services.test
PINGFREQ="${TESTNET_PINGFREQ:-30}"

secret() { openssl rand -hex 12; }
LINK_PASSWORD="$(secret)"
TESTNET_BOT_ACCOUNT=mjbot;     TESTNET_BOT_PASSWORD="bot-$(secret)"
TESTNET_USER_ACCOUNT=alice;    TESTNET_USER_PASSWORD="alice-$(secret)"
TESTNET_OWNER_ACCOUNT=mjowner; TESTNET_OWNER_PASSWORD="owner-$(secret)"
TESTNET_CERT_ACCOUNT=mjcert;   TESTNET_CERT_PASSWORD="cert-$(secret)"
TESTNET_OPER_NAME=testoper;    TESTNET_OPER_PASSWORD="oper-$(secret)"

# --- certificates: a CA, a server cert for localhost/127.0.0.1/::1, a client cert (CertFP)
TLS="$TESTNET_DIR/tls"
TESTNET_CA="$TLS/ca.pem"
TESTNET_SERVER_CERT="$TLS/server.pem"; TESTNET_SERVER_KEY="$TLS/server.key"
TESTNET_CLIENT_CERT="$TLS/client.pem"; TESTNET_CLIENT_KEY="$TLS/client.key"
(
  cd "$TLS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days 30 -subj "/CN=mjbridge testnet CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  cat >client.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  for who in server client; do
    if [ $who = server ]; then subject="/CN=localhost"; else subject="/CN=$TESTNET_CERT_ACCOUNT"; fi
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout $who.key -out $who.csr -subj "$subject" 2>/dev/null
    openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -days 30 -sha256 -extfile $who.ext -out $who.pem 2>/dev/null
    rm -f $who.csr
  done
  chmod 600 ./*.key
) || testnet_die "openssl failed to make the test certificates in $TLS"
# InspIRCd (ssl_gnutls, hash sha256) and Atheme both use lowercase hex without colons.
TESTNET_CLIENT_CERT_FP="$(openssl x509 -in "$TESTNET_CLIENT_CERT" -noout -fingerprint -sha256 |
  sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')"

pick_ports_and_write_configs() {
  local P1 P2 P3
  read -r P1 P2 P3 < <(testnet_python free-ports 3)
  TESTNET_TLS_PORT="${TESTNET_TLS_PORT_OVERRIDE:-$P1}"
  TESTNET_PLAIN_PORT="${TESTNET_PLAIN_PORT_OVERRIDE:-$P2}"
  TESTNET_LINK_PORT="${TESTNET_LINK_PORT_OVERRIDE:-$P3}"

# --- InspIRCd 3
IRCD="$TESTNET_DIR/inspircd"
TESTNET_INSPIRCD_LOG="$IRCD/inspircd.log"
cat >"$IRCD/motd.txt" <<'EOF'
mjbridge throw-away test network. Nothing here is kept.
EOF
cat >"$IRCD/inspircd.conf" <<EOF
# Generated by Scripts/testnet/start.sh; thrown away with its directory.
<path configdir="$IRCD" datadir="$IRCD" logdir="$IRCD" runtimedir="$IRCD">
<pid file="$IRCD/inspircd.pid">
<server name="$TESTNET_SERVER_NAME" description="mjbridge testnet" network="MJTest" id="001">
<admin name="testnet" nick="testnet" email="testnet@example.com">
<files motd="$IRCD/motd.txt">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$TESTNET_INSPIRCD_LOG">
<dns server="127.0.0.1" timeout="1">

<bind address="127.0.0.1" port="$TESTNET_PLAIN_PORT" type="clients">
<bind address="127.0.0.1" port="$TESTNET_TLS_PORT" type="clients" sslprofile="Clients">
<bind address="127.0.0.1" port="$TESTNET_LINK_PORT" type="servers">

<module name="ssl_gnutls">
<sslprofile name="Clients" provider="gnutls"
            certfile="$TESTNET_SERVER_CERT" keyfile="$TESTNET_SERVER_KEY"
            dhfile="" hash="sha256" requestclientcert="yes">
<module name="sslinfo">
<sslinfo operonly="no">

<module name="cap">
<module name="ircv3">
<ircv3 accountnotify="yes" awaynotify="yes" extendedjoin="yes">
<module name="ircv3_servertime">
<module name="ircv3_accounttag">
<module name="ircv3_echomessage">
<module name="ircv3_msgid">
<module name="ircv3_batch">
<module name="ircv3_labeledresponse">
<module name="ircv3_capnotify">
<module name="ircv3_chghost">
<module name="ircv3_ctctags">
<module name="ircv3_invitenotify">
<module name="namesx">
<module name="uhnames">
<module name="monitor">
<module name="setname">
<module name="botmode">
<module name="chghost">
<module name="chgident">
<module name="chgname">
<module name="hidechans">
<module name="sasl">
<sasl target="$TESTNET_SERVICES_NAME" requiressl="no">
<module name="services_account">
<module name="svshold">
<module name="spanningtree">
<module name="sakick">
<module name="samode">
<module name="sajoin">
<module name="sapart">
<module name="sanick">

<link name="$TESTNET_SERVICES_NAME" ipaddr="127.0.0.1" port="$TESTNET_LINK_PORT"
      allowmask="127.0.0.0/8" sendpass="$LINK_PASSWORD" recvpass="$LINK_PASSWORD" timeout="10s">
<uline server="$TESTNET_SERVICES_NAME" silent="yes">
<badnick nick="NickServ" reason="Reserved for services">
<badnick nick="SaslServ" reason="Reserved for services">

# One class for everyone on loopback: many connections allowed, but flooding is punished
# the normal way (penalty threshold 10, one command per second, fake lag, then recvq kill).
<connect name="loopback" allow="127.0.0.0/8" maxchans="50" timeout="20"
         pingfreq="$PINGFREQ" hardsendq="1M" softsendq="10240" recvq="8K"
         threshold="10" commandrate="1000" fakelag="yes"
         localmax="1000" globalmax="1000" limit="5000"
         resolvehostnames="no" useident="no">
<connect name="ipv6-loopback" parent="loopback" allow="::1">

<class name="Everything" commands="*" privs="*" usermodes="*" chanmodes="*" snomasks="*">
<type name="NetAdmin" classes="Everything" host="oper.irc.test">
<oper name="$TESTNET_OPER_NAME" password="$TESTNET_OPER_PASSWORD" host="*@127.0.0.1 *@localhost *@::1" type="NetAdmin">

<options prefixquit="Quit: " hostintopic="yes" pingwarning="15" serverpingfreq="10s"
         defaultmodes="not" announcets="yes" allowmismatch="no" cyclehosts="yes">
<performance netbuffersize="10240" somaxconn="128" softlimit="12800" clonesonconnect="no" timeskipwarn="2s">
<security announceinvites="dynamic" hideserver="" hidebans="no" hidewhois="" hidesplits="no"
          maxtargets="20" customversion="" restrictbannedusers="yes" genericoper="no" userstats="Pu">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="10" maxhost="64" maxquit="255"
        maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
EOF

# --- Atheme 7
SVCS="$TESTNET_DIR/atheme"
TESTNET_ATHEME_LOG="$SVCS/atheme.log"
cat >"$SVCS/atheme.conf" <<EOF
/* Generated by Scripts/testnet/start.sh; thrown away with its directory. */
loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/pbkdf2v2";

loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/help";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/logout";
loadmodule "modules/nickserv/info";
loadmodule "modules/nickserv/ghost";
loadmodule "modules/nickserv/cert";

loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";
loadmodule "modules/saslserv/external";

serverinfo {
	name = "$TESTNET_SERVICES_NAME";
	desc = "mjbridge testnet services";
	numeric = "00A";
	recontime = 1;
	netname = "MJTest";
	hidehostsuffix = "users.test";
	adminname = "testnet";
	adminemail = "testnet@example.com";
	loglevel = { error; info; admin; network; register; };
	maxlogins = 50;
	maxusers = 50;
	maxnicks = 5;
	maxchans = 5;
	mdlimit = 30;
	emaillimit = 10;
	emailtime = 300;
	auth = none;
	casemapping = rfc1459;
};

uplink "$TESTNET_SERVER_NAME" {
	host = "127.0.0.1";
	port = $TESTNET_LINK_PORT;
	password = "$LINK_PASSWORD";
};

nickserv {
	nick = "NickServ";
	user = "NickServ";
	host = "$TESTNET_SERVICES_NAME";
	real = "Nickname Services";
	maxnicks = 5;
	expire = 0;
};

saslserv {
	nick = "SaslServ";
	user = "SaslServ";
	host = "$TESTNET_SERVICES_NAME";
	real = "SASL Authentication Agent";
	/* Atheme 7.2 bug: after an uplink restart a failed SASL login can name a freed server
	 * struct in its log line and segfault; without the name there is nothing to read. */
	hide_server_names;
};

general {
	permissive_mode;
	uflags = { hidemail; };
	cflags = { verbose; };
	flood_msgs = 0;
	flood_time = 10;
	ratelimit_uses = 1000;
	ratelimit_period = 1;
	kline_time = 7;
	commit_interval = 1;
	default_clone_allowed = 1000;
	default_clone_warn = 1000;
};
EOF
}

# --- ngIRCd (--server ngircd): the same CA and certificates, its own config, no services.
pick_ports_and_write_ngircd_config() {
  local P1 P2
  read -r P1 P2 < <(testnet_python free-ports 2)
  TESTNET_TLS_PORT="${TESTNET_TLS_PORT_OVERRIDE:-$P1}"
  TESTNET_PLAIN_PORT="${TESTNET_PLAIN_PORT_OVERRIDE:-$P2}"
  TESTNET_LINK_PORT=""
  local dir="$TESTNET_DIR/ngircd"
  TESTNET_NGIRCD_LOG="$dir/stdout.log"
  # A fixed RFC 7919 group: without a DHFile ngIRCd (GnuTLS) generates parameters at each start.
  [ -f "$dir/dhparams.pem" ] ||
    openssl genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out "$dir/dhparams.pem" 2>/dev/null ||
    testnet_die "openssl could not write DH parameters to $dir/dhparams.pem"
  # Started as root, ngIRCd reads its config, certificate and key and then switches to
  # nobody/nogroup; started as anyone else it stays that (unprivileged) user.
  local identity=""
  if [ "$(id -u)" = 0 ]; then
    identity="ServerUID = 65534
	ServerGID = 65534"
  fi
  cat >"$dir/ngircd.conf" <<EOF
# Generated by Scripts/testnet/start.sh --server ngircd; thrown away with its directory.
[Global]
	Name = $TESTNET_SERVER_NAME
	Info = mjbridge testnet (ngIRCd)
	AdminInfo1 = mjbridge testnet
	AdminInfo2 = loopback
	AdminEMail = testnet@example.com
	Network = MJTestNg
	Listen = 127.0.0.1
	Ports = $TESTNET_PLAIN_PORT
	MotdPhrase = "mjbridge throw-away test network (ngIRCd). Nothing here is kept."
	$identity

[Limits]
	# ngIRCd's default is RFC 2812's 9; the tests' nicks are longer.
	MaxNickLength = 30
	MaxJoins = 50
	# The default is 5 per address, and every test client comes from 127.0.0.1.
	MaxConnectionsIP = 0
	PingTimeout = $PINGFREQ
	PongTimeout = 20

[Options]
	DNS = no
	Ident = no
	PAM = no
	OperCanUseMode = yes

[SSL]
	CertFile = $TESTNET_SERVER_CERT
	KeyFile = $TESTNET_SERVER_KEY
	DHFile = $dir/dhparams.pem
	Ports = $TESTNET_TLS_PORT

[Operator]
	Name = $TESTNET_OPER_NAME
	Password = $TESTNET_OPER_PASSWORD
EOF
}

if [ "$TESTNET_SERVER" = ngircd ]; then
  # No services: no accounts (the keys stay in env, empty, so every network has the same keys).
  TESTNET_SERVICES_NAME=""
  TESTNET_BOT_ACCOUNT=""; TESTNET_BOT_PASSWORD=""
  TESTNET_USER_ACCOUNT=""; TESTNET_USER_PASSWORD=""
  TESTNET_OWNER_ACCOUNT=""; TESTNET_OWNER_PASSWORD=""
  TESTNET_CERT_ACCOUNT=""; TESTNET_CERT_PASSWORD=""
  TESTNET_TLS_PORT_OVERRIDE="${TESTNET_TLS_PORT:-}"
  TESTNET_PLAIN_PORT_OVERRIDE="${TESTNET_PLAIN_PORT:-}"
  for attempt in 1 2 3 4 5; do
    pick_ports_and_write_ngircd_config
    status=0; testnet_start_ngircd || status=$?
    [ $status -eq 0 ] && break
    if [ -n "$TESTNET_TLS_PORT_OVERRIDE$TESTNET_PLAIN_PORT_OVERRIDE" ] || [ $attempt -eq 5 ]; then
      testnet_die "ngIRCd could not bind its ports ($TESTNET_PLAIN_PORT, $TESTNET_TLS_PORT)"
    fi
    echo "testnet: a port was taken meanwhile; trying other ports" >&2
  done
  testnet_write_env --no-json
  testnet_wait_ready "${TESTNET_READY_TIMEOUT:-60}"
  testnet_write_env
  trap - EXIT
  echo "$TESTNET_DIR"
  exit 0
fi

# --- start, wait, register
TESTNET_TLS_PORT_OVERRIDE="${TESTNET_TLS_PORT:-}"
TESTNET_PLAIN_PORT_OVERRIDE="${TESTNET_PLAIN_PORT:-}"
TESTNET_LINK_PORT_OVERRIDE="${TESTNET_LINK_PORT:-}"
for attempt in 1 2 3 4 5; do
  pick_ports_and_write_configs
  status=0; testnet_start_inspircd || status=$?
  [ $status -eq 0 ] && break
  if [ -n "$TESTNET_TLS_PORT_OVERRIDE$TESTNET_PLAIN_PORT_OVERRIDE$TESTNET_LINK_PORT_OVERRIDE" ] || [ $attempt -eq 5 ]; then
    testnet_die "InspIRCd could not bind its ports ($TESTNET_PLAIN_PORT, $TESTNET_TLS_PORT, $TESTNET_LINK_PORT)"
  fi
  echo "testnet: a port was taken meanwhile; trying other ports" >&2
done
testnet_start_atheme
# env now, so stop.sh finds the daemons even if this script is interrupted; env.json only
# at the end, so its presence means the network is ready.
testnet_write_env --no-json
testnet_wait_ready "${TESTNET_READY_TIMEOUT:-60}"

# InspIRCd finishes a client's registration on its once-a-second user timer, so each
# account costs about a second; the four run side by side.
register() {
  local name="$1" password="$2"; shift 2
  testnet_python register --host "$TESTNET_HOST" --nick "$name" --password "$password" \
    --email "$name@example.com" "$@" >"$TESTNET_DIR/register-$name.log" 2>&1
}
register "$TESTNET_BOT_ACCOUNT" "$TESTNET_BOT_PASSWORD" --port "$TESTNET_PLAIN_PORT" & R1=$!
register "$TESTNET_USER_ACCOUNT" "$TESTNET_USER_PASSWORD" --port "$TESTNET_PLAIN_PORT" & R2=$!
register "$TESTNET_OWNER_ACCOUNT" "$TESTNET_OWNER_PASSWORD" --port "$TESTNET_PLAIN_PORT" & R3=$!
# The CertFP account is registered over TLS with the client certificate on, so the
# registration itself also proves the TLS port and the certificates work.
register "$TESTNET_CERT_ACCOUNT" "$TESTNET_CERT_PASSWORD" --port "$TESTNET_TLS_PORT" --tls \
  --ca "$TESTNET_CA" --cert "$TESTNET_CLIENT_CERT" --key "$TESTNET_CLIENT_KEY" \
  --certfp "$TESTNET_CLIENT_CERT_FP" & R4=$!
failed=""
for job in "$R1:$TESTNET_BOT_ACCOUNT" "$R2:$TESTNET_USER_ACCOUNT" "$R3:$TESTNET_OWNER_ACCOUNT" "$R4:$TESTNET_CERT_ACCOUNT"; do
  if ! wait "${job%%:*}"; then
    cat "$TESTNET_DIR/register-${job#*:}.log" >&2
    failed="$failed ${job#*:}"
  fi
done
[ -z "$failed" ] || testnet_die "could not register NickServ account(s):$failed (see $TESTNET_ATHEME_LOG)"
rm -f "$TESTNET_DIR"/register-*.log

testnet_write_env
trap - EXIT
echo "$TESTNET_DIR"

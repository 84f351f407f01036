#!/usr/bin/env bash
# Starts a throw-away PostgreSQL (Debian's postgresql package) on loopback for the tests: initdb
# into DIR, password (SCRAM) authentication on 127.0.0.1, a role `mjbridge` that may create
# databases, and a database `mjbridge`. Writes DIR/env and DIR/env.json; prints DIR last.
#
#   Scripts/pg-testnet/start.sh [DIR]     DIR defaults to a new mktemp -d
#   Scripts/pg-testnet/stop.sh [--remove] DIR
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user the Debian
# package creates (DIR is handed to it). Knobs: PG_TESTNET_PORT (else a free port),
# PG_TESTNET_WATCH_PID (stop the server and delete DIR once that process is gone: the test
# runner passes its pid, so a killed test run leaves no server behind), PG_TESTNET_TLS=1 (see below).
#
# PG_TESTNET_TLS=1: TLS only. A throw-away CA and a server certificate for localhost/127.0.0.1/::1
# are made in DIR/tls, `ssl = on`, and pg_hba.conf accepts TCP only as `hostssl` (a client with
# sslmode=disable is refused by the server). The server also listens on 127.0.0.2, an address the
# certificate does not name, so a client can check that verify-full refuses it. DIR/env then also
# has PG_TESTNET_TLS=1 and PG_TESTNET_CA (the CA's PEM), and PG_TESTNET_URL names
# sslmode=verify-full&sslrootcert=<CA>.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pg_find_bin
if [ $# -ge 1 ] && [ -n "$1" ]; then
  PG_TESTNET_DIR="$1"
  if [ -f "$PG_TESTNET_DIR/env" ]; then "$PG_TESTNET_SCRIPTS/stop.sh" "$PG_TESTNET_DIR" >/dev/null || true; fi
  mkdir -p "$PG_TESTNET_DIR"
  rm -rf "$PG_TESTNET_DIR/data" "$PG_TESTNET_DIR/env" "$PG_TESTNET_DIR/env.json"
else
  PG_TESTNET_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mjbridge-pg.XXXXXX")"
fi
PG_TESTNET_DIR="$(cd "$PG_TESTNET_DIR" && pwd)"
PG_TESTNET_PID=""

cleanup_on_error() {
  local status=$?
  if [ $status -ne 0 ]; then
    pg_stop "$PG_TESTNET_DIR" || true
    echo "pg-testnet: start failed; logs kept in $PG_TESTNET_DIR" >&2
  fi
}
trap cleanup_on_error EXIT

PG_TESTNET_USER=mjbridge
PG_TESTNET_DATABASE=mjbridge
PG_TESTNET_PASSWORD="pg-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
chmod 755 "$PG_TESTNET_DIR"
printf '%s\n' "$PG_TESTNET_PASSWORD" >"$PG_TESTNET_DIR/superpass"
pg_as_owner_prepare "$PG_TESTNET_DIR"
pg_run "$PG_INITDB" -D "$PG_TESTNET_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$PG_TESTNET_DIR/superpass" -E UTF8 --locale=C.UTF-8 >"$PG_TESTNET_DIR/initdb.log" 2>&1 \
  || pg_run "$PG_INITDB" -D "$PG_TESTNET_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
       --pwfile="$PG_TESTNET_DIR/superpass" -E UTF8 --locale=C >"$PG_TESTNET_DIR/initdb.log" 2>&1 \
  || { tail -n 20 "$PG_TESTNET_DIR/initdb.log" >&2; pg_die "initdb failed"; }
rm -f "$PG_TESTNET_DIR/superpass"

PG_TESTNET_LISTEN=127.0.0.1
if [ "${PG_TESTNET_TLS:-}" = 1 ]; then
  command -v openssl >/dev/null || pg_die "PG_TESTNET_TLS=1 needs openssl"
  TLS="$PG_TESTNET_DIR/tls"
  PG_TESTNET_CA="$TLS/ca.pem"
  mkdir -p "$TLS"; chmod 755 "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout ca.key -out ca.pem -days 30 -subj "/CN=mjbridge pg-testnet CA" \
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
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out server.pem -days 30 -extfile server.ext 2>/dev/null
    rm -f server.csr ca.key ca.srl
  ) || pg_die "could not make the TLS certificates"
  # PostgreSQL refuses a key others can read, and reads it as the server's user.
  chmod 644 "$TLS/ca.pem" "$TLS/server.pem"; chmod 600 "$TLS/server.key"
  if [ "$(id -u)" = 0 ]; then chown postgres "$TLS/server.key"; fi
  cat >>"$PG_TESTNET_DIR/data/postgresql.conf" <<EOF
ssl = on
ssl_cert_file = '$TLS/server.pem'
ssl_key_file = '$TLS/server.key'
EOF
  # TCP only over TLS: a plain connection finds no pg_hba.conf entry and is refused.
  { echo "local all all trust"
    echo "hostssl all all 127.0.0.0/8 scram-sha-256"
    echo "hostssl all all ::1/128 scram-sha-256"; } >"$PG_TESTNET_DIR/data/pg_hba.conf"
  PG_TESTNET_LISTEN=127.0.0.1,127.0.0.2
  PG_TESTNET_ENV_KEYS+=(PG_TESTNET_TLS PG_TESTNET_CA)
fi

# Starts the server on $PG_TESTNET_PORT; returns 2 when the port was taken.
start_server() {
  : >"$PG_TESTNET_DIR/server.log"; chmod 666 "$PG_TESTNET_DIR/server.log"
  # Unix socket in DIR only (no /var/run/postgresql needed); fsync off: a test database.
  if ! pg_run "$PG_CTL" -D "$PG_TESTNET_DIR/data" -l "$PG_TESTNET_DIR/server.log" -w -t 60 start \
      -o "-h $PG_TESTNET_LISTEN -p $PG_TESTNET_PORT -k $PG_TESTNET_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB" >/dev/null 2>&1; then
    if grep -q "Address already in use\|could not bind" "$PG_TESTNET_DIR/server.log"; then return 2; fi
    tail -n 25 "$PG_TESTNET_DIR/server.log" >&2
    pg_die "PostgreSQL did not start (dir $PG_TESTNET_DIR)"
  fi
}

if [ -n "${PG_TESTNET_PORT:-}" ]; then
  start_server || pg_die "port $PG_TESTNET_PORT is taken"
else
  for attempt in 1 2 3 4 5; do
    PG_TESTNET_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    status=0; start_server || status=$?
    [ $status -eq 0 ] && break
    [ $attempt -lt 5 ] || pg_die "no free port after 5 attempts"
  done
fi
PG_TESTNET_PID="$(head -n 1 "$PG_TESTNET_DIR/data/postmaster.pid")"

pg_run "$PG_PSQL" -h "$PG_TESTNET_DIR" -p "$PG_TESTNET_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL >/dev/null
CREATE ROLE $PG_TESTNET_USER LOGIN CREATEDB PASSWORD '$PG_TESTNET_PASSWORD';
CREATE DATABASE $PG_TESTNET_DATABASE OWNER $PG_TESTNET_USER;
SQL

PG_TESTNET_URL="postgres://$PG_TESTNET_USER@127.0.0.1:$PG_TESTNET_PORT/$PG_TESTNET_DATABASE"
if [ "${PG_TESTNET_TLS:-}" = 1 ]; then
  PG_TESTNET_URL="postgres://$PG_TESTNET_USER@localhost:$PG_TESTNET_PORT/$PG_TESTNET_DATABASE?sslmode=verify-full&sslrootcert=$PG_TESTNET_CA"
fi
pg_write_env

if [ -n "${PG_TESTNET_WATCH_PID:-}" ]; then
  # A watcher in its own session: once the runner is gone it stops the server and deletes DIR.
  (exec setsid bash -c '
     watched="$1"; dir="$2"; scripts="$3"
     while kill -0 "$watched" 2>/dev/null && [ -f "$dir/data/postmaster.pid" ]; do sleep 2; done
     kill -0 "$watched" 2>/dev/null && exit 0
     "$scripts/stop.sh" --remove "$dir" >/dev/null 2>&1
     exit 0' pg-testnet-watch "$PG_TESTNET_WATCH_PID" "$PG_TESTNET_DIR" "$PG_TESTNET_SCRIPTS" </dev/null >/dev/null 2>&1) &
fi

trap - EXIT
echo "$PG_TESTNET_DIR"

# Shared by the pg-testnet scripts; source it, do not run it.

PG_TESTNET_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

pg_die() {
  echo "pg-testnet: $*" >&2
  exit 1
}

# Finds initdb/pg_ctl/psql: PATH first, then Debian's /usr/lib/postgresql/<newest>/bin.
pg_find_bin() {
  local dir
  PG_INITDB="$(command -v initdb || true)"; PG_CTL="$(command -v pg_ctl || true)"
  if [ -z "$PG_INITDB" ] || [ -z "$PG_CTL" ]; then
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$dir" ] || pg_die "PostgreSQL not found: apt-get install -y postgresql"
    PG_INITDB="$dir/initdb"; PG_CTL="$dir/pg_ctl"
  fi
  PG_PSQL="$(dirname "$PG_CTL")/psql"
  [ -x "$PG_PSQL" ] || PG_PSQL="$(command -v psql || true)"
  [ -n "$PG_PSQL" ] || pg_die "psql not found: apt-get install -y postgresql-client"
}

# PostgreSQL refuses to run as root: then every server command runs as `postgres`.
pg_run() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || pg_die "running as root needs the postgres user (apt-get install -y postgresql)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_as_owner_prepare() {
  if [ "$(id -u)" = 0 ]; then chown postgres "$1" "$1/superpass" 2>/dev/null || chown -R postgres "$1"; fi
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_run "$PG_CTL" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || { local pid; pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"; [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; }
}

PG_TESTNET_ENV_KEYS=(PG_TESTNET_DIR PG_TESTNET_URL PG_TESTNET_PORT PG_TESTNET_USER PG_TESTNET_PASSWORD PG_TESTNET_DATABASE PG_TESTNET_PID)

pg_write_env() {
  local key first=1
  {
    echo "# mjbridge PostgreSQL testnet; source this file. Stop with: Scripts/pg-testnet/stop.sh $PG_TESTNET_DIR"
    for key in "${PG_TESTNET_ENV_KEYS[@]}"; do
      local value="${!key:-}"
      printf "export %s='%s'\n" "$key" "${value//\'/\'\\\'\'}"
    done
  } >"$PG_TESTNET_DIR/env"
  {
    printf '{'
    for key in "${PG_TESTNET_ENV_KEYS[@]}"; do
      [ $first = 1 ] || printf ','
      first=0
      printf '"%s":"%s"' "$key" "${!key:-}"
    done
    printf '}\n'
  } >"$PG_TESTNET_DIR/env.json"
  chmod 600 "$PG_TESTNET_DIR/env" "$PG_TESTNET_DIR/env.json"
}

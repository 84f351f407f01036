# Shared by the matrix-testnet scripts; source it, do not run it.

MATRIX_TESTNET_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MATRIX_TESTNET_REPO="$(cd "$MATRIX_TESTNET_SCRIPTS/../.." && pwd)"

matrix_die() {
  echo "matrix-testnet: $*" >&2
  exit 1
}

matrix_py() {
  command -v python3 >/dev/null 2>&1 || matrix_die "python3 not found: apt-get install -y python3 python3-venv"
  python3 "$MATRIX_TESTNET_SCRIPTS/synapsenet.py" "$@"
}

# True when PID is alive and its command line contains NAME (a recycled pid is never signalled).
matrix_pid_is() {
  local pid="$1" name="$2"
  [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"
}

# Stops PID (only if it is NAME) with TERM, waits up to 10 s, then KILL.
matrix_stop_pid() {
  local pid="$1" name="$2" i
  matrix_pid_is "$pid" "$name" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    matrix_pid_is "$pid" "$name" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do
    matrix_pid_is "$pid" "$name" || return 0
    sleep 0.1
  done
  echo "matrix-testnet: warning: $name (pid $pid) did not exit" >&2
}

MATRIX_TESTNET_ENV_KEYS=(
  MATRIX_TESTNET_DIR MATRIX_TESTNET_URL MATRIX_TESTNET_PORT MATRIX_TESTNET_SERVER_NAME
  MATRIX_TESTNET_LIMITS MATRIX_TESTNET_SHARED_SECRET MATRIX_TESTNET_PYTHON
  MATRIX_TESTNET_PID MATRIX_TESTNET_LOG
  MATRIX_TESTNET_BOT_USER_ID MATRIX_TESTNET_BOT_PASSWORD MATRIX_TESTNET_BOT_TOKEN MATRIX_TESTNET_BOT_DEVICE
  MATRIX_TESTNET_USER_USER_ID MATRIX_TESTNET_USER_PASSWORD MATRIX_TESTNET_USER_TOKEN MATRIX_TESTNET_USER_DEVICE
  MATRIX_TESTNET_OWNER_USER_ID MATRIX_TESTNET_OWNER_PASSWORD MATRIX_TESTNET_OWNER_TOKEN MATRIX_TESTNET_OWNER_DEVICE
)

matrix_write_env() {
  local tmp="$MATRIX_TESTNET_DIR/env.tmp" key
  {
    echo "# mjbridge matrix testnet; source this file. Stop with: Scripts/matrix-testnet/stop.sh $MATRIX_TESTNET_DIR"
    for key in "${MATRIX_TESTNET_ENV_KEYS[@]}"; do
      local value="${!key:-}"
      printf "export %s='%s'\n" "$key" "${value//\'/\'\\\'\'}"
    done
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$MATRIX_TESTNET_DIR/env"
  matrix_py env-json "$MATRIX_TESTNET_DIR/env" "$MATRIX_TESTNET_DIR/env.json"
  chmod 600 "$MATRIX_TESTNET_DIR/env.json"
}

matrix_load() {
  local dir="$1"
  [ -n "$dir" ] || matrix_die "usage: $(basename "$0") DIR"
  [ -f "$dir/env" ] || matrix_die "$dir/env not found; is $dir a directory made by start.sh?"
  # shellcheck disable=SC1091
  . "$dir/env"
}

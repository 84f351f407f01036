#!/usr/bin/env bash
# Starts a throw-away Synapse on loopback (SQLite, no federation, registration closed) and
# registers three users with the shared-secret admin API. Prints the directory on stdout
# (last line) and writes DIR/env and DIR/env.json (with the users' access tokens).
#
#   Scripts/matrix-testnet/start.sh [DIR]     DIR defaults to a new mktemp -d
#   Scripts/matrix-testnet/stop.sh [--remove] DIR
#
# Knobs: MATRIX_TESTNET_PORT (else a free port), MATRIX_TESTNET_LIMITS=high|low (rate limits,
# default high), MATRIX_TESTNET_READY_TIMEOUT (seconds, default 90), MATRIX_TESTNET_VENV,
# MATRIX_TESTNET_SYNAPSE_SPEC (see ensure-venv.sh), MATRIX_TESTNET_WATCH_PID (stop Synapse when
# that process is gone: the test runner passes its pid, so a killed or crashed test run leaves
# no homeserver behind).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v setsid >/dev/null 2>&1 || matrix_die "setsid not found (util-linux)"
MATRIX_TESTNET_PYTHON="$("$MATRIX_TESTNET_SCRIPTS/ensure-venv.sh")"

if [ $# -ge 1 ] && [ -n "$1" ]; then
  MATRIX_TESTNET_DIR="$1"
  mkdir -p "$MATRIX_TESTNET_DIR"
  if [ -f "$MATRIX_TESTNET_DIR/env" ]; then
    "$MATRIX_TESTNET_SCRIPTS/stop.sh" "$MATRIX_TESTNET_DIR" >/dev/null || true
  fi
  rm -rf "$MATRIX_TESTNET_DIR"/{homeserver.*,log.config,signing.key,media_store,env,env.json,stdout.log}
else
  MATRIX_TESTNET_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mjbridge-synapse.XXXXXX")"
fi
MATRIX_TESTNET_DIR="$(cd "$MATRIX_TESTNET_DIR" && pwd)"
MATRIX_TESTNET_LIMITS="${MATRIX_TESTNET_LIMITS:-high}"
MATRIX_TESTNET_SERVER_NAME=mjbridge.test
MATRIX_TESTNET_LOG="$MATRIX_TESTNET_DIR/homeserver.log"
MATRIX_TESTNET_PID=""

cleanup_on_error() {
  local status=$?
  if [ $status -ne 0 ]; then
    matrix_stop_pid "${MATRIX_TESTNET_PID:-}" synapse.app.homeserver
    echo "matrix-testnet: start failed; logs kept in $MATRIX_TESTNET_DIR" >&2
  fi
}
trap cleanup_on_error EXIT

# Starts Synapse on $MATRIX_TESTNET_PORT; returns 2 when the port was taken.
start_synapse() {
  local dir="$MATRIX_TESTNET_DIR"
  MATRIX_TESTNET_SHARED_SECRET="$(matrix_py write-config "$dir" "$MATRIX_TESTNET_PORT" "$MATRIX_TESTNET_LIMITS")"
  MATRIX_TESTNET_URL="http://127.0.0.1:$MATRIX_TESTNET_PORT"
  if [ ! -f "$dir/signing.key" ]; then
    "$MATRIX_TESTNET_PYTHON" -m synapse.app.homeserver -c "$dir/homeserver.yaml" --generate-keys \
      >>"$dir/stdout.log" 2>&1 || { tail -n 20 "$dir/stdout.log" >&2; matrix_die "generating the signing key failed"; }
  fi
  : >>"$dir/stdout.log"
  local offset; offset=$(( $(stat -c %s "$dir/stdout.log") + 1 ))
  # setsid: its own session, so a test runner's signals to its group do not reach it; all
  # std streams redirected, so a caller reading this script's stdout sees EOF when it exits.
  (ulimit -c 0; cd "$dir" && exec setsid "$MATRIX_TESTNET_PYTHON" -m synapse.app.homeserver \
     -c "$dir/homeserver.yaml" </dev/null >>"$dir/stdout.log" 2>&1) &
  MATRIX_TESTNET_PID=$!
  if ! matrix_py wait-ready "$MATRIX_TESTNET_URL" "${MATRIX_TESTNET_READY_TIMEOUT:-90}" "$MATRIX_TESTNET_PID"; then
    if tail -c +"$offset" "$dir/stdout.log" | grep -q "Address already in use"; then
      matrix_stop_pid "$MATRIX_TESTNET_PID" synapse.app.homeserver
      return 2
    fi
    echo "--- last lines of $dir/stdout.log:" >&2; tail -n 25 "$dir/stdout.log" >&2
    echo "--- last lines of $MATRIX_TESTNET_LOG:" >&2; tail -n 25 "$MATRIX_TESTNET_LOG" >&2 2>/dev/null || true
    matrix_die "Synapse did not become ready (dir $dir)"
  fi
}

if [ -n "${MATRIX_TESTNET_PORT:-}" ]; then
  start_synapse || matrix_die "port $MATRIX_TESTNET_PORT is taken"
else
  for attempt in 1 2 3 4 5; do
    MATRIX_TESTNET_PORT="$(matrix_py free-port)"
    status=0; start_synapse || status=$?
    [ $status -eq 0 ] && break
    [ $attempt -lt 5 ] || matrix_die "no free port after 5 attempts"
  done
fi

if [ -n "${MATRIX_TESTNET_WATCH_PID:-}" ]; then
  # A watcher in its own session: polls the runner every 2 s; once the runner is gone it
  # stops Synapse (TERM, then KILL) and deletes DIR (the runner cannot any more). It just
  # exits when Synapse stops first (stop.sh then decides about DIR).
  (exec setsid bash -c '
     watched="$1"; synapse="$2"; dir="$3"
     while kill -0 "$watched" 2>/dev/null && kill -0 "$synapse" 2>/dev/null; do sleep 2; done
     kill -0 "$watched" 2>/dev/null && exit 0
     if kill -0 "$synapse" 2>/dev/null && tr "\0" " " <"/proc/$synapse/cmdline" | grep -q synapse.app.homeserver; then
       kill -TERM "$synapse"
       for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$synapse" 2>/dev/null || break; sleep 0.5; done
       kill -KILL "$synapse" 2>/dev/null
     fi
     [ -f "$dir/homeserver.yaml" ] && rm -rf "$dir"
     exit 0' matrix-testnet-watch "$MATRIX_TESTNET_WATCH_PID" "$MATRIX_TESTNET_PID" "$MATRIX_TESTNET_DIR" </dev/null >/dev/null 2>&1) &
fi

register() {  # register VAR_PREFIX NAME
  local prefix="$1" name="$2" password answer
  password="$name-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
  answer="$(matrix_py register "$MATRIX_TESTNET_URL" "$MATRIX_TESTNET_SHARED_SECRET" "$name" "$password")"
  printf -v "${prefix}_PASSWORD" '%s' "$password"
  printf -v "${prefix}_USER_ID" '%s' "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["user_id"])' <<<"$answer")"
  printf -v "${prefix}_TOKEN" '%s' "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$answer")"
  printf -v "${prefix}_DEVICE" '%s' "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["device_id"])' <<<"$answer")"
}
register MATRIX_TESTNET_BOT mjbot
register MATRIX_TESTNET_USER alice
register MATRIX_TESTNET_OWNER mjowner

matrix_write_env
echo "matrix-testnet: Synapse up at $MATRIX_TESTNET_URL (pid $MATRIX_TESTNET_PID, limits $MATRIX_TESTNET_LIMITS)" >&2
echo "$MATRIX_TESTNET_DIR"

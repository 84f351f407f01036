# Shared by the testnet scripts; source it, do not run it.
# Everything here works on one testnet directory; no global state outside it.

TESTNET_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

testnet_die() {
  echo "testnet: $*" >&2
  exit 1
}

testnet_need() {
  local bin="$1" hint="$2"
  command -v "$bin" >/dev/null 2>&1 || [ -x "$bin" ] ||
    testnet_die "'$bin' not found. $hint"
}

testnet_find_inspircd() {
  if [ -n "${TESTNET_INSPIRCD_BIN:-}" ]; then
    [ -x "$TESTNET_INSPIRCD_BIN" ] || testnet_die "TESTNET_INSPIRCD_BIN=$TESTNET_INSPIRCD_BIN is not an executable"
    echo "$TESTNET_INSPIRCD_BIN"; return
  fi
  if command -v inspircd >/dev/null 2>&1; then command -v inspircd; return; fi
  for candidate in /usr/sbin/inspircd /usr/lib/inspircd/inspircd; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  testnet_die "InspIRCd not found. Install it: apt-get install -y inspircd atheme-services (or set TESTNET_INSPIRCD_BIN)"
}

testnet_find_atheme() {
  if [ -n "${TESTNET_ATHEME_BIN:-}" ]; then
    [ -x "$TESTNET_ATHEME_BIN" ] || testnet_die "TESTNET_ATHEME_BIN=$TESTNET_ATHEME_BIN is not an executable"
    echo "$TESTNET_ATHEME_BIN"; return
  fi
  if command -v atheme-services >/dev/null 2>&1; then command -v atheme-services; return; fi
  testnet_die "atheme-services not found. Install it: apt-get install -y inspircd atheme-services (or set TESTNET_ATHEME_BIN)"
}

testnet_find_ngircd() {
  if [ -n "${TESTNET_NGIRCD_BIN:-}" ]; then
    [ -x "$TESTNET_NGIRCD_BIN" ] || testnet_die "TESTNET_NGIRCD_BIN=$TESTNET_NGIRCD_BIN is not an executable"
    echo "$TESTNET_NGIRCD_BIN"; return
  fi
  if command -v ngircd >/dev/null 2>&1; then command -v ngircd; return; fi
  [ -x /usr/sbin/ngircd ] && { echo /usr/sbin/ngircd; return; }
  testnet_die "ngircd not found. Install it: apt-get install -y ngircd (or set TESTNET_NGIRCD_BIN)"
}

testnet_python() {
  command -v python3 >/dev/null 2>&1 || testnet_die "python3 not found (needed for the setup helper): apt-get install -y python3"
  python3 "$TESTNET_SCRIPTS/testnet.py" "$@"
}

# True when PID is alive and its executable's name contains NAME, so a recycled pid
# belonging to some other program is never signalled.
testnet_pid_is() {
  local pid="$1" name="$2"
  [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"
}

# Stops PID (only if it is NAME) with SIGNAL, waits up to 5 s, then SIGKILL.
testnet_stop_pid() {
  local pid="$1" name="$2" signal="${3:-TERM}"
  testnet_pid_is "$pid" "$name" || return 0
  kill "-$signal" "$pid" 2>/dev/null || return 0
  local i
  for i in $(seq 1 50); do
    testnet_pid_is "$pid" "$name" || return 0
    # A zombie child of this shell counts as gone.
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = "Z" ] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do
    testnet_pid_is "$pid" "$name" || return 0
    sleep 0.1
  done
  echo "testnet: warning: $name (pid $pid) did not exit" >&2
}

# Starts InspIRCd from $TESTNET_DIR/inspircd/inspircd.conf; sets TESTNET_INSPIRCD_PID.
# Returns 2 (InspIRCd stopped again) when a listener could not bind its port: InspIRCd
# itself only warns about that on stdout and runs on without the port.
testnet_start_inspircd() {
  local bin; bin="$(testnet_find_inspircd)"
  local dir="$TESTNET_DIR/inspircd"
  local args=(--config="$dir/inspircd.conf" --nofork)
  [ "$(id -u)" = 0 ] && args+=(--runasroot)
  touch "$dir/stdout.log"
  local offset; offset=$(( $(stat -c %s "$dir/stdout.log") + 1 ))
  # setsid: its own session, so a test runner's process group signals do not reach it;
  # all three std streams redirected, so a caller reading start.sh's stdout through a
  # pipe sees EOF when start.sh exits instead of waiting for the daemons.
  # No core files (InspIRCd may segfault when stopped while starting); cwd = its own dir.
  (ulimit -c 0; cd "$dir" && exec setsid "$bin" "${args[@]}" </dev/null >>"$dir/stdout.log" 2>&1) &
  TESTNET_INSPIRCD_PID=$!
  local i output
  for i in $(seq 1 100); do
    output="$(tail -c +"$offset" "$dir/stdout.log")"
    if grep -q "listeners failed to bind" <<<"$output"; then
      testnet_stop_pid "$TESTNET_INSPIRCD_PID" inspircd
      grep -A3 "listeners failed to bind" <<<"$output" | sed 's/^/  /' >&2
      return 2
    fi
    grep -q "InspIRCd is now running" <<<"$output" && return 0
    if ! kill -0 "$TESTNET_INSPIRCD_PID" 2>/dev/null; then
      tail -n 20 "$dir/stdout.log" >&2
      testnet_die "InspIRCd exited at once; see $dir/stdout.log and $dir/inspircd.log"
    fi
    sleep 0.1
  done
  testnet_die "InspIRCd did not say it is running within 10 s; see $dir/stdout.log"
}

# Starts Atheme from $TESTNET_DIR/atheme/atheme.conf; sets TESTNET_ATHEME_PID.
testnet_start_atheme() {
  local bin; bin="$(testnet_find_atheme)"
  local dir="$TESTNET_DIR/atheme"
  (ulimit -c 0; cd "$dir" && exec setsid "$bin" -n -c "$dir/atheme.conf" -D "$dir" \
    -l "$dir/atheme.log" -p "$dir/atheme.pid" </dev/null >>"$dir/stdout.log" 2>&1) &
  TESTNET_ATHEME_PID=$!
  sleep 0.1
  if ! kill -0 "$TESTNET_ATHEME_PID" 2>/dev/null; then
    tail -n 20 "$dir/stdout.log" >&2
    testnet_die "Atheme exited at once; see $dir/stdout.log"
  fi
}

# Waits until the plain port answers CAP LS with sasl (InspIRCd up and Atheme linked); for
# ngIRCd (no services, no SASL) until it answers CAP LS at all.
testnet_wait_ready() {
  local seconds="${1:-20}"
  if [ "$(testnet_server)" = ngircd ]; then
    testnet_python wait-ready "$TESTNET_HOST" "$TESTNET_PLAIN_PORT" "$seconds" --without-sasl \
      --pid "ngircd:$TESTNET_NGIRCD_PID" && return 0
    echo "--- last lines of $TESTNET_DIR/ngircd/stdout.log:" >&2
    { tail -n 15 "$TESTNET_DIR/ngircd/stdout.log"; echo; } 2>/dev/null >&2
    testnet_die "ngIRCd did not become ready in ${seconds}s (dir $TESTNET_DIR)"
  fi
  if ! testnet_python wait-ready "$TESTNET_HOST" "$TESTNET_PLAIN_PORT" "$seconds" \
       --pid "inspircd:$TESTNET_INSPIRCD_PID" --pid "atheme:$TESTNET_ATHEME_PID"; then
    echo "--- last lines of $TESTNET_DIR/inspircd/inspircd.log:" >&2
    { tail -n 15 "$TESTNET_DIR/inspircd/inspircd.log"; echo; } 2>/dev/null >&2
    echo "--- last lines of $TESTNET_DIR/atheme/atheme.log:" >&2
    { tail -n 15 "$TESTNET_DIR/atheme/atheme.log"; echo; } 2>/dev/null >&2
    testnet_die "network did not become ready in ${seconds}s (dir $TESTNET_DIR)"
  fi
}

# Starts ngIRCd from $TESTNET_DIR/ngircd/ngircd.conf; sets TESTNET_NGIRCD_PID. Returns 2
# (ngIRCd stopped again) when a listener could not bind its port: ngIRCd logs that and runs
# on with the ports it got.
testnet_start_ngircd() {
  local bin; bin="$(testnet_find_ngircd)"
  local dir="$TESTNET_DIR/ngircd"
  touch "$dir/stdout.log"
  local offset; offset=$(( $(stat -c %s "$dir/stdout.log") + 1 ))
  # Same process hygiene as InspIRCd (own session, std streams to a file, no core files).
  # -n: no fork, log to stdout; run as root it switches to ServerUID/ServerGID (nobody)
  # itself once it has read its config and TLS key.
  (ulimit -c 0; cd "$dir" && exec setsid "$bin" -n -f "$dir/ngircd.conf" </dev/null >>"$dir/stdout.log" 2>&1) &
  TESTNET_NGIRCD_PID=$!
  local i output
  for i in $(seq 1 100); do
    output="$(tail -c +"$offset" "$dir/stdout.log")"
    if grep -q "Can't bind socket\|Can't listen on" <<<"$output"; then
      testnet_stop_pid "$TESTNET_NGIRCD_PID" ngircd
      grep "Can't bind socket\|Can't listen on" <<<"$output" | sed 's/^/  /' >&2
      return 2
    fi
    # "ready" comes after every listener was opened (or failed).
    grep -q 'Server ".*" (on ".*") ready' <<<"$output" && return 0
    if ! kill -0 "$TESTNET_NGIRCD_PID" 2>/dev/null; then
      tail -n 20 "$dir/stdout.log" >&2
      testnet_die "ngIRCd exited at once; see $dir/stdout.log"
    fi
    sleep 0.1
  done
  testnet_die "ngIRCd did not say it is ready within 10 s; see $dir/stdout.log"
}

# The IRC server of the network in $TESTNET_DIR: "inspircd" (default, with Atheme) or "ngircd".
testnet_server() { echo "${TESTNET_SERVER:-inspircd}"; }

# The pid and process name of that IRC server (for kill/pause/resume).
testnet_ircd_pid() {
  if [ "$(testnet_server)" = ngircd ]; then echo "${TESTNET_NGIRCD_PID:-}"; else echo "${TESTNET_INSPIRCD_PID:-}"; fi
}
testnet_ircd_name() {
  if [ "$(testnet_server)" = ngircd ]; then echo ngircd; else echo inspircd; fi
}

TESTNET_ENV_KEYS=(
  TESTNET_SERVER TESTNET_DIR TESTNET_HOST TESTNET_TLS_PORT TESTNET_PLAIN_PORT TESTNET_LINK_PORT
  TESTNET_SERVER_NAME TESTNET_SERVICES_NAME
  TESTNET_CA TESTNET_SERVER_CERT TESTNET_SERVER_KEY
  TESTNET_CLIENT_CERT TESTNET_CLIENT_KEY TESTNET_CLIENT_CERT_FP
  TESTNET_BOT_ACCOUNT TESTNET_BOT_PASSWORD
  TESTNET_USER_ACCOUNT TESTNET_USER_PASSWORD
  TESTNET_OWNER_ACCOUNT TESTNET_OWNER_PASSWORD
  TESTNET_CERT_ACCOUNT TESTNET_CERT_PASSWORD
  TESTNET_OPER_NAME TESTNET_OPER_PASSWORD
  TESTNET_INSPIRCD_PID TESTNET_ATHEME_PID
  TESTNET_INSPIRCD_LOG TESTNET_ATHEME_LOG
  TESTNET_NGIRCD_PID TESTNET_NGIRCD_LOG
)

# Writes $TESTNET_DIR/env (shell) and env.json atomically from the variables in scope.
testnet_write_env() {
  local tmp="$TESTNET_DIR/env.tmp" key
  {
    echo "# mjbridge testnet; source this file. Stop with: Scripts/testnet/stop.sh $TESTNET_DIR"
    for key in "${TESTNET_ENV_KEYS[@]}"; do
      local value="${!key:-}"
      # Single quotes: readable by sh and by Python's shlex alike.
      printf "export %s='%s'\n" "$key" "${value//\'/\'\\\'\'}"
    done
  } >"$tmp"
  mv -f "$tmp" "$TESTNET_DIR/env"
  [ "${1:-}" = "--no-json" ] || testnet_python env-json "$TESTNET_DIR/env" "$TESTNET_DIR/env.json"
}

# Loads an existing testnet directory's env file.
testnet_load() {
  local dir="$1"
  [ -n "$dir" ] || testnet_die "usage: $(basename "$0") DIR"
  [ -f "$dir/env" ] || testnet_die "$dir/env not found; is $dir a testnet directory made by start.sh?"
  # shellcheck disable=SC1091
  . "$dir/env"
}

#!/usr/bin/env bash
# Prints the python of a virtual environment that has Synapse (matrix-synapse from PyPI),
# creating it on first use. Repeated runs (and parallel suites) reuse it.
#
#   MATRIX_TESTNET_VENV=/path    use that venv (made here if it has no Synapse yet);
#                                default: <repo>/.build-synapse/venv (ignored by git)
#   MATRIX_TESTNET_SYNAPSE_SPEC  pip requirement, default "matrix-synapse==1.163.2"
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv="${MATRIX_TESTNET_VENV:-$MATRIX_TESTNET_REPO/.build-synapse/venv}"
spec="${MATRIX_TESTNET_SYNAPSE_SPEC:-matrix-synapse==1.163.2}"

has_synapse() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import synapse.app.homeserver" >/dev/null 2>&1; }

if has_synapse; then echo "$venv/bin/python"; exit 0; fi

command -v python3 >/dev/null 2>&1 || matrix_die "python3 not found: apt-get install -y python3 python3-venv"
command -v flock >/dev/null 2>&1 || matrix_die "flock not found (util-linux)"
mkdir -p "$(dirname "$venv")"
# Two suites starting at once: one installs, the other waits for it (bounded: 15 min).
exec 9>"$venv.lock"
flock -w 900 9 || matrix_die "waited 15 min for another install into $venv"
if ! has_synapse; then
  echo "matrix-testnet: installing $spec into $venv (about a minute)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2 ||
    matrix_die "python3 -m venv failed; on Debian: apt-get install -y python3-venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" >&2 ||
    matrix_die "pip install $spec failed (is PyPI reachable?)"
  has_synapse || matrix_die "$venv has no working Synapse after the install"
fi
echo "$venv/bin/python"

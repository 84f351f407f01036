#!/usr/bin/env bash
# The whole benchmark suite in one command; rewrites BENCHMARKS.md at the repository root.
# Takes a few minutes (a cold release build takes longer):
#
#     Scripts/bench/run-benchmarks.sh
#
# Builds mjbridge-bench in release mode (scratch path .build-release), sets up a Python venv
# with the peers (irctokens) under it, runs every benchmark once (each one times several runs
# and reports best and median CPU time), profiles the IRC benchmark with perf when a goal is
# missed and perf is installed (that pass alone), and renders the JSON rows with render-benchmarks.py.
#
# callback-latency and flood-delivery run the whole bot in-process; flood-delivery starts the
# InspIRCd testnet (Scripts/testnet/start.sh, skipped without InspIRCd) and takes about ten
# minutes, the time the server's fake lag allows for the bot's ~600 lines.
#
# Environment: MJBRIDGE_BENCH_SCRATCH (default .build-release), MJBRIDGE_BENCH_PROFILE=0 to
# skip the perf profile, MJBRIDGE_BENCH_SKIP_BUILD=1 to use the existing binary.
set -euo pipefail
cd "$(dirname "$0")/../.."

scratch=${MJBRIDGE_BENCH_SCRATCH:-.build-release}
venv="$scratch/bench-venv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "${MJBRIDGE_BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building mjbridge-bench (release)"
    swift build -c release --scratch-path "$scratch" --product mjbridge-bench 2>&1 | grep -E "error|warning: |Compiling|Build" | tail -5
    # The start-up benchmark runs the release `mjbridge run` itself (next to mjbridge-bench).
    swift build -c release --scratch-path "$scratch" --product mjbridge 2>&1 | grep -E "error|warning: |Compiling|Build" | tail -5
fi
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/mjbridge-bench"

echo "== peers (Python venv at $venv)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'irctokens==2.0.2'

echo "== running (this takes minutes; the figures are CPU time of the benchmark thread)"
MJBRIDGE_BENCH_PYTHON="$venv/bin/python" "$bin" all --json "$work/rows.json" | tee "$work/output.txt"

profile="$work/profile.txt"
: > "$profile"
missed() { # the IRC areas ("IRC parse", "IRC serialise") with a missed goal in this run
    "$venv/bin/python" -c 'import json,sys; sys.exit(0 if any(r.get("met") is False and r["area"] == sys.argv[2] for r in json.load(open(sys.argv[1]))) else 1)' "$work/rows.json" "$1"
}
if [ "${MJBRIDGE_BENCH_PROFILE:-1}" = 1 ] && command -v perf > /dev/null; then
    for pass in parse serialise; do
        missed "IRC $pass" || continue
        echo "== a goal of IRC $pass is missed: profiling that pass alone with perf"
        if perf record -F 1999 -g -o "$work/perf.data" "$bin" "profile-$pass" > /dev/null 2> "$work/perf.log"; then
            {
                echo "--- mjbridge-bench profile-$pass (self time per symbol)"
                perf report -i "$work/perf.data" --no-children --sort symbol --percent-limit 1.5 --stdio -q -g none 2> /dev/null \
                    | cut -c1-150 | sed -e 's/[[:space:]]*$//' -e '/^$/d' | head -30
            } >> "$profile" || true
        fi
    done
fi

"$venv/bin/python" Scripts/bench/render-benchmarks.py "$work/rows.json" "$profile" > "$work/BENCHMARKS.md"
mv "$work/BENCHMARKS.md" BENCHMARKS.md
echo "== BENCHMARKS.md rewritten"

#!/usr/bin/env bash
# Counts the CPU instructions one request costs, with callgrind, over requests run in process
# on SQLite (gateway/examples/request_cost.rs: the same data and the same requests every run),
# and compares each scenario with scripts/instructions.baseline. Instructions, not seconds: the
# count does not change when the machine is busy, so a regression cannot hide in noise.
#
#   scripts/instructions.sh              check: fails when a scenario costs more than the
#                                        baseline plus its tolerance (TOLERANCE_PERCENT, 3)
#   scripts/instructions.sh --update     measures and rewrites the baseline (commit it, and say
#                                        why the cost moved)
#   scripts/instructions.sh --profile    also prints where the instructions go (the functions
#                                        with the most of their own, per request)
#
# Needs valgrind (installed from Debian when missing). About two minutes after the release build
# (each scenario runs RUNS times, 3 by default, and counts its cheapest run).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-check}"
TOLERANCE="${TOLERANCE_PERCENT:-3}"
RUNS="${RUNS:-3}"
BASELINE=scripts/instructions.baseline

command -v valgrind >/dev/null || { echo "installing valgrind"; apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cargo build --release -q -p gateway --example request_cost
BIN="${CARGO_TARGET_DIR:-target}/release/examples/request_cost"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
measured=""
# scenario and requests measured (enough that a request's share of fixed costs is small)
for run in "viewer 200" "orders 20"; do
  set -- $run
  scenario=$1 requests=$2
  # the fewest of RUNS runs: what varies between runs (when SQLite checkpoints its log, how the
  # random ids fall in its B-trees) only ever adds work, by up to 3% for orders and 6% for viewer
  per= dump=
  for attempt in $(seq 1 "$RUNS"); do
    valgrind --tool=callgrind --callgrind-out-file="$work/$scenario.$attempt.out" \
      --dump-before='*request_cost::checkpoint*' \
      "$BIN" "$scenario" "$requests" >"$work/$scenario.log" 2>&1 || { cat "$work/$scenario.log"; exit 1; }
    # the first dump is the set-up, the second the requests
    this="$work/$scenario.$attempt.out.2"
    [ -f "$this" ] || { echo "callgrind wrote no dump for $scenario"; cat "$work/$scenario.log"; exit 1; }
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$this")
    if [ -z "$per" ] || [ $(( total / requests )) -lt "$per" ]; then per=$(( total / requests )) dump=$this; fi
  done
  measured+="$scenario $per"$'\n'
  base=$(awk -v s="$scenario" '$1 == s {print $2}' "$BASELINE" 2>/dev/null || true)
  if [ -n "$base" ]; then
    change=$(echo "scale=1; ($per - $base) * 100 / $base" | bc)
    limit=$(( base + base * TOLERANCE / 100 ))
    verdict=ok
    if [ "$MODE" = check ] && [ "$per" -gt "$limit" ]; then verdict="REGRESSION (over +$TOLERANCE%)"; failed=1; fi
    echo "$scenario: $per instructions per request (baseline $base, ${change}%) $verdict"
  else
    echo "$scenario: $per instructions per request (no baseline)"
  fi
  if [ "$MODE" = --profile ]; then
    echo "  where $scenario's instructions go (per request):"
    python3 scripts/callgrind_summary.py "$dump" "$requests"
  fi
done
if [ "$MODE" = --update ]; then
  { echo "# instructions per request, by scripts/instructions.sh --update"; printf '%s' "$measured"; } >"$BASELINE"
  echo "baseline written: $BASELINE"
fi
exit "$failed"

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
#   scripts/instructions.sh --postgres   the server's own instructions per request on the
#                                        PostgreSQL database DATABASE_URL names (seeded as
#                                        `bench.sh orders` seeds it): the release server under
#                                        callgrind, counted over HTTP after a warm-up, the
#                                        database outside valgrind. Compare two builds with
#                                        BENCH_BIN; no baseline (the count depends on the data)
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
if [ "$MODE" = --postgres ]; then
  [[ "${DATABASE_URL:-}" == postgres* ]] || { echo "--postgres needs DATABASE_URL (a database seeded by bench.sh orders)"; exit 2; }
  [ -n "${BENCH_BIN:-}" ] || cargo build --release -q -p gateway
  BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"
  PORT="${BENCH_PORT:-18094}"
  work=$(mktemp -d)
  server=""
  trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
  RUST_LOG=error SCRIPTORIUM_BIND="127.0.0.1:$PORT" valgrind --tool=callgrind \
    --callgrind-out-file="$work/server.%p" "$BIN" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  post() { curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' "$@"; }
  token=$(post -d '{"query":"mutation { signIn(input: {email: \"admin@essays.test\", password: \"demo-password\"}) { token } }"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signIn"]["token"])')
  for run in "viewer 100 { viewer { id email displayName role tenant { slug } } }" \
    "orders 30 { orders(first: 50) { edges { node { id status total client { displayName } writer { displayName } timeline { kind actor { displayName } } } } } }"; do
    read -r scenario requests query <<<"$run"
    body=$(printf '%s' "$query" | python3 -c 'import json,sys; print(json.dumps({"query": sys.stdin.read()}))')
    for _ in 1 2 3 4 5; do post -H "Authorization: Bearer $token" -d "$body" >/dev/null; done  # warm-up
    callgrind_control -z "$server" >/dev/null 2>&1
    for _ in $(seq 1 "$requests"); do
      post -H "Authorization: Bearer $token" -d "$body" | grep -q '"errors"' && { echo "$scenario answered an error"; exit 1; }
    done
    callgrind_control -d "$server" >/dev/null 2>&1
    sleep 1
    dump=$(ls -t "$work"/server.*.* | head -1)
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
    echo "$scenario: $(( total / requests )) server instructions per request on PostgreSQL"
    rm -f "$work"/server.*.*
  done
  exit 0
fi
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

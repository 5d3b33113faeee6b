#!/usr/bin/env bash
# Loads a release build from wrk on loopback and prints requests/s, p50, p99 and the server's
# peak RSS.
#
#   scripts/bench.sh viewer [seconds] [connections]   authenticated `viewer` queries (a client)
#   scripts/bench.sh orders [seconds] [connections]   `orders(first: 50)` with client, writer and
#                                                     timeline, as an admin, over 100,000 orders
#   scripts/bench.sh payments [seconds] [connections] `payOrderFromWallet` for distinct orders of
#                                                     16 funded clients, then the ledger check
#   scripts/bench.sh hostile [seconds] [connections]  a 60-level doubling fragment document
#                                                     (2^60 fields expanded, ~2 KB), refused
#   scripts/bench.sh hostile-large [s] [c]            the same at the 32 KiB document limit: 100
#                                                     fragments, each field-heavy, fully parsed
#
# The backend is SQLite in a temporary folder unless DATABASE_URL names a PostgreSQL database
# (which must exist; the orders scenario seeds it once, `seed-demo --scale 100000`, and reuses
# it). BENCH_ORDERS changes the order count; BENCH_BIN names another binary to load (an older
# build, to compare). Needs wrk (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO="${1:-viewer}"
DURATION="${2:-20}"
CONNECTIONS="${3:-32}"
PORT="${BENCH_PORT:-18090}"
ORDERS="${BENCH_ORDERS:-100000}"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# BENCH_BIN runs another build instead (e.g. an older one, to compare).
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release -q -p gateway; fi
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"

work=$(mktemp -d)
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}"
case "$SCENARIO" in
  viewer)
    EMAIL=client@essays.test
    QUERY='{ viewer { id email displayName role tenant { slug } } }'
    CHECK=client@essays.test
    ;;
  orders)
    EMAIL=admin@essays.test
    QUERY='{ orders(first: 50) { edges { node { id status total client { displayName } writer { displayName } timeline { kind actor { displayName } } } } } }'
    CHECK=timeline
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  payments)
    EMAIL=admin@essays.test
    QUERY='{ ledgerIntegrity { balanced } }'
    CHECK=balanced
    ;;
  hostile)
    EMAIL=client@essays.test
    QUERY=$(python3 -c '
n = 60
doc = "query Hostile { ...F0 }"
for i in range(n):
    inner = f"... {{ ...F{i+1} }} ...F{i+1}" if i % 2 else f"...F{i+1} ...F{i+1}"
    doc += f" fragment F{i} on Query {{ {inner} }}"
print(doc + f" fragment F{n} on Query {{ a: __typename b: __typename }}")')
    CHECK=QUERY_TOO_LARGE
    ;;
  hostile-large)
    EMAIL=client@essays.test
    QUERY=$(python3 -c '
n, doc = 99, "query Hostile { ...F0 }"
fill = " __typename" * 24
for i in range(n):
    doc += f" fragment F{i} on Query {{ ...F{i+1} ...F{i+1}{fill} }}"
print(doc + f" fragment F{n} on Query {{{fill} }}")')
    CHECK=QUERY_TOO_LARGE
    ;;
  *) echo "unknown scenario: $SCENARIO (viewer, orders, payments, hostile or hostile-large)"; exit 2 ;;
esac

RUST_LOG=warn SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

token=$(curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' \
  -d "{\"query\":\"mutation { signIn(input: {email: \\\"$EMAIL\\\", password: \\\"demo-password\\\"}) { token } }\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signIn"]["token"])')
# through stdin: a 1 MB document is too long for a command-line argument
printf '%s' "$QUERY" | python3 -c 'import json,sys; print(json.dumps({"query": sys.stdin.read()}))' >"$work/body.json"

cat >"$work/load.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant"] = "essays"
wrk.headers["Authorization"] = "Bearer $token"
local f = io.open("$work/body.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA
# the query must answer before it is loaded
curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' \
  -H "Authorization: Bearer $token" --data-binary "@$work/body.json" | grep -q "$CHECK"
echo "document: $(wc -c <"$work/body.json") bytes"

if [ "$SCENARIO" = payments ]; then
  # enough distinct unpaid orders that none is paid twice in the run
  python3 scripts/bench_payments_prepare.py "$PORT" 16 "${BENCH_ORDERS_PER_CLIENT:-600}" "$work/load.lua"
fi

echo "scenario: $SCENARIO  backend: ${DATABASE_URL%%:*}  duration: ${DURATION}s  connections: $CONNECTIONS"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/load.lua" "http://127.0.0.1:$PORT/graphql" >"$work/wrk.txt"
grep -E "graphql errors|first error" "$work/wrk.txt" | cut -c1-300 || true
if [ "$SCENARIO" = payments ]; then
  echo "ledger after the run: $(curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' \
    -H "Authorization: Bearer $token" -d '{"query":"{ ledgerIntegrity { balanced accounts entries mismatches } }"}')"
fi
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk.txt")
rss=$(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$server/status")
echo "requests/s: $rps   p50: $p50   p99: $p99   server peak RSS: $rss"
[ -z "$errors" ] || echo "wrk reported: $errors"

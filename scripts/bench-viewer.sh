#!/usr/bin/env bash
# Loads a release build with authenticated `viewer` queries from wrk on loopback and prints
# requests/s, p50, p99 and the server's peak RSS.
#
#   scripts/bench-viewer.sh [seconds] [connections]
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench scripts/bench-viewer.sh   # PostgreSQL
#
# Without DATABASE_URL it uses a fresh SQLite file in a temporary folder. Needs wrk
# (installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
CONNECTIONS="${2:-32}"
PORT="${BENCH_PORT:-18090}"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p gateway
BIN="${CARGO_TARGET_DIR:-target}/release/scriptorium"

work=$(mktemp -d)
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}"
RUST_LOG=warn SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

token=$(curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' \
  -d '{"query":"mutation { signIn(input: {email: \"client@essays.test\", password: \"demo-password\"}) { token } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signIn"]["token"])')

cat >"$work/viewer.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant"] = "essays"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"query":"{ viewer { id email displayName role tenant { slug } } }"}'
LUA
# check the query answers before loading it
curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' \
  -H "Authorization: Bearer $token" -d '{"query":"{ viewer { email } }"}' | grep -q client@essays.test

echo "backend: ${DATABASE_URL%%:*}  duration: ${DURATION}s  connections: $CONNECTIONS"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/viewer.lua" "http://127.0.0.1:$PORT/graphql" >"$work/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk.txt")
rss=$(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$server/status")
echo "requests/s: $rps   p50: $p50   p99: $p99   server peak RSS: $rss"
[ -z "$errors" ] || echo "wrk reported: $errors"

#!/usr/bin/env bash
# The subscription benchmark (`scripts/bench.sh live [subscriptions] [events]`): starts two
# gateways (`serve --no-worker`) on one PostgreSQL database, opens S WebSocket subscriptions
# across them (each a different client of the demo site, `orderEvents` of one of their orders),
# then commits E timeline events to those orders at 500 a second
# (gateway/examples/live_latency.rs). Prints the latency from each commit to its receipt, that
# none was lost or doubled, and the gateways' memory per open subscription. PostgreSQL only:
# SQLite's live events stay in the process that commits them (one process serves SQLite), and
# here the benchmark itself commits. DATABASE_URL names an existing database.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIPTIONS="${1:-1000}"
EVENTS="${2:-2000}"
cargo build --release -q -p gateway --bin scriptorium --example live_latency
BIN="${CARGO_TARGET_DIR:-target}/release/scriptorium"
CLIENT="${CARGO_TARGET_DIR:-target}/release/examples/live_latency"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  echo "live events cross replicas through PostgreSQL only: set DATABASE_URL=postgres://.../db (it must exist)" >&2
  exit 2
fi
case "$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must name a PostgreSQL database" >&2; exit 2 ;; esac
ulimit -n 65536 2>/dev/null || true
# enough clients with an order each (the demo's scale seeds 2,000 clients)
RUST_LOG=warn "$BIN" seed-demo --scale $(( SUBSCRIPTIONS * 2 > 4000 ? SUBSCRIPTIONS * 2 : 4000 )) >/dev/null
urls=(); started=()
for port in 18101 18102; do
  RUST_LOG=warn SCRIPTORIUM_BIND="127.0.0.1:$port" SCRIPTORIUM_MAIL_DIR="$work/mail" "$BIN" serve --no-worker >"$work/gateway-$port.log" 2>&1 &
  pids+=($!); started+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  urls+=("ws://127.0.0.1:$port/graphql/ws")
done
echo "scenario: live  backend: postgres  gateways: 2  subscriptions: $SUBSCRIPTIONS  events: $EVENTS at 500/s"
RUST_LOG=warn "$CLIENT" "$(IFS=,; echo "${urls[*]}")" "$(IFS=,; echo "${started[*]}")" "$SUBSCRIPTIONS" "$EVENTS"

#!/usr/bin/env bash
# The SLA job's cost per run (`support.sla`, every minute): with the benchmark's 100,000 tickets
# (10,000 active, seeded by `seed-demo --scale`), the one statement a run starts with, planned
# and run by PostgreSQL (EXPLAIN ANALYZE: the partial index on `next_check_at`, not a scan of the
# tickets or their clocks), now and as it would be with every running clock due at once (a week
# ahead); the job then warns or breaches each clock it found in a short transaction of its own.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_orders bash scripts/bench_sla_job.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?a PostgreSQL database, as for the orders scenario}"
case "$DATABASE_URL" in postgres*) ;; *) echo "the SLA job's benchmark runs on PostgreSQL"; exit 2 ;; esac
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release -q -p gateway; fi
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"
"$BIN" seed-demo --scale "${BENCH_ORDERS:-100000}" >/dev/null
psql "$DATABASE_URL" -qAt -c "SELECT 'tickets: ' || COUNT(*) || ', active: ' || SUM(CASE WHEN status <> 'CLOSED' THEN 1 ELSE 0 END) FROM tickets"
psql "$DATABASE_URL" -qAt -c "SELECT 'clocks: ' || COUNT(*) || ', with a look to come: ' || COUNT(next_check_at) FROM ticket_slas"
echo "the job's look, now (what is due this minute):"
psql "$DATABASE_URL" -qAt -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT ticket_id, metric, tenant_id FROM ticket_slas WHERE next_check_at <= now() ORDER BY next_check_at LIMIT 500" | sed 's/^/  /'
echo "the same look a week ahead (every running clock due at once; the job takes 500 a batch):"
psql "$DATABASE_URL" -qAt -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT ticket_id, metric, tenant_id FROM ticket_slas WHERE next_check_at <= now() + interval '7 days' ORDER BY next_check_at LIMIT 500" | sed 's/^/  /'

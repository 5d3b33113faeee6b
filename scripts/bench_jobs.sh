#!/usr/bin/env bash
# The job queue's benchmark (`scripts/bench.sh jobs [jobs] [workers] [producers]`): W workers run
# while P producers enqueue N jobs, each in its own committed transaction
# (gateway/examples/job_throughput.rs), and it prints both rates, the latency from a job's commit
# to its run, and that no job ran twice. On PostgreSQL it then measures the database's own
# ceiling for the same statements with pgbench: per batch of jobs (32, a worker's claim), one
# enqueue transaction each, one claim of the batch (`FOR UPDATE SKIP LOCKED`) and one statement
# recording them done, as the worker does.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${1:-10000}"
WORKERS="${2:-2}"
PRODUCERS="${3:-4}"
cargo build --release -q -p gateway --example job_throughput
BIN="${CARGO_TARGET_DIR:-target}/release/examples/job_throughput"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/jobs.db?mode=rwc}"
backend=sqlite; case "$DATABASE_URL" in postgres*) backend=postgres ;; esac
echo "scenario: jobs  backend: $backend  jobs: $JOBS  workers: $WORKERS  producers: $PRODUCERS"
RUST_LOG=warn "$BIN" "$JOBS" "$WORKERS" "$PRODUCERS" | tee "$work/run.txt"
[ "$backend" = postgres ] || exit 0

command -v pgbench >/dev/null || { echo "pgbench is missing (PostgreSQL's client tools)"; exit 1; }
# per batch: an enqueue transaction a job, one claim of the batch, one statement recording it done
BATCH=32
for n in $(seq 1 $BATCH); do
  echo "BEGIN;"
  echo "INSERT INTO jobs (id, tenant_id, kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at) VALUES (gen_random_uuid(), NULL, 'bench.ceiling', '{\"n\": $n}', 'QUEUED', now(), 0, 5, now(), now());"
  echo "COMMIT;"
done >"$work/ceiling.sql"
cat >>"$work/ceiling.sql" <<SQL
UPDATE jobs SET status = 'RUNNING', attempts = attempts + 1, locked_by = 'pgbench-' || :client_id, locked_until = now() + interval '5 minutes', updated_at = now() WHERE id IN (SELECT id FROM jobs WHERE status IN ('QUEUED', 'RUNNING') AND run_at <= now() AND (status = 'QUEUED' OR locked_until <= now()) ORDER BY run_at, id LIMIT $BATCH FOR UPDATE SKIP LOCKED) RETURNING id, tenant_id, kind, payload, attempts, max_attempts;
UPDATE jobs SET status = 'SUCCEEDED', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL WHERE status = 'RUNNING' AND locked_by = 'pgbench-' || :client_id RETURNING id;
SQL
clients=$((WORKERS + PRODUCERS))
pgbench -n -M prepared -c "$clients" -j 2 -T 10 -f "$work/ceiling.sql" "$DATABASE_URL" >"$work/pgbench.txt" 2>&1 ||
  { echo "pgbench failed:"; cat "$work/pgbench.txt"; exit 1; }
tps=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.txt")
ceiling=$(echo "$tps * $BATCH" | bc)
psql -q "$DATABASE_URL" -c "DELETE FROM jobs WHERE kind = 'bench.ceiling'" >/dev/null
measured=$(grep -o '[0-9]* jobs/s' "$work/run.txt" | awk '{print $1}')
echo "ceiling (pgbench, prepared, $clients clients, the statements of $BATCH jobs per script): $ceiling jobs/s   the queue at $(echo "scale=1; $measured * 100 / $ceiling" | bc)% of it"

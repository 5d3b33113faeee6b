# Developer recipes (CI and the README's two commands do not need just).

default:
    @just --list

# Run the server on the embedded SQLite database with demo data
run:
    cargo run --release -p gateway -- serve --demo

# All tests on SQLite
test:
    cargo test --workspace

# All tests again on the local PostgreSQL (a fresh database per test, dropped after)
test-pg:
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test --workspace

# Formatting and lints, as CI runs them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Rewrite schema.graphql from the built schema
schema:
    cargo run -q -p gateway -- export-schema > schema.graphql

# Apply migrations to DATABASE_URL (default: the SQLite file)
migrate:
    cargo run --release -p gateway -- migrate

# CI exactly as it runs
ci:
    bash .ci/run

# Load authenticated `viewer` queries; prints req/s, p50, p99, peak RSS, CPU per request and, on
# PostgreSQL, the pgbench ceiling of the same statements (DATABASE_URL picks the backend)
bench-viewer *ARGS:
    bash scripts/bench.sh viewer {{ARGS}}

# Load `orders(first: 50)` as an admin over 100,000 seeded orders (DATABASE_URL picks the backend)
bench-orders *ARGS:
    bash scripts/bench.sh orders {{ARGS}}

# Load `writers(first: 50)` with levels, records and capacity as an admin, over the same data
bench-writers *ARGS:
    bash scripts/bench.sh writers {{ARGS}}

# Load availableOrders(first: 50) as a writer over the same data (the pool)
bench-pool *ARGS:
    bash scripts/bench.sh pool {{ARGS}}

# Load writerDashboard as a writer with some 1,500 orders of history, same data
bench-dashboard *ARGS:
    bash scripts/bench.sh dashboard {{ARGS}}

# Load editorDashboard as an editor with some 2,000 of the 20,000 editing tasks seeded beside the orders
bench-editing-dashboard *ARGS:
    bash scripts/bench.sh editing-dashboard {{ARGS}}

# Load editingTasks(first: 50) as that editor (the pool and their own), same data
bench-editing-tasks *ARGS:
    bash scripts/bench.sh editing-tasks {{ARGS}}

# Load supportDashboard as the demo agent over 100,000 seeded tickets (10,000 active)
bench-support-dashboard *ARGS:
    bash scripts/bench.sh support-dashboard {{ARGS}}

# The SLA job's one look over those tickets, planned and timed by PostgreSQL
bench-sla-job:
    bash scripts/bench.sh sla-job

# Load payOrderFromWallet for distinct orders of 16 funded clients, then check the ledger
bench-payments *ARGS:
    bash scripts/bench.sh payments {{ARGS}}

# The job queue: W workers while P producers enqueue N jobs (`just bench-jobs 10000 2 4`); jobs/s,
# commit-to-run latency and, on PostgreSQL, the pgbench ceiling of the same statements
bench-jobs *ARGS:
    bash scripts/bench.sh jobs {{ARGS}}

# Notifications to e-mail: workers send what producers write to an SMTP sink (`just bench-mail 10000 2 4`)
bench-mail *ARGS:
    bash scripts/bench.sh mail {{ARGS}}

# Order files: n uploads of m MB, p at a time, then their downloads (`just bench-files 40 20 4`);
# MB/s both ways, the server's peak memory, and the disk's own copy rate
bench-files *ARGS:
    bash scripts/bench.sh files {{ARGS}}

# Subscriptions on two gateways over one PostgreSQL (`DATABASE_URL=postgres://.../db just bench-live 1000 2000`):
# commit-to-subscriber latency and memory per open subscription
bench-live *ARGS:
    bash scripts/bench.sh live {{ARGS}}

# A claim storm on PostgreSQL (`DATABASE_URL=postgres://.../db just bench-claims 50 100`): E editors claim
# a fresh pool of T tasks at once; claims/s, and every task claimed exactly once (API and database)
bench-claims *ARGS:
    bash scripts/bench.sh claims {{ARGS}}

# Load documents that must be refused (a 2^60-field fragment document; `hostile-large`: 30 KB)
bench-hostile *ARGS:
    bash scripts/bench.sh hostile {{ARGS}}

# Instructions per request (callgrind, in process, SQLite) against the committed baseline;
# `just instructions --profile` shows where they go, `--update` rewrites the baseline
instructions *ARGS:
    bash scripts/instructions.sh {{ARGS}}

#!/usr/bin/env bash
# Loads a release build from wrk on loopback and prints requests/s, p50, p99, the server's peak
# RSS and the CPU a request costs the server and PostgreSQL (from /proc). Every response is
# checked: one with GraphQL errors fails the run. On PostgreSQL it also replays the statements of
# one request with pgbench (prepared, same connections, same time) and prints the server's
# requests/s as a share of that ceiling.
#
#   scripts/bench.sh viewer [seconds] [connections]   authenticated `viewer` queries (a client)
#   scripts/bench.sh orders [seconds] [connections]   `orders(first: 50)` with client, writer and
#                                                     timeline, as an admin, over 100,000 orders
#   scripts/bench.sh writers [seconds] [connections]  `writers(first: 50)` with level, record and
#                                                     capacity, as an admin, over the same data
#   scripts/bench.sh pool [seconds] [connections]     `availableOrders(first: 50)` as a writer (the
#                                                     pool: the work and their pay), same data
#   scripts/bench.sh dashboard [seconds] [connections] `writerDashboard` as a writer with some 1,500
#                                                     orders of history, same data
#   scripts/bench.sh editing-dashboard [s] [c]        `editorDashboard` as an editor with some
#                                                     2,000 of the 20,000 editing tasks seeded
#                                                     beside the 100,000 orders
#   scripts/bench.sh editing-tasks [s] [c]            `editingTasks(first: 50)` as that editor (the
#                                                     pool and their own), same data
#   scripts/bench.sh support-dashboard [s] [c]        `supportDashboard` (and the pending disputes)
#                                                     as the demo agent over the 100,000 tickets
#                                                     (10,000 active) seeded beside the orders
#   scripts/bench.sh sla-job                          the SLA job's one look (its query, planned
#                                                     and timed by PostgreSQL) over those tickets
#   scripts/bench.sh payments [seconds] [connections] `payOrderFromWallet` for distinct orders of
#                                                     16 funded clients, mixed with cancellations
#                                                     of paid orders, tips on completed ones and
#                                                     a page more on paid ones (one every ten,
#                                                     twenty and twenty payments), then the
#                                                     ledger check
#   scripts/bench.sh payouts [requests] [writers]     a payout batch (scripts/bench_payouts.sh):
#                                                     10,000 requests of 100 writers batched,
#                                                     exported and paid: seconds and memory
#   scripts/bench.sh claims [editors] [tasks]         a claim storm (scripts/bench_claims.sh): 50
#                                                     editors claim a fresh pool of 100 tasks at
#                                                     once; claims/s, each task claimed once
#   scripts/bench.sh jobs [jobs] [workers] [producers]  the job queue (scripts/bench_jobs.sh):
#                                                     jobs/s and commit-to-run latency
#   scripts/bench.sh mail [n] [workers] [producers]   notifications to e-mail over SMTP
#                                                     (scripts/bench_mail.sh): e-mails/s, latency
#   scripts/bench.sh live [subs] [events]              subscriptions on two gateways over one
#                                                     PostgreSQL (scripts/bench_live.sh):
#                                                     commit-to-subscriber latency, memory
#   scripts/bench.sh files [n] [megabytes] [parallel] order files (scripts/bench_files.sh): n
#                                                     uploads and their downloads, MB/s and memory
#   scripts/bench.sh hostile [seconds] [connections]  a 60-level doubling fragment document
#                                                     (2^60 fields expanded, ~2 KB), refused
#   scripts/bench.sh hostile-large [s] [c]            the same at the 32 KiB document limit: 100
#                                                     fragments, each field-heavy, fully parsed
#
# The backend is SQLite in a temporary folder unless DATABASE_URL names a PostgreSQL database
# (which must exist; the orders scenario seeds it once, `seed-demo --scale 100000`, and reuses
# it). BENCH_ORDERS changes the order count; BENCH_BIN names another binary to load (an older
# build, to compare). Needs wrk (installed from Debian when missing) and, for the ceiling,
# pgbench (PostgreSQL's client tools).
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO="${1:-viewer}"
# the job queue, e-mail, subscriptions and files are measured by their own scripts
if [ "$SCENARIO" = jobs ]; then shift; exec bash scripts/bench_jobs.sh "$@"; fi
if [ "$SCENARIO" = mail ]; then shift; exec bash scripts/bench_mail.sh "$@"; fi
if [ "$SCENARIO" = live ]; then shift; exec bash scripts/bench_live.sh "$@"; fi
if [ "$SCENARIO" = files ]; then shift; exec bash scripts/bench_files.sh "$@"; fi
if [ "$SCENARIO" = claims ]; then shift; exec bash scripts/bench_claims.sh "$@"; fi
if [ "$SCENARIO" = sla-job ]; then shift; exec bash scripts/bench_sla_job.sh "$@"; fi
if [ "$SCENARIO" = payouts ]; then shift; exec bash scripts/bench_payouts.sh "$@"; fi
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
  writers)
    EMAIL=admin@essays.test
    QUERY='{ writers(first: 50) { edges { node { displayName status level { code } stats { completedOrders activeOrders onTimeRate } capacityStatus { active limit takenToday acceptingNow } } } } }'
    CHECK=capacityStatus
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  pool)
    EMAIL=scale-writer-0@essays.test
    QUERY='{ availableOrders(first: 50) { edges { node { id topic pages writerDeadline pay subject { name } workType { name } } } } }'
    CHECK=writerDeadline
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  dashboard)
    EMAIL=scale-writer-0@essays.test
    FROM=$(date -u +%Y-%m-%dT00:00:00Z); TO=$(date -u -d '+30 days' +%Y-%m-%dT00:00:00Z)
    QUERY="{ writerDashboard { earnings { available pending thisMonth byMonth(last: 12) { month amount } } performance { completed onTimeRate revisionRate } queue { active inRevision dueSoon } requests { id } badges { code } level { current { code } next { code } progress { completedOrders eligible } } workload { activeOrders pagesDueNext7d recommendedNewOrders } capacityStatus { active limit acceptingNow } calendar(from: \"$FROM\", to: \"$TO\") { events { kind title } } } }"
    CHECK=byMonth
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  editing-dashboard)
    EMAIL=scale-editor-0@essays.test
    QUERY='{ editorDashboard { recentTasks(first: 10) { id status topic deadline } availableTasks(first: 10) { id topic pages deadline } performance { completedPerWeek(last: 12) { weekStart completed } averageTurnaround onTimeRate averageQualityScoreGiven } taskAnalytics { byStatus { status count } byAssignment { claimed assigned } completionTrend(last: 12) { weekStart completed rejected } } recentActivity(first: 20) { kind at } workload { activeTasks limit estimatedCompletion } } }'
    CHECK='"averageQualityScoreGiven":[0-9]'  # a number: the editor has reviews (the tasks are seeded)
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  editing-tasks)
    EMAIL=scale-editor-0@essays.test
    QUERY='{ editingTasks(first: 50) { edges { node { id status topic pages deadline workType { name } subject { name } } } } }'
    CHECK='"workType":{"name"'
    "$BIN" seed-demo --scale "$ORDERS"
    ;;
  support-dashboard)
    EMAIL=support@essays.test
    QUERY=$(sed 's/(\$first: Int)//; s/\$first/20/' docs/queries/support/dashboard.graphql)
    CHECK='"satisfaction":{"distribution"'
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
  *) echo "unknown scenario: $SCENARIO (viewer, orders, writers, pool, dashboard, editing-dashboard, editing-tasks, support-dashboard, payments, hostile or hostile-large; or jobs, mail, live, files, claims, sla-job or payouts)"; exit 2 ;;
esac

server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
start_server() { # $1: RUST_LOG
  RUST_LOG="$1" SCRIPTORIUM_LOG_FORMAT=json SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >>"$work/server.log" 2>&1 &  # appending, so the log can be emptied under it
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start:"; cat "$work/server.log"; exit 1
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
post() { curl -sf "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H 'X-Tenant: essays' "$@"; }

# First run: the server logs its SQL, and one request of the scenario is captured (the
# statements the ceiling replays, and how many a request makes).
start_server "warn,scriptorium::sql=debug"
token=$(post -d "{\"query\":\"mutation { signIn(input: {email: \\\"$EMAIL\\\", password: \\\"demo-password\\\"}) { token } }\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["signIn"]["token"])')
# through stdin: a long document is too long for a command-line argument
printf '%s' "$QUERY" | python3 -c 'import json,sys; print(json.dumps({"query": sys.stdin.read()}))' >"$work/body.json"
# the query must answer before it is loaded
post -H "Authorization: Bearer $token" --data-binary "@$work/body.json" >/dev/null  # warms the caches
: >"$work/server.log"
post -H "Authorization: Bearer $token" --data-binary "@$work/body.json" >"$work/answer.json" || true
grep -q "$CHECK" "$work/answer.json" || { echo "the scenario's query did not answer as expected:"; head -c 600 "$work/answer.json"; echo; exit 1; }
sleep 0.2
python3 scripts/bench_ceiling.py "$work/server.log" "$token" >"$work/ceiling.sql"
statements=$(grep -c . "$work/ceiling.sql" || true)
stop_server
# a request scoped for row-level security: its transaction's BEGIN, set_config and COMMIT are
# round trips too (the SET line stands for the system pool's startup parameter, and is not). The
# server sends BEGIN and its tenant as one simple-protocol message (kernel::request_db), which
# pgbench -M prepared cannot: the replay makes them two round trips.
if grep -q "^BEGIN;" "$work/ceiling.sql"; then
  statements=$((statements - 1))
  pg_options="-c role=scriptorium_app"  # the role the server acts as (kernel::db::RUNTIME_ROLE)
  scoped="   (3 of them the request's transaction: BEGIN, its tenant, COMMIT; the server sends the first two as one message)"
fi
echo "document: $(wc -c <"$work/body.json") bytes   statements per request: $statements${scoped:-}"
[ -z "${BENCH_SHOW_SQL:-}" ] || cut -c1-400 "$work/ceiling.sql"
[ -z "${BENCH_SAVE_SQL:-}" ] || cp "$work/ceiling.sql" "$BENCH_SAVE_SQL"  # to replay it by hand

# Every response is checked: a GraphQL error (or, for the hostile scenarios, a missing refusal)
# counts as a failure, and any failure fails the run.
if [ "$SCENARIO" = hostile ] || [ "$SCENARIO" = hostile-large ]; then EXPECT="$CHECK"; else EXPECT=""; fi
# The requests: the scenario's one document, or (payments, below) a distinct order per request.
cat >"$work/requests.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant"] = "essays"
wrk.headers["Authorization"] = "Bearer $token"
local f = io.open("$work/body.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA
# The check every scenario's responses go through (each wrk thread counts its own errors).
cat >"$work/check.lua" <<LUA
local expect = "$EXPECT"
local threads = {}
errors = 0
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function response(status, headers, body)
  local failed
  if expect ~= "" then failed = not body:find(expect, 1, true)
  else failed = status ~= 200 or body:find('"errors"', 1, true) end
  if failed then
    if errors == 0 and id == 0 then io.write("first error: " .. body:sub(1, 300) .. "\n") end
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("errors") end
  io.write(string.format("graphql errors: %d of %d\n", failed, summary.requests))
end
LUA

start_server warn
if [ "$SCENARIO" = payments ]; then
  # enough distinct unpaid orders that none is paid twice in the run
  python3 scripts/bench_payments_prepare.py "$PORT" 16 "${BENCH_ORDERS_PER_CLIENT:-600}" "$work/requests.lua"
fi
cat "$work/requests.lua" "$work/check.lua" >"$work/load.lua"

# CPU seconds (user + system) of a process, and of every PostgreSQL process together.
ticks=$(getconf CLK_TCK)
cpu_of() { awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_cpu() { awk -v t="$ticks" '/^cpu / { printf "%.3f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat; }  # the whole machine
pg_cpu() { local s=0 p; for p in $(pgrep -x postgres || pgrep postgres || true); do s=$(echo "$s + $(cpu_of "$p")" | bc); done; echo "$s"; }

echo "scenario: $SCENARIO  backend: ${DATABASE_URL%%:*}  duration: ${DURATION}s  connections: $CONNECTIONS"
server_before=$(cpu_of "$server"); pg_before=$(pg_cpu)
# the load generator's own CPU (user + system seconds) competes for the same cores
TIMEFORMAT='%U %S'
{ time wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/load.lua" "http://127.0.0.1:$PORT/graphql" >"$work/wrk.txt"; } 2>"$work/wrk.cpu"
server_after=$(cpu_of "$server"); pg_after=$(pg_cpu)
grep -E "graphql errors|first error" "$work/wrk.txt" | cut -c1-300 || true
if [ "$SCENARIO" = payments ]; then
  echo "ledger after the run: $(post -H "Authorization: Bearer $token" -d '{"query":"{ ledgerIntegrity { balanced accounts entries mismatches } }"}')"
fi
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
wrk_errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk.txt")
rss=$(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$server/status")
per_request() { echo "scale=3; ($2 - $1) * 1000 / $requests" | bc; }
echo "requests/s: $rps   p50: $p50   p99: $p99   server peak RSS: $rss"
echo "CPU per request: server $(per_request "$server_before" "$server_after") ms   PostgreSQL $(per_request "$pg_before" "$pg_after") ms   wrk $(per_request 0 "$(awk '{print $1 + $2}' "$work/wrk.cpu")") ms"
stop_server

# The ceiling: the same request's statements replayed by pgbench, prepared, over as many
# connections for as long, on the same database.
if [[ "$DATABASE_URL" == postgres* ]] && [ "$statements" -gt 0 ]; then
  busy_before=$(busy_cpu)
  { time PGOPTIONS="${pg_options:-}" pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "$work/ceiling.sql" "$DATABASE_URL" >"$work/pgbench.txt" 2>&1; } 2>"$work/pgbench.cpu" ||
    { echo "pgbench failed:"; cat "$work/pgbench.txt"; exit 1; }
  busy_after=$(busy_cpu)
  ceiling=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.txt")
  replayed=$(awk '/number of transactions actually processed/ {print $NF; exit}' "$work/pgbench.txt")
  echo "ceiling (pgbench, the request's $statements statements, prepared): $ceiling requests/s   server at $(echo "scale=1; $rps * 100 / $ceiling" | bc)% of it"
  requests=$replayed
  # pgbench's connections end with it, so PostgreSQL's share is the machine's less pgbench's
  pgbench_cpu=$(awk '{print $1 + $2}' "$work/pgbench.cpu")
  echo "CPU per replayed request: PostgreSQL $(per_request "$pgbench_cpu" "$(echo "$busy_after - $busy_before" | bc)") ms   pgbench $(per_request 0 "$pgbench_cpu") ms"
fi
[ -z "$wrk_errors" ] || { echo "wrk reported: $wrk_errors"; exit 1; }
grep -q "graphql errors: 0 of" "$work/wrk.txt" || { echo "FAILED: some responses were errors"; exit 1; }

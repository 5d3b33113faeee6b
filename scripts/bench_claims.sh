#!/usr/bin/env bash
# The claim storm (`scripts/bench.sh claims [editors] [tasks]`, 50 and 100 by default): seeds the
# benchmark data (`seed-demo --scale`, 100,000 orders and 20,000 editing tasks, once) and a fresh
# pool of T tasks (`--editing-pool T`), starts the release server, signs in E of the 50 scale
# editors (`scale-editor-0` ...) and the admin, who raises the editors' limits to 100
# (`updateEditorProfile`), then every editor, released at once (one thread and one keep-alive
# connection each), tries to claim every pool task in its own random order
# (`claimEditingTask`), skipping the tasks it has seen taken (a claim answered `CONFLICT`),
# until all are taken; any other answer (a `NOT_FOUND` too: every editor sees every pool task)
# fails the run. Prints claims/s
# (successful claims over the wall time from the release to the last answer), the attempts,
# the lost races and the latency of an attempt, then checks that every pool task was claimed
# exactly once, by the editor whose claim succeeded: through the API (as the admin,
# `editingTasks(filter: {status: CLAIMED})`) and in PostgreSQL (the task rows, and one `CLAIMED`
# step each in `editing_task_events`). Exits 1 when any check fails.
#
# Afterwards the editors' limits are put back, and (unless BENCH_KEEP=1, or a check failed) the
# storm's tasks are deleted with their history, order access and timeline entries, so every run
# starts from the same data. PostgreSQL only (DATABASE_URL names an existing database; the
# check reads it with psql). BENCH_ORDERS changes the order count; BENCH_BIN names another
# binary to load.
set -euo pipefail
cd "$(dirname "$0")/.."
EDITORS="${1:-50}"
TASKS="${2:-100}"
PORT="${BENCH_PORT:-18090}"
ORDERS="${BENCH_ORDERS:-100000}"
if [ -z "${DATABASE_URL:-}" ]; then
  echo "the claim storm runs on PostgreSQL: set DATABASE_URL=postgres://.../db (it must exist)" >&2
  exit 2
fi
case "$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must name a PostgreSQL database" >&2; exit 2 ;; esac
[ "$EDITORS" -ge 1 ] && [ "$EDITORS" -le 50 ] || { echo "editors: 1 to 50 (the scale editors)" >&2; exit 2; }
[ "$TASKS" -ge 1 ] || { echo "tasks: at least 1" >&2; exit 2; }
command -v psql >/dev/null || { echo "psql is missing (PostgreSQL's client tools)" >&2; exit 1; }
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release -q -p gateway; fi
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
# psql past the row-level security (the policies let a connection with app.cross_tenant see all)
sql() { PGOPTIONS="-c app.cross_tenant=on" psql -XAtq -v ON_ERROR_STOP=1 -F ' ' "$DATABASE_URL" -c "$1"; }

# the benchmark data, then the pool: the pool's tasks are the newest (opened together, at one
# moment) and still available
SCRIPTORIUM_LOG_FORMAT=text "$BIN" seed-demo --scale "$ORDERS" --editing-pool "$TASKS" >"$work/seed.txt"
added=$(grep -o '[0-9]* editing tasks added to the essays pool' "$work/seed.txt" | awk '{print $1}')
[ "${added:-0}" -eq "$TASKS" ] || { echo "the pool has ${added:-no} tasks, not $TASKS:"; cat "$work/seed.txt"; exit 1; }
sql "SELECT id FROM editing_tasks t WHERE t.tenant_id = (SELECT id FROM tenants WHERE slug = 'essays')
       AND t.status = 'AVAILABLE'
       AND t.created_at = (SELECT max(created_at) FROM editing_tasks WHERE tenant_id = t.tenant_id)
     ORDER BY id" >"$work/pool"
[ "$(wc -l <"$work/pool")" -eq "$TASKS" ] || { echo "found $(wc -l <"$work/pool") pool tasks in the database, not $TASKS"; exit 1; }
ids=$(sed "s/.*/'&'/" "$work/pool" | paste -sd, -)

RUST_LOG=warn SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }

cat >"$work/storm.py" <<'PY'
"""The storm: sign-ins, limits, the claims at once, the limits back, the check through the API.
Writes "task editor" for each successful claim to the winners file.

    storm.py PORT EDITORS POOL_FILE WINNERS_FILE
"""
import http.client
import json
import random
import sys
import threading
import time

port, editors, pool_file, winners_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
pool = [line.strip() for line in open(pool_file) if line.strip()]
LIMIT = 100  # the most an editor may hold (editors::MAX_TASKS)


def call(conn, query, variables=None, token=None):
    headers = {"Content-Type": "application/json", "X-Tenant": "essays"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables or {}}), headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
    return json.loads(body)


def must(conn, query, variables=None, token=None):
    answer = call(conn, query, variables, token)
    if answer.get("errors"):
        raise SystemExit(f"{query[:70]}...: {answer['errors']}")
    return answer["data"]


def connect():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.connect()
    return conn


SIGN_IN = "mutation($e: String!) { signIn(input: {email: $e, password: \"demo-password\"}) { token user { id } } }"
setup = connect()
admin = must(setup, SIGN_IN, {"e": "admin@essays.test"})["signIn"]["token"]
people = []  # (token, user id)
for i in range(editors):
    signed = must(setup, SIGN_IN, {"e": f"scale-editor-{i}@essays.test"})["signIn"]
    people.append((signed["token"], signed["user"]["id"]))

# each editor's limit raised so the whole pool fits (put back afterwards)
PROFILE = "query($id: ID) { editorProfile(id: $id) { maxConcurrentTasks activeTasks } }"
SET_LIMIT = "mutation($id: ID!, $n: Int!) { updateEditorProfile(editorId: $id, input: {maxConcurrentTasks: $n}) { maxConcurrentTasks } }"
limits = {}
for _, editor in people:
    limits[editor] = must(setup, PROFILE, {"id": editor}, admin)["editorProfile"]["maxConcurrentTasks"]
    must(setup, SET_LIMIT, {"id": editor, "n": LIMIT}, admin)

CLAIM = "mutation($id: ID!) { claimEditingTask(id: $id) { id status editorId } }"
lock = threading.Lock()
taken = set()
winners = []  # (task, editor)
latencies = []  # seconds, every attempt
counts = {"attempts": 0, "lost": 0, "full": 0}
problems = []
started = [0.0]
ended = []
barrier = threading.Barrier(editors, action=lambda: started.__setitem__(0, time.perf_counter()))


def storm(i):
    token, me = people[i]
    order = pool[:]
    random.Random().shuffle(order)  # each editor's own order
    try:
        conn = connect()  # before the release: no connection set-up in the measure
    except OSError as e:
        with lock:
            problems.append(f"editor {i} could not connect: {e}")
        barrier.abort()
        return
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        conn.close()
        return
    try:
        for task in order:
            with lock:
                if len(taken) == len(pool):
                    break
                if task in taken:
                    continue
            began = time.perf_counter()
            try:
                answer = call(conn, CLAIM, {"id": task}, token)
            except Exception as e:  # the connection failed: stop this editor
                with lock:
                    problems.append(f"editor {i}: {e}")
                return
            took = time.perf_counter() - began
            errors = answer.get("errors") or []
            code = (errors[0].get("extensions") or {}).get("code") if errors else None
            reason = (errors[0].get("extensions") or {}).get("reason") if errors else None
            claimed = (answer.get("data") or {}).get("claimEditingTask")
            with lock:
                counts["attempts"] += 1
                latencies.append(took)
                if claimed and not errors:
                    taken.add(task)
                    winners.append((task, me))
                    if claimed["id"] != task or claimed["status"] != "CLAIMED" or claimed["editorId"] != me:
                        problems.append(f"editor {i} claimed {task} but it answered {claimed}")
                elif code == "CONFLICT" and reason == "CAPACITY_FULL":
                    counts["full"] += 1
                    return  # this editor holds their limit: they claim no more
                elif code == "CONFLICT" and reason == "INVALID_TRANSITION":
                    counts["lost"] += 1  # another editor's claim came first
                    taken.add(task)
                else:
                    problems.append(f"editor {i}, task {task}: {errors or answer}")
                    return
    finally:
        with lock:
            ended.append(time.perf_counter())
        conn.close()


threads = [threading.Thread(target=storm, args=(i,)) for i in range(editors)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if not ended:
    raise SystemExit(f"FAILED: the storm did not start: {problems}")
wall = max(ended) - started[0]

for _, editor in people:
    must(setup, SET_LIMIT, {"id": editor, "n": limits[editor]}, admin)

latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0
print(f"claims/s: {len(winners) / wall:.1f}   wall: {wall:.3f} s   claimed: {len(winners)} of {len(pool)} tasks   "
      f"attempts: {counts['attempts']}   conflicts (lost races): {counts['lost']}"
      + (f"   editors at their limit: {counts['full']}" if counts["full"] else ""))
print(f"latency of an attempt: p50 {q(0.50):.1f} ms   p99 {q(0.99):.1f} ms   max {q(1.0):.1f} ms")
with open(winners_file, "w") as f:
    for task, editor in sorted(winners):
        f.write(f"{task} {editor}\n")

failed = list(problems)
by_task = {}
for task, editor in winners:
    by_task.setdefault(task, []).append(editor)
twice = {t: e for t, e in by_task.items() if len(e) > 1}
if twice:
    failed.append(f"claimed more than once: {twice}")
missing = set(pool) - set(by_task)
if missing:
    failed.append(f"never claimed: {sorted(missing)[:5]} ({len(missing)})")

# the API's view (as the admin): every claimed task of the site, the pool's among them
LIST = "query($after: String) { editingTasks(filter: {status: CLAIMED}, first: 100, after: $after) { edges { node { id status editorId } } pageInfo { hasNextPage endCursor } } }"
seen, after = {}, None
while True:
    page = must(setup, LIST, {"after": after}, admin)["editingTasks"]
    for edge in page["edges"]:
        seen[edge["node"]["id"]] = edge["node"]["editorId"]
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]
wrong = [t for t in pool if len(by_task.get(t, [])) != 1 or seen.get(t) != by_task[t][0]]
if wrong:
    failed.append(f"the API shows {len(wrong)} pool tasks not CLAIMED by their winner, e.g. {wrong[0]}: {seen.get(wrong[0])}")
else:
    print(f"API (admin, editingTasks CLAIMED): all {len(pool)} pool tasks claimed, each by the editor whose claim succeeded")
for line in failed:
    print(f"FAILED: {line}")
sys.exit(1 if failed else 0)
PY

echo "scenario: claims  backend: postgres  editors: $EDITORS  pool: $TASKS tasks"
status=0
python3 "$work/storm.py" "$PORT" "$EDITORS" "$work/pool" "$work/winners" || status=1
kill "$server"; wait "$server" 2>/dev/null || true; server=""

# PostgreSQL's view: each pool task CLAIMED, by its winner, with exactly one CLAIMED step
read -r rows distinct <<<"$(sql "SELECT count(*), count(DISTINCT id) FROM editing_tasks WHERE id IN ($ids) AND status = 'CLAIMED' AND editor_id IS NOT NULL")"
once=$(sql "SELECT count(*) FROM (SELECT t.id FROM editing_tasks t JOIN editing_task_events e ON e.task_id = t.id AND e.kind = 'CLAIMED'
              WHERE t.id IN ($ids) GROUP BY t.id HAVING count(*) = 1 AND bool_and(e.editor_id = t.editor_id)) claimed_once")
steps=$(sql "SELECT count(*) FROM editing_task_events WHERE task_id IN ($ids) AND kind = 'CLAIMED'")
sql "SELECT id, editor_id FROM editing_tasks WHERE id IN ($ids) AND status = 'CLAIMED' ORDER BY id" >"$work/holders"
echo "PostgreSQL: $rows of $TASKS pool tasks CLAIMED ($distinct distinct)   with exactly one CLAIMED step by their editor: $once   CLAIMED steps: $steps"
if [ "$rows" -ne "$TASKS" ] || [ "$distinct" -ne "$TASKS" ] || [ "$once" -ne "$TASKS" ] || [ "$steps" -ne "$TASKS" ]; then
  echo "FAILED: in PostgreSQL not every pool task was claimed exactly once"; status=1
elif ! diff -q <(sort "$work/winners") <(sort "$work/holders") >/dev/null; then
  echo "FAILED: the editors holding the pool tasks are not those whose claims succeeded:"
  diff <(sort "$work/winners") <(sort "$work/holders") | head -5; status=1
fi

if [ "$status" -ne 0 ] || [ -n "${BENCH_KEEP:-}" ]; then
  echo "the storm's tasks are kept: $(head -c 36 "$work/pool") and $((TASKS - 1)) more, opened together"
else
  # the storm's tasks go, with their steps, the editors' access to their orders and the orders'
  # EDITING_* timeline entries (the orders had no task before the pool's)
  sql "BEGIN;
       DELETE FROM order_editors WHERE order_id IN (SELECT order_id FROM editing_tasks WHERE id IN ($ids));
       DELETE FROM order_events WHERE kind LIKE 'EDITING\_%' AND order_id IN (SELECT order_id FROM editing_tasks WHERE id IN ($ids));
       DELETE FROM editing_task_events WHERE task_id IN ($ids);
       DELETE FROM editing_reviews WHERE task_id IN ($ids);
       DELETE FROM editing_tasks WHERE id IN ($ids);
       COMMIT;"
fi
exit "$status"

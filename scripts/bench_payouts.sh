#!/usr/bin/env bash
# A payout batch (`scripts/bench.sh payouts [requests] [writers]`, 10,000 and 100 by default):
# starts the release server on DATABASE_URL (a temporary SQLite database when unset), and through
# the API makes W new writers each earn (a completed order and a tip of their client) and ask
# for R/W payouts of 1.00 (the site pays out at once: `holdDays: 0`); then times, as the admin,
# `createPayoutBatch` (all R requests in one batch), the batch's export (`payoutBatch { csv }`,
# checked: a header and R lines) and `markPayoutBatchPaid`, with the server's resident memory
# before and its peak after, and checks `ledgerIntegrity` (payouts payable holds what waits,
# each payout entry what its requests say). Exits 1 when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-10000}"
WRITERS="${2:-100}"
PORT="${BENCH_PORT:-18090}"
[ "$WRITERS" -ge 1 ] && [ "$REQUESTS" -ge "$WRITERS" ] || { echo "requests >= writers >= 1" >&2; exit 2; }
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release -q -p gateway; fi
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}"
RUST_LOG=warn SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }

cat >"$work/payouts.py" <<'PY'
"""Earnings and payout requests through the API, then the batch, timed, with the server's memory.

    payouts.py PORT REQUESTS WRITERS SERVER_PID
"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

port, requests, writers, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
url = f"http://127.0.0.1:{port}/graphql"


def gql(query, variables=None, token=None):
    headers = {"Content-Type": "application/json", "X-Tenant": "essays"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=600) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"{query[:70]}...: {answer['errors']}")
    return answer["data"]


def memory(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return f"{int(line.split()[1]) / 1024:.1f} MB"


sign_in = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token user { id } } }"
admin = gql(sign_in, {"e": "admin@essays.test", "p": "demo-password"})["signIn"]["token"]
gql('mutation { updatePayoutSettings(input: {holdDays: 0, minimum: "1.00"}) { holdDays } }', None, admin)
gql("mutation { updateEditingSettings(input: {policy: NEVER}) { policy } }", None, admin)
catalog = gql("{ orderCatalog { paperTypes { id code } academicLevels { id code } subjects { id code } workTypes { id code } } }", None, admin)["orderCatalog"]
pick = lambda kind, code: next(e["id"] for e in catalog[kind] if e["code"] == code)
spec = {
    "topic": "Benchmark payout", "pages": 1, "paperTypeId": pick("paperTypes", "essay"),
    "academicLevelId": pick("academicLevels", "undergraduate"), "subjectId": pick("subjects", "english"),
    "workTypeId": pick("workTypes", "writing"), "deadline": (datetime.now(timezone.utc) + timedelta(days=10)).isoformat(),
}
stamp = datetime.now().strftime("%Y%m%d%H%M%S")
ACT = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id } }"
per_writer = requests // writers


def user(email, role):
    gql("mutation($e: String!, $r: Role!) { createUser(input: {email: $e, password: \"bench-password\", displayName: \"Bench\", role: $r}) { id } }", {"e": email, "r": role}, admin)
    return gql(sign_in, {"e": email, "p": "bench-password"})["signIn"]


def earn_and_ask(i):
    """A client and a writer of their own: one completed order, a tip that covers the payouts,
    then the writer's requests (the last writer asks for what the division leaves)."""
    client = user(f"bench-payer-{stamp}-{i}@essays.test", "CLIENT")
    writer = user(f"bench-payee-{stamp}-{i}@essays.test", "WRITER")
    asks = per_writer + (requests - per_writer * writers if i == writers - 1 else 0)
    gql("mutation($u: ID!) { adjustWallet(userId: $u, amount: \"100000.00\", direction: CREDIT, reason: \"benchmark funds\") { balance } }", {"u": client["user"]["id"]}, admin)
    order = gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", {"i": spec}, client["token"])["placeOrder"]["id"]
    gql("mutation($id: ID!) { payOrderFromWallet(orderId: $id) { id } }", {"id": order}, client["token"])
    gql("mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }", {"id": order, "w": writer["user"]["id"]}, admin)
    gql(ACT, {"id": order, "a": "ACCEPT_ASSIGNMENT"}, writer["token"])
    gql(ACT, {"id": order, "a": "SUBMIT"}, writer["token"])
    gql(ACT, {"id": order, "a": "APPROVE"}, client["token"])
    gql("mutation($id: ID!, $a: Decimal!) { tipWriterFromWallet(orderId: $id, amount: $a) { id } }", {"id": order, "a": f"{asks * 2}.00"}, client["token"])
    for _ in range(asks):
        gql('mutation { requestPayout(amount: "1.00") { id } }', None, writer["token"])


started = time.monotonic()
with ThreadPoolExecutor(max_workers=8) as pool:
    list(pool.map(earn_and_ask, range(writers)))
print(f"prepared {requests} payout requests of {writers} writers in {time.monotonic() - started:.1f} s")
print(f"server memory before the batch: {memory('VmRSS')} (peak so far {memory('VmHWM')})")

started = time.monotonic()
batch = gql("mutation { createPayoutBatch { id requestCount total } }", None, admin)["createPayoutBatch"]
created = time.monotonic() - started
started = time.monotonic()
csv = gql("query($id: ID!) { payoutBatch(id: $id) { csv } }", {"id": batch["id"]}, admin)["payoutBatch"]["csv"]
exported = time.monotonic() - started
started = time.monotonic()
gql("mutation($id: ID!) { markPayoutBatchPaid(id: $id, externalReference: \"BENCH\") { status } }", {"id": batch["id"]}, admin)
paid = time.monotonic() - started
lines = csv.count("\n")
print(f"createPayoutBatch: {created:.2f} s for {batch['requestCount']} requests ({batch['total']})")
print(f"export (csv): {exported:.2f} s, {len(csv) / 1e6:.2f} MB, {lines} lines")
print(f"markPayoutBatchPaid: {paid:.2f} s")
print(f"server memory after: {memory('VmRSS')} (peak {memory('VmHWM')})")
ledger = gql("{ ledgerIntegrity { balanced mismatches } }", None, admin)["ledgerIntegrity"]
print(f"ledger after the batch: {ledger}")
ok = batch["requestCount"] >= requests and lines == batch["requestCount"] + 1 and ledger["balanced"]
sys.exit(0 if ok else 1)
PY
python3 "$work/payouts.py" "$PORT" "$REQUESTS" "$WRITERS" "$server"

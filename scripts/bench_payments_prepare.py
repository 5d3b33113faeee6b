#!/usr/bin/env python3
"""Prepares the payments benchmark through the API: CLIENTS new clients of `essays`, each
funded by an admin and with ORDERS unpaid orders, a tenth as many paid orders and a twentieth as
many completed ones (each client's by a new writer of its own) and a twentieth as many paid ones to
grow, then writes the requests of a wrk Lua script, one distinct order per request: pay the unpaid
ones, cancel the paid ones (a cancellation's refund), tip the writer of the completed ones, add a
page to the ones to grow (priced at their own rates, paid from the wallet at once), mixed
(bench.sh adds the check of every response).

    bench_payments_prepare.py PORT CLIENTS ORDERS OUT.lua
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

port, clients, orders, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
url = f"http://127.0.0.1:{port}/graphql"


def gql(query, variables=None, token=None):
    headers = {"Content-Type": "application/json", "X-Tenant": "essays"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body, headers)) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"{query[:60]}...: {answer['errors']}")
    return answer["data"]


admin = gql('mutation { signIn(input: {email: "admin@essays.test", password: "demo-password"}) { token } }')["signIn"]["token"]
# the completed orders go straight to their client: no editor, and room for their writers
gql("mutation { updateEditingSettings(input: {policy: NEVER}) { policy } }", None, admin)
for level in gql("{ writerLevels { id } }", None, admin)["writerLevels"]:
    gql("mutation($l: ID!) { updateWriterLevelRules(levelId: $l, input: { maxActiveOrders: 100 }) { id } }", {"l": level["id"]}, admin)
ACT = "mutation($id: ID!, $a: OrderAction!) { performOrderAction(orderId: $id, action: $a) { id } }"
catalog = gql("{ orderCatalog { paperTypes { id code } academicLevels { id code } subjects { id code } workTypes { id code } } }")["orderCatalog"]
pick = lambda kind, code: next(e["id"] for e in catalog[kind] if e["code"] == code)
spec = {
    "topic": "Benchmark payment",
    "paperTypeId": pick("paperTypes", "essay"),
    "academicLevelId": pick("academicLevels", "undergraduate"),
    "subjectId": pick("subjects", "english"),
    "workTypeId": pick("workTypes", "writing"),
    "pages": 2,
    "deadline": (datetime.now(timezone.utc) + timedelta(days=10)).isoformat(),
}
stamp = datetime.now().strftime("%Y%m%d%H%M%S")


def client(i):
    email = f"bench-payer-{stamp}-{i}@essays.test"
    # created by the admin (sign-up answers only a message, and is throttled per address), then signed in
    gql("mutation($e: String!) { createUser(input: {email: $e, password: \"bench-password\", displayName: \"Payer\", role: CLIENT}) { id } }", {"e": email}, admin)
    signed = gql("mutation($e: String!) { signIn(input: {email: $e, password: \"bench-password\"}) { token user { id } } }", {"e": email})["signIn"]
    gql("mutation($u: ID!) { adjustWallet(userId: $u, amount: \"1000000.00\", direction: CREDIT, reason: \"benchmark funds\") { balance } }", {"u": signed["user"]["id"]}, admin)
    token = signed["token"]
    # each client's completed orders have their own new writer (a writer takes at most 100 a day)
    writer_email = f"bench-writer-{stamp}-{i}@essays.test"
    gql("mutation($e: String!) { createUser(input: {email: $e, password: \"bench-password\", displayName: \"Bench Writer\", role: WRITER}) { id } }", {"e": writer_email}, admin)
    writer = gql("mutation($e: String!) { signIn(input: {email: $e, password: \"bench-password\"}) { token user { id } } }", {"e": writer_email})["signIn"]
    place = lambda: gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", {"i": spec}, token)["placeOrder"]["id"]
    unpaid = [place() for _ in range(orders)]
    paid = [place() for _ in range(max(1, orders // 10))]
    for order in paid:
        gql("mutation($id: ID!) { payOrderFromWallet(orderId: $id) { id } }", {"id": order}, token)
    grow = [place() for _ in range(max(1, orders // 20))]
    for order in grow:
        gql("mutation($id: ID!) { payOrderFromWallet(orderId: $id) { id } }", {"id": order}, token)
    done = [place() for _ in range(max(1, min(orders // 20, 90)))]
    for order in done:
        gql("mutation($id: ID!) { payOrderFromWallet(orderId: $id) { id } }", {"id": order}, token)
        gql("mutation($id: ID!, $w: ID!) { assignWriter(orderId: $id, writerId: $w) { id } }", {"id": order, "w": writer["user"]["id"]}, admin)
        gql(ACT, {"id": order, "a": "ACCEPT_ASSIGNMENT"}, writer["token"])
        gql(ACT, {"id": order, "a": "SUBMIT"}, writer["token"])
        gql(ACT, {"id": order, "a": "APPROVE"}, token)
    # each client's requests in a mix: a cancellation, half a tip and half a page increase every
    # ten payments
    mixed = [(token, o, "pay") for o in unpaid] + [(token, o, "cancel") for o in paid] + [(token, o, "tip") for o in done]
    mixed += [(token, o, "grow") for o in grow]
    mixed.sort(key=lambda r: hash(r[1]))
    return mixed


with ThreadPoolExecutor(max_workers=8) as pool:
    per_client = list(pool.map(client, range(clients)))
# interleave clients so concurrent requests come from different clients
pairs = [p for group in zip(*per_client) for p in group]
lua_pairs = ",\n".join(f'{{"{t}","{o}","{k}"}}' for t, o, k in pairs)
with open(out, "w") as f:
    f.write(f"""local pairs = {{
{lua_pairs}
}}
-- bench.sh runs wrk with two threads; thread N takes pairs N+1, N+3, ...
function init(args)
  count, next_pair = 2, id + 1
end
function request()
  local pair = pairs[next_pair]
  next_pair = next_pair + count
  if pair == nil then pair = pairs[1] end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Tenant"] = "essays"
  wrk.headers["Authorization"] = "Bearer " .. pair[1]
  local id = '\\\\"' .. pair[2] .. '\\\\"'
  local op
  if pair[3] == "cancel" then op = "performOrderAction(orderId: " .. id .. ", action: CANCEL) {{ id status }}"
  elseif pair[3] == "grow" then op = "requestPageIncrease(orderId: " .. id .. ", addPages: 1, payFromWallet: true) {{ id status }}"
  elseif pair[3] == "tip" then op = "tipWriterFromWallet(orderId: " .. id .. ', amount: \\\\"2.00\\\\") {{ id tip }}'
  else op = "payOrderFromWallet(orderId: " .. id .. ") {{ id status }}" end
  return wrk.format("POST", nil, nil, '{{"query":"mutation {{ ' .. op .. ' }}"}}')
end
""")
kinds = {k: sum(1 for p in pairs if p[2] == k) for k in ("pay", "cancel", "tip", "grow")}
print(f"{len(pairs)} requests of {clients} funded clients ready: {kinds}", file=sys.stderr)

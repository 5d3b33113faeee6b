#!/usr/bin/env python3
"""Prepares the payments benchmark through the API: CLIENTS new clients of `essays`, each
funded by an admin and with ORDERS unpaid orders, then writes the requests of a wrk Lua script
that pays them, one distinct order per request (bench.sh adds the check of every response).

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
    ids = [gql("mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }", {"i": spec}, signed["token"])["placeOrder"]["id"] for _ in range(orders)]
    return [(signed["token"], order) for order in ids]


with ThreadPoolExecutor(max_workers=8) as pool:
    per_client = list(pool.map(client, range(clients)))
# interleave clients so concurrent requests come from different clients
pairs = [p for group in zip(*per_client) for p in group]
lua_pairs = ",\n".join(f'{{"{t}","{o}"}}' for t, o in pairs)
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
  return wrk.format("POST", nil, nil, '{{"query":"mutation {{ payOrderFromWallet(orderId: \\\\"' .. pair[2] .. '\\\\") {{ id status }} }}"}}')
end
""")
print(f"{len(pairs)} unpaid orders of {clients} funded clients ready", file=sys.stderr)

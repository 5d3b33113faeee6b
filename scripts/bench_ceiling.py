#!/usr/bin/env python3
"""Turns the SQL log of one request (the server's JSON log, `scriptorium::sql` at debug) into a
pgbench script of the same statements, one per line, so that `pgbench -M prepared` measures
what the database alone can do for that request: the ceiling the server is compared with.

    bench_ceiling.py SERVER_LOG TOKEN > ceiling.sql

Statements that touch a secret column are logged without their values; the one such statement
a read request makes, the session lookup, gets them back here: the token's SHA-256 (computed
from TOKEN, as the server does), its row limit and the time. Any other withheld statement is an error.
"""
import hashlib
import json
import re
import sys

log, token = sys.argv[1], sys.argv[2]
digest = hashlib.sha256(token.encode()).hexdigest()
lines = []
for line in open(log):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if event.get("target") != "scriptorium::sql":
        continue
    sql = event["sql"]
    withheld = re.search(r" -- \d+ values withheld$", sql)
    if withheld:
        sql = sql[: withheld.start()]
        if "token_hash" not in sql:
            sys.exit(f"cannot replay a statement whose values were withheld: {sql}")
        sql = re.sub(r'("token_hash" = )\$\d+', lambda m: f"{m.group(1)}'{digest}'", sql)
        sql = re.sub(r"LIMIT \$\d+", "LIMIT 1", sql)
        sql = re.sub(r"\$\d+", "now()", sql)  # the session's expiry is compared with the time
    lines.append(sql.replace("\n", " ") + ";")

# On PostgreSQL a request's own work runs in one transaction scoped to its tenant (the logged
# `set_config` begins it; the statements before it, finding the tenant and the session, run on
# the server's system pool, whose connections set app.cross_tenant): the replay does the same,
# under the same role (bench.sh runs it as the server's runtime role then).
scope = next((i for i, sql in enumerate(lines) if sql.startswith("SELECT set_config('app.tenant_id'")), None)
if scope is not None:
    lines = ["SET app.cross_tenant = 'on';"] + lines[:scope] + ["BEGIN;"] + lines[scope:] + ["COMMIT;"]
print("\n".join(lines))

#!/usr/bin/env bash
# The e-mail benchmark (`scripts/bench.sh mail [n] [workers] [producers]`): W workers run while P
# producers write N notifications, each in its own committed transaction, and the workers send
# them over SMTP to a sink on loopback (Python's aiosmtpd, which accepts and drops every
# message; installed from PyPI when missing) (gateway/examples/mail_throughput.rs). Prints
# e-mails/s and the latency from commit to the server's acceptance. SQLite in a temporary folder
# unless DATABASE_URL names a PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
WORKERS="${2:-2}"
PRODUCERS="${3:-4}"
PORT="${BENCH_SMTP_PORT:-18025}"
python3 -c 'import aiosmtpd' 2>/dev/null || { echo "installing aiosmtpd"; python3 -m pip install --quiet aiosmtpd; }
cargo build --release -q -p gateway --example mail_throughput
BIN="${CARGO_TARGET_DIR:-target}/release/examples/mail_throughput"
work=$(mktemp -d)
python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink >"$work/sink.log" 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/mail.db?mode=rwc}"
backend=sqlite; case "$DATABASE_URL" in postgres*) backend=postgres ;; esac
echo "scenario: mail  backend: $backend  e-mails: $N  workers: $WORKERS  producers: $PRODUCERS  sink: aiosmtpd on 127.0.0.1:$PORT"
RUST_LOG=warn SCRIPTORIUM_SMTP_URL="smtp://127.0.0.1:$PORT" "$BIN" "$N" "$WORKERS" "$PRODUCERS"

#!/usr/bin/env bash
# Order files' benchmark (`scripts/bench.sh files [uploads] [megabytes] [parallel]`): a client
# uploads N files of M MB each (a PDF by its content), P at a time, as GraphQL multipart requests
# (`attachOrderFiles`, one file a request, spread over the client's orders), then downloads every
# one through its signed URL, P at a time, and checks each download's SHA-256 against the upload.
# Prints MB/s both ways and the server's resident memory before and at its peak: the bytes stream
# (to a temporary file as they arrive, from it to the store; from the store to the socket), so
# the peak stays far below P × M. The ceilings are the same work without the server (below).
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS="${1:-40}"
MEGABYTES="${2:-20}"
PARALLEL="${3:-4}"
PORT="${BENCH_PORT:-18090}"
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release -q -p gateway; fi
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/scriptorium}"
command -v jq >/dev/null || { echo "installing jq"; apt-get update -qq && apt-get install -y -qq jq >/dev/null; }

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}"
SCRIPTORIUM_FILES="$work/store" SCRIPTORIUM_UPLOAD_MAX_MB=$((MEGABYTES + 1)) RUST_LOG=warn \
  SCRIPTORIUM_BIND="127.0.0.1:$PORT" "$BIN" serve --demo >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
API="http://127.0.0.1:$PORT/graphql"
gql() { # $1 token, $2 query, $3 variables
  curl -sf "$API" -H 'Content-Type: application/json' -H 'X-Tenant: essays' ${1:+-H "Authorization: Bearer $1"} \
    -d "$(jq -n --arg q "$2" --argjson v "${3:-{\}}" '{query: $q, variables: $v}')"
}
token=$(gql "" 'mutation { signIn(input: {email: "client@essays.test", password: "demo-password"}) { token } }' | jq -r .data.signIn.token)
# orders of the client to attach to (placed unpaid: they take files), one per 50 uploads (an
# order holds at most 100 files)
catalog=$(gql "$token" '{ orderCatalog { paperTypes { id } academicLevels { id } subjects { id } workTypes { id } } }')
input=$(echo "$catalog" | jq '.data.orderCatalog | { topic: "Files benchmark", pages: 3, deadline: (now + 10*86400 | todate),
  paperTypeId: .paperTypes[0].id, academicLevelId: .academicLevels[0].id, subjectId: .subjects[0].id, workTypeId: .workTypes[0].id }')
for _ in $(seq 1 $(((UPLOADS + 49) / 50))); do
  gql "$token" 'mutation($i: OrderSpecInput!) { placeOrder(input: $i) { id } }' "{\"i\": $input}" | jq -r .data.placeOrder.id
done >"$work/orders"
grep -qv null "$work/orders" || { echo "could not place an order:"; cat "$work/orders"; exit 1; }

# one file: a PDF header, then random bytes
{ printf '%%PDF-1.7\n'; head -c $((MEGABYTES * 1024 * 1024 - 9)) /dev/urandom; } >"$work/work.pdf"
sum=$(sha256sum "$work/work.pdf" | cut -d' ' -f1)
rss() { awk -v k="$1" '$1 == k":" {printf "%.1f", $2/1024}' "/proc/$server/status"; }
echo "scenario: files  backend: ${DATABASE_URL%%:*}  uploads: $UPLOADS of $MEGABYTES MB  parallel: $PARALLEL"
echo "server RSS at rest: $(rss VmRSS) MB"

upload() { # $1: the order
  curl -sf "$API" -H "Authorization: Bearer $token" -H 'X-Tenant: essays' \
    -F operations="{\"query\": \"mutation(\$id: ID!, \$files: [Upload!]!) { attachOrderFiles(orderId: \$id, files: \$files) { sha256 } }\", \"variables\": {\"id\": \"$1\", \"files\": [null]}}" \
    -F map='{"0": ["variables.files.0"]}' -F 0=@"$work/work.pdf"
}
export -f upload; export API token work
orders=$(wc -l <"$work/orders")
start=$(date +%s.%N)
for i in $(seq 0 $((UPLOADS - 1))); do sed -n "$((i % orders + 1))p" "$work/orders"; done |
  xargs -P "$PARALLEL" -I{} bash -c 'upload {}' >"$work/uploads.txt"
took=$(echo "$(date +%s.%N) - $start" | bc)
good=$(grep -o "\"sha256\":\"$sum\"" "$work/uploads.txt" | wc -l)  # the answers are not one a line
[ "$good" -eq "$UPLOADS" ] || { echo "FAILED: $good of $UPLOADS uploads stored the file intact:"; head -c 600 "$work/uploads.txt"; exit 1; }
echo "uploads: $(echo "scale=1; $UPLOADS * $MEGABYTES / $took" | bc) MB/s   $(echo "scale=1; $UPLOADS / $took" | bc) files/s   server peak RSS: $(rss VmHWM) MB (the files in flight: $((PARALLEL * MEGABYTES)) MB)"

# every file's signed URL, then the downloads
for order in $(sort -u "$work/orders"); do
  gql "$token" 'query($id: ID!) { order(id: $id) { files { url } } }' "{\"id\": \"$order\"}" | jq -r '.data.order.files[].url'
done >"$work/urls"
[ "$(wc -l <"$work/urls")" -ge "$UPLOADS" ] || { echo "FAILED: fewer files listed than uploaded"; exit 1; }
download() { curl -sf -H 'X-Tenant: essays' "http://127.0.0.1:$PORT$1" | sha256sum | cut -d' ' -f1; }
export -f download; export PORT
start=$(date +%s.%N)
xargs -P "$PARALLEL" -I{} bash -c 'download "{}"' <"$work/urls" >"$work/downloads.txt"
took=$(echo "$(date +%s.%N) - $start" | bc)
n=$(wc -l <"$work/urls")
good=$(grep -c "^$sum$" "$work/downloads.txt" || true)
[ "$good" -eq "$n" ] || { echo "FAILED: $good of $n downloads matched the upload"; exit 1; }
echo "downloads: $(echo "scale=1; $n * $MEGABYTES / $took" | bc) MB/s   $(echo "scale=1; $n / $took" | bc) files/s   server peak RSS: $(rss VmHWM) MB"
kill "$server"; wait "$server" 2>/dev/null || true; server=""

# the ceilings, the same work without the server, as many at a time: for uploads, the bytes
# copied file to file through user space (dd: an upload writes each byte twice, the spool and the
# store, and hashes it); for downloads, each file read and hashed (as the downloads above are)
mkdir -p "$work/copies"
start=$(date +%s.%N)
seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} dd if="$work/work.pdf" of="$work/copies/{}.pdf" bs=256K status=none
took=$(echo "$(date +%s.%N) - $start" | bc)
copy=$(echo "scale=1; $UPLOADS * $MEGABYTES / $took" | bc)
start=$(date +%s.%N)
seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} sh -c 'cat "$0" | sha256sum >/dev/null' "$work/copies/{}.pdf"
took=$(echo "$(date +%s.%N) - $start" | bc)
echo "ceilings: copy (dd, file to file) $copy MB/s   read and hash (cat | sha256sum) $(echo "scale=1; $UPLOADS * $MEGABYTES / $took" | bc) MB/s"

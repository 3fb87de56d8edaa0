#!/bin/sh
# Storage full: a node whose ledger reaches its size limit ([node] mapsize_mb, here 1 MiB)
# refuses the publication that does not fit with a clear error for the operator (503, "storage
# full", what to raise), stores nothing of it, keeps serving reads, says it is degraded on
# /healthz, and after a restart with a bigger limit takes the next publication where the log
# stood. The limit is the store's fixed map (no root, no small file system needed).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=remacto.ma/commune-full
P=$(free_port); A=$(free_port)
write_conf "$T/node.conf" "$T/data" "$O" "$P" "$A"
sed -i 's/^\[node\]$/[node]\nmapsize_mb = 1/' "$T/node.conf"
start_node "$T/node.conf" "$P" || { notok "remactod starts with a 1 MiB map"; finish; }
ok "remactod starts with a 1 MiB map"
TOKEN=$(cat "$T/data/admin.token")
PUB="http://127.0.0.1:$P"; ADM="http://127.0.0.1:$A"
post() { curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data-binary "@$1" "$ADM/api/v1/entries"; }
size() { curl -s "$PUB/api/v1/logs/commune-full" | $PY -c 'import json,sys; print(json.load(sys.stdin)["size"])'; }
# batch N COUNT: COUNT programmes of about 2 kB each, ids unique across batches.
batch() {
	$PY -c '
import json, sys
n, count = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps([{"schema": 1, "published": "2025-01-10T09:00:00Z",
    "programme": {"id": "P-%d-%d" % (n, i), "title": {"fr": "Programme %d %d " % (n, i) + "x" * 2000}}}
    for i in range(count)]))' "$1" "$2" > "$T/batch"
}

# Batches of 40 (about 80 kB) until the store refuses one; a bounded loop (1 MiB fills in
# far fewer than 100 batches).
n=0 code=200
while [ $n -lt 100 ]; do
	batch $n 40
	before=$(size)
	curl -s "$PUB/logs/commune-full/checkpoint" > "$T/cp.before"
	code=$(post "$T/batch")
	[ "$code" = 200 ] || break
	n=$((n + 1))
done
check_eq "a batch that does not fit is refused with 503" 503 "$code"
check "after some that did (the limit, not a broken node)" test "$n" -gt 0
check "the error says storage full and what to raise" \
	grep -q 'storage full.*mapsize_mb' "$T/resp"
check "and that nothing was stored" grep -q 'nothing was stored' "$T/resp"
check_eq "the log's size did not move" "$before" "$(size)"
check "the served checkpoint did not change" sh -c \
	"curl -s '$PUB/logs/commune-full/checkpoint' | cmp -s - '$T/cp.before'"
check "the node still serves reads: entries" sh -c \
	"curl -sf '$PUB/api/v1/logs/commune-full/entries?start=0&limit=2' | grep -q '\"index\":1'"
check "the node still serves reads: the log list" sh -c \
	"curl -sf '$PUB/api/v1/logs' | grep -q '\"slug\":\"commune-full\"'"
curl -s -o "$T/health" -w '%{http_code}' "$PUB/healthz" > "$T/health.code"
check_eq "/healthz answers 503 (degraded)" 503 "$(cat "$T/health.code")"
check "/healthz says why: storage full" grep -q '"status": *"degraded".*storage full' "$T/health"
check "the node's log names the failure" grep -q 'storage full' "$T/remactod.log"
# A small publication that fits the space left is still taken: the refusal was of that batch.
batch 1000 1
check_eq "a one-entry publication that fits is still taken" 200 "$(post "$T/batch")"
check_eq "at the next index" "$before" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["indexes"][0])' "$T/resp")"

check "remactod stops cleanly" stop_node
check "the data file stayed within the 1 MiB limit" test "$(stat -c %s "$T/data/data.mdb")" -le 1048576
sed -i 's/^mapsize_mb = 1$/mapsize_mb = 64/' "$T/node.conf"
start_node "$T/node.conf" "$P" || { notok "remactod restarts with a 64 MiB map"; finish; }
ok "remactod restarts with a 64 MiB map"
check_eq "it holds what it acknowledged" "$((before + 1))" "$(size)"
batch 2000 40
check_eq "the batch refused before now fits" 200 "$(post "$T/batch")"
check_eq "taken where the log stood" "$((before + 1))" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["indexes"][0])' "$T/resp")"
check_eq "/healthz is ok again" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$PUB/healthz")"
VK=$(curl -s "$PUB/api/v1/logs/commune-full" | $PY -c 'import json,sys; print(json.load(sys.stdin)["verifierKey"])')
check "Go's tlog checks every tile and bundle against the root" \
	goverify tiles "$PUB/logs/commune-full" "$VK"
finish

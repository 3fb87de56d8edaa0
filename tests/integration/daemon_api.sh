#!/bin/sh
# The node daemon end to end: publish through the admin API, read back through every read
# route, check tiles and proofs with Go's sumdb/tlog, the bad-input matrix (each answered with
# the right status and a JSON error, nothing stored), restart, and kill -9 under concurrent
# publishing (every acknowledged index still there).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=remacto.ma/rabat-prefecture
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
P=$(free_port); A=$(free_port)
write_conf "$T/node.conf" "$T/data" "$O" "$P" "$A"
check "remactod -n accepts the config" sh -c "'$BUILD/remactod' -n --config '$T/node.conf' | grep -qx 'configuration OK'"
echo "[public]" >> "$T/bad.conf"; echo "listen = 127.0.0.1:99999" >> "$T/bad.conf"
check "remactod -n names file:line of a bad value" sh -c \
	"'$BUILD/remactod' -n --config '$T/bad.conf' 2>&1 | grep -q 'bad.conf:2:'"
start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
ok "remactod starts and answers /healthz"
check_eq "admin token created with mode 0600" 600 "$(stat -c %a "$T/data/admin.token")"
TOKEN=$(cat "$T/data/admin.token")
PUB="http://127.0.0.1:$P"; ADM="http://127.0.0.1:$A"
post() { curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data-binary "@$1" "$ADM${2:-/api/v1/entries}"; }
cp_now() { curl -s "$PUB/logs/rabat-prefecture/checkpoint"; }

$PY -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$DEMO" > "$T/demo.json"
check_eq "POST of the demo programme as one batch" 200 "$(post "$T/demo.json")"
check_eq "the answer names indexes 0-18 and tree size 19" "0 18 19" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["indexes"][0], r["indexes"][-1], r["treeSize"])' "$T/resp")"
VK=$(curl -s "$PUB/api/v1/logs/rabat-prefecture" | $PY -c 'import json,sys; print(json.load(sys.stdin)["verifierKey"])')
cp_now > "$T/cp"
opened=$(goverify checkpoint "$VK" "$T/cp")
check_eq "checkpoint: origin and size" "$O 19" "${opened% *}"
check "checkpoint returned in the POST answer equals the served one" sh -c \
	"$PY -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))[\"checkpoint\"])' '$T/resp' | cmp -s - '$T/cp'"
check "GET /api/v1/logs lists the log" sh -c "curl -sf '$PUB/api/v1/logs' | grep -q '\"slug\":\"rabat-prefecture\"'"
# CSV starts with a UTF-8 byte order mark (csv_excel.sh checks it): the header follows it
BOM=$(printf '\357\273\277')
check "GET /api/v1/logs.csv has a header row" sh -c "curl -sf '$PUB/api/v1/logs.csv' | head -1 | grep -q '^${BOM}origin,slug,size,root'"
curl -s "$PUB/api/v1/logs/rabat-prefecture/entries?start=3&limit=2" > "$T/entries"
check_eq "entries?start=3&limit=2 gives entries 3 and 4" "3 4" \
	"$($PY -c 'import json,sys; print(*[e["index"] for e in json.load(open(sys.argv[1]))["entries"]])' "$T/entries")"
$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"][0]["raw"])' "$T/entries" > "$T/e3.b64"
curl -s "$PUB/api/v1/logs/rabat-prefecture/proof/inclusion?index=3&size=19" > "$T/p.json"
check "inclusion proof over HTTP verifies with Go's tlog.CheckRecord" goverify inclusion "$T/p.json" "$T/e3.b64"
curl -s "$PUB/api/v1/logs/rabat-prefecture/proof/consistency?old=7&size=19" > "$T/c.json"
check "consistency proof over HTTP verifies with Go's tlog.CheckTree" goverify consistency "$T/c.json"
check "Go's tlog reads every tile and entry bundle and checks them against the root" \
	goverify tiles "$PUB/logs/rabat-prefecture" "$VK"

# The domain view, current as soon as the POST was answered.
curl -s "$PUB/api/v1/commitments/rabat-prefecture/RBT-2024-01" > "$T/c1"
check_eq "a commitment's full history, in log order, with the log index of each entry" \
	"3:commitment 12:milestoneUpdate 14:statusUpdate 17:assessment" \
	"$($PY -c 'import json,sys; print(*["%d:%s" % (h["index"], h["kind"]) for h in json.load(open(sys.argv[1]))["history"]])' "$T/c1")"
check_eq "commitments filtered by principle" "RBT-2024-03" \
	"$(curl -s "$PUB/api/v1/commitments?member=rabat-prefecture&principle=citizen_participation" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(*[c["id"] for c in d["commitments"]])')"
check "commitments as CSV (Accept: text/csv) with stable columns" sh -c \
	"curl -s -H 'Accept: text/csv' '$PUB/api/v1/commitments' | head -1 | grep -q '^${BOM}member,id,programme_id,'"
check_eq "measurements of an indicator" "2" \
	"$(curl -s "$PUB/api/v1/measurements?member=rabat-prefecture&indicator=IND-AI-01" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["measurements"]))')"

# CSV round trip: export the measurements, edit a value, import: a new, visible entry.
curl -s "$PUB/api/v1/measurements.csv?member=rabat-prefecture&indicator=IND-AI-01" > "$T/m.csv"
$PY - "$T/m.csv" > "$T/m2.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[-1:]
body[0][head.index("period")] = "2025-Q3"
body[0][head.index("value")] = "17"
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(head)
w.writerows(body)
PYEOF
check_eq "POST /api/v1/import of the edited export" 200 "$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$T/m2.csv" "$ADM/api/v1/import")"
check_eq "the imported row is a new measurement with the edited value" "2025-Q3 17" \
	"$(curl -s "$PUB/api/v1/measurements?member=rabat-prefecture&indicator=IND-AI-01&period=2025-Q3" | $PY -c 'import json,sys; m=json.load(sys.stdin)["measurements"][0]; print(m["period"], int(m["value"]))')"
printf 'member,indicator_id,period,value\r\nrabat-prefecture,IND-AI-01,2025-Q4,abc\r\n' > "$T/bad.csv"
check_eq "an import with a bad row is refused whole, with the row named" "400 2" \
	"$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$T/bad.csv" "$ADM/api/v1/import") $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["rows"][0]["row"])' "$T/resp")"

# Past one full tile: immutable caching and level-0 full tiles.
$PY -c '
import json
print(json.dumps([{"schema": 1, "measurement": {"indicatorId": "IND-TR-03", "period": "2025-Q%d" % (i % 4 + 1), "value": i}} for i in range(300)]))' > "$T/more.json"
check_eq "POST of 300 measurements" 200 "$(post "$T/more.json")"
check "a full tile is served immutable" sh -c \
	"curl -sI '$PUB/logs/rabat-prefecture/tile/0/000' | grep -qi 'cache-control: public, max-age=31536000, immutable'"
check "a partial tile is short-lived" sh -c \
	"curl -sI '$PUB/logs/rabat-prefecture/tile/0/001.p/63' | grep -qi 'cache-control: public, max-age=5'"
check_eq "a full tile is 256 hashes" 8192 "$(curl -s "$PUB/logs/rabat-prefecture/tile/0/000" | wc -c)"
check_eq "a tile beyond the tree is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$PUB/logs/rabat-prefecture/tile/0/002")"
check_eq "a malformed tile path is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$PUB/logs/rabat-prefecture/tile/0/0.p/5")"
# Another spelling of tile 0/000 (a leading zero group) and an index past 2^64 that wrapped to
# 0 before: never served, so never cached as immutable under a second name.
for p in 0/x000/000 0/x018/x446/x744/x073/x709/x551/616 00/000 entries/x000/000; do
	check_eq "the non-canonical tile name $p is 404" "404 no-store" \
		"$(curl -s -o /dev/null -w '%{http_code} ' -D "$T/h" "$PUB/logs/rabat-prefecture/tile/$p"; tr -d '\r' < "$T/h" | awk -F': ' 'tolower($1) == "cache-control" { print $2 }')"
done
check "tiles of 320 entries verify with Go's tlog" goverify tiles "$PUB/logs/rabat-prefecture" "$VK" 7
check "/metrics is Prometheus text with log sizes" sh -c \
	"curl -sf '$PUB/metrics' | grep -q 'remacto_log_entries{origin=\"$O\"} 320'"

# The bad-input matrix: status, a JSON error, and nothing stored.
cp_now > "$T/before"
expect() {
	desc=$1 want=$2 got=$3
	if [ "$got" = "$want" ] && $PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["status"]==int(sys.argv[2]) and e["reason"]' "$T/resp" "$want" 2>/dev/null &&
		cp_now | cmp -s - "$T/before"; then
		ok "$desc: $got $(head -c 110 "$T/resp")"
	else
		notok "$desc: wanted $want, got $got $(head -c 200 "$T/resp" 2>/dev/null)"
	fi
}
printf '{"schema":1,"statusUpdate":' > "$T/b1"
expect "malformed JSON" 400 "$(post "$T/b1")"
echo '{"schema":1,"statusUpdate":{"commitmentId":"RBT-2024-01","date":"2025-11-01","completion":"COMPLETION_LIMITED","progressPercent":"lots"}}' > "$T/b2"
expect "wrong type" 400 "$(post "$T/b2")"
check "the error names the field" grep -q '"field":"statusUpdate.progressPercent"' "$T/resp"
echo '{"schema":1,"statusUpdate":{"commitmentId":"RBT-2024-01","date":"2025-11-01","completion":"COMPLETION_LIMITED","colour":"red"}}' > "$T/b3"
expect "unknown field" 400 "$(post "$T/b3")"
echo '{"schema":1,"horoscope":{"sign":"leo"}}' > "$T/b4"
expect "unknown kind" 400 "$(post "$T/b4")"
echo '{"schema":1,"statusUpdate":{"commitmentId":"NOPE-1","date":"2025-11-01","completion":"COMPLETION_LIMITED"}}' > "$T/b5"
expect "a status update naming no existing commitment" 400 "$(post "$T/b5")"
echo "[$(cat "$T/b5" | tr -d '\n'),$(sed -n 4p "$DEMO")]" > "$T/b6"
expect "a batch with one bad entry stores none" 400 "$(post "$T/b6")"
head -c 9000000 /dev/zero | tr '\0' ' ' > "$T/big"
expect "a body over the cap" 413 "$(post "$T/big")"
expect "no token" 401 "$(curl -s -o "$T/resp" -w '%{http_code}' --data-binary @"$T/b5" -H 'Content-Type: application/json' "$ADM/api/v1/entries")"
expect "a wrong token" 401 "$(curl -s -o "$T/resp" -w '%{http_code}' -H 'Authorization: Bearer 00000000000000000000000000000000' --data-binary @"$T/b5" "$ADM/api/v1/entries")"
expect "publishing on the public listener" 403 "$(curl -s -o "$T/resp" -w '%{http_code}' --data-binary @"$T/demo.json" "$PUB/api/v1/entries")"
expect "an unknown route" 404 "$(curl -s -o "$T/resp" -w '%{http_code}' "$PUB/api/v1/nothing")"
expect "an unknown log" 404 "$(curl -s -o "$T/resp" -w '%{http_code}' "$PUB/logs/nobody/checkpoint")"
expect "PUT" 405 "$(curl -s -o "$T/resp" -w '%{http_code}' -X PUT --data-binary @"$T/b5" "$PUB/api/v1/logs")"
expect "GET on the publishing route" 405 "$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$ADM/api/v1/entries")"
expect "a path traversal attempt" 404 "$(curl -s -o "$T/resp" -w '%{http_code}' --path-as-is "$PUB/logs/../../../etc/passwd")"
expect "an encoded traversal attempt" 404 "$(curl -s -o "$T/resp" -w '%{http_code}' --path-as-is "$PUB/logs/%2e%2e/%2e%2e/etc/passwd")"
expect "a bad query value" 400 "$(curl -s -o "$T/resp" -w '%{http_code}' "$PUB/api/v1/logs/rabat-prefecture/proof/inclusion?index=-1&size=19")"
# A slow client: headers promise 100 bytes, 10 arrive, then nothing; meanwhile others are served.
$PY - "$A" "$TOKEN" > "$T/slow" 2>&1 <<'PYEOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("POST /api/v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"schema\"" % sys.argv[2]).encode())
s.settimeout(30)
t0 = time.time()
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n")[0].decode(), round(time.time() - t0))
PYEOF
slow=$!
# A half-open client holds a connection without sending anything.
$PY -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(3)' "$P" &
half=$!
check "others are served while a slow and a half-open client hang on" curl -sf "$PUB/healthz"
wait $slow
check "the slow client gets 408 and the connection closes" grep -q "^HTTP/1.1 408" "$T/slow"
wait $half
check "the checkpoint did not change through the whole matrix" sh -c "curl -s '$PUB/logs/rabat-prefecture/checkpoint' | cmp -s - '$T/before'"

# Restart: everything is still there.
check "SIGTERM stops the node cleanly" stop_node
start_node "$T/node.conf" "$P" || notok "restart"
check "after a restart the checkpoint is the same" sh -c "curl -s '$PUB/logs/rabat-prefecture/checkpoint' | cmp -s - '$T/before'"

# kill -9 under concurrent publishing: every acknowledged index holds what was acknowledged.
for c in 1 2 3 4 5 6; do
	(
		i=0
		while [ $i -lt 300 ]; do
			printf '{"schema":1,"measurement":{"indicatorId":"IND-AI-01","period":"2026-Q1","value":%d}}' $((c * 1000 + i)) > "$T/one.$c"
			r=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "@$T/one.$c" "$ADM/api/v1/entries") || break
			idx=$(echo "$r" | sed -n 's/^{"indexes":\[\([0-9]*\)\].*/\1/p')
			[ -n "$idx" ] || break
			echo "$idx $((c * 1000 + i))" >> "$T/acked.$c"
			i=$((i + 1))
		done
	) &
done
# Let the clients run until some hundreds of entries are acknowledged (bounded wait).
n=0
while [ $n -lt 100 ] && [ "$(cat "$T"/acked.* 2>/dev/null | wc -l)" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null; NODE_PID=
wait
cat "$T"/acked.* > "$T/acked"
check "publishers got acknowledgements before the kill" test "$(wc -l < "$T/acked")" -gt 50
check "the data folder verifies after kill -9" "$REMACTO" log verify --data "$T/data" --origin "$O"
start_node "$T/node.conf" "$P" || notok "restart after kill -9"
missing=0
while read -r idx val; do
	v=$(curl -s "$PUB/api/v1/logs/rabat-prefecture/entries?start=$idx&limit=1" | $PY -c 'import json,sys; print(int(json.load(sys.stdin)["entries"][0]["entry"]["measurement"]["value"]))' 2>/dev/null)
	[ "$v" = "$val" ] || missing=$((missing + 1))
done < "$T/acked"
check_eq "every acknowledged index holds the acknowledged entry ($(wc -l < "$T/acked") checked)" 0 $missing
check "tiles still verify with Go's tlog after the crash" goverify tiles "$PUB/logs/rabat-prefecture" "$VK" 13
stop_node
finish

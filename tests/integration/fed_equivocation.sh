#!/bin/sh
# Federation: an equivocating member. Its data folder is copied while its node is stopped and
# each copy appends a different entry with `remacto log append`, signed by the same key: two
# validly signed checkpoints of size 20 with different roots. The member's node and a twin
# running the copy (same key, same origin) then join the federation at opposite ends of a
# line, so every node sees both. Every node must store the evidence and serve it, mark the log
# forked, keep everything it verified before, and the member's node must stop publishing.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/e" 3 line --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "3 members and the authority converge (line registry-m1-m2-m3)" wait_for 60 converged 4 $(nodes)
O3=$(origin_of m3) S3=$(slug_of m3)
entries_of() { get "$1" "/api/v1/logs/$S3/entries?start=0&limit=19" | $PY -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    print(e["index"], e["raw"])'; }
root19() { get "$1" "/api/v1/logs/$S3/proof/consistency?old=19&size=$(size_on "$1" "$O3")" | $PY -c 'import json, sys; print(json.load(sys.stdin)["root1"])'; }
for n in $(nodes); do entries_of "$n" > "$T/before.$n"; done
R19=$(view m1 | awk -v o="$O3" '$1 == o { print $3 }')
check_eq "m3's log holds 19 entries everywhere before" 19 "$(wc -l < "$T/before.m1")"

# Two histories signed by one key.
fed_stop_node m3
cp -a "$F/m3/data" "$T/twin-data"
one_entry "history-A" > "$T/a.jsonl"
one_entry "history-B" > "$T/b.jsonl"
check "remacto log append: history A in m3's data folder" sh -c "'$REMACTO' log append --data '$F/m3/data' --origin '$O3' < '$T/a.jsonl' > /dev/null"
check "remacto log append: history B in the copy, same key" sh -c "'$REMACTO' log append --data '$T/twin-data' --origin '$O3' < '$T/b.jsonl' > /dev/null"
"$REMACTO" log checkpoint --data "$F/m3/data" --origin "$O3" > "$T/cp.a"
"$REMACTO" log checkpoint --data "$T/twin-data" --origin "$O3" > "$T/cp.b"
VK3=$(get m1 "/api/v1/logs/$S3" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
a=$(goverify checkpoint "$VK3" "$T/cp.a") b=$(goverify checkpoint "$VK3" "$T/cp.b")
if [ "${a% *}" = "${b% *}" ] && [ "$a" != "$b" ]; then
	ok "two checkpoints of $O3 at size 20, both valid under its key (Go's note), different roots"
else
	notok "two conflicting valid checkpoints: '$a' / '$b'"
fi

# The twin: m3's configuration on the copy, its own ports, dialling only the authority (m3
# dials m2): no node has both as peers, and the conflict meets in the middle.
TP=$(free_port) TA=$(free_port)
sed -e "s|^data = .*|data = $T/twin-data|" -e "s|^listen = 127.0.0.1:$(port_of m3)|listen = 127.0.0.1:$TP|" \
	-e "s|^listen = 127.0.0.1:$(awk '$1 == "m3" { print $4 }' "$F/nodes")|listen = 127.0.0.1:$TA|" \
	-e "s|^url = .*|url = wss://127.0.0.1:$(port_of registry)/peer|" "$F/m3/node.conf" > "$T/twin.conf"
sed -i "s|^key = .*|key = $F/m3/data/node.key|" "$T/twin.conf"
fed_start_node m3 || notok "m3 restarts with history A"
"$BUILD/remactod" --config "$T/twin.conf" >> "$T/twin.log" 2>&1 &
NODE_PID=$!   # lib.sh's stop_node ends it at exit
twin_up() { curl -sf --http1.1 --max-time 2 --cacert "$F/tls/ca.pem" "https://127.0.0.1:$TP/healthz"; }
check "the twin (same key, history B) starts" wait_for 20 twin_up

has_evidence() {
	get "$1" /api/v1/evidence | $PY -c '
import json, sys
ev = [e for e in json.load(sys.stdin)["evidence"] if e["origin"] == sys.argv[1]]
sys.exit(not ev)' "$O3"
}
for n in $(nodes); do
	check "$n detects the equivocation: /api/v1/evidence lists $O3" wait_for 30 has_evidence "$n"
done
twin_ev() { curl -sf --http1.1 --cacert "$F/tls/ca.pem" "https://127.0.0.1:$TP/api/v1/evidence" | grep -q "$O3"; }
check "the twin itself detects it" wait_for 30 twin_ev
get m1 /api/v1/evidence > "$T/ev.json"
check "the evidence is the pair of size-20 notes, both valid under the member's key" "$PY" -c '
import json, subprocess, sys
ev = [e for e in json.load(open(sys.argv[1]))["evidence"] if e["origin"] == sys.argv[2]][0]
assert ev["sizeA"] == ev["sizeB"] == 20, ev
outs = set()
for k in ("noteA", "noteB"):
    open(sys.argv[3], "w").write(ev[k])
    outs.add(subprocess.run([sys.argv[4], "checkpoint", sys.argv[5], sys.argv[3]], check=True,
                            capture_output=True, text=True).stdout)
assert len(outs) == 2, outs' "$T/ev.json" "$O3" "$T/note" "$BUILD/tests/goverify" "$VK3"
for n in $(nodes); do
	check_eq "$n marks $O3 forked" True \
		"$(get "$n" "/api/v1/logs/$S3/evidence" | $PY -c 'import json, sys; print(json.load(sys.stdin)["forked"])')"
	entries_of "$n" > "$T/after.$n"
	check "$n still serves m3's first 19 entries byte for byte" cmp -s "$T/before.$n" "$T/after.$n"
	check_eq "$n's tree of m3's log at 19 still has the root it verified" "$R19" "$(root19 "$n")"
done
one_entry "after-fork" > "$T/c.json"
ADM3="http://127.0.0.1:$(awk '$1 == "m3" { print $4 }' "$F/nodes")"
check_eq "m3's node stops publishing into its forked log (503)" 503 \
	"$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $(cat "$F/m3/data/admin.token")" \
		-H 'Content-Type: application/json' --data-binary "@$T/c.json" "$ADM3/api/v1/entries")"
# The other logs still replicate.
O1=$(origin_of m1)
want=$(($(size_on m1 "$O1") + 1))
one_entry "still-alive" > "$T/d.json"
publish m1 "$T/d.json" > /dev/null 2>> "$T/check.log"
check "the other logs still replicate: m1's next entry reaches m3" wait_for 30 holds m3 "$O1" "$want"
fed_dump
stop_node
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

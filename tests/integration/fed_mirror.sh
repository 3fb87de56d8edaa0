#!/bin/sh
# A read-only mirror: no log of its own, it replicates every member's log from one peer,
# verifies it like any node (Go's tlog checks its tiles), serves it, and refuses to publish.
# Its key is not in the registry, so its peer serves it as an anonymous session (one answer at
# a time): a catch-up of several batches still gets every request answered, none timed out.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/f" 2 line --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
# m1's log grows by 3,000 entries first: the mirror's catch-up takes several batches of 1,024,
# asked for FED_WINDOW at a time.
$PY - "$T/many.jsonl" <<'PY'
import base64, hashlib, json, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write(json.dumps({"schema": 1, "evidence": {
            "id": "EV-MANY-%d" % i, "url": "https://example.ma/many/%d.pdf" % i,
            "sha256": base64.b64encode(hashlib.sha256(b"%d" % i).digest()).decode(),
            "mediaType": "application/pdf", "title": {"fr": "Pièce %d" % i, "ar": "وثيقة"},
            "date": "2025-06-01"}}, ensure_ascii=False) + "\n")
PY
want1=$(($(size_on m1 "$(origin_of m1)") + 3000))
check "m1 publishes 3,000 entries" publish m1 "$T/many.jsonl"
check "m2 holds them" wait_for 60 holds m2 "$(origin_of m1)" "$want1"
AVK=$(sed -n 's/^verifier_key = //p' "$F/m1/node.conf")
MP=$(free_port); MA=$(free_port)
cat > "$T/mirror.conf" <<CONF
[node]
data = $T/mirror
origin =
[public]
listen = 127.0.0.1:$MP
[admin]
listen = 127.0.0.1:$MA
[authority]
verifier_key = $AVK
[peer]
ca_file = $F/tls/ca.pem
url = wss://127.0.0.1:$(port_of m2)/peer
CONF
check "remactod -n accepts a mirror configuration" "$BUILD/remactod" -n --config "$T/mirror.conf"
start_node "$T/mirror.conf" "$MP" || { notok "the mirror starts"; fed_dump 40; finish; }
ok "the mirror starts"
mview() {
	curl -sf "http://127.0.0.1:$MP/api/v1/logs" | $PY -c '
import json, sys
for l in sorted(json.load(sys.stdin)["logs"], key=lambda l: l["origin"]):
    print(l["origin"], l["size"], l["root"])'
}
same_as_m1() { [ "$(mview)" = "$(view m1)" ]; }
check "the mirror holds every log, at the members' sizes and roots" wait_for 60 same_as_m1
[ "$FAILS" -eq 0 ] || node_hung "$MP"
check_fails "m2 answered every request of the mirror (no request timed out)" \
	grep -q "did not answer a request" "$T/remactod.log"
check_fails "m2 dropped none of the mirror's requests" \
	grep -q "request dropped" "$F/m2/remactod.log"
check_eq "the mirror owns no log" "0" \
	"$(curl -s "http://127.0.0.1:$MP/api/v1/logs" | $PY -c 'import json,sys; print(sum(l["own"] for l in json.load(sys.stdin)["logs"]))')"
O1=$(origin_of m1)
VK1=$(get m1 "/api/v1/logs/$(slug_of m1)" | $PY -c 'import json,sys; print(json.load(sys.stdin)["verifierKey"])')
check "Go's tlog verifies m1's log as the mirror serves it" \
	goverify tiles "http://127.0.0.1:$MP/logs/$(slug_of m1)" "$VK1"
check "the mirror serves m1's checkpoint with witnesses' cosignature lines" sh -c \
	"curl -s 'http://127.0.0.1:$MP/logs/$(slug_of m1)/checkpoint' | grep -c '^— ' | awk '\$1 >= 2 { ok = 1 } END { exit !ok }'"
one_entry "after-mirror" > "$T/one.json"
check "m1 publishes" sh -c "'$REMACTO' publish --config '$F/m1/node.conf' '$T/one.json' > /dev/null"
S1=$(size_on m1 "$O1")
mholds() { [ "$(mview | awk -v o="$O1" '$1 == o { print $2 }')" = "$S1" ]; }
check "the new entry reaches the mirror through m2" wait_for 30 mholds
TOKEN=$(cat "$T/mirror/admin.token")
check_eq "the mirror refuses to publish (403)" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @"$T/one.json" "http://127.0.0.1:$MA/api/v1/entries")"
[ "$FAILS" -eq 0 ] || node_hung "$MP"
check "SIGTERM stops the mirror cleanly" stop_node
check "the mirror's copy of m1 verifies offline" "$REMACTO" log verify --data "$T/mirror" --origin "$O1"
fed_dump 40
finish

#!/bin/sh
# Federation: two origins with one slug (issue 9: a slug collision made fed fetch forever). A
# node serves each log under the last element of its origin, so remacto.gov/<m1's slug> cannot
# be held next to m1's log. The authority admits it anyway, and its node runs and publishes.
# Every other node leaves it out, the same way (the member admitted first keeps the slug), says
# so once in its log, asks nothing for it and never stores any of it; m1's log, and every
# other, still replicates.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/s" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1) O2=$(origin_of m2)
GOV="remacto.gov/$S1"
VK=$("$REMACTO" keygen --origin "$GOV" --out "$T/gov.key")
check "the authority admits $GOV, whose slug is m1's" \
	sh -c "'$REMACTO' member add --data '$F/registry/data' --origin '$GOV' --verifier-key '$VK' --kind commune --hcp 9900001 --region 04 --population 1000 --name-fr 'Homonyme' --name-ar 'سمي' > /dev/null"

# Its node: m2's configuration on a data folder, key, origin and ports of its own, dialling
# the authority's node.
GP=$(free_port) GA=$(free_port)
sed -e "s|^data = .*|data = $T/gov-data|" -e "s|^origin = .*|origin = $GOV|" \
	-e "s|^key = .*|key = $T/gov.key|" \
	-e "s|^listen = 127.0.0.1:$(port_of m2)|listen = 127.0.0.1:$GP|" \
	-e "s|^listen = 127.0.0.1:$(awk '$1 == "m2" { print $4 }' "$F/nodes")|listen = 127.0.0.1:$GA|" \
	-e '/^url = /d' -e "s|^\[peer\]|[peer]\nurl = wss://127.0.0.1:$(port_of registry)/peer|" \
	"$F/m2/node.conf" > "$T/gov.conf"
"$BUILD/remactod" --config "$T/gov.conf" >> "$T/gov.log" 2>&1 &
NODE_PID=$! # lib.sh's stop_node ends it at exit
gov_up() { curl -sf --http1.1 --max-time 2 --cacert "$F/tls/ca.pem" "https://127.0.0.1:$GP/healthz"; }
check "its node starts" wait_for 20 gov_up
one_entry "homonyme-1" > "$T/g.json"
gov_pub() { "$REMACTO" publish --config "$T/gov.conf" "$T/g.json" > /dev/null 2>&1; }
check "its node publishes into $GOV" wait_for 30 gov_pub

holds_gov() { view "$1" | grep -q "^$GOV "; }
said() { grep -q "$GOV is not replicated: its slug \"$S1\"" "$F/$1/remactod.log"; }
for n in $(nodes); do
	check "$n says once that $GOV is not replicated (its slug is $O1's)" wait_for 30 said "$n"
done
# Everything published since reaches every node: m1's and m2's next entries.
W1=$(($(size_on m1 "$O1") + 1)) W2=$(($(size_on m2 "$O2") + 1))
one_entry "after-homonyme-1" > "$T/a.json"
one_entry "after-homonyme-2" > "$T/b.json"
publish m1 "$T/a.json" > /dev/null 2>> "$T/check.log"
publish m2 "$T/b.json" > /dev/null 2>> "$T/check.log"
for n in $(nodes); do
	check "$n gets m1's and m2's next entries" wait_for 30 sh -c "
		[ \$(curl -sf --http1.1 --cacert '$F/tls/ca.pem' '$(url_of "$n")/api/v1/logs' | $PY -c '
import json, sys
s = {l[\"origin\"]: l[\"size\"] for l in json.load(sys.stdin)[\"logs\"]}
print(int(s.get(\"$O1\", 0) >= $W1 and s.get(\"$O2\", 0) >= $W2))') = 1 ]"
done
for n in $(nodes); do
	check_fails "$n holds nothing of $GOV" holds_gov "$n"
	check_eq "$n never tried to store it (no 'cannot store entries of $GOV')" 0 \
		"$(grep -c "cannot store entries of $GOV" "$F/$n/remactod.log")"
	check_eq "and said it once" 1 "$(grep -c "$GOV is not replicated" "$F/$n/remactod.log")"
done
fed_dump
stop_node
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

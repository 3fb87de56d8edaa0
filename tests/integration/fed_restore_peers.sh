#!/bin/sh
# Federation: a member's node restored from a backup while its peers hold different amounts of
# its log (issue 9, chaos finding "lost acknowledged entries", seed 75269364). m1's backup is
# taken at size B; m1 publishes B..B+1, which every node takes; m2 stops; m1 publishes B+2..B+4,
# which only the authority's node takes; m1's disk is lost and the authority's node goes down
# too. m1 restored from the backup first meets m2, which holds B+2: it must not acknowledge an
# entry at B+2 (the authority's node holds another one there) while a configured peer has not
# said what it holds, however long m2 alone has been answering (within FED_RESTORE_WAIT_S, 60
# s). Once the authority's node is back, m1 catches up to B+5 and publishes at B+5; no entry is
# lost and no node holds evidence against m1.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1)
fed_stop_node m1
cp -a "$F/m1/data" "$T/m1-backup"
check "m1 restarts after its backup" fed_start_node m1
B=$(size_on m1 "$O1")
publish_to() { # publish_to TAG NODES...: one entry of m1, held by every one of NODES
	tag=$1
	shift
	one_entry "$tag" > "$T/e.json"
	want=$(($(size_on m1 "$O1") + 1))
	wait_for 30 publish m1 "$T/e.json" > /dev/null 2>> "$T/check.log" || return 1
	for n; do wait_for 30 holds "$n" "$O1" "$want" || return 1; done
}
for i in 0 1; do
	publish_to "all-$i" m2 registry || notok "m1's entry $((B + i)) reaches every node"
done
fed_stop_node m2
for i in 0 1 2; do
	publish_to "reg-$i" registry || notok "m1's entry $((B + 2 + i)) reaches the authority's node"
done
S=$(size_on registry "$O1")
check_eq "the authority's node holds $((B + 5)) entries of m1, m2 $((B + 2)) (stopped)" "$((B + 5))" "$S"
held() { get registry "/api/v1/logs/$(slug_of m1)/entries?start=$B&limit=$((S - B))" | $PY -c '
import json, sys
print(" ".join(e["raw"] for e in json.load(sys.stdin)["entries"]))'; }
H=$(held)

# m1's disk is lost, and the authority's node goes down meanwhile; m2 comes back.
fed_stop_node m1
fed_stop_node registry
rm -rf "$F/m1/data"
cp -a "$T/m1-backup" "$F/m1/data"
check "m2 starts again" fed_start_node m2
check "m1 starts from its backup ($B entries)" fed_start_node m1
check "m1 catches up to what m2 holds ($((B + 2)))" wait_for 30 holds m1 "$O1" $((B + 2))
ADM1="http://127.0.0.1:$(awk '$1 == "m1" { print $4 }' "$F/nodes")"
one_entry "after-restore" > "$T/r.json"
pub1() {
	c=$(curl -s -o "$T/r.out" -w '%{http_code}' -H "Authorization: Bearer $(cat "$F/m1/data/admin.token")" \
		-H 'Content-Type: application/json' --data-binary "@$T/r.json" "$ADM1/api/v1/entries")
	echo "$c" > "$T/r.code"
	[ "$c" = 200 ]
}
if pub1; then
	notok "m1 refuses to publish while a configured peer has not said what it holds (it acknowledged: $(cat "$T/r.out"))"
else
	check_eq "m1 refuses to publish while a configured peer has not said what it holds (HTTP 503: $(head -c 80 "$T/r.out")…)" \
		503 "$(cat "$T/r.code")"
fi
check_eq "m1 still holds $((B + 2)) entries" $((B + 2)) "$(size_on m1 "$O1")"

check "the authority's node starts again" fed_start_node registry
check "m1 catches up to what the authority's node holds ($S)" wait_for 60 holds m1 "$O1" "$S"
if wait_for 90 pub1; then
	check_eq "m1, restored, publishes at index $S, the next one the federation holds" "$S" \
		"$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["indexes"][0])' "$T/r.out")"
else
	notok "m1, restored, publishes again within 90 s: $(head -c 200 "$T/r.out")"
fi
everyone_holds() { for n in $(nodes); do holds "$n" "$O1" "$1" || return 1; done; }
check "m1's entry $S reaches every node" wait_for 30 everyone_holds $((S + 1))
check_eq "the authority's node still holds m1's entries $B..$((S - 1)) as they were" "$H" "$(held)"
check "no node holds evidence against m1" no_evidence
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

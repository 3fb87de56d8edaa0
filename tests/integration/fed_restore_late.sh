#!/bin/sh
# Federation: a late rotation, then a lost disk. The member's node published entries under its
# old key past the size the rotation gives the new key from (the runbook's bad case: it went on
# publishing between the noted size and the rotation); every node took them before the
# rotation reached it, and after it serves its checkpoint below that size (the key that signs
# the bigger ones is retired there). Then the node's disk is lost and its backup, older than
# all of it, comes back with the new key. Those entries were acknowledged to the member's
# staff: the restored node must take them back from its peers (the checkpoint of the retired
# key, only for its own log and only before it published) and sign them again with the new
# key, never publish over them. (Issue 9; found by make chaos, seed 1054512776: backup,
# rotate-late, restore-up lost 14 entries.)
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1)
everyone_holds() { for n in $(nodes); do holds "$n" "$O1" "$1" || return 1; done; }
# entry_on NAME INDEX: the exact bytes (base64) of entry INDEX of m1's log on the node.
entry_on() { get "$1" "/api/v1/logs/$S1/entries?start=$2&limit=1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["entries"][0]["raw"])'; }

fed_stop_node m1
cp -a "$F/m1/data" "$T/m1-backup"
fed_start_node m1 || notok "m1 restarts after its backup"
B=$(size_on m1 "$O1")
for i in 1 2 3; do
	one_entry "old-key-$i" > "$T/b.json"
	check "m1 publishes entry $((B + i - 1)) with its old key" wait_for 30 admin_post m1 "$T/b.json"
done
check "every node holds $((B + 3)) entries of m1's log" wait_for 30 everyone_holds $((B + 3))

# The late rotation: the new key from size B+1, below what every node holds (hence --force).
N=$((B + 1))
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
check "remacto member rotate-key --from-size $N --force (late)" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK' --from-size $N --force --reason-fr 'Clé perdue' --reason-ar 'مفتاح مفقود' > /dev/null 2>&1"
REG=$("$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }')
reg_on() { [ "$(size_on "$1" remacto.ma/registry)" -ge "$REG" ]; }
check "m2 replicates the rotation" wait_for 30 reg_on m2
serves_below() { [ "$(get m2 "/logs/$S1/checkpoint" | sed -n 2p)" -lt "$N" ]; }
check "m2 serves m1's checkpoint below $N now (the bigger ones' key is retired)" wait_for 30 serves_below
check_eq "m2 still holds the $((B + 3)) entries" $((B + 3)) "$(size_on m2 "$O1")"
for i in 1 2; do entry_on m2 $((B + i)) > "$T/held-$i.json" || notok "m2 serves entry $((B + i))"; done

# The disk is lost; the backup ($B entries, a registry without the rotation) comes back, with
# the new key.
fed_stop_node m1
rm -rf "$F/m1/data"
cp -a "$T/m1-backup" "$F/m1/data"
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
check "m1 starts from the backup with the new key" fed_start_node m1
check "m1 replicates the rotation from its peers" wait_for 30 reg_on m1
one_entry "after-restore" > "$T/r.json"
check "m1 publishes again, with the new key" wait_for 120 admin_post m1 "$T/r.json"
check_eq "at index $((B + 3)), after the entries its peers held under the retired key" $((B + 3)) \
	"$(posted_index)"
for i in 1 2; do
	check_eq "entry $((B + i)) on m1 is the one acknowledged before the loss" \
		"$(cat "$T/held-$i.json")" "$(entry_on m1 $((B + i)))"
done
check "m1's entry $((B + 3)) reaches every node" wait_for 30 everyone_holds $((B + 4))
get m2 "/logs/$S1/checkpoint" > "$T/m2.cp"
check_eq "m2 serves m1's checkpoint of size $((B + 4)), signed by the new key (Go's note)" \
	"$O1 $((B + 4))" "$(goverify checkpoint "$NEWVK" "$T/m2.cp" 2>&1 | cut -d' ' -f1,2)"
# shellcheck disable=SC2046
check "the federation converges" wait_for 30 converged 3 $(nodes)
forks() {
	for n in $(nodes); do
		get "$n" /api/v1/evidence | $PY -c '
import json, sys
sys.exit(any(not e["resolved"] for e in json.load(sys.stdin)["evidence"]))' || return 1
	done
}
check "no node holds unresolved evidence (no fork)" forks

# Again, the way make chaos found it: two rotations since the backup. The entries under the
# second key past the second rotation's size reach the restored node signed by a key its
# registry does not know yet (kept until it does), then judged retired: taken back all the same.
S=$((B + 4))
for i in 1 2 3; do
	one_entry "second-key-$i" > "$T/c.json"
	check "m1 publishes entry $((S + i - 1)) with its second key" wait_for 30 admin_post m1 "$T/c.json"
done
check "every node holds $((S + 3)) entries of m1's log" wait_for 30 everyone_holds $((S + 3))
N2=$((S + 1))
THIRDVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/third.key")
check "a second late rotation, from size $N2" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$THIRDVK' --from-size $N2 --force --reason-fr 'Clé perdue' --reason-ar 'مفتاح مفقود' > /dev/null 2>&1"
REG=$("$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }')
check "m2 replicates it" wait_for 30 reg_on m2
serves_below2() { [ "$(get m2 "/logs/$S1/checkpoint" | sed -n 2p)" -lt "$N2" ]; }
check "m2 serves m1's checkpoint below $N2" wait_for 30 serves_below2
for i in 1 2; do entry_on m2 $((S + i)) > "$T/held2-$i.json" || notok "m2 serves entry $((S + i))"; done
fed_stop_node m1
mv "$F/m1/data" "$T/second-key-data"
cp -a "$T/m1-backup" "$F/m1/data"
sed -i "s|^key = .*|key = $F/m1/third.key|" "$F/m1/node.conf"
check "m1 starts from the same backup with the third key" fed_start_node m1
one_entry "after-second-restore" > "$T/r2.json"
check "m1 publishes again, with the third key" wait_for 120 admin_post m1 "$T/r2.json"
check_eq "at index $((S + 3))" $((S + 3)) \
	"$(posted_index)"
check "m1 says it took back what its peers held under the retired key" \
	grep -q "signed by the key the registry retired" "$F/m1/remactod.log"
for i in 1 2; do
	check_eq "entry $((S + i)) on m1 is the one acknowledged before the loss" \
		"$(cat "$T/held2-$i.json")" "$(entry_on m1 $((S + i)))"
done
check "m1's entry $((S + 3)) reaches every node" wait_for 30 everyone_holds $((S + 4))
get m2 "/logs/$S1/checkpoint" > "$T/m2b.cp"
check_eq "m2 serves m1's checkpoint of size $((S + 4)), signed by the third key (Go's note)" \
	"$O1 $((S + 4))" "$(goverify checkpoint "$THIRDVK" "$T/m2b.cp" 2>&1 | cut -d' ' -f1,2)"
# shellcheck disable=SC2046
check "the federation converges" wait_for 30 converged 3 $(nodes)
check "no node holds unresolved evidence" forks

# Never once it published: a bigger checkpoint of the retired second key (its holder, a stolen
# key, signs more) does not stop m1 nor extend its log.
{ for i in 1 2 3 4 5 6 7 8 9 10; do one_entry "stolen-$i"; done; } > "$T/stolen.jsonl"
"$REMACTO" log append --data "$T/second-key-data" --origin "$O1" < "$T/stolen.jsonl" > /dev/null
"$REMACTO" log checkpoint --data "$T/second-key-data" --origin "$O1" > "$T/stolen.cp"
mkdir -p "$T/pb"
L=$(wc -l < "$F/m1/remactod.log")
if out=$(hostile aside-note m1 --origin "$O1" --note "$T/stolen.cp" 2>&1); then
	ok "m1 ignores a checkpoint of size $((S + 13)) of the retired key"
else
	notok "m1 ignores a checkpoint of the retired key: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi
one_entry "after-stolen" > "$T/r3.json"
check "m1 goes on publishing" admin_post m1 "$T/r3.json"
check_eq "at index $((S + 4)), its own history" $((S + 4)) \
	"$(posted_index)"
check_fails "and never waited for the retired key's entries" \
	sh -c "tail -n +$((L + 1)) '$F/m1/remactod.log' | grep -q 'publishing waits until it has caught up'"
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# Federation: a member's node restored from a backup older than an ordinary rotation of its own
# key, started with the new key file (the old one retired, as a rotation for a lost or stolen
# key calls for). The backup's registry does not know the new key. The node must not refuse to
# start (it would stay down until someone finds the old key), nor sign anything with a key its
# registry does not give: it starts without publishing, takes the registry and its own log from
# its peers, then signs with the new key once the registry gives it at the size it holds.
# Publishing meanwhile answers 503 and says why. (Issue 9: a routine rotation must not cut a
# node off; found by tests/chaos: restore-down after rotate-late, "m3 does not start".)
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1)
everyone_holds() { for n in $(nodes); do holds "$n" "$O1" "$1" || return 1; done; }

# The backup, then two more entries under the old key.
fed_stop_node m1
cp -a "$F/m1/data" "$T/m1-backup"
fed_start_node m1 || notok "m1 restarts after its backup"
B=$(size_on m1 "$O1")
for i in 1 2; do
	one_entry "before-rotation-$i" > "$T/b.json"
	check "m1 publishes entry $((B + i - 1)) with its old key" wait_for 30 admin_post m1 "$T/b.json"
done
check "every node holds it" wait_for 30 everyone_holds $((B + 2))

# The rotation by the runbook: from the next size, the node restarted with the new key once it
# holds the registry entry, then two entries under the new key.
N=$((B + 3))
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
check "remacto member rotate-key --from-size $N" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK' --from-size $N --reason-fr 'Clé perdue' --reason-ar 'مفتاح مفقود' > /dev/null"
REG=$("$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }')
reg_on() { [ "$(size_on "$1" remacto.ma/registry)" -ge "$REG" ]; }
check "m1 replicates the rotation" wait_for 30 reg_on m1
fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
check "m1 restarts with its new key" fed_start_node m1
for i in 1 2; do
	one_entry "after-rotation-$i" > "$T/a.json"
	check "m1 publishes entry $((B + 2 + i - 1)) with its new key" wait_for 30 admin_post m1 "$T/a.json"
done
S=$((B + 4))
check "every node holds $S entries of m1's log" wait_for 30 everyone_holds "$S"

# The disk is lost: the backup (size $B, a registry without the rotation) comes back, and the
# node is started with the only key its operator has, the new one.
fed_stop_node m1
rm -rf "$F/m1/data"
cp -a "$T/m1-backup" "$F/m1/data"
check_eq "the backup holds $B entries of m1's log" "$B" \
	"$("$REMACTO" log list --data "$F/m1/data" | awk -v o="$O1" '$1 == o { print $2 }')"
if fed_start_node m1 2> "$T/start.err"; then
	ok "m1 starts from the backup with the new key"
else
	notok "m1 starts from the backup with the new key: $(grep -m1 error "$F/m1/remactod.log" | cut -c1-300)"
fi
check "m1 says why it does not sign yet" \
	grep -q "not a key its registry gives yet" "$F/m1/remactod.log"
check "m1 replicates the rotation from its peers" wait_for 30 reg_on m1
one_entry "after-restore" > "$T/r.json"
check "m1 publishes again, with the new key" wait_for 30 admin_post m1 "$T/r.json"
check "m1 says when it adopted the key" grep -q "the registry gives this node's key" "$F/m1/remactod.log"
check_eq "at index $S, the next one the federation holds" "$S" \
	"$(posted_index)"
check "m1's entry $S reaches every node" wait_for 30 everyone_holds $((S + 1))
get m2 "/logs/$S1/checkpoint" > "$T/m2.cp"
check_eq "m2 serves m1's checkpoint of size $((S + 1)), signed by the new key (Go's note)" \
	"$O1 $((S + 1))" "$(goverify checkpoint "$NEWVK" "$T/m2.cp" 2>&1 | cut -d' ' -f1,2)"
# shellcheck disable=SC2046
check "the federation converges" wait_for 30 converged 3 $(nodes)
check "no node holds evidence against m1" no_evidence

# A key the registry never gives: the node starts, never signs, and says what to do.
fed_stop_node m1
"$REMACTO" keygen --origin "$O1" --out "$F/m1/stray.key" > /dev/null
sed -i "s|^key = .*|key = $F/m1/stray.key|" "$F/m1/node.conf"
check "m1 starts with a key the registry never gave" fed_start_node m1
check "m1 takes the registry from its peers" wait_for 30 reg_on m1
one_entry "stray" > "$T/s.json"
admin_post m1 "$T/s.json"
check_eq "publishing is refused with 503" 503 "$(cat "$T/p.code")"
check "and the answer says which key to configure" grep -q "configure" "$T/p.out"
check_eq "nothing was published" $((S + 1)) "$(size_on m2 "$O1")"
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

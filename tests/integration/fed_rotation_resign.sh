#!/bin/sh
# Federation: after a rotation that reaches back, the member's node signs its current tree with
# its new key as soon as it starts with it, not at its next publication (issue 9, a gap found by
# the chaos runner). The authority rotates m1's key from a size N that every node holds
# (--force); m1 restarts with its new key and publishes nothing. Its checkpoints of N or more
# are signed by a key the registry retired there, so until m1 signs again every node serves its
# last checkpoint below N: peers that take m1's key from the registry would see a checkpoint
# their key does not verify, and the entries from N on would be held under no checkpoint the
# registry allows. Checked: every node serves m1's checkpoint of its whole tree, signed by the
# new key (Go's note), with no publication, and nobody holds evidence. The other half of the
# rule: m2 rotated from its next size (the runbook's rotation) keeps its checkpoint of its
# current size under its old key, the key the registry gives that size (a checkpoint there under
# the new key would be one no node accepts).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1) O2=$(origin_of m2) S2=$(slug_of m2)
everyone_holds() { for n in $(nodes); do holds "$n" "$1" "$2" || return 1; done; }
# m1 publishes one entry at a time, each replicated before the next: every node holds m1's
# signed checkpoints of several sizes, the last ones at and above N.
i=0
while [ $i -lt 3 ]; do
	one_entry "before-rotation-$i" > "$T/b.json"
	want=$(($(size_on m1 "$O1") + 1))
	publish m1 "$T/b.json" > /dev/null 2>> "$T/check.log" &&
		wait_for 30 everyone_holds "$O1" "$want" || notok "m1's entry $want reaches every node"
	i=$((i + 1))
done
S=$(size_on m1 "$O1")
N=$((S - 1))
NEWVK1=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
force=""
"$REMACTO" member rotate-key --help 2>&1 | grep -q -- --force && force=--force
check "remacto member rotate-key --from-size $N $force (every node holds m1's log at $S)" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK1' --from-size $N $force --reason-fr 'Clé perdue' --reason-ar 'مفتاح مفقود' > /dev/null"
reg_size() { "$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }'; }
reg_everywhere() {
	for n in $(nodes); do [ "$(size_on "$n" remacto.ma/registry)" -ge "$1" ] || return 1; done
}
check "every node replicates the rotation" wait_for 30 reg_everywhere "$(reg_size)"

fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
fed_start_node m1 || notok "m1 restarts with its new key"
# serves_new NAME: the node serves m1's checkpoint of size S, which the new key verifies.
serves_new() {
	get "$1" "/logs/$S1/checkpoint" > "$T/$1.cp" &&
		[ "$(sed -n 2p "$T/$1.cp")" = "$S" ] && goverify checkpoint "$NEWVK1" "$T/$1.cp"
}
for n in $(nodes); do
	if wait_for 30 serves_new "$n"; then
		ok "$n serves m1's checkpoint of its whole tree ($S) under the new key, before any publication"
	else
		notok "$n serves m1's checkpoint of its whole tree ($S) under the new key, before any publication (serves size $(sed -n 2p "$T/$n.cp" 2>/dev/null))"
	fi
done
check_eq "m1 published nothing meanwhile" "$S" "$(size_on m1 "$O1")"

# m2: the runbook's rotation, from its next size; restarted with its new key.
S2N=$(size_on m2 "$O2")
check "every node holds m2's log at $S2N" wait_for 30 everyone_holds "$O2" "$S2N"
OLDVK2=$(get m1 "/api/v1/logs/$S2" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
NEWVK2=$("$REMACTO" keygen --origin "$O2" --out "$F/m2/new.key")
check "remacto member rotate-key of m2 from its next size ($((S2N + 1)))" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O2' --verifier-key '$NEWVK2' --from-size $((S2N + 1)) --reason-fr 'Rotation' --reason-ar 'تناوب' > /dev/null"
check "every node replicates it" wait_for 30 reg_everywhere "$(reg_size)"
fed_stop_node m2
sed -i "s|^key = .*|key = $F/m2/new.key|" "$F/m2/node.conf"
fed_start_node m2 || notok "m2 restarts with its new key"
serves_old2() {
	get "$1" "/logs/$S2/checkpoint" > "$T/$1.cp2" &&
		[ "$(sed -n 2p "$T/$1.cp2")" = "$S2N" ] && goverify checkpoint "$OLDVK2" "$T/$1.cp2"
}
for n in $(nodes); do
	check "$n serves m2's checkpoint of size $S2N under its old key (the registry's key there)" \
		wait_for 30 serves_old2 "$n"
done

# Both publish with their new keys; it replicates, and nobody is accused.
one_entry "new-key-m1" > "$T/n1.json"
one_entry "new-key-m2" > "$T/n2.json"
check "m1 publishes with its new key" wait_for 30 publish m1 "$T/n1.json"
check "m2 publishes with its new key" wait_for 30 publish m2 "$T/n2.json"
check "m1's entry $S reaches every node" wait_for 30 everyone_holds "$O1" $((S + 1))
check "m2's entry $S2N reaches every node" wait_for 30 everyone_holds "$O2" $((S2N + 1))
check "no node holds evidence against anyone" no_evidence
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# Federation: a suspended member's key rotated (the order a compromised key calls for: suspend,
# rotate, reinstate). The member's node must start with its new key while still suspended: the
# registry rotated it, and whether the member may publish is a separate question (it may not,
# until reinstated). Found by the chaos runner (rotate-late of a suspended member): the node
# refused to start with "… nor a key the registry rotated in", the registry's key lookup
# refusing every size past the suspension. Checked: m1 suspended, rotated from its next size,
# restarted with the new key: it starts and refuses to publish (suspended, exit code 5 of
# remacto publish); reinstated, it publishes with the new key and every node takes the entry.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/s" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1)
reg_size() { "$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }'; }
reg_everywhere() {
	for n in $(nodes); do [ "$(size_on "$n" remacto.ma/registry)" -ge "$1" ] || return 1; done
}
check "remacto member suspend m1" \
	sh -c "'$REMACTO' member suspend --data '$F/registry/data' --origin '$O1' --reason-fr 'Clé compromise' --reason-ar 'مفتاح مخترق' > /dev/null"
check "every node replicates the suspension" wait_for 30 reg_everywhere "$(reg_size)"
S=$(size_on m1 "$O1")
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
check "remacto member rotate-key of the suspended m1 from its next size ($((S + 1)))" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK' --from-size $((S + 1)) --reason-fr 'Clé compromise' --reason-ar 'مفتاح مخترق' > /dev/null"
check "every node replicates the rotation" wait_for 30 reg_everywhere "$(reg_size)"
fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
if "$FEDSH" start-node "$F" m1 > /dev/null 2> "$T/start.err"; then
	ok "m1, suspended, starts with the key the registry rotated in"
else
	notok "m1, suspended, starts with the key the registry rotated in: $(grep error "$F/m1/remactod.log" | tail -n 1)"
fi
one_entry "while-suspended" > "$T/s.json"
publish m1 "$T/s.json" > /dev/null 2>&1
check_eq "m1 refuses to publish while suspended (remacto publish exit 5)" 5 "$?"
check "remacto member reinstate m1" \
	sh -c "'$REMACTO' member reinstate --data '$F/registry/data' --origin '$O1' > /dev/null"
check "every node replicates the reinstatement" wait_for 30 reg_everywhere "$(reg_size)"
one_entry "reinstated" > "$T/r.json"
check "m1, reinstated, publishes with its new key" wait_for 30 publish m1 "$T/r.json"
everyone_holds() { for n in $(nodes); do holds "$n" "$O1" "$1" || return 1; done; }
check "m1's entry $S reaches every node" wait_for 30 everyone_holds $((S + 1))
get m2 "/logs/$(slug_of m1)/checkpoint" > "$T/m2.cp"
check "m2 serves m1's checkpoint under the new key (Go's note)" goverify checkpoint "$NEWVK" "$T/m2.cp"
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

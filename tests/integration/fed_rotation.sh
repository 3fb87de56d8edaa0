#!/bin/sh
# Federation: a member's key rotation. The authority appends `remacto member rotate-key
# --from-size N` to the registry while everything runs; every node follows the registry. The
# member restarts its node with the new key file and publishes: its checkpoints from N on,
# signed by the new key, replicate. A checkpoint past N signed with the old key (made from a
# copy of the member's data folder) is set aside: nothing of it is stored, nothing is asked
# for, and the peer that sends it is not held responsible (an honest node behind on the
# registry sends such checkpoints too), nor is the member (it is no fork).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1) O2=$(origin_of m2)
S=$(size_on m1 "$O1")
N=$((S + 1))
OLDVK=$(get m2 "/api/v1/logs/$S1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
check "remacto member rotate-key --from-size $N is appended to the running registry" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK' --from-size $N --reason-fr 'Clé compromise' --reason-ar 'مفتاح مخترق' > /dev/null"
REG=$("$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }')
reg_everywhere() {
	for n in $(nodes); do [ "$(size_on "$n" remacto.ma/registry)" -eq "$REG" ] || return 1; done
}
check "every node replicates the rotation (registry size $REG)" wait_for 30 reg_everywhere

# The old key past N: a copy of m1's data folder, two more entries signed with the old key.
fed_stop_node m1
cp -a "$F/m1/data" "$T/old-data"
{ one_entry "old-key-1"; one_entry "old-key-2"; } > "$T/old.jsonl"
"$REMACTO" log append --data "$T/old-data" --origin "$O1" < "$T/old.jsonl" > /dev/null
"$REMACTO" log checkpoint --data "$T/old-data" --origin "$O1" > "$T/old.cp"
check_eq "a checkpoint of size $((N + 1)) signed with the old key exists" "$O1 $((N + 1))" \
	"$(goverify checkpoint "$OLDVK" "$T/old.cp" | cut -d' ' -f1,2)"

# The member switches its node to the new key and publishes.
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
same_log() { [ "$(view m1 | grep "^$O1 ")" = "$(view m2 | grep "^$O1 ")" ]; }
pub_ok() { publish m1 "$T/new.json" > "$T/pub.out" 2>&1; }
if fed_start_node m1 2> "$T/m1start"; then
	ok "m1 restarts with its new key file"
	one_entry "new-key-1" > "$T/new.json"
	check "m1 publishes entry $S, its first one signed with the new key" wait_for 30 pub_ok
	get m1 "/logs/$S1/checkpoint" > "$T/new.cp"
	check_eq "m1's checkpoint of size $N verifies with the new key (Go's note)" "$O1 $N" \
		"$(goverify checkpoint "$NEWVK" "$T/new.cp" 2>&1 | cut -d' ' -f1,2)"
	check "m2 replicates m1's log past the rotation" wait_for 30 holds m2 "$O1" "$N"
	get m2 "/logs/$S1/checkpoint" > "$T/m2.cp"
	check "m2 serves the new-key checkpoint (Go's note, new key)" goverify checkpoint "$NEWVK" "$T/m2.cp"
	check_fails "which the old key does not verify" goverify checkpoint "$OLDVK" "$T/m2.cp"
	check "m2 and m1 agree on m1's log" same_log
else
	notok "m1 restarts with its new key file: $(grep -m1 'error' "$T/m1start" | cut -c1-300)"
fi

# The old key past N is set aside.
mkdir -p "$T/pb"
view m2 > "$T/before"
if out=$(hostile aside-note m2 --origin "$O1" --note "$T/old.cp" --source 127.0.0.51 2>&1); then
	ok "the old key's checkpoint of size $((N + 1)) is set aside: $(echo "$out" | tail -n 1 | sed 's/^hostile_peer [a-z-]*: ok: //')"
else
	notok "the old key's checkpoint past $N is set aside: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi
view m2 > "$T/after"
check "m2 stored nothing of it" cmp -s "$T/before" "$T/after"
check_eq "and keeps no evidence against m1 (a refused checkpoint is no equivocation)" 0 \
	"$(get m2 /api/v1/evidence | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))')"
# m2 goes on replicating m1 under the new key.
if get m1 /healthz > /dev/null 2>&1; then
	one_entry "new-key-2" > "$T/new.json"
	check "m1 publishes again with the new key" pub_ok
	check "and m2 replicates it" wait_for 30 holds m2 "$O1" $((N + 1))
fi
check "m2's own log was not disturbed" holds m2 "$O2" "$(size_on m1 "$O2")"
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

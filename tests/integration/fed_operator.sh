#!/bin/sh
# Federation: what the network authority types, on a running federation (issue 9, "operator
# safety in the CLI"). A key rotation at or below a size of the member's log that the
# authority's node holds is refused (it would cut honest nodes apart: their checkpoints of that
# size, signed by the old key, would stop verifying); the default --from-size is the next size.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
A="$F/registry/data"
REG=remacto.ma/registry
O1=$(origin_of m1)
# held ORIGIN: the size of ORIGIN's log in the authority's data folder, as remacto reads it.
held() { "$REMACTO" log list --data "$A" | awk -v o="$1" '$1 == o { print $2 }'; }
reg_cp() { "$REMACTO" log checkpoint --data "$A" --origin "$REG"; }
S=$(held "$O1")
check "the authority's node holds m1's log ($S entries)" test "$S" -gt 0

# ---- rotating a key ----
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
reg_cp > "$T/reg.before"
"$REMACTO" member rotate-key --data "$A" --origin "$O1" --verifier-key "$NEWVK" \
	--from-size "$S" > "$T/out" 2> "$T/err"
check_eq "rotate-key --from-size $S (a size the authority's node holds) is refused (exit 3)" 3 $?
check "the refusal names the size held and the next size" \
	grep -q "holds $O1's log at size $S.*--from-size $((S + 1))" "$T/err"
check "the registry is unchanged" sh -c "reg_cp() { '$REMACTO' log checkpoint --data '$A' --origin '$REG'; }; reg_cp | cmp -s - '$T/reg.before'"

"$REMACTO" member rotate-key --data "$A" --origin "$O1" --verifier-key "$NEWVK" \
	--from-size $((S - 1)) > "$T/out" 2>> "$T/check.log"
check_eq "rotate-key --from-size $((S - 1)) is refused too (exit 3)" 3 $?

# The runbook: the member's node stops publishing and keeps running (it must replicate the
# rotation), the authority rotates from the next size (the default), the member's node takes the
# new key file at a restart and publishes.
check_eq "the authority's node holds m1's log at the size m1 holds" "$(size_on m1 "$O1")" "$(held "$O1")"
"$REMACTO" member rotate-key --data "$A" --origin "$O1" --verifier-key "$NEWVK" \
	--reason-fr "Clé renouvelée" > "$T/out" 2> "$T/err"
check_eq "rotate-key without --from-size is appended" 0 $?
check "from the next size, $((S + 1))" grep -q "size $((S + 1)) and more are signed by $NEWVK" "$T/err"
# rotated_on DATA: the key ID and from-size of m1's current key, as the registry in DATA says.
rotated_on() { "$REMACTO" members --data "$1" | awk -v o="$O1" '$1 == o { print $5, $6 }'; }
check_eq "members shows the new key from $((S + 1))" "$(echo "$NEWVK" | cut -d+ -f2) $((S + 1))" \
	"$(rotated_on "$A")"
has_rotation() { [ "$(rotated_on "$F/$1/data")" = "$(rotated_on "$A")" ]; }
check "m1's node replicates the rotation (remacto members --data on its folder)" \
	wait_for 30 has_rotation m1
check "m2 replicates the rotation" wait_for 30 has_rotation m2
fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
check "m1 starts on its new key file" fed_start_node m1
check "m1 signs with the rotated key" grep -q "signing with the key the registry rotated in" "$F/m1/remactod.log"
one_entry "after-rotation" > "$T/e1.json"
pub() { publish "$1" "$2" > "$T/pub.out" 2>&1; }
check "m1 publishes entry $S under the new key" wait_for 30 pub m1 "$T/e1.json"
check "m2 replicates it" wait_for 30 holds m2 "$O1" $((S + 1))
check "the authority's node replicates it" wait_for 30 holds registry "$O1" $((S + 1))
get m2 "/logs/$(slug_of m1)/checkpoint" > "$T/m2.cp"
check "m2's checkpoint of m1's log verifies with the new key (Go's note)" \
	goverify checkpoint "$NEWVK" "$T/m2.cp"

fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# Federation: the runbooks of docs/OPERATIONS.md, typed as the network authority and the members
# would, on a running federation (issue 9, "operator safety in the CLI").
# - Rotating a key: a rotation at or below a size of the member's log that the authority's node
#   holds is refused (honest nodes would stop verifying each other's checkpoints of that size);
#   the default --from-size is the next size; the member's node, still on the old key, refuses
#   to publish once it has the rotation, then restarts on the new key and publishes, and the
#   entry replicates under the new key.
# - Suspending and reinstating: the suspended member's node refuses to publish (exit 5), says
#   so in remacto status and /healthz (503 degraded), keeps refusing after a restart; other
#   nodes flag it in the compliance overview; reinstated, it publishes and the entry replicates.
# - Restoring a node from an mdb_copy backup: it publishes only after catching up with what its
#   peers hold of its own log, at the next index, and no evidence is raised.
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

pub() { publish "$1" "$2" > "$T/pub.out" 2>&1; }

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
one_entry "old-key-late" > "$T/late.json"
publish m1 "$T/late.json" > "$T/out" 2> "$T/err"
check_eq "m1, still on the old key, refuses to publish (exit 1)" 1 $?
check "saying the key was rotated and what to do" \
	grep -q "rotated the key of $O1 .* from size $((S + 1)).*set \[node\] key to the new key file and restart" "$T/err"
check_eq "m1's log did not grow" "$S" "$(size_on m1 "$O1")"
fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
check "m1 starts on its new key file" fed_start_node m1
check "m1 signs with the rotated key" grep -q "signing with the key the registry rotated in" "$F/m1/remactod.log"
one_entry "after-rotation" > "$T/e1.json"
check "m1 publishes entry $S under the new key" wait_for 30 pub m1 "$T/e1.json"
check "m2 replicates it" wait_for 30 holds m2 "$O1" $((S + 1))
check "the authority's node replicates it" wait_for 30 holds registry "$O1" $((S + 1))
get m2 "/logs/$(slug_of m1)/checkpoint" > "$T/m2.cp"
check "m2's checkpoint of m1's log verifies with the new key (Go's note)" \
	goverify checkpoint "$NEWVK" "$T/m2.cp"


# ---- suspending and reinstating a member ----
O2=$(origin_of m2)
# shellcheck disable=SC2046
check "the federation converges again" wait_for 60 converged 3 $(nodes)
S2=$(held "$O2")
"$REMACTO" member suspend --data "$A" --origin "$O2" --reason-fr "Audit en cours" \
	--reason-ar "تدقيق جار" > "$T/out" 2> "$T/err"
check_eq "member suspend without --at-size is appended" 0 $?
check "at the size the authority's node holds ($S2)" grep -q "past size $S2" "$T/err"
SUSP_IX=$(($(cat "$T/out") - 1))
# suspended_on NAME: the node's registry says m2 is suspended past S2.
suspended_on() {
	[ "$("$REMACTO" members --data "$F/$1/data" | awk -v o="$O2" '$1 == o { print $7, $8 }')" = "past $S2" ]
}
check "m2's node replicates the suspension" wait_for 30 suspended_on m2
one_entry "while-suspended" > "$T/s.json"
publish m2 "$T/s.json" > "$T/out" 2> "$T/err"
check_eq "remacto publish on the suspended member's node exits 5" 5 $?
check "with the suspension in the message" \
	grep -q "HTTP 403.*$O2 is suspended by the network authority past size $S2 (registry entry $SUSP_IX, [0-9-]*: Audit en cours); publishing is refused until the authority reinstates it" "$T/err"
printf 'member,kind,id\nx,y,z\n' > "$T/s.csv"
"$REMACTO" import --config "$F/m2/node.conf" "$T/s.csv" > "$T/out" 2> "$T/err"
check_eq "remacto import exits 5 too" 5 $?
"$REMACTO" status --config "$F/m2/node.conf" > "$T/status" 2>> "$T/check.log"
check "remacto status says so" grep -q "^suspended: *past size $S2, registry entry $SUSP_IX ([0-9-]*)$" "$T/status"
check "with the reasons" sh -c "grep -q 'reason (fr): *Audit en cours' '$T/status' && grep -q 'reason (ar): *تدقيق جار' '$T/status'"
check "and that publishing is refused" grep -q "^publishing: *refused" "$T/status"
# healthz NAME: "HTTP-code body" of the node's /healthz.
healthz() { curl -s --http1.1 --max-time 5 --cacert "$F/tls/ca.pem" -w ' %{http_code}' "$(url_of "$1")/healthz"; }
h=$(healthz m2)
check_eq "m2's /healthz answers 503" 503 "${h##* }"
check_eq "degraded, with the reason and the suspension" \
	"degraded|$O2 is suspended by the network authority past size $S2|$S2|$SUSP_IX" \
	"$(echo "${h% *}" | $PY -c 'import json, sys; j = json.load(sys.stdin); print(j["status"], j["reason"].split(" (")[0], j["suspended"]["atSize"], j["suspended"]["registryIndex"], sep="|")')"
check_eq "m1's /healthz stays 200" 200 "$(healthz m1 | sed 's/.* //')"
# The compliance overview, on another node: the member is flagged and counted.
get m1 /api/v1/compliance > "$T/comp.json"
check_eq "the compliance overview on m1 flags m2 suspended, and counts it" "True|$S2|1" \
	"$($PY -c 'import json, sys
j = json.load(open(sys.argv[1]))
r = [m for m in j["members"] if m["origin"] == sys.argv[2]][0]
print(r["suspended"], r["suspendedAtSize"], j["counts"]["suspended"], sep="|")' "$T/comp.json" "$O2")"
check_eq "m2's log did not grow" "$S2" "$(size_on m2 "$O2")"
fed_stop_node m2
check "the suspended node restarts (it answers /healthz, degraded)" fed_start_node m2
publish m2 "$T/s.json" > "$T/out" 2>> "$T/check.log"
check_eq "and still refuses to publish (exit 5): the registry it holds says so" 5 $?

"$REMACTO" member reinstate --data "$A" --origin "$O2" --reason-fr "Audit clos" > "$T/out" 2> "$T/err"
check_eq "member reinstate is appended" 0 $?
check "m2's publication goes through once its node has the reinstatement" wait_for 30 pub m2 "$T/s.json"
check "m1 replicates the entry published after reinstatement" wait_for 30 holds m1 "$O2" $((S2 + 1))
check "the authority's node replicates it" wait_for 30 holds registry "$O2" $((S2 + 1))
check_eq "m2's /healthz is 200 again" 200 "$(healthz m2 | sed 's/.* //')"
"$REMACTO" status --config "$F/m2/node.conf" > "$T/status" 2>> "$T/check.log"
check_fails "remacto status no longer shows a suspension" grep -q "^suspended:" "$T/status"

# ---- restoring a node from a backup ----
# The runbook: an online copy with mdb_copy while the node runs, verified; the key kept apart.
B="$T/backup"
install -d -m 700 "$B"
check "mdb_copy -c makes an online backup of m2's data folder" mdb_copy -c "$F/m2/data" "$B"
cp -p "$F/m2/data/node.key" "$T/saved-node.key"
check "remacto log verify passes on the copy" "$REMACTO" log verify --data "$B" --origin "$O2"
one_entry "after-backup" > "$T/b.json"
check "m2 publishes after the backup" pub m2 "$T/b.json"
check "m1 holds that entry" wait_for 30 holds m1 "$O2" $((S2 + 2))
fed_stop_node m2
mv "$F/m2/data" "$F/m2/data.broken"
install -d -m 700 "$F/m2/data"
install -m 600 "$B/data.mdb" "$F/m2/data/"
install -m 600 "$T/saved-node.key" "$F/m2/data/node.key"
check "m2 starts from the backup" fed_start_node m2
check_eq "the backup holds m2's log at $((S2 + 1)) entries" $((S2 + 1)) \
	"$("$REMACTO" log list --data "$B" | awk -v o="$O2" '$1 == o { print $2 }')"
one_entry "after-restore" > "$T/r.json"
check "m2 publishes once it has caught up with what its peers hold of its log" wait_for 60 pub m2 "$T/r.json"
check "the entry lands after the one published after the backup (index $((S2 + 2)))" \
	grep -q "index $((S2 + 2)), tree size $((S2 + 3))" "$T/pub.out"
check "the restored node waited for what its peers hold of its log" grep -q \
	"the federation holds $((S2 + 2)) entries of this node's own log, it holds $((S2 + 1)): publishing waits" \
	"$F/m2/remactod.log"
# Caught up, then (once every peer said what it holds: a restored node waits for them) resumed.
resumed() { sed -n "/own log is caught up ($((S2 + 2)) entries)/,\$p" "$F/m2/remactod.log" | grep -q "publishing resumes"; }
check "and resumed once caught up" resumed
check "m1 replicates it" wait_for 30 holds m1 "$O2" $((S2 + 3))
check_eq "and holds no evidence against m2" 0 \
	"$(get m1 /api/v1/evidence | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))')"

fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

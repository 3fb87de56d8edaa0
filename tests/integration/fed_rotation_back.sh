#!/bin/sh
# Federation: a key rotation that reaches back (issue 9, finding 2). The authority rotates m1's
# key from a size N that every node already holds under the old key (`remacto member rotate-key
# --from-size N`, with --force where the CLI refuses it otherwise), then m2 restarts. The
# checkpoints of m1's log the nodes hold at N or more were valid when signed, and are now
# signed by a key the registry retired at their size: each node falls back to its last
# checkpoint the registry still allows, sets the retired ones its peers send aside, and holds
# nothing against the peers that send them. Checked: no session is penalised, the restarted
# node gets every later entry and the next registry entry, nobody holds evidence, the served
# checkpoint verifies under the registry's key at its size (Go's note), and once m1 runs with
# its new key its log replicates past the rotation. In the same state, m3 restored from a
# backup older than what its peers hold of its log publishes only after catching up to it,
# at the next index, never at one they hold (the finding's last sentence).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/b" 3 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "3 members and the authority converge" wait_for 60 converged 4 $(nodes)
O1=$(origin_of m1) S1=$(slug_of m1) O3=$(origin_of m3)
# m1 publishes one entry at a time, each replicated before the next: every node then holds
# m1's signed checkpoints of several sizes, the last ones at and above N.
everyone_holds() { for n in $(nodes); do holds "$n" "$O1" "$1" || return 1; done; }
i=0
while [ $i -lt 4 ]; do
	one_entry "before-rotation-$i" > "$T/b.json"
	want=$(($(size_on m1 "$O1") + 1))
	publish m1 "$T/b.json" > /dev/null 2>> "$T/check.log" &&
		wait_for 30 everyone_holds "$want" || notok "m1's entry $want reaches every node"
	i=$((i + 1))
done
S=$(size_on m1 "$O1")
N=$((S - 2))
# m3's backup, then two more entries of m3 that every node holds.
fed_stop_node m3
cp -a "$F/m3/data" "$T/m3-backup"
fed_start_node m3 || notok "m3 restarts"
{ one_entry "after-backup-1"; one_entry "after-backup-2"; } > "$T/m3b.jsonl"
B3=$(size_on m2 "$O3")
pub3b() { publish m3 "$T/m3b.jsonl" > /dev/null 2>> "$T/check.log"; }
check "m3 publishes two entries after its backup (once a peer said what it holds)" wait_for 30 pub3b
H3=$((B3 + 2))
everyone_holds3() { for n in $(nodes); do holds "$n" "$O3" "$H3" || return 1; done; }
check "every node holds m3's log at $H3, beyond m3's backup" wait_for 30 everyone_holds3
OLDVK=$(get m2 "/api/v1/logs/$S1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
NEWVK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/new.key")
force=""
"$REMACTO" member rotate-key --help 2>&1 | grep -q -- --force && force=--force
check "remacto member rotate-key --from-size $N $force (every node holds $O1 at $S)" \
	sh -c "'$REMACTO' member rotate-key --data '$F/registry/data' --origin '$O1' --verifier-key '$NEWVK' --from-size $N $force --reason-fr 'Clé perdue' --reason-ar 'مفتاح مفقود' > /dev/null"
reg_size() { "$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }'; }
REG=$(reg_size)
reg_everywhere() {
	for n in $(nodes); do [ "$(size_on "$n" remacto.ma/registry)" -ge "$1" ] || return 1; done
}
check "every node replicates the rotation (registry size $REG)" wait_for 30 reg_everywhere "$REG"

# violations: the violations every peer session of every node counts, summed.
violations() {
	for n in $(nodes); do get "$n" /api/v1/peers; done | $PY -c '
import json, sys
dec, text, total = json.JSONDecoder(), sys.stdin.read(), 0
while text.strip():
    doc, end = dec.raw_decode(text.strip())
    text = text.strip()[end:]
    total += sum(p.get("violations", 0) for p in doc.get("peers", []))
print(total)'
}
V0=$(violations)
fed_stop_node m2
fed_start_node m2 || notok "m2 restarts"
# shellcheck disable=SC2046
check "after m2's restart the federation converges again" wait_for 60 converged 4 $(nodes)
check_eq "no peer session was penalised for the retired checkpoints" "$V0" "$(violations)"
bad=$(grep -l "signature does not verify" "$F"/*/remactod.log 2>/dev/null | wc -l)
check_eq "no node logged a checkpoint 'whose signature does not verify'" 0 "$bad"

# Later entries reach the restarted node, and so does the next registry entry.
W3=$(($(size_on m3 "$O3") + 1))
one_entry "after-rotation-m3" > "$T/m3.json"
check "m3 publishes" sh -c "'$REMACTO' publish --config '$F/m3/node.conf' '$T/m3.json' > /dev/null"
check "m3's new entry reaches the restarted m2" wait_for 30 holds m2 "$O3" "$W3"
check "the authority appends another registry entry" \
	sh -c "'$REMACTO' member announce --data '$F/registry/data' --origin '$O3' --url wss://127.0.0.1:1/peer --withdraw > /dev/null"
check "it reaches every node, the restarted m2 included" wait_for 30 reg_everywhere "$(reg_size)"

# What every node serves of m1's log is its last checkpoint below N, which the old key
# verifies; the tree is untouched.
for n in $(nodes); do
	get "$n" "/logs/$S1/checkpoint" > "$T/$n.cp"
	check_eq "$n serves m1's checkpoint of size $((N - 1)), the last below the rotation" \
		"$((N - 1))" "$(sed -n 2p "$T/$n.cp")"
	check "which the old key verifies (Go's note)" goverify checkpoint "$OLDVK" "$T/$n.cp"
	check_eq "$n still holds every entry of m1's log it held" "$S" "$(size_on "$n" "$O1")"
done

# m3 restored from its backup: refused until it holds what its peers hold, then at index H3.
H3=$(size_on m2 "$O3")
fed_stop_node m3
rm -rf "$F/m3/data"
cp -a "$T/m3-backup" "$F/m3/data"
fed_start_node m3 || notok "m3 restarts from its backup"
ADM3="http://127.0.0.1:$(awk '$1 == "m3" { print $4 }' "$F/nodes")"
one_entry "after-restore" > "$T/r.json"
pub3() {
	c=$(curl -s -o "$T/r.out" -w '%{http_code}' -H "Authorization: Bearer $(cat "$F/m3/data/admin.token")" \
		-H 'Content-Type: application/json' --data-binary "@$T/r.json" "$ADM3/api/v1/entries")
	[ "$c" = 200 ]
}
if wait_for 60 pub3; then
	check_eq "m3, restored from a backup, publishes at index $H3, the next one its peers hold" "$H3" \
		"$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["indexes"][0])' "$T/r.out")"
else
	notok "m3, restored from a backup, publishes again once caught up: $(cat "$T/r.out")"
fi
H3=$((H3 + 1))
check "every node holds m3's log at $H3" wait_for 30 everyone_holds3

# m1 runs with its new key: its next checkpoint (new key) replicates everywhere.
fed_stop_node m1
sed -i "s|^key = .*|key = $F/m1/new.key|" "$F/m1/node.conf"
fed_start_node m1 || notok "m1 restarts with its new key"
one_entry "new-key-1" > "$T/new.json"
pub_ok() { publish m1 "$T/new.json" > "$T/pub.out" 2>&1; }
check "m1 publishes entry $S with its new key" wait_for 30 pub_ok
for n in registry m2 m3; do
	check "$n replicates m1's log past the rotation" wait_for 30 holds "$n" "$O1" $((S + 1))
done
get m3 "/logs/$S1/checkpoint" > "$T/m3.cp"
check "m3 serves m1's new checkpoint, which the new key verifies (Go's note)" \
	goverify checkpoint "$NEWVK" "$T/m3.cp"
no_evidence() {
	for n in $(nodes); do
		c=$(get "$n" /api/v1/evidence | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))')
		[ "$c" = 0 ] || { echo "$n holds $c"; return 1; }
	done
}
check "no node holds evidence against anyone" no_evidence
check_eq "and no session was penalised along the way" "$V0" "$(violations)"
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# Federation: a registry that no single key controls (docs/PROTOCOL.md §8). A running 1-of-1
# federation (the authority's key alone) goes 2-of-3 with `remacto network govern`; a member
# node stopped meanwhile starts again from its 1-of-1 data folder and follows by itself.
# Changes then need two approvals, collected offline: prepared with --propose on a member's
# machine, signed by a key holder against the registry their own node holds, submitted on the
# authority's folder. A registry checkpoint with fewer approvals (the authority's key alone,
# e.g. stolen) is refused by every node; one key lost, the other two still admit a member,
# rotate a member's key and rotate the lost key out; the rotated key's later approvals count
# for nothing, on the command line and on every node.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

REGO=remacto.ma/registry
fed_start "$T/r" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
REG=$F/registry/data
reg_size() { "$REMACTO" log list --data "$REG" | awk -v o="$REGO" '$1 == o { print $2 }'; }
reg_on() { # NODE... : every one holds the registry at size $WANT
	for n in "$@"; do [ "$(size_on "$n" "$REGO")" -eq "$WANT" ] || return 1; done
}
gov_group() { "$REMACTO" network governance --data "$1" | grep '^group'; }
rc_of() { "$@" > "$T/out" 2> "$T/err"; echo $?; }

# The two other key holders, each with a key of their own (named as the registry).
mkdir -p "$T/arm" "$T/civil"
ARM=$("$REMACTO" keygen --origin "$REGO" --out "$T/arm/gov.key")
CIVIL=$("$REMACTO" keygen --origin "$REGO" --out "$T/civil/gov.key")

# ---- 1-of-1 → 2-of-3, and a 1-of-1 data folder from before that migrates by itself.
check_eq "before any change the authority's key governs alone" "quorum none" \
	"$("$REMACTO" network governance --data "$REG" | tail -n 1)"
fed_stop_node m2
check "network govern --add arm --add civil --quorum 2 is appended by the authority alone" \
	"$REMACTO" network govern --data "$REG" --add "arm=$ARM" --add "civil=$CIVIL" --quorum 2
WANT=$(reg_size)
check "m1 follows the registry to size $WANT" wait_for 30 reg_on m1
check_eq "m1's data folder holds the registry governed 2 of 3" \
	"group governance 2 authority arm civil" "$(gov_group "$F/m1/data")"

# ---- An admission, its approvals collected offline.
NEWO=remacto.ma/commune-gouvernance
NEWVK=$("$REMACTO" keygen --origin "$NEWO" --out "$T/new.key")
set -- member add --origin "$NEWO" --verifier-key "$NEWVK" --hcp 1999901 --kind commune \
	--name-fr "Commune de la gouvernance" --name-ar "جماعة الحكامة"
check_eq "with the authority's approval alone the admission is refused (exit 3)" 3 \
	"$(rc_of "$REMACTO" "$@" --data "$REG")"
check "saying how many approvals it has and needs" grep -q "governed 2 of 3 and this change has 1 approval" "$T/err"
check_eq "and the registry did not grow" "$WANT" "$(reg_size)"
check "the admission is prepared on m1's machine (--propose)" \
	"$REMACTO" "$@" --data "$F/m1/data" --propose "$T/admit.prop"
check_eq "the authority alone still cannot submit it (exit 3)" 3 \
	"$(rc_of "$REMACTO" network submit --data "$REG" --file "$T/admit.prop")"
check "arm signs it on its machine, checked against the registry m1 holds" \
	"$REMACTO" network sign --file "$T/admit.prop" --key "$T/arm/gov.key" --label arm --data "$F/m1/data"
check "the proposal now carries arm's approval" grep -q '^— arm ' "$T/admit.prop"
check "network submit appends it with 2 approvals" \
	"$REMACTO" network submit --data "$REG" --file "$T/admit.prop"
WANT=$((WANT + 1))
check_eq "the registry grew by the admission" "$WANT" "$(reg_size)"
check "the stopped member starts again from its 1-of-1 data folder" fed_start_node m2
# shellcheck disable=SC2046
check "every node holds the admission (size $WANT), m2 included" wait_for 60 reg_on $(nodes)
check_eq "m2 migrated: its folder holds the registry governed 2 of 3" \
	"group governance 2 authority arm civil" "$(gov_group "$F/m2/data")"
check "m2's trust policy has the new member's key" sh -c "curl -sf --http1.1 --max-time 5 --cacert '$F/tls/ca.pem' '$(url_of m2)/api/v1/policy' | grep -qx 'log $NEWVK'"
# m1 held the governance when the admission came: it keeps and serves the approvals. (m2 took
# it under the 1-of-1 registry it held, which knows no approval key: docs/PROTOCOL.md §8.)
get m1 /logs/registry/checkpoint > "$T/admit.cp"
check "the registry checkpoint m1 serves carries arm's approval" grep -q '^— arm ' "$T/admit.cp"
"$REMACTO" network governance --data "$F/m2/data" > "$T/gov.policy"
check_eq "Go reads the governance as a tlog-policy: 3 logs, 3 witnesses, quorum governance" \
	"logs 3 witnesses 3 groups 1 quorum governance" "$(goverify policy "$T/gov.policy" | head -1)"
check_eq "and finds the checkpoint approved by authority and arm, the quorum met (Go)" \
	"authority arm" "$(goverify approved "$T/gov.policy" "$T/admit.cp" | tr '\n' ' ' | sed 's/ $//')"
NGOV=$(get m2 /api/v1/logs/registry | $PY -c 'import json, sys; print(json.load(sys.stdin)["size"])')
i=0 gi=""
while [ "$i" -lt "$NGOV" ]; do
	get m2 "/api/v1/logs/registry/entries?start=$i&limit=1" | grep -q governancePolicy && gi=$i
	i=$((i + 1))
done
get m2 /api/v1/policy > "$T/net.policy"
get m2 "/api/v1/logs/registry/tlog-proof?index=$gi" > "$T/gov.proof"
check "a tlog-proof of the governance entry ($gi) verifies under the network's policy (remacto)" \
	"$REMACTO" proof verify --policy "$T/net.policy" "$T/gov.proof"
check "and with Go" goverify tlogproof "$T/net.policy" "$T/gov.proof"

# ---- civil's key is lost: authority and arm go on.
O1=$(origin_of m1)
M1VK=$("$REMACTO" keygen --origin "$O1" --out "$F/m1/next.key")
check "a member's key rotation is proposed, arm approves it" sh -c "
	'$REMACTO' member rotate-key --data '$REG' --origin '$O1' --verifier-key '$M1VK' --propose '$T/rot.prop' &&
	'$REMACTO' network sign --file '$T/rot.prop' --key '$T/arm/gov.key' --label arm > /dev/null"
check "and is submitted" "$REMACTO" network submit --data "$REG" --file "$T/rot.prop"
CIVIL2=$("$REMACTO" keygen --origin "$REGO" --out "$T/civil/gov2.key")
check "civil's lost key is rotated out: proposed, approved by arm" sh -c "
	'$REMACTO' network govern --data '$REG' --rotate 'civil=$CIVIL2' --propose '$T/gov.prop' &&
	'$REMACTO' network sign --file '$T/gov.prop' --key '$T/arm/gov.key' --label arm > /dev/null"
check "and submitted" "$REMACTO" network submit --data "$REG" --file "$T/gov.prop"
WANT=$((WANT + 2))
# shellcheck disable=SC2046
check "every node holds both changes (size $WANT)" wait_for 30 reg_on $(nodes)
"$REMACTO" network governance --data "$F/m1/data" > "$T/gov.now"
check "m1 holds civil's new key" grep -qx "log $CIVIL2" "$T/gov.now"
check_fails "and no longer the old one" grep -qx "log $CIVIL" "$T/gov.now"

# ---- The rotated key's later approvals count for nothing.
set -- member add --origin remacto.ma/commune-refusee --verifier-key "$("$REMACTO" keygen --origin remacto.ma/commune-refusee --out "$T/r2.key")" \
	--hcp 1999902 --kind commune --name-fr "Commune refusée" --name-ar "جماعة مرفوضة"
"$REMACTO" "$@" --data "$F/m1/data" --propose "$T/old.prop" 2> /dev/null
check_eq "civil's old key cannot sign against the registry m1 holds (exit 3)" 3 \
	"$(rc_of "$REMACTO" network sign --file "$T/old.prop" --key "$T/civil/gov.key" --label civil --data "$F/m1/data")"
"$REMACTO" network sign --file "$T/old.prop" --key "$T/civil/gov.key" --label civil > /dev/null 2>&1
check_eq "signed without the check, authority + old civil is refused at submit (exit 3)" 3 \
	"$(rc_of "$REMACTO" network submit --data "$REG" --file "$T/old.prop")"
check "as 1 approval of the 2 needed" grep -q "has 1 approval" "$T/err"
check "the new civil key approves it" "$REMACTO" network sign --file "$T/old.prop" --key "$T/civil/gov2.key" --label civil --data "$F/m1/data"
check "then it is submitted" "$REMACTO" network submit --data "$REG" --file "$T/old.prop"
WANT=$((WANT + 1))
# shellcheck disable=SC2046
check "every node holds it (size $WANT)" wait_for 30 reg_on $(nodes)

# ---- A node configured with the registry's policy ([authority] policy).
fed_stop_node m1
"$REMACTO" network governance --data "$REG" > "$T/registry.policy"
printf 'log %s\nquorum governance\n' "$ARM" > "$T/bad.policy"
sed -i "s|^verifier_key = .*|&\npolicy = $T/bad.policy|" "$F/m1/node.conf"
check_fails "m1 does not start with a policy that is no governance" fed_start_node m1
check "saying what is wrong with it" grep -q "\[authority\] policy $T/bad.policy: policy line 2" "$F/m1/remactod.log"
sed -i "s|^policy = .*|policy = $T/registry.policy|" "$F/m1/node.conf"
check "m1 starts with the registry's policy" fed_start_node m1
check "and says how the registry is governed" grep -q "the registry is governed as $T/registry.policy says: 2 of 3 keys" "$F/m1/remactod.log"

# ---- A checkpoint from the authority's key alone (a stolen key on a copy of its folder).
fed_stop_node registry
cp -a "$REG" "$T/stolen"
fed_start_node registry
printf '{"schema":1,"memberAdmission":{"origin":"remacto.ma/commune-pirate","verifierKey":"%s","hcpCode":"1999903","kind":"MEMBER_KIND_COMMUNE","name":{"fr":"Pirate","ar":"قرصان"},"date":"2026-01-01"}}\n' \
	"$("$REMACTO" keygen --origin remacto.ma/commune-pirate --out "$T/p.key")" > "$T/pirate.jsonl"
"$REMACTO" log append --data "$T/stolen" --origin "$REGO" < "$T/pirate.jsonl" > /dev/null
"$REMACTO" log checkpoint --data "$T/stolen" --origin "$REGO" > "$T/one.cp"
# Approval lines for that checkpoint, by any key: a proposal of its text (with an entry of
# another proposal: only the checkpoint is signed), signed unchecked.
approval() { # KEYFILE LABEL
	{ printf 'remacto-proposal/v1\nwhat forged\n%s\n\n' "$(grep -m1 '^entry ' "$T/old.prop")"
		sed '/^$/q' "$T/one.cp"; } > "$T/f.prop"
	"$REMACTO" network sign --file "$T/f.prop" --key "$1" --label "$2" 2> /dev/null
}
{ cat "$T/one.cp"; approval "$REG/authority.key" authority; approval "$T/civil/gov.key" civil; } > "$T/oldcivil.cp"
{ cat "$T/one.cp"; approval "$REG/authority.key" authority; approval "$T/civil/gov2.key" civil; } > "$T/good.cp"
check_eq "the checkpoints are of size $((WANT + 1))" "$((WANT + 1))" "$(sed -n 2p "$T/one.cp")"
"$REMACTO" network governance --data "$REG" > "$T/gov2.policy"
check_fails "Go: the authority's signature alone does not meet the governance's quorum" \
	goverify approved "$T/gov2.policy" "$T/one.cp"
check_fails "nor with civil's rotated key's approval" goverify approved "$T/gov2.policy" "$T/oldcivil.cp"
check "with civil's new key's approval it does (Go)" goverify approved "$T/gov2.policy" "$T/good.cp"
mkdir -p "$T/pb"
for n in m1 m2; do
	if out=$(hostile aside-note "$n" --origin "$REGO" --note "$T/one.cp" 2>&1); then
		ok "$n refuses the registry checkpoint signed by the authority's key alone: $(echo "$out" | tail -n 1 | sed 's/^hostile_peer [a-z-]*: ok: //')"
	else
		notok "$n refuses the checkpoint signed by the authority's key alone: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	if out=$(hostile aside-note "$n" --origin "$REGO" --note "$T/oldcivil.cp" 2>&1); then
		ok "$n refuses it approved by the authority and civil's rotated key"
	else
		notok "$n refuses it approved by the authority and civil's rotated key: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	check "$n says why in its log (0 approvals, 2 needed)" grep -q "approved by 0 of its governance keys, 2 needed: not taken" "$F/$n/remactod.log"
done
# shellcheck disable=SC2046
check "no node took it (registry size $WANT everywhere)" reg_on $(nodes)
# The control: the same checkpoint with two approvals of the governance is taken up (the node
# asks for its entries, which the hostile peer never sends).
check_fails "m1 takes up the same checkpoint approved by the authority and civil's new key" \
	hostile aside-note m1 --origin "$REGO" --note "$T/good.cp"
fed_dump 20
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

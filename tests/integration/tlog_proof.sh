#!/bin/sh
# C2SP tlog-proof and tlog-policy (issue 11): a federation of the authority and two members
# serves the network's trust policy (GET /api/v1/policy) and, for every entry of every log, a
# tlog-proof file (GET /api/v1/logs/<slug>/tlog-proof?index=I) that `remacto proof verify` and
# an independent verifier (Go's sumdb/note and sumdb/tlog, tests/integration/goverify) both
# accept offline: every kind of entry of the demo and of the registry. Tampered proofs (wrong
# index, wrong hash line, cosignatures taken off or forged) are refused by both. The witness
# quorum set in the registry (`remacto policy set --witness-quorum`) and a suspension change
# the policy from their registry size on: a quorum no proof meets, a suspended member's log,
# are refused; the policy as of the registry size before still verifies the same files.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/f" 2 mesh --seed --announce || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "the authority and 2 members converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2) S1=$(slug_of m1) S2=$(slug_of m2)
REG=remacto.ma/registry
goverify policy /dev/null > /dev/null 2>&1 # build it once

# pv POLICY PROOF [ENTRY]: remacto proof verify, quietly.
pv() {
	if [ $# -eq 3 ]; then
		"$REMACTO" proof verify --policy "$1" --entry "$3" "$2"
	else
		"$REMACTO" proof verify --policy "$1" "$2"
	fi
}
# proof NODE SLUG INDEX FILE
proof() { get "$1" "/api/v1/logs/$2/tlog-proof?index=$3" > "$4"; }

get m1 /api/v1/policy > "$T/policy"
get m2 /api/v1/policy > "$T/policy.m2"
get registry /api/v1/policy > "$T/policy.reg"
check "every node serves the same policy" sh -c "cmp -s '$T/policy' '$T/policy.m2' && cmp -s '$T/policy' '$T/policy.reg'"
check_eq "the independent verifier reads it: 3 logs, 3 witnesses, the quorum group" \
	"logs 3 witnesses 3 groups 1 quorum network.quorum" "$(goverify policy "$T/policy" | head -1)"
check_eq "its logs are the registry and both members" "$REG $O1 $O2" \
	"$(goverify policy "$T/policy" | awk '$1 == "log" { printf "%s%s", s, $2; s = " " }')"
check_eq "its witnesses are their nodes, named by origin" "$REG $O1 $O2" \
	"$(goverify policy "$T/policy" | awk '$1 == "witness" { printf "%s%s", s, $2; s = " " }')"
VK2=$(get m1 "/api/v1/logs/$S2" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
check "m2's log key in the policy is the one m2's log is served with" grep -qx "log $VK2 https://127.0.0.1:$(port_of m2)/logs/$S2" "$T/policy"
check "the witness key of m2 is its log key as a cosignature key (type 0x04)" $PY -c '
import base64, sys
pol = open(sys.argv[1]).read().split("\n")
log = [l.split()[1] for l in pol if l.startswith("log " + sys.argv[2] + "+")][0]
wit = [l.split()[2] for l in pol if l.startswith("witness " + sys.argv[2] + " ")][0]
a, b = base64.b64decode(log.split("+", 2)[2]), base64.b64decode(wit.split("+", 2)[2])
sys.exit(not (a[0] == 1 and b[0] == 4 and a[1:] == b[1:]))' "$T/policy" "$O2"
"$REMACTO" network policy --data "$F/registry/data" > "$T/policy.cli"
check "remacto network policy --data (the authority's folder) prints the same policy" cmp -s "$T/policy" "$T/policy.cli"
"$REMACTO" network policy --url "$(url_of m2)" --ca "$F/tls/ca.pem" > "$T/policy.url"
check "remacto network policy --url prints the same policy" cmp -s "$T/policy" "$T/policy.url"

# Every log's checkpoint gets the other nodes' cosignatures (the quorum of 1 is met by one).
S2N=$(size_on m1 "$O2") REGN=$(size_on m1 $REG)
cosigned() { proof m1 "$2" 0 "$T/c.proof" && pv "$1" "$T/c.proof" > /dev/null; }
check "m1 serves m2's log with a cosignature of another node" wait_for 30 cosigned "$T/policy" "$S2"
check "m1 serves the registry's log with a member's cosignature" wait_for 30 cosigned "$T/policy" registry

# Every entry of m2's log (the demo's kinds) and of the registry, both verifiers.
verify_all() { # NODE SLUG SIZE POLICY → "remacto-ok go-ok kinds"
	ok_r=0 ok_g=0
	: > "$T/kinds"
	i=0
	while [ "$i" -lt "$3" ]; do
		proof "$1" "$2" "$i" "$T/e.proof"
		if pv "$4" "$T/e.proof" > "$T/e.out" 2>&1; then
			ok_r=$((ok_r + 1))
			sed -n 's/^ok - entry: .*(a \([A-Za-z]*\)).*/\1/p' "$T/e.out" >> "$T/kinds"
		else
			sed 's/^/# /' "$T/e.out"
		fi
		goverify tlogproof "$4" "$T/e.proof" > /dev/null 2>> "$T/go.err" && ok_g=$((ok_g + 1))
		i=$((i + 1))
	done
	echo "$ok_r $ok_g $(sort -u "$T/kinds" | tr '\n' ' ')"
}
out=$(verify_all m1 "$S2" "$S2N" "$T/policy")
check_eq "all $S2N proofs of m2's log verify (remacto, Go) with every demo kind" \
	"$S2N $S2N amendment assessment commitment consultation evidence indicator measurement milestoneUpdate programme statusUpdate " "$out"
out=$(verify_all m2 registry "$REGN" "$T/policy")
check_eq "all $REGN proofs of the registry verify, from another node" \
	"$REGN $REGN catalogIndicator memberAdmission peerAnnouncement " "$out"

# What remacto proof verify says, and --entry.
proof m2 "$S2" 3 "$T/p3"
pv "$T/policy" "$T/p3" > "$T/p3.out"
check "it names the log signature, each cosignature, the quorum and the inclusion" sh -c "
	grep -q '^ok - signature of the log $O2+' '$T/p3.out' &&
	grep -q '^ok - cosignature of witness ' '$T/p3.out' &&
	grep -q '^ok - witness quorum met' '$T/p3.out' &&
	grep -q '^ok - inclusion: entry 3 is in the tree of $S2N entries' '$T/p3.out' &&
	tail -1 '$T/p3.out' | grep -qx VERIFIED"
sed -n 's/^extra //p' "$T/p3" | base64 -d > "$T/e3.bin"
check "--entry with the entry's own bytes verifies" pv "$T/policy" "$T/p3" "$T/e3.bin"
printf 'x' >> "$T/e3.bin"
pv "$T/policy" "$T/p3" "$T/e3.bin" > /dev/null
check_eq "--entry with other bytes: not verified (exit 4)" 4 $?

# Tampered proofs: both verifiers refuse each.
refused_by_both() { # DESCRIPTION FILE
	pv "$T/policy" "$2" > "$T/t.out" 2>&1
	rc=$?
	if [ "$rc" -eq 4 ] && grep -q '^not ok - ' "$T/t.out" && ! goverify tlogproof "$T/policy" "$2" > /dev/null 2>&1; then
		ok "$1: refused by remacto (exit 4) and by Go"
	else
		notok "$1: remacto exit $rc, Go $(goverify tlogproof "$T/policy" "$2" 2>&1)"
	fi
}
sed 's/^index 3$/index 4/' "$T/p3" > "$T/bad.index"
refused_by_both "a proof of entry 3 relabelled index 4" "$T/bad.index"
awk 'NR == 4 { $0 = (substr($0, 1, 1) == "A" ? "B" : "A") substr($0, 2) } { print }' "$T/p3" > "$T/bad.hash"
refused_by_both "a proof with a wrong hash line" "$T/bad.hash"
grep -v "^— $REG \|^— $O1 " "$T/p3" > "$T/bad.nocosig"
refused_by_both "a proof whose cosignatures were taken off (quorum 1 not met)" "$T/bad.nocosig"
awk -v w="$REG" '$2 == w { s = $3; c = substr(s, 40, 1); $3 = substr(s, 1, 39) (c == "A" ? "B" : "A") substr(s, 41) } { print }' "$T/p3" > "$T/bad.forged"
refused_by_both "a proof with a forged cosignature" "$T/bad.forged"
check "the untouched proof still verifies (the checks above can pass)" pv "$T/policy" "$T/p3"

# The witness quorum from the registry.
R0=$(size_on registry $REG)
"$REMACTO" policy set --data "$F/registry/data" --witness-quorum 3 > /dev/null
reg_size() { for n in $(nodes); do [ "$(size_on "$n" $REG)" -ge "$1" ] || return 1; done; }
check "remacto policy set --witness-quorum 3 reaches every node" wait_for 30 reg_size $((R0 + 1))
get m1 /api/v1/policy > "$T/policy.q3"
check "the policy now asks 3 witnesses" grep -qx "group network.quorum 3 $REG $O1 $O2" "$T/policy.q3"
pv "$T/policy.q3" "$T/p3" > "$T/q3.out"
check_eq "m2's proof has 2 cosignatures besides its own node's: not verified under quorum 3" \
	"4 not ok - witness quorum: 2 counted cosignatures do not meet the policy's quorum" \
	"$? $(grep '^not ok' "$T/q3.out")"
check_fails "the independent verifier refuses it too" goverify tlogproof "$T/policy.q3" "$T/p3"
get m1 "/api/v1/policy?registrySize=$R0" > "$T/policy.r0"
check "the policy as of registry size $R0 is the one from before" cmp -s "$T/policy" "$T/policy.r0"
check "and still verifies the proof" pv "$T/policy.r0" "$T/p3"
"$REMACTO" policy set --data "$F/registry/data" --witness-quorum 2 > /dev/null
check "quorum 2 reaches every node" wait_for 30 reg_size $((R0 + 2))
get m1 /api/v1/policy > "$T/policy.q2"
check "under quorum 2 the proof verifies (remacto)" pv "$T/policy.q2" "$T/p3"
check "under quorum 2 the proof verifies (Go)" goverify tlogproof "$T/policy.q2" "$T/p3"

# A suspended member leaves the policy.
proof m2 "$S1" 1 "$T/m1.proof"
check "a proof of m1's log verifies before the suspension" pv "$T/policy.q2" "$T/m1.proof"
"$REMACTO" member suspend --data "$F/registry/data" --origin "$O1" --reason-fr Audit --reason-ar تدقيق > /dev/null 2>&1
check "the suspension reaches every node" wait_for 30 reg_size $((R0 + 3))
get m2 /api/v1/policy > "$T/policy.susp"
check "the policy leaves m1 out: no log, no witness, a comment" sh -c "
	! grep -q '^log $O1+' '$T/policy.susp' && ! grep -q '^witness $O1 ' '$T/policy.susp' &&
	grep -qx '# $O1 is suspended: neither its log nor its node is trusted' '$T/policy.susp'"
pv "$T/policy.susp" "$T/m1.proof" > "$T/susp.out"
check_eq "a proof of the suspended member's log: not verified (no log key of the policy)" \
	"4 1" "$? $(grep -c '^not ok - the checkpoint: no log' "$T/susp.out")"
check_fails "the independent verifier refuses it too" goverify tlogproof "$T/policy.susp" "$T/m1.proof"
kinds="" gook=0
for i in $R0 $((R0 + 1)) $((R0 + 2)); do
	proof registry registry "$i" "$T/r.proof"
	kinds="$kinds $("$REMACTO" proof verify --policy "$T/policy.r0" "$T/r.proof" | sed -n 's/^ok - entry: .*(a \([A-Za-z]*\)).*/\1/p')"
	goverify tlogproof "$T/policy.r0" "$T/r.proof" > /dev/null 2>&1 && gook=$((gook + 1))
done
check_eq "the registry's new entries verify (remacto, Go) under the policy of their time" \
	" witnessPolicy witnessPolicy memberSuspension 3" "$kinds $gook"

# Errors of the routes.
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$F/tls/ca.pem" "$(url_of m1)$1"; }
check_eq "index out of range, missing, malformed: 400; unknown log: 404; policy size 0 or past the registry: 400" \
	"400 400 400 404 400 400 405" \
	"$(code "/api/v1/logs/$S2/tlog-proof?index=$S2N") $(code "/api/v1/logs/$S2/tlog-proof") $(code "/api/v1/logs/$S2/tlog-proof?index=x") $(code /api/v1/logs/nope/tlog-proof?index=0) $(code /api/v1/policy?registrySize=0) $(code "/api/v1/policy?registrySize=$((R0 + 100))") $(curl -s -o /dev/null -w '%{http_code}' --cacert "$F/tls/ca.pem" -X DELETE "$(url_of m1)/api/v1/policy")"
check "the proof is text/plain; charset=utf-8" sh -c "curl -sI --cacert '$F/tls/ca.pem' '$(url_of m1)/api/v1/logs/$S2/tlog-proof?index=0' | grep -qi '^content-type: text/plain; charset=utf-8'"

fed_dump
finish

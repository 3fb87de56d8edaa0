#!/bin/sh
# Observers (issue 13): the registry admits a civil-society observer (`remacto member add --kind
# observer`), which runs a node with a log of its own and signs assessments of a member's
# commitments; they replicate like any log and show on every node beside what the council
# signed, the member's node included, marked as an observer's; the compliance report counts
# the commitments independently assessed; the observer is listed by /api/v1/members and is not
# itself evaluated. Its node refuses assessments that name what does not exist; once the
# authority suspends it, its node refuses to publish and the other nodes refuse the entries it
# appends past the size it was suspended at.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/o" 2 line --seed --observers 1 || { notok "the federation starts with an observer and publishes its story"; finish; }
OBS=$(origin_of o1)
PREF=$(origin_of m2)
ps=$(slug_of m2)
# shellcheck disable=SC2046
check "2 members, an observer and the authority converge" wait_for 60 converged 4 $(nodes)

# ---- the registry ----
get m1 /api/v1/members > "$T/members.json"
check "/api/v1/members lists the observer with its kind, category, names, region and contact" \
	$PY - "$T/members.json" "$OBS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = [m for m in d["members"] if m["origin"] == sys.argv[2]][0]
assert d["registry"] == "remacto.ma/registry", d["registry"]
assert o["kind"] == "observer" and o["category"] == "association", o
assert o["name"]["fr"].startswith("Association Tafra") and o["name"]["ar"], o["name"]
assert o["region"] == "04" and o["contactUrl"].startswith("https://"), o
assert o["status"] == "active" and o["hcp"] is None and o["key"].startswith(sys.argv[2] + "+"), o
assert o["logSize"] >= 3, o
assert len(d["members"]) == 3, [m["origin"] for m in d["members"]]
kinds = sorted(m["kind"] for m in d["members"])
assert kinds == ["observer", "prefecture", "region"], kinds
PY
check "/api/v1/members?kind=observer lists only the observer" \
	sh -c "curl -sf --cacert '$F/tls/ca.pem' '$(url_of m2)/api/v1/members?kind=observer' | grep -c '\"kind\":\"observer\"' | grep -qx 1"
check "/api/v1/members.csv has the observer's row" \
	sh -c "curl -sf --cacert '$F/tls/ca.pem' '$(url_of m2)/api/v1/members.csv' | grep -q '^association-tafra,$OBS,observer,association,'"
check_fails "an observer without a contact URL is refused (nothing appended)" \
	"$REMACTO" member add --data "$F/registry/data" --origin remacto.ma/presse-x \
	--verifier-key "$("$REMACTO" keygen --origin remacto.ma/presse-x --out "$T/px.key")" \
	--kind observer --name-fr "Presse" --name-ar "صحافة"
check "and the refusal says why" grep -q -- "--contact-url is required for an observer" "$T/check.log"

# ---- assessments, replicated and shown on every node ----
# assessed COMMITMENT COMPLETION: every node shows the observer's assessment of it, naming the
# council's latest status update, beside the council's own status.
assessed() {
	for n in $(nodes); do
		get "$n" "/api/v1/commitments/$ps/$1" > "$T/c.$n.json" || return 1
		$PY - "$T/c.$n.json" "$OBS" "$2" <<'PY' || return 1
import json, sys
c = json.load(open(sys.argv[1]))
a = [x for x in c["assessments"] if x["origin"] == sys.argv[2]]
assert len(a) == 1, c["assessments"]
a = a[0]
assert a["observer"] is True and a["own"] is False, a
e = a["entry"]["assessment"]
assert e["memberOrigin"] == c["origin"], e
assert int(e["assessedIndex"]) == c["statusIndex"], (e["assessedIndex"], c["statusIndex"])
assert e["completion"] == sys.argv[3], e
assert c["status"] == "COMPLETION_SUBSTANTIAL", c["status"]
PY
	done
}
check "every node shows the observer's assessment agreeing with RBT-2024-01's progress" \
	wait_for 30 assessed RBT-2024-01 COMPLETION_SUBSTANTIAL
check "every node shows the observer's assessment disputing RBT-2024-02's progress" \
	wait_for 30 assessed RBT-2024-02 COMPLETION_LIMITED
no_own_assessment() {
	get m2 "/api/v1/commitments/$ps/RBT-2024-02" | $PY -c '
import json, sys
c = json.load(sys.stdin)
assert "assessment" not in [h["kind"] for h in c["history"]], c["history"]'
}
check "the member's history holds no entry of the observer's (nothing was written in its log)" no_own_assessment
get m2 "/api/v1/commitments/$ps/RBT-2024-01" > "$T/c1.json"
check "the member's own assessment is listed too, as its own and not an observer's" \
	$PY - "$T/c1.json" "$PREF" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
own = [x for x in c["assessments"] if x["origin"] == sys.argv[2]]
assert len(own) == 1 and own[0]["own"] and not own[0]["observer"], c["assessments"]
assert [x["index"] for x in c["assessments"] if x["own"]] == [h["index"] for h in c["history"] if h["kind"] == "assessment"]
PY

# ---- compliance: counted, not a penalty; the observer is not evaluated ----
get m1 "/api/v1/compliance/$ps" > "$T/rep.json"
check "the compliance report counts 2 of 3 commitments independently assessed, by 1 observer" \
	$PY - "$T/rep.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["independentAssessments"] == {"commitments": 3, "assessed": 2, "assessments": 2, "observers": 1}, r["independentAssessments"]
PY
get m1 "/api/v1/compliance/$ps?as-of=2025-10-19" > "$T/rep0.json"
check "as of the day before the assessments, none is counted" \
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["independentAssessments"]["assessed"] == 0, r["independentAssessments"]' "$T/rep0.json"
not_evaluated() {
	get m1 /api/v1/compliance | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert [m["origin"] for m in d["members"]] == sorted(sys.argv[1:]), d["members"]' "$(origin_of m1)" "$PREF"
}
check "the overview does not evaluate the observer" not_evaluated
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$F/tls/ca.pem" "$(url_of m1)/api/v1/compliance/$(slug_of o1)")
check_eq "the observer's compliance report is a 404" 404 "$code"

# ---- what the observer's node refuses ----
# refused FILE FIELD: remacto publish through o1 fails (3) with a 400 naming FIELD.
refused() {
	"$REMACTO" publish --config "$F/o1/node.conf" "$1" > "$T/pub.out" 2>&1
	rc=$?
	[ $rc -eq 3 ] && grep -q "$2" "$T/pub.out"
}
printf '{"schema":1,"assessment":{"id":"X1","commitmentId":"RBT-2099-99","memberOrigin":"%s","date":"2025-11-01","assessor":"Tafra","completion":"COMPLETION_LIMITED"}}\n' "$PREF" > "$T/bad1.json"
check "an assessment of a commitment the member never published is refused" refused "$T/bad1.json" "publishes no commitment RBT-2099-99"
printf '{"schema":1,"assessment":{"id":"X2","commitmentId":"RBT-2024-01","memberOrigin":"%s","assessedIndex":"1","date":"2025-11-01","assessor":"Tafra","completion":"COMPLETION_LIMITED"}}\n' "$PREF" > "$T/bad2.json"
check "an assessment naming an entry outside the commitment's history is refused" refused "$T/bad2.json" "not in the history of commitment RBT-2024-01"
printf '{"schema":1,"assessment":{"id":"X3","commitmentId":"RBT-2024-01","memberOrigin":"remacto.ma/nobody","date":"2025-11-01","assessor":"Tafra","completion":"COMPLETION_LIMITED"}}\n' > "$T/bad3.json"
check "an assessment of a log the node does not hold is refused" refused "$T/bad3.json" "holds no log of remacto.ma/nobody"

# ---- a member assessing another member: shown, not as an observer's ----
printf '{"schema":1,"assessment":{"id":"RSK-1","commitmentId":"RBT-2024-03","memberOrigin":"%s","date":"2025-11-02","assessorKind":"ASSESSOR_KIND_INDEPENDENT","assessor":"Région","completion":"COMPLETION_LIMITED"}}\n' "$PREF" > "$T/r.json"
check "a region publishes an assessment of the prefecture's commitment" publish m1 "$T/r.json"
by_member() {
	get m2 "/api/v1/commitments/$ps/RBT-2024-03" | $PY -c '
import json, sys
c = json.load(sys.stdin)
a = [x for x in c["assessments"] if x["origin"] == sys.argv[1]]
assert len(a) == 1 and a[0]["observer"] is False and a[0]["own"] is False, c["assessments"]' "$(origin_of m1)"
}
check "the region's assessment shows on the prefecture's node, not as an observer's" wait_for 30 by_member

# ---- suspension: the observer's later assessments are refused ----
# The suspension is at the size the authority holds: first let it hold all the observer
# published, or an entry signed before the suspension would look like one signed after it.
check "the registry holds the observer's whole log" wait_for 30 holds registry "$OBS" "$(size_on o1 "$OBS")"
osize=$(size_on registry "$OBS")
n=$("$REMACTO" member suspend --data "$F/registry/data" --origin "$OBS" --at-size "$osize" --reason-fr "Statuts non renouvelés" 2>> "$T/check.log")
check "the authority suspends the observer past size $osize" test -n "$n"
suspended_on() {
	get "$1" /api/v1/members | $PY -c '
import json, sys
o = [m for m in json.load(sys.stdin)["members"] if m["origin"] == sys.argv[1]][0]
assert o["status"] == "suspended" and o["suspendedAtSize"] == int(sys.argv[2]), o' "$OBS" "$osize"
}
for nn in $(nodes); do
	check "$nn lists the observer as suspended" wait_for 30 suspended_on "$nn"
done
printf '{"schema":1,"assessment":{"id":"LATE-1","commitmentId":"RBT-2024-03","memberOrigin":"%s","date":"2026-01-10","assessor":"Tafra","completion":"COMPLETION_NOT_STARTED"}}\n' "$PREF" > "$T/late.json"
"$REMACTO" publish --config "$F/o1/node.conf" "$T/late.json" > "$T/pub.out" 2>&1
check_eq "the suspended observer's node refuses to publish (exit 5)" 5 $?
# Appended offline behind its node's back, then served: the others refuse it.
fed_stop_node o1
check "the assessment is appended offline to the observer's log" \
	sh -c "'$REMACTO' log append --data '$F/o1/data' --origin '$OBS' < '$T/late.json'"
fed_start_node o1
check "the observer's node serves its longer log" wait_for 30 holds o1 "$OBS" $((osize + 1))
# Its own node signs no checkpoint past the suspension: it serves the one of size osize.
served_size() { get o1 "/logs/$(slug_of o1)/checkpoint" | sed -n 2p; }
check_eq "the observer's node serves no checkpoint past the suspension" "$osize" "$(served_size)"
for nn in registry m1 m2; do
	check_eq "$nn still holds the observer's log at $osize entries" "$osize" "$(size_on "$nn" "$OBS")"
done
no_late() { ! get m2 "/api/v1/commitments/$ps/RBT-2024-03" | grep -q LATE-1; }
check "no node shows the late assessment" no_late

fed_dump
finish

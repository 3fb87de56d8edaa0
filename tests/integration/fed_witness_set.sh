#!/bin/sh
# A bounded witness set per log (issue 12): only a fixed, small set of nodes cosign a log's
# checkpoints — the authority's node and 3 members chosen from the registry by rendezvous
# hashing (docs/PROTOCOL.md §5, peers/witset.h) — instead of every node, so that a publish
# costs a bounded number of cosignature waves whatever the size of the federation. A
# federation of the authority and 6 members (a ring: cosignatures travel several hops); each
# member publishes; then, on every node, the newest checkpoint of every member's log carries
# cosignatures from exactly its witnesses, computed here independently from the origins by the
# rule the protocol states: the 2 members outside the set never cosign, nor does the log's own
# node, and every node holds the same lines (so compliance is the same everywhere).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/w" 6 ring || { notok "the federation of the authority and 6 members starts"; finish; }
for m in $(members); do
	one_entry "witset-$m" > "$T/e.json"
	# A node publishes once its peers said what they hold of its log (503 until then).
	wait_for 30 publish "$m" "$T/e.json" > /dev/null 2>> "$T/check.log" || notok "$m publishes"
done
# shellcheck disable=SC2046
check "the authority and 6 members converge (a ring)" wait_for 90 converged 7 $(nodes)
REG=remacto.ma/registry

# expected ORIGIN: the log's witnesses by the protocol's rule, sorted, one a line.
origins() { for m in $(members); do origin_of "$m"; done; }
expected() {
	# shellcheck disable=SC2046
	$PY - "$1" "$REG" $(origins) << 'PY'
import hashlib, sys
log, reg, members = sys.argv[1], sys.argv[2], sys.argv[3:]
M = (1 << 64) - 1
def h(s): return int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "big")
def mix(x):
    x ^= x >> 30; x = (x * 0xbf58476d1ce4e5b9) & M
    x ^= x >> 27; x = (x * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)
cands = sorted((m for m in members if m != log), key=lambda m: (-mix(h(log) ^ h(m)), h(m)))
for w in sorted([reg] + cands[:3]): print(w)
PY
}
# cosigners NAME SLUG: who cosigned the newest checkpoint of the log the node holds, sorted.
cosigners() {
	get "$1" "/api/v1/logs/$2/witnesses" | $PY -c '
import json, sys
w = json.load(sys.stdin)["witnesses"]
top = max((x["size"] for x in w), default=-1)
for n in sorted(set(x["witness"] for x in w if x["size"] == top)): print(n)'
}
# witnessed_by SLUG EXPECTED: every node holds exactly EXPECTED's cosignatures of the log.
witnessed_by() {
	for n in $(nodes); do [ "$(cosigners "$n" "$1")" = "$2" ] || return 1; done
}
for m in $(members); do
	o=$(origin_of "$m") s=$(slug_of "$m")
	want=$(expected "$o")
	check_eq "$s has 4 witnesses: the authority's node and 3 members, not its own" 4 \
		"$(printf '%s\n' "$want" | grep -c . | tr -d ' ')"
	if wait_for 60 witnessed_by "$s" "$want"; then
		ok "every node holds the cosignatures of $s's log by its witnesses, and by no other node"
	else
		notok "every node holds the cosignatures of $s's log by its witnesses ($(echo $want)), and by no other node: $m's node has $(cosigners "$m" "$s" | tr '\n' ' ')"
	fi
done

# The compliance answer is the same on every node (its liveness reads these cosignatures).
ASOF=$(date -u +%Y-%m-%d)
same_compliance() {
	ref=$(get registry "/api/v1/compliance?as-of=$ASOF") || return 1
	for n in $(nodes); do [ "$(get "$n" "/api/v1/compliance?as-of=$ASOF")" = "$ref" ] || return 1; done
}
check "/api/v1/compliance is the same on every node" wait_for 30 same_compliance
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

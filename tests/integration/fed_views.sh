#!/bin/sh
# Consistent views (issue 9): anyone holding the same logs gets the same answer. A federation
# converges (a line, so that cosignatures must travel more than one hop, and members publish
# while it runs); then /api/v1/compliance (the overview) and /api/v1/compliance/<member> for
# every member must be the same JSON document on every node, the member's own node included:
# its score counts the cosignatures other nodes made of its log, which must reach it. No field
# is left out of the comparison: nothing in these documents is node-local (the as-of date is
# the same, given). The cosignatures themselves (/api/v1/logs/<slug>/witnesses) are the same
# set everywhere, and a served checkpoint never carries one cosignature line twice.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/v" 3 line --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "3 members and the authority converge (line registry-m1-m2-m3)" wait_for 60 converged 4 $(nodes)
# More publications while the federation runs: cosignatures of several sizes, made while the
# member's own node is already further on.
for m in m1 m3; do
	i=0
	while [ $i -lt 3 ]; do
		one_entry "views-$m-$i" > "$T/e.json"
		publish "$m" "$T/e.json" > /dev/null 2>> "$T/check.log" || notok "$m publishes"
		i=$((i + 1))
	done
done
# shellcheck disable=SC2046
check "the federation converges after the publications" wait_for 60 converged 4 $(nodes)
ASOF=$(date -u +%Y-%m-%d)

# cosigs NAME SLUG: the cosignatures the node holds of a log's newest checkpoints, sorted.
cosigs() {
	get "$1" "/api/v1/logs/$2/witnesses" | $PY -c '
import json, sys
for w in sorted(json.load(sys.stdin)["witnesses"], key=lambda w: (w["size"], w["witness"])):
    print(w["size"], w["witness"], w["time"])'
}
# same_doc PATH: the JSON of PATH is the same on every node; the first difference otherwise.
same_doc() {
	for n in $(nodes); do get "$n" "$1" > "$T/doc.$n" || return 1; done
	$PY - "$T" $(nodes) <<'PY'
import json, sys
t, names = sys.argv[1], sys.argv[2:]
docs = {n: json.load(open("%s/doc.%s" % (t, n))) for n in names}
def diff(a, b, path=""):
    if type(a) is not type(b):
        return "%s: %r / %r" % (path or "/", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return diff(a.get(k), b.get(k), path + "/" + k)
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d / %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return diff(x, y, "%s/%d" % (path, i))
    elif a != b:
        return "%s: %r / %r" % (path, a, b)
for n in names[1:]:
    d = diff(docs[names[0]], docs[n])
    if d:
        print("%s and %s differ at %s" % (names[0], n, d))
        sys.exit(1)
PY
}
same_cosigs() {
	ref=$(cosigs registry "$1") || return 1
	[ -n "$ref" ] || return 1
	for n in $(nodes); do [ "$(cosigs "$n" "$1")" = "$ref" ] || return 1; done
}
for m in $(members); do
	s=$(slug_of "$m")
	check "every node holds the same cosignatures of $s's log, $m's own node included" \
		wait_for 30 same_cosigs "$s"
done
check "/api/v1/compliance is the same JSON on every node" \
	wait_for 30 same_doc "/api/v1/compliance?as-of=$ASOF"
for m in $(members); do
	s=$(slug_of "$m")
	if wait_for 30 same_doc "/api/v1/compliance/$s?as-of=$ASOF" > "$T/why" 2>&1; then
		ok "/api/v1/compliance/$s is the same JSON on every node, $m's own included"
	else
		notok "/api/v1/compliance/$s is the same JSON on every node: $(tail -n 1 "$T/why")"
	fi
done
twice() {
	for n in $(nodes); do
		for m in $(members); do
			get "$n" "/logs/$(slug_of "$m")/checkpoint" | awk '/^\xe2\x80\x94 / { if (seen[$0]++) bad = 1 } END { exit bad }' || return 1
		done
	done
}
check "no served checkpoint carries the same cosignature line twice" twice
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

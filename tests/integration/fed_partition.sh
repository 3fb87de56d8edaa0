#!/bin/sh
# Federation outages: a member node stopped (cut off) while the others publish catches up when
# it comes back; a member node restarted from an empty data folder (same key, same config)
# fetches everything again, its own log included, and refuses to publish (503) until it has
# its own log back, then appends after it: nothing forks.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/p" 3 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "3 members and the authority converge" wait_for 60 converged 4 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2) O3=$(origin_of m3)

# ---- a partition: m3 is away while m1 and m2 publish -------------------------------------------
fed_stop_node m3
check_fails "m3 is down" get m3 /healthz
i=0
: > "$T/batch.jsonl"
while [ $i -lt 40 ]; do one_entry "part-$i" >> "$T/batch.jsonl"; i=$((i + 1)); done
check "m1 publishes 40 entries while m3 is away" sh -c "'$REMACTO' publish --config '$F/m1/node.conf' '$T/batch.jsonl' > /dev/null"
one_entry "part-m2" > "$T/one.json"
check "m2 publishes while m3 is away" sh -c "'$REMACTO' publish --config '$F/m2/node.conf' '$T/one.json' > /dev/null"
check "m1 and m2 (and the authority) hold each other's new entries" \
	wait_for 30 converged 4 registry m1 m2
check_eq "m3's data still ends where it was cut off (checked offline)" 19 \
	"$("$REMACTO" log list --data "$F/m3/data" | awk -v o="$O1" '$1 == o { print $2 }')"
fed_start_node m3 || notok "m3 restarts"
t0=$(date +%s)
# shellcheck disable=SC2046
if wait_for 60 converged 4 $(nodes); then
	ok "m3 catches up after the partition: 59 entries of m1, 20 of m2, identical everywhere ($(($(date +%s) - t0)) s)"
else
	notok "m3 catches up within 60 s: m3 has $(size_on m3 "$O1") of m1's 59, $(size_on m3 "$O2") of m2's 20"
fi

# ---- an empty data folder: m2 loses its database, keeps its key and config -------------------
S2=$(size_on m1 "$O2")
R2=$(view m1 | awk -v o="$O2" '$1 == o { print $3 }')
"$FEDSH" stop "$F" > /dev/null || notok "the federation stops"
rm -f "$F/m2/data/data.mdb" "$F/m2/data/lock.mdb"
check "m2's key survives (same key, empty database)" test -s "$F/m2/data/node.key"
fed_start_node m2 || notok "m2 starts on an empty data folder"
TOKEN=$(cat "$F/m2/data/admin.token")
ADM="http://127.0.0.1:$(awk '$1 == "m2" { print $4 }' "$F/nodes")"
post() {
	curl -s -o "$T/resp" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$ADM/api/v1/entries"
}
one_entry "after-wipe" > "$T/wipe.json"
check_eq "alone and empty, m2 refuses to publish (it cannot know its own log yet)" 503 "$(post "$T/wipe.json")"
check_eq "m2 holds none of its own $S2 entries yet" 0 "$(size_on m2 "$O2")"
"$FEDSH" start "$F" > /dev/null 2>&1 || notok "the other nodes come back"
# Publish through m2 as soon as it lets us: the first entry it accepts must come after its
# whole former log, never in place of it.
code=503
end=$(($(date +%s) + 60))
while [ "$code" = 503 ] && [ "$(date +%s)" -lt "$end" ]; do
	code=$(post "$T/wipe.json")
	[ "$code" = 503 ] && sleep 0.05
done
check_eq "publishing through m2 resumes once it caught up (200 after 503s)" 200 "$code"
idx=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["indexes"][0])' "$T/resp" 2>/dev/null)
check_eq "the first entry m2 accepts goes after its $S2 former entries" "$S2" "$idx"
# shellcheck disable=SC2046
check "every node converges again, m2's own log included" wait_for 60 converged 4 $(nodes)
check_eq "m2's log at $((S2 + 1)) extends its former root" "$R2" \
	"$(get m2 "/api/v1/logs/$(slug_of m2)/proof/consistency?old=$S2&size=$((S2 + 1))" | $PY -c 'import json, sys; print(json.load(sys.stdin)["root1"])' 2>/dev/null)"
for n in $(nodes); do
	check_eq "no equivocation evidence on $n" 0 \
		"$(get "$n" /api/v1/evidence | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))' 2>/dev/null)"
done
check_eq "m2 re-synced the other members' logs too" "$(size_on m1 "$O3") $(size_on m1 "$O1")" \
	"$(size_on m2 "$O3") $(size_on m2 "$O1")"
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# Anonymous peers cannot exhaust a node's memory (issue 9, finding 3). Sessions with fresh keys
# that are not in the registry (what a mirror looks like) each ask for the biggest log the node
# holds and never read the answers; before, each could pile up 32 MiB of answers and a few
# hundred of them took a node from 86 MB to 3 GB. Here 48 such sessions at once from 12
# addresses, reconnecting when dropped, for 30 s (bounded: at most 192 connections), against a
# node whose biggest log answers each request with ~3 MiB. Meanwhile the node's anonymous RSS
# (RssAnon in /proc) stays under 256 MiB, /healthz keeps answering, the node takes no more
# anonymous sessions than its cap, and replication with an honest member goes on.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

RSS_CAP_KB=$((256 * 1024))
fed_start "$T/fl" 2 line --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2)

# m1's log gets 64 entries of ~60 KB: an answer to "entries from 0" is then a 3 MiB frame.
$PY - "$T/big.jsonl" <<'PY'
import base64, hashlib, json, sys
with open(sys.argv[1], "w") as f:
    for i in range(64):
        text = ("Annexe %d. " % i) + "Lorem ipsum dolor sit amet. " * 2100
        f.write(json.dumps({"schema": 1, "evidence": {
            "id": "EV-BIG-%d" % i, "url": "https://example.ma/big/%d.pdf" % i,
            "sha256": base64.b64encode(hashlib.sha256(text.encode()).digest()).decode(),
            "mediaType": "application/pdf", "title": {"fr": text, "ar": "وثيقة"},
            "date": "2025-06-01"}}, ensure_ascii=False) + "\n")
PY
size1=$(($(size_on m1 "$O1") + 64))
check "m1 publishes 64 entries of ~60 KB" publish m1 "$T/big.jsonl"
check "m2 replicates them (honest answers of 3 MiB go through)" wait_for 60 holds m2 "$O1" "$size1"

PID=$(cat "$F/m1/remactod.pid")
rss_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$PID/status"; }
anon_now() {
	curl -sf --http1.1 --max-time 5 --cacert "$F/tls/ca.pem" "$(url_of m1)/metrics" |
		awk '$1 == "remacto_peers_anonymous" { print $2 }'
}
rss_before=$(rss_kb)
sources=$(seq 11 22 | sed 's/^/127.0.0./' | paste -sd, -)
hostile anon-flood m1 --sessions 48 --source "$sources" --flood 200 --hold 30 \
	> "$T/flood.out" 2>&1 &
fpid=$!
# Sample while the flood runs (it stops by itself after 30 s; the loop is bounded by it).
max_rss=0 max_anon=0 polls=0 health_fail=0
while kill -0 "$fpid" 2> /dev/null && [ $polls -lt 400 ]; do
	r=$(rss_kb)
	[ "${r:-0}" -gt "$max_rss" ] && max_rss=$r
	a=$(anon_now)
	[ "${a:-0}" -gt "$max_anon" ] && max_anon=$a
	get m1 /healthz > /dev/null || health_fail=$((health_fail + 1))
	polls=$((polls + 1))
	sleep 0.2
done
wait "$fpid"
rc=$?
if [ $rc -eq 0 ]; then
	ok "the flood ran its course: $(tail -n 1 "$T/flood.out" | sed 's/^hostile_peer [a-z-]*: ok: //')"
else
	notok "the flood ran (status $rc): $(tail -n 3 "$T/flood.out" | tr '\n' ' ')"
fi
if [ "$max_rss" -gt 0 ] && [ "$max_rss" -lt "$RSS_CAP_KB" ]; then
	ok "m1's anonymous RSS stayed under 256 MiB: at most $((max_rss / 1024)) MiB ($((rss_before / 1024)) MiB before; $polls samples)"
else
	notok "m1's anonymous RSS stays under 256 MiB: reached $((max_rss / 1024)) MiB ($((rss_before / 1024)) MiB before)"
fi
check_eq "/healthz answered every one of the $polls polls during the flood" 0 "$health_fail"
if [ "$max_anon" -gt 0 ] && [ "$max_anon" -le 32 ]; then
	ok "m1 held at most $max_anon anonymous sessions at once (cap 32)"
else
	notok "m1 holds at most 32 anonymous sessions at once (saw $max_anon)"
fi
want=$(($(size_on m2 "$O2") + 1))
one_entry "after-flood" > "$T/one.json"
after_flood() { publish m2 "$T/one.json" > /dev/null && wait_for 30 holds m1 "$O2" "$want"; }
check "then m2 publishes and m1 replicates it: the honest session went on" after_flood
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

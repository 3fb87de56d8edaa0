#!/bin/sh
# A fresh node's catch-up fetches ranges of entries as C2SP entry bundles over HTTPS from the
# peer it dialled (issue 12), and falls back to the WebSocket session, without penalising it,
# when the HTTP answer is unusable. Each fresh node dials m1 only through bulk_proxy.py, a TLS
# proxy that passes the peer session through untouched and answers bundle GETs after its mode:
# faithful, or hostile (corrupt, short, oversize, slow, status, garbage, otherlog, overlong: see
# the proxy). Every fresh node must reach m1's checkpoints and store the same bundles, byte for
# byte; its /metrics must show the HTTP path used (faithful) or turned off for the fault the
# proxy made (the others), and its peer session no violation; after a fault, m1's next
# entries come over the session only. The nine fresh nodes catch up at once, each proxy
# dialling m1 from its own loopback address (m1 takes a few anonymous sessions per address).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"
PROXY="$TESTS/integration/bulk_proxy.py"
MODES="faithful corrupt short oversize slow status garbage otherlog overlong"
: > "$T/pids"
bulk_cleanup() {
	while read -r p; do
		kill -TERM "$p" 2>/dev/null
	done < "$T/pids"
	while read -r p; do
		i=0
		while running "$p" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
	done < "$T/pids"
}
trap 'bulk_cleanup; fed_cleanup; cleanup' EXIT

fed_start "$T/f" 2 line || { notok "the federation starts"; finish; }

# entries FILE PREFIX N: N small evidence entries, JSON lines.
entries() {
	$PY - "$@" <<'PY'
import base64, hashlib, json, sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        f.write(json.dumps({"schema": 1, "evidence": {
            "id": "EV-%s-%d" % (prefix, i), "url": "https://example.ma/%s/%d.pdf" % (prefix, i),
            "sha256": base64.b64encode(hashlib.sha256(b"%s%d" % (prefix.encode(), i)).digest()).decode(),
            "mediaType": "application/pdf", "title": {"fr": "Pièce %d" % i, "ar": "وثيقة"},
            "date": "2025-06-01"}}, ensure_ascii=False) + "\n")
PY
}
# Several full bundles and a partial tail in each member's log: 1,300 + 700 entries.
O1=$(origin_of m1) O2=$(origin_of m2)
W1=$(($(size_on m1 "$O1") + 1300)) W2=$(($(size_on m2 "$O2") + 700))
entries "$T/m1.jsonl" M1 1300
entries "$T/m2.jsonl" M2 700
# publish_ready NAME FILE: remacto publish, retried for up to 30 s while it exits 1 (the node
# answers 503 until it has first heard from its peers: under load, after fed_start returned).
publish_ready() {
	i=0
	while :; do
		publish "$1" "$2" && return 0
		[ $? -eq 1 ] && [ $i -lt 150 ] || return 1
		sleep 0.2
		i=$((i + 1))
	done
}
check "m1 publishes 1,300 entries" publish_ready m1 "$T/m1.jsonl"
check "m2 publishes 700 entries" publish_ready m2 "$T/m2.jsonl"
both_whole() { holds m1 "$O1" "$W1" && holds m1 "$O2" "$W2"; }
check "m1 holds both members' logs whole" wait_for 60 both_whole
# The source: m1's view, stable (the federation is quiet once both logs are whole).
stable() { a=$(view m1) && [ -n "$a" ] && [ "$a" = "$(view m2)" ]; }
check "m1 and m2 agree on every log" wait_for 60 stable
SRC=$(view m1)
AVK=$(sed -n 's/^verifier_key = //p' "$F/m1/node.conf")

# One proxy per mode in front of m1's public listener, with m1's certificate (it names
# IP:127.0.0.1, and the fresh nodes trust the federation's CA).
k=10
for mode in $MODES; do
	timeout 300 "$PY" "$PROXY" --upstream "$(port_of m1)" --cert "$F/tls/m1.crt" \
		--key "$F/tls/m1.key" --ca "$F/tls/ca.pem" --mode "$mode" --source "127.0.0.$k" \
		--swap "$(slug_of m1),$(slug_of m2)" \
		--port-file "$T/proxy.$mode.port" --lifetime 240 > "$T/proxy.$mode.log" 2>&1 &
	echo $! >> "$T/pids"
	k=$((k + 1))
done
for mode in $MODES; do
	check "the $mode proxy listens" wait_for 10 test -s "$T/proxy.$mode.port"
done
pport() { cat "$T/proxy.$1.port"; }

# The proxy itself, faithful: three bundles on one keep-alive connection, as m1 serves them.
S1=$(slug_of m1)
curl -s --http1.1 --max-time 10 --cacert "$F/tls/ca.pem" -w '%{num_connects} ' \
	-o "$T/kp.0" "https://127.0.0.1:$(pport faithful)/logs/$S1/tile/entries/000" \
	-o "$T/kp.1" "https://127.0.0.1:$(pport faithful)/logs/$S1/tile/entries/001" \
	-o "$T/kp.2" "https://127.0.0.1:$(pport faithful)/logs/$S1/tile/entries/002" \
	> "$T/kp.connects" 2>&1
check_eq "curl gets 3 bundles through the proxy on one connection" "1 0 0 " "$(cat "$T/kp.connects")"
same_kp() {
	for i in 0 1 2; do
		get m1 "/logs/$S1/tile/entries/00$i" > "$T/kp.m1" && cmp -s "$T/kp.m1" "$T/kp.$i" || return 1
	done
}
check "they are m1's bundles, byte for byte" same_kp
before=$(grep -c '^bundle ' "$T/proxy.faithful.log")
check_eq "the faithful proxy counted them" 3 "$before"

# One fresh node (a mirror: no log of its own) per mode, its only peer the proxy.
for mode in $MODES; do
	P=$(free_port) A=$(free_port)
	echo "$P" > "$T/$mode.pub"
	cat > "$T/$mode.conf" <<CONF
[node]
data = $T/$mode
origin =
[public]
listen = 127.0.0.1:$P
[admin]
listen = 127.0.0.1:$A
[authority]
verifier_key = $AVK
[peer]
ca_file = $F/tls/ca.pem
url = wss://127.0.0.1:$(pport "$mode")/peer
CONF
	if start_node "$T/$mode.conf" "$P" "$T/$mode.log"; then
		echo "$NODE_PID" >> "$T/pids"
		echo "$NODE_PID" > "$T/$mode.pid"
		NODE_PID=
	else
		notok "the $mode fresh node starts"
	fi
done
pub() { cat "$T/$1.pub"; }
fget() { curl -sf --max-time 5 "http://127.0.0.1:$(pub "$1")$2"; }
fview() {
	fget "$1" /api/v1/logs | $PY -c '
import json, sys
for l in sorted(json.load(sys.stdin)["logs"], key=lambda l: l["origin"]):
    print(l["origin"], l["size"], l["root"])' 2>/dev/null
}
caught_up() { [ "$(fview "$1")" = "$SRC" ]; }
# Every fresh node at m1's checkpoints: the slow one waits out the HTTP time-out (30 s) first.
for mode in $MODES; do
	check "$mode: the fresh node reaches m1's size and root for every log" wait_for 90 caught_up "$mode"
done

# metric NODE RESULT: remacto_peer_gets_total{result=RESULT} of the node, summed over its lines.
metric() {
	fget "$1" /metrics | awk -v r="result=\"$2\"" '
		$1 ~ /^remacto_peer_gets_total\{/ && index($1, r) { s += $2; seen = 1 }
		END { if (!seen) { print "absent"; exit } printf "%d\n", s }'
}
violations() {
	fget "$1" /api/v1/peers | $PY -c '
import json, sys
print(sum(p.get("violations", 0) for p in json.load(sys.stdin)["peers"]))'
}
evidence() {
	fget "$1" /api/v1/evidence | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))'
}
# slugs: "origin slug size" of every log m1 holds, one a line.
get m1 /api/v1/logs | $PY -c '
import json, sys
for l in json.load(sys.stdin)["logs"]:
    print(l["origin"], l["slug"], l["size"])' > "$T/slugs"
# same_bundles NODE: the node serves the first and last full bundle and the partial tail of
# every log as m1 does, byte for byte.
same_bundles() {
	node=$1
	while read -r origin slug size; do
		full=$((size / 256)) w=$((size % 256)) tiles=""
		[ "$full" -gt 0 ] && tiles="000 $(printf '%03d' $((full - 1)))"
		[ "$w" -gt 0 ] && tiles="$tiles $(printf '%03d.p/%d' "$full" "$w")"
		for t in $tiles; do
			get m1 "/logs/$slug/tile/entries/$t" > "$T/b.src" || return 1
			fget "$node" "/logs/$slug/tile/entries/$t" > "$T/b.new" || { echo "$origin $t: not served"; return 1; }
			cmp -s "$T/b.src" "$T/b.new" || { echo "$origin $t differs"; return 1; }
		done
	done < "$T/slugs"
}
# no_small_gets SLUGS: there are such logs, and the faithful proxy saw no bundle GET of theirs.
no_small_gets() {
	[ -n "$1" ] || return 1
	for s in $1; do
		! grep -q "^bundle [0-9]* [a-z-]* /logs/$s/" "$T/proxy.faithful.log" || return 1
	done
}
# shared CONNECTIONS GETS: at least one connection, and fewer than GETs (not one per bundle).
shared() { [ "$1" -ge 1 ] && [ "$1" -lt "$2" ]; }
# gt0 VALUE: a metric present and above zero.
gt0() { [ "$1" != absent ] && [ "$1" -gt 0 ]; }
for mode in $MODES; do
	check "$mode: the fresh node stores m1's bundles byte for byte" same_bundles "$mode"
	n=$(grep -c '^bundle ' "$T/proxy.$mode.log")
	[ "$mode" = faithful ] && n=$((n - before))
	ok_=$(metric "$mode" ok) failed=$(metric "$mode" failed) refused=$(metric "$mode" refused)
	# Whether the node saw a fault: its GETs to the proxy are off for 300 s then.
	[ "$failed" != absent ] && [ "$refused" != absent ] && [ $((failed + refused)) -gt 0 ] &&
		touch "$T/$mode.off"
	echo "# $mode: proxy saw $n bundle GETs; gets ok $ok_, failed $failed, refused $refused;" \
		"violations $(violations "$mode")"
	check "$mode: the fresh node GETs bundles through the proxy" [ "$n" -gt 0 ]
	case $mode in
	faithful)
		# Keep-alive: the GETs share connections (a few lanes per peer, each kept alive; lws
		# drops one idle for 2 s, so a pause in a loaded run may take another). Curl's was the
		# proxy's first connection.
		c=$(awk '$1 == "bundle" && $7 != 1 { print $7 }' "$T/proxy.faithful.log" | sort -u | wc -l)
		echo "# faithful: $n bundle GETs on $c connection(s)"
		check "faithful: the fresh node's bundle GETs share keep-alive connections ($n on $c)" \
			shared "$c" "$n"
		# Logs under 64 entries (the registry's) come over the session only.
		small=$(awk '$3 < 64 { print $2 }' "$T/slugs" | tr '\n' ' ')
		check "faithful: no bundle GET for the logs under 64 entries (${small% })" no_small_gets "$small"
		check "faithful: gets ok > 0 ($ok_)" gt0 "$ok_"
		check_eq "faithful: no get failed or refused" "0 0" "$failed $refused"
		;;
	corrupt | garbage | otherlog)
		check "$mode: gets refused > 0 ($refused)" gt0 "$refused"
		;;
	overlong) ;; # the bundles are right: taking them is right, and so is failing on the junk
	*)
		check "$mode: gets failed > 0 ($failed)" gt0 "$failed"
		;;
	esac
	check_eq "$mode: the session to the proxy was not penalised (violations)" 0 "$(violations "$mode")"
	check_eq "$mode: the fresh node holds no equivocation evidence" 0 "$(evidence "$mode")"
done
# The slow proxy's trickle: the fresh node closes it once the body is not finished in 30 s
# (40 s allows for a loaded machine; a node without the deadline would hold it for 120 s).
sed -n 's/^slow /# the slow proxy: bundle /p' "$T/proxy.slow.log"
dropped_in_time() {
	awk '$1 == "slow" { n++; if ($3 != "the" || $(NF - 1) > 40) bad = 1 } END { exit !(n > 0 && !bad) }' \
		"$T/proxy.slow.log"
}
check "slow: the fresh node dropped every trickling body within the 30 s deadline" dropped_in_time

# m1 grows by 300 entries (a range of 64 or more, from inside a bundle): every fresh node
# follows. A fault the node saw (failed or refused GETs) turned its GETs to the proxy off for
# 300 s: the proxy sees no more bundle GETs, and the entries come over the session.
for mode in $MODES; do grep -c '^bundle ' "$T/proxy.$mode.log" > "$T/$mode.gets1"; done
entries "$T/m1b.jsonl" M1B 300
check "m1 publishes 300 more entries" publish_ready m1 "$T/m1b.jsonl"
check "m2 holds them" wait_for 30 holds m2 "$O1" $((W1 + 300))
check "m1 and m2 agree again" wait_for 30 stable
SRC=$(view m1)
for mode in $MODES; do
	check "$mode: the fresh node reaches m1's new size and root" wait_for 30 caught_up "$mode"
	n=$(($(grep -c '^bundle ' "$T/proxy.$mode.log") - $(cat "$T/$mode.gets1")))
	echo "# $mode: the proxy saw $n bundle GETs for the 300 new entries"
	[ ! -e "$T/$mode.off" ] || check_eq "$mode: GETs through the proxy stay off (no new bundle GET)" 0 "$n"
done
check_eq "faithful: violations stay 0" 0 "$(violations faithful)"

# The proxies themselves (after the counts above): each hostile one does to a bundle what its
# mode says, so that the fresh nodes above were shown the fault.
B="/logs/$S1/tile/entries/001"
get m1 "$B" > "$T/pb.src"
pcurl() { # MODE [curl options]: the bundle through the MODE proxy, into $T/pb.MODE
	m=$1
	shift
	curl -s --http1.1 --cacert "$F/tls/ca.pem" -o "$T/pb.$m" "$@" "https://127.0.0.1:$(pport "$m")$B"
}
one_byte_off() {
	[ "$(wc -c < "$T/pb.corrupt")" = "$(wc -c < "$T/pb.src")" ] &&
		[ "$(cmp -l "$T/pb.src" "$T/pb.corrupt" | wc -l)" = 1 ]
}
pcurl corrupt --max-time 10
check "the corrupt proxy answers the bundle with one byte changed" one_byte_off
pcurl garbage --max-time 10
check "the garbage proxy answers as many bytes, not the bundle" sh -c \
	'[ "$(wc -c < "$1")" = "$(wc -c < "$2")" ] && ! cmp -s "$1" "$2"' sh "$T/pb.src" "$T/pb.garbage"
pcurl otherlog --max-time 10
get m1 "/logs/$(slug_of m2)/tile/entries/001" > "$T/pb.m2"
check "the otherlog proxy answers m2's bundle for m1's" cmp -s "$T/pb.m2" "$T/pb.otherlog"
check_eq "the status proxy answers 404" 404 "$(pcurl status --max-time 10 -w '%{http_code}')"
pcurl short --max-time 10
check_eq "the short proxy ends the connection inside the body (curl: 18)" 18 "$?"
check_eq "the oversize proxy announces and sends 20 MiB" "200 20971520" \
	"$(pcurl oversize --max-time 20 -w '%{http_code} %{size_download}')"
pcurl slow --max-time 3
check_eq "the slow proxy sends a byte a second (curl times out: 28)" 28 "$?"
check "... after a few bytes of the body" [ "$(wc -c < "$T/pb.slow")" -le 4 ]

# Nothing wrong stored: each fresh node's copies verify offline once it has stopped.
for mode in $MODES; do
	[ -s "$T/$mode.pid" ] || continue
	NODE_PID=$(cat "$T/$mode.pid")
	check "$mode: SIGTERM stops the fresh node" stop_node
	check "$mode: the fresh node's copies of m1's and m2's logs verify offline" sh -c \
		'"$0" log verify --data "$1" --origin "$2" && "$0" log verify --data "$1" --origin "$3"' \
		"$REMACTO" "$T/$mode" "$O1" "$O2"
done
if [ "$FAILS" -gt 0 ]; then
	for mode in $MODES; do
		echo "# ---- $mode fresh node: end of its log"
		tail -n 15 "$T/$mode.log" | sed 's/^/#   /'
		echo "# ---- $mode proxy: end of its log"
		tail -n 5 "$T/proxy.$mode.log" | sed 's/^/#   /'
	done >&2
fi
fed_dump 20
finish

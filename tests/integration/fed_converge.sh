#!/bin/sh
# Federation: a line, a ring and a star of five member nodes and the authority, over TLS, each
# converge to the same checkpoint of every log on every node; every member publishes (its demo
# programme, then one more entry) and it spreads; Go's sumdb/tlog verifies a replicated log
# from the tiles of a node that is not its author; the author serves its checkpoint with other
# nodes' tlog-cosignature lines, which Go's crypto/ed25519 verifies.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"
N=5
LOGS=$((N + 1))

# govt: goverify over HTTPS with the federation's CA, HTTP/1.1 (HTTP/2 is checked apart).
govt() { SSL_CERT_FILE="$F/tls/ca.pem" GODEBUG=http2client=0 goverify "$@"; }
vkey_of() {   # NODE ORIGIN: the verifier key NODE holds for ORIGIN's log
	get "$1" "/api/v1/logs/$(echo "$2" | sed 's|.*/||')" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])'
}
# cosigs NODE SLUG: the number of cosignature lines on the checkpoint NODE serves (all
# signature lines but the author's).
cosigs() { get "$1" "/logs/$2/checkpoint" | awk 'f { n++ } /^$/ { f = 1 } END { print n - 1 }'; }
has_cosigs() { [ "$(cosigs "$1" "$2")" -ge "$3" ]; }
# all_at SIZE: every node holds every member's log at SIZE entries or more.
all_at() {
	for n in $(nodes); do
		for m in $(members); do
			[ "$(size_on "$n" "$(origin_of "$m")")" -ge "$1" ] || return 1
		done
	done
}

goverify checkpoint x /dev/null > /dev/null 2>&1   # build it once, outside the timings

for topo in line ring star; do
	t0=$(date +%s)
	fed_start "$T/$topo" $N $topo --seed || { notok "$topo: the federation starts and publishes"; continue; }
	# shellcheck disable=SC2046
	if wait_for 60 converged $LOGS $(nodes); then
		ok "$topo: $N members and the authority converge on all $LOGS logs, the same size and root everywhere ($(($(date +%s) - t0)) s)"
	else
		notok "$topo: convergence within 60 s"
		for n in $(nodes); do echo "# $n: $(view "$n" | awk '{ printf "%s=%s ", $1, $2 }')"; done
	fi
	# Each member publishes once more: the new heads spread too.
	for m in $(members); do
		one_entry "$topo-$m" > "$T/one.json"
		publish "$m" "$T/one.json" > /dev/null 2>> "$T/check.log" || notok "$topo: $m publishes"
	done
	check "$topo: every member's new entry reaches every node (20 entries in each member log)" \
		wait_for 60 all_at 20
	# shellcheck disable=SC2046
	check "$topo: then every node holds identical checkpoints of every log" wait_for 30 converged $LOGS $(nodes)

	# A log checked on a node that is not its author: m1's log where it is replicated farthest.
	far=m$N
	[ "$topo" = star ] && far=m3
	O1=$(origin_of m1)
	S1=$(slug_of m1)
	VK1=$(vkey_of m1 "$O1")
	check_eq "$topo: $far holds m1's log under the key m1 signs with" "$VK1" "$(vkey_of "$far" "$O1")"
	check "$topo: which is the key the registry admitted m1 with" \
		sh -c "'$REMACTO' members --data '$F/registry/data' | grep '^$O1 ' | grep -q ' $(echo "$VK1" | cut -d+ -f2) '"
	check "$topo: Go's tlog verifies every tile and entry of m1's log served by $far" \
		govt tiles "$(url_of "$far")/logs/$S1" "$VK1"

	# Cosignatures on the author's checkpoint: from its neighbours at least (the hub's from all).
	want=1
	[ "$topo" = star ] && want=$((N - 1))
	if wait_for 30 has_cosigs m1 "$S1" $want; then
		ok "$topo: m1 serves its checkpoint with $(cosigs m1 "$S1") cosignatures of other nodes (wanted $want+)"
	else
		notok "$topo: m1's checkpoint carries $want cosignatures within 30 s (has $(cosigs m1 "$S1"))"
	fi
	get m1 "/logs/$S1/checkpoint" > "$T/cp"
	check "$topo: the author's signature on that checkpoint verifies with Go's note" \
		govt checkpoint "$VK1" "$T/cp"
	wvks=""
	for m in $(members); do [ "$m" = m1 ] || wvks="$wvks $(vkey_of m1 "$(origin_of "$m")")"; done
	# shellcheck disable=SC2086
	if out=$(goverify cosig "$T/cp" $wvks 2>&1); then
		ok "$topo: every cosignature verifies with crypto/ed25519 (tlog-cosignature v1.0.1): $(echo "$out" | awk '{ printf "%s ", $1 }')"
	else
		notok "$topo: cosignatures verify: $out"
	fi
	"$FEDSH" stop "$F" > /dev/null 2>&1 || notok "$topo: every node stops on SIGTERM"
done

# What curl and Go offer a TLS listener by default (ALPN: HTTP/2 first): a tile bundle and
# /metrics come whole. (On the last federation, restarted.)
"$FEDSH" start "$F" > /dev/null 2>&1
# whole PATH: curl (exit 0) gets as many bytes as Content-Length announced.
whole() {
	curl -s --max-time 5 --cacert "$F/tls/ca.pem" -D "$T/h" -o "$T/b" "$(url_of m1)$1" || return 1
	[ "$(wc -c < "$T/b")" -eq "$(grep -i '^content-length:' "$T/h" | tr -dc 0-9)" ]
}
for path in "/logs/$(slug_of m1)/tile/entries/000.p/20" /metrics; do
	check "curl with its defaults over TLS (ALPN may offer HTTP/2) gets $path whole" whole "$path"
done
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

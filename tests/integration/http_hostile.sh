#!/bin/sh
# The HTTP front end against a hostile client (tests/integration/hostile_http.py, raw sockets):
# the one-packet freeze of issue 9 (a GET and a POST with a body pipelined in one segment),
# bodies where none is taken, malformed lengths, chunked bodies, long paths and queries, slow
# readers and floods of pipelined requests, pipelined upgrades and garbage, a token with a NUL,
# pipelined admin writes, malformed integer parameters; and that pipelined GETs are still
# answered in order. Over the plain and the TLS public listener of a two-node federation each.
# After every input the node still answers /healthz, its admin listener and its peer (the
# session stays or comes back ready), does not spin, holds little memory for the hostile
# connection, and at the end replication still flows to it.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"
HOSTILE_HTTP="$TESTS/integration/hostile_http.py"

# cpu_ticks PID: user+system clock ticks the process used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# idle PID: the process used under half a CPU over one second (a node stuck in a loop uses
# a whole one). A measurement of a livelock, not a speed target.
idle() {
	a=$(cpu_ticks "$1") && sleep 1 && b=$(cpu_ticks "$1") || return 1
	[ $((b - a)) -lt $(($(getconf CLK_TCK) / 2)) ]
}
# The suite runs over plain HTTP and over TLS: read the node with the scheme of the run.
url_of() { echo "$SCHEME://127.0.0.1:$(port_of "$1")"; }
get() {
	if [ "$SCHEME" = https ]; then set -- --cacert "$F/tls/ca.pem" "$(url_of "$1")$2"; else set -- "$(url_of "$1")$2"; fi
	curl -sf --http1.1 --max-time 3 "$@"
}
# anon_kb PID: the process's anonymous resident memory, in KiB.
anon_kb() { awk '/^RssAnon/ { print $2 }' "/proc/$1/status"; }
peer_ready() { get registry /api/v1/peers | grep -q '"state":"ready"'; }
healthz() { get registry /healthz | grep -q '"status":"ok"'; }
admin_ok() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer $(cat "$F/registry/data/admin.token")" \
		"http://127.0.0.1:$(awk '$1 == "registry" { print $4 }' "$F/nodes")/api/v1/status")" = 200 ]
}

suite() {
	label=$1
	shift
	fed_start "$T/$label" 1 line "$@" || { notok "$label: the federation starts"; return; }
	check "$label: registry and m1 are peered" wait_for 30 peer_ready
	pid=$(cat "$F/registry/remactod.pid")
	size0=$(size_on registry remacto.ma/registry)
	args="--port $(port_of registry) --admin-port $(awk '$1 == "registry" { print $4 }' "$F/nodes") --token-file $F/registry/data/admin.token --slug registry"
	[ "$SCHEME" = https ] && args="$args --tls --ca $F/tls/ca.pem"
	for mode in packet body-first pipelined-gets get-with-body public-post refused-upload chunked bad-length \
		long-path long-query upgrade-after-get garbage-after-get admin-nul-token \
		admin-pipelined admin-no-length admin-query slow-reader flood; do
		hold=
		mem0=$(anon_kb "$pid")
		if [ "$mode" = slow-reader ] || [ "$mode" = flood ]; then
			# The connection stays open, unread, while the node is checked. The output file
			# is made empty here, not by the background job's own redirection (which may
			# come after the first look at it).
			held="$T/$label-$mode.out"
			: > "$held"
			# shellcheck disable=SC2086
			timeout 60 "$PY" "$HOSTILE_HTTP" $args --mode "$mode" --hold 30 >> "$held" 2>&1 &
			hold=$!
			wait_for 20 grep -q '^hostile_http' "$held"
			out=$(cat "$held")
			grep -q ': ok: ' "$held"
			rc=$?
		else
			# shellcheck disable=SC2086
			out=$(timeout 60 "$PY" "$HOSTILE_HTTP" $args --mode "$mode" 2>&1)
			rc=$?
		fi
		if [ $rc -eq 0 ]; then ok "$label $mode: ${out#*: ok: }"; else notok "$label $mode: $out"; fi
		check "$label $mode: then /healthz answers" healthz
		check "$label $mode: then the admin listener answers" admin_ok
		check "$label $mode: then the peer session is ready" wait_for 20 peer_ready
		check "$label $mode: then the node goes idle (no spin)" wait_for 15 idle "$pid"
		mem1=$(anon_kb "$pid")
		check "$label $mode: the node holds under 16 MiB more for it ($((mem1 - mem0)) KiB)" \
			test $((mem1 - mem0)) -lt 16384
		[ -n "$hold" ] && { kill "$hold" 2>/dev/null; wait "$hold" 2>/dev/null; }
		# A node that no longer answers fails every later check the same way: stop here.
		healthz || { notok "$label: the node stopped answering after $mode; the rest skipped"; break; }
	done
	check_eq "$label: nothing was published by the hostile input" "$size0" \
		"$(size_on registry remacto.ma/registry)"
	one_entry "H$label" > "$T/one.json"
	check "$label: m1 publishes" publish m1 "$T/one.json"
	check "$label: and replication still reaches the node" wait_for 30 holds registry "$(origin_of m1)" 1
	fed_dump
	"$FEDSH" stop "$F" > /dev/null 2>&1
}

SCHEME=http
suite plain --plain
SCHEME=https
suite tls
finish

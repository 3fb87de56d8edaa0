#!/bin/sh
# A frozen peer is dropped (issue 9: a node's peers listed its session "ready" 40 s after it
# froze). The peer protocol pings a session that has been quiet for PEER_PING_S (5 s) and closes
# one silent for PEER_DEAD_S (20 s), on both sides of the connection. Here a node is stopped
# with SIGSTOP (its kernel still holds the TCP connection open, as a wedged process would):
# the node that accepted its session, then the node it dialled, each drop the frozen one within
# 35 s; once it runs again it reconnects and replication resumes.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

FROZEN=""
thaw() { [ -n "$FROZEN" ] && kill -CONT "$FROZEN" 2> /dev/null; FROZEN=""; }
trap 'thaw; fed_cleanup; cleanup' EXIT

fed_start "$T/fz" 2 line --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2)

# ready_with NAME ORIGIN: NAME lists a ready session with ORIGIN.
ready_with() {
	get "$1" /api/v1/peers | $PY -c '
import json, sys
sys.exit(not any(p["state"] == "ready" and p["origin"] == sys.argv[1]
                 for p in json.load(sys.stdin)["peers"]))' "$2"
}
not_ready_with() { ! ready_with "$1" "$2"; }

# freeze WHO WATCHER: SIGSTOP WHO; WATCHER must stop listing it ready within 35 s.
freeze() {
	who=$1 watcher=$2 dir=$3
	wo=$(origin_of "$who")
	check "$watcher has a ready session with $who before" ready_with "$watcher" "$wo"
	FROZEN=$(cat "$F/$who/remactod.pid")
	kill -STOP "$FROZEN"
	t0=$(date +%s)
	if wait_for 35 not_ready_with "$watcher" "$wo"; then
		ok "$watcher drops its $dir session with frozen $who after $(($(date +%s) - t0)) s (bound 35 s)"
	else
		notok "$watcher drops its $dir session with frozen $who within 35 s"
	fi
	check "$watcher logs why: nothing from $wo for 20 s (Ping unanswered)" \
		grep -q "peer $wo: nothing from the peer for 20 s (Ping unanswered)" \
		"$F/$watcher/remactod.log"
	thaw
	check "$who runs again: $watcher has a ready session with it again" \
		wait_for 30 ready_with "$watcher" "$wo"
}

# m2 dials m1 (line): m1 holds the inbound side, m2 the outbound one.
freeze m2 m1 inbound
freeze m1 m2 outbound
want=$(($(size_on m1 "$O2") + 1))
one_entry "after-thaw" > "$T/one.json"
after() { publish m2 "$T/one.json" > /dev/null && wait_for 30 holds m1 "$O2" "$want"; }
check "m2 publishes and m1 replicates it" after
check "and m1's own log still reaches m2" wait_for 30 holds m2 "$O1" "$(size_on m1 "$O1")"
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

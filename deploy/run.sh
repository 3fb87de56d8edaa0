#!/bin/sh
# make run: a local demo federation on loopback, so a newcomer watches the ledger replicate:
# the network authority's registry node and four members (a region, a prefectural council, two
# communes), peered in a ring, each publishing its demo open programme (deploy/federation.sh),
# and a civil-society observer (an association) with a node of its own: it assesses two of the
# prefectural council's commitments, agreeing with the progress the council reported on one and
# disputing it on the other, while the council lowers an indicator's target without an amendment
# (a hidden change the dashboard marks). Its registry is governed 2 of 3
# (var/federation/governance/: the keys of arm and civil, the registry's policy every node is
# configured with; docs/PROTOCOL.md §8).
# Plain HTTP on 127.0.0.1 only; ports from 8080 (the registry node), 8082 (first member)…
# The nodes' logs stream here; Ctrl-C stops every node cleanly, and the next `make run`
# resumes the same federation from ./var/federation. `make run-node` runs one node instead.
#
# Nothing outlives it: the log follower (tail) exits with this script whatever ends it (tail
# --pid), and the script ends when every node has stopped, also when SIGINT never reaches its
# trap (a shell started in the background ignores SIGINT, while the nodes still stop on it).
# REMACTO_RUN_DIR and REMACTO_RUN_PORT move the federation and its ports (for the tests).
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=${REMACTO_RUN_DIR:-var/federation}
port=${REMACTO_RUN_PORT:-8080}
fed=deploy/federation.sh

mkdir -p "$(dirname "$dir")"
if [ -r "$dir/nodes" ]; then
	"$fed" start "$dir"
else
	rm -rf "$dir"
	echo "Starting a demo federation: the authority, 4 members and an observer (keys, registry, demo programmes)..."
	"$fed" start "$dir" 4 --topology ring --seed --plain --governed --observers 1 --base-port "$port" --build "$build"
fi
tail -n 0 -F --pid=$$ "$dir"/*/remactod.log &
tailpid=$!
stopping=no
stop() {
	trap - INT TERM HUP
	stopping=yes
	echo
	"$fed" stop "$dir" || true
	kill "$tailpid" 2>/dev/null || true
	exit 0
}
trap stop INT TERM HUP
reg=$(awk '$1 == "registry" { print $3 }' "$dir/nodes")
m1=$(awk '$1 == "m1" { print $3 }' "$dir/nodes")
cat <<MSG

  REMACTO Ledger — demo federation (Ctrl-C to stop; data kept in $dir)

  Dashboard (authority's node, the whole national ledger)  http://127.0.0.1:$reg/
  Dashboard of the first member                            http://127.0.0.1:$m1/
  A commitment the observer disputes (its feed, its story)  http://127.0.0.1:$reg/ui/#/commitment/rabat-prefecture/RBT-2024-02
  An indicator whose target was changed without amendment  http://127.0.0.1:$reg/ui/#/indicator/rabat-prefecture/IND-AI-01
  Search in Arabic                                         http://127.0.0.1:$reg/ui/#/search?q=%D8%B4%D8%A8%D8%A7%D9%83
  Atom feed of the national ledger                         http://127.0.0.1:$reg/feeds/national.atom
  Members and observers                                    http://127.0.0.1:$reg/api/v1/members
  Logs held, with sizes                                    http://127.0.0.1:$reg/api/v1/logs
  Compliance                                               http://127.0.0.1:$reg/api/v1/compliance
  Peers of a node                                          http://127.0.0.1:$reg/api/v1/peers
  What each node holds                                     $fed status $dir
  Publish through the first member   build/remacto publish --config $dir/m1/node.conf FILE.json

MSG
# Runs while any node runs. `sleep & wait` rather than a plain sleep: a trapped signal
# interrupts wait at once.
any_alive() {
	for p in "$dir"/*/remactod.pid; do
		[ -r "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && return 0
	done
	return 1
}
while any_alive; do
	sleep 1 &
	wait $! || true
done
[ "$stopping" = yes ] || echo "every node of $dir has stopped"
"$fed" stop "$dir" > /dev/null 2>&1 || true
kill "$tailpid" 2>/dev/null || true

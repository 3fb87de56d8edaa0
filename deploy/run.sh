#!/bin/sh
# make run: a local demo federation on loopback, so a newcomer watches the ledger replicate:
# the network authority's registry node and four members (a region, a prefectural council, two
# communes), peered in a ring, each publishing its demo open programme (deploy/federation.sh).
# Plain HTTP on 127.0.0.1 only; ports from 8080 (the registry node), 8082 (first member)…
# The nodes' logs stream here; Ctrl-C stops every node cleanly, and the next `make run`
# resumes the same federation from ./var/federation. `make run-node` runs one node instead.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=var/federation
fed=deploy/federation.sh

mkdir -p var
if [ -r "$dir/nodes" ]; then
	"$fed" start "$dir"
else
	rm -rf "$dir"
	echo "Starting a demo federation: the authority and 4 members (keys, registry, demo programmes)..."
	"$fed" start "$dir" 4 --topology ring --seed --plain --base-port 8080 --build "$build"
fi
tail -n 0 -F "$dir"/*/remactod.log &
tailpid=$!
stop() {
	trap - INT TERM
	kill "$tailpid" 2>/dev/null || true
	echo
	"$fed" stop "$dir"
	exit 0
}
trap stop INT TERM
m1=$(awk '$1 == "m1" { print $3 }' "$dir/nodes")
cat <<MSG

  REMACTO Ledger — demo federation (Ctrl-C to stop; data kept in $dir)

  Dashboard (authority's node, the whole national ledger)  http://127.0.0.1:8080/
  Dashboard of the first member                            http://127.0.0.1:$m1/
  Logs held, with sizes                                    http://127.0.0.1:8080/api/v1/logs
  Compliance                                               http://127.0.0.1:8080/api/v1/compliance
  Peers of a node                                          http://127.0.0.1:8080/api/v1/peers
  What each node holds                                     $fed status $dir
  Publish through the first member   build/remacto publish --config $dir/m1/node.conf FILE.json

MSG
wait "$tailpid"

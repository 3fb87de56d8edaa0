#!/bin/sh
# Federation against a hostile peer (tests/integration/hostile_peer.py, written apart from the
# C code): garbage, text and oversized frames, messages before the handshake, a forged
# HelloProof, a forged checkpoint of a member's log, a checkpoint of a log not in the
# registry, unrequested entries, a member's checkpoint whose entries do not reproduce its root,
# a flood. After each: the node stored nothing of it (same logs, sizes and roots), still serves
# /healthz, and honest replication between two honest nodes goes on. Violations show per peer;
# refusals go to the key that misbehaved, not to its address, and line noise refuses nobody.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/h" 3 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "3 members and the authority converge" wait_for 60 converged 4 $(nodes)
# m1 is attacked; m2 is its honest peer; m3's key is the one a hostile peer holds (its node is
# stopped, as a member whose key was stolen or that misbehaves itself).
O2=$(origin_of m2) O3=$(origin_of m3)
VK3=$(get m1 "/api/v1/logs/$(slug_of m3)" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
fed_stop_node m3
mkdir -p "$T/pb"

src=20
round=0
for mode in garbage text oversized before-handshake before-proof forged-proof \
	forged-checkpoint unknown-log unrequested-entries bad-entries flood; do
	src=$((src + 1))
	round=$((round + 1))
	case $mode in
	forged-proof | forged-checkpoint) args="--origin $O3 --vkey $VK3" ;;
	bad-entries) args="--origin $O3 --key $F/m3/data/node.key" ;;
	unrequested-entries) args="--origin $O2" ;;
	*) args="" ;;
	esac
	view m1 > "$T/before"
	# One connection from an address of its own (127.0.0.x, loopback): a refusal earned by the
	# previous mode does not hide this one.
	# shellcheck disable=SC2086
	out=$(hostile "$mode" m1 --source "127.0.0.$src" $args 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$mode: $(echo "$out" | tail -n 1 | sed 's/^hostile_peer [a-z-]*: ok: //')"
	else
		notok "$mode (status $rc): $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	view m1 > "$T/after"
	if cmp -s "$T/before" "$T/after"; then
		ok "$mode: nothing stored: the same $(wc -l < "$T/after") logs at the same sizes and roots"
	else
		notok "$mode: m1's logs changed: $(diff "$T/before" "$T/after" | grep '^[<>]' | tr '\n' ' ')"
	fi
	check "$mode: m1 still serves /healthz" get m1 /healthz
	# Honest replication goes on: m2 publishes, m1 gets it.
	want=$(($(size_on m2 "$O2") + 1))
	one_entry "honest-$round" > "$T/one.json"
	if publish m2 "$T/one.json" > /dev/null 2>> "$T/check.log" && wait_for 30 holds m1 "$O2" "$want"; then
		ok "$mode: then m2 publishes and m1 replicates it (size $want)"
	else
		notok "$mode: m1 replicates m2's entry $want within 30 s (has $(size_on m1 "$O2"))"
	fi
done

# Refusals go to keys, never to addresses (shared behind NAT): a key that proved itself and then
# broke the protocol is refused for a growing while, and /api/v1/peers shows it with its
# violations meanwhile; another peer from the same address is served all along. Line noise
# (garbage frames) refuses nobody.
openssl genpkey -algorithm ed25519 -out "$T/bad.pem" 2> /dev/null
BAD=$($PY -c '
import sys
from cryptography.hazmat.primitives import serialization
k = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
print("mirror." + k.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)[:4].hex())' "$T/bad.pem")
# The key misbehaves again at once after each close until the node refuses it for 5 s or more
# at its handshake (the refusal doubles with each violation): then /api/v1/peers must show it
# refused, well within that time.
out=$(hostile until-refused m1 --source 127.0.0.99 --identity "$T/bad.pem" 2>&1)
case $out in
*"hostile_peer until-refused: ok: "*)
	ok "that key is refused at its handshake: $(echo "$out" | tail -n 1 | sed 's/^hostile_peer [a-z-]*: ok: //')" ;;
*) notok "that key is refused at its handshake: $(echo "$out" | tail -n 2 | tr '\n' ' ')" ;;
esac
if get m1 /api/v1/peers | $PY -c '
import json, sys
d = json.load(sys.stdin)
bad = [p for p in d["peers"] if p["state"] == "refused" and p["origin"] == sys.argv[1]]
print(bad[0]["state"], bad[0]["violations"], bad[0]["backoffMs"], repr(bad[0]["address"])) if bad else sys.exit(1)' "$BAD" > "$T/refused" 2>&1; then
	ok "/api/v1/peers shows $BAD refused after its violations: $(cat "$T/refused") (state, violations, ms refused, address)"
else
	notok "/api/v1/peers shows the misbehaving key refused: $(cat "$T/refused")"
fi
check "another peer from the same address (127.0.0.99) is served meanwhile" \
	hostile unknown-log m1 --source 127.0.0.99
for i in 1 2 3; do hostile garbage m1 --source 127.0.0.98 > "$T/garbage.out" 2>&1; done
if grep -q "close code 1002" "$T/garbage.out"; then
	ok "garbage frames close the session as a broken link (1002, protocol error), not a violation (1008)"
else
	notok "garbage frames close as a broken link (1002): $(tail -n 1 "$T/garbage.out")"
fi
check "and refuse nobody: 127.0.0.98 is served right after" \
	hostile unknown-log m1 --source 127.0.0.98
check "/metrics has per-peer violation counters" \
	sh -c "curl -sf --http1.1 --cacert '$F/tls/ca.pem' '$(url_of m1)/metrics' | grep -q '^remacto_peer_violations_total{'"
check "m1 keeps its honest sessions (m2 and the authority ready)" sh -c "
	curl -sf --http1.1 --cacert '$F/tls/ca.pem' '$(url_of m1)/api/v1/peers' | $PY -c '
import json, sys
ready = {p[\"origin\"] for p in json.load(sys.stdin)[\"peers\"] if p[\"state\"] == \"ready\"}
sys.exit(not {\"$O2\", \"remacto.ma/registry\"} <= ready)'"
# The member whose key the hostile peer held comes back and publishes honestly: its log still
# replicates to m1, whatever the bogus checkpoint of size +3 that nobody can serve left behind.
fed_start_node m3 || notok "m3 comes back"
want=$(($(size_on m2 "$O3") + 1))
one_entry "m3-honest" > "$T/one.json"
m3_pub() { publish m3 "$T/one.json" > /dev/null 2>&1; }
check "m3 publishes again (after its first vector)" wait_for 20 m3_pub
check "m2 replicates m3's new entry" wait_for 20 holds m2 "$O3" "$want"
check "m1 replicates it too, the bad-entries checkpoint of m3's log notwithstanding" \
	wait_for 20 holds m1 "$O3" "$want"
check "m1 stops cleanly and its data folder verifies offline (remacto log verify)" sh -c "
	'$FEDSH' stop-node '$F' m1 > /dev/null && '$REMACTO' log verify --data '$F/m1/data' --origin '$(origin_of m1)' > /dev/null"
fed_dump
"$FEDSH" stop "$F" > /dev/null 2>&1
finish

#!/bin/sh
# What Prometheus and a load balancer read from a federated node: the build, process metrics,
# per-log replication lag and witness time, peer_up only for real sessions (a mesh has standby
# slots), the data file system, and /healthz degraded once the node has had no peer session
# for [peer] isolated_after_s, healthy again when a peer is back.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/m" 2 mesh --seed --announce || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "the authority and 2 members converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2)
# Cosignatures travel with the gossip after convergence: wait for m1 to hold one of m2's log.
has_witness() { get m1 /metrics | grep -q "^remacto_log_last_witnessed_seconds{origin=\"$O2\"}"; }
check "m1 knows when m2's log was last witnessed" wait_for 30 has_witness
get m1 /metrics > "$T/m1.prom" || notok "GET /metrics on m1"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$T/m1.prom"; }
now=$(date +%s)
V=$("$BUILD/remactod" --version)
check_eq "remacto_build_info carries the version of remactod --version" 1 \
	"$(metric "remacto_build_info{version=\"${V#remactod }\"}")"
check "process_resident_memory_bytes is over 1 MiB" \
	awk -v v="$(metric process_resident_memory_bytes)" 'BEGIN { exit !(v > 1048576) }'
check "process_open_fds counts the listeners and the store (> 5)" \
	awk -v v="$(metric process_open_fds)" 'BEGIN { exit !(v > 5) }'
check "process_max_fds is the descriptor limit" \
	test "$(metric process_max_fds)" = "$(sh -c 'ulimit -n')"
check "process_start_time_seconds is the start, in the last 10 minutes" \
	awk -v v="$(metric process_start_time_seconds)" -v now="$now" 'BEGIN { exit !(v <= now && v > now - 600) }'
check "process_cpu_seconds_total is a number" \
	awk -v v="$(metric process_cpu_seconds_total)" 'BEGIN { exit !(v + 0 > 0) }'
check "remacto_data_filesystem_avail_bytes is there and below the size" \
	awk -v a="$(metric remacto_data_filesystem_avail_bytes)" -v s="$(metric remacto_data_filesystem_size_bytes)" \
	'BEGIN { exit !(a > 0 && s >= a) }'
for o in remacto.ma/registry "$O1" "$O2"; do
	check_eq "converged: remacto_replica_behind_entries{origin=\"$o\"} is 0" 0 \
		"$(metric "remacto_replica_behind_entries{origin=\"$o\"}")"
	check_eq "remacto_log_forked{origin=\"$o\"} is 0" 0 "$(metric "remacto_log_forked{origin=\"$o\"}")"
done
check "m2's log was witnessed in the last 5 minutes" \
	awk -v v="$(metric "remacto_log_last_witnessed_seconds{origin=\"$O2\"}")" -v now="$now" \
	'BEGIN { exit !(v > now - 300 && v <= now + 5) }'
check "m1's own log has a witness time too (the others cosign it)" \
	test -n "$(metric "remacto_log_last_witnessed_seconds{origin=\"$O1\"}")"
check_eq "peers: remacto_peers_isolated_seconds is 0" 0 "$(metric remacto_peers_isolated_seconds)"

# Announced addresses make each pair dial both ways: once the slots have scanned the registry,
# one direction of each pair stands by. Those slots are no sessions: they have no
# remacto_peer_up line (it read 0 for them before, and alerts fired).
has_standby() {
	get "$1" /api/v1/peers | $PY -c 'import json,sys; sys.exit(not any(p["state"] == "standby" for p in json.load(sys.stdin)["peers"]))'
}
standby_anywhere() {
	for n in $(nodes); do has_standby "$n" && { echo "$n" > "$T/standby"; return 0; }; done
	return 1
}
check "a node has standby slots (announced peers, dialled both ways)" wait_for 90 standby_anywhere
S=$(cat "$T/standby" 2>/dev/null || echo m2)
get "$S" /metrics > "$T/m2.prom" || notok "GET /metrics on $S"
check_eq "every remacto_peer_up line of the node with standby slots is 1 (standby slots are not listed)" "" \
	"$(grep '^remacto_peer_up{' "$T/m2.prom" | awk '$2 != 1')"
check_eq "remacto_peer_up lines = ready sessions" \
	"$(awk '$1 == "remacto_peers_ready" { print $2 }' "$T/m2.prom")" \
	"$(grep -c '^remacto_peer_up{' "$T/m2.prom")"
check "promtool accepts the exposition" sh -c "promtool check metrics < '$T/m1.prom' 2>&1 | grep -v -e 'counter metrics should have \"_total\" suffix' -e 'no help text' | (! grep .)"

# Alerts and the dashboard name only metrics a node exports (up is Prometheus's own).
cat "$T/m1.prom" "$T/m2.prom" | awk '/^[a-z]/ { sub(/[{ ].*/, ""); print }' | sort -u > "$T/names"
check_eq "every metric in deploy/prometheus/alerts.yml and deploy/grafana/*.json is exported" "" \
	"$(cat "$TESTS/../deploy/prometheus/alerts.yml" "$TESTS/../deploy/grafana/remacto-national.json" |
		grep -o -E '(remacto|process)_[a-z0-9_]+' | sort -u | grep -v -x -F -f "$T/names" | tr '\n' ' ')"

# Cut m1 off: /healthz degrades after isolated_after_s, and heals when a peer is back.
fed_stop_node m1
echo "isolated_after_s = 2" >> "$F/m1/node.conf"
fed_start_node m1 || notok "m1 restarts with isolated_after_s = 2"
check "m1 has a peer session again" wait_for 30 sh -c "curl -sf --cacert '$F/tls/ca.pem' '$(url_of m1)/metrics' | grep -qx 'remacto_peers_isolated_seconds 0'"
check_eq "with a peer, /healthz is 200" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$F/tls/ca.pem" "$(url_of m1)/healthz")"
fed_stop_node m2
fed_stop_node registry
degraded() {
	curl -s -o "$T/h.json" -w '%{http_code}' --cacert "$F/tls/ca.pem" "$(url_of m1)/healthz" | grep -qx 503 &&
		grep -q '"status":"degraded"' "$T/h.json" && grep -q 'isolatedSeconds' "$T/h.json"
}
check "alone, m1's /healthz turns 503 degraded (no peer session) within 30 s" wait_for 30 degraded
check "the reason names [peer] isolated_after_s" grep -q 'isolated_after_s' "$T/h.json"
fed_start_node m2 || notok "m2 restarts"
healthy() { curl -sf --cacert "$F/tls/ca.pem" "$(url_of m1)/healthz" | grep -q '"status":"ok"'; }
check "with m2 back, m1's /healthz is ok again" wait_for 60 healthy
finish

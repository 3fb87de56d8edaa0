#!/bin/sh
# The node over HTTP: publishing (batched and single-entry from 64 clients) and reading (wrk from
# 64 connections) against a real remactod on loopback; RSS idle and under load.
# Usage: tests/bench/bench_http.sh BUILD [SECONDS]
set -eu
build=$(cd "${1:-build}" && pwd)
secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/remacto-bench-http.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); A=$(port)
cat > "$work/node.conf" <<CONF
[node]
data = $work/data
origin = remacto.ma/bench-commune
[public]
listen = 127.0.0.1:$P
[admin]
listen = 127.0.0.1:$A
[log]
level = warn
CONF
"$build/remactod" --config "$work/node.conf" --seed "$here/../../config/demo/rabat-prefecture.jsonl" 2> "$work/log" &
pid=$!
i=0; until curl -sf "http://127.0.0.1:$P/healthz" >/dev/null; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.05; done
export REMACTO_TOKEN=$(cat "$work/data/admin.token")
rss() { awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} END {printf "{\"rss_kb\":%d,\"rss_anon_kb\":%d}", r, a}' /proc/$pid/status; }
echo "{\"bench\":\"idle\",\"mem\":$(rss)}"

# Batched: 1,000 measurements per request.
/usr/bin/python3 -c '
import json
print(json.dumps([{"schema":1,"measurement":{"indicatorId":"IND-TR-03","period":"2025-Q%d" % (i % 4 + 1),"value":i,"comment":{"fr":"Mesure relevee par le service et verifiee par le comite de suivi, publiee avec sa piece justificative."}}} for i in range(1000)]))' > "$work/batch.json"
REMACTO_BODY="$work/batch.json" wrk -t1 -c2 -d"${secs}s" -s "$here/post.lua" "http://127.0.0.1:$A/api/v1/entries" > "$work/batch.out"
rps=$(sed -n 's/^Requests\/sec: *//p' "$work/batch.out")
echo "{\"bench\":\"publish_batched\",\"batch\":1000,\"requests_per_s\":$rps,\"entries_per_s\":$(echo "$rps" | awk '{printf "%.0f", $1 * 1000}'),\"goal_entries_per_s\":50000}"

# Single entries from 64 concurrent clients, each acknowledged only once durable.
echo '{"schema":1,"measurement":{"indicatorId":"IND-AI-01","period":"2026-Q1","value":18}}' > "$work/one.json"
REMACTO_BODY="$work/one.json" wrk -t2 -c64 -d"${secs}s" --latency -s "$here/post.lua" "http://127.0.0.1:$A/api/v1/entries" > "$work/one.out"
rps=$(sed -n 's/^Requests\/sec: *//p' "$work/one.out")
p99=$(awk '$1 == "99%" {print $2}' "$work/one.out")
p50=$(awk '$1 == "50%" {print $2}' "$work/one.out")
echo "{\"bench\":\"publish_single_64\",\"entries_per_s\":$rps,\"p50\":\"$p50\",\"p99\":\"$p99\",\"goal_entries_per_s\":5000,\"goal_p99\":\"20ms\"}"
commits=$(curl -s "http://127.0.0.1:$P/metrics" | awk '/^remacto_commits_total/ {print $2}')
echo "{\"bench\":\"group_commit\",\"commits_total\":$commits}"

# Reads.
for path in /logs/bench-commune/checkpoint /logs/bench-commune/tile/0/000 /logs/bench-commune/tile/entries/000 /api/v1/commitments/bench-commune/RBT-2024-01; do
	wrk -t2 -c64 -d"${secs}s" "http://127.0.0.1:$P$path" > "$work/read.out"
	rps=$(sed -n 's/^Requests\/sec: *//p' "$work/read.out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/read.out")
	echo "{\"bench\":\"read\",\"path\":\"$path\",\"requests_per_s\":$rps,\"non_2xx\":${non2xx:-0},\"mem\":$(rss)}"
done

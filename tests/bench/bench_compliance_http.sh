#!/bin/sh
# The derived views over HTTP: a read-only mirror node on the federation bench_compliance
# generated, and wrk with one connection (requests one after another) on the national
# overview, one member's report and one benchmark query; prints the median latency of each.
# Usage: tests/bench/bench_compliance_http.sh BUILD DIR AUTHORITY_VKEY [SECONDS]
set -eu
build=$(cd "${1:-build}" && pwd)
dir=$2
avk=$3
secs=${4:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/remacto-bench-views.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); A=$(port)
cat > "$work/node.conf" <<CONF
[node]
data = $dir
[public]
listen = 127.0.0.1:$P
[admin]
listen = 127.0.0.1:$A
[log]
level = warn
[authority]
verifier_key = $avk
CONF
"$build/remactod" --config "$work/node.conf" 2> "$work/log" &
pid=$!
i=0; until curl -sf "http://127.0.0.1:$P/healthz" >/dev/null; do i=$((i+1)); [ $i -lt 400 ] || exit 1; sleep 0.05; done
url="http://127.0.0.1:$P"
# The first request folds every log (a node's first after a start): timed on its own.
first=$(curl -s -o /dev/null -w '%{time_total}' "$url/api/v1/compliance?as-of=2025-06-30")
echo "{\"bench\":\"http_first_overview\",\"seconds\":$first,\"note\":\"folds every log, then evaluates every member at 13 days\"}"
for path in "/api/v1/compliance?as-of=2025-06-30" "/api/v1/compliance/member-0533?as-of=2025-06-30" \
	"/api/v1/benchmarks/TR-01?group=kind" "/api/v1/benchmarks/AI-01?group=region&member=member-0533"; do
	curl -sf -o /dev/null "$url$path"
	wrk -t1 -c1 -d"${secs}s" --latency "$url$path" > "$work/out"
	p50=$(awk '$1 == "50%" {print $2}' "$work/out")
	rps=$(sed -n 's/^Requests\/sec: *//p' "$work/out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/out")
	echo "{\"bench\":\"http_view\",\"path\":\"$path\",\"p50\":\"$p50\",\"requests_per_s\":$rps,\"non_2xx\":${non2xx:-0}}"
done
echo "(goals: overview <= 50ms, member report <= 5ms, benchmark <= 20ms, median over HTTP)"

#!/bin/sh
# The derived views over HTTP, on the federation bench_compliance generated (issue 12): ROUNDS
# times (default 3), a read-only mirror node is started on DIR and timed from its exec to its
# first answer to /api/v1/compliance (the national overview, 12-month trend), then its anonymous
# RSS is read, and wrk with one connection (requests one after another) measures the overview,
# one member's report and two benchmark queries for SECONDS each; the node's anonymous RSS after
# that load closes the round. With each figure the node's CPU time (a loaded machine's wall
# times include waiting for a core). Prints one JSON line per round and per query, then
# min/median/max over the rounds of each figure. Repeated requests are answered from the
# views' memo (nothing changes while wrk runs); the in-process figures of `bench_compliance run`
# give what the first request after a change costs.
# Usage: tests/bench/bench_compliance_http.sh BUILD DIR AUTHORITY_VKEY [SECONDS] [ROUNDS]
set -eu
build=$(cd "${1:-build}" && pwd)
dir=$2
avk=$3
secs=${4:-10}
rounds=${5:-3}
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
url="http://127.0.0.1:$P"
overview="/api/v1/compliance?as-of=2025-06-30"
rss_anon() { sed -n "s/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
now() { date +%s.%N; }
# cpu_s PID: the CPU time (user + system) the process has used, in seconds: on a machine other
# work loads, wall times include waiting for a core, CPU times do not.
tck=$(getconf CLK_TCK)
cpu_s() { awk -v t="$tck" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }
# summary NAME FILE: min, median and max of the numbers in FILE (one a line).
summary() {
	sort -g "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "{\"bench\":\"%s\",\"min\":%s,\"median\":%s,\"max\":%s,\"rounds\":%d}\n", name, v[1], m, v[NR], NR }'
}
# p50_ms FILE: wrk's median latency in milliseconds.
p50_ms() {
	awk '$1 == "50%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
		print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' "$1"
}

r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	# From the exec to the first 200 of the overview: the node opens the store, catches up
	# what its views lack (nothing: the store folded every batch), starts listening, then
	# evaluates 1,600 members at 13 days for the first request. Polled every 10 ms, for at most
	# 120 s.
	t0=$(now)
	"$build/remactod" --config "$work/node.conf" 2> "$work/log" &
	pid=$!
	i=0
	until [ "$(curl -s -o "$work/first.json" -w '%{http_code}' "$url$overview")" = 200 ]; do
		i=$((i + 1))
		kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
		[ $i -lt 12000 ] || { echo "bench_compliance_http: no overview after 120 s" >&2; exit 1; }
		sleep 0.01
	done
	t1=$(now)
	first=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	rss1=$(rss_anon "$pid")
	cpu1=$(cpu_s "$pid")
	echo "{\"bench\":\"http_first_overview_after_exec\",\"round\":$r,\"seconds\":$first,\"node_cpu_s\":$cpu1,\"rss_anon_kb\":$rss1,\"json_bytes\":$(wc -c < "$work/first.json")}"
	echo "$first" >> "$work/first"
	echo "$cpu1" >> "$work/first_cpu"
	echo "$rss1" >> "$work/rss1"
	for q in "overview $overview" "member /api/v1/compliance/member-0533?as-of=2025-06-30" \
		"benchmark_kind /api/v1/benchmarks/TR-01?group=kind" \
		"benchmark_region /api/v1/benchmarks/AI-01?group=region&member=member-0533"; do
		name=${q%% *}; path=${q#* }
		curl -sf -o /dev/null "$url$path"
		c0=$(cpu_s "$pid")
		wrk -t1 -c1 -d"${secs}s" --latency "$url$path" > "$work/out"
		c1=$(cpu_s "$pid")
		p50=$(p50_ms "$work/out")
		rps=$(sed -n 's/^Requests\/sec: *//p' "$work/out")
		n=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$work/out")
		cpu=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
		non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$work/out")
		echo "{\"bench\":\"http_view\",\"round\":$r,\"name\":\"$name\",\"path\":\"$path\",\"p50_ms\":$p50,\"node_cpu_ms_per_request\":$cpu,\"requests\":$n,\"requests_per_s\":$rps,\"non_2xx\":${non2xx:-0}}"
		echo "$p50" >> "$work/$name"
		echo "$cpu" >> "$work/${name}_cpu"
	done
	rss2=$(rss_anon "$pid")
	echo "{\"bench\":\"http_rss_after_load\",\"round\":$r,\"rss_anon_kb\":$rss2}"
	echo "$rss2" >> "$work/rss2"
	kill "$pid"
	wait "$pid" || true
	pid=
done
summary http_first_overview_after_exec_s "$work/first"
summary http_first_overview_node_cpu_s "$work/first_cpu"
summary rss_anon_kb_after_first "$work/rss1"
summary rss_anon_kb_after_load "$work/rss2"
for name in overview member benchmark_kind benchmark_region; do
	summary "http_${name}_p50_ms" "$work/$name"
	summary "http_${name}_node_cpu_ms" "$work/${name}_cpu"
done
echo "(goals: first overview after exec <= 1 s and the same at 2M and 20M entries; anonymous RSS <= 128 MiB and flat; overview and benchmark queries <= 15 ms, member report <= 5 ms, median over HTTP)"

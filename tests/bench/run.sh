#!/bin/sh
# make bench: the log core's throughput and memory, side by side with the named anchor
# (hypercore 11 from npm, pinned in tests/bench/anchor/package-lock.json), on the same disk in
# the same run. Prints one JSON line per measurement and a ratio per goal; record the results in
# docs/BENCHMARKS.md with the date and machine. Sizes: BENCH_N (default 1000000 entries);
# BENCH_ROUNDS repeats the log core's throughput part (min/median/max need 3); BENCH_ONLY=log
# stops after the log core. BENCH_NATIONAL=1 adds the 1,600-member federation at the end (400
# real nodes, the rest simulated; BENCH_NATIONAL_NODES; about 6 GB of memory and 15 minutes
# on 2 cores: see docs/BENCHMARKS.md).
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_N:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/remacto-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(sed -n 's/model name\s*: //p' /proc/cpuinfo | head -1)"
echo "# anchor: installing hypercore (npm ci, lock file)"
(cd "$here/anchor" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

# Rounds (BENCH_ROUNDS, default 1) of: batched append (bench_log), its disk, `remacto log append`
# of the same entries as JSON lines end to end (bench_cli.sh), and the anchor, each round's
# ratios from that round's anchor.
ratio() { awk -v a="$(echo "$1" | field "$2")" -v b="$(echo "$3" | field blocks_per_s)" 'BEGIN { printf "%.2f", a / b }'; }
r=0
while [ "$r" -lt "${BENCH_ROUNDS:-1}" ]; do
	r=$((r + 1))
	rm -rf "$work/a" "$work/h"
	echo "# round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	ours=$("$build/bench_log" append "$work/a" "$n" 1000); echo "$ours"
	"$build/bench_log" disk "$work/a"
	cli=$("$here/bench_cli.sh" "$build" "$n"); echo "$cli"
	anchor=$(node "$here/anchor/append.mjs" --blocks "$n" --batch 1000 --dir "$work/h"); echo "$anchor"
	echo "round $r: append ratio remacto/hypercore $(ratio "$ours" entries_per_s "$anchor") (goal >= 3), remacto log append ratio $(ratio "$cli" entries_per_s "$anchor") (goal >= 2); disk goal <= 450 bytes per entry"
done

"$build/bench_log" verify "$work/a"
echo "(verify goal: >= 500000 entries/s)"
"$build/bench_log" single "$work/s" 2000
"$build/bench_log" memory "$work/m" $((n / 10)) "$n"
echo "(memory goal: rss_anon_kb flat between the two sizes; file-backed pages are LMDB's map)"
[ "${BENCH_ONLY:-}" = log ] && exit 0
echo "# HTTP (remactod on loopback, wrk)"
"$here/bench_http.sh" "$build" "${BENCH_SECONDS:-10}"
# The views at each size of BENCH_COMPLIANCE_ENTRIES (issue 12: the first answer after exec and
# the anonymous RSS the same at 2M and 20M entries; 20M takes ~8 GB of disk and minutes to
# generate), BENCH_VIEWS_ROUNDS node starts each (default 3). The anchor of the first answer,
# same run: the views folded again from the logs alone (`bench_compliance rebuild`, what
# `remacto log reindex` does).
for size in ${BENCH_COMPLIANCE_ENTRIES:-2000000 20000000}; do
	echo "# compliance and benchmarks: 1,600 members, $size entries, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -rf "$work/views"
	gen=$("$build/bench_compliance" generate "$work/views" "$size" 1600); echo "$gen"
	"$build/bench_compliance" run "$work/views"
	"$here/bench_compliance_http.sh" "$build" "$work/views" "$(echo "$gen" | sed -n 's/.*"authority":"\([^"]*\)".*/\1/p')" "${BENCH_SECONDS:-10}" "${BENCH_VIEWS_ROUNDS:-3}" | tee "$work/views.http"
	anchor=$("$build/bench_compliance" rebuild "$work/views"); echo "$anchor"
	echo "$size entries: first overview after exec (median) / views folded again from the logs: $(awk -v a="$(sed -n 's/.*"http_first_overview_after_exec_s".*"median":\([0-9.]*\).*/\1/p' "$work/views.http")" -v b="$(echo "$anchor" | field seconds)" 'BEGIN { printf "%.3f", a / b }')"
done
rm -rf "$work/views"
# The trend: the same queries over indexes of growing size (BENCH_SEARCH_MEMBERS, largest last).
for m in ${BENCH_SEARCH_MEMBERS:-100 400 1600}; do
	echo "# search (issue 13): $m members x ${BENCH_SEARCH_COMMITMENTS:-150} commitments (3 milestones, 2 indicators each)"
	"$build/bench_search" generate "$work/search" "$m" "${BENCH_SEARCH_COMMITMENTS:-150}"
	"$build/bench_search" run "$work/search" "${BENCH_SEARCH_ROUNDS:-200}" "$m"
	rm -rf "$work/search"
done
echo "# federation (issue 4): catch-up of ${BENCH_FED_ENTRIES:-1000000} entries over TLS, then ${BENCH_FED_NODES:-126} member nodes on loopback: propagation and memory (BENCH_FED_*)"
"$here/bench_fed.sh" "$build"
if [ -n "${BENCH_NATIONAL:-}" ]; then
	echo "# federation at national scale (issue 12): 1,600 members, ${BENCH_NATIONAL_NODES:-400} real nodes"
	BENCH_FED_ONLY=propagation BENCH_FED_NODES=${BENCH_NATIONAL_NODES:-400} BENCH_FED_MEMBERS=1600 \
		BENCH_FED_POLL_MS=200 BENCH_FED_WATCHDOG_S=600 "$here/bench_fed.sh" "$build"
fi

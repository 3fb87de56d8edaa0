#!/bin/sh
# bench_cli.sh BUILD [N] [CHUNK] — `remacto log append` end to end, as a publisher runs it: N JSON
# lines (the ~309-byte measurement entries of bench_log, written by `bench_log jsonl`, canonical
# proto3 JSON of about 420 bytes a line) piped into `remacto log append` CHUNK lines at a time
# (default 100000, the largest batch a log append takes), each invocation a new process that
# opens the store, reads and checks its lines, appends them in one durable transaction with one
# signed checkpoint, and exits. The log starts with the 997 indicators the measurements refer to
# (untimed). Timed: every invocation, wall clock, start to exit, and their CPU time; the lines are
# written to files first (untimed), as hypercore's anchor builds its blocks before timing. Prints
# one JSON line.
set -eu
build=$(cd "${1:-build}" && pwd)
n=${2:-1000000}
chunk=${3:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/remacto-bench-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
origin=remacto.ma/bench-cli

"$build/remacto" keygen --origin "$origin" --out "$work/key" >/dev/null
"$build/remacto" log init --data "$work/data" --origin "$origin" --key "$work/key" >/dev/null
"$build/bench_log" jsonl indicators |
	"$build/remacto" log append --data "$work/data" --origin "$origin" >/dev/null
"$build/bench_log" jsonl "$n" | split -l "$chunk" -a 4 - "$work/lines."
bytes=$(cat "$work"/lines.* | wc -c)

now() { date +%s.%N; }
t0=$(now)
# In a subshell whose `times` (its second line: the children's user and system time) then counts
# these invocations only; not in a pipeline, whose own subshell would have no children.
tt=$(
	for f in "$work"/lines.*; do
		"$build/remacto" log append --data "$work/data" --origin "$origin" <"$f" >/dev/null
	done
	times
)
t1=$(now)
cpu=$(echo "$tt" | sed -n 2p | tr 'ms' '  ' | awk '{ print 60 * $1 + $2 + 60 * $3 + $4 }')
size=$("$build/remacto" log list --data "$work/data" | awk -v o="$origin" '$1 == o { print $2 }')
[ "$size" = $((n + 997)) ] || { echo "bench_cli: log holds $size entries, not $((n + 997))" >&2; exit 1; }
echo "$t0 $t1 $n $chunk $bytes $cpu" | awk '{ s = $2 - $1; printf "{\"bench\":\"cli_append\",\"entries\":%d,\"per_invocation\":%d,\"avg_line_bytes\":%d,\"seconds\":%.3f,\"entries_per_s\":%.0f,\"cpu_us_per_entry\":%.2f}\n", $3, $4, $5 / $3, s, $3 / s, 1e6 * $6 / $3 }'

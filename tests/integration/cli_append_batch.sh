#!/bin/sh
# `remacto log append` of a large batch, whose lines are decoded on worker threads while the
# entries already decoded are stored (node/cli/ingest.c): the log must come out exactly as small
# appends, decoded line by line, make it, and a refused batch must be reported by its first bad
# line, as a line-by-line reading reports it, even when the store would refuse an earlier entry.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=remacto.ma/rabat-prefecture
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
"$REMACTO" keygen --origin "$O" --out "$T/k" > /dev/null
for d in one many piped; do
	"$REMACTO" log init --data "$T/$d" --origin "$O" --key "$T/k" > /dev/null
	"$REMACTO" log append --data "$T/$d" --origin "$O" < "$DEMO" > /dev/null
done

# 12,000 status updates and measurements of the demo's commitments and indicators, with empty
# lines between some (skipped, but counted in line numbers). $1: the file; then pairs of a line
# number and the text that replaces it.
lines() {
	$PY - "$@" <<'PY'
import json, sys
out, swaps = sys.argv[1], dict(zip(map(int, sys.argv[2::2]), sys.argv[3::2]))
with open(out, "w") as f:
    n = 0
    for i in range(1, 12001):
        n += 1
        if i % 2:
            e = {"schema": 1, "statusUpdate": {"commitmentId": "RBT-2024-0%d" % (1 + i % 3),
                 "date": "2025-%02d-%02d" % (1 + i % 12, 1 + i % 28),
                 "completion": "COMPLETION_LIMITED", "progressPercent": i % 101,
                 "note": {"fr": "étape %d" % i, "ar": "مرحلة"}}}
        else:
            e = {"schema": 1, "measurement": {"indicatorId": "IND-TR-03", "period": "2025",
                 "value": i / 7}}
        f.write(swaps.get(n, json.dumps(e, ensure_ascii=False)) + "\n")
        if i % 2500 == 0:
            f.write("\n")
            n += 1
PY
}
lines "$T/good"
size=$("$REMACTO" log append --data "$T/one" --origin "$O" < "$T/good")
check_eq "one append takes the 12,000 lines" $((19 + 12000)) "$size"
split -l 1000 "$T/good" "$T/part."
for p in "$T"/part.*; do "$REMACTO" log append --data "$T/many" --origin "$O" < "$p" > /dev/null; done
"$REMACTO" log checkpoint --data "$T/one" --origin "$O" > "$T/cp.one"
"$REMACTO" log checkpoint --data "$T/many" --origin "$O" > "$T/cp.many"
check "the log is the one 12 appends of 1,000 lines make: the same signed checkpoint" \
	cmp "$T/cp.one" "$T/cp.many"
check "and every entry verifies" "$REMACTO" log verify --data "$T/one" --origin "$O"
# Through a pipe the input's size is not known beforehand: the text grows as it is read.
cat "$T/good" | "$REMACTO" log append --data "$T/piped" --origin "$O" > /dev/null
"$REMACTO" log checkpoint --data "$T/piped" --origin "$O" > "$T/cp.piped"
check "the same lines through a pipe give the same signed checkpoint" cmp "$T/cp.one" "$T/cp.piped"
# Entry 19 + 6,999 is the 7,000th line of entries, line 7,002 of the input (two empty before).
"$REMACTO" log entry --data "$T/one" --origin "$O" --index $((19 + 6999)) > "$T/e7000"
check "entry 19 + 6,999 is input line 7,002" $PY -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.loads(open(sys.argv[2]).read().splitlines()[7001])
sys.exit(a["measurement"]["indicatorId"] != b["measurement"]["indicatorId"] or
         float(a["measurement"]["value"]) != b["measurement"]["value"])' "$T/e7000" "$T/good"

refused() {
	desc=$1 code=$2 want=$3
	"$REMACTO" log append --data "$T/one" --origin "$O" < "$T/bad" > "$T/out" 2> "$T/err"; rc=$?
	"$REMACTO" log checkpoint --data "$T/one" --origin "$O" > "$T/cp.now"
	if [ "$rc" -eq "$code" ] && grep -q "$want" "$T/err" && cmp -s "$T/cp.one" "$T/cp.now"; then
		ok "$desc (exit $rc: $(head -c 100 "$T/err"))"
	else
		notok "$desc (exit $rc, expected $code and '$want'; $(cat "$T/err"))"
	fi
}
unknown='{"schema":1,"statusUpdate":{"commitmentId":"NOWHERE-1","date":"2025-03-03","completion":"COMPLETION_LIMITED"}}'
lines "$T/bad" 3000 "$unknown"
refused "an entry the store refuses fails the batch, named by its place" 1 "entry 2999 of the batch"
lines "$T/bad" 3000 "$unknown" 11000 '{"schema":1,"statusUpdate":{'
refused "a malformed line after it is what the publisher is told" 3 "line 11000: invalid JSON"
lines "$T/bad" 9000 '{"schema":1,"colour":"red"}' 4000 '{"schema":1,"statusUpdate":{"commitmentId":"X","date":"2025-02-30"}}'
refused "of two bad lines far apart, the first is named" 3 "line 4000: statusUpdate.date"

# A line of 300 MiB, with no end in sight, through a pipe: refused by the line cap as soon as it
# passes it, without reading the rest (the writer finds the pipe closed long before the end of
# the line) nor holding it in memory (peak RSS far below the line), and nothing stored.
head -n 1 "$T/good" > "$T/first"
$PY - "$REMACTO" "$T/one" "$O" "$T/first" > "$T/long.out" 2> "$T/long.err" <<'PY'
import os, subprocess, sys
remacto, data, origin, first = sys.argv[1:5]
p = subprocess.Popen([remacto, "log", "append", "--data", data, "--origin", origin],
                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, bufsize=0)
block, sent = b"a" * (1 << 20), 0
try:
    p.stdin.write(open(first, "rb").read())
    for _ in range(300):
        sent += p.stdin.write(block)
    p.stdin.write(b"\n")
except BrokenPipeError:
    pass
try:
    p.stdin.close()
except BrokenPipeError:
    pass
_, status, usage = os.wait4(p.pid, 0)
print(os.waitstatus_to_exitcode(status), sent, usage.ru_maxrss)
PY
read -r rc sent rss < "$T/long.out"
"$REMACTO" log checkpoint --data "$T/one" --origin "$O" > "$T/cp.now"
check_eq "a 300 MiB line is refused (exit 3)" 3 "$rc"
check "with the line cap's message, naming line 2" \
	grep -q "line 2: longer than 1048576 bytes; nothing appended" "$T/long.err"
check "having taken a few MiB of it, not the line ($sent bytes written before the pipe closed)" \
	test "$sent" -lt $((16 << 20))
check "with a peak RSS of $rss KiB, far below the line (under 64 MiB)" test "$rss" -lt 65536
check "and nothing stored: the checkpoint is unchanged" cmp "$T/cp.one" "$T/cp.now"
finish

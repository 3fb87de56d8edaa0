#!/bin/sh
# Crash safety: appends batches in a loop and kill -9s the tool at random moments (a bounded
# number of rounds). After every kill the log must verify, hold whole batches only, and keep
# every size the tool reported as done.
. "$(dirname "$0")/lib.sh"
O=remacto.ma/commune-temara
D="$T/data"
ROUNDS=${KILL_ROUNDS:-30}
BATCH=2000

"$REMACTO" keygen --origin "$O" --out "$T/k.key" > /dev/null
"$REMACTO" log init --data "$D" --origin "$O" --key "$T/k.key" > /dev/null
echo '{"schema":1,"indicator":{"id":"IND-K","title":{"fr":"Indicateur de test"},"measure":"MEASURE_UNIT"}}' |
	"$REMACTO" log append --data "$D" --origin "$O" > /dev/null
# The log now holds one entry; every batch adds BATCH more.
awk -v n=$BATCH 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"schema\":1,\"measurement\":{\"indicatorId\":\"IND-K\",\"period\":\"2025-Q%d\",\"value\":%d}}\n", i % 4 + 1, i }' > "$T/batch"

acked=0 killed=0 bad=0 partial=0 lost=0
seed=${KILL_SEED:-$$}
echo "seed $seed"
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	# A delay in [0, 120) ms, drawn from the seeded generator: where the kill lands varies.
	delay=$(awk -v s="$seed" -v r=$r 'BEGIN { srand(s + r); printf "%.3f", rand() * 0.12 }')
	"$REMACTO" log append --data "$D" --origin "$O" < "$T/batch" > "$T/out" 2>/dev/null &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	reported=$(cat "$T/out")
	[ -z "$reported" ] && killed=$((killed + 1))
	[ -n "$reported" ] && [ "$reported" -gt "$acked" ] && acked=$reported
	if ! "$REMACTO" log verify --data "$D" --origin "$O" > "$T/v" 2>&1; then
		bad=$((bad + 1)); cat "$T/v"
	fi
	size=$(sed -n 's/.*: \([0-9]*\) entries verified.*/\1/p' "$T/v")
	[ $(( (${size:-0} - 1) % BATCH )) -eq 0 ] || partial=$((partial + 1))
	[ "${size:-0}" -ge "$acked" ] || lost=$((lost + 1))
done
echo "rounds $ROUNDS, killed before done $killed, last acknowledged size $acked"
check_eq "the log verifies after every kill -9" 0 $bad
check_eq "only whole batches are ever stored" 0 $partial
check_eq "no acknowledged append is lost" 0 $lost
check "some appends were killed mid-way" test "$killed" -gt 0
check "some appends completed" test "$acked" -gt 0
finish

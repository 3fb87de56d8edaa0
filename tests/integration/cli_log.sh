#!/bin/sh
# End to end through the command-line tool, as an operator and a verifier would use it: keygen,
# init, append JSON and raw, checkpoint, proofs — all checked by Go's sumdb/note and sumdb/tlog
# and Google's protoc — then bad input that must change nothing, and a corrupted byte that
# verify must name.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=remacto.ma/rabat-prefecture
D="$T/data"
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
PROTO="$TESTS/../proto"

vkey=$("$REMACTO" keygen --origin "$O" --out "$T/rabat.key")
check "keygen prints a verifier key named after the origin" \
	sh -c "echo '$vkey' | grep -Eq '^remacto\.ma/rabat-prefecture\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'"
check_eq "key file is mode 0600" 600 "$(stat -c %a "$T/rabat.key")"
check "key file is PKCS#8 Ed25519 as OpenSSL reads it" \
	sh -c "openssl pkey -in '$T/rabat.key' -noout -text | grep -q ED25519"
check_fails "keygen never overwrites a key" "$REMACTO" keygen --origin "$O" --out "$T/rabat.key"
check_fails "keygen refuses an origin with a space" "$REMACTO" keygen --origin "a b" --out "$T/x.key"

check "log init" "$REMACTO" log init --data "$D" --origin "$O" --key "$T/rabat.key"
check_fails "log init twice is refused" "$REMACTO" log init --data "$D" --origin "$O" --key "$T/rabat.key"
"$REMACTO" log checkpoint --data "$D" --origin "$O" > "$T/cp0"
check_eq "empty checkpoint verifies with Go's note.Open" \
	"$O 0 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" "$(goverify checkpoint "$vkey" "$T/cp0")"

size=$("$REMACTO" log append --data "$D" --origin "$O" < "$DEMO")
check_eq "append of the demo programme prints the new size" 19 "$size"
"$REMACTO" log entry --data "$D" --origin "$O" --index 3 --raw > "$T/e3.b64"
size=$("$REMACTO" log append --data "$D" --origin "$O" --raw < "$T/e3.b64")
check_eq "raw append prints the new size" 20 "$size"
check_eq "raw entry stored byte for byte" "$(cat "$T/e3.b64")" \
	"$("$REMACTO" log entry --data "$D" --origin "$O" --index 19 --raw)"
base64 -d "$T/e3.b64" > "$T/e3.bin"
check "Google's protoc decodes the stored entry" sh -c \
	"protoc --proto_path='$PROTO' --decode=remacto.v1.Entry '$PROTO/remacto.proto' < '$T/e3.bin' | grep -q 'RBT-2024-01'"
check "entry as JSON uses the canonical mapping" sh -c \
	"'$REMACTO' log entry --data '$D' --origin '$O' --index 3 | grep -q '\"budgetMad\":\"450000\"'"

"$REMACTO" log checkpoint --data "$D" --origin "$O" > "$T/cp20"
opened=$(goverify checkpoint "$vkey" "$T/cp20")
check_eq "checkpoint of size 20 verifies with Go's note.Open" "$O 20" "${opened% *}"
root=${opened##* }
vroot=$("$REMACTO" log verify --data "$D" --origin "$O" | sed 's/.*root //')
check_eq "log verify recomputes the signed root" "$root" "$vroot"

bad=0
for size in 1 7 20; do
	i=0
	while [ $i -lt $size ]; do
		"$REMACTO" log proof --data "$D" --origin "$O" --index $i --size $size > "$T/p.json"
		"$REMACTO" log entry --data "$D" --origin "$O" --index $i --raw > "$T/e.b64"
		goverify inclusion "$T/p.json" "$T/e.b64" >/dev/null 2>>"$T/check.log" || bad=$((bad + 1))
		i=$((i + 1))
	done
done
check_eq "every inclusion proof (sizes 1, 7, 20) verifies with Go's tlog.CheckRecord" 0 $bad
"$REMACTO" log proof --data "$D" --origin "$O" --index 5 --size 20 > "$T/p.json"
check_eq "inclusion proof root is the checkpoint root" "$root" \
	"$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$T/p.json")"
bad=0
for old in 1 2 3 4 5 8 13 19 20; do
	"$REMACTO" log proof --data "$D" --origin "$O" --old $old --size 20 > "$T/c.json"
	goverify consistency "$T/c.json" >/dev/null 2>>"$T/check.log" || bad=$((bad + 1))
done
check_eq "consistency proofs verify with Go's tlog.CheckTree" 0 $bad
"$REMACTO" log proof --data "$D" --origin "$O" --old 7 --size 20 > "$T/c.json"
$PY - "$T/c.json" <<'PYEOF' > "$T/c-bad.json"
import base64, json, sys
p = json.load(open(sys.argv[1]))
h = bytearray(base64.b64decode(p["proof"][0])); h[0] ^= 1
p["proof"][0] = base64.b64encode(bytes(h)).decode()
print(json.dumps(p))
PYEOF
check_fails "Go rejects a tampered consistency proof (the check can fail)" goverify consistency "$T/c-bad.json"

# Bad input changes nothing: same size, same checkpoint byte for byte.
unchanged() {
	"$REMACTO" log checkpoint --data "$D" --origin "$O" | cmp -s - "$T/cp20"
}
try_bad() {
	desc=$1 code=$2; shift 2
	"$@" > "$T/out" 2> "$T/err"; rc=$?
	if [ $rc -eq "$code" ] && unchanged && [ -s "$T/err" ]; then ok "$desc (exit $rc: $(head -c 120 "$T/err"))"
	else notok "$desc (exit $rc, expected $code; $(cat "$T/err"))"; fi
}
{ head -2 "$DEMO"; echo '{"schema":1,"commitment":{"id":"X"'; } > "$T/bad1"
try_bad "malformed JSON line rejects the whole batch" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < '$T/bad1'"
echo '{"schema":1,"commitment":{"id":"X","title":{"fr":"t"},"principles":["PRINCIPLE_TRANSPARENCY"],"colour":"red"}}' > "$T/bad2"
try_bad "unknown field is rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < '$T/bad2'"
echo '{"schema":1,"statusUpdate":{"commitmentId":"X","date":"2025-02-30","completion":"COMPLETION_LIMITED"}}' > "$T/bad3"
try_bad "invalid date is rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < '$T/bad3'"
echo '{"schema":1,"statusUpdate":{"commitmentId":"X","date":"2025-02-03","completion":"COMPLETION_LIMITED","progressPercent":140}}' > "$T/bad4"
try_bad "progress over 100% is rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < '$T/bad4'"
$PY -c 'import base64; print(base64.b64encode(b"\x0a\x05hello\xff\xff").decode())' > "$T/bad5"
try_bad "bytes that are not an Entry are rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' --raw < '$T/bad5'"
$PY -c 'print("commitment { id: \"BIG\" title { fr: \"" + "x" * 70000 + "\" } principles: PRINCIPLE_TRANSPARENCY }")' |
	protoc --proto_path="$PROTO" --encode=remacto.v1.Entry "$PROTO/remacto.proto" | base64 -w0 > "$T/bad6"
echo >> "$T/bad6"
try_bad "an entry over 64 KiB is rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' --raw < '$T/bad6'"
printf 'AAAA=\n' > "$T/bad7"
try_bad "invalid base64 is rejected" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' --raw < '$T/bad7'"
try_bad "empty input appends nothing" 3 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < /dev/null"
chmod 644 "$T/rabat.key"
try_bad "a key file readable by others is refused" 1 sh -c "'$REMACTO' log append --data '$D' --origin '$O' < '$DEMO'"
chmod 600 "$T/rabat.key"
try_bad "an unknown origin is refused" 1 sh -c "'$REMACTO' log append --data '$D' --origin remacto.ma/nowhere < '$DEMO'"
# A full disk: the data file may not grow (RLIMIT_FSIZE, SIGXFSZ ignored so writes fail EFBIG).
awk '{ for (i = 0; i < 400; i++) print }' "$DEMO" > "$T/big"
try_bad "a full disk fails the append and stores nothing" 1 sh -c \
	"trap '' XFSZ; ulimit -f $(( $(stat -c %s "$D/data.mdb") / 512 + 8 )); '$REMACTO' log append --data '$D' --origin '$O' < '$T/big'"
check "the log still verifies after every rejected input" "$REMACTO" log verify --data "$D" --origin "$O"
check "log reindex rebuilds the domain index from the logs" sh -c \
	"'$REMACTO' log reindex --data '$D' | grep -qx 'domain index rebuilt'"
# The index was rebuilt, not emptied: a status update naming a commitment of the log is accepted.
check_eq "after reindex the index still knows the log's commitments" 21 "$(echo '{"schema":1,"statusUpdate":{"commitmentId":"RBT-2024-02","date":"2025-11-02","completion":"COMPLETION_SUBSTANTIAL","progressPercent":80}}' |
	"$REMACTO" log append --data "$D" --origin "$O")"
"$REMACTO" log checkpoint --data "$D" --origin "$O" > "$T/cp20"

# A store at its size limit (a tiny map): the batch is refused as "storage full", nothing stored.
try_bad "a store at its size limit refuses the batch and stores nothing" 1 sh -c \
	"REMACTO_MAPSIZE=262144 '$REMACTO' log append --data '$D' --origin '$O' < '$T/big'"
check "the error says storage full and how to raise the limit" \
	grep -q "storage full.*mapsize_mb" "$T/err"
# With the default map the same batch goes through.
size=$("$REMACTO" log append --data "$D" --origin "$O" < "$T/big")
check_eq "the batch goes in once the limit is raised" $((21 + 19 * 400)) "$size"
check "log verifies after the refused and the accepted batch" "$REMACTO" log verify --data "$D" --origin "$O"

# Corrupt one byte of one entry in the data file: verify must fail and name the entry.
echo '{"schema":1,"measurement":{"indicatorId":"IND-TR-03","period":"2025","value":100,"comment":{"fr":"MARKER-CORRUPT-ME"}}}' |
	"$REMACTO" log append --data "$D" --origin "$O" > /dev/null
marker=$((21 + 19 * 400))
$PY - "$D/data.mdb" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b"MARKER-CORRUPT-ME")
while i >= 0:
    b[i] ^= 0x20
    i = b.find(b"MARKER-CORRUPT-ME", i + 1)
open(p, "r+b").write(b)
PYEOF
"$REMACTO" log verify --data "$D" --origin "$O" > "$T/out" 2> "$T/err"; rc=$?
check_eq "verify fails on a corrupted entry with exit code 4" 4 $rc
check "verify names the corrupted entry's index" grep -q "entry $marker:" "$T/err"
finish

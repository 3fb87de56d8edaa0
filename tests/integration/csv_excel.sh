#!/bin/sh
# CSV as French Excel reads and writes it: every CSV the API exports begins with a UTF-8 byte
# order mark; ?sep=; (and ?sep=tab) gives the same table with that separator, read back by
# Python's csv module into the same rows; a bad sep= is a 400 naming it. The import reads ';',
# ',' and tab separated files alike (an export with ?sep=; edited and imported round-trips)
# and says which separator it used, in the node's error and in `remacto import`'s output.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
PUB=$(free_port)
ADM=$(free_port)
while [ "$ADM" = "$PUB" ]; do ADM=$(free_port); done
write_conf "$T/node.conf" "$T/data" remacto.ma/demo "$PUB" "$ADM"
sed -i "s|^origin = remacto.ma/demo$|origin = remacto.ma/demo\nseed = $DEMO|" "$T/node.conf"
start_node "$T/node.conf" "$PUB" || { notok "remactod starts"; finish; }
ok "a node serves the demo programme"
U="http://127.0.0.1:$PUB"

BOM=$(printf '\357\273\277')
bad=""
for p in /api/v1/logs.csv /api/v1/peers.csv /api/v1/commitments.csv /api/v1/commitments/demo/RBT-2024-01.csv \
	/api/v1/indicators.csv /api/v1/measurements.csv /api/v1/compliance.csv /api/v1/compliance/demo.csv; do
	[ "$(curl -s "$U$p" | head -c 3)" = "$BOM" ] || bad="$bad $p"
done
check_eq "every CSV export begins with a UTF-8 BOM" "" "$bad"
check_eq "... and so does Accept: text/csv" "$BOM" "$(curl -s -H 'Accept: text/csv' "$U/api/v1/indicators" | head -c 3)"

# same_rows SEP PATH: the ',' export and the SEP export read into the same rows.
same_rows() {
	curl -s "$U$2" > "$T/comma.csv"
	curl -s "$U$2?sep=$1" > "$T/other.csv"
	$PY - "$T/comma.csv" "$T/other.csv" "$1" <<'PYEOF'
import csv, sys
d = {"%3B": ";", "tab": "\t", "%09": "\t"}[sys.argv[3]]
a = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
b = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8-sig"), delimiter=d))
head = open(sys.argv[2], encoding="utf-8-sig").readline()
sys.exit(0 if a == b and len(a) > 2 and d in head and "," not in head else 1)
PYEOF
}
check "?sep=; gives the same commitments, ';' between cells" same_rows %3B /api/v1/commitments.csv
check "?sep=; gives the same measurements" same_rows %3B /api/v1/measurements.csv
check "?sep=; gives the same compliance report" same_rows %3B /api/v1/compliance/demo.csv
check "?sep=tab gives the same indicators" same_rows tab /api/v1/indicators.csv
curl -s "$U/api/v1/commitments.csv?sep=%3B" > "$T/c.csv"
check "a cell holding ';' is quoted" $PY - "$T/c.csv" <<'PYEOF'
import sys
t = open(sys.argv[1], encoding="utf-8-sig").read()
# the principles cell joins with ';': quoted now, where the ',' table needed no quotes
sys.exit(0 if ';"transparency;accountability";' in t else 1)
PYEOF
check_eq "?sep=x is a 400 naming sep" "400 sep" \
	"$(curl -s -o "$T/resp" -w '%{http_code}' "$U/api/v1/logs.csv?sep=x") $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["field"])' "$T/resp")"
check_eq "sep= with filters: the filters still apply" 2 \
	"$(curl -s "$U/api/v1/measurements.csv?indicator=IND-AI-01&sep=%3B&member=demo" | $PY -c 'import sys; print(len(sys.stdin.read().strip().splitlines()) - 1)')"

# Import: the ';' export, edited as French Excel would (a decimal comma is not ours to guess:
# values stay with a point), imported back.
curl -s "$U/api/v1/measurements.csv?member=demo&indicator=IND-AI-01&sep=%3B" > "$T/m.csv"
$PY - "$T/m.csv" > "$T/m2.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig"), delimiter=";"))
head, last = rows[0], rows[-1]
last[head.index("period")] = "2026-Q1"
last[head.index("value")] = "14"
sys.stdout.write("\ufeff")
w = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
w.writerow(head)
w.writerow(last)
PYEOF
"$REMACTO" import --config "$T/node.conf" "$T/m2.csv" > "$T/out" 2> "$T/err"
check_eq "remacto import of the ';' file succeeds" 0 $?
check "... and says it read ';'" grep -q "^remacto: read as ';'-separated CSV$" "$T/err"
check_eq "... the row is a new measurement" "2026-Q1 14" \
	"$(curl -s "$U/api/v1/measurements?member=demo&indicator=IND-AI-01&period=2026-Q1" | $PY -c 'import json,sys; m=json.load(sys.stdin)["measurements"][0]; print(m["period"], int(m["value"]))')"
printf 'indicator_id\tperiod\tvalue\r\nIND-AI-01\t2026-Q2\t13\r\n' > "$T/t.csv"
"$REMACTO" import --config "$T/node.conf" "$T/t.csv" > "$T/out" 2> "$T/err"
check_eq "a tab-separated file imports" 0 $?
check "... and it says so" grep -q "^remacto: read as tab-separated CSV$" "$T/err"
printf 'indicator_id;period;value\r\nIND-AI-01;2026-Q3;abc\r\n' > "$T/bad.csv"
TOKEN=$(cat "$T/data/admin.token")
check_eq "a ';' file with a bad row: 400, the separator named" "400 ; True" \
	"$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$T/bad.csv" "http://127.0.0.1:$ADM/api/v1/import") $($PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["separator"], "read as \x27;\x27-separated" in e["reason"])' "$T/resp")"
check_eq "... on the row and column at fault" "2 value" \
	"$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["error"]["rows"][0]; print(r["row"], r["column"])' "$T/resp")"
finish

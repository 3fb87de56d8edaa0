#!/bin/sh
# Findings that say what to do, in the directorate's languages: every finding of the API carries
# its explanation and its action in French, Arabic and English; the entry line an action gives
# (a milestone update, a commitment under the missing principle), appended to the member's log
# as it stands, makes that finding go away, and the CSV rows of a missing report name the
# member's indicator and the period. The national catalog has an Arabic title for every code
# and the commitments' principle names (its old name 'participation' is still read, with a
# warning, and stored the same way). Regions are named. Benchmark values are rounded to their
# unit, in JSON and CSV.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/ledgerfix.inc"
PY=/usr/bin/python3
A=$LEDGER_ASOF

ledger_make || { notok "a ledger with a registry and three members"; finish; }
ledger_serve || { notok "a mirror node serves it"; finish; }
ok "a mirror node serves a ledger with a registry and three members"

get() { curl -s "$URL$1" > "$T/resp"; }
py() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$T/resp"; }

n_all=0
for m in rabat sale tetouan; do
	get "/api/v1/compliance/$m?as-of=$A"
	n=$(py 'print(len(d["findings"]))')
	bad=$(py 'print(sum(1 for f in d["findings"] if not (f["fr"] and f["ar"] and f["en"] and f["action"]["fr"] and f["action"]["ar"] and f["action"]["en"])))')
	check_eq "$m: all $n findings explained and with an action in fr, ar and en" 0 "$bad"
	n_all=$((n_all + n))
done
check "... (some findings to check: $n_all)" test "$n_all" -ge 8

get "/api/v1/compliance/rabat?as-of=$A"
check_eq "the overdue milestone's action (fr)" "Publier une mise à jour du jalon M2 de R1 (atteint, partiellement atteint ou non atteint)." \
	"$(py 'print([f for f in d["findings"] if f["code"] == "milestones.overdue"][0]["action"]["fr"])')"
check_eq "... (ar)" "نشر تحديث للمرحلة M2 من R1 (محققة أو محققة جزئيا أو غير محققة)." \
	"$(py 'print([f for f in d["findings"] if f["code"] == "milestones.overdue"][0]["action"]["ar"])')"
py 'print([f for f in d["findings"] if f["code"] == "milestones.overdue"][0]["action"]["command"])' > "$T/fix.json"
check_eq "... and its line is the milestone update to publish" \
	'{"schema":1,"milestoneUpdate":{"commitmentId":"R1","milestoneId":"M2","status":"MILESTONE_STATUS_MET","date":"2025-06-30"}}' \
	"$(cat "$T/fix.json")"
# Published as the line says (with its publication time), the finding goes.
$PY -c 'import json,sys; e=json.load(open(sys.argv[1])); e["published"]="2025-06-30T09:00:00Z"; print(json.dumps(e))' \
	"$T/fix.json" > "$T/fix.jsonl"
check "the line appends to rabat's log" sh -c "'$REMACTO' log append --data '$D' --origin remacto.ma/rabat < '$T/fix.jsonl'"
i=0
while [ $i -lt 50 ]; do
	get "/api/v1/compliance/rabat?as-of=$A"
	[ "$(py 'print(sum(1 for f in d["findings"] if f["code"] == "milestones.overdue"))')" = 0 ] && break
	sleep 0.1
	i=$((i + 1))
done
check_eq "... and the node's report no longer has the finding" 0 \
	"$(py 'print(sum(1 for f in d["findings"] if f["code"] == "milestones.overdue"))')"

get "/api/v1/compliance/sale?as-of=$A"
check_eq "a missing principle's action names the principle and the open programme" \
	"Publier un engagement relevant du principe « participation citoyenne » dans le programme SALE." \
	"$(py 'print([f for f in d["findings"] if f["subject"] == "citizen_participation"][0]["action"]["fr"])')"
py 'c=[f for f in d["findings"] if f["subject"] == "citizen_participation"][0]["action"]["command"]; e=json.loads(c); e["commitment"]["id"]="S9"; e["published"]="2025-06-30T09:00:00Z"; print(json.dumps(e))' > "$T/fix2.jsonl"
check "... its line, with an id given, appends to sale's log" sh -c "'$REMACTO' log append --data '$D' --origin remacto.ma/sale < '$T/fix2.jsonl'"
i=0
while [ $i -lt 50 ]; do
	get "/api/v1/compliance/sale?as-of=$A"
	[ "$(py 'print(sum(1 for f in d["findings"] if f["subject"] == "citizen_participation"))')" = 0 ] && break
	sleep 0.1
	i=$((i + 1))
done
check_eq "... and citizen participation is no longer missing" 0 \
	"$(py 'print(sum(1 for f in d["findings"] if f["subject"] == "citizen_participation"))')"

get "/api/v1/compliance/tetouan?as-of=$A"
check_eq "a missing report's action gives the CSV rows to import" "indicator_id,period,value|I-TR,2024," \
	"$(py 'print("|".join([f for f in d["findings"] if f["code"] == "indicators.not-reported"][0]["action"]["command"].split("\r\n")))')"
curl -s "$URL/api/v1/compliance/tetouan.csv?as-of=$A" > "$T/report.csv"
check "the report's CSV appends ar and the action columns" \
	sh -c "sed '1s/^\xef\xbb\xbf//' '$T/report.csv' | grep -q '^member,as_of,status,score,rule,code,severity,subject,fr,en,log_indexes,ar,action_fr,action_ar,action_en,action_command'"

# The catalog: Arabic titles, the commitments' principle names.
get "/api/v1/benchmarks/CP-01"
check_eq "CP-01's principle is citizen_participation, as commitments name it" citizen_participation \
	"$(py 'print(d["indicator"]["principle"])')"
check "... the name the commitments filter takes" sh -c "curl -sf '$URL/api/v1/commitments?principle=citizen_participation' > /dev/null"
missing=""
for code in $(cut -d, -f1 "$TESTS/../config/indicator-catalog.csv" | tail -n +2); do
	get "/api/v1/benchmarks/$code"
	[ -n "$(py 'print(d["indicator"]["title"]["ar"])')" ] || missing="$missing $code"
done
check_eq "every catalog indicator has an Arabic title" "" "$missing"
sed 's/,citizen_participation,/,participation,/' "$TESTS/../config/indicator-catalog.csv" > "$T/old-catalog.csv"
"$REMACTO" network init --data "$T/d2" --key "$T/a2.key" > /dev/null 2>&1
check "a catalog with the old name 'participation' is still added" sh -c "'$REMACTO' catalog add --data '$T/d2' --file '$T/old-catalog.csv' > /dev/null 2> '$T/old.err'"
check "... with a warning naming the new one" grep -q "CP-01: principle 'participation' is the old name of citizen_participation" "$T/old.err"

# Regions are named.
get "/api/v1/compliance?as-of=$A"
check_eq "the overview names the regions" "01 Tanger-Tétouan-Al Hoceïma طنجة تطوان الحسيمة|04 Rabat-Salé-Kénitra الرباط سلا القنيطرة" \
	"$(py 'print("|".join("%s %s %s" % (t["region"], t["regionName"]["fr"], t["regionName"]["ar"]) for t in d["byRegion"]))')"
check_eq "... and each member's region" "Rabat-Salé-Kénitra" "$(py 'print(d["members"][0]["regionName"]["fr"])')"

# Values rounded to their unit: CP-01 per 10,000 inhabitants (2 decimals), TR-01 a score
# (1 decimal; rabat reported 80.25).
get "/api/v1/benchmarks/CP-01?member=rabat"
check_eq "CP-01 per 10,000 inhabitants: 12 / 577,827 × 10,000 = 0.21" 0.21 "$(py 'print(d["groups"][0]["rows"][0]["value"])')"
get "/api/v1/benchmarks/TR-01"
check_eq "TR-01 (a score): rabat's 80.25 shows as 80.3, the mean of 80.25 and 60 as 70.1" "80.3 70.1" \
	"$(py 'g=d["groups"][0]; print([r["value"] for r in g["rows"] if r["member"]=="rabat"][0], g["mean"])')"
curl -s "$URL/api/v1/benchmarks/CP-01.csv" > "$T/b.csv"
check "the CSV has no long decimals" sh -c "! grep -Eq '[0-9]\\.[0-9]{4,}' '$T/b.csv'"
check "... and the value at 2 decimals" grep -q ',0.21,' "$T/b.csv"
finish

#!/bin/sh
# Compliance and benchmarks end to end: a data folder prepared with the command-line tool as an
# authority would (network init, three members admitted, the national catalog, a policy) with
# the members' logs written by `remacto log init/append`, served by a read-only mirror node;
# then the API (JSON and CSV, the error matrix), the `remacto compliance` and `remacto
# benchmark` tables, and an entry appended while the node runs, which the views pick up.
#
# Nobody witnesses these logs, so every member has liveness.never-witnessed (major). As of
# 2025-06-30, policy liveness 30, at risk below 80, non-compliant below 50:
#   rabat    5 principles, up to date, milestone met, TR-01 and CP-01 reported: 75/95 → 79
#   sale     only transparency (4 missing principles), up to date: 48/80 → 60
#   tetouan  programme closed, TR-01 not reported for 2024: 10/60 → 17, non-compliant
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CONF="$TESTS/../config"
D="$T/data"
ASOF=2025-06-30

avk=$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>>"$T/check.log")
member() { # slug kind hcp region population
	"$REMACTO" keygen --origin "remacto.ma/$1" --out "$T/$1.key" > "$T/$1.vk" &&
	"$REMACTO" member add --data "$D" --origin "remacto.ma/$1" --verifier-key "$(cat "$T/$1.vk")" \
		--kind "$2" --hcp "$3" --region "$4" --population "$5" --name-fr "Commune $1" \
		--name-ar "جماعة" --date 2024-01-10 > /dev/null &&
	"$REMACTO" log init --data "$D" --origin "remacto.ma/$1" --key "$T/$1.key" > /dev/null
}
if member rabat commune 4210101 04 577827 && member sale commune 4210102 04 982163 &&
	member tetouan commune 5110101 01 380787 2>>"$T/check.log"; then
	ok "three members admitted, their logs created"
else
	notok "three members admitted, their logs created"
fi
check "catalog add" "$REMACTO" catalog add --data "$D" --file "$CONF/indicator-catalog.csv"
check "policy set" "$REMACTO" policy set --data "$D" --liveness-days 30 --at-risk-score 80 \
	--non-compliant-score 50

pub() { printf '{"schema":1,"published":"%sT10:00:00Z",%s}\n' "$1" "$2"; }
{
	pub 2024-03-01 '"programme":{"id":"OPEN-RABAT","title":{"fr":"Rabat ouverte"},"stage":"PROGRAMME_STAGE_IMPLEMENTATION"}'
	pub 2024-03-01 '"commitment":{"id":"R1","programmeId":"OPEN-RABAT","title":{"fr":"Budget ouvert"},"principles":["PRINCIPLE_TRANSPARENCY","PRINCIPLE_ACCOUNTABILITY"],"startDate":"2024-04-01","milestones":[{"id":"M1","title":{"fr":"Budget publié"},"dueDate":"2025-03-31"}]}'
	pub 2024-03-01 '"commitment":{"id":"R2","programmeId":"OPEN-RABAT","title":{"fr":"Guichet"},"principles":["PRINCIPLE_ACCESS_TO_INFORMATION","PRINCIPLE_CITIZEN_PARTICIPATION","PRINCIPLE_DIGITALISATION"],"startDate":"2024-04-01"}'
	pub 2024-03-05 '"indicator":{"id":"I-TR","catalogCode":"TR-01","commitmentId":"R1","ascending":true}'
	pub 2024-03-05 '"indicator":{"id":"I-CP","catalogCode":"CP-01","commitmentId":"R2","ascending":true}'
	pub 2025-02-01 '"measurement":{"indicatorId":"I-TR","period":"2024","value":80}'
	pub 2025-02-01 '"measurement":{"indicatorId":"I-CP","period":"2024","value":12}'
	pub 2025-03-30 '"milestoneUpdate":{"commitmentId":"R1","milestoneId":"M1","status":"MILESTONE_STATUS_MET","date":"2025-03-30"}'
	pub 2025-06-01 '"statusUpdate":{"commitmentId":"R1","date":"2025-06-01","completion":"COMPLETION_SUBSTANTIAL"}'
	pub 2025-06-01 '"statusUpdate":{"commitmentId":"R2","date":"2025-06-01","completion":"COMPLETION_LIMITED"}'
} > "$T/rabat.jsonl"
{
	pub 2024-03-01 '"programme":{"id":"SALE","title":{"fr":"Salé ouverte"},"stage":"PROGRAMME_STAGE_ADOPTED"}'
	pub 2024-03-01 '"commitment":{"id":"S1","programmeId":"SALE","title":{"fr":"Portail"},"principles":["PRINCIPLE_TRANSPARENCY"],"startDate":"2024-04-01"}'
	pub 2024-03-05 '"indicator":{"id":"I-TR","catalogCode":"TR-01","commitmentId":"S1","ascending":true}'
	pub 2024-03-05 '"indicator":{"id":"I-CP","catalogCode":"CP-01","commitmentId":"S1","ascending":true}'
	pub 2025-05-15 '"measurement":{"indicatorId":"I-TR","period":"2024","value":60}'
	pub 2025-05-15 '"measurement":{"indicatorId":"I-CP","period":"2024","value":30}'
} > "$T/sale.jsonl"
{
	pub 2024-03-01 '"programme":{"id":"TET","title":{"fr":"Tétouan"},"stage":"PROGRAMME_STAGE_CLOSED"}'
	pub 2024-03-01 '"indicator":{"id":"I-TR","catalogCode":"TR-01","ascending":true}'
	pub 2024-03-02 '"measurement":{"indicatorId":"I-TR","period":"2023","value":40}'
} > "$T/tetouan.jsonl"
for m in rabat sale tetouan; do
	check "log append ($m)" sh -c "'$REMACTO' log append --data '$D' --origin remacto.ma/$m < '$T/$m.jsonl'"
done

P=$(free_port); A=$(free_port)
cat > "$T/node.conf" <<CONF
[node]
data = $D
[public]
listen = 127.0.0.1:$P
[admin]
listen = 127.0.0.1:$A
[log]
level = info
[authority]
verifier_key = $avk
CONF
start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
ok "a mirror node serves the prepared data folder"
URL="http://127.0.0.1:$P"
get() { curl -s -o "$T/resp" -w '%{http_code}' "$URL$1"; }
jq_() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/resp"; }

check_eq "GET /api/v1/compliance" 200 "$(get "/api/v1/compliance?as-of=$ASOF&months=2")"
check_eq "counts: 0 compliant, 2 at risk, 1 non-compliant" "3 0 2 1" \
	"$(jq_ 'd["counts"]["members"], d["counts"]["compliant"], d["counts"]["atRisk"], d["counts"]["nonCompliant"]')"
check_eq "rows: member, status and score in origin order" \
	"rabat at_risk 79 sale at_risk 60 tetouan non_compliant 17" \
	"$(jq_ '" ".join("%s %s %d" % (r["member"], r["status"], r["score"]) for r in d["members"])')"
check_eq "by region" "01:1/0/0/1 04:2/0/2/0" \
	"$(jq_ '" ".join("%s:%d/%d/%d/%d" % (t["region"], t["members"], t["compliant"], t["atRisk"], t["nonCompliant"]) for t in d["byRegion"])')"
check_eq "the trend has the month ends, then as-of" "2025-04-30 2025-05-31 2025-06-30" \
	"$(jq_ '" ".join(p["date"] for p in d["trend"])')"
check_eq "the policy comes from the registry" "30 80 50" \
	"$(jq_ 'd["policy"]["livenessDays"], d["policy"]["atRiskScore"], d["policy"]["nonCompliantScore"]')"

check_eq "GET /api/v1/compliance/sale" 200 "$(get "/api/v1/compliance/sale?as-of=$ASOF")"
check_eq "sale's findings" "liveness.never-witnessed coverage.missing-principle coverage.missing-principle coverage.missing-principle coverage.missing-principle" \
	"$(jq_ '" ".join(f["code"] for f in d["findings"])')"
check_eq "the missing principles, with the programme and commitment entries" \
	"accountability:0,1 access_to_information:0,1 citizen_participation:0,1 digitalisation:0,1" \
	"$(jq_ '" ".join("%s:%s" % (f["subject"], ",".join(map(str, f["logIndexes"]))) for f in d["findings"][1:])')"
check "findings are explained in French and English" sh -c \
	"grep -q 'aucun engagement relevant du principe' '$T/resp' && grep -q 'no commitment under the principle' '$T/resp'"
check_eq "GET /api/v1/compliance/tetouan" 200 "$(get "/api/v1/compliance/tetouan?as-of=$ASOF")"
check_eq "tetouan: closed programme, TR-01 not reported for 2024 (indicator entry 1)" \
	"coverage.no-open-programme:0 indicators.not-reported:1" \
	"$(jq_ '" ".join("%s:%s" % (f["code"], ",".join(map(str, f["logIndexes"]))) for f in d["findings"][1:])')"

curl -s "$URL/api/v1/compliance.csv?as-of=$ASOF" > "$T/c.csv"
check_eq "compliance CSV header" "member,origin,kind,region,population,status,score,critical,major,minor,info,as_of" \
	"$(head -1 "$T/c.csv" | tr -d '\r' | sed '1s/^\xef\xbb\xbf//')"
check_eq "compliance CSV rows" "4" "$(wc -l < "$T/c.csv" | tr -d ' ')"
check "compliance CSV row of rabat" grep -q '^rabat,remacto.ma/rabat,commune,04,577827,at_risk,79,0,1,0,0,2025-06-30' "$T/c.csv"
curl -s -H 'Accept: text/csv' "$URL/api/v1/compliance/sale?as-of=$ASOF" > "$T/s.csv"
check_eq "member CSV: a header and a row per finding" 6 "$(wc -l < "$T/s.csv" | tr -d ' ')"
check "member CSV row" grep -q '^sale,2025-06-30,at_risk,60,coverage,coverage.missing-principle,major,digitalisation,' "$T/s.csv"

check_eq "GET /api/v1/benchmarks/TR-01" 200 "$(get "/api/v1/benchmarks/TR-01")"
check_eq "TR-01: default period 2024, ranked, tetouan missing" \
	"2024 rabat:1:80 sale:2:60 tetouan:None:None" \
	"$(jq_ 'd["period"] + " " + " ".join("%s:%s:%s" % (r["member"], r["rank"], r["value"]) for r in d["groups"][0]["rows"])')"
check_eq "TR-01: mean and median of 2 members" "70 70 2 3" \
	"$(jq_ 'd["groups"][0]["mean"], d["groups"][0]["median"], d["groups"][0]["reported"], d["groups"][0]["members"]')"
check_eq "GET /api/v1/benchmarks/CP-01?group=region" 200 "$(get "/api/v1/benchmarks/CP-01?group=region")"
# per 10,000 inhabitants, at their unit's precision: 30 / 982,163 and 12 / 577,827 × 10,000
check_eq "CP-01 per 10,000 inhabitants, by region" \
	"01:tetouan:None 04:sale:1:0.31 04:rabat:2:0.21" \
	"$(jq_ '" ".join("%s:%s" % (g["key"], ":".join([r["member"]] + (["%d" % r["rank"], repr(r["value"])] if r["rank"] else ["None"]))) for g in d["groups"] for r in g["rows"])')"
check_eq "a member's position and series" 200 "$(get "/api/v1/benchmarks/TR-01?member=sale&group=kind")"
check_eq "sale: rank 2 of 2, percentile 25, 10 below the median; series 2024" "2 2 25 -10 2024" \
	"$(jq_ 'd["position"]["rank"], d["position"]["of"], d["position"]["percentile"], d["position"]["vsMedian"], d["series"][0]["period"]')"
check_eq "custom group" 200 "$(get "/api/v1/benchmarks/TR-01?members=rabat,tetouan")"
check_eq "custom group rows" "custom rabat tetouan" \
	"$(jq_ 'd["groups"][0]["key"] + " " + " ".join(r["member"] for r in d["groups"][0]["rows"])')"
curl -s "$URL/api/v1/benchmarks/TR-01.csv" > "$T/b.csv"
check_eq "benchmark CSV header" "code,period,group,member,origin,kind,region,population,value,raw_value,log_index,rank,percentile,missing,reason,group_members,group_reported,group_mean,group_median" \
	"$(head -1 "$T/b.csv" | tr -d '\r' | sed '1s/^\xef\xbb\xbf//')"
check "benchmark CSV: missing is empty, never 0" grep -q '^TR-01,2024,all,tetouan,remacto.ma/tetouan,commune,01,380787,,,,,,true,not reported,3,2,70,70' "$T/b.csv"

# The error matrix: status and a JSON error.
expect() {
	code=$(get "$2")
	if [ "$code" = "$1" ] && $PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["status"]==int(sys.argv[2]) and e["reason"]' "$T/resp" "$1" 2>/dev/null; then
		ok "$3: $code $(head -c 100 "$T/resp")"
	else
		notok "$3: wanted $1, got $code $(head -c 200 "$T/resp")"
	fi
}
expect 404 "/api/v1/compliance/nobody" "unknown member"
expect 404 "/api/v1/benchmarks/XX-99" "unknown catalog code"
expect 400 "/api/v1/compliance?as-of=2025-13-01" "bad as-of"
expect 400 "/api/v1/compliance?months=61" "months over the cap"
expect 400 "/api/v1/compliance?colour=red" "unknown parameter"
expect 400 "/api/v1/benchmarks/TR-01?group=size" "unknown group"
expect 400 "/api/v1/benchmarks/TR-01?period=2024-Q5" "bad period"
expect 400 "/api/v1/benchmarks/TR-01?member=nobody" "unknown reference member"
expect 400 "/api/v1/benchmarks/TR-01?group=custom" "custom without members"
expect 404 "/api/v1/benchmarks" "benchmarks without a code"
code=$(curl -s -o "$T/resp" -w '%{http_code}' -X POST --data '{}' "$URL/api/v1/compliance")
check_eq "POST is refused" 405 "$code"

# The command-line tool.
"$REMACTO" compliance --url "$URL" --as-of $ASOF > "$T/out" 2>>"$T/check.log"
check "remacto compliance prints the overview" grep -q '^Compliance as of 2025-06-30: 3 members, 0 compliant, 2 at risk, 1 non-compliant' "$T/out"
check "remacto compliance: a member's row" sh -c "grep -E '^tetouan +commune +01 +non-compliant +17 ' '$T/out'"
check "remacto compliance: the trend" grep -q '^2025-06-30 ' "$T/out"
"$REMACTO" compliance --url "$URL" --member remacto.ma/tetouan --as-of $ASOF > "$T/out" 2>>"$T/check.log"
check "remacto compliance --member prints the report" grep -q '^As of 2025-06-30: non-compliant, score 17/100' "$T/out"
check "remacto compliance --member lists the findings with their entries" sh -c \
	"grep -A3 'indicators.not-reported' '$T/out' | grep -q 'entries: 1'"
"$REMACTO" benchmark TR-01 --url "$URL" --group kind --member rabat > "$T/out" 2>>"$T/check.log"
check "remacto benchmark prints ranks" sh -c "grep -E '^ +1 +75.0 +rabat +80 +80 +5$' '$T/out'"
check "remacto benchmark prints the missing member" sh -c "grep -E 'tetouan +missing \\(not reported\\)' '$T/out'"
check "remacto benchmark prints the position" grep -q '^Position of rabat in commune: rank 1 of 2' "$T/out"
"$REMACTO" benchmark XX-99 --url "$URL" > /dev/null 2>>"$T/check.log"
check_eq "remacto benchmark of an unknown code exits 3" 3 $?
"$REMACTO" compliance --url "http://127.0.0.1:$(free_port)" > /dev/null 2>>"$T/check.log"
check_eq "remacto compliance against no node exits 1" 1 $?
"$REMACTO" benchmark > /dev/null 2>>"$T/check.log"
check_eq "remacto benchmark without a code exits 2" 2 $?
check "remacto compliance --csv" sh -c "'$REMACTO' compliance --url '$URL' --csv | head -1 | sed '1s/^\xef\xbb\xbf//' | grep -q '^member,origin,kind'"

# An entry appended while the node runs: the views fold it in.
pub 2025-06-20 '"measurement":{"indicatorId":"I-TR","period":"2024","value":70}' > "$T/more.jsonl"
check "log append while the node runs" sh -c "'$REMACTO' log append --data '$D' --origin remacto.ma/tetouan < '$T/more.jsonl'"
get "/api/v1/benchmarks/TR-01" > /dev/null
check_eq "the benchmark now ranks tetouan" "rabat:1 tetouan:2 sale:3" \
	"$(jq_ '" ".join("%s:%s" % (r["member"], r["rank"]) for r in d["groups"][0]["rows"])')"
get "/api/v1/compliance/tetouan?as-of=$ASOF" > /dev/null
check_eq "tetouan's report follows: TR-01 reported, score 42" "42 non_compliant" \
	"$(jq_ 'd["score"], d["status"]')"

# The same views computed offline from the data folder's logs alone: the node's very bytes.
same() { # description API_PATH CLI_ARGS...
	d=$1 p=$2; shift 2
	curl -s "$URL$p" > "$T/api.json"; echo >> "$T/api.json"
	"$REMACTO" "$@" --data "$D" --json > "$T/cli.json" 2>>"$T/check.log"
	check "$d" cmp -s "$T/api.json" "$T/cli.json"
}
same "remacto compliance --data: the overview, from the logs alone" \
	"/api/v1/compliance?as-of=$ASOF&months=3" compliance --as-of $ASOF --months 3
same "remacto compliance --data --member: the report, from the logs alone" \
	"/api/v1/compliance/sale?as-of=$ASOF" compliance --member sale --as-of $ASOF
same "remacto benchmark --data: the benchmark, from the logs alone" \
	"/api/v1/benchmarks/CP-01?group=kind&member=rabat" benchmark CP-01 --group kind --member rabat
"$REMACTO" compliance --data "$D" --as-of $ASOF > "$T/out" 2>>"$T/check.log"
check "remacto compliance --data prints the table" grep -q '^Compliance as of 2025-06-30: 3 members' "$T/out"
"$REMACTO" benchmark XX-99 --data "$D" > /dev/null 2>>"$T/check.log"
check_eq "remacto benchmark --data of an unknown code exits 3" 3 $?

# A restart computes the same from the logs.
get "/api/v1/compliance?as-of=$ASOF" > /dev/null; cp "$T/resp" "$T/before.json"
check "remactod stops" stop_node
start_node "$T/node.conf" "$P" || notok "remactod restarts"
get "/api/v1/compliance?as-of=$ASOF" > /dev/null
check "the overview is identical after a restart" cmp -s "$T/resp" "$T/before.json"
stop_node
finish

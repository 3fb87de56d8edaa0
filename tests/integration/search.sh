#!/bin/sh
# Search (issue 13): GET /api/v1/search over commitments, milestones, indicators and programmes
# of every log a node holds, in French, Arabic and English, from the index the store keeps.
# A data folder made as an authority would (two members, the demo programme and a commune's
# own), served by a read-only node. Arabic queries written with or without diacritics, hamza,
# alef or ta marbuta forms find the same things; French accents do not matter; member=,
# principle= and kind= narrow the answer; bad queries are 400s naming the parameter; and the
# index rebuilt from the logs alone (remacto log reindex) answers the same.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D="$T/data"

member() { # slug kind hcp name_fr name_ar
	"$REMACTO" keygen --origin "remacto.ma/$1" --out "$T/$1.key" > "$T/$1.vk" &&
		"$REMACTO" member add --data "$D" --origin "remacto.ma/$1" --verifier-key "$(cat "$T/$1.vk")" \
			--kind "$2" --hcp "$3" --region 04 --population 100000 --name-fr "$4" \
			--name-ar "$5" > /dev/null &&
		"$REMACTO" log init --data "$D" --origin "remacto.ma/$1" --key "$T/$1.key" > /dev/null
}
AVK=$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>> "$T/check.log")
member rabat-prefecture prefecture 421 "Préfecture de Rabat" "عمالة الرباط" &&
	member commune-sale commune 4410101 "Commune de Salé" "جماعة سلا" ||
	{ notok "a registry with two members"; finish; }
cat > "$T/sale.jsonl" <<'EOF'
{"schema":1,"published":"2024-03-01T10:00:00Z","programme":{"id":"SALE-OUVERTE","title":{"fr":"Salé ouverte","ar":"سلا المنفتحة"},"stage":"PROGRAMME_STAGE_ADOPTED"}}
{"schema":1,"published":"2024-03-01T10:00:00Z","commitment":{"id":"SLE-1","programmeId":"SALE-OUVERTE","title":{"fr":"Création d'un portail du budget","ar":"إنشاء بوابة الميزانية"},"problem":{"ar":"ضعف مسؤولية المصالح"},"principles":["PRINCIPLE_DIGITALISATION"],"milestones":[{"id":"M1","title":{"fr":"Portail en ligne","ar":"البوابة على الإنترنت"}}]}}
{"schema":1,"published":"2024-03-02T10:00:00Z","indicator":{"id":"SLE-IND","commitmentId":"SLE-1","title":{"fr":"Visites du portail","ar":"زيارات البوابة"},"ascending":true}}
EOF
check "the demo programme and a commune's are appended to their logs" sh -c "
	'$REMACTO' log append --data '$D' --origin remacto.ma/rabat-prefecture < '$TESTS/../config/demo/rabat-prefecture.jsonl' &&
	'$REMACTO' log append --data '$D' --origin remacto.ma/commune-sale < '$T/sale.jsonl'" 

serve() {
	LP=$(free_port)
	LA=$(free_port)
	while [ "$LA" = "$LP" ]; do LA=$(free_port); done
	printf '[node]\ndata = %s\n[public]\nlisten = 127.0.0.1:%s\n[admin]\nlisten = 127.0.0.1:%s\n[log]\nlevel = warn\n[authority]\nverifier_key = %s\n' \
		"$D" "$LP" "$LA" "$AVK" > "$T/node.conf"
	start_node "$T/node.conf" "$LP" && URL="http://127.0.0.1:$LP"
}
serve || { notok "a read-only node serves the folder"; finish; }

# found QUERY [PARAMS]: "kind member id" of every result, one a line.
found() {
	set -- "$1" "${2:-}" "${3:-}"
	curl -sf -G "$URL/api/v1/search" --data-urlencode "q=$1" ${2:+--data-urlencode "$2"} ${3:+--data-urlencode "${3:-}"} |
		$PY -c '
import json, sys
d = json.load(sys.stdin)
for r in d["results"]:
    sub = r.get("commitment", "") + "/" if r["kind"] == "milestone" else ""
    print(r["kind"], r["member"], sub + r["id"])'
}
# same_as QUERY_A QUERY_B: both find the same, and something.
same_as() {
	a=$(found "$1") && b=$(found "$2") && [ -n "$a" ] && [ "$a" = "$b" ] && return 0
	printf 'q=%s:\n%s\nq=%s:\n%s\n' "$1" "$a" "$2" "$b"
	return 1
}
has() { found "$1" "${3:-}" "${4:-}" | grep -qx "$2"; }
hasnt() { ! found "$1" "${3:-}" "${4:-}" | grep -qx "$2"; }

r=$(found "الميزانية")
check_eq "الميزانية: the budget commitments, milestones and indicators of both members" \
		"commitment commune-sale SLE-1
commitment rabat-prefecture RBT-2024-01
commitment rabat-prefecture RBT-2024-03
indicator rabat-prefecture IND-TR-03
milestone rabat-prefecture RBT-2024-01/M1
milestone rabat-prefecture RBT-2024-01/M2" "$(printf '%s\n' "$r" | sort)"
check "with its diacritics (الْمِيزَانِيَّة) it finds the same" same_as "الميزانية" "الْمِيزَانِيَّة"
check "with tatweel and without the article (ميــزانية) the same" same_as "الميزانية" "ميــزانية"
check "with a ha for the ta marbuta (الميزانيه) the same" same_as "الميزانية" "الميزانيه"
check "للأحياء is found as الاحياء, without its hamza" has "الاحياء" "commitment rabat-prefecture RBT-2024-03"
check "... and as الأحياء, with it" same_as "الاحياء" "الأحياء"
check "إنشاء is found as انشاء (bare alef)" has "انشاء" "commitment commune-sale SLE-1"
check "... and as انشا (no final hamza: a prefix)" same_as "انشاء" "انشا"
check "مسؤولية is found as مسئولية (another hamza carrier)" has "مسئولية" "commitment commune-sale SLE-1"
check "Arabic and French words together" has "شباك information" "commitment rabat-prefecture RBT-2024-02"
check "French accents fold: comprehensible finds « compréhensible »" has "COMPREHENSIBLE" "commitment rabat-prefecture RBT-2024-01"
check "... and création finds « Création »" same_as "creation portail" "Création PORTAIL"
check "a word finds the words it begins (budg)" has "budg" "commitment rabat-prefecture RBT-2024-01"
check_eq "budget participatif: one commitment" "commitment rabat-prefecture RBT-2024-03" "$(found "budget participatif")"
check "programmes are found" has "ouverte" "programme commune-sale SALE-OUVERTE"
check "member= keeps one member's" hasnt "budget" "commitment rabat-prefecture RBT-2024-01" "member=commune-sale"
check "... and finds it there" has "budget" "commitment commune-sale SLE-1" "member=commune-sale"
check_eq "budget under citizen participation" "commitment rabat-prefecture RBT-2024-03" \
	"$(found budget principle=citizen_participation | grep commitment)"
check_eq "بوابة, indicators only" "indicator commune-sale SLE-IND" "$(found "بوابة" kind=indicator)"
r=$(curl -sf -G "$URL/api/v1/search" --data-urlencode "q=شباك" | $PY -c '
import json, sys
d = json.load(sys.stdin)
r = d["results"][0]
print(d["words"], r["title"]["ar"], r["href"], r["index"])')
check_eq "a result carries its title, its dashboard page and its log index" \
	"['شباك'] شباك الحق في الحصول على المعلومات #/commitment/rabat-prefecture/RBT-2024-02 4" "$r"
check_eq "a limit with more results says so" "True 1" "$(curl -sf "$URL/api/v1/search?q=budget&limit=1" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["more"], len(d["results"]))')"

# err400 QUERY FIELD
err400() {
	code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/search${1:+?$1}")
	[ "$code" = 400 ] && grep -q "\"field\":\"$2\"" "$T/e.json"
}
check "no q is a 400 naming q" err400 "" q
check "only stop words is a 400 naming q" err400 "q=de%20la" q
check "q that is not UTF-8 is a 400 naming q" err400 "q=%FF%FE" q
check "an unknown member is a 400" err400 "q=budget&member=nope" member
check "an unknown principle is a 400" err400 "q=budget&principle=beauty" principle
check "an unknown kind is a 400" err400 "q=budget&kind=poem" kind
check "an unknown parameter is a 400" err400 "q=budget&colour=red" colour

before=$(found "الميزانية"; found "انشا"; found "budget" member=commune-sale)
stop_node
check "remacto log reindex rebuilds the index from the logs" sh -c "'$REMACTO' log reindex --data '$D' > /dev/null"
serve || { notok "the node serves again"; finish; }
after=$(found "الميزانية"; found "انشا"; found "budget" member=commune-sale)
check_eq "after reindex, the same answers" "$before" "$after"
stop_node
finish

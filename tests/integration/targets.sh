#!/bin/sh
# The story of every target (issue 13): GET /api/v1/indicators/<member>/<id> gives one row per
# value a target ever had, with the entry that set it and whether an amendment declared it or
# it was hidden; a hidden change is the one the compliance report finds (integrity.hidden-
# change, same subject, same entries); declaring it afterwards turns it declared and the
# finding goes; GET /api/v1/commitments/<member>/<id> tells the same of its dates and
# milestones. One node, the demo programme, then the demo's story (config/demo/story-member.jsonl:
# a target lowered by a new version without amendment, another by a declared amendment).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
PORT=$(free_port)
ADM=$(free_port)
while [ "$ADM" = "$PORT" ]; do ADM=$(free_port); done
ORIGIN=remacto.ma/rabat-prefecture
write_conf "$T/node.conf" "$T/data" "$ORIGIN" "$PORT" "$ADM"
"$BUILD/remactod" --config "$T/node.conf" --seed "$TESTS/../config/demo/rabat-prefecture.jsonl" \
	>> "$T/remactod.log" 2>&1 &
NODE_PID=$!
trap 'stop_node > /dev/null 2>&1; cleanup' EXIT
ready() { curl -sf "http://127.0.0.1:$PORT/api/v1/logs/rabat-prefecture" | grep -q '"size":19'; }
i=0
until ready; do
	i=$((i + 1))
	[ $i -lt 200 ] || { notok "the node starts with the demo programme"; finish; }
	sleep 0.05
done
URL="http://127.0.0.1:$PORT"
sed "s|@MEMBER@|$ORIGIN|g" "$TESTS/../config/demo/story-member.jsonl" > "$T/story.jsonl"
check "the demo's story is published (a hidden and a declared target change)" \
	"$REMACTO" publish --config "$T/node.conf" "$T/story.jsonl"

get() { curl -sf "$URL$1"; }
get /api/v1/indicators/rabat-prefecture/IND-AI-01 > "$T/ai.json"
check "IND-AI-01: initial targets, then 2026 raised from 15 to 18 by a version, hidden (a lower target is better)" \
	$PY - "$T/ai.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [(r["field"], r["value"], r["previous"], r["index"], r["how"], r["declared"], r["hidden"]) for r in d["targetHistory"]]
assert rows == [
    ("targets[2025]", 20, None, 7, "initial", None, False),
    ("targets[2026]", 15, None, 7, "initial", None, False),
    ("targets[2026]", 18, 15, 19, "version", None, True),
], rows
h = d["targetHistory"][2]
assert h["period"] == "2026" and h["finding"] == {"code": "integrity.hidden-change", "subject": "IND-AI-01 targets[2026]"}, h
assert [x["index"] for x in d["history"]] == [7, 19] and [x["kind"] for x in d["history"]] == ["indicator", "indicator"]
assert d["id"] == "IND-AI-01" and d["logIndex"] == 19 and d["versions"] == 2 and d["targets"][1]["value"] == 18
PY
get /api/v1/indicators/rabat-prefecture/IND-TR-03 > "$T/tr.json"
check "IND-TR-03: 2025 lowered from 100 to 90 by an amendment, declared with its reason, not hidden" \
	$PY - "$T/tr.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [(r["field"], r["value"], r["previous"], r["index"], r["how"], r["hidden"]) for r in d["targetHistory"]]
assert rows == [
    ("targets[2024]", 50, None, 6, "initial", False),
    ("targets[2025]", 100, None, 6, "initial", False),
    ("targets[2025]", 90, 100, 20, "amendment", False),
], rows
r = d["targetHistory"][2]
assert r["declared"]["index"] == 20 and "certifié" in r["declared"]["reason"]["fr"] and r["date"] == "2025-11-05", r
assert [x["kind"] for x in d["history"]] == ["indicator", "amendment", "indicator"]
PY
# The compliance report finds the same hidden change, naming the same entries.
finding() {
	get /api/v1/compliance/rabat-prefecture | $PY -c '
import json, sys
r = json.load(sys.stdin)
f = [f for f in r["findings"] if f["code"] == "integrity.hidden-change"]
print(" ".join("%s:%s" % (x["subject"], ",".join(map(str, x["logIndexes"]))) for x in f))'
}
check_eq "the compliance report's hidden change is the same (subject, entries)" \
	"IND-AI-01 targets[2026]:7,19" "$(finding)"

get /api/v1/commitments/rabat-prefecture/RBT-2024-03 > "$T/c3.json"
check "RBT-2024-03's dates: start, end and milestones, M1 pushed back by a declared amendment" \
	$PY - "$T/c3.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [(r["field"], r["value"], r["previous"], r["index"], r["how"], r["hidden"]) for r in d["dateHistory"]]
assert rows == [
    ("startDate", "2024-09-01", None, 5, "initial", False),
    ("endDate", "2026-12-31", None, 5, "initial", False),
    ("milestones[M1].dueDate", "2025-03-31", None, 5, "initial", False),
    ("milestones[M2].dueDate", "2025-06-30", None, 5, "initial", False),
    ("milestones[M1].dueDate", "2025-05-31", "2025-03-31", 13, "amendment", False),
], rows
assert d["dateHistory"][4]["milestone"] == "M1" and d["dateHistory"][4]["declared"]["index"] == 13
PY

# A new version pushes RBT-2024-01's end date back without an amendment: a hidden date change.
printf '%s\n' '{"schema":1,"published":"2025-12-01T10:00:00Z","commitment":{"id":"RBT-2024-01","programmeId":"OPEN-RABAT-2024","title":{"fr":"Budget ouvert et compréhensible","ar":"ميزانية مفتوحة ومفهومة"},"principles":["PRINCIPLE_TRANSPARENCY","PRINCIPLE_ACCOUNTABILITY"],"startDate":"2024-06-01","endDate":"2026-06-30","milestones":[{"id":"M1","title":{"fr":"Budget 2025 publié en CSV"},"dueDate":"2025-01-31"},{"id":"M2","title":{"fr":"Budget citoyen illustré"},"dueDate":"2025-06-30"}]}}' > "$T/v2.json"
check "a new version of RBT-2024-01 pushes its end date back" "$REMACTO" publish --config "$T/node.conf" "$T/v2.json"
get /api/v1/commitments/rabat-prefecture/RBT-2024-01 > "$T/c1.json"
check "... its dateHistory marks the end date hidden, with the finding" $PY - "$T/c1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["dateHistory"] if r["how"] == "version"]
assert len(r) == 1 and r[0]["field"] == "endDate" and r[0]["value"] == "2026-06-30" and r[0]["previous"] == "2025-12-31", r
assert r[0]["hidden"] and r[0]["finding"]["subject"] == "RBT-2024-01 endDate", r
PY

# Declared afterwards: the row turns declared, the finding goes.
printf '%s\n' '{"schema":1,"published":"2025-12-02T10:00:00Z","amendment":{"subject":"SUBJECT_INDICATOR","subjectId":"IND-AI-01","field":"targets[2026]","oldValue":"15","newValue":"18","reason":{"fr":"Effectifs du guichet réduits de moitié.","ar":"تقليص عدد موظفي الشباك إلى النصف."},"date":"2025-12-02"}}' > "$T/am.json"
check "the member declares the 2026 target change afterwards" "$REMACTO" publish --config "$T/node.conf" "$T/am.json"
get /api/v1/indicators/rabat-prefecture/IND-AI-01 > "$T/ai2.json"
check "... the row is declared by that amendment, no longer hidden, and no new row is added" \
	$PY - "$T/ai2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["targetHistory"]) == 3, d["targetHistory"]
r = d["targetHistory"][2]
assert r["hidden"] is False and "finding" not in r and r["declared"]["index"] == 24, r
assert r["declared"]["reason"]["fr"].startswith("Effectifs"), r
PY
check_eq "... and the compliance report no longer finds it" "RBT-2024-01 endDate:3,23" "$(finding)"

code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/indicators/rabat-prefecture/NOPE")
check_eq "an unknown indicator is a 404" 404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/indicators/nobody/IND-AI-01")
check_eq "an unknown member is a 404" 404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/indicators/rabat-prefecture/IND-AI-01?x=1")
check_eq "a parameter is a 400" 400 "$code"
stop_node
finish

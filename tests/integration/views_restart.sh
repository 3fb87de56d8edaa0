#!/bin/sh
# The views kept in the store (issue 12): a data folder prepared as an authority would (network
# init, three members, the catalog, a policy) whose members' logs grow to 900 entries in batches
# (`remacto log append`, some while a read-only mirror node runs on the folder), with entries
# published out of order (weeks late, a year ahead), new versions that push dates back and
# amendments. The node's answers (the overview with its 12-month trend at three days, each
# member's report, benchmarks with a member's series, and what the dashboard reads besides:
# members' commitments, indicators and measurements, a commitment with its history) are compared
# byte for byte:
#   - with the entries appended while it runs: the same as a node started afterwards;
#   - after a restart;
#   - after `remacto log reindex` (the views folded again from the logs alone);
#   - with what `remacto compliance --data` and `remacto benchmark --data` compute offline.
# The node never folds a log at start or at its first request: the store did, as the entries
# came.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CONF="$TESTS/../config"
D="$T/data"

avk=$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>>"$T/check.log")
member() { # slug kind hcp region population
	"$REMACTO" keygen --origin "remacto.ma/$1" --out "$T/$1.key" > "$T/$1.vk" &&
	"$REMACTO" member add --data "$D" --origin "remacto.ma/$1" --verifier-key "$(cat "$T/$1.vk")" \
		--kind "$2" --hcp "$3" --region "$4" --population "$5" --name-fr "Commune $1" \
		--name-ar "جماعة" --date 2024-01-10 > /dev/null &&
	"$REMACTO" log init --data "$D" --origin "remacto.ma/$1" --key "$T/$1.key" > /dev/null
}
if member agadir commune 9010101 09 421844 && member oujda commune 2010101 02 494252 \
	&& member tanger commune 1010101 01 947952 2>>"$T/check.log"; then
	ok "three members admitted, their logs created"
else
	notok "three members admitted, their logs created"
fi
check "catalog add" "$REMACTO" catalog add --data "$D" --file "$CONF/indicator-catalog.csv"
check "policy set" "$REMACTO" policy set --data "$D" --liveness-days 30 --follow-up-days 60

# entries SLUG SEED FROM TO: JSON lines of entries FROM..TO-1 of a member's log, the same for
# the same arguments: a programme, commitments with milestones, indicators, then status
# updates, measurements (monthly, by gender now and then), milestone updates, new versions
# that push dates back, amendments; every 17th published 40 days late, every 101st a year
# ahead.
entries() {
	$PY - "$@" <<'PYEOF'
import datetime, json, random, sys
slug, seed, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = datetime.date(2024, 2, 1)
codes = ["TR-01", "CP-01", "AI-01"]
for i in range(lo, hi):
    r = random.Random(seed * 100003 + i)
    d = start + datetime.timedelta(days=i * 500 // 900)
    if i > 20 and i % 17 == 0:
        d -= datetime.timedelta(days=40)
    if i > 20 and i % 101 == 0:
        d += datetime.timedelta(days=365)
    e = {"schema": 1, "published": d.isoformat() + "T10:00:00Z"}
    c = "C%d" % (i % 6)
    if i == 0:
        e["programme"] = {"id": "P", "title": {"fr": "Programme"},
                          "stage": "PROGRAMME_STAGE_IMPLEMENTATION"}
    elif i <= 6 or (i > 20 and r.random() < 0.03):
        n = i - 1 if i <= 6 else r.randrange(6)
        push = 0 if i <= 6 else r.choice([0, 30, 60])
        pr = ["PRINCIPLE_TRANSPARENCY", "PRINCIPLE_ACCOUNTABILITY",
              "PRINCIPLE_ACCESS_TO_INFORMATION", "PRINCIPLE_CITIZEN_PARTICIPATION",
              "PRINCIPLE_DIGITALISATION"]
        due = datetime.date(2024, 9, 30) + datetime.timedelta(days=n * 20 + push)
        e["commitment"] = {"id": "C%d" % n, "programmeId": "P", "title": {"fr": "E"},
                           "principles": [pr[n % 5]], "startDate": "2024-03-01",
                           "endDate": (datetime.date(2025, 12, 31) +
                                       datetime.timedelta(days=push)).isoformat(),
                           "milestones": [{"id": "M1", "title": {"fr": "J"},
                                           "dueDate": due.isoformat()}]}
    elif i <= 9:
        n = i - 7
        e["indicator"] = {"id": "I%d" % n, "catalogCode": codes[n], "commitmentId": "C%d" % n,
                          "ascending": n != 2,
                          "targets": [{"period": "2025", "value": 80}]}
    else:
        k = r.random()
        if k < 0.35:
            e["statusUpdate"] = {"commitmentId": c, "date": d.isoformat(),
                                 "completion": r.choice(["COMPLETION_LIMITED",
                                                         "COMPLETION_SUBSTANTIAL"])}
        elif k < 0.75:
            n = r.randrange(3)
            prev = d.replace(day=1) - datetime.timedelta(days=1)
            m = {"indicatorId": "I%d" % n, "period": prev.strftime("%Y-%m"),
                 "value": r.randrange(400) / 10}
            if r.random() < 0.1:
                m["dimensions"] = [{"name": "gender", "value": "female"}]
            e["measurement"] = m
        elif k < 0.85:
            e["milestoneUpdate"] = {"commitmentId": c, "milestoneId": "M1",
                                    "status": r.choice(["MILESTONE_STATUS_MET",
                                                        "MILESTONE_STATUS_SCHEDULED"]),
                                    "date": d.isoformat()}
        elif k < 0.92:
            n = r.randrange(6)
            old = datetime.date(2024, 9, 30) + datetime.timedelta(days=n * 20)
            e["amendment"] = {"subject": "SUBJECT_COMMITMENT", "subjectId": "C%d" % n,
                              "field": "milestones[M1].dueDate", "oldValue": old.isoformat(),
                              "newValue": (old + datetime.timedelta(
                                  days=r.choice([30, 60]))).isoformat(),
                              "reason": {"fr": "Report"}, "date": d.isoformat()}
        else:
            e["consultation"] = {"id": "K%d" % i, "programmeId": "P", "date": d.isoformat()}
    print(json.dumps(e, ensure_ascii=False))
PYEOF
}
append() { # SLUG SEED FROM TO
	entries "$@" > "$T/batch.jsonl" &&
	"$REMACTO" log append --data "$D" --origin "remacto.ma/$1" < "$T/batch.jsonl" > /dev/null
}
if append agadir 1 0 1 && append agadir 1 1 300 && append agadir 1 300 301 &&
	append agadir 1 301 700 && append oujda 2 0 450 && append oujda 2 450 700 &&
	append tanger 3 0 700 2>>"$T/check.log"; then
	ok "700 entries a member, appended in batches of 1 to 449"
else
	notok "700 entries a member, appended in batches of 1 to 449"
fi

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
URL="http://127.0.0.1:$P"
# answers FILE: everything the views answer, one document a line.
answers() {
	: > "$1"
	for path in "/api/v1/compliance?as-of=2024-11-17&months=12" \
		"/api/v1/compliance?as-of=2025-02-28&months=12" \
		"/api/v1/compliance?as-of=2025-06-30&months=12" \
		"/api/v1/compliance/agadir?as-of=2024-11-17" "/api/v1/compliance/agadir?as-of=2025-06-30" \
		"/api/v1/compliance/oujda?as-of=2025-02-28" "/api/v1/compliance/oujda?as-of=2025-06-30" \
		"/api/v1/benchmarks/TR-01?group=kind&member=agadir" "/api/v1/benchmarks/CP-01" \
		"/api/v1/compliance/tanger?as-of=2025-06-30" \
		"/api/v1/benchmarks/AI-01?period=2024-12" "/api/v1/benchmarks/CP-01?group=region" \
		"/api/v1/commitments?member=agadir" "/api/v1/commitments/oujda/C1" \
		"/api/v1/indicators?member=tanger" "/api/v1/measurements?member=oujda" \
		"/api/v1/measurements?member=tanger&indicator=I1"; do
		code=$(curl -s -o "$T/one" -w '%{http_code}' "$URL$path")
		[ "$code" = 200 ] || { echo "$path: $code" >> "$T/check.log"; return 1; }
		cat "$T/one" >> "$1"; echo >> "$1"
	done
}

start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
ok "a mirror node serves the data folder"
check "its views answer" answers "$T/first"
# More entries while it runs, in batches a node's views fold as they come.
if append agadir 1 700 900 && append oujda 2 700 760 && append oujda 2 760 900 &&
	append tanger 3 700 900 2>>"$T/check.log"; then
	ok "200 more entries a member while the node runs"
else
	notok "200 more entries a member while the node runs"
fi
check "its views answer again" answers "$T/live"
check_fails "the new entries changed the answers" cmp -s "$T/first" "$T/live"
check "remactod stops" stop_node

start_node "$T/node.conf" "$P" || { notok "remactod restarts"; finish; }
check_eq "the store had folded every entry: nothing to catch up at start" 0 \
	"$(grep -c 'views: .* folded' "$T/remactod.log")"
check "its views answer after a restart" answers "$T/restarted"
check "the same answers after a restart" cmp -s "$T/live" "$T/restarted"
check "remactod stops" stop_node

"$REMACTO" log reindex --data "$D" > "$T/out" 2>>"$T/check.log"
check "remacto log reindex rebuilds the domain index and the views" sh -c \
	"grep -qx 'domain index rebuilt' '$T/out' && grep -qx 'views rebuilt' '$T/out'"
start_node "$T/node.conf" "$P" || { notok "remactod starts after reindex"; finish; }
check "its views answer after the reindex" answers "$T/reindexed"
check "the same answers after the reindex" cmp -s "$T/live" "$T/reindexed"

# The same from the data folder, offline.
curl -s "$URL/api/v1/compliance?as-of=2025-06-30&months=12" > "$T/api.json"; echo >> "$T/api.json"
"$REMACTO" compliance --data "$D" --as-of 2025-06-30 --months 12 --json > "$T/cli.json" 2>>"$T/check.log"
check "remacto compliance --data: the same overview" cmp -s "$T/api.json" "$T/cli.json"
curl -s "$URL/api/v1/benchmarks/TR-01?group=kind&member=agadir" > "$T/api.json"; echo >> "$T/api.json"
"$REMACTO" benchmark TR-01 --group kind --member agadir --data "$D" --json > "$T/cli.json" 2>>"$T/check.log"
check "remacto benchmark --data: the same benchmark" cmp -s "$T/api.json" "$T/cli.json"
stop_node
finish

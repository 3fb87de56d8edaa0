#!/bin/sh
# deploy/prometheus/alerts.yml passes promtool (Debian's prometheus package) and its unit tests
# (alerts_test.yml: each alert fires on trouble after its `for:` and stays silent on a healthy
# node); the Grafana dashboard is valid JSON whose panels all have a Prometheus query. That the
# metrics they name exist is checked against a running federation in monitoring.sh.
. "$(dirname "$0")/lib.sh"
D="$TESTS/../deploy"
check "promtool check rules alerts.yml" promtool check rules "$D/prometheus/alerts.yml"
check "promtool test rules alerts_test.yml" sh -c "cd '$D/prometheus' && promtool test rules alerts_test.yml"
check "every alert of alerts.yml has a unit test" /usr/bin/python3 -c '
import re, sys
rules = set(re.findall(r"^\s*- alert: (\w+)", open(sys.argv[1]).read(), re.M))
tests = set(re.findall(r"alertname: (\w+)", open(sys.argv[2]).read()))
sys.exit(sorted(rules - tests) != [] or not rules)' "$D/prometheus/alerts.yml" "$D/prometheus/alerts_test.yml"
check "the Grafana dashboard is JSON with a query in every panel" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
panels = [p for p in d["panels"] if p["type"] != "row"]
sys.exit(not panels or any(not p.get("targets") or not all(t.get("expr") for t in p["targets"]) for p in panels))' \
	"$D/grafana/remacto-national.json"
finish

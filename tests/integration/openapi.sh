#!/bin/sh
# The OpenAPI description (docs/openapi.json, served as /api/v1/openapi.json), checked with
# kin-openapi from Debian (tests/integration/openapicheck), an implementation that shares no
# code with the node: the document is valid OpenAPI 3.0 with examples that match their
# schemas; every route docs/API.md and docs/COMPLIANCE.md document is in it, and every route
# literal of the daemon's sources; the node serves exactly that file; and a running node's
# answers (JSON, CSV, text, errors) validate against it, while a description that demands a
# field the node does not send fails the same check.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/ledgerfix.inc"
ROOT="$TESTS/.."
SPEC="$ROOT/docs/openapi.json"

openapicheck() {
	if [ ! -x "$BUILD/tests/openapicheck" ] ||
		[ "$TESTS/integration/openapicheck/main.go" -nt "$BUILD/tests/openapicheck" ]; then
		mkdir -p "$BUILD/tests"
		(cd "$TESTS/integration" && GO111MODULE=off GOPATH=/usr/share/gocode \
			GOCACHE="$BUILD/tests/gocache" GOFLAGS= go build -o "$BUILD/tests/openapicheck" \
			./openapicheck) || return 1
	fi
	"$BUILD/tests/openapicheck" "$@"
}

check "kin-openapi: docs/openapi.json is valid OpenAPI 3.0, examples included" openapicheck validate "$SPEC"
check "every route docs/API.md and docs/COMPLIANCE.md document is described" \
	openapicheck documented "$SPEC" "$ROOT/docs/API.md" "$ROOT/docs/COMPLIANCE.md"
check "every route literal of node/daemon/*.c is described" \
	openapicheck sources "$SPEC" "$ROOT"/node/daemon/*.c
printf 'GET /api/v1/not-described\n' > "$T/extra.md"
check_fails "... and a documented route that is not described is caught" \
	openapicheck documented "$SPEC" "$T/extra.md"

ledger_make || { notok "a ledger with a registry and three members"; finish; }
ledger_serve || { notok "a mirror node serves it"; finish; }
ok "a mirror node serves a ledger with a registry and three members"

curl -s -o "$T/served.json" "$URL/api/v1/openapi.json"
check "GET /api/v1/openapi.json serves docs/openapi.json byte for byte" cmp "$SPEC" "$T/served.json"

A=$LEDGER_ASOF
set -- /healthz /metrics /api/v1/openapi.json /api/v1/logs /api/v1/logs.csv /api/v1/logs/rabat \
	"/api/v1/logs/rabat/entries?start=2&limit=3" "/api/v1/logs/rabat/proof/inclusion?index=3" \
	"/api/v1/logs/rabat/proof/consistency?old=3&size=8" /api/v1/logs/rabat/witnesses \
	"/api/v1/logs/rabat/tlog-proof?index=3" /api/v1/policy "/api/v1/policy?registrySize=2" \
	/api/v1/logs/rabat/evidence /api/v1/evidence /logs/rabat/checkpoint /api/v1/peers \
	"/api/v1/commitments?member=rabat" /api/v1/commitments.csv "/api/v1/commitments.csv?sep=%3B" \
	"/api/v1/indicators.csv?sep=tab" /api/v1/commitments/rabat/R1 \
	/api/v1/indicators "/api/v1/measurements?indicator=I-TR" /api/v1/measurements.csv \
	"/api/v1/compliance?as-of=$A&months=3" "/api/v1/compliance.csv?as-of=$A" \
	"/api/v1/compliance/rabat?as-of=$A" "/api/v1/compliance/sale.csv?as-of=$A" \
	"/api/v1/benchmarks/TR-01?group=kind&member=rabat" /api/v1/benchmarks/TR-01.csv \
	/api/v1/logs/nope "/api/v1/logs/rabat/entries?limit=x" /api/v1/compliance/nope \
	"/api/v1/commitments?colour=red" /api/v1/benchmarks/XX-99
check "$# answers of the public listener (JSON, CSV, text, errors) validate against the description" \
	openapicheck responses "$SPEC" "$URL" "$@"
check "the admin listener's GET /api/v1/status validates too" \
	openapicheck responses "$SPEC" "$ADMIN" -token "$D/admin.token" /api/v1/status

# The check can fail: a description that requires a field no log carries.
/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["components"]["schemas"]["Log"]["required"].append("colour")
json.dump(d, open(sys.argv[2], "w"))' "$SPEC" "$T/wrong.json"
openapicheck responses "$T/wrong.json" "$URL" /api/v1/logs > "$T/wrong.out" 2>&1
check "an answer missing a field the description requires fails validation, naming it" \
	grep -q 'GET /api/v1/logs: HTTP 200 answer does not match.*colour' "$T/wrong.out"
finish

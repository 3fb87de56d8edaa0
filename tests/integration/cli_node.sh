#!/bin/sh
# The admin commands against a running daemon, as an operator uses them: remactod on two free
# loopback ports, then remacto publish (JSON lines), a rejected publication and a malformed file
# that must change nothing, remacto import (a bad row, then good rows), remacto status, a wrong
# token, and a node that is not running.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
CONF="$T/node.conf"
PID=
STOP_RC=

pick_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
stop_daemon() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		STOP_RC=$?
		PID=
	fi
}
trap 'stop_daemon; cleanup' EXIT
trap 'exit 1' INT TERM

PUB=$(pick_port)
ADM=$(pick_port)
while [ "$ADM" = "$PUB" ]; do ADM=$(pick_port); done
cat > "$CONF" <<EOF
[node]
data = $T/data
origin = remacto.ma/demo
checkpoint_interval_ms = 5
[public]
listen = 127.0.0.1:$PUB
[admin]
listen = 127.0.0.1:$ADM
[log]
level = warn
EOF

"$BUILD/remactod" --config "$CONF" > "$T/remactod.log" 2>&1 &
PID=$!
# Readiness: poll /healthz (at most 100 tries 0.1 s apart), not a blind sleep.
ready=no
i=0
while [ $i -lt 100 ]; do
	if curl -sf "http://127.0.0.1:$PUB/healthz" > /dev/null 2>&1; then ready=yes; break; fi
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
check_eq "remactod answers /healthz" yes "$ready"
if [ "$ready" != yes ]; then
	cat "$T/remactod.log"
	finish
fi

tree_size() {
	curl -sf "http://127.0.0.1:$PUB/api/v1/logs/demo" |
		$PY -c 'import json, sys; print(json.load(sys.stdin)["size"])' 2>/dev/null
}
# run EXPECTED_RC COMMAND...: runs it with stdout in $T/out and stderr in $T/err.
run() {
	want=$1; shift
	"$@" > "$T/out" 2> "$T/err"; rc=$?
	[ "$rc" -eq "$want" ]
}

"$REMACTO" publish --config "$CONF" "$DEMO" > "$T/out" 2> "$T/err"
check_eq "publish of the demo programme (JSON lines)" \
	"published 19 entries: indexes 0-18, tree size 19" "$(cat "$T/out")"
check_eq "the public API shows tree size 19" 19 "$(tree_size)"

echo '{"schema":1,"statusUpdate":{"commitmentId":"RBT-NOPE-99","date":"2025-06-30","completion":"COMPLETION_LIMITED"}}' > "$T/orphan.json"
check "a status update for an unknown commitment exits 3" run 3 "$REMACTO" publish --config "$CONF" "$T/orphan.json"
check "... and names the commitment in the node's reason" grep -q "RBT-NOPE-99" "$T/err"
check_eq "... and the tree size stays 19" 19 "$(tree_size)"

{ head -2 "$DEMO"; echo '{"schema":1,"commitment":{"id":"X"'; } > "$T/malformed.jsonl"
check "a malformed file exits 3" run 3 "$REMACTO" publish --config "$CONF" "$T/malformed.jsonl"
check "... naming the line" grep -q "malformed.jsonl line 3" "$T/err"
check_eq "... and the tree size stays 19" 19 "$(tree_size)"

check "a single entry on standard input is published" run 0 sh -c \
	"sed -n 1p '$DEMO' | sed 's/OPEN-RABAT-2024/OPEN-RABAT-2027/' | '$REMACTO' publish --config '$CONF' -"
check_eq "... as index 19" "published 1 entry: index 19, tree size 20" "$(cat "$T/out")"

printf 'indicator_id,period,value\nIND-TR-03,2026,42\nIND-TR-03,2027,abc\n' > "$T/bad.csv"
check "import of a CSV with a bad row exits 3" run 3 "$REMACTO" import --config "$CONF" "$T/bad.csv"
check "... printing the row, column and reason" grep -Eq '^  row 3, column value: .*abc' "$T/err"
check_eq "... and the tree size stays 20" 20 "$(tree_size)"
printf 'indicator_id,period,value\nIND-TR-03,2026,42\nIND-TR-03,2027,43\n' > "$T/good.csv"
check "import of a measurements CSV" run 0 "$REMACTO" import --config "$CONF" "$T/good.csv"
check_eq "... prints the indexes" "imported 2 entries: indexes 20-21, tree size 22" "$(cat "$T/out")"

check "status runs" run 0 "$REMACTO" status --config "$CONF"
check "status shows the origin" grep -Eq '^origin: +remacto\.ma/demo$' "$T/out"
check "status shows the tree size" grep -Eq '^tree size: +22$' "$T/out"
check "status shows the signed checkpoint" grep -q '— remacto.ma/demo ' "$T/out"

$PY -c 'import secrets; print(secrets.token_hex(32))' > "$T/other.token"
chmod 600 "$T/other.token"
sed "s|^\[admin\]$|[admin]\ntoken_file = $T/other.token|" "$CONF" > "$T/wrong.conf"
check "a wrong token exits 1 (a failure, not a rejected input)" run 1 "$REMACTO" publish --config "$T/wrong.conf" "$DEMO"
check "... with the node's 401 reason" grep -q "HTTP 401.*bearer token" "$T/err"
check_eq "... and the tree size stays 22" 22 "$(tree_size)"

DEAD=$(pick_port)
sed "s|^listen = 127.0.0.1:$ADM$|listen = 127.0.0.1:$DEAD|" "$CONF" > "$T/dead.conf"
check "publish with nothing listening exits 1" run 1 "$REMACTO" publish --config "$T/dead.conf" "$DEMO"
check "... asking whether remactod is running" grep -q "127.0.0.1:$DEAD: connection refused — is remactod running?" "$T/err"

stop_daemon
check_eq "remactod exits 0 on SIGTERM" 0 "$STOP_RC"
finish

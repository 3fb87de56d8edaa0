#!/bin/sh
# The command-line tool against a node whose public listener speaks TLS with a certificate from
# a private CA (deploy/tls-bootstrap.sh), as a directorate or an operator meets it: without the
# CA the tool refuses and says which CA file to pass; with --ca, or with the node's --config
# (its [peer] ca_file), compliance, benchmark, peers, status and publish work; a CA file that
# does not hold the issuer is named; a certificate made out to another name is explained, and
# --config still reaches the node on loopback under the certificate's own name.
. "$(dirname "$0")/lib.sh"
DEMO="$TESTS/../config/demo/rabat-prefecture.jsonl"
BOOT="$TESTS/../deploy/tls-bootstrap.sh"
PUB=$(free_port)
ADM=$(free_port)
while [ "$ADM" = "$PUB" ]; do ADM=$(free_port); done

sh "$BOOT" "$T/tls" node > /dev/null 2>>"$T/check.log" &&
	sh "$BOOT" "$T/other" other > /dev/null 2>>"$T/check.log"
check "tls-bootstrap made a CA and a node certificate" test -s "$T/tls/node.crt"

node_conf() { # CERT KEY [CA_FILE]
	cat > "$T/node.conf" <<EOF
[node]
data = $T/data
origin = remacto.ma/demo
seed = $DEMO
[public]
listen = 127.0.0.1:$PUB
tls_cert = $1
tls_key = $2
[admin]
listen = 127.0.0.1:$ADM
[log]
level = warn
EOF
	[ -z "${3:-}" ] || printf '[peer]\nca_file = %s\n' "$3" >> "$T/node.conf"
}

# start_tls: the node, ready once its public listener answers over TLS with the CA.
start_tls() {
	"$BUILD/remactod" --config "$T/node.conf" >> "$T/remactod.log" 2>&1 &
	NODE_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		curl -sf --cacert "$T/tls/ca.pem" --resolve "${1:-localhost}:$PUB:127.0.0.1" \
			"https://${1:-localhost}:$PUB/healthz" > /dev/null 2>&1 && return 0
		kill -0 $NODE_PID 2>/dev/null || { tail -5 "$T/remactod.log"; return 1; }
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# run EXPECTED_RC COMMAND...: stdout in $T/out, stderr in $T/err.
run() {
	want=$1; shift
	"$@" > "$T/out" 2> "$T/err"; rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, wanted $want: $*"; cat "$T/err"; return 1; }
}

node_conf "$T/tls/node.crt" "$T/tls/node.key" "$T/tls/ca.pem"
if ! start_tls; then
	notok "remactod serves https on 127.0.0.1:$PUB"
	finish
fi
ok "remactod serves https on 127.0.0.1:$PUB"
URL="https://127.0.0.1:$PUB"

check "compliance without the CA exits 1" run 1 "$REMACTO" compliance --url "$URL"
check "... saying the certificate's CA is not trusted and naming its issuer" \
	grep -q "signed by a CA this machine does not trust: issuer '.*REMACTO federation CA" "$T/err"
check "... and to pass it with --ca" grep -q -- "pass that CA's certificate with --ca FILE" "$T/err"

check "compliance with another network's CA exits 1" \
	run 1 "$REMACTO" compliance --url "$URL" --ca "$T/other/ca.pem"
check "... naming the CA file that does not hold the issuer" \
	grep -q -- "--ca $T/other/ca.pem does not hold it" "$T/err"

check "compliance --url --ca with the network's CA" run 0 "$REMACTO" compliance --url "$URL" --ca "$T/tls/ca.pem"
check "... prints the overview" grep -q "^Compliance as of" "$T/out"
check "compliance --config (the CA from [peer] ca_file, the listener from [public])" \
	run 0 "$REMACTO" compliance --config "$T/node.conf" --member demo --json
check "... answers the member's report" grep -q '"origin":"remacto.ma/demo"' "$T/out"
check "compliance --config --csv" run 0 "$REMACTO" compliance --config "$T/node.conf" --csv
check "peers --url --ca" run 0 "$REMACTO" peers --url "$URL" --ca "$T/tls/ca.pem"
check "status --config (admin listener, its token)" run 0 "$REMACTO" status --config "$T/node.conf"
check "... shows the node's log" grep -q "^origin: *remacto.ma/demo" "$T/out"

printf '{"schema":1,"published":"2025-11-01T09:00:00Z","measurement":{"indicatorId":"IND-AI-01","period":"2025-Q3","value":17}}\n' > "$T/m.json"
check "publish --config while the public listener speaks TLS" run 0 "$REMACTO" publish --config "$T/node.conf" "$T/m.json"

check "http:// to the https listener exits 1" run 1 "$REMACTO" compliance --url "http://127.0.0.1:$PUB"
check "... saying to use https://" grep -q "https://" "$T/err"
check "a CA file that does not exist exits 1" run 1 "$REMACTO" compliance --url "$URL" --ca "$T/nope.pem"
check "... naming it" grep -q "$T/nope.pem" "$T/err"

# A certificate for the node's public name only (no loopback address in it).
stop_node
cat > "$T/named.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ledger.commune.test
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:ledger.commune.test
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/named.key" 2>>"$T/check.log" &&
	openssl req -new -key "$T/named.key" -config "$T/named.cnf" -out "$T/named.csr" 2>>"$T/check.log" &&
	openssl x509 -req -days 2 -in "$T/named.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" \
		-set_serial 7 -extfile "$T/named.cnf" -extensions ext -out "$T/named.crt" 2>>"$T/check.log"
node_conf "$T/named.crt" "$T/named.key" "$T/tls/ca.pem"
if start_tls ledger.commune.test; then
	ok "the node restarts with a certificate for ledger.commune.test only"
else
	notok "the node restarts with a certificate for ledger.commune.test only"
fi
check "compliance --url https://127.0.0.1 against it exits 1" \
	run 1 "$REMACTO" compliance --url "$URL" --ca "$T/tls/ca.pem"
check "... saying the certificate is for another name, and which" \
	grep -q "is not made out to the name 127.0.0.1; it names DNS:ledger.commune.test" "$T/err"
check "compliance --config reaches it on loopback under the certificate's name" \
	run 0 "$REMACTO" compliance --config "$T/node.conf"
node_conf "$T/named.crt" "$T/named.key"
check "... also without [peer] ca_file (the node's own certificate is trusted as itself)" \
	run 0 "$REMACTO" compliance --config "$T/node.conf" --json
stop_node
finish

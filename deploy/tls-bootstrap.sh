#!/bin/sh
# tls-bootstrap.sh — a private certificate authority and one certificate per node, for a test
# federation on one machine or a network's first deployment before real certificates exist.
#
#   deploy/tls-bootstrap.sh DIR NAME...
#
# Writes into DIR (created 0700):
#   ca.pem, ca.key            the CA (EC P-256, 10 years): give ca.pem as [peer] ca_file
#   NAME.crt, NAME.key        each node's certificate (EC P-256, 825 days, signed by the CA,
#                             subjectAltName DNS:localhost, IP:127.0.0.1 and, when NAME looks
#                             like a host name with a dot, DNS:NAME): [public] tls_cert, tls_key
#   NAME.fullchain.pem        NAME.crt followed by ca.pem, for clients that want the chain
# Keys are mode 0600. Idempotent: an existing CA is kept, and so is a node certificate that
# the CA verifies and that stays valid for 30 more days; anything else is (re)made. Needs only
# the openssl command.
set -eu

usage() {
	echo "usage: $0 DIR NAME..." >&2
	echo "  NAME: [A-Za-z0-9._-]{1,63}, e.g. registry m1 ledger.temara.ma" >&2
	exit 2
}
[ $# -ge 2 ] || usage
dir=$1
shift
command -v openssl >/dev/null 2>&1 || { echo "tls-bootstrap: openssl not found (apt-get install openssl)" >&2; exit 1; }
for name in "$@"; do
	case "$name" in
	'' | *[!A-Za-z0-9._-]* | .* ) echo "tls-bootstrap: bad name '$name'" >&2; usage ;;
	esac
	[ ${#name} -le 63 ] || { echo "tls-bootstrap: name '$name' longer than 63" >&2; exit 2; }
done

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

newkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; exit 1; }
	chmod 600 "$1"
}

# The CA: kept when its certificate and key are there and match.
ca_ok() {
	[ -s "$dir/ca.pem" ] && [ -s "$dir/ca.key" ] || return 1
	a=$(openssl x509 -in "$dir/ca.pem" -noout -pubkey 2>/dev/null) || return 1
	b=$(openssl pkey -in "$dir/ca.key" -pubout 2>/dev/null) || return 1
	[ "$a" = "$b" ] && openssl x509 -in "$dir/ca.pem" -noout -checkend 2592000 >/dev/null 2>&1
}
if ! ca_ok; then
	newkey "$tmp/ca.key"
	cat > "$tmp/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
O = REMACTO Ledger
CN = REMACTO federation CA
[ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
	openssl req -new -x509 -sha256 -days 3650 -key "$tmp/ca.key" -config "$tmp/ca.cnf" \
		-out "$tmp/ca.pem" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	mv "$tmp/ca.key" "$dir/ca.key"
	mv "$tmp/ca.pem" "$dir/ca.pem"
	chmod 644 "$dir/ca.pem"
	# A new CA invalidates every certificate the old one signed: they are remade below.
	echo "tls-bootstrap: made the CA $dir/ca.pem"
fi

cert_ok() {
	[ -s "$dir/$1.crt" ] && [ -s "$dir/$1.key" ] || return 1
	openssl verify -CAfile "$dir/ca.pem" "$dir/$1.crt" >/dev/null 2>&1 || return 1
	openssl x509 -in "$dir/$1.crt" -noout -checkend 2592000 >/dev/null 2>&1 || return 1
	a=$(openssl x509 -in "$dir/$1.crt" -noout -pubkey 2>/dev/null) || return 1
	b=$(openssl pkey -in "$dir/$1.key" -pubout 2>/dev/null) || return 1
	[ "$a" = "$b" ]
}
made=0
for name in "$@"; do
	if cert_ok "$name"; then
		continue
	fi
	san="DNS:localhost,IP:127.0.0.1"
	case "$name" in *.*[A-Za-z]*) san="DNS:$name,$san" ;; esac
	newkey "$tmp/$name.key"
	cat > "$tmp/$name.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
O = REMACTO Ledger
CN = $name
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	openssl req -new -sha256 -key "$tmp/$name.key" -config "$tmp/$name.cnf" \
		-out "$tmp/$name.csr" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	openssl x509 -req -sha256 -days 825 -in "$tmp/$name.csr" -CA "$dir/ca.pem" \
		-CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
		-extfile "$tmp/$name.cnf" -extensions ext -out "$tmp/$name.crt" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; exit 1; }
	mv "$tmp/$name.key" "$dir/$name.key"
	mv "$tmp/$name.crt" "$dir/$name.crt"
	chmod 644 "$dir/$name.crt"
	cat "$dir/$name.crt" "$dir/ca.pem" > "$dir/$name.fullchain.pem"
	chmod 644 "$dir/$name.fullchain.pem"
	made=$((made + 1))
done
[ "$made" -eq 0 ] || echo "tls-bootstrap: made $made certificate(s) in $dir"

#!/bin/sh
# C2SP tlog-witness (issue 11): every node serves POST /witness/add-checkpoint on its public
# listener. Driven by an independent client (Go's net/http, tests/integration/goverify) against
# a member's node, with an outside log of its [witness] configuration and the network's logs:
# 404 (unknown origin, its own log), 403 (another key, a forged line), 400 (malformed, old above
# the size), 409 with text/x.tlog.size, 422 (a wrong proof, two roots at one size, a proof with
# old 0, a size-0 checkpoint with another root), 200 with a cosignature that verifies; a racing
# pair of requests from one size gets one cosignature and one 409, never a rollback; a member's
# checkpoint submitted from outside comes back cosigned with the key the network's policy gives
# that node. Per-address rate limit (429), the body rules of the public listener (413, 411, a
# body after another request on its connection), and a node asking an outside witness ([witness]
# url, key) whose cosignatures then travel with its checkpoint.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/f" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "the authority and 2 members converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1) O2=$(origin_of m2) S1=$(slug_of m1) S2=$(slug_of m2)
W="$(url_of m2)/witness/add-checkpoint"
goverify policy /dev/null > /dev/null 2>&1 # build it once
# add OLD CHECKPOINT [PROOF.json]: POST to m2's witness; "STATUS CONTENT-TYPE" then the body.
add() { SSL_CERT_FILE="$F/tls/ca.pem" GODEBUG=http2client=0 goverify addcheckpoint "$W" "$@"; }
status() { add "$@" 2>&1 | head -1 | cut -d' ' -f1; }

# Two outside logs m2 witnesses ([witness] log), made with remacto log.
outside() { # NAME: a log example.org/NAME in $T/NAME, key $T/NAME.key; prints its verifier key
	"$REMACTO" keygen --origin "example.org/$1" --out "$T/$1.key" &&
		"$REMACTO" log init --data "$T/$1" --origin "example.org/$1" --key "$T/$1.key" > /dev/null
}
grow() { # NAME N: appends N entries, saves the checkpoint as $T/NAME.cp<size>
	i=0
	while [ $i -lt "$2" ]; do one_entry "$1-$(date +%s%N)-$i"; i=$((i + 1)); done |
		"$REMACTO" log append --data "$T/$1" --origin "example.org/$1" > "$T/size"
	"$REMACTO" log checkpoint --data "$T/$1" --origin "example.org/$1" > "$T/$1.cp$(cat "$T/size")"
}
cons() { "$REMACTO" log proof --data "$T/$1" --origin "example.org/$1" --old "$2" --size "$3" > "$T/$1.c$2-$3"; }
OVK=$(outside outside) FVK=$(outside fresh)
grow outside 5; grow outside 3; grow outside 4; grow outside 2; grow outside 2
grow fresh 3
fed_stop_node m2
printf '[witness]\nlog = %s\nlog = %s\n' "$OVK" "$FVK" >> "$F/m2/node.conf"
check "m2 restarts with two outside logs to witness" fed_start_node m2

# 200, and the cosignature verifies with m2's witness key (its log key as type 0x04).
VK2=$(get m1 "/api/v1/logs/$S2" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
add 0 "$T/outside.cp5" > "$T/r"
check_eq "old 0 and a checkpoint of size 5 of an outside log: 200" "200 text/plain;" "$(head -1 "$T/r" | cut -c1-15)"
{ cat "$T/outside.cp5"; tail -n +2 "$T/r"; } > "$T/cosigned5"
check "its body is a cosignature of m2 that verifies (Go, crypto/ed25519)" goverify cosig "$T/cosigned5" "$VK2"
add 0 "$T/outside.cp5" > "$T/r"
check_eq "the same again from old 0: 409, text/x.tlog.size, the size cosigned" \
	"409 text/x.tlog.size|5" "$(head -1 "$T/r")|$(tail -n +2 "$T/r")"
cons outside 5 8
check_eq "old 5 to 8 with its consistency proof: 200" 200 "$(status 5 "$T/outside.cp8" "$T/outside.c5-8")"
check_eq "old 8 to 12 with the proof from 5 to 8: 422" 422 "$(status 8 "$T/outside.cp12" "$T/outside.c5-8")"
check_eq "old 8 and the checkpoint of size 8 again: 200 (cosigned anew)" 200 "$(status 8 "$T/outside.cp8")"
check_eq "old 9 with a checkpoint of size 8: 400" 400 "$(status 9 "$T/outside.cp8")"

# Two roots at size 8: another folder, the same key, other entries.
"$REMACTO" log init --data "$T/twin" --origin example.org/outside --key "$T/outside.key" > /dev/null
i=0
while [ $i -lt 8 ]; do one_entry "twin-$i"; i=$((i + 1)); done |
	"$REMACTO" log append --data "$T/twin" --origin example.org/outside > /dev/null
"$REMACTO" log checkpoint --data "$T/twin" --origin example.org/outside > "$T/twin.cp8"
check_eq "old 8 and another signed checkpoint of size 8: 422" 422 "$(status 8 "$T/twin.cp8")"
# Another key for that origin; a forged line of the right key.
"$REMACTO" keygen --origin example.org/outside --out "$T/other.key" > /dev/null
"$REMACTO" log init --data "$T/other" --origin example.org/outside --key "$T/other.key" > /dev/null
"$REMACTO" log checkpoint --data "$T/other" --origin example.org/outside > "$T/other.cp0"
check_eq "a checkpoint signed by a key m2 does not trust for the origin: 403" 403 "$(status 8 "$T/other.cp0")"
awk '/^— / { s = $3; c = substr(s, 30, 1); $3 = substr(s, 1, 29) (c == "A" ? "B" : "A") substr(s, 31) } { print }' \
	"$T/outside.cp8" > "$T/forged.cp8"
check_eq "a line of the trusted key that does not verify: 403" 403 "$(status 8 "$T/forged.cp8")"
"$REMACTO" keygen --origin example.org/stranger --out "$T/stranger.key" > /dev/null
"$REMACTO" log init --data "$T/stranger" --origin example.org/stranger --key "$T/stranger.key" > /dev/null
"$REMACTO" log checkpoint --data "$T/stranger" --origin example.org/stranger > "$T/stranger.cp0"
check_eq "an origin m2 does not witness: 404" 404 "$(status 0 "$T/stranger.cp0")"
get m2 "/logs/$S2/checkpoint" > "$T/own.cp"
check_eq "m2's own log: 404" 404 "$(status 0 "$T/own.cp")"
printf 'old 1\n\nnot a note\n' > "$T/junk"
check_eq "a body that is no checkpoint: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$F/tls/ca.pem" --data-binary @"$T/junk" "$W")"

# 422 for a proof with old 0, and for a size-0 checkpoint whose root is not the empty tree's.
printf '%s\n' "$($PY -c 'import base64; print(base64.b64encode(bytes(32)).decode())')" > "$T/oneline"
check_eq "old 0 with a proof line: 422" 422 "$(SSL_CERT_FILE="$F/tls/ca.pem" $PY -c '
import sys, ssl, urllib.request
body = b"old 0\n" + open(sys.argv[2], "rb").read() + b"\n" + open(sys.argv[3], "rb").read()
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=body), context=ssl.create_default_context(cafile=sys.argv[4]))
    print(200)
except urllib.error.HTTPError as e:
    print(e.code)' "$W" "$T/oneline" "$T/fresh.cp3" "$F/tls/ca.pem")"
$PY - "$T/fresh.key" example.org/fresh > "$T/fresh.bad0" <<'PY'
import base64, hashlib, sys
from cryptography.hazmat.primitives.serialization import load_pem_private_key, Encoding, PublicFormat
key = load_pem_private_key(open(sys.argv[1], "rb").read(), None)
name = sys.argv[2]
pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
kid = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
text = f"{name}\n0\n{base64.b64encode(hashlib.sha256(b'x').digest()).decode()}\n".encode()
sig = base64.b64encode(kid + key.sign(text)).decode()
sys.stdout.write(text.decode() + "\n\u2014 " + name + " " + sig + "\n")
PY
check_eq "a signed size-0 checkpoint whose root is not the empty tree's: 422" 422 "$(status 0 "$T/fresh.bad0")"
check_eq "the real one of size 3 from old 0 then: 200" 200 "$(status 0 "$T/fresh.cp3")"

# A racing pair from size 8: one cosignature, one 409; the latest never goes back.
cons outside 8 12
cons outside 8 14
add 8 "$T/outside.cp12" "$T/outside.c8-12" > "$T/race.a" 2>&1 &
pa=$!
add 8 "$T/outside.cp14" "$T/outside.c8-14" > "$T/race.b" 2>&1 &
pb=$!
wait $pa $pb
ra=$(head -1 "$T/race.a" | cut -d' ' -f1) rb=$(head -1 "$T/race.b" | cut -d' ' -f1)
if [ "$ra" = 200 ]; then win=12; else win=14; fi
check_eq "racing requests from old 8: one 200, the other 409" "200 409" "$(printf '%s\n%s\n' "$ra" "$rb" | sort | tr '\n' ' ' | sed 's/ $//')"
add 0 "$T/outside.cp5" > "$T/r"
check_eq "afterwards the latest cosigned size is the winner's ($win)" "$win" "$(tail -n +2 "$T/r")"
if [ "$win" = 14 ]; then
	check_eq "the loser's smaller checkpoint from the latest size: 400, no rollback" 400 "$(status 14 "$T/outside.cp12")"
else
	cons outside 12 14
	check_eq "the loser from the latest size goes on: 200" 200 "$(status 12 "$T/outside.cp14" "$T/outside.c12-14")"
fi

# A member's checkpoint from outside: cosigned with the key the network's policy gives m2.
get m2 /api/v1/policy > "$T/policy"
get m1 "/logs/$S1/checkpoint" > "$T/m1.full"
awk 'NR <= 4 || (NR == 5 && /^— /)' "$T/m1.full" > "$T/m1.cp" # the text, the blank line, m1's line
N1=$(sed -n 2p "$T/m1.cp")
add 0 "$T/m1.cp" > "$T/r"
L=$(tail -n +2 "$T/r")
check_eq "m1's checkpoint from old 0: 409 with the size m2 holds (and cosigned) of it" "409 $N1" "$(head -1 "$T/r" | cut -d' ' -f1) $L"
add "$L" "$T/m1.cp" > "$T/r"
{ cat "$T/m1.cp"; tail -n +2 "$T/r"; } > "$T/m1.cosigned"
check_eq "from that size: 200, a cosignature the policy's witness $O2 verifies (Go)" \
	"200 $O2" "$(head -1 "$T/r" | cut -d' ' -f1) $(goverify witnessed "$T/policy" "$T/m1.cosigned" 2>&1)"

# The public listener's body rules for this route.
$PY - "$(port_of m2)" "$F/tls/ca.pem" "$T/m1.cp" > "$T/rules" <<'PY' 2>&1
import socket, ssl, sys
port, ca, cp = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
ctx = ssl.create_default_context(cafile=ca)
def talk(data, wait_close=True):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="127.0.0.1")
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError, ssl.SSLError):
        pass
    s.close()
    return out
body = b"old 0\n\n" + cp
post = b"POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
r = talk(b"POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n")
print("over-cap", r.split(b"\r\n")[0].decode())
r = talk(b"POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
print("chunked", r.split(b"\r\n")[0].decode())
r = talk(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + post)
print("after-get", b" ".join(l for l in r.split(b"\r\n") if l.startswith(b"HTTP/1.1")).decode())
r = talk(post)
print("first", r.split(b"\r\n")[0].decode(), b"connection: close" in r.lower())
PY
check_eq "over the body cap: 413; chunked: 411; after another request on its connection: not read, the connection closed; first on its connection: answered, then closed" \
	"over-cap HTTP/1.1 413 Request Entity Too Large|chunked HTTP/1.1 411 Length Required|after-get HTTP/1.1 200 OK|first HTTP/1.1 409 Conflict True" \
	"$(paste -sd'|' "$T/rules")"
check "m2 still answers" get m2 /healthz

# Rate per address: 40 requests at once from 127.0.0.9; the first 20 pass.
rate() { # SOURCE N: N requests of the junk body from SOURCE, one status a line
	$PY - "$(port_of m2)" "$F/tls/ca.pem" "$T/junk" "$1" "$2" <<'PY'
import socket, ssl, sys
port, ca, body, src, n = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], int(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
req = b"POST /witness/add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    s.sendall(req)
    print(s.recv(200).split(b" ")[1].decode())
    s.close()
PY
}
rate 127.0.0.9 40 > "$T/codes"
check_eq "40 quick requests from one address: the first 20 answered" "20 400" \
	"$(head -20 "$T/codes" | sort | uniq -c | awk '{ print $1, $2 }')"
check "then refused with 429" grep -qx 429 "$T/codes"
check_eq "another address is not held back" 400 "$(rate 127.0.0.10 1)"

# An outside witness: a node X outside the network witnesses m1's log; m1 asks it.
XP=$(free_port) XA=$(free_port)
write_conf "$T/x.conf" "$T/x" example.org/witness-x "$XP" "$XA"
printf '[witness]\nlog = %s\n' "$(get m1 "/api/v1/logs/$S1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')" >> "$T/x.conf"
start_node "$T/x.conf" "$XP" "$T/x.log" || notok "the outside witness X starts"
XVK=$(curl -s "http://127.0.0.1:$XP/api/v1/logs/witness-x" | $PY -c 'import json, sys; print(json.load(sys.stdin)["verifierKey"])')
XWVK=$($PY -c 'import base64, hashlib, sys
n, _, k = sys.argv[1].split("+", 2); raw = base64.b64decode(k)
w = b"\x04" + raw[1:]; kid = hashlib.sha256(n.encode() + b"\n" + w).hexdigest()[:8]
print(f"{n}+{kid}+{base64.b64encode(w).decode()}")' "$XVK")
fed_stop_node m1
printf '[witness]\nurl = http://127.0.0.1:%s/witness\nkey = %s\n' "$XP" "$XWVK" >> "$F/m1/node.conf"
check "m1 restarts asking X to witness its log" fed_start_node m1
one_entry "witnessed-by-x" > "$T/e.json"
pub_ok() { publish m1 "$T/e.json" > /dev/null 2>&1; }
check "m1 publishes" wait_for 30 pub_ok
x_cosigned() { get m1 "/logs/$S1/checkpoint" > "$T/m1x" && goverify cosig "$T/m1x" "$XVK" > /dev/null 2>&1; }
check "m1's checkpoint soon carries X's cosignature, which verifies with X's key (Go)" wait_for 30 x_cosigned
check_eq "of m1's newest checkpoint" "$(get m1 "/api/v1/logs/$S1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["size"])')" "$(sed -n 2p "$T/m1x")"
check "m1's log says which witness it asked" grep -q "witness example.org/witness-x cosigned $O1 at size" "$F/m1/remactod.log"
proof_x() { get m1 "/api/v1/logs/$S1/tlog-proof?index=0" | grep -q '^— example.org/witness-x '; }
check "a tlog-proof of m1's log carries it too" proof_x
stop_node

fed_dump
finish

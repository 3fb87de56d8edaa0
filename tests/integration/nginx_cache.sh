#!/bin/sh
# deploy/nginx/remacto.conf in front of a node, with Debian's nginx run unprivileged on loopback
# (its own prefix, temp and cache paths; the file's ports, certificate paths and cache path
# substituted, nothing else): TLS is terminated by nginx, full tiles and entry bundles are
# cached immutable (a second read is a HIT, no request reaches the node), checkpoints for
# about a second (a new entry shows up through the cache), API reads briefly, ETag
# revalidation gives 304, and /live and /peer pass through as WebSocket. Go's sumdb/tlog
# verifies the log's tiles through the cache, twice: the second time every full tile comes
# from the cache.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
NGINX=/usr/sbin/nginx
O=remacto.ma/commune-temara
SLUG=commune-temara
P=$(free_port); A=$(free_port); NP=$(free_port)
write_conf "$T/node.conf" "$T/data" "$O" "$P" "$A"
start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
ok "remactod starts on 127.0.0.1:$P"

# 300 entries: one full tile (and entry bundle) and a partial one.
i=0
while [ $i -lt 300 ]; do
	printf '{"schema":1,"evidence":{"id":"EV-%d","url":"https://example.ma/%d.pdf","sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","mediaType":"application/pdf","title":{"fr":"Document %d","ar":"وثيقة %d"},"date":"2025-06-01"}}\n' $i $i $i $i
	i=$((i + 1))
done > "$T/batch.jsonl"
check "300 entries published" sh -c "'$REMACTO' publish --config '$T/node.conf' '$T/batch.jsonl' > /dev/null"

# nginx, unprivileged: its folder belongs to the user it runs as.
NG=$(mktemp -d "${TMPDIR:-/tmp}/remacto-nginx.XXXXXX")
trap 'stop_nginx; stop_node > /dev/null 2>&1; rm -rf "$NG"; cleanup' EXIT
run_as=""
if [ "$(id -u)" -eq 0 ]; then
	chown nobody:nogroup "$NG"
	run_as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
$run_as sh -c "mkdir -p '$NG/tmp' '$NG/cache' '$NG/logs' && '$TESTS/../deploy/tls-bootstrap.sh' '$NG/tls' proxy > /dev/null"
sed -e "s|/var/cache/nginx/remacto|$NG/cache|" \
	-e "s|server 127.0.0.1:8080;|server 127.0.0.1:$P;|" \
	-e "s|listen 80;|listen 127.0.0.1:$(free_port);|" -e '/listen \[::\]:80;/d' \
	-e "s|listen 443 ssl;|listen 127.0.0.1:$NP ssl;|" -e '/listen \[::\]:443 ssl;/d' \
	-e "s|/etc/letsencrypt/live/ledger.example.ma/fullchain.pem|$NG/tls/proxy.fullchain.pem|" \
	-e "s|/etc/letsencrypt/live/ledger.example.ma/privkey.pem|$NG/tls/proxy.key|" \
	"$TESTS/../deploy/nginx/remacto.conf" > "$T/site.conf"
check_eq "only ports and paths were substituted (same number of directives)" \
	"$(grep -c ';' "$TESTS/../deploy/nginx/remacto.conf")" "$(($(grep -c ';' "$T/site.conf") + 2))"
cp "$T/site.conf" "$NG/site.conf"
cat > "$NG/nginx.conf" <<CONF
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 256; }
http {
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	log_format cache '\$request_uri \$status \$upstream_cache_status';
	access_log $NG/logs/access.log cache;
	include $NG/site.conf;
}
CONF
[ -z "$run_as" ] || chown -R nobody:nogroup "$NG"
check "nginx -t accepts the configuration" $run_as "$NGINX" -t -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log"
$run_as "$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" -g 'daemon off;' 2>> "$T/nginx.err" &
NGINX_PID=$!
stop_nginx() { [ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null; NGINX_PID=; }
PX="https://127.0.0.1:$NP"
C="curl -s --cacert $NG/tls/ca.pem --max-time 10"
up() { $C -o /dev/null "$PX/healthz"; }
i=0
while [ $i -lt 100 ] && ! up; do sleep 0.05; i=$((i + 1)); done
check "nginx answers over TLS in front of the node" up

# status_of PATH [curl options]: "HTTP-code X-Cache-Status"
status_of() {
	p=$1
	shift
	$C -D - -o /dev/null "$@" "$PX$p" | tr -d '\r' |
		awk 'NR == 1 { c = $2 } tolower($1) == "x-cache-status:" { s = $2 } END { print c, s }'
}
for t in tile/0/000 tile/entries/000; do
	check_eq "$t: the first read goes to the node" "200 MISS" "$(status_of "/logs/$SLUG/$t")"
	check_eq "$t: the second read comes from the cache" "200 HIT" "$(status_of "/logs/$SLUG/$t")"
	check "$t: served immutable, with an ETag" sh -c "$C -D - -o /dev/null '$PX/logs/$SLUG/$t' | grep -qi 'cache-control: public, max-age=31536000, immutable' &&
		$C -D - -o /dev/null '$PX/logs/$SLUG/$t' | grep -qi '^etag: \"'"
done
check_eq "the cached full tile is byte for byte the node's" \
	"$(curl -s "http://127.0.0.1:$P/logs/$SLUG/tile/0/000" | sha256sum)" \
	"$($C "$PX/logs/$SLUG/tile/0/000" | sha256sum)"
ETAG=$($C -D - -o /dev/null "$PX/logs/$SLUG/tile/0/000" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
check_eq "If-None-Match with the tile's ETag: 304 from the cache" "304 HIT" \
	"$(status_of "/logs/$SLUG/tile/0/000" -H "If-None-Match: $ETAG")"

# Checkpoints: cached about a second. Two reads in a row: the second is a HIT (retried: a
# slow machine may take over a second between two requests).
pair() { a=$(status_of "/logs/$SLUG/checkpoint"); b=$(status_of "/logs/$SLUG/checkpoint"); [ "$b" = "200 HIT" ]; }
ok_pair=no
for k in 1 2 3; do pair && { ok_pair=yes; break; }; sleep 1.1; done
check_eq "a checkpoint read right after another comes from the cache" yes "$ok_pair"
check "the checkpoint says s-maxage=1 (shared caches), max-age=0 (browsers revalidate)" sh -c \
	"$C -D - -o /dev/null '$PX/logs/$SLUG/checkpoint' | grep -qi 'cache-control: public, max-age=0, s-maxage=1'"
printf '{"schema":1,"evidence":{"id":"EV-new","url":"https://example.ma/new.pdf","sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","mediaType":"application/pdf","title":{"fr":"Nouveau","ar":"جديد"},"date":"2025-06-02"}}\n' > "$T/one.json"
"$REMACTO" publish --config "$T/node.conf" "$T/one.json" > /dev/null || notok "one more entry published"
fresh() { $C "$PX/logs/$SLUG/checkpoint" | sed -n 2p | grep -qx 301; }
end=$(($(date +%s) + 10)); seen=no
while [ "$(date +%s)" -lt "$end" ]; do fresh && { seen=yes; break; }; sleep 0.2; done
check_eq "a new checkpoint (size 301) shows through the cache within seconds" yes "$seen"

# API reads: briefly.
api_pair() { status_of /api/v1/logs > /dev/null; [ "$(status_of /api/v1/logs)" = "200 HIT" ]; }
ok_pair=no
for k in 1 2 3; do api_pair && { ok_pair=yes; break; }; sleep 2.1; done
check_eq "an API read right after another comes from the cache" yes "$ok_pair"
check "API answers say Vary: Accept (CSV by content negotiation)" sh -c \
	"$C -D - -o /dev/null '$PX/api/v1/logs' | grep -qi '^vary: accept'"
check "JSON and CSV of one URL are cached apart (Vary)" sh -c \
	"$C -H 'Accept: text/csv' '$PX/api/v1/logs' | head -1 | sed '1s/^\xef\xbb\xbf//' | grep -q '^origin,slug,size' &&
	 $C '$PX/api/v1/logs' | grep -q '^{'"
status_of /healthz > /dev/null
check_eq "/healthz is never cached (no-store): a second read goes to the node too" "200 MISS" \
	"$(status_of /healthz)"
check_eq "/metrics through nginx answers loopback (its allow list)" "200 " "$(status_of /metrics)"

# Go's sumdb/tlog reads and verifies the tiles through the cache; a second pass is all hits.
VK=$(curl -s "http://127.0.0.1:$P/api/v1/logs/$SLUG" | $PY -c 'import json,sys; print(json.load(sys.stdin)["verifierKey"])')
SSL_CERT_FILE="$NG/tls/ca.pem" goverify tiles "$PX/logs/$SLUG" "$VK" > "$T/gov1" 2>&1 &&
	ok "goverify tiles through the cache (first pass)" || { notok "goverify tiles through the cache"; cat "$T/gov1"; }
lines=$(wc -l < "$NG/logs/access.log")
SSL_CERT_FILE="$NG/tls/ca.pem" goverify tiles "$PX/logs/$SLUG" "$VK" > "$T/gov2" 2>&1 &&
	ok "goverify tiles through the cache (second pass)" || notok "goverify tiles, second pass"
tail -n +$((lines + 1)) "$NG/logs/access.log" > "$T/pass2.log"
check "the second pass read full tiles" grep -Eq "^/logs/$SLUG/tile/[^ ]*/[0-9]{3} " "$T/pass2.log"
check_eq "every full tile and bundle of the second pass was a cache HIT" "" \
	"$(grep -E "^/logs/$SLUG/tile/[^ ]*/[0-9]{3} " "$T/pass2.log" | awk '$3 != "HIT"')"

# WebSocket through nginx: live updates, and the peer endpoint.
cat > "$T/ws.py" <<'PYEOF'
import asyncio, json, ssl, subprocess, sys
import websockets
url, ca, mode = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
async def main():
    if mode == "live":
        async with websockets.connect(url + "/live", ssl=ctx, subprotocols=["remacto-live-v1"]) as ws:
            subprocess.run(sys.argv[4:], check=True, stdout=subprocess.DEVNULL)
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            print("live", msg.get("origin"), msg.get("size"))
    else:
        async with websockets.connect(url + "/peer", ssl=ctx, subprotocols=["remacto-peer-v1"]) as ws:
            print("peer", ws.subprotocol)
            try:
                m = await asyncio.wait_for(ws.recv(), 10)
                print("frame", "binary" if isinstance(m, bytes) else "text")
            except websockets.exceptions.ConnectionClosed as e:
                print("closed", e.code)
asyncio.run(main())
PYEOF
printf '{"schema":1,"evidence":{"id":"EV-live","url":"https://example.ma/live.pdf","sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","mediaType":"application/pdf","title":{"fr":"Direct","ar":"مباشر"},"date":"2025-06-03"}}\n' > "$T/live.json"
check_eq "/live through nginx: the dashboard's WebSocket gets the new checkpoint" "live $O 302" \
	"$($PY "$T/ws.py" "wss://127.0.0.1:$NP" "$NG/tls/ca.pem" live "$REMACTO" publish --config "$T/node.conf" "$T/live.json" 2>&1 | tail -1)"
$PY "$T/ws.py" "wss://127.0.0.1:$NP" "$NG/tls/ca.pem" peer > "$T/peer.out" 2>&1
check "/peer through nginx: the upgrade to remacto-peer-v1 passes, and the node's frame comes back" \
	sh -c "grep -qx 'peer remacto-peer-v1' '$T/peer.out' && grep -Eqx 'frame binary|closed [0-9]+' '$T/peer.out'"
stop_nginx
finish

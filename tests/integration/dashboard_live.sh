#!/bin/sh
# The dashboard's server side (node/daemon/live.c): the assets mounted under /ui/ (and Debian's
# Chart.js under /ui/vendor/chart.js/), / sent to /ui/, [public] dashboard checked at start,
# and the "remacto-live-v1" WebSocket pushing {"origin","size"} for each stored checkpoint, with
# a client that sends too much closed. The pages themselves are tested in a browser
# (tests/browser/).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=remacto.ma/commune-live
P=$(free_port); A=$(free_port)
write_conf "$T/node.conf" "$T/data" "$O" "$P" "$A"
start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
PUB="http://127.0.0.1:$P"
TOKEN=$(cat "$T/data/admin.token")

code() { curl -s -o /dev/null -w '%{http_code} %{content_type} %{redirect_url}' "$PUB$1"; }
check_eq "GET / redirects to the dashboard" "302 text/html $PUB/ui/" "$(code /)"
check_eq "GET /ui/ serves index.html" "200 text/html " "$(code /ui/)"
check "index.html is the dashboard" sh -c "curl -sf '$PUB/ui/' | grep -q 'js/main.js'"
check_eq "GET /ui/js/main.js is JavaScript" "200 text/javascript " "$(code /ui/js/main.js)"
check_eq "GET /ui/app.css is CSS" "200 text/css " "$(code /ui/app.css)"
if [ -r /usr/share/javascript/chart.js/chart.min.js ]; then
	check "Chart.js comes from Debian's libjs-chart.js" sh -c \
		"curl -sf '$PUB/ui/vendor/chart.js/chart.min.js' | cmp -s - /usr/share/javascript/chart.js/chart.min.js"
else
	notok "libjs-chart.js is installed (deploy/deps.sh build)"
fi
check_eq "a missing asset is a 404" "404" "$(code /ui/nope.js | cut -d' ' -f1)"
# header NAME PATH: the value of a response header (lower-case name), CR stripped.
header() { curl -s -o /dev/null -D - "$PUB$2" | tr -d '\r' | awk -v h="$1" -F': ' 'tolower($1) == h { print $2 }'; }
check "/ui/ has a Content-Security-Policy of its own files only, no framing" sh -c \
	"curl -s -o /dev/null -D - '$PUB/ui/' | tr -d '\r' | grep -i '^content-security-policy: ' | grep \"default-src 'none'\" | grep \"script-src 'self'\" | grep -q \"frame-ancestors 'none'\""
check_eq "... X-Frame-Options DENY" DENY "$(header x-frame-options /ui/js/main.js)"
check_eq "... Referrer-Policy no-referrer" no-referrer "$(header referrer-policy /ui/app.css)"
check_eq "... X-Content-Type-Options nosniff" nosniff "$(header x-content-type-options /ui/)"
check "... also on a missing file" sh -c "curl -s -o /dev/null -D - '$PUB/ui/nope.js' | grep -qi '^content-security-policy: '"
ETAG=$(header etag /ui/app.css)
check_eq "an unchanged file is a 304 to If-None-Match" 304 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$PUB/ui/app.css")"
check_eq "/ui goes to /ui/" "302 text/html $PUB/ui/" "$(code /ui)"
for p in /ui/js/ /ui/.hidden /ui/js/.x.js /ui/vendor/chart.js/ /ui/vendor/chart.js/.x; do
	check_eq "no folder listing, hidden file or odd name: $p" 404 "$(code "$p" | cut -d' ' -f1)"
done
check_eq "the dashboard is read only" 405 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Length: 0' "$PUB/ui/app.css")"
check_eq "the read API is unchanged" "200" "$(code /api/v1/logs | cut -d' ' -f1)"
check_eq "the admin listener serves no dashboard" "401" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$A/ui/")"

# Live updates: a client connects, a publication is committed, the client hears of it.
cat > "$T/live.py" <<'PY'
import asyncio, json, sys, urllib.request
import websockets

port, adm, token, origin = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def publish(n):
    body = json.dumps([{"schema": 1, "published": "2026-01-01T00:00:00Z",
                        "programme": {"id": "P-%d" % i, "title": {"fr": "Programme %d" % i}}}
                       for i in range(n)]).encode()
    req = urllib.request.Request("http://127.0.0.1:%s/api/v1/entries" % adm, data=body, headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))["treeSize"]

async def main():
    uri = "ws://127.0.0.1:%s/live" % port
    async with websockets.connect(uri, subprotocols=["remacto-live-v1"]) as ws:
        if ws.subprotocol != "remacto-live-v1":
            print("subprotocol", ws.subprotocol); return 1
        size = await asyncio.get_running_loop().run_in_executor(None, publish, 3)
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if m.get("origin") == origin and m.get("size") == size:
                break
        print("pushed", m["origin"], m["size"])
        # Two clients at once both hear the next one.
        async with websockets.connect(uri, subprotocols=["remacto-live-v1"]) as ws2:
            size = await asyncio.get_running_loop().run_in_executor(None, publish, 1)
            for w in (ws, ws2):
                while True:
                    m = json.loads(await asyncio.wait_for(w.recv(), 5))
                    if m.get("size") == size:
                        break
        print("both", size)
    # A client that sends more than LIVE_MAX_RX bytes is closed.
    async with websockets.connect(uri, subprotocols=["remacto-live-v1"]) as ws:
        try:
            for _ in range(4):
                await ws.send("x" * 2000)
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed:
            print("closed")
            return 0
    return 1

sys.exit(asyncio.run(main()))
PY
$PY "$T/live.py" "$P" "$A" "$TOKEN" "$O" > "$T/live.out" 2>&1
check_eq "remacto-live-v1 pushes each commit to every client and closes a chatty one" \
	"pushed $O 3|both 4|closed" "$(tr '\n' '|' < "$T/live.out" | sed 's/|$//')"
[ -s "$T/live.out" ] && sed 's/^/# /' "$T/live.out" | head -20

# [public] dashboard must name a folder with an index.html.
stop_node
P2=$(free_port); A2=$(free_port)
write_conf "$T/bad.conf" "$T/data" "$O" "$P2" "$A2"
printf '[public]\ndashboard = %s\n' "$T/nowhere" >> "$T/bad.conf"
check "remactod refuses a dashboard folder without index.html" sh -c \
	"! '$BUILD/remactod' --config '$T/bad.conf' > '$T/bad.log' 2>&1 && grep -q 'dashboard: .*index.html' '$T/bad.log'"
finish

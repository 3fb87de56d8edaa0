#!/bin/sh
# remacto status reads replication from the node's /metrics (the figures the alerts read):
# peer sessions ready, per log the entries peers announced that the node does not hold and the
# last witness cosignature. A stub admin listener (Python's http.server, loopback) serves a
# status and the metric families with fixed values, so that each verdict is checked exactly:
# working, behind, no session ready, and a node too old to report lag.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
P=$(free_port)
printf 'tok-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" > "$T/admin.token"
chmod 600 "$T/admin.token"
cat > "$T/node.conf" <<EOF
[node]
data = $T/data
origin = remacto.ma/m1
[public]
listen = 127.0.0.1:$(free_port)
[admin]
listen = 127.0.0.1:$P
token_file = $T/admin.token
EOF
cat > "$T/stub.py" <<'PYEOF'
import http.server, sys, time
port, token, mode, now = int(sys.argv[1]), open(sys.argv[2]).read().strip(), sys.argv[3], int(sys.argv[4])
status = b'{"network":"remacto","origin":"remacto.ma/m1","uptimeSeconds":75,"entriesPublished":3,"commits":1,"treeSize":20}'
def metrics():
    ready = 0 if mode == "cut" else 2
    m = ["# TYPE remacto_peers_ready gauge", "remacto_peers_ready %d" % ready,
         'remacto_log_entries{origin="remacto.ma/m1"} 20',
         'remacto_log_entries{origin="remacto.ma/m2"} 15',
         'remacto_log_entries{origin="remacto.ma/registry"} 31']
    if mode != "old":
        behind = 5 if mode == "behind" else 0
        m += ['remacto_replica_behind_entries{origin="remacto.ma/m1"} 0',
              'remacto_replica_behind_entries{origin="remacto.ma/m2"} %d' % behind,
              'remacto_replica_behind_entries{origin="remacto.ma/registry"} 0',
              'remacto_log_last_witnessed_seconds{origin="remacto.ma/m1"} %d' % (now - 30),
              'remacto_log_last_witnessed_seconds{origin="remacto.ma/registry"} %d' % (now - 7200),
              'remacto_log_forked{origin="remacto.ma/m2"} %d' % (1 if mode == "behind" else 0)]
    return ("\n".join(m) + "\n").encode()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + token:
            self.send_response(401); self.end_headers(); return
        body = status if self.path == "/api/v1/status" else metrics() if self.path == "/metrics" else None
        if body is None:
            self.send_response(404); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.path != "/metrics" else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF

# status_with MODE: runs remacto status against the stub in that mode; output in $T/out.
# The stub's clock is read at each run; the age shown is then at least 30 s, more on a
# loaded machine (up to the 2-minute step where it turns into minutes).
status_with() {
	NOW=$(date +%s)
	$PY "$T/stub.py" "$P" "$T/admin.token" "$1" "$NOW" &
	stub=$!
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$P/"; do
		i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05
	done
	"$REMACTO" status --config "$T/node.conf" > "$T/out" 2> "$T/err"
	rc=$?
	kill $stub; wait $stub 2>/dev/null
	return $rc
}

check "status against a node whose replication works" status_with ok
check "... says it works, with the sessions ready" grep -q "^replication: *working: 2 peer sessions ready, every log holds what peers announced" "$T/out"
check "... lists each log held, nothing behind, with its last witness" \
	grep -Eq "^remacto.ma/m1 +20 +0  [0-9-]{10}T[0-9:]{8}Z \((3[0-9]|[4-9][0-9]|1[01][0-9]) s ago\)" "$T/out"
check "... a log never witnessed says so" grep -Eq "^remacto.ma/m2 +15 +0  never" "$T/out"
check "... and names the logs not witnessed lately" grep -q "^(2 logs not witnessed in the last hour" "$T/out"

check "status against a node behind on a log" status_with behind
check "... says how many logs are behind" grep -q "^replication: *2 peer sessions ready; 1 of 3 logs behind what peers announced, FORKED logs" "$T/out"
check "... and by how much, flagging the fork" grep -Eq "^remacto.ma/m2 +15 +5  never  FORKED" "$T/out"

check "status against a node cut off from its peers" status_with cut
check "... says replication is not working" grep -q "^replication: *NOT WORKING: no peer session is ready" "$T/out"

check "status against a node that does not report lag" status_with old
check "... says so instead of guessing" grep -q "does not report what peers announced" "$T/out"
finish

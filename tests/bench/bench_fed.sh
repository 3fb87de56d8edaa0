#!/bin/sh
# bench_fed.sh — the federation's figures (issue 4, "Performance"), with real remactod processes
# on loopback, over TLS (a local CA from deploy/tls-bootstrap.sh). Prints one JSON line per
# measurement and a line per goal.
#
#   tests/bench/bench_fed.sh [BUILD]
#
# 1. Catch-up: bench_fed_gen writes the authority's data folder straight into a store: the
#    registry admitting BENCH_FED_LOGS members (126) and their logs, BENCH_FED_ENTRIES entries
#    (1,000,000) in all, each log signed by its member's key. That node starts; then a fresh
#    node (a read-only mirror, empty folder) peered with it only; timed from the fresh node's
#    start until every log it holds has the source's size (a bounded poll of /api/v1/logs every
#    100 ms; the roots are compared at the end). Then the anchor, hypercore 11 replicating one
#    core over loopback TCP (tests/bench/anchor/replicate.mjs, BENCH_FED_ANCHOR_BLOCKS blocks),
#    and the ratio.
# 2. Propagation: the authority's node and BENCH_FED_NODES member nodes (126), a ring plus
#    BENCH_FED_CHORDS random perfect matchings (2: four peers a member; the authority's node
#    has three), every node's key and the registry from bench_fed_gen. Every member publishes
#    once (warm-up: every log exists everywhere), then BENCH_FED_PUBLISHES times (30) one member
#    publishes one entry (POST to its admin API) and every node's /api/v1/logs/<slug> is polled
#    (keep-alive HTTPS, every BENCH_FED_POLL_MS ms, 50) until it shows the new size: the time
#    from the POST to the last node seeing it, p50 and p99 (nearest rank) over the publishes.
#    With BENCH_FED_MEMBERS above BENCH_FED_NODES (the 1,600-member federation, issue 12),
#    the registry admits that many members and the ones without a node are simulated: their
#    logs (BENCH_FED_SIM_ENTRIES entries each, 21, signed by their own keys) are served by the
#    authority's node, so every node replicates, judges and gossips every member's log and
#    vectors of every checkpoint; they do not publish during the measurement. The warm-up waits
#    until every node holds every log. The authority's node's fan-out (its peers, the frames
#    and bytes it sent over the publishes) is reported. BENCH_FED_WATCHDOG_S sets the nodes'
#    [node] watchdog_s: with hundreds of nodes on two cores a node may get no CPU for a minute
#    during the warm-up, which the default watchdog takes for a stuck service loop.
# 3. Memory: VmRSS and RssAnon (/proc/PID/status) of every member node of that federation,
#    idle (BENCH_FED_IDLE_S seconds after the last publish, 5): min, median, max.
#
# BENCH_FED_ONLY=catchup|propagation runs one part. Every wait is bounded; every process started
# here is stopped at exit (SIGTERM, then SIGKILL after 20 s). BENCH_FED_KEEP=1 keeps the folder.
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ENTRIES=${BENCH_FED_ENTRIES:-1000000}
LOGS=${BENCH_FED_LOGS:-126}
NODES=${BENCH_FED_NODES:-126}
MEMBERS=${BENCH_FED_MEMBERS:-$NODES}
SIM_ENTRIES=${BENCH_FED_SIM_ENTRIES:-21}
WATCHDOG_S=${BENCH_FED_WATCHDOG_S:-}
CHORDS=${BENCH_FED_CHORDS:-2}
PUBLISHES=${BENCH_FED_PUBLISHES:-30}
POLL_MS=${BENCH_FED_POLL_MS:-50}
IDLE_S=${BENCH_FED_IDLE_S:-5}
ANCHOR_BLOCKS=${BENCH_FED_ANCHOR_BLOCKS:-100000}
ONLY=${BENCH_FED_ONLY:-}
PY=/usr/bin/python3
for b in remactod bench_fed_gen; do
	[ -x "$build/$b" ] || { echo "bench_fed: no $build/$b (make $build/$b)" >&2; exit 1; }
done

# Every node holds a few sockets, the poller two per node: make sure the limit allows it
# (dash and bash have ulimit -n).
# shellcheck disable=SC3045
[ "$(ulimit -n)" -ge $((8 * NODES + 256)) ] || ulimit -n $((8 * NODES + 256)) 2>/dev/null ||
	{ echo "bench_fed: ulimit -n is $(ulimit -n), below $((8 * NODES + 256))" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/remacto-bench-fed.XXXXXX")
: > "$W/pids"
stop_all() {   # SIGTERM every node started here, wait (bounded), SIGKILL what is left
	[ -s "$W/pids" ] || return 0
	while read -r p; do kill -TERM "$p" 2>/dev/null || true; done < "$W/pids"
	i=0
	while [ $i -lt 200 ]; do
		left=0
		while read -r p; do kill -0 "$p" 2>/dev/null && left=1; done < "$W/pids"
		[ $left -eq 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	while read -r p; do
		kill -0 "$p" 2>/dev/null && { echo "bench_fed: pid $p ignored SIGTERM: SIGKILL" >&2; kill -KILL "$p" 2>/dev/null || true; }
	done < "$W/pids"
	: > "$W/pids"
}
cleanup() {
	stop_all
	if [ -n "${BENCH_FED_KEEP:-}" ]; then echo "# kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# free_ports COUNT: that many free ports, one a line, below the ephemeral range, so that the
# nodes' own outgoing connections cannot take one before the node that listens on it starts.
free_ports() {
	$PY -c 'import random, socket, sys
n = int(sys.argv[1])
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
out, port = [], random.randrange(10000, max(10001, low - 4 * n - 1000))
while len(out) < n and port < low:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        out.append(port)
    except OSError:
        pass
    s.close()
    port += 1
if len(out) < n:
    sys.exit("bench_fed: not enough free ports below %d" % low)
print("\n".join(map(str, out)))' "$1"
}

# conf FILE DATA ORIGIN KEY PUBLIC ADMIN VKEY PEER-PORT...: a node configuration (TLS, loopback).
conf() {
	f=$1 data=$2 origin=$3 key=$4 pub=$5 adm=$6 vk=$7
	shift 7
	{
		echo "[node]"
		echo "data = $data"
		echo "origin = $origin"
		echo "key = $key"
		echo "checkpoint_interval_ms = 5"
		if [ -n "$WATCHDOG_S" ]; then echo "watchdog_s = $WATCHDOG_S"; fi
		echo "[public]"
		echo "listen = 127.0.0.1:$pub"
		echo "tls_cert = $W/tls/node.crt"
		echo "tls_key = $W/tls/node.key"
		echo "[admin]"
		echo "listen = 127.0.0.1:$adm"
		echo "[log]"
		echo "level = info"
		echo "[authority]"
		echo "verifier_key = $vk"
		echo "[peer]"
		echo "ca_file = $W/tls/ca.pem"
		for p in "$@"; do echo "url = wss://127.0.0.1:$p/peer"; done
	} > "$f"
	"$build/remactod" -n --config "$f" > /dev/null
}
start() {   # CONF LOG: remactod in the background, its pid appended to $W/pids and in $PID
	"$build/remactod" --config "$1" >> "$2" 2>&1 < /dev/null &
	PID=$!
	echo "$PID" >> "$W/pids"
}
# py OUT ARGS...: the poller, its output in OUT. In the background and waited for, so that a
# SIGTERM to this script is handled at once (a foreground child would delay the trap).
py() {
	out=$1
	shift
	$PY "$W/fed.py" "$@" > "$out" &
	echo $! >> "$W/pids"
	wait $!
}

# ---- the poller: keep-alive HTTPS to every node, in one asyncio process ----------------------
cat > "$W/fed.py" <<'PY'
import asyncio, base64, hashlib, json, math, os, random, ssl, statistics, sys, time

def out(d):
    print(json.dumps(d, separators=(",", ":"), ensure_ascii=False), flush=True)

class Conn:
    """One keep-alive HTTP/1.1 connection (TLS when ctx) to 127.0.0.1:port."""
    def __init__(self, port, ctx=None):
        self.port, self.ctx, self.r, self.w = port, ctx, None, None
    def close(self):
        if self.w:
            self.w.close()
        self.r = self.w = None
    async def req(self, method, path, body=b"", headers=(), timeout=5):
        for attempt in (0, 1):
            try:
                if not self.w:
                    self.r, self.w = await asyncio.wait_for(asyncio.open_connection(
                        "127.0.0.1", self.port, ssl=self.ctx), timeout)
                h = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (method, path, self.port)
                for k, v in headers:
                    h += "%s: %s\r\n" % (k, v)
                if body:
                    h += "Content-Length: %d\r\n" % len(body)
                self.w.write(h.encode() + b"\r\n" + body)
                line = await asyncio.wait_for(self.r.readline(), timeout)
                if not line:
                    raise ConnectionError("closed")
                status, length, close = int(line.split()[1]), 0, False
                while True:
                    l = await asyncio.wait_for(self.r.readline(), timeout)
                    if l in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = l.decode("latin-1").partition(":")
                    k, v = k.strip().lower(), v.strip()
                    if k == "content-length":
                        length = int(v)
                    elif k == "connection" and v.lower() == "close":
                        close = True
                data = await asyncio.wait_for(self.r.readexactly(length), timeout)
                if close:
                    self.close()
                return status, data
            except (OSError, EOFError, ConnectionError, asyncio.IncompleteReadError,
                    asyncio.TimeoutError, ssl.SSLError, ValueError, IndexError):
                self.close()
                if attempt:
                    raise ConnectionError("127.0.0.1:%d does not answer" % self.port)

def tls(ca):
    return ssl.create_default_context(cafile=ca)

def pct(v, p):   # nearest rank
    v = sorted(v)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]

async def get_json(c, path, timeout=5):
    try:
        st, body = await c.req("GET", path, timeout=timeout)
    except ConnectionError:
        return None
    return json.loads(body) if st == 200 else None

def cpu_s(pid):   # user + system seconds of a process, all threads
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def busy_s():   # user + nice + system + irq + softirq seconds of the whole machine
    f = open("/proc/stat").readline().split()
    return sum(int(f[i]) for i in (1, 2, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")

# catchup CA SOURCE-PORT FRESH-PORT T0 TIMEOUT-S POLL-MS SOURCE-PID FRESH-PID
async def catchup(ca, sport, fport, t0, timeout, poll_ms, spid, fpid):
    ctx = tls(ca)
    b0, s0 = busy_s(), cpu_s(spid)
    src = await get_json(Conn(sport, ctx), "/api/v1/logs")
    want = {l["origin"]: (l["size"], l["root"]) for l in src["logs"]}
    total = sum(s for s, _ in want.values())
    fresh, seen, first = Conn(fport, ctx), {}, None
    while time.time() - t0 < timeout:
        if not alive(fpid):
            sys.exit("bench_fed: the fresh node exited during the catch-up")
        d = await get_json(fresh, "/api/v1/logs")
        now = time.time()
        if d:
            seen = {l["origin"]: (l["size"], l["root"]) for l in d["logs"]}
            held = sum(min(seen.get(o, (0,))[0], s) for o, (s, _) in want.items())
            if first is None and held > 0:
                first = now - t0
            if all(seen.get(o, (-1,))[0] == s for o, (s, _) in want.items()):
                bad = [o for o, v in want.items() if seen[o] != v]
                if bad:
                    sys.exit("bench_fed: catch-up: roots differ for %s" % bad[:3])
                secs = now - t0
                fcpu, scpu, busy = cpu_s(fpid), cpu_s(spid) - s0, busy_s() - b0
                out({"bench": "fed_catchup", "logs": len(want), "entries": total,
                                  "seconds": round(secs, 3), "entries_per_s": round(total / secs),
                                  "first_entries_after_s": round(first, 3),
                                  "transport": "wss, TLS, loopback, one peer",
                                  "poll_ms": poll_ms, "fresh_cpu_s": round(fcpu, 2),
                                  "source_cpu_s": round(scpu, 2),
                                  "others_cpu_s": round(busy - fcpu - scpu, 2)})
                return
        await asyncio.sleep(poll_ms / 1000)
    held = sum(min(seen.get(o, (0,))[0], s) for o, (s, _) in want.items())
    sys.exit("bench_fed: catch-up not done in %d s: %d of %d entries" % (timeout, held, total))

# topology N CHORDS SEED: "mK dials..." lines, a ring plus CHORDS random perfect matchings
# (edges not repeated), and "r m..." for the authority's node.
def topology(n, chords, seed):
    rnd = random.Random(seed)
    edges, dial = set(), {k: [] for k in range(1, n + 1)}
    def add(a, b):
        if a == b or (min(a, b), max(a, b)) in edges:
            return False
        edges.add((min(a, b), max(a, b)))
        dial[a].append(b)
        return True
    if n >= 2:
        for k in range(1, n + 1 if n >= 3 else n):
            add(k, k % n + 1)
    for _ in range(chords if n >= 5 else 0):
        for attempt in range(200):
            order = list(range(1, n + 1))
            rnd.shuffle(order)
            pairs = [(order[i], order[i + 1]) for i in range(0, n - 1, 2)]
            if all(a != b and (min(a, b), max(a, b)) not in edges for a, b in pairs):
                for a, b in pairs:
                    add(a, b)
                break
    for k in range(1, n + 1):
        print("m%d %s" % (k, " ".join("m%d" % d for d in dial[k])))
    reg = sorted({1, 1 + n // 3, 1 + 2 * n // 3})
    print("r %s" % " ".join("m%d" % d for d in reg))

def read_nodes(path):   # name origin public admin data pid
    nodes = []
    for line in open(path):
        f = line.split()
        nodes.append({"name": f[0], "origin": f[1], "pub": int(f[2]), "adm": int(f[3]),
                      "data": f[4], "pid": int(f[5])})
    return nodes

def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

async def healthy(nodes, ctx, timeout):
    async def one(nd):
        c = Conn(nd["pub"], ctx)
        while time.time() < end:
            try:
                st, _ = await c.req("GET", "/healthz", timeout=2)
                if st == 200:
                    c.close()
                    return True
            except ConnectionError:
                pass
            if not alive(nd["pid"]):
                return False
            await asyncio.sleep(0.2)
        return False
    end = time.time() + timeout
    ok = await asyncio.gather(*(one(nd) for nd in nodes))
    bad = [nd["name"] for nd, o in zip(nodes, ok) if not o]
    if bad:
        sys.exit("bench_fed: nodes not healthy within %d s: %s" % (timeout, " ".join(bad[:20])))

def entry(tag):
    sha = base64.b64encode(hashlib.sha256(tag.encode()).digest()).decode()
    return json.dumps({"schema": 1, "evidence": {
        "id": "EV-" + tag, "url": "https://example.ma/%s.pdf" % tag, "sha256": sha,
        "mediaType": "application/pdf", "title": {"fr": "Document " + tag, "ar": "وثيقة"},
        "date": "2025-06-01"}}).encode()

async def publish(nd, tag):
    if "token" not in nd:
        nd["token"] = open(os.path.join(nd["data"], "admin.token")).read().strip()
        nd["admc"] = Conn(nd["adm"])
    for _ in range(100):   # 503 while a node first hears from its peers: bounded retry
        st, body = await nd["admc"].req("POST", "/api/v1/entries", entry(tag),
                                        (("Authorization", "Bearer " + nd["token"]),
                                         ("Content-Type", "application/json")), timeout=30)
        if st // 100 == 2:
            return
        if st != 503:
            sys.exit("bench_fed: publish at %s: %d %s" % (nd["name"], st, body[:200]))
        await asyncio.sleep(0.2)
    sys.exit("bench_fed: %s refuses to publish (503) for 20 s" % nd["name"])

async def size_at(nd, slug):
    d = await get_json(nd["c"], "/api/v1/logs/" + slug)
    return d["size"] if d else 0

# Polls every node until it holds slug at `want` entries or more; returns {name: seconds}.
async def reach(nodes, slug, want, t0, timeout, poll):
    got = {}
    async def one(nd):
        while time.time() - t0 < timeout:
            if await size_at(nd, slug) >= want:
                got[nd["name"]] = time.time() - t0
                return
            await asyncio.sleep(poll)
    await asyncio.gather(*(one(nd) for nd in nodes))
    return got

# Whether every node holds the registry at reg_size, every real member's log, and every
# simulated member's log (the authority's node serves them) at its size there.
async def logs_complete(nodes, members, reg_size, sim):
    async def one(nd):
        d = await get_json(nd["c"], "/api/v1/logs", 30)
        if not d:
            return False
        s = {l["origin"]: l["size"] for l in d["logs"]}
        return s.get("remacto.ma/registry", 0) >= reg_size and \
            all(s.get(m["origin"], 0) >= 1 for m in members) and \
            all(s.get(o, 0) >= n for o, n in sim.items())
    return all(await asyncio.gather(*(one(nd) for nd in nodes)))

def rss(pid):
    v = {}
    for line in open("/proc/%d/status" % pid):
        k, _, val = line.partition(":")
        if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            v[k] = int(val.split()[0])
    return v

async def fanout(nd):   # the peers of a node, and the frames and bytes it has sent them
    d = await get_json(nd["c"], "/api/v1/peers", 30)
    peers = [p for p in (d or {}).get("peers", []) if p.get("state") == "ready"]
    return len(peers), sum(p.get("framesOut", 0) for p in peers), \
        sum(p.get("bytesOut", 0) for p in peers)

# propagate CA NODES-FILE PUBLISHES POLL-MS IDLE-S DEGREES MEMBERS-FILE REGISTRY-SIZE SIM-ENTRIES
async def propagate(ca, nodes_file, publishes, poll_ms, idle_s, degrees, members_file,
                    reg_size, sim_entries):
    ctx = tls(ca)
    nodes = read_nodes(nodes_file)
    for nd in nodes:
        nd["c"] = Conn(nd["pub"], ctx)
    members = [nd for nd in nodes if nd["name"] != "r"]
    real = {m["origin"] for m in members}
    sim = {}
    for line in open(members_file):
        origin = line.split()[1]
        if origin not in real:
            sim[origin] = sim_entries
    await healthy(nodes, ctx, 60 + len(nodes))
    # Warm-up: the registry reaches everyone, every member publishes once, every log spreads.
    t0 = time.time()
    await asyncio.gather(*(publish(m, "warm-" + m["name"]) for m in members))
    limit = 300 + 2 * len(nodes)
    while not await logs_complete(nodes, members, reg_size, sim):
        if time.time() - t0 > limit:
            sys.exit("bench_fed: the warm-up did not spread every log to every node in %d s"
                     % limit)
        await asyncio.sleep(0.5 + len(nodes) / 100)
    warm = time.time() - t0
    reg_nd = [nd for nd in nodes if nd["name"] == "r"][0]
    fan0 = await fanout(reg_nd)
    # Publishes, one at a time.
    lat, per_node, commit, missed = [], [], [], 0
    deadline = time.time() + 30 * publishes + 60
    for i in range(publishes):
        if time.time() > deadline:
            break
        m = members[(i * 47) % len(members)]
        slug = m["origin"].rsplit("/", 1)[1]
        want = await size_at(m, slug) + 1
        t0 = time.time()
        await publish(m, "p%d" % i)
        commit.append(time.time() - t0)
        got = await reach(nodes, slug, want, t0, 20, poll_ms / 1000)
        if len(got) < len(nodes):
            missed += 1
            print("bench_fed: publish %d at %s: %d of %d nodes in 20 s" %
                  (i, m["name"], len(got), len(nodes)), file=sys.stderr)
            continue
        lat.append(max(got.values()))
        per_node.extend(v for k, v in got.items() if k != m["name"])
        await asyncio.sleep(0.3)
    if not lat:
        sys.exit("bench_fed: no publish reached every node")
    fan1 = await fanout(reg_nd)
    dmin, dmax = degrees
    out({"bench": "fed_propagation", "members": len(members) + len(sim),
                      "simulated_members": len(sim),
                      "nodes": len(nodes), "peers_per_member": [dmin, dmax],
                      "authority_peers": fan1[0],
                      "authority_frames_out_per_publish": round((fan1[1] - fan0[1]) / len(lat), 1),
                      "authority_bytes_out_per_publish": round((fan1[2] - fan0[2]) / len(lat)),
                      "warmup_s": round(warm, 1), "publishes": len(lat), "missed": missed,
                      "p50_s": round(pct(lat, 50), 3), "p99_s": round(pct(lat, 99), 3),
                      "max_s": round(max(lat), 3),
                      "node_p50_s": round(pct(per_node, 50), 3),
                      "node_p99_s": round(pct(per_node, 99), 3),
                      "publish_commit_p50_ms": round(1000 * pct(commit, 50), 1),
                      "poll_ms": poll_ms})
    for nd in nodes:
        nd["c"].close()
        if "admc" in nd:
            nd["admc"].close()
    await asyncio.sleep(idle_s)
    r = [rss(m["pid"]) for m in members]
    def mm(k):
        v = [x[k] for x in r]
        return {"min": min(v), "median": round(statistics.median(v)), "max": max(v)}
    reg = rss([nd for nd in nodes if nd["name"] == "r"][0]["pid"])
    out({"bench": "fed_memory", "nodes": len(members), "idle_s": idle_s,
                      "vmrss_kb": mm("VmRSS"), "rss_anon_kb": mm("RssAnon"),
                      "rss_file_kb": mm("RssFile"), "authority_node_vmrss_kb": reg["VmRSS"]})

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "catchup":
    asyncio.run(catchup(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]), int(a[5]),
                        int(a[6]), int(a[7])))
elif cmd == "topology":
    topology(int(a[0]), int(a[1]), int(a[2]))
elif cmd == "propagate":
    asyncio.run(propagate(a[0], a[1], int(a[2]), int(a[3]), float(a[4]),
                          (int(a[5]), int(a[6])), a[7], int(a[8]), int(a[9])))
PY

"$top/deploy/tls-bootstrap.sh" "$W/tls" node > /dev/null
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

# ---- 1. catch-up ---------------------------------------------------------------------------------
if [ -z "$ONLY" ] || [ "$ONLY" = catchup ]; then
	gen=$("$build/bench_fed_gen" "$W/c" "$LOGS" "$ENTRIES")
	echo "$gen"
	sync   # the generated store on disk now, not flushed under the measurement
	# shellcheck disable=SC2046
	set -- $(free_ports 4)
	vk=$(cat "$W/c/authority.vkey")
	mkdir -p "$W/fresh"
	conf "$W/source.conf" "$W/c/registry" remacto.ma/registry "$W/c/authority.key" "$1" "$2" "$vk"
	conf "$W/fresh.conf" "$W/fresh" "" "$W/fresh/node.key" "$3" "$4" "$vk" "$1"
	start "$W/source.conf" "$W/source.log"
	spid=$PID
	i=0
	until curl -sf --max-time 2 --cacert "$W/tls/ca.pem" "https://127.0.0.1:$1/healthz" > /dev/null 2>&1; do
		if ! kill -0 "$PID" 2>/dev/null || [ $i -ge 600 ]; then
			echo "bench_fed: the source node did not start:" >&2
			tail -5 "$W/source.log" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	t0=$(date +%s.%N)
	start "$W/fresh.conf" "$W/fresh.log"
	py "$W/catchup.out" catchup "$W/tls/ca.pem" "$1" "$3" "$t0" $((60 + ENTRIES / 5000)) 100 "$spid" "$PID" ||
		{ tail -5 "$W/fresh.log" >&2; exit 1; }
	ours=$(cat "$W/catchup.out")
	echo "$ours"
	# How the entries came: GETs of entry bundles (peer_get) or the session alone.
	curl -sf --max-time 5 --cacert "$W/tls/ca.pem" "https://127.0.0.1:$3/metrics" | grep '^remacto_peer_gets_total' || true
	stop_all
	if [ ! -d "$here/anchor/node_modules/hypercore" ]; then
		(cd "$here/anchor" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
	fi
	anchor=$(node "$here/anchor/replicate.mjs" --blocks "$ANCHOR_BLOCKS")
	echo "$anchor"
	echo "catch-up ratio remacto/hypercore-replicate: $(awk -v a="$(echo "$ours" | field entries_per_s)" -v b="$(echo "$anchor" | field blocks_per_s)" 'BEGIN { printf "%.2f", a / b }')  (goal: >= 200000 entries/s verified and stored)"
	rm -rf "$W/c" "$W/fresh"
fi

# ---- 2. propagation and 3. memory ---------------------------------------------------------------
if [ -z "$ONLY" ] || [ "$ONLY" = propagation ]; then
	if [ "$MEMBERS" -gt "$NODES" ]; then
		"$build/bench_fed_gen" "$W/p" "$MEMBERS" $(((MEMBERS - NODES) * SIM_ENTRIES)) $((NODES + 1)) > /dev/null
	else
		"$build/bench_fed_gen" "$W/p" "$NODES" 0 > /dev/null
	fi
	vk=$(cat "$W/p/authority.vkey")
	$PY "$W/fed.py" topology "$NODES" "$CHORDS" 4 > "$W/topology"
	free_ports $((2 * NODES + 2)) > "$W/ports"
	pub_of() { case "$1" in r) k=0 ;; *) k=${1#m} ;; esac; sed -n "$((2 * k + 1))p" "$W/ports"; }
	adm_of() { case "$1" in r) k=0 ;; *) k=${1#m} ;; esac; sed -n "$((2 * k + 2))p" "$W/ports"; }
	# Who dials whom, then each member's peers counted both ways.
	degrees=$(awk '{ for (i = 2; i <= NF; i++) { d[$1]++; d[$i]++ } } END { min = 1e9; max = 0
		for (n in d) if (n != "r") { if (d[n] < min) min = d[n]; if (d[n] > max) max = d[n] }
		print min, max }' "$W/topology")
	: > "$W/nodes"
	while read -r name dials; do
		if [ "$name" = r ]; then
			data="$W/p/registry" origin=remacto.ma/registry key="$W/p/authority.key"
		else
			data="$W/p/$name" origin=$(awk -v k="${name#m}" '$1 == k { print $2 }' "$W/p/members")
			key="$W/p/keys/$name.key"
			mkdir -p "$data"
		fi
		ports=""
		for d in $dials; do ports="$ports $(pub_of "$d")"; done
		# shellcheck disable=SC2086
		conf "$W/$name.conf" "$data" "$origin" "$key" "$(pub_of "$name")" "$(adm_of "$name")" "$vk" $ports
		echo "$name $origin $(pub_of "$name") $(adm_of "$name") $data" >> "$W/nodes.new"
	done < "$W/topology"
	while read -r name origin pub adm data; do
		start "$W/$name.conf" "$W/$name.log"
		echo "$name $origin $pub $adm $data $PID" >> "$W/nodes"
	done < "$W/nodes.new"
	# shellcheck disable=SC2086
	py "$W/prop.out" propagate "$W/tls/ca.pem" "$W/nodes" "$PUBLISHES" "$POLL_MS" "$IDLE_S" $degrees \
		"$W/p/members" "$MEMBERS" "$SIM_ENTRIES" ||
		{ cat "$W/prop.out"; for n in r m1; do echo "# end of $n's log:" >&2; tail -5 "$W/$n.log" >&2; done; exit 1; }
	cat "$W/prop.out"
	prop=$(grep fed_propagation "$W/prop.out")
	mem=$(grep fed_memory "$W/prop.out")
	echo "propagation: p50 $(echo "$prop" | field p50_s) s, p99 $(echo "$prop" | field p99_s) s over $(echo "$prop" | field publishes) publishes  (goal: p99 <= 1 s)"
	echo "memory of an idle member node: VmRSS max $(echo "$mem" | sed -n 's/.*"vmrss_kb":{[^}]*"max":\([0-9]*\).*/\1/p') kB, RssAnon max $(echo "$mem" | sed -n 's/.*"rss_anon_kb":{[^}]*"max":\([0-9]*\).*/\1/p') kB  (goal: <= 16 MB = 16384 kB each)"
fi

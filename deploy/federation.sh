#!/bin/sh
# federation.sh — a local REMACTO federation on loopback, for demos and tests: the network
# authority's registry node and N member nodes (a region, prefectural councils, communes),
# each with its own key, log, TLS certificate from a local CA and peers after a topology.
#
#   deploy/federation.sh start DIR N [--topology line|ring|star|mesh] [--base-port P]
#                        [--build BUILD] [--seed] [--announce] [--log-level LEVEL] [--plain]
#                        [--observers K] [--governed]
#   deploy/federation.sh stop DIR                 SIGTERM every node, wait for each to exit
#   deploy/federation.sh status DIR               each node's state, logs and sizes (curl)
#   deploy/federation.sh start-node DIR NAME      (re)start one node (NAME: registry, m1…)
#   deploy/federation.sh stop-node DIR NAME       stop one node
#
# start makes DIR (once): tls/ (deploy/tls-bootstrap.sh: CA, one certificate per node),
# registry/ (the authority: `remacto network init`, origin remacto.ma/registry, the national
# indicator catalog) and m1/ … mN/ (each member's key from `remacto keygen`, admitted with
# `remacto member add`), one node.conf per node (TLS public listener, admin listener, [peer]
# url lines after the topology, [peer] ca_file, [authority] verifier_key), then starts every
# remactod in the background (NAME/remactod.pid, NAME/remactod.log) and waits for each
# /healthz. DIR/nodes lists "name origin public-port admin-port", one node a line.
# Run start again on a stopped DIR to resume it as it was (N and options are then ignored).
#
# Topologies (who dials whom; sessions carry data both ways): line registry-m1-m2-…-mN;
# ring the line plus mN-m1; star every node to m1; mesh every pair. --announce also publishes
# each member's address in the registry, and nodes dial announced addresses: a mesh whatever
# the topology. --seed publishes a variation of config/demo/rabat-prefecture.jsonl in every
# member's log through `remacto publish`. Ports are free ones unless --base-port P (registry
# P, P+1; member K P+2K, P+2K+1). Everything listens on 127.0.0.1 only, and every wait is
# bounded. --plain serves HTTP and peers over ws:// (loopback only) instead of TLS: for the
# `make run` demo, so that a browser opens the dashboards without a certificate warning.
# --observers K also admits K civil-society observers (o1 … oK, `remacto member add --kind
# observer`), each running a node with a log of its own that dials m1 (every node before it in a
# mesh). With --seed and an observer, the demo's story is published too: a target of the second
# member (rabat-prefecture) changed without an amendment and another declared by one
# (config/demo/story-member.jsonl), then o1's report on a consultation and its assessments of
# two of that member's commitments, one agreeing with the council's reported progress, one
# disputing it (config/demo/observer.jsonl, naming the entries they assess), then the member's
# access-to-information and petition indicators (config/demo/access-member.jsonl).
# --governed makes the registry governed 2 of 3 (docs/PROTOCOL.md §8) before anything else is
# appended to it: the authority's key and two more, arm and civil, in DIR/governance/ (in a
# real network each on its own holder's machine); every later registry change is prepared
# with --propose, approved by arm (`remacto network sign`) and submitted with the authority's
# own approval; DIR/governance/registry.policy is every node's [authority] policy.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
REGISTRY_ORIGIN=remacto.ma/registry
HEALTH_WAIT_S=20
STOP_WAIT_S=20
PUBLISH_WAIT_S=30

die() { echo "federation: $*" >&2; exit 1; }
usage() {
	sed -n '6,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
abspath() { (cd "$1" && pwd); }

# ---- the members a federation admits, in order --------------------------------------------
# slug|kind|hcp|region|name fr|name ar|population|short fr|short ar|id prefix
# Regions take their names and 2014 census population from config/regions.csv.
MEMBERS='region-rabat-sale-kenitra|region|04|04||||Rabat-Salé-Kénitra|الرباط سلا القنيطرة|RSK
rabat-prefecture|prefecture|421|04|Préfecture de Rabat|عمالة الرباط|577827|Rabat|الرباط|RBT
commune-temara|commune|5410101|04|Commune de Témara|جماعة تمارة|313510|Témara|تمارة|TMR
commune-sale|commune|4410101|04|Commune de Salé|جماعة سلا|890403|Salé|سلا|SLE
commune-kenitra|commune|2810101|04|Commune de Kénitra|جماعة القنيطرة|431282|Kénitra|القنيطرة|KNT
prefecture-skhirate-temara|prefecture|541|04|Préfecture de Skhirate-Témara|عمالة الصخيرات تمارة|574543|Skhirate-Témara|الصخيرات تمارة|SKT
region-casablanca-settat|region|06|06||||Casablanca-Settat|الدار البيضاء سطات|CAS
commune-mohammedia|commune|1510101|06|Commune de Mohammedia|جماعة المحمدية|208612|Mohammedia|المحمدية|MOH
region-tanger-tetouan-al-hoceima|region|01|01||||Tanger-Tétouan-Al Hoceïma|طنجة تطوان الحسيمة|TTA
commune-chefchaouen|commune|0910101|01|Commune de Chefchaouen|جماعة شفشاون|42786|Chefchaouen|شفشاون|CHF
province-tiznit|province|671|09|Province de Tiznit|إقليم تيزنيت|207367|Tiznit|تيزنيت|TZN
commune-agadir|commune|0011001|09|Commune d Agadir|جماعة أكادير|421844|Agadir|أكادير|AGA'
MAX_NODES=32

# Observers: slug|category|name fr|name ar|region|contact URL
OBSERVERS='association-tafra|association|Association Tafra pour la transparence|جمعية طفرة للشفافية|04|https://tafra.example.ma/contact
comite-consultatif-rabat|committee|Comité consultatif « Rabat ouverte »|اللجنة الاستشارية «الرباط المنفتحة»|04|https://rabat.example.ma/comite
observatoire-universitaire|university|Observatoire universitaire de la gouvernance locale|المرصد الجامعي للحكامة المحلية|04|https://univ.example.ma/observatoire'

observer_line() {   # J (1-based)
	n=$(printf '%s\n' "$OBSERVERS" | wc -l)
	if [ "$1" -le "$n" ]; then
		printf '%s\n' "$OBSERVERS" | sed -n "${1}p"
	else
		printf 'observateur-%d|association|Observateur %d|مراقب %d|04|https://example.ma/observateur-%d\n' \
			"$1" "$1" "$1" "$1"
	fi
}

member_line() {   # K (1-based): the K-th member's table line, synthetic past the table
	n=$(printf '%s\n' "$MEMBERS" | wc -l)
	if [ "$1" -le "$n" ]; then
		printf '%s\n' "$MEMBERS" | sed -n "${1}p"
	else
		printf 'commune-demo-%d|commune|99%05d|04|Commune de démonstration %d|جماعة تجريبية %d|10000|Démo %d|تجريبية %d|D%02d\n' \
			"$1" "$1" "$1" "$1" "$1" "$1" "$1"
	fi
}

# The regions' names and census populations: the project's own table, nothing outside it.
REGIONS_CSV="$top/config/regions.csv"

# ---- helpers over DIR ------------------------------------------------------------------------

load() {   # DIR: sets D, BUILD, CA from what start recorded
	D=$(abspath "$1") || die "no federation in $1"
	[ -r "$D/nodes" ] || die "no federation in $D (no $D/nodes): run start first"
	BUILD=$(cat "$D/build")
	CA="$D/tls/ca.pem"
	scheme_of_dir
}
scheme_of_dir() {   # sets SCHEME and WS from how DIR was made
	if [ -e "$D/plain" ]; then SCHEME=http WS=ws; else SCHEME=https WS=wss; fi
}
field() {   # NAME FIELD#: a column of DIR/nodes
	awk -v n="$1" -v f="$2" '$1 == n { print $f; found = 1 } END { exit !found }' "$D/nodes"
}
names() { awk '{ print $1 }' "$D/nodes"; }
pid_of() { [ -r "$D/$1/remactod.pid" ] && cat "$D/$1/remactod.pid"; }
alive() { p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
get() {   # NAME PATH [CURL-OPTION]: GET on the node's public listener (fails on an HTTP error)
	if [ "$SCHEME" = http ]; then
		curl -s "${3:--f}" --max-time 5 "http://127.0.0.1:$(field "$1" 3)$2"
	else
		curl -s "${3:--f}" --max-time 5 --cacert "$CA" "https://127.0.0.1:$(field "$1" 3)$2"
	fi
}
# NAME: the node is up: /healthz says ok, or degraded (503: it runs, but its commits fail or the
# network authority suspended its member, so it does not publish).
up() { get "$1" /healthz -S | grep -q '"status":"\(ok\|degraded\)"'; }

# COUNT: that many distinct ports nobody listens on right now, one a line. Drawn below the
# kernel's ephemeral range (ip_local_port_range), not from it (bind to port 0): a port the
# kernel hands out as free is also the next source port of some outgoing connection, and the
# nodes bind theirs seconds later, so on a busy machine another program's connection took one
# now and then ("port … is taken by another program").
free_ports() {
	/usr/bin/python3 -c 'import random, socket, sys
n = int(sys.argv[1])
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
low = max(low, 12000)
got, socks = [], []
for p in random.sample(range(10000, low), min(low - 10000, 40 * n)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    socks.append(s)
    got.append(p)
    if len(got) == n:
        break
if len(got) < n:
    sys.exit("federation: not %d free ports below %d" % (n, low))
print("\n".join(map(str, got)))' "$1"
}
port_free() {
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

start_one() {   # NAME: starts the node in the background, waits for /healthz
	name=$1
	alive "$name" && { echo "federation: $name already runs (pid $(pid_of "$name"))"; return 0; }
	port=$(field "$name" 3)
	port_free "$port" || die "$name: port $port is taken by another program"
	"$BUILD/remactod" --config "$D/$name/node.conf" >> "$D/$name/remactod.log" 2>&1 < /dev/null &
	echo $! > "$D/$name/remactod.pid"
}
wait_healthy() {   # NAME
	i=0
	while [ $i -lt $((HEALTH_WAIT_S * 10)) ]; do
		up "$1" 2> /dev/null && return 0
		if ! alive "$1"; then
			echo "federation: $1 exited at start; the end of $D/$1/remactod.log:" >&2
			tail -n 8 "$D/$1/remactod.log" >&2
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "federation: $1 did not answer $SCHEME://127.0.0.1:$(field "$1" 3)/healthz in ${HEALTH_WAIT_S} s" >&2
	return 1
}

stop_some() {   # NAME...: SIGTERM all, then wait for each (bounded), SIGKILL what is left
	for n in "$@"; do
		if alive "$n"; then kill -TERM "$(pid_of "$n")" 2>/dev/null || true; fi
	done
	rc=0
	for n in "$@"; do
		p=$(pid_of "$n") || continue
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt $((STOP_WAIT_S * 10)) ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			echo "federation: $n (pid $p) still runs ${STOP_WAIT_S} s after SIGTERM: SIGKILL" >&2
			kill -KILL "$p" 2>/dev/null || true
			rc=1
		fi
		rm -f "$D/$n/remactod.pid"
	done
	return $rc
}

# ---- start -----------------------------------------------------------------------------------

write_conf() {   # NAME ORIGIN PUB ADMIN PEER-NAMES...
	name=$1 origin=$2 pub=$3 adm=$4
	shift 4
	conf="$D/$name/node.conf"
	{
		echo "# $name: written by deploy/federation.sh"
		echo "[node]"
		echo "data = $D/$name/data"
		echo "origin = $origin"
		echo "key = $D/$name/data/$([ "$name" = registry ] && echo authority.key || echo node.key)"
		echo "network = remacto"
		echo "checkpoint_interval_ms = 5"
		echo "[public]"
		echo "listen = 127.0.0.1:$pub"
		if [ "$SCHEME" = https ]; then
			echo "tls_cert = $D/tls/$name.crt"
			echo "tls_key = $D/tls/$name.key"
		fi
		echo "[admin]"
		echo "listen = 127.0.0.1:$adm"
		echo "[log]"
		echo "level = $LOG_LEVEL"
		echo "[authority]"
		echo "verifier_key = $(cat "$D/authority.vkey")"
		[ ! -r "$D/governance/registry.policy" ] || echo "policy = $D/governance/registry.policy"
		echo "[peer]"
		for peer in "$@"; do
			echo "url = $WS://127.0.0.1:$(field "$peer" 3)/peer"
		done
		[ "$SCHEME" = http ] || echo "ca_file = $D/tls/ca.pem"
	} > "$conf"
	awk 'length($0) > 198 { print FILENAME ":" NR ": line longer than 198 characters: use a shorter DIR"; bad = 1 } END { exit bad }' "$conf" >&2 ||
		exit 1
	"$BUILD/remactod" -n --config "$conf" > /dev/null || die "$conf: remactod -n refuses it"
}

# Who NAME dials after the topology (members m1…mN, the registry attached to m1).
dials() {
	name=$1 n=$2
	case "$name" in registry) k=0 ;; m*) k=${name#m} ;; o*)
		# An observer dials m1 (the registry without members), every node before it in a mesh.
		if [ "$TOPOLOGY" = mesh ]; then
			awk -v me="$name" '$1 == me { exit } { print $1 }' "$D/nodes"
		elif [ "$n" -ge 1 ]; then echo m1; else echo registry; fi
		return 0 ;;
	esac
	case "$TOPOLOGY" in
	line | ring)
		if [ "$k" -eq 1 ]; then echo registry; elif [ "$k" -gt 1 ]; then echo "m$((k - 1))"; fi
		[ "$TOPOLOGY" = ring ] && [ "$k" -eq "$n" ] && [ "$n" -ge 3 ] && echo m1
		;;
	star)
		[ "$k" -ne 1 ] && echo m1 ;;
	mesh)
		j=0
		while [ $j -lt "$k" ]; do
			[ $j -eq 0 ] && echo registry || echo "m$j"
			j=$((j + 1))
		done
		;;
	esac
	return 0
}

seed_member() {   # NAME K: publishes the member's variation of the demo programme
	demo_file "$2" "$top/config/demo/rabat-prefecture.jsonl" "$D/$1/seed.jsonl" "$(field "m$2" 2)"
	publish_file "$1" "$D/$1/seed.jsonl"
}

# demo_file K SRC OUT ORIGIN: SRC (written for the Rabat prefecture) made member K's, into OUT;
# @MEMBER@ becomes ORIGIN.
demo_file() {
	/usr/bin/python3 - "$2" "$(member_line "$1")" "$1" "$4" > "$3" <<'PY'
import json, sys, unicodedata
src, line, k, origin = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
f = line.split("|")
short_fr, short_ar, prefix = f[7], f[8], f[9]
up = "".join(c for c in unicodedata.normalize("NFD", short_fr)
             if not unicodedata.combining(c)).upper().replace(" ", "-")
full_fr = f[4][0].lower() + f[4][1:] if f[4] else "région " + short_fr
full_ar = f[5] or "جهة " + short_ar
def tr(v):
    if isinstance(v, str):
        return (v.replace("@MEMBER@", origin)
                .replace("OPEN-RABAT", "OPEN-" + up).replace("RBT-", prefix + "-")
                .replace("préfecture de Rabat", full_fr).replace("Rabat", short_fr)
                .replace("لعمالة الرباط", "ل" + full_ar).replace("الرباط", short_ar))
    if isinstance(v, list):
        return [tr(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for key, x in v.items():
            x = tr(x)
            if key == "participants":
                x = x + 7 * k
            out[key] = x
        return out
    return v
for l in open(src, encoding="utf-8"):
    if l.strip():
        print(json.dumps(tr(json.loads(l)), ensure_ascii=False))
PY
}

publish_file() {   # NAME FILE: remacto publish, retried while the node is not ready yet
	name=$1
	i=0
	while :; do
		if out=$("$BUILD/remacto" publish --config "$D/$name/node.conf" "$2" 2>&1); then
			echo "federation: $name published $(wc -l < "$2") demo entries"
			return 0
		else
			rc=$?
		fi
		# 1: the node is not ready to publish yet (503 while it first hears from its peers).
		[ $rc -eq 1 ] && [ $i -lt $((PUBLISH_WAIT_S * 5)) ] || die "$name: remacto publish: $out"
		sleep 0.2
		i=$((i + 1))
	done
}

# The demo's story (--seed with observers): member K's target changes, then o1's report and
# assessments of two of its commitments, each naming the entry it assesses (@STATUS:<id>@: the
# latest status update of that commitment, as o1's own node holds it once replicated).
seed_story() {
	k=$1 member="m$1"
	origin=$(field "$member" 2)
	slug=${origin##*/}
	demo_file "$k" "$top/config/demo/story-member.jsonl" "$D/$member/story.jsonl" "$origin"
	publish_file "$member" "$D/$member/story.jsonl"
	want=$(get "$member" "/api/v1/logs/$slug" | sed -n 's/.*"size":\([0-9]*\).*/\1/p')
	i=0
	until [ "$(get o1 "/api/v1/logs/$slug" 2> /dev/null | sed -n 's/.*"size":\([0-9]*\).*/\1/p')" = "$want" ]; do
		[ $i -lt $((PUBLISH_WAIT_S * 5)) ] || die "o1 did not replicate $origin's $want entries in ${PUBLISH_WAIT_S} s"
		sleep 0.2
		i=$((i + 1))
	done
	demo_file "$k" "$top/config/demo/observer.jsonl" "$D/o1/story.tmpl" "$origin"
	cp "$D/o1/story.tmpl" "$D/o1/story.jsonl"
	for id in $(grep -o '@STATUS:[^@]*@' "$D/o1/story.tmpl" | sed 's/@STATUS:\(.*\)@/\1/' | sort -u); do
		ix=$(get o1 "/api/v1/commitments/$slug/$id" | sed -n 's/.*"statusIndex":\([0-9]*\).*/\1/p')
		[ -n "$ix" ] || die "o1 holds no status update of $slug's commitment $id"
		sed -i "s/@STATUS:$id@/$ix/g" "$D/o1/story.jsonl"
	done
	publish_file o1 "$D/o1/story.jsonl"
	# Then the member's access-to-information and petition figures (config/demo/access-member.jsonl).
	demo_file "$k" "$top/config/demo/access-member.jsonl" "$D/$member/access.jsonl" "$origin"
	publish_file "$member" "$D/$member/access.jsonl"
}

# reg COMMAND [OPTIONS]: one change to the registry of D. Governed: prepared, approved by arm,
# submitted with the authority's approval (2 of 3), as holders on three machines would.
reg() {
	if [ -r "$D/governance/arm.key" ]; then
		"$R" "$@" --data "$D/registry/data" --propose "$D/governance/change.prop" 2> /dev/null &&
			"$R" network sign --file "$D/governance/change.prop" --key "$D/governance/arm.key" \
				--label arm > /dev/null 2>&1 &&
			"$R" network submit --data "$D/registry/data" --file "$D/governance/change.prop" &&
			rm -f "$D/governance/change.prop"
	else
		"$R" "$@" --data "$D/registry/data"
	fi
}

cmd_start() {
	[ $# -ge 1 ] || usage
	dir=$1
	shift
	n="" TOPOLOGY=line BASE="" SEED=no ANNOUNCE=no PLAIN=no GOVERNED=no LOG_LEVEL=info NOBS=0
	BUILD="$top/build"
	if [ $# -ge 1 ] && [ "${1#-}" = "$1" ]; then n=$1; shift; fi
	while [ $# -gt 0 ]; do
		case "$1" in
		--topology) TOPOLOGY=${2:?}; shift 2 ;;
		--base-port) BASE=${2:?}; shift 2 ;;
		--build) BUILD=${2:?}; shift 2 ;;
		--seed) SEED=yes; shift ;;
		--announce) ANNOUNCE=yes; shift ;;
		--plain) PLAIN=yes; shift ;;
		--governed) GOVERNED=yes; shift ;;
		--log-level) LOG_LEVEL=${2:?}; shift 2 ;;
		--observers) NOBS=${2:?}; shift 2 ;;
		*) usage ;;
		esac
	done
	if [ -r "$dir/nodes" ]; then
		load "$dir"
		echo "federation: resuming $D"
		for name in $(names); do start_one "$name"; done
		for name in $(names); do wait_healthy "$name" || exit 1; done
		return 0
	fi
	[ -n "$n" ] || usage
	case "$n" in '' | *[!0-9]*) usage ;; esac
	[ "$n" -ge 1 ] && [ "$n" -lt $MAX_NODES ] || die "N must be 1 to $((MAX_NODES - 1))"
	case "$TOPOLOGY" in line | ring | star | mesh) ;; *) die "unknown topology $TOPOLOGY" ;; esac
	case "$BASE" in '' ) ;; *[!0-9]*) die "bad --base-port $BASE" ;; esac
	case "$NOBS" in *[!0-9]*) die "bad --observers $NOBS" ;; esac
	[ $((n + NOBS)) -lt $MAX_NODES ] || die "N + K must be below $MAX_NODES"
	[ -z "$BASE" ] || [ $((BASE + 2 * (n + NOBS) + 1)) -le 65535 ] || die "--base-port $BASE: too high"
	BUILD=$(abspath "$BUILD") || die "no build folder"
	[ -x "$BUILD/remactod" ] && [ -x "$BUILD/remacto" ] || die "no remactod/remacto in $BUILD: run make"
	[ ! -e "$dir/registry" ] ||
		die "$dir holds an unfinished federation (no $dir/nodes): remove it or use another DIR"
	mkdir -p "$dir"
	D=$(abspath "$dir")
	CA="$D/tls/ca.pem"
	echo "$BUILD" > "$D/build"
	[ "$PLAIN" = no ] || : > "$D/plain"
	scheme_of_dir
	R="$BUILD/remacto"

	# Ports and the node list.
	: > "$D/nodes.new"
	[ -n "$BASE" ] || free_ports $((2 * (n + NOBS) + 2)) > "$D/ports"
	k=0
	while [ $k -le $((n + NOBS)) ]; do
		if [ $k -eq 0 ]; then name=registry origin=$REGISTRY_ORIGIN
		elif [ $k -le "$n" ]; then name=m$k origin=remacto.ma/$(member_line $k | cut -d'|' -f1)
		else name=o$((k - n)) origin=remacto.ma/$(observer_line $((k - n)) | cut -d'|' -f1); fi
		if [ -n "$BASE" ]; then pub=$((BASE + 2 * k)) adm=$((BASE + 2 * k + 1))
		else pub=$(sed -n "$((2 * k + 1))p" "$D/ports") adm=$(sed -n "$((2 * k + 2))p" "$D/ports")
		fi
		echo "$name $origin $pub $adm" >> "$D/nodes.new"
		k=$((k + 1))
	done
	# shellcheck disable=SC2046
	[ "$SCHEME" = http ] ||
		"$top/deploy/tls-bootstrap.sh" "$D/tls" $(awk '{ print $1 }' "$D/nodes.new") > /dev/null

	# The authority: registry log, catalog.
	mkdir -p "$D/registry/data"
	"$R" network init --data "$D/registry/data" --key "$D/registry/data/authority.key" \
		> "$D/authority.vkey" 2> "$D/registry/init.log" || { cat "$D/registry/init.log" >&2; exit 1; }
	if [ "$GOVERNED" = yes ]; then
		mkdir -p "$D/governance"
		arm=$("$R" keygen --origin "$REGISTRY_ORIGIN" --out "$D/governance/arm.key") &&
			civil=$("$R" keygen --origin "$REGISTRY_ORIGIN" --out "$D/governance/civil.key") &&
			"$R" network govern --data "$D/registry/data" --add "arm=$arm" --add "civil=$civil" \
				--quorum 2 > /dev/null 2>> "$D/registry/init.log" ||
			die "the registry's governance was refused (see $D/registry/init.log)"
	fi
	if [ -r "$top/config/indicator-catalog.csv" ]; then
		reg catalog add --file "$top/config/indicator-catalog.csv" \
			> /dev/null 2>> "$D/registry/init.log" ||
			echo "federation: the catalog was not added (see $D/registry/init.log)" >&2
	fi

	# The members: key, admission.
	csv=$REGIONS_CSV
	[ -r "$csv" ] || die "$csv is missing: it names the regions (restore it from the repository)"
	k=1
	while [ $k -le "$n" ]; do
		IFS='|' read -r slug kind hcp region fr ar pop _ <<EOF
$(member_line $k)
EOF
		if [ "$kind" = region ]; then
			row=$(awk -F, -v c="$hcp" '$2 == c' "$csv")
			[ -n "$row" ] || die "$csv has no region with HCP code $hcp"
			fr="Région $(echo "$row" | cut -d, -f3)"
			ar="جهة $(echo "$row" | cut -d, -f4)"
			pop=$(echo "$row" | cut -d, -f5)
		fi
		mkdir -p "$D/m$k/data"
		vk=$("$R" keygen --origin "remacto.ma/$slug" --out "$D/m$k/data/node.key") ||
			die "keygen of m$k failed"
		reg member add --origin "remacto.ma/$slug" \
			--verifier-key "$vk" --hcp "$hcp" --kind "$kind" --name-fr "$fr" \
			--name-ar "$ar" --region "$region" --population "$pop" --census-year 2014 \
			> /dev/null || die "member add of remacto.ma/$slug refused"
		k=$((k + 1))
	done
	# The observers: key, admission as civil society (no HCP code).
	j=1
	while [ $j -le "$NOBS" ]; do
		IFS='|' read -r slug cat fr ar region url <<EOF
$(observer_line $j)
EOF
		mkdir -p "$D/o$j/data"
		vk=$("$R" keygen --origin "remacto.ma/$slug" --out "$D/o$j/data/node.key") ||
			die "keygen of o$j failed"
		reg member add --origin "remacto.ma/$slug" \
			--verifier-key "$vk" --kind observer --category "$cat" --name-fr "$fr" \
			--name-ar "$ar" --region "$region" --contact-url "$url" > /dev/null ||
			die "member add of observer remacto.ma/$slug refused"
		j=$((j + 1))
	done
	mv "$D/nodes.new" "$D/nodes"
	if [ "$ANNOUNCE" = yes ]; then
		for name in $(names); do
			[ "$name" = registry ] && continue
			reg member announce --origin "$(field "$name" 2)" \
				--url "$WS://127.0.0.1:$(field "$name" 3)/peer" > /dev/null ||
				die "member announce of $name refused"
		done
	fi

	[ "$GOVERNED" = no ] ||
		"$R" network governance --data "$D/registry/data" > "$D/governance/registry.policy"

	# Configurations, then the nodes.
	for name in $(names); do
		# shellcheck disable=SC2046
		write_conf "$name" "$(field "$name" 2)" "$(field "$name" 3)" "$(field "$name" 4)" \
			$(dials "$name" "$n")
	done
	for name in $(names); do start_one "$name"; done
	for name in $(names); do
		# shellcheck disable=SC2046
		wait_healthy "$name" || { stop_some $(names); exit 1; }
	done
	echo "federation: $((n + NOBS + 1)) nodes up in $D ($TOPOLOGY); CA $CA"
	if [ "$SEED" = yes ]; then
		k=1
		while [ $k -le "$n" ]; do seed_member "m$k" $k; k=$((k + 1)); done
		if [ "$NOBS" -ge 1 ]; then
			if [ "$n" -ge 2 ]; then seed_story 2; else seed_story 1; fi
		fi
	fi
	awk -v s="$SCHEME" '{ printf "  %-9s %-40s %s://127.0.0.1:%s/  admin 127.0.0.1:%s\n", $1, $2, s, $3, $4 }' "$D/nodes"
}

cmd_status() {
	[ $# -eq 1 ] || usage
	load "$1"
	for name in $(names); do
		origin=$(field "$name" 2)
		if alive "$name"; then state="running (pid $(pid_of "$name"))"; else state=stopped; fi
		echo "$name  $origin  $SCHEME://127.0.0.1:$(field "$name" 3)  $state"
		alive "$name" || continue
		get "$name" /api/v1/logs | /usr/bin/python3 -c '
import json, sys
for l in json.load(sys.stdin)["logs"]:
    print("    %-42s %6d  %s  %s" % (l["origin"], l["size"], l["root"][:12], "own" if l.get("own") else "replica"))
' 2>/dev/null || echo "    (no answer from /api/v1/logs)"
		ev=$(get "$name" /api/v1/evidence | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)["evidence"]))' 2>/dev/null) || ev="?"
		pe=$(get "$name" /api/v1/peers | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("peers", d) if isinstance(d, dict) else d
print(", ".join("%s %s" % (p.get("origin") or p.get("url"), p.get("state")) for p in d))' 2>/dev/null) || pe="?"
		echo "    evidence: $ev   peers: $pe"
	done
}

cmd=${1:-}
[ $# -ge 1 ] && shift
case "$cmd" in
start) cmd_start "$@" ;;
stop)
	[ $# -eq 1 ] || usage
	load "$1"
	# shellcheck disable=SC2046
	stop_some $(names)
	;;
status) cmd_status "$@" ;;
start-node)
	[ $# -eq 2 ] || usage
	load "$1"
	field "$2" 1 > /dev/null || die "no node $2 in $D"
	start_one "$2"
	wait_healthy "$2"
	;;
stop-node)
	[ $# -eq 2 ] || usage
	load "$1"
	field "$2" 1 > /dev/null || die "no node $2 in $D"
	stop_some "$2"
	;;
*) usage ;;
esac

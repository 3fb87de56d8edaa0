# Shared by the integration scenarios: assertions that print "ok"/"not ok" lines, a scratch
# folder removed at exit, and the independent Go verifier built on demand.
set -u
: "${BUILD:?run through tests/run-integration.sh}"
REMACTO="$BUILD/remacto"
TESTS=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/remacto-test.XXXXXX")
FAILS=0
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { d=$1; shift; if "$@" >>"$T/check.log" 2>&1; then ok "$d"; else notok "$d"; fi; }
# check_fails DESCRIPTION COMMAND...: ok when the command fails.
check_fails() { d=$1; shift; if "$@" >>"$T/check.log" 2>&1; then notok "$d"; else ok "$d"; fi; }
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (expected '$2', got '$3')"; fi
}
finish() { [ "$FAILS" -eq 0 ]; exit $?; }

# goverify: Go's own sumdb/note and sumdb/tlog, offline from Debian's golang-golang-x-mod-dev.
goverify() {
	if [ ! -x "$BUILD/tests/goverify" ] ||
		[ "$TESTS/integration/goverify/main.go" -nt "$BUILD/tests/goverify" ]; then
		mkdir -p "$BUILD/tests"
		(cd "$TESTS/integration" && GO111MODULE=off GOPATH=/usr/share/gocode \
			GOCACHE="$BUILD/tests/gocache" GOFLAGS= go build -o "$BUILD/tests/goverify" \
			./goverify) || return 1
	fi
	"$BUILD/tests/goverify" "$@"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_conf FILE DATA ORIGIN PUBLIC_PORT ADMIN_PORT: a node config for the tests.
write_conf() {
	cat > "$1" <<CONF
[node]
data = $2
origin = $3
[public]
listen = 127.0.0.1:$4
[admin]
listen = 127.0.0.1:$5
[log]
level = info
CONF
}

# start_node CONF PORT [LOG]: starts remactod in the background ($NODE_PID) and waits until
# /healthz answers (a bounded readiness poll, not a guess).
start_node() {
	"$BUILD/remactod" --config "$1" >> "${3:-$T/remactod.log}" 2>&1 &
	NODE_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		curl -sf "http://127.0.0.1:$2/healthz" > /dev/null 2>&1 && return 0
		kill -0 $NODE_PID 2>/dev/null || { echo "remactod exited at start:"; tail -5 "${3:-$T/remactod.log}"; return 1; }
		sleep 0.05
		i=$((i + 1))
	done
	echo "remactod did not become ready on port $2"
	return 1
}

# stop_node: SIGTERM and wait for the exit status.
stop_node() {
	[ -n "${NODE_PID:-}" ] || return 0
	kill -TERM "$NODE_PID" 2>/dev/null
	wait "$NODE_PID"
	rc=$?
	NODE_PID=
	return $rc
}
trap 'stop_node >/dev/null 2>&1; cleanup' EXIT

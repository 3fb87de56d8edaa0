# Shared by the integration scenarios: assertions that print "ok"/"not ok" lines, a scratch
# folder removed at exit, and the independent Go verifier built on demand.
set -u
: "${BUILD:?run through tests/run-integration.sh}"
REMACTO="$BUILD/remacto"
TESTS=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/remacto-test.XXXXXX")
FAILS=0
# fd 3: the scenario's own stderr, for diagnostics written from inside check (which sends the
# command's output to $T/check.log, removed at exit).
exec 3>&2
# ubsan_reports: UBSan's reports from a build with ASan too (GCC 12) ignore log_path and go to
# the process's stderr, which scenarios send to a log under T (a node's remactod.log,
# check.log): each log holding one is copied to UBSAN_OPTIONS' log_path (tests/run-integration.sh
# sets it) before T goes, so that the runner counts it as it counts ASan's.
ubsan_reports() {
	lp=$(printf '%s\n' "${UBSAN_OPTIONS:-}" | tr ':' '\n' | sed -n 's/^log_path=//p' | tail -n 1)
	[ -n "$lp" ] && [ -d "$(dirname "$lp")" ] || return 0
	find "$T" -name '*.log' -type f -exec grep -lI 'runtime error:' {} + 2>/dev/null |
		while read -r f; do
			grep -A 40 'runtime error:' "$f" > "$lp.$(basename "$0" .sh)$(echo "${f#"$T"}" | tr / .)"
		done
}
cleanup() {
	ubsan_reports
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
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

# running PID: the process exists and has not exited (a zombie not yet waited for has).
running() {
	_st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) && [ -n "$_st" ] && [ "$_st" != Z ]
}

# stacks PID: every thread's stack of a running process, with gdb when it is installed.
stacks() {
	if command -v gdb > /dev/null; then
		gdb -p "$1" -batch -ex 'thread apply all bt' 2>&1
	else
		echo "(no gdb installed: no stacks)"
	fi
}

# node_hung PORT: when the node start_node started runs but gives no HTTP answer on PORT within
# 5 s, says so on fd 3 with its stacks (taken before its watchdog aborts it). Diagnostics only.
node_hung() {
	[ -n "${NODE_PID:-}" ] && running "$NODE_PID" || return 0
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/healthz")" = 000 ] ||
		return 0
	{
		echo "# remactod (pid $NODE_PID) runs but does not answer HTTP on port $1: its stacks"
		stacks "$NODE_PID" | sed 's/^/#   /'
	} >&3
}

# stop_node: SIGTERM and wait for the exit status, at most STOP_WAIT_S seconds (20). A node still
# running then is said to (on fd 3, the scenario's stderr, even from inside check), its threads'
# stacks dumped, and it is killed with SIGKILL, so that nothing outlives the test: fails then.
stop_node() {
	[ -n "${NODE_PID:-}" ] || return 0
	_pid=$NODE_PID
	NODE_PID=
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while running "$_pid" && [ $_i -lt $((${STOP_WAIT_S:-20} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if running "$_pid"; then
		{
			echo "# remactod (pid $_pid) still runs ${STOP_WAIT_S:-20} s after SIGTERM: its stacks, then SIGKILL"
			stacks "$_pid" | sed 's/^/#   /'
		} >&3
		kill -KILL "$_pid" 2>/dev/null
		wait "$_pid"
		return 1
	fi
	wait "$_pid"
}
trap 'stop_node >/dev/null 2>&1; cleanup' EXIT

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
	if [ ! -x "$BUILD/tests/goverify" ]; then
		mkdir -p "$BUILD/tests"
		(cd "$TESTS/integration" && GO111MODULE=off GOPATH=/usr/share/gocode \
			GOCACHE="$BUILD/tests/gocache" GOFLAGS= go build -o "$BUILD/tests/goverify" \
			./goverify) || return 1
	fi
	"$BUILD/tests/goverify" "$@"
}

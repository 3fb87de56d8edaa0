#!/bin/sh
# Runs every tests/integration/*.sh scenario (or the ones named after BUILD) against the binaries
# in BUILD. Each scenario prints "ok - ..." / "not ok - ..." lines (tests/integration/lib.sh);
# this adds them up into one machine-readable line: "integration: N passed, N failed".
# Usage: tests/run-integration.sh [BUILD [SCENARIO...]]
set -u
build=$(cd "${1:-build}" && pwd)
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
export BUILD="$build"
passed=0 failed=0
scenarios=""
for s in "$@"; do
	[ -f "$here/integration/$s.sh" ] || { echo "not ok - no scenario $s"; exit 1; }
	scenarios="$scenarios $here/integration/$s.sh"
done
for t in ${scenarios:-"$here"/integration/*.sh}; do
	case "$t" in */lib.sh) continue ;; esac
	name=$(basename "$t" .sh)
	log="$build/tests/$name.log"
	mkdir -p "$build/tests"
	echo "== $name"
	sh "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|not ok) ' "$log"
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		tail -n 15 "$log"
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	[ "$f" -gt 0 ] && echo "   (full log: $log)"
	passed=$((passed + p)); failed=$((failed + f))
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# make tsan: unit tests and the integration scenarios that run threads, against binaries built
# with -fsanitize=thread (BUILD). Every race ThreadSanitizer reports, in any process a
# scenario starts (remactod, remacto, the unit tests), is written under BUILD/tsan-reports and
# fails the run, even when the scenario itself passed. Prints "tsan: ..." as its last line.
# Usage: tests/run-tsan.sh BUILD "UNIT..." SCENARIO...
#   UNIT: a unit test as BUILD/tests/ names it (store/test_writer); SCENARIO: as in
#   tests/integration/ (daemon_api)
set -u
usage='usage: run-tsan.sh BUILD "UNIT..." SCENARIO...'
build=$(cd "${1:?$usage}" && pwd)
units=${2:?$usage}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
reports="$build/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="log_path=$reports/race second_deadlock_stack=1"
status=0
bins=""
for u in $units; do
	[ -x "$build/tests/$u" ] || { echo "not ok - no unit test $build/tests/$u"; exit 1; }
	bins="$bins $build/tests/$u"
done
# shellcheck disable=SC2086 # one word per binary
"$here/run-unit.sh" $bins || status=1
"$here/run-integration.sh" "$build" "$@" || status=1
races=$(find "$reports" -type f | wc -l)
if [ "$races" -gt 0 ]; then
	for f in "$reports"/*; do
		echo "---- $f"
		sed -n '1,60p' "$f"
	done
	status=1
fi
echo "tsan: $races race report(s)"
exit $status

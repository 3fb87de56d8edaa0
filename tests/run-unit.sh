#!/bin/sh
# Runs cmocka unit test binaries and prints one machine-readable total:
# "unit: N passed, N failed". Exits non-zero when any test failed or a binary crashed.
# A skipped test (cmocka's skip(), e.g. a missing tool or file) counts as failed: CI must not
# pass on tests that did not run.
set -u
passed=0 failed=0 crashed=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[ *(PASSED|FAILED|SKIPPED|  ERROR) *\]|^\[  FAILED  \] |FAIL|ERROR' | sed "s|^|$(basename "$t"): |"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ "${s:-0}" -gt 0 ]; then
		echo "$(basename "$t"): ${s} test(s) skipped: a skipped test counts as failed"
		f=$((${f:-0} + s))
	fi
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		printf '%s\n' "$out" | tail -20
		echo "$(basename "$t"): exited with status $rc"
		crashed=$((crashed + 1)); failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

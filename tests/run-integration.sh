#!/bin/sh
# Runs every tests/integration/*.sh scenario (or the ones named after BUILD) against the binaries
# in BUILD. Each scenario prints "ok - ..." / "not ok - ..." lines (tests/integration/lib.sh);
# this adds them up into one machine-readable line: "integration: N passed, N failed".
# Usage: tests/run-integration.sh [BUILD [SCENARIO...]]
#        tests/run-integration.sh BUILD --except "SCENARIO..."   every scenario but those.
#
# A skipped test is a failed test: a line marked "# SKIP" (TAP), a scenario that ran no test at
# all, or one that exits non-zero without saying why all count as failures.
# With a sanitizer build (BUILD made with -fsanitize=address,undefined), every report
# AddressSanitizer, LeakSanitizer or UBSan writes, from a node or the CLI, in any scenario, is a
# failure too: reports go to BUILD/tests/sanitizer/ (log_path), one file per process. UBSan's,
# in a build with ASan too, ignore log_path and go to the process's stderr: lib.sh's cleanup
# copies each scenario log under its T holding one there.
# tests/lsan.supp lists the third-party leaks that are not the project's. ASan keeps 4 MiB of
# freed memory in quarantine instead of 256: enough to catch a use after a recent free, small
# enough that the scenarios' memory caps (RSS bounds) measure the node rather than ASan.
set -u
build=$(cd "${1:-build}" && pwd)
[ $# -gt 0 ] && shift
except=""
if [ "${1:-}" = --except ]; then
	except=${2:-}
	shift 2
fi
here=$(cd "$(dirname "$0")" && pwd)
export BUILD="$build"
san="$build/tests/sanitizer"
rm -rf "$san"
mkdir -p "$san/new"
# Appended last, so that these log_path settings win over any given before.
asan="log_path=$san/new/asan:detect_leaks=1:quarantine_size_mb=4"
ubsan="log_path=$san/new/ubsan:print_stacktrace=1"
lsan="suppressions=$here/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$ubsan"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}$lsan"
passed=0 failed=0
scenarios=""
for s in "$@"; do
	[ -f "$here/integration/$s.sh" ] || { echo "not ok - no scenario $s"; exit 1; }
	scenarios="$scenarios $here/integration/$s.sh"
done
for t in ${scenarios:-"$here"/integration/*.sh}; do
	case "$t" in */lib.sh) continue ;; esac
	name=$(basename "$t" .sh)
	case " $except " in *" $name "*) continue ;; esac
	log="$build/tests/$name.log"
	mkdir -p "$build/tests"
	echo "== $name"
	t0=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|not ok) ' "$log"
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
	s=$(grep -Ec '^(ok|not ok) .*# *(SKIP|skip)' "$log")
	if [ "$s" -gt 0 ]; then
		echo "not ok - $name skipped $s test(s): a skipped test counts as failed"
		p=$((p - s)); f=$((f + s))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		tail -n 15 "$log"
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no test"
		f=1
	fi
	for r in "$san"/new/*; do
		[ -e "$r" ] || continue
		echo "not ok - $name: sanitizer report $(basename "$r"): $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$r" | cut -c1-240)"
		mv "$r" "$san/$name.$(basename "$r")"
		f=$((f + 1))
	done
	[ "$f" -gt 0 ] && echo "   (full log: $log)"
	echo "   ($name: $(($(date +%s) - t0)) s)"
	passed=$((passed + p)); failed=$((failed + f))
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# check-hardening.sh — the release binaries carry the hardening the Makefile asks for: a
# position-independent executable, full RELRO (GNU_RELRO and BIND_NOW), the stack protector
# (__stack_chk_fail) and FORTIFY's checked libc calls (*_chk). Prints one "ok"/"not ok" line per
# binary and property; exits 1 when any is missing. Usage: tools/check-hardening.sh BINARY...
set -u
fails=0
check() { # check BINARY WHAT COMMAND...
	b=$1 what=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		echo "ok - $(basename "$b"): $what"
	else
		echo "not ok - $(basename "$b"): $what"
		fails=$((fails + 1))
	fi
}
for b in "$@"; do
	check "$b" "position-independent executable" sh -c "readelf -h '$b' | grep -q 'Type:.*DYN'"
	check "$b" "RELRO" sh -c "readelf -l '$b' | grep -q GNU_RELRO"
	check "$b" "bind now" sh -c "readelf -d '$b' | grep -q 'BIND_NOW\|FLAGS_1.*NOW'"
	check "$b" "stack protector" sh -c "nm -D '$b' | grep -q __stack_chk_fail"
	check "$b" "FORTIFY_SOURCE" sh -c "nm -D '$b' | grep -q '_chk@'"
done
[ "$fails" -eq 0 ]

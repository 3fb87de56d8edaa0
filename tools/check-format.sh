#!/bin/sh
# check-format.sh — the house style (.clang-format) on the lines a change touches: the lines
# changed since the branch left main, committed or not, and the whole of files git does not
# track yet. Lines nobody touched are left as they are (the tree was formatted once, c59405e).
# Usage: tools/check-format.sh [base revision]   (default: merge-base of HEAD and main, or of
# HEAD and origin/main; LINT_BASE overrides). Exits 1 and prints the fix as a diff when a line
# is off; `clang-format -i FILE` applies it.
set -eu
cd "$(git rev-parse --show-toplevel)"

base=${1:-${LINT_BASE:-}}
if [ -z "$base" ]; then
	for ref in main origin/main; do
		if base=$(git merge-base HEAD "$ref" 2>/dev/null); then
			break
		fi
		base=""
	done
fi
if [ -z "$base" ]; then
	echo "check-format: no main branch to compare with; nothing checked"
	exit 0
fi
command -v clang-format-diff >/dev/null 2>&1 || {
	echo "check-format: clang-format-diff is missing (deploy/deps.sh test installs it)" >&2
	exit 2
}

paths="node peers tests"
out=$(git diff -U0 --no-color "$base" -- $paths | grep -v '^Binary' |
	clang-format-diff -p1 -regex '.*\.(c|h)$')
for f in $(git ls-files --others --exclude-standard -- $paths | grep '\.[ch]$' || true); do
	fixed=$(clang-format "$f" | diff -u "$f" - || true)
	[ -z "$fixed" ] || out="$out
$fixed"
done
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "check-format: lines above are not in the house style (.clang-format); run clang-format -i on those files"
	exit 1
fi
echo "check-format: ok (lines changed since $(git rev-parse --short "$base"))"

#!/bin/sh
# check-layers.sh — the layer rules of CONTRIBUTING.md, checked over the #include lines of
# node/ and peers/ (tests, benchmarks and fuzzers may reach across layers; the product may not):
#   1. a file includes only its own layer and the layers below it:
#        0 node/core  1 node/store  2 peers  3 node/views  4 node/daemon, node/cli
#   2. node/daemon and node/cli never include each other;
#   3. no two modules include each other (a.c or a.h includes b.h while b.c or b.h includes
#      a.h), nor does any longer circle of includes exist between modules.
# A module is a .c and its .h; a module split over several files shares a private header
# <module>_impl.h, and every file that includes it belongs to that module (fed_fetch.c,
# session.c). Violations listed in tools/layers.allow (one per line, as printed) are reported
# as known and do not fail: each names the helper or issue removing it.
# Prints one line per violation and exits 1 when there is any that is not listed.
# Usage: tools/check-layers.sh [repository root, default .]
set -eu
cd "${1:-.}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Every project include as "file<TAB>included file (resolved to a path, or left as written
# when it is not a file of the tree: generated or system headers)".
for f in $(find node/core node/store peers node/views node/daemon node/cli \
	-maxdepth 1 -name '*.[ch]' 2>/dev/null | sort); do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do
			dir=${f%/*}
			if [ -f "$dir/$inc" ]; then
				printf '%s\t%s\n' "$f" "$dir/$inc"
			elif [ -f "node/$inc" ]; then
				printf '%s\t%s\n' "$f" "node/$inc"
			elif [ -f "$inc" ]; then
				printf '%s\t%s\n' "$f" "$inc"
			fi
		done
done >"$tmp/edges"

awk -F '\t' '
function layer(p) {
	if (p ~ /^node\/core\//) return 0
	if (p ~ /^node\/store\//) return 1
	if (p ~ /^peers\//) return 2
	if (p ~ /^node\/views\//) return 3
	if (p ~ /^node\/daemon\//) return 4
	if (p ~ /^node\/cli\//) return 4
	return -1
}
function group(p) { sub(/\/[^\/]*$/, "", p); return p }
function module(p) {
	if (p in owner) return owner[p]
	sub(/\.[ch]$/, "", p)
	return p
}
# First pass: files that include a private header belong to its module.
NR == FNR {
	if ($2 ~ /_impl\.h$/) {
		m = $2; sub(/_impl\.h$/, "", m)
		owner[$1] = m; owner[$2] = m
	}
	next
}
{
	lf = layer($1); lt = layer($2)
	if (lt < 0)
		next
	if (lt > lf) {
		printf "%s includes %s: layer %d (%s) reaches up to layer %d (%s)\n", $1, $2, lf, group($1), lt, group($2)
		bad = 1
	}
	if ((group($1) == "node/daemon" && group($2) == "node/cli") ||
	    (group($1) == "node/cli" && group($2) == "node/daemon")) {
		printf "%s includes %s: daemon and cli never include each other\n", $1, $2
		bad = 1
	}
	a = module($1); b = module($2)
	if (a != b && !((a, b) in seen)) {
		seen[a, b] = 1
		print a " " b > "'"$tmp/modules"'"
	}
}
END { exit bad }
' "$tmp/edges" "$tmp/edges" >"$tmp/out" || status=1

# Circles between modules: tsort names the modules of each loop it finds.
touch "$tmp/modules"
if ! tsort "$tmp/modules" >/dev/null 2>"$tmp/loops"; then
	awk '/input contains a loop/ { if (n) print line; line = "modules include each other in a circle:"; n = 1; next }
	     { sub(/^tsort: /, ""); line = line " " $0 }
	     END { if (n) print line }' "$tmp/loops" >>"$tmp/out"
	status=1
fi

# Known violations, on their way out.
allow=tools/layers.allow
known=0
if [ -f "$allow" ] && [ -s "$tmp/out" ]; then
	grep -v '^#' "$allow" | grep -v '^$' >"$tmp/allow" || true
	grep -xFf "$tmp/allow" "$tmp/out" >"$tmp/known" || true
	grep -vxFf "$tmp/allow" "$tmp/out" >"$tmp/new" || true
	known=$(grep -c '' "$tmp/known" || true)
	sed 's/^/known (tools\/layers.allow): /' "$tmp/known"
	mv "$tmp/new" "$tmp/out"
	[ -s "$tmp/out" ] || status=0
fi

if [ "${status:-0}" -ne 0 ]; then
	cat "$tmp/out"
	echo "check-layers: $(grep -c '' "$tmp/out") violation(s); the rules are in CONTRIBUTING.md"
	exit 1
fi
echo "check-layers: ok ($(grep -c '' "$tmp/edges") includes, $(grep -c '' "$tmp/modules") between modules, $known known)"

#!/bin/sh
# Tests tools/check-layers.sh on small trees made here: each rule must fail on a tree that
# breaks it, and a tree that keeps every rule must pass. Prints "ok - ..." / "not ok - ...".
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

# tree NAME: an empty tree with a header and a source in each layer folder.
tree() {
	t="$tmp/$1"
	for d in node/core node/store peers node/views node/daemon node/cli; do
		mkdir -p "$t/$d"
		m=$(basename "$d")
		printf '#include "%s.h"\n' "$m" >"$t/$d/$m.c"
		: >"$t/$d/$m.h"
	done
	echo "$t"
}
expect() { # expect WANT(pass|fail) NAME TREE [PATTERN]
	out=$("$here/check-layers.sh" "$3" 2>&1)
	rc=$?
	if { [ "$1" = pass ] && [ $rc -eq 0 ]; } ||
		{ [ "$1" = fail ] && [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q -- "$4"; }; then
		echo "ok - check-layers: $2"
	else
		echo "not ok - check-layers: $2 (exit $rc): $out"
		fails=$((fails + 1))
	fi
}

t=$(tree good)
echo '#include "core/core.h"' >>"$t/node/store/store.c"
echo '#include "store/store.h"' >>"$t/peers/peers.c"
echo '#include "peers/peers.h"' >>"$t/node/views/views.c"
echo '#include "views/views.h"' >>"$t/node/daemon/daemon.c"
echo '#include "views/views.h"' >>"$t/node/cli/cli.c"
echo '#include "remacto.pb-c.h"' >>"$t/node/core/core.h"
expect pass "includes downwards, generated headers ignored" "$t"

t=$(tree up)
echo '#include "peers/peers.h"' >>"$t/node/store/store.c"
expect fail "the store including peers" "$t" \
	"node/store/store.c includes peers/peers.h: layer 1 (node/store) reaches up to layer 2 (peers)"

t=$(tree siblings)
echo '#include "daemon/daemon.h"' >>"$t/node/cli/cli.c"
expect fail "cli including daemon" "$t" "daemon and cli never include each other"

t=$(tree pair)
: >"$t/node/store/log.h"
echo '#include "log.h"' >>"$t/node/store/store.c"
printf '#include "log.h"\n#include "store.h"\n' >"$t/node/store/log.c"
expect fail "two modules including each other" "$t" \
	"modules include each other in a circle: .*node/store/log.*node/store/store"

t=$(tree circle)
: >"$t/node/core/a.h"
: >"$t/node/core/b.h"
echo '#include "a.h"' >"$t/node/core/b.c"
echo '#include "b.h"' >>"$t/node/core/core.c"
echo '#include "core.h"' >"$t/node/core/a.c"
expect fail "three modules in a circle" "$t" "modules include each other in a circle"

t=$(tree impl)
: >"$t/peers/fed.h"
echo '#include "fed.h"' >"$t/peers/fed_impl.h"
echo '#include "fed_impl.h"' >"$t/peers/fed.c"
echo '#include "fed_impl.h"' >"$t/peers/sync.c"
expect pass "a module split over files sharing its _impl.h" "$t"

[ "$fails" -eq 0 ]

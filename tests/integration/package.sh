#!/bin/sh
# The Debian package's contents (tests/package/contents.sh), when `make deb` has built one for
# the current version in BUILD/deb; building it is `make deb`'s job, not this test's. Without
# a package nothing is checked, and the scenario says so without counting a pass.
. "$(dirname "$0")/lib.sh"
version=$(awk 'NR == 1 { gsub(/[()]/, "", $2); print $2 }' "$TESTS/../deploy/debian/changelog")
deb="$BUILD/deb/remacto_${version}_$(dpkg --print-architecture).deb"
if [ ! -f "$deb" ]; then
	echo "# no $deb: run make deb to build and check the package"
	finish
fi
sh "$TESTS/package/contents.sh" "$deb" || FAILS=$((FAILS + 1))
finish

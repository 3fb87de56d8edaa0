#!/bin/sh
# make deb: builds the Debian package remacto_<version>_<arch>.deb into OUTDIR from a copy of
# the source tree in which deploy/debian becomes debian/ (see README.source), then checks it
# with lintian (no error allowed) and tests/package/contents.sh.
#   usage: deploy/debian/build.sh OUTDIR
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$(awk 'NR == 1 { gsub(/[()]/, "", $2); print $2 }' "$root/deploy/debian/changelog")
arch=$(dpkg --print-architecture)
stage="$out/remacto-$version"

rm -rf "$stage"
mkdir -p "$stage"
# The tree without what builds and runs leave in it (the .gitignore's entries).
(cd "$root" && tar --exclude=./.git --exclude=./build --exclude=./var \
	--exclude=node_modules --exclude='*.o' --exclude='*.d' --exclude='*.pb-c.[ch]' \
	-cf - .) | (cd "$stage" && tar -xf -)
rm -rf "$stage/debian"
cp -R "$stage/deploy/debian" "$stage/debian"
rm -f "$stage/debian/build.sh"
cp "$stage/deploy/remactod.service" "$stage/debian/remacto.remactod.service"

echo "deb: dpkg-buildpackage in $stage (log: $out/build.log)"
if ! (cd "$stage" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	echo "deb: dpkg-buildpackage failed (full log: $out/build.log)" >&2
	exit 1
fi
deb="$out/remacto_${version}_${arch}.deb"
[ -f "$deb" ] || { echo "deb: $deb was not made" >&2; exit 1; }
rm -rf "$stage"

echo "deb: lintian $deb"
# Errors fail the build; warnings and notes are shown.
lintian --fail-on error --info "$deb" | tee "$out/lintian.log"
sh "$root/tests/package/contents.sh" "$deb"
echo "deb: $deb"

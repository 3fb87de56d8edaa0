#!/bin/sh
# Checks what a built remacto_<version>_<arch>.deb holds against the source tree: control
# fields and version, the files an operator relies on, conffiles, the unit as written in
# deploy/, man pages, and the packaged binaries' --version and configuration check.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.
#   usage: tests/package/contents.sh PACKAGE.deb
set -u
deb=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/remacto-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { d=$1; shift; if "$@" > /dev/null 2>&1; then ok "$d"; else notok "$d"; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (expected '$2', got '$3')"; fi; }

version=$(awk 'NR == 1 { gsub(/[()]/, "", $2); print $2 }' "$root/deploy/debian/changelog")
arch=$(dpkg --print-architecture)
check_eq "the file is named remacto_<version>_<arch>.deb" "remacto_${version}_${arch}.deb" "$(basename "$deb")"
check_eq "Package: remacto" remacto "$(dpkg-deb -f "$deb" Package)"
check_eq "Version is the changelog's" "$version" "$(dpkg-deb -f "$deb" Version)"
check "Depends names adduser and the shared libraries (lws, LMDB, systemd)" sh -c \
	"dpkg-deb -f '$deb' Depends | grep -q adduser &&
	 dpkg-deb -f '$deb' Depends | grep -q libwebsockets &&
	 dpkg-deb -f '$deb' Depends | grep -q liblmdb &&
	 dpkg-deb -f '$deb' Depends | grep -q libsystemd"
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' > "$T/list"
has() { grep -q " \./$1\$" "$T/list"; }
for f in usr/sbin/remactod usr/bin/remacto lib/systemd/system/remactod.service \
	etc/remacto/node.conf usr/share/man/man8/remactod.8.gz usr/share/man/man1/remacto.1.gz \
	usr/share/man/man5/remacto.conf.5.gz usr/share/remacto/dashboard/index.html \
	usr/share/remacto/dashboard/js/main.js usr/share/doc/remacto/OPERATIONS.md \
	usr/share/doc/remacto/copyright usr/share/doc/remacto/examples/node.conf.example \
	usr/share/doc/remacto/examples/mirror.conf.example \
	usr/share/doc/remacto/examples/remacto.conf usr/share/doc/remacto/examples/alerts.yml \
	usr/share/doc/remacto/examples/remacto-national.json; do
	check "the package holds /$f" has "$f"
done
check_eq "remactod and remacto are root-owned, mode 0755" \
	"-rwxr-xr-x root/root ./usr/bin/remacto -rwxr-xr-x root/root ./usr/sbin/remactod" \
	"$(grep -E ' \./usr/(s?bin)/remacto' "$T/list" | sort -k3 | tr '\n' ' ' | sed 's/ $//')"
check_eq "the package ships nothing under /var (the state folder is made by postinst)" "" \
	"$(grep ' \./var/' "$T/list")"

mkdir -p "$T/ctl" "$T/root"
dpkg-deb -e "$deb" "$T/ctl"
dpkg-deb -x "$deb" "$T/root"
check_eq "/etc/remacto/node.conf is the one conffile" /etc/remacto/node.conf "$(cat "$T/ctl/conffiles" 2>/dev/null)"
check "postinst creates the remacto system user and the state folder 0700" sh -c \
	"grep -q 'adduser --system --group' '$T/ctl/postinst' && grep -q 'install -d -o remacto -g remacto -m 0700 /var/lib/remacto' '$T/ctl/postinst'"
check "postinst keeps /etc/remacto 0750 and node.conf 0640, group remacto (statoverride)" sh -c \
	"grep -q 'dpkg-statoverride --update --add root remacto 0750 /etc/remacto\$' '$T/ctl/postinst' &&
	 grep -q 'dpkg-statoverride --update --add root remacto 0640 /etc/remacto/node.conf' '$T/ctl/postinst'"
check "the unit is deploy/remactod.service as written" cmp -s "$T/root/lib/systemd/system/remactod.service" "$root/deploy/remactod.service"
check "the dashboard is node/dashboard as written" diff -r "$T/root/usr/share/remacto/dashboard" "$root/node/dashboard"
for m in man8/remactod.8 man1/remacto.1 man5/remacto.conf.5; do
	check "$m is docs/man's" sh -c "gzip -dc '$T/root/usr/share/man/$m.gz' | cmp -s - '$root/docs/man/$(basename $m)'"
done
check_eq "the packaged remactod --version" "remactod $version" "$("$T/root/usr/sbin/remactod" --version 2>&1)"
check_eq "the packaged remacto --version" "remacto $version" "$("$T/root/usr/bin/remacto" --version 2>&1)"
check_eq "the packaged remactod accepts the packaged node.conf" "configuration OK" \
	"$("$T/root/usr/sbin/remactod" -n --config "$T/root/etc/remacto/node.conf" 2>&1)"
check "the packaged binaries are hardened (PIE, full RELRO, stack protector, fortify)" sh -c \
	"readelf -h '$T/root/usr/sbin/remactod' | grep -q 'DYN' &&
	 readelf -d '$T/root/usr/sbin/remactod' | grep -q 'BIND_NOW' &&
	 readelf -l '$T/root/usr/sbin/remactod' | grep -q 'GNU_RELRO' &&
	 nm -D '$T/root/usr/sbin/remactod' | grep -q '__stack_chk_fail' &&
	 nm -D '$T/root/usr/sbin/remactod' | grep -q '_chk@'"
[ "$FAILS" -eq 0 ]

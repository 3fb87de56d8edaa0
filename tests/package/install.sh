#!/bin/sh
# Installs, runs, upgrades, removes and purges a built remacto package on THIS machine, with
# dpkg, as root: what an operator's `apt install ./remacto_….deb` does, without a container.
# It changes the system (a remacto user, /etc/remacto, /var/lib/remacto, /usr/sbin/remactod):
# run it on a throwaway machine or in CI (`make deb-install-test`). It refuses to run when
# remacto is already installed or /var/lib/remacto exists, and removes what it made.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.
#   usage: tests/package/install.sh PACKAGE.deb
set -u
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
FAILS=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { d=$1; shift; if "$@" > "$T/check.out" 2>&1; then ok "$d"; else notok "$d"; sed 's/^/# /' "$T/check.out"; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (expected '$2', got '$3')"; fi; }

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (it installs the package on this machine)" >&2; exit 2; }
if dpkg-query -W -f='${Status}' remacto 2>/dev/null | grep -q installed || [ -e /var/lib/remacto ]; then
	echo "install.sh: remacto is installed, or /var/lib/remacto exists: not touching them" >&2
	exit 2
fi
T=$(mktemp -d /tmp/remacto-install.XXXXXX)
chmod 755 "$T"
user_existed=no
getent passwd remacto > /dev/null && user_existed=yes
NODE=
cleanup() {
	[ -n "$NODE" ] && kill "$NODE" 2> /dev/null
	dpkgw -P remacto > /dev/null 2>&1
	rm -rf /var/lib/remacto /etc/remacto "$T"
	if [ "$user_existed" = no ] && getent passwd remacto > /dev/null; then
		deluser --quiet --system remacto > /dev/null 2>&1 || userdel remacto 2> /dev/null
		getent group remacto > /dev/null && groupdel remacto 2> /dev/null
	fi
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
# dpkg, waiting (at most 5 minutes) while another dpkg or apt holds the lock.
dpkgw() {
	end=$(($(date +%s) + 300))
	while :; do
		dpkg "$@" > "$T/dpkg.out" 2>&1 && { cat "$T/dpkg.out"; return 0; }
		grep -q 'lock' "$T/dpkg.out" && [ "$(date +%s)" -lt "$end" ] || { cat "$T/dpkg.out"; return 1; }
		sleep 2
	done
}

# ---- install ----
check "dpkg -i installs the package" dpkgw -i "$deb"
check_eq "dpkg says installed" "install ok installed" "$(dpkg-query -W -f='${Status}' remacto)"
check "the remacto system user exists, without a login shell" sh -c \
	"uid=\$(id -u remacto) && [ \"\$uid\" -lt 1000 ] && getent passwd remacto | grep -q ':/usr/sbin/nologin\$'"
check_eq "/var/lib/remacto: remacto's, mode 0700" "remacto:remacto 700" "$(stat -c '%U:%G %a' /var/lib/remacto)"
check_eq "/etc/remacto: root:remacto, mode 0750" "root:remacto 750" "$(stat -c '%U:%G %a' /etc/remacto)"
check_eq "/etc/remacto/node.conf: root:remacto, mode 0640" "root:remacto 640" "$(stat -c '%U:%G %a' /etc/remacto/node.conf)"
check "remactod and remacto answer --version" sh -c "/usr/sbin/remactod --version && /usr/bin/remacto --version"
check "man remactod finds the page" sh -c "man -w remactod | grep -q '/usr/share/man/man8/remactod.8.gz'"
check "the unit is in /lib/systemd/system, not enabled" sh -c \
	"test -f /lib/systemd/system/remactod.service && ! test -e /etc/systemd/system/multi-user.target.wants/remactod.service"
check "the remacto user reads the packaged configuration and accepts it" \
	runuser -u remacto -- /usr/sbin/remactod -n --config /etc/remacto/node.conf

# ---- run, as the unit would: the remacto user, working directory / ----
P=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
A=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s/^listen = 127.0.0.1:8080/listen = 127.0.0.1:$P/" -e "s/^listen = 127.0.0.1:8081/listen = 127.0.0.1:$A/" \
	-e 's/^origin =$/origin = remacto.ma\/commune-paquet/' /etc/remacto/node.conf > "$T/node.conf"
chmod 644 "$T/node.conf"
(cd / && exec setpriv --reuid=remacto --regid=remacto --init-groups /usr/sbin/remactod --config "$T/node.conf") > "$T/node.log" 2>&1 &
NODE=$!
i=0
while [ $i -lt 200 ] && ! curl -sf "http://127.0.0.1:$P/healthz" > /dev/null; do sleep 0.05; i=$((i + 1)); done
check "the installed node starts as remacto and answers /healthz" curl -sf "http://127.0.0.1:$P/healthz"
check "it serves the packaged dashboard" sh -c "curl -sfL 'http://127.0.0.1:$P/' | grep -qi '<html'"
check_eq "its key and token are remacto's, mode 0600" "remacto 600 remacto 600" \
	"$(stat -c '%U %a' /var/lib/remacto/node.key /var/lib/remacto/admin.token | tr '\n' ' ' | sed 's/ $//')"
check "remacto publishes through it (as the remacto user)" sh -c \
	"printf '%s\n' '{\"schema\":1,\"evidence\":{\"id\":\"EV-1\",\"url\":\"https://example.ma/1.pdf\",\"sha256\":\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\"mediaType\":\"application/pdf\",\"title\":{\"fr\":\"Un\",\"ar\":\"واحد\"},\"date\":\"2025-06-01\"}}' |
	 runuser -u remacto -- /usr/bin/remacto publish --config '$T/node.conf' -"
kill "$NODE"
wait "$NODE"
check_eq "it stops cleanly" 0 "$?"
NODE=
keysum=$(sha256sum /var/lib/remacto/node.key)

# ---- upgrade: a newer version of the package, whose node.conf changed, over an edited one ----
mkdir "$T/pkg"
dpkg-deb -R "$deb" "$T/pkg"
v=$(dpkg-deb -f "$deb" Version)
sed -i "s/^Version: .*/Version: $v+upgradetest/" "$T/pkg/DEBIAN/control"
echo "; a comment the next version added" >> "$T/pkg/etc/remacto/node.conf"
# DEBIAN/md5sums must match the files.
(cd "$T/pkg" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum > DEBIAN/md5sums)
dpkg-deb -b "$T/pkg" "$T/remacto_upgrade.deb" > /dev/null
sed -i 's/^level = info$/level = debug/' /etc/remacto/node.conf
check "dpkg -i of the next version upgrades (keeping the edited conffile)" \
	dpkgw -i --force-confold "$T/remacto_upgrade.deb"
check_eq "the version is the new one" "$v+upgradetest" "$(dpkg-query -W -f='${Version}' remacto)"
check "the operator's edit of node.conf is kept" grep -qx 'level = debug' /etc/remacto/node.conf
check "the new version's node.conf is beside it as node.conf.dpkg-dist" \
	grep -q 'a comment the next version added' /etc/remacto/node.conf.dpkg-dist
check_eq "node.conf is still root:remacto 0640 after the upgrade" "root:remacto 640" "$(stat -c '%U:%G %a' /etc/remacto/node.conf)"
check_eq "the node's key is untouched by the upgrade" "$keysum" "$(sha256sum /var/lib/remacto/node.key)"
rm -f /etc/remacto/node.conf.dpkg-dist

# ---- remove, then purge ----
check "dpkg -r removes the package" dpkgw -r remacto
check "the binaries are gone" sh -c "! test -e /usr/sbin/remactod && ! test -e /usr/bin/remacto"
check "the configuration and the ledger stay after a remove" sh -c "test -f /etc/remacto/node.conf && test -f /var/lib/remacto/node.key"
dpkgw -P remacto > "$T/purge.out" 2>&1
check_eq "dpkg -P purges" 0 "$?"
check "the purge says it kept /var/lib/remacto, which holds a signing key" grep -q 'kept /var/lib/remacto' "$T/purge.out"
check "the purge removed /etc/remacto and the statoverrides" sh -c \
	"! test -e /etc/remacto && ! dpkg-statoverride --list | grep -q remacto"
check "the purge left the key and the ledger" test -f /var/lib/remacto/node.key
check_eq "dpkg no longer knows the package" "" "$(dpkg-query -W -f='${Status}' remacto 2>/dev/null)"
rm -rf /var/lib/remacto

# A node never started: the purge leaves nothing behind.
check "a second install over the kept user" dpkgw -i "$deb"
check "a purge of a node never started" dpkgw -P remacto
check "nothing is left: no /etc/remacto, /var/lib/remacto, /var/log/remacto, binaries" sh -c \
	"! test -e /etc/remacto && ! test -e /var/lib/remacto && ! test -e /var/log/remacto && ! test -e /usr/sbin/remactod"
[ "$FAILS" -eq 0 ]

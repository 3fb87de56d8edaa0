#!/bin/sh
# Installs the Debian packages REMACTO Ledger builds, runs and tests with, when any is missing.
# Idempotent and non-interactive: `make`, `make run` and `make test` call it first, so a fresh
# Debian 12 machine needs nothing else. Usage: deploy/deps.sh [build|test|bench|fuzz|deb] ...
set -eu

build="make gcc pkg-config libwebsockets-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler
libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-noto-core
liblmdb-dev libjansson-dev libinih-dev libsystemd-dev libjs-chart.js"
test="libcmocka-dev protobuf-compiler lmdb-utils golang-go golang-golang-x-mod-dev curl clang-format
golang-github-getkin-kin-openapi-dev poppler-utils
python3 python3-websockets python3-protobuf python3-cryptography python3-feedparser openssl clang
libclang-rt-14-dev
chromium nginx prometheus strace"
bench="wrk"
fuzz="clang libclang-rt-14-dev"
deb="debhelper dpkg-dev fakeroot lintian"

want="$build"
for set in "$@"; do
	case "$set" in
	build) ;;
	test) want="$want $test" ;;
	bench) want="$want $test $bench" ;;
	fuzz) want="$want $fuzz" ;;
	deb) want="$want $deb" ;;
	*) echo "deps.sh: unknown package set '$set' (use build, test, bench, fuzz or deb)" >&2; exit 2 ;;
	esac
done

missing=""
# Node.js may come from elsewhere than Debian (it carries npm then): ask for the command.
case " $* " in
*" bench "* | *" test "*) command -v npm >/dev/null 2>&1 || missing="nodejs npm" ;;
esac
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing Debian packages:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing

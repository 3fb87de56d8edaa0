#!/bin/sh
# Browser tests of the dashboard (make test's "browser" step): installs the pinned
# playwright-core and axe-core from package-lock.json (npm ci) when needed, then drives Debian's
# chromium headless against a real federation on loopback (tests/browser/run.js). Prints "ok"/"not ok"
# lines and one machine-readable line "browser: N passed, N failed"; screenshots and the
# performance figure go to BUILD/browser/. Usage: tests/browser/run.sh [BUILD]
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "not ok - $*"; echo "browser: 0 passed, 1 failed"; exit 1; }

command -v node > /dev/null 2>&1 || fail "node is not installed (deploy/deps.sh test installs it)"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || fail "playwright-core needs Node.js 20 or later; this is $(node --version)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (Debian package chromium: deploy/deps.sh test)"
[ -x "$build/remactod" ] && [ -x "$build/remacto" ] || fail "no remactod/remacto in $build: run make"

# npm ci only when the installed tree is not the locked one.
if [ ! -f "$here/node_modules/playwright-core/package.json" ] ||
	! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci" 2>/dev/null; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error > "$build/browser-npm.log" 2>&1) ||
		{ tail -n 20 "$build/browser-npm.log"; fail "npm ci in tests/browser (see $build/browser-npm.log)"; }
	cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci"
fi

mkdir -p "$build/browser"
exec node "$here/run.js" "$build"

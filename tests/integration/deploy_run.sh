#!/bin/sh
# The launchers read only the project's own files, and `make run` (deploy/run.sh) leaves
# nothing running after Ctrl-C: not its nodes, not its log follower. Ctrl-C is sent as a
# terminal sends it (SIGINT to the whole process group), once with the default disposition and
# once with SIGINT ignored (a shell started in the background: its trap cannot run, the nodes
# still stop); a SIGKILL of the launcher must take the log follower with it too.
. "$(dirname "$0")/lib.sh"
TOP=$(cd "$TESTS/.." && pwd)
PY=/usr/bin/python3

# ---- nothing outside the repository -------------------------------------------------------------
# (the pattern is split so that this file does not match itself)
outside=$(cd "$TOP" && grep -rnE '\.\./shar''ed|/wo''rk/' deploy tests/integration tests/chaos \
	tests/run-*.sh tests/browser/run.sh tests/browser/run.js tests/bench tests/fuzz/run.sh node \
	peers config Makefile 2>/dev/null | head -n 3)
check_eq "no launcher, test or source file names a path outside the repository" "" "$outside"

# A copy of the launcher without config/regions.csv must refuse to start, not look elsewhere.
mkdir -p "$T/repo/deploy" "$T/repo/config"
cp "$TOP/deploy/federation.sh" "$TOP/deploy/tls-bootstrap.sh" "$T/repo/deploy/"
cp "$TOP/config/indicator-catalog.csv" "$T/repo/config/"
out=$("$T/repo/deploy/federation.sh" start "$T/nocsv" 1 --plain --build "$BUILD" 2>&1)
rc=$?
"$T/repo/deploy/federation.sh" stop "$T/nocsv" > /dev/null 2>&1
check_eq "federation.sh without config/regions.csv stops with an error" 1 "$rc"
check "which names the missing file" sh -c "echo '$out' | grep -q 'config/regions.csv is missing'"

# With it, a region member takes its names and population from the project's table.
"$TOP/deploy/federation.sh" start "$T/f" 1 --plain --build "$BUILD" > "$T/f.log" 2>&1 ||
	notok "federation.sh start: $(tail -n 3 "$T/f.log")"
"$TOP/deploy/federation.sh" stop "$T/f" > /dev/null 2>&1
row=$(awk -F, '$2 == "04"' "$TOP/config/regions.csv")
want="Région $(echo "$row" | cut -d, -f3) / جهة $(echo "$row" | cut -d, -f4)"
check_eq "m1 (region 04) is admitted under the names in config/regions.csv" "$want" \
	"$("$REMACTO" members --data "$T/f/registry/data" | awk -F'  +' '/region-rabat-sale-kenitra/ { print $NF }')"

# ---- make run and Ctrl-C --------------------------------------------------------------------------
# run_case NAME MODE: starts deploy/run.sh in its own session, waits for its banner (bounded),
# then MODE: "int" SIGINT to the group, "int-ignored" the same with SIGINT ignored from the
# start, "kill" SIGKILL to the launcher alone. Prints ok/not ok lines.
run_case() {
	base=$($PY -c 'import socket, random
for _ in range(200):
    b = random.randrange(20000, 60000, 2)
    try:
        socks = [socket.socket() for _ in range(12)]  # the authority, 4 members, the observer
        for i, s in enumerate(socks):
            s.bind(("127.0.0.1", b + i))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(b)
    break')
	REMACTO_RUN_DIR="$T/run-$1" REMACTO_RUN_PORT=$base $PY - "$TOP" "$BUILD" "$1" "$2" "$T" \
		> "$T/case.out" 2>&1 <<'PY'
import os, signal, subprocess, sys, time
top, build, name, mode, tmp = sys.argv[1:]
log = os.path.join(tmp, "run-%s.out" % name)

def session(sid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    st = f.read().rsplit(") ", 1)[1].split()
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            if int(st[3]) == sid and st[0] != "Z":
                out.append(cmd)
    return out

def poll(limit, fn):
    end = time.monotonic() + limit
    while not fn() and time.monotonic() < end:
        time.sleep(0.1)
    return fn()

ign = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if mode == "int-ignored" else None
p = subprocess.Popen(["sh", os.path.join(top, "deploy", "run.sh"), build], cwd=top,
                     stdout=open(log, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                     start_new_session=True, preexec_fn=ign)
if not poll(90, lambda: "Ctrl-C to stop" in open(log).read()):
    print("not ok - %s: deploy/run.sh shows its banner within 90 s: %s" % (
        name, open(log).read()[-300:].replace("\n", " | ")))
    os.killpg(p.pid, signal.SIGKILL)
    sys.exit(1)
tails = [c for c in session(p.pid) if c.startswith("tail ")]
print("%s - %s: the nodes' logs are followed (tail runs)" % ("ok" if tails else "not ok", name))
if mode == "kill":
    p.kill()
    p.wait()
    gone = poll(10, lambda: not [c for c in session(p.pid) if c.startswith("tail ")])
    print("%s - %s: SIGKILL of the launcher: its tail exits by itself within 10 s" % (
        "ok" if gone else "not ok", name))
    subprocess.run([os.path.join(top, "deploy", "federation.sh"), "stop",
                    os.environ["REMACTO_RUN_DIR"]], capture_output=True)
else:
    os.killpg(p.pid, signal.SIGINT)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        rc = None
    print("%s - %s: deploy/run.sh ends within 60 s of Ctrl-C (exit %s)" % (
        "ok" if rc is not None else "not ok", name, rc))
    left = poll(10, lambda: not session(p.pid)) or session(p.pid)
    print("%s - %s: nothing of it is left running%s" % (
        "ok" if left is True else "not ok", name,
        "" if left is True else ": " + "; ".join(left)[:300]))
    if left is not True:
        os.killpg(p.pid, signal.SIGKILL)
PY
	while IFS= read -r l; do
		case "$l" in
		"ok - "*) ok "${l#ok - }" ;;
		"not ok - "*) notok "${l#not ok - }" ;;
		*) echo "# $l" ;;
		esac
	done < "$T/case.out"
}
run_case ctrl-c int
run_case ctrl-c-ignored int-ignored
run_case killed kill
finish

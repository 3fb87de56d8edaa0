#!/bin/sh
# remactod under systemd's service protocol, without systemd: a notify socket of our own
# (NOTIFY_SOCKET), a watchdog interval (WATCHDOG_USEC) and a journal stream (JOURNAL_STREAM)
# as systemd would set them for a Type=notify unit with WatchdogSec= and stderr to the journal.
# Checks READY=1 once the listeners serve, WATCHDOG=1 keep-alives that stop when the service
# loop stalls (the test hook of watchdog.sh: REMACTOD_TEST_STALL and SIGUSR1), STOPPING=1 on
# SIGTERM, and log lines with sd-daemon priority prefixes and no time stamp.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
P=$(free_port); A=$(free_port)
write_conf "$T/node.conf" "$T/data" remacto.ma/commune-temara "$P" "$A"
VERSION=$("$BUILD/remactod" --version)
check "remactod --version prints its version" sh -c "echo '$VERSION' | grep -Eq '^remactod [0-9]+\.[0-9]+'"
check_eq "remacto --version prints the same version" "remacto ${VERSION#remactod }" \
	"$("$BUILD/remacto" --version)"

cat > "$T/notify.py" <<'PY'
import os, signal, socket, subprocess, sys, time
build, conf, port, tmp, mode = sys.argv[1:6]
sock_path = os.path.join(tmp, "notify-%s.sock" % mode)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
err = open(os.path.join(tmp, "stderr.log" if mode == "run" else "stall.log"), "wb")
st = os.fstat(err.fileno())
env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000",
           JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
if mode == "stall":
    env["REMACTOD_TEST_STALL"] = "1"

# WATCHDOG_PID must be the daemon's own pid: exec from a shell that knows it.
p = subprocess.Popen(["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" --config "$1"',
                      build + "/remactod", conf], env=env, stderr=err, stdout=err)
def wait_for(what, seconds):
    end = time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        for line in msg.split("\n"):
            if line == what or line.startswith(what):
                return msg
    return None
ready = wait_for("READY=1", 20)
print("ready" if ready else "no-ready")
if ready:
    print("status:" + [l for l in ready.split("\n") if l.startswith("STATUS=")][0][7:])
# A node that is READY must answer at once (listeners up before READY=1).
import urllib.request
try:
    urllib.request.urlopen("http://127.0.0.1:%s/healthz" % port, timeout=5).read()
    print("healthz-ok")
except Exception as e:
    print("healthz-failed", e)
beats = 0
end = time.time() + 5
while beats < 4 and time.time() < end:
    if wait_for("WATCHDOG=1", end - time.time()):
        beats += 1
print("watchdog", beats)
if mode == "stall":
    # The loop stops dead: no keep-alive may follow (one may have been on its way).
    p.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    late = 0
    end = time.time() + 1.5
    while time.time() < end:
        if wait_for("WATCHDOG=1", end - time.time()):
            late += 1
    print("after-stall", late)
    p.kill()
    p.wait()
    sys.exit(0)
p.send_signal(signal.SIGTERM)
print("stopping" if wait_for("STOPPING=1", 20) else "no-stopping")
print("exit", p.wait(timeout=30))
PY
$PY "$T/notify.py" "$BUILD" "$T/node.conf" "$P" "$T" run > "$T/notify.out" 2>&1
cat "$T/notify.out"
check "READY=1 once the node serves" grep -qx ready "$T/notify.out"
check "STATUS= says where it serves and as whom" \
	grep -qx "status:serving http://127.0.0.1:$P/ as remacto.ma/commune-temara" "$T/notify.out"
check "the public listener answers when READY=1 arrives" grep -qx healthz-ok "$T/notify.out"
check "WATCHDOG=1 keep-alives at a quarter of WATCHDOG_USEC (4 within 5 s)" \
	grep -qx 'watchdog 4' "$T/notify.out"
check "STOPPING=1 on SIGTERM" grep -qx stopping "$T/notify.out"
check "clean exit status 0" grep -qx 'exit 0' "$T/notify.out"
check "log lines carry sd-daemon priorities and no time stamp under journald" \
	grep -q "^<6>info: remactod ${VERSION#remactod } starting" "$T/stderr.log"
check_fails "no line of the journal stream starts with a time stamp" \
	grep -Eq '^[0-9]{4}-' "$T/stderr.log"
check "the watchdog interval is logged" grep -q '^<6>info: systemd watchdog: keep-alive every 0.1 s' "$T/stderr.log"

# A stalled service loop: the keep-alives stop, so systemd would kill and restart the node.
$PY "$T/notify.py" "$BUILD" "$T/node.conf" "$P" "$T" stall > "$T/stall.out" 2>&1
cat "$T/stall.out"
check "keep-alives before the stall" grep -qx 'watchdog 4' "$T/stall.out"
check "no keep-alive once the service loop stalls (1.5 s, 15 intervals)" grep -qx 'after-stall 0' "$T/stall.out"

# Outside systemd: time stamps, and no notification attempted.
start_node "$T/node.conf" "$P" "$T/plain.log" || notok "remactod starts without systemd"
stop_node
check "without JOURNAL_STREAM lines start with a UTC time stamp" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z info: remactod' "$T/plain.log"
finish

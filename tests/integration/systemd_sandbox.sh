#!/bin/sh
# The node inside the sandbox of deploy/remactod.service, checked without systemd: a member node
# of a small TLS federation runs under strace while it starts, opens its store, serves HTTP,
# metrics and the dashboard, holds a peer session, publishes (LMDB commit, signature), reopens
# its log on SIGHUP and stops; every system call it made must pass the unit's
# SystemCallFilter=, every socket its RestrictAddressFamilies=, every mapping its
# MemoryDenyWriteExecute= (tests/integration/sandbox_check.py). The other settings
# (ProtectSystem=, PrivateDevices=, ProcSubset=pid...) need systemd itself: see
# docs/OPERATIONS.md for what was checked where.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"
UNIT="$TESTS/../deploy/remactod.service"

check "systemd-analyze accepts the unit's sandbox settings" sh -c \
	"systemd-analyze security --offline=yes '$UNIT' > '$T/security.txt' 2>&1"
score=$(sed -n 's/.*Overall exposure level for remactod.service: \([0-9.]*\).*/\1/p' "$T/security.txt")
check "exposure on systemd-analyze security is at most 2.5 (measured: $score)" \
	awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.5) }'

fed_start "$T/s" 1 line --seed || { notok "the federation starts"; finish; }
check "the authority and the member converge" wait_for 60 converged 2 registry m1
fed_stop_node m1
strace -f -qq -o "$T/strace.log" "$BUILD/remactod" -n --config "$F/m1/node.conf" > /dev/null 2>&1 ||
	notok "remactod -n (ExecStartPre) under strace"
# sd_notify's system calls too: a notify socket nobody listens on, and a watchdog interval.
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=2000000 \
	strace -f -qq -o "$T/strace-run.log" "$BUILD/remactod" --config "$F/m1/node.conf" \
	>> "$F/m1/remactod.log" 2>&1 &
SPID=$!
up() { get m1 /healthz; }
check "m1 starts under strace" wait_for 60 up
session() { get m1 /metrics | grep -Eq '^remacto_peers_ready [1-9]'; }
check "m1 holds a peer session (TLS WebSocket)" wait_for 60 session
one_entry sandbox > "$T/one.json"
check "m1 publishes (LMDB commit, signed checkpoint)" sh -c "'$REMACTO' publish --config '$F/m1/node.conf' '$T/one.json' > /dev/null"
check "the authority replicates it" wait_for 60 converged 2 registry m1
check "tiles, metrics and the dashboard are served" sh -c \
	"curl -sf --cacert '$F/tls/ca.pem' '$(url_of m1)/logs/$(slug_of m1)/tile/0/000.p/1' > /dev/null &&
	 curl -sf --cacert '$F/tls/ca.pem' '$(url_of m1)/metrics' > /dev/null &&
	 curl -sf --cacert '$F/tls/ca.pem' '$(url_of m1)/ui/' > /dev/null"
# The strace process is the parent: signal remactod, its child.
DPID=$(pgrep -P "$SPID" -x remactod)
kill -HUP "$DPID"
check "SIGHUP reopens the log" wait_for 10 grep -q 'log file reopened' "$F/m1/remactod.log"
kill -TERM "$DPID"
wait "$SPID"
check_eq "m1 stops cleanly under strace" 0 "$?"
cat "$T/strace-run.log" >> "$T/strace.log"
/usr/bin/python3 "$TESTS/integration/sandbox_check.py" "$UNIT" "$T/strace.log" > "$T/sandbox.txt" 2>&1
rc=$?
sed 's/^/# /' "$T/sandbox.txt"
check_eq "every system call, socket family and mapping passes the unit's sandbox" 0 "$rc"
finish

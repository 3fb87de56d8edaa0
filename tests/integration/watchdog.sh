#!/bin/sh
# Signals and the event-loop watchdog (node/daemon/watchdog.h, http.h). The signal handler only
# sets flags; the idle loop still sees them (SIGHUP reopens the log file, SIGTERM stops the node,
# with no request to wake it). A quiet node outlives its watchdog. A service loop that stops
# dead (REMACTOD_TEST_STALL=1 then SIGUSR1: the test-only stall) is aborted by the watchdog
# within its limit, with one critical line, so that systemd restarts it.
. "$(dirname "$0")/lib.sh"
ulimit -c 0 # the abort below is expected: no core file
P=$(free_port); A=$(free_port)
write_conf "$T/node.conf" "$T/data" remacto.ma/demo "$P" "$A"
cat >> "$T/node.conf" <<CONF
file = $T/node.log
CONF
sed -i 's|^origin = remacto.ma/demo$|origin = remacto.ma/demo\nwatchdog_s = 2|' "$T/node.conf"
check "remactod -n accepts watchdog_s" "$BUILD/remactod" -n --config "$T/node.conf"
printf '[node]\nwatchdog_s = 86401\n' > "$T/bad.conf"
check "remactod -n refuses a watchdog_s out of range" sh -c \
	"'$BUILD/remactod' -n --config '$T/bad.conf' 2>&1 | grep -q 'watchdog_s'"
printf '[admin]\nlisten = 0.0.0.0:%s\n' "$A" > "$T/bad.conf"
check "remactod -n refuses an admin listener off loopback (it has no TLS)" sh -c \
	"'$BUILD/remactod' -n --config '$T/bad.conf' 2>&1 | grep -q 'admin listener has no TLS'"

# alive_for SECONDS: /healthz answers every 0.2 s for that long.
alive_for() {
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		curl -sf --max-time 1 "http://127.0.0.1:$P/healthz" > /dev/null || return 1
		sleep 0.2
	done
}
# log_has SECONDS FILE TEXT: FILE comes to hold a line with TEXT within that time.
log_has() {
	i=0
	until grep -q "$3" "$2" 2>/dev/null; do
		[ $i -lt $(($1 * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
# exits_within SECONDS: the node's process is gone within that time.
exits_within() {
	i=0
	while kill -0 "$NODE_PID" 2>/dev/null; do
		[ $i -lt $(($1 * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

export REMACTOD_TEST_STALL=1
start_node "$T/node.conf" "$P" || { notok "remactod starts"; finish; }
ok "remactod starts with a 2 s watchdog"
check "a quiet node outlives its watchdog (answers for 5 s)" alive_for 5

mv "$T/node.log" "$T/node.log.1"
kill -HUP "$NODE_PID"
check "SIGHUP on an idle node: the log file is reopened" \
	log_has 5 "$T/node.log" "log file reopened"

kill -USR1 "$NODE_PID"
check_fails "the stalled loop answers no more" curl -sf --max-time 1 "http://127.0.0.1:$P/healthz"
check "the watchdog ends the process within 10 s" exits_within 10
wait "$NODE_PID"
check_eq "... by abort() (SIGABRT, for the service manager to restart it)" 134 "$?"
NODE_PID=
check "... after one critical line saying why" \
	grep -q 'crit: watchdog: the service loop made no progress for [0-9]* s' "$T/node.log"

unset REMACTOD_TEST_STALL
start_node "$T/node.conf" "$P" || { notok "remactod starts again"; finish; }
check "the node restarts on the same data" curl -sf --max-time 2 "http://127.0.0.1:$P/healthz"
kill -TERM "$NODE_PID"
check "SIGTERM on an idle node stops it within 5 s" exits_within 5
wait "$NODE_PID"
check_eq "... cleanly (status 0)" 0 "$?"
NODE_PID=
check "... saying so" grep -q 'stopped cleanly' "$T/node.log"
finish

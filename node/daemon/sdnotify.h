/*
 * sdnotify — the daemon's side of systemd's service protocol (sd_notify(3), from libsystemd):
 * READY=1 once the listeners serve and the federation has started (the unit is Type=notify,
 * so `systemctl start` returns, and units ordered after it start, only then), STATUS= lines
 * for `systemctl status`, STOPPING=1 on the way out, and WATCHDOG=1 keep-alives.
 *
 * Watchdog: with WatchdogSec= in the unit, systemd passes WATCHDOG_USEC and expects WATCHDOG=1
 * more often than that, else it kills the node (SIGABRT) and Restart= starts it again. The
 * keep-alive is tied to the same progress as the node's own event-loop watchdog (watchdog.h):
 * the service loop calls sdnotify_alive() next to watchdog_kick() each time lws_service()
 * returns, so a loop stuck in a callback stops both. sdnotify_alive() is cheap and sends at
 * most one keep-alive per quarter of the interval. The unit's WatchdogSec= is longer than
 * [node] watchdog_s, so the node's own watchdog, which logs why, fires first; systemd's is the
 * backstop for a process that cannot even do that.
 *
 * Outside systemd (no NOTIFY_SOCKET in the environment) every call does nothing.
 *
 * Threads: sdnotify_start from main before the service loop; the others from any thread.
 * The state is process-wide by nature (one service manager, one main process).
 */
#ifndef REMACTO_SDNOTIFY_H
#define REMACTO_SDNOTIFY_H

#include <stdint.h>

/* Reads WATCHDOG_USEC (and WATCHDOG_PID) once. Returns the interval in microseconds, 0 when
 * systemd's watchdog is off for this process. */
uint64_t sdnotify_start(void);
/* WATCHDOG=1, at most once per quarter of the interval; nothing when the watchdog is off. */
void sdnotify_alive(void);
/* READY=1 with a STATUS= line. */
void sdnotify_ready(const char *status);
void sdnotify_status(const char *status);
void sdnotify_stopping(void);

#endif

/*
 * sdnotify — readiness, status and watchdog keep-alives for systemd. See sdnotify.h.
 */
#include "sdnotify.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "core/log.h"

/* One service manager per process: the interval and the last keep-alive are process-wide. */
static struct {
	atomic_uint_fast64_t usec;   /* WATCHDOG_USEC, 0 = off */
	atomic_int_fast64_t last_ms; /* monotonic ms of the last WATCHDOG=1 */
} sd;

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sdnotify_alive(void)
{
	uint64_t usec = atomic_load(&sd.usec);
	if (!usec)
		return;
	int64_t now = mono_ms(), last = atomic_load(&sd.last_ms);
	if (now - last < (int64_t)(usec / 4000))
		return;
	/* One keep-alive per quarter interval even when several threads call at once. */
	if (atomic_compare_exchange_strong(&sd.last_ms, &last, now))
		sd_notify(0, "WATCHDOG=1");
}

uint64_t
sdnotify_start(void)
{
	uint64_t usec = 0;
	int rc = sd_watchdog_enabled(0, &usec);

	if (rc < 0)
		log_warn("systemd: WATCHDOG_USEC is malformed (%s); running without systemd's "
		         "watchdog",
		         strerror(-rc));
	if (rc <= 0 || usec < 4000)
		return 0;
	atomic_store(&sd.last_ms, mono_ms() - (int64_t)(usec / 1000));
	atomic_store(&sd.usec, usec);
	sdnotify_alive();
	log_info(
	        "systemd watchdog: keep-alive every %.1f s from the service loop (WatchdogSec=%.0f "
	        "s)",
	        (double)usec / 4e6, (double)usec / 1e6);
	return usec;
}

void
sdnotify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
sdnotify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
sdnotify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

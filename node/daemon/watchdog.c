/*
 * watchdog — a thread that aborts the process when the service loop stops kicking it. See
 * watchdog.h.
 */
#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

struct watchdog {
	atomic_uint_fast64_t kicks; /* bumped by the service thread */
	unsigned seconds;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* stop wakes the thread */
	bool stop;         /* under mu */
};

static int64_t
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void *
watch(void *arg)
{
	struct watchdog *w = arg;
	uint_fast64_t seen = atomic_load(&w->kicks);
	int64_t since = now_s();

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->cv, &w->mu, &until);
		if (w->stop)
			break;
		uint_fast64_t k = atomic_load(&w->kicks);
		int64_t now = now_s();
		if (k != seen) {
			seen = k;
			since = now;
		} else if (now - since >= (int64_t)w->seconds) {
			log_msg(LOG_CRIT,
			        "watchdog: the service loop made no progress for %lld s (stuck in "
			        "a callback); aborting so that the service manager restarts the node "
			        "([node] watchdog_s)",
			        (long long)(now - since));
			abort();
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct watchdog *
watchdog_start(unsigned seconds, char *err, size_t errcap)
{
	struct watchdog *w;
	pthread_condattr_t ca;
	int rc;

	err[0] = '\0';
	if (!seconds)
		return NULL;
	if (!(w = calloc(1, sizeof(*w)))) {
		snprintf(err, errcap, "watchdog: out of memory");
		return NULL;
	}
	w->seconds = seconds;
	atomic_init(&w->kicks, 0);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&w->thread, NULL, watch, w)) != 0) {
		snprintf(err, errcap, "watchdog: cannot start its thread: %s", strerror(rc));
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	return w;
}

void
watchdog_kick(struct watchdog *w)
{
	if (w)
		atomic_fetch_add_explicit(&w->kicks, 1, memory_order_relaxed);
}

void
watchdog_stop(struct watchdog *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

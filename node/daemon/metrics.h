/*
 * metrics — the node's counters, and their Prometheus text exposition (format 0.0.4) with every
 * log the node holds (size, entries behind what peers announced, last witness time, forked),
 * LMDB map use, the data folder's file system, the peers' counters, the build and the process.
 *
 * Threads: the counters are atomics, bumped from the service thread and the writer thread;
 * metrics_render runs on the service thread (it reads the store and the transport's table).
 */
#ifndef REMACTO_METRICS_H
#define REMACTO_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

struct store;
struct transport;
struct fed;

#define METRICS_LATENCY_BUCKETS 12 /* append latency upper bounds, see metrics.c */

struct metrics {
	atomic_uint_fast64_t http_by_status[6]; /* index status / 100: 1xx..5xx */
	atomic_uint_fast64_t http_requests;
	atomic_uint_fast64_t entries_published;
	atomic_uint_fast64_t commits;
	atomic_uint_fast64_t commit_errors; /* own publications' commits that failed */
	atomic_uint_fast64_t publish_rejected;
	atomic_uint_fast64_t append_latency[METRICS_LATENCY_BUCKETS + 1]; /* +Inf last */
	atomic_uint_fast64_t append_latency_sum_us;
	atomic_uint_fast64_t append_latency_count;
};

/* Records one append's latency (seconds from request to durable commit). */
void metrics_observe_append(struct metrics *m, double seconds);
void metrics_count_status(struct metrics *m, int status);
/* What an exposition reads. */
struct metrics_ctx {
	const struct metrics *m;
	struct store *store;         /* the logs held, LMDB use */
	struct transport *transport; /* the peers; NULL without federation */
	const struct fed *fed;       /* what peers announced (lag); NULL without federation */
	const char *data_dir;        /* its file system's space; NULL: not shown */
	time_t started;              /* process_start_time_seconds */
};

/* The exposition into a new buffer (*out, free()). 0, or -1 out of memory. */
int metrics_render(const struct metrics_ctx *c, char **out, size_t *len);

#endif

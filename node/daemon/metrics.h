/*
 * metrics — the node's counters, and their Prometheus text exposition (format 0.0.4) with the
 * size of every log the node holds, LMDB map use and the peers' counters.
 *
 * Threads: the counters are atomics, bumped from the service thread and the writer thread;
 * metrics_render runs on the service thread (it reads the store and the transport's table).
 */
#ifndef REMACTO_METRICS_H
#define REMACTO_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

struct store;
struct transport;

#define METRICS_LATENCY_BUCKETS 12 /* append latency upper bounds, see metrics.c */

struct metrics {
	atomic_uint_fast64_t http_by_status[6]; /* index status / 100: 1xx..5xx */
	atomic_uint_fast64_t http_requests;
	atomic_uint_fast64_t entries_published;
	atomic_uint_fast64_t commits;
	atomic_uint_fast64_t publish_rejected;
	atomic_uint_fast64_t append_latency[METRICS_LATENCY_BUCKETS + 1]; /* +Inf last */
	atomic_uint_fast64_t append_latency_sum_us;
	atomic_uint_fast64_t append_latency_count;
};

/* Records one append's latency (seconds from request to durable commit). */
void metrics_observe_append(struct metrics *m, double seconds);
void metrics_count_status(struct metrics *m, int status);
/* The exposition of m, of the logs of s, and of t's peers (t NULL: no federation) into a new
 * buffer (*out, free()). 0, or -1 out of memory. */
int metrics_render(struct metrics *m, struct store *s, struct transport *t, char **out,
                   size_t *len);

#endif

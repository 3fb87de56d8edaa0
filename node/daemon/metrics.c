/*
 * metrics — the node's counters and their exposition. See metrics.h.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "peers/transport.h"
#include "store/tlog.h"

/* Upper bounds (seconds) of the append latency histogram, request to durable commit. */
static const double latency_bounds[METRICS_LATENCY_BUCKETS] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5,
};

void
metrics_observe_append(struct metrics *m, double seconds)
{
	int b = 0;
	while (b < METRICS_LATENCY_BUCKETS && seconds > latency_bounds[b])
		b++;
	atomic_fetch_add(&m->append_latency[b], 1);
	atomic_fetch_add(&m->append_latency_sum_us, (uint_fast64_t)(seconds * 1e6));
	atomic_fetch_add(&m->append_latency_count, 1);
}

void
metrics_count_status(struct metrics *m, int status)
{
	int c = status / 100;
	if (c >= 1 && c <= 5)
		atomic_fetch_add(&m->http_by_status[c], 1);
}

static int
log_size(const Remacto__Store__LogRecord *rec, void *arg)
{
	/* Origins are key names: no '"', '\\' or newline can reach a label value. */
	buf_printf(arg, "remacto_log_entries{origin=\"%s\"} %llu\n", rec->origin,
	           (unsigned long long)rec->size);
	return 0;
}

int
metrics_render(struct metrics *m, struct store *s, struct transport *t, char **text, size_t *len)
{
	struct buf o = BUF_INIT(0);
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn;

	buf_printf(&o, "# HELP remacto_http_requests_total HTTP requests by status class.\n"
	               "# TYPE remacto_http_requests_total counter\n");
	for (int c = 1; c <= 5; c++)
		buf_printf(&o, "remacto_http_requests_total{code=\"%dxx\"} %llu\n", c,
		           (unsigned long long)atomic_load(&m->http_by_status[c]));
	buf_printf(
	        &o,
	        "# HELP remacto_entries_published_total Entries this node published in its own log.\n"
	        "# TYPE remacto_entries_published_total counter\n"
	        "remacto_entries_published_total %llu\n",
	        (unsigned long long)atomic_load(&m->entries_published));
	buf_printf(
	        &o,
	        "# HELP remacto_commits_total Durable group commits (one signed checkpoint each).\n"
	        "# TYPE remacto_commits_total counter\nremacto_commits_total %llu\n",
	        (unsigned long long)atomic_load(&m->commits));
	buf_printf(&o,
	           "# HELP remacto_publish_rejected_total Publications rejected by state checks.\n"
	           "# TYPE remacto_publish_rejected_total counter\n"
	           "remacto_publish_rejected_total %llu\n",
	           (unsigned long long)atomic_load(&m->publish_rejected));
	buf_printf(&o, "# HELP remacto_append_latency_seconds From request to durable commit.\n"
	               "# TYPE remacto_append_latency_seconds histogram\n");
	uint64_t cum = 0;
	for (int b = 0; b <= METRICS_LATENCY_BUCKETS; b++) {
		cum += atomic_load(&m->append_latency[b]);
		if (b < METRICS_LATENCY_BUCKETS)
			buf_printf(&o, "remacto_append_latency_seconds_bucket{le=\"%g\"} %llu\n",
			           latency_bounds[b], (unsigned long long)cum);
		else
			buf_printf(&o, "remacto_append_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
			           (unsigned long long)cum);
	}
	buf_printf(
	        &o,
	        "remacto_append_latency_seconds_sum %.6f\nremacto_append_latency_seconds_count %llu\n",
	        atomic_load(&m->append_latency_sum_us) / 1e6,
	        (unsigned long long)atomic_load(&m->append_latency_count));

	buf_printf(&o, "# HELP remacto_log_entries Entries held per log.\n"
	               "# TYPE remacto_log_entries gauge\n");
	if (store_read_begin(s, &txn) == 0) {
		store_log_each(s, txn, log_size, &o);
		mdb_txn_abort(txn);
	}
	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	buf_printf(&o,
	           "# HELP remacto_lmdb_map_bytes Size of the LMDB map.\n"
	           "# TYPE remacto_lmdb_map_bytes gauge\nremacto_lmdb_map_bytes %zu\n"
	           "# HELP remacto_lmdb_used_bytes Bytes of the map in use.\n"
	           "# TYPE remacto_lmdb_used_bytes gauge\nremacto_lmdb_used_bytes %zu\n",
	           info.me_mapsize, (size_t)(info.me_last_pgno + 1) * st.ms_psize);
	transport_metrics(t, &o);
	if (o.err) {
		buf_free(&o);
		return -1;
	}
	*text = buf_steal(&o, len);
	return 0;
}

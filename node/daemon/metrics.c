/*
 * metrics — Prometheus text exposition (format 0.0.4) of the node's counters, every log it
 * holds (size, how far it is behind what peers announced, when a witness last cosigned it,
 * whether it is forked), LMDB map use, the data folder's file system, the peers (transport.h),
 * the build and the process (the standard process_* names of Prometheus client libraries).
 * Counters are atomics, bumped from every thread; rendering runs on the service thread, which
 * owns fed and the transport.
 */
#include "metrics.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "peers/evidence.h"
#include "peers/fed.h"
#include "peers/transport.h"
#include "peers/witness.h"
#include "store/tlog.h"
#include "version.h"

/* Cosigned sizes looked at, newest first, for a log's latest witness time. */
#define WITNESS_SIZES_SCANNED 4

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

/* What peers announced beyond what the node holds, sorted by origin for lookups. */
struct announced {
	struct ann {
		char *origin;
		uint64_t size;
	} * v;
	size_t n, cap;
	bool oom;
};

static void
announced_add(void *arg, const char *origin, uint64_t size)
{
	struct announced *a = arg;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? 2 * a->cap : 64;
		struct ann *nv = realloc(a->v, ncap * sizeof(*nv));
		if (!nv) {
			a->oom = true;
			return;
		}
		a->v = nv, a->cap = ncap;
	}
	if (!(a->v[a->n].origin = strdup(origin))) {
		a->oom = true;
		return;
	}
	a->v[a->n++].size = size;
}

static int
ann_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ann *)x)->origin, ((const struct ann *)y)->origin);
}

static struct ann *
announced_find(const struct announced *a, const char *origin)
{
	struct ann key = { (char *)origin, 0 };
	return a->n ? bsearch(&key, a->v, a->n, sizeof(*a->v), ann_cmp) : NULL;
}

/* One pass over the logs held; each family's lines are collected in its own buffer, so the
 * output keeps one HELP/TYPE block per family. */
struct per_log {
	struct store *store;
	MDB_txn *txn;
	struct announced *ann;
	struct buf entries, behind, witnessed, forked;
};

/* The newest cosignature time of a log by a witness other than the log's own signer (its own
 * node does not witness itself), from the newest cosigned sizes. 0 when none. */
static time_t
last_witnessed(struct per_log *pl, const Remacto__Store__LogRecord *rec)
{
	json_t *list = witness_list(pl->store, pl->txn, rec->id, WITNESS_SIZES_SCANNED), *w;
	time_t latest = 0;
	size_t i;

	json_array_foreach(list, i, w)
	{
		const char *name = json_string_value(json_object_get(w, "witness"));
		const char *when = json_string_value(json_object_get(w, "time"));
		struct tm tm = { 0 };
		if (!name || !when || !strcmp(name, rec->origin) ||
		    !strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm))
			continue;
		time_t t = timegm(&tm);
		if (t > latest)
			latest = t;
	}
	json_decref(list);
	return latest;
}

static int
per_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct per_log *pl = arg;
	struct ann *a = announced_find(pl->ann, rec->origin);
	time_t w = last_witnessed(pl, rec);

	/* Origins are key names: no '"', '\\' or newline can reach a label value. */
	buf_printf(&pl->entries, "remacto_log_entries{origin=\"%s\"} %llu\n", rec->origin,
	           (unsigned long long)rec->size);
	buf_printf(&pl->behind, "remacto_replica_behind_entries{origin=\"%s\"} %llu\n", rec->origin,
	           (unsigned long long)(a && a->size > rec->size ? a->size - rec->size : 0));
	if (a)
		a->size = 0; /* listed */
	if (w)
		buf_printf(&pl->witnessed,
		           "remacto_log_last_witnessed_seconds{origin=\"%s\"} %lld\n", rec->origin,
		           (long long)w);
	buf_printf(&pl->forked, "remacto_log_forked{origin=\"%s\"} %d\n", rec->origin,
	           evidence_forked(pl->store, pl->txn, rec->origin) ? 1 : 0);
	return 0;
}

static void
append(struct buf *o, const char *head, struct buf *part)
{
	buf_puts(o, head);
	buf_put(o, part->data, part->len);
	if (part->err)
		buf_fail(o, part->err);
	buf_free(part);
}

static void
render_logs(const struct metrics_ctx *c, struct buf *o)
{
	struct announced ann = { 0 };
	struct per_log pl = {
		.store = c->store,
		.ann = &ann,
		.entries = BUF_INIT(0),
		.behind = BUF_INIT(0),
		.witnessed = BUF_INIT(0),
		.forked = BUF_INIT(0),
	};

	fed_announced_each(c->fed, announced_add, &ann);
	if (ann.n)
		qsort(ann.v, ann.n, sizeof(*ann.v), ann_cmp);
	if (store_read_begin(c->store, &pl.txn) == 0) {
		store_log_each(c->store, pl.txn, per_log, &pl);
		mdb_txn_abort(pl.txn);
	}
	/* Logs announced that the node holds nothing of yet: all of it is behind. */
	for (size_t i = 0; i < ann.n; i++)
		if (ann.v[i].size)
			buf_printf(&pl.behind,
			           "remacto_replica_behind_entries{origin=\"%s\"} %llu\n",
			           ann.v[i].origin, (unsigned long long)ann.v[i].size);
	append(o,
	       "# HELP remacto_log_entries Entries held per log.\n"
	       "# TYPE remacto_log_entries gauge\n",
	       &pl.entries);
	append(o,
	       "# HELP remacto_replica_behind_entries Entries of the log that peers announced "
	       "(in a signed checkpoint) and this node does not hold yet.\n"
	       "# TYPE remacto_replica_behind_entries gauge\n",
	       &pl.behind);
	append(o,
	       "# HELP remacto_log_last_witnessed_seconds Unix time of the newest cosignature of "
	       "the log by a witness (not its own signer).\n"
	       "# TYPE remacto_log_last_witnessed_seconds gauge\n",
	       &pl.witnessed);
	append(o,
	       "# HELP remacto_log_forked 1 while the node holds unanswered equivocation evidence "
	       "against the log.\n"
	       "# TYPE remacto_log_forked gauge\n",
	       &pl.forked);
	if (ann.oom)
		buf_fail(o, -ENOMEM);
	for (size_t i = 0; i < ann.n; i++)
		free(ann.v[i].origin);
	free(ann.v);
}

static size_t
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t count = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		count += e->d_name[0] != '.';
	closedir(d);
	return count > 0 ? count - 1 : 0; /* not the descriptor of the listing itself */
}

/* The names and meanings of the Prometheus client libraries' process collector. */
static void
render_process(const struct metrics_ctx *c, struct buf *o)
{
	struct rusage ru;
	struct rlimit rl;
	unsigned long long vm = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &vm, &rss) != 2)
			vm = rss = 0;
		fclose(f);
	}
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		memset(&ru, 0, sizeof(ru));
	buf_printf(
	        o,
	        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
	        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n",
	        (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	buf_printf(
	        o,
	        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
	        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n",
	        rss * (unsigned long long)page, vm * (unsigned long long)page);
	buf_printf(o,
	           "# HELP process_open_fds Number of open file descriptors.\n"
	           "# TYPE process_open_fds gauge\nprocess_open_fds %zu\n",
	           open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		buf_printf(o,
		           "# HELP process_max_fds Maximum number of open file descriptors.\n"
		           "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
		           (unsigned long long)rl.rlim_cur);
	buf_printf(
	        o,
	        "# HELP process_start_time_seconds Start time of the process since unix epoch in "
	        "seconds.\n"
	        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n",
	        (long long)c->started);
}

int
metrics_render(const struct metrics_ctx *c, char **text, size_t *len)
{
	const struct metrics *m = c->m;
	struct buf o = BUF_INIT(0);
	MDB_envinfo info;
	MDB_stat st;
	struct statvfs vfs;

	buf_printf(&o,
	           "# HELP remacto_build_info The version of remactod, always 1.\n"
	           "# TYPE remacto_build_info gauge\nremacto_build_info{version=\"%s\"} 1\n",
	           REMACTO_VERSION);
	buf_printf(&o, "# HELP remacto_http_requests_total HTTP requests by status class.\n"
	               "# TYPE remacto_http_requests_total counter\n");
	for (int k = 1; k <= 5; k++)
		buf_printf(&o, "remacto_http_requests_total{code=\"%dxx\"} %llu\n", k,
		           (unsigned long long)atomic_load(&m->http_by_status[k]));
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
	           "# HELP remacto_commit_errors_total Commits of the node's own publications that "
	           "failed (nothing of them was stored).\n"
	           "# TYPE remacto_commit_errors_total counter\nremacto_commit_errors_total %llu\n",
	           (unsigned long long)atomic_load(&m->commit_errors));
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

	render_logs(c, &o);
	mdb_env_info(c->store->env, &info);
	mdb_env_stat(c->store->env, &st);
	buf_printf(&o,
	           "# HELP remacto_lmdb_map_bytes Size of the LMDB map.\n"
	           "# TYPE remacto_lmdb_map_bytes gauge\nremacto_lmdb_map_bytes %zu\n"
	           "# HELP remacto_lmdb_used_bytes Bytes of the map in use.\n"
	           "# TYPE remacto_lmdb_used_bytes gauge\nremacto_lmdb_used_bytes %zu\n",
	           info.me_mapsize, (size_t)(info.me_last_pgno + 1) * st.ms_psize);
	if (c->data_dir && statvfs(c->data_dir, &vfs) == 0)
		buf_printf(
		        &o,
		        "# HELP remacto_data_filesystem_avail_bytes Space left to the node on the data "
		        "folder's file system.\n"
		        "# TYPE remacto_data_filesystem_avail_bytes gauge\n"
		        "remacto_data_filesystem_avail_bytes %llu\n"
		        "# HELP remacto_data_filesystem_size_bytes Size of the data folder's file "
		        "system.\n"
		        "# TYPE remacto_data_filesystem_size_bytes gauge\n"
		        "remacto_data_filesystem_size_bytes %llu\n",
		        (unsigned long long)vfs.f_bavail * vfs.f_frsize,
		        (unsigned long long)vfs.f_blocks * vfs.f_frsize);
	if (c->transport)
		buf_printf(
		        &o,
		        "# HELP remacto_peers_isolated_seconds Seconds without any ready peer session "
		        "(0 while one is ready).\n"
		        "# TYPE remacto_peers_isolated_seconds gauge\n"
		        "remacto_peers_isolated_seconds %.0f\n",
		        transport_isolated_s(c->transport));
	transport_metrics(c->transport, &o);
	render_process(c, &o);
	if (o.err) {
		buf_free(&o);
		return -1;
	}
	*text = buf_steal(&o, len);
	return 0;
}

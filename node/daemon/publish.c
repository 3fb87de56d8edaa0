/*
 * publish — group commit of the node's own publications. See publish.h.
 */
#include "publish.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "live.h"
#include "node.h"
#include "peers/registry.h"
#include "store/writer.h"

struct publish_job {
	struct publish_job *next; /* service thread: the finished list */
	struct publisher *p;
	struct tlog_blob *entries;
	size_t n;
	void *owner; /* service thread only */
	double submitted;
	/* Result, written by the writer thread. */
	int rc; /* 0, -EINVAL (rejected by the index), -EPERM (suspended), or a store error */
	uint64_t first;
	char err[512];
	struct registry_suspension *sp; /* with -EPERM: the suspension that refused it */
	struct api_resp resp;
};

struct publisher {
	struct node *n;
	struct writer *w;
	struct writer_group group;
	/* Writer thread: the run of publications the open round appends, and what it sealed. */
	struct tlog_batch b;
	bool any, sealed;
	struct tlog_head *head;
	/* Service thread. */
	struct publish_job *done; /* finished, waiting for publish_collect */
	size_t queued, queued_entries;
	atomic_int last_rc; /* of the last round with publications: 0, or why it failed */
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
blobs_free(struct tlog_blob *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)entries[i].data);
	free(entries);
}

static void
job_free(struct publish_job *j)
{
	if (!j)
		return;
	blobs_free(j->entries, j->n);
	api_resp_free(&j->resp);
	free(j->sp);
	free(j);
}

/* ---- the writer's side: one tlog batch per run of publications, one checkpoint ---- */

static int
group_open(void *arg, MDB_txn *txn)
{
	struct publisher *p = arg;
	p->any = false;
	return tlog_batch_begin(&p->b, &p->n->store, txn, p->n->signer.v.name);
}

static int
group_close(void *arg, MDB_txn *txn)
{
	struct publisher *p = arg;
	int rc = 0;
	if (txn && p->any) {
		rc = tlog_batch_seal(&p->b, txn, &p->n->signer, p->head);
		p->sealed = rc == 0;
	}
	tlog_batch_end(&p->b);
	return rc;
}

static void
group_after(void *arg, int rc)
{
	struct publisher *p = arg;
	atomic_store(&p->last_rc, rc);
	if (rc != 0)
		atomic_fetch_add(&p->n->metrics.commit_errors, 1);
	if (rc == 0 && p->sealed) {
		atomic_fetch_add(&p->n->metrics.commits, 1);
		live_checkpoint(p->n, p->head->origin, p->head->size);
	}
	p->sealed = false;
}

/* One publication, in its nested transaction: rolled back alone when the index refuses it. */
static int
job_run(MDB_txn *txn, void *arg)
{
	struct publish_job *j = arg;
	struct publisher *p = j->p;
	struct merkle_range saved = p->b.range;

	j->err[0] = '\0';
	j->first = p->b.range.size;
	/* The service thread checked the registry when the request came, but a suspension may
	 * have been written since (a registry entry fed replicated, in an earlier round or earlier
	 * in this one): this transaction sees it, and the publication is refused as it would
	 * have been then. */
	if (!j->sp && !(j->sp = malloc(sizeof(*j->sp))))
		return j->rc = -ENOMEM;
	if ((j->rc = registry_suspension(&p->n->store, txn, p->n->signer.v.name, j->sp)) != 0)
		return j->rc;
	if (j->sp->suspended)
		return j->rc = -EPERM;
	for (size_t i = 0; i < j->n && j->rc == 0; i++) {
		char why[400] = "";
		j->rc = tlog_batch_add(&p->b, txn, j->entries[i].data, j->entries[i].len, true, why,
		                       sizeof(why));
		if (j->rc == -EINVAL)
			snprintf(j->err, sizeof(j->err), "entry %zu: %s", i, why);
	}
	if (j->rc != 0) {
		p->b.range = saved;
		return j->rc;
	}
	p->any = true;
	return 0;
}

void
publish_refuse_suspended(struct api_resp *resp, const char *origin,
                         const struct registry_suspension *sp)
{
	char text[1024];
	registry_suspension_text(origin, sp, text, sizeof(text));
	json_t *e = json_pack("{s:i, s:s+, s:o*}", "status", 403, "reason", text,
	                      "; publishing is refused until the authority reinstates it",
	                      "suspended", registry_suspension_json(sp));
	api_json(resp, 403, json_pack("{s:o}", "error", e));
	resp->cache_control = NULL;
}

static json_t *
indexes_json(uint64_t first, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)(first + i)));
	return a;
}

/* Writer thread, after the round: the job's HTTP response. */
static void
job_finish(void *arg, int rc)
{
	struct publish_job *j = arg;
	struct metrics *m = &j->p->n->metrics;
	const struct tlog_head *h = j->p->head;

	if (rc == -EPERM && j->sp && j->sp->suspended) {
		publish_refuse_suspended(&j->resp, j->p->n->signer.v.name, j->sp);
	} else if (rc == -EINVAL) {
		/* err is "entry N: field: reason": the field, with the entry's position in a batch
		 * as the schema errors give it ("[2].statusUpdate.commitmentId"). */
		char field[160] = "";
		unsigned long idx = 0;
		const char *rest = sscanf(j->err, "entry %lu: ", &idx) == 1
		                           ? strstr(j->err, ": ") + 2
		                           : NULL;
		const char *end = rest ? strstr(rest, ": ") : NULL;
		if (end && j->n > 1)
			snprintf(field, sizeof(field), "[%lu].%.*s", idx, (int)(end - rest), rest);
		else if (end)
			snprintf(field, sizeof(field), "%.*s", (int)(end - rest), rest);
		api_error(&j->resp, 400, field, "%s; nothing was stored", j->err);
		atomic_fetch_add(&m->publish_rejected, 1);
	} else if (rc != 0) {
		api_error(&j->resp, 503, NULL,
		          "the node could not store the entries: %s%s; nothing was stored, retry "
		          "later",
		          store_strerror(rc), store_io_hint(rc));
	} else {
		api_json(&j->resp, 200,
		         json_pack("{s:o, s:I, s:s#}", "indexes", indexes_json(j->first, j->n),
		                   "treeSize", (json_int_t)h->size, "checkpoint", h->checkpoint,
		                   (int)h->checkpoint_len));
		atomic_fetch_add(&m->entries_published, j->n);
		metrics_observe_append(m, now_s() - j->submitted);
	}
	j->rc = rc;
}

/* Service thread: the job leaves the queue; its response waits for publish_collect. */
static void
job_done(void *arg, int rc)
{
	struct publish_job *j = arg;
	struct publisher *p = j->p;
	(void)rc;
	p->queued--;
	p->queued_entries -= j->n;
	if (!j->owner) {
		job_free(j); /* the client left; the entries are stored anyway */
		return;
	}
	j->next = p->done;
	p->done = j;
}

struct publisher *
publish_start(struct node *n, char *err, size_t errcap)
{
	struct publisher *p = calloc(1, sizeof(*p));
	if (!p || !(p->head = malloc(sizeof(*p->head)))) {
		free(p);
		snprintf(err, errcap, "cannot start publishing: out of memory");
		return NULL;
	}
	p->n = n;
	p->w = n->writer;
	p->group = (struct writer_group){ group_open, group_close, group_after, p };
	return p;
}

void
publish_stop(struct publisher *p)
{
	if (!p)
		return;
	while (p->done) {
		struct publish_job *j = p->done;
		p->done = j->next;
		job_free(j);
	}
	free(p->head);
	free(p);
}

static struct publish_job *
job_new(struct publisher *p, struct tlog_blob *entries, size_t n, void *owner,
        struct writer_job *wj)
{
	struct publish_job *j;
	size_t bytes = 0;

	if (p->queued >= PUBLISH_MAX_QUEUE || p->queued_entries + n > PUBLISH_MAX_QUEUED_ENTRIES ||
	    !(j = calloc(1, sizeof(*j)))) {
		blobs_free(entries, n);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		bytes += entries[i].len;
	*j = (struct publish_job){
		.p = p, .entries = entries, .n = n, .owner = owner, .submitted = now_s()
	};
	*wj = (struct writer_job){ .run = job_run,
		                   .finish = job_finish,
		                   .done = job_done,
		                   .arg = j,
		                   .group = &p->group,
		                   .weight = n,
		                   .bytes = bytes + n * sizeof(*entries) + sizeof(*j) };
	return j;
}

int
publish_last_error(struct publisher *p)
{
	return p ? atomic_load(&p->last_rc) : 0;
}

struct publish_job *
publish_submit(struct publisher *p, struct tlog_blob *entries, size_t n, void *owner)
{
	struct writer_job wj;
	struct publish_job *j = job_new(p, entries, n, owner, &wj);
	if (!j)
		return NULL;
	if (writer_submit(p->w, &wj) != 0) {
		job_free(j);
		return NULL;
	}
	p->queued++;
	p->queued_entries += n;
	return j;
}

void
publish_detach(struct publisher *p, struct publish_job *j)
{
	(void)p;
	/* Still with the writer or already finished: done or collect drops it. */
	j->owner = NULL;
}

void
publish_collect(struct publisher *p, void (*fn)(void *owner, struct api_resp *resp, void *arg),
                void *arg)
{
	struct publish_job *list = p->done;
	p->done = NULL;
	while (list) {
		struct publish_job *j = list;
		list = j->next;
		if (j->owner) {
			fn(j->owner, &j->resp, arg);
			j->resp.body = NULL;
		}
		job_free(j);
	}
}

int
publish_wait(struct publisher *p, struct tlog_blob *entries, size_t n, struct api_resp *resp)
{
	struct writer_job wj;
	struct publish_job *j = job_new(p, entries, n, NULL, &wj);
	int rc;

	if (!j) {
		api_error(resp, 503, NULL, "the publication queue is full; retry later");
		return -EAGAIN;
	}
	wj.done = NULL;
	rc = writer_run(p->w, &wj);
	if (j->resp.status) {
		*resp = j->resp; /* finish ran */
		j->resp.body = NULL;
	} else {
		api_error(resp, 503, NULL, "the writer did not take the entries: %s",
		          store_strerror(rc));
	}
	job_free(j);
	return resp->status == 200 ? 0 : (rc ? rc : -EIO);
}

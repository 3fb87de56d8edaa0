/*
 * publish — group commit of the node's own publications. See publish.h.
 *
 * Threads: the service thread submits and collects; the writer thread owns every job between
 * the two and is the only one writing to the store. One mutex guards the queues; a job's
 * `owner` is only read or changed under it.
 */
#include "publish.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "live.h"
#include "node.h"

/* A commit closes when this many entries are queued, whatever the interval. */
#define PUBLISH_BATCH_CLOSE 1000

struct publish_job {
	struct publish_job *next;
	struct tlog_blob *entries;
	size_t n;
	void *owner;
	bool waited; /* publish_wait: freed by the waiter, not by collect */
	bool done;
	double submitted;
	/* Result of the commit. */
	int rc; /* 0, -EINVAL (rejected by the index), or a store error */
	uint64_t first;
	char err[512];
	struct api_resp resp;
};

struct publisher {
	struct node *n;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	struct publish_job *head, *tail; /* waiting for the writer */
	struct publish_job *done;        /* finished, waiting for collect */
	size_t queued, queued_entries;
	bool stop, started;
	atomic_int last_rc; /* of the last commit: 0, or why it failed */
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
job_free(struct publish_job *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		free((void *)j->entries[i].data);
	free(j->entries);
	api_resp_free(&j->resp);
	free(j);
}

struct commit_arg {
	struct publisher *p;
	struct publish_job *jobs;
	struct tlog_head *head;
	bool any;
};

/* One write transaction for every job taken: each job in a nested transaction, so a job the
 * index rejects is rolled back alone; one signed checkpoint at the end. Runs again from scratch
 * when the store grows the map. */
static int
commit_txn(MDB_txn *txn, void *arg)
{
	struct commit_arg *a = arg;
	struct node *n = a->p->n;
	struct tlog_batch b;
	int rc;

	a->any = false;
	if ((rc = tlog_batch_begin(&b, &n->store, txn, n->signer.v.name)) != 0)
		return rc;
	for (struct publish_job *j = a->jobs; j; j = j->next) {
		struct merkle_range saved = b.range;
		MDB_txn *child;

		j->err[0] = '\0';
		j->first = b.range.size;
		if ((rc = mdb_txn_begin(n->store.env, txn, 0, &child)) != 0)
			goto fail;
		j->rc = 0;
		for (size_t i = 0; i < j->n && j->rc == 0; i++) {
			char why[400] = "";
			j->rc = tlog_batch_add(&b, child, j->entries[i].data, j->entries[i].len,
			                       true, why, sizeof(why));
			if (j->rc == -EINVAL)
				snprintf(j->err, sizeof(j->err), "entry %zu: %s", i, why);
		}
		if (j->rc != 0) {
			mdb_txn_abort(child);
			b.range = saved;
			if (j->rc != -EINVAL) {
				rc = j->rc; /* a store error fails the whole commit */
				goto fail;
			}
			continue;
		}
		if ((rc = mdb_txn_commit(child)) != 0)
			goto fail;
		a->any = true;
	}
	rc = a->any ? tlog_batch_seal(&b, txn, &n->signer, a->head) : 0;
fail:
	tlog_batch_end(&b);
	return rc;
}

static json_t *
indexes_json(uint64_t first, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)(first + i)));
	return a;
}

static void
finish_jobs(struct publisher *p, struct publish_job *jobs, int rc, const struct tlog_head *h)
{
	struct metrics *m = &p->n->metrics;
	double t = now_s();

	for (struct publish_job *j = jobs; j; j = j->next) {
		if (rc != 0) {
			api_error(&j->resp, 503, NULL,
			          "the node could not store the entries: %s%s; "
			          "nothing was stored, retry later",
			          store_strerror(rc), store_io_hint(rc));
		} else if (j->rc == -EINVAL) {
			/* err is "entry N: field: reason": the field, with the entry's position in
			 * a batch as the schema errors give it ("[2].statusUpdate.commitmentId"). */
			char field[160] = "";
			unsigned long idx = 0;
			const char *rest = sscanf(j->err, "entry %lu: ", &idx) == 1
			                           ? strstr(j->err, ": ") + 2
			                           : NULL;
			const char *end = rest ? strstr(rest, ": ") : NULL;
			if (end && j->n > 1)
				snprintf(field, sizeof(field), "[%lu].%.*s", idx, (int)(end - rest),
				         rest);
			else if (end)
				snprintf(field, sizeof(field), "%.*s", (int)(end - rest), rest);
			api_error(&j->resp, 400, field, "%s; nothing was stored", j->err);
			atomic_fetch_add(&m->publish_rejected, 1);
		} else {
			api_json(&j->resp, 200,
			         json_pack("{s:o, s:I, s:s#}", "indexes",
			                   indexes_json(j->first, j->n), "treeSize",
			                   (json_int_t)h->size, "checkpoint", h->checkpoint,
			                   (int)h->checkpoint_len));
			atomic_fetch_add(&m->entries_published, j->n);
			metrics_observe_append(m, t - j->submitted);
		}
	}
}

static void *
writer(void *arg)
{
	struct publisher *p = arg;
	struct tlog_head *head = malloc(sizeof(*head));
	double last = 0;

	for (;;) {
		struct publish_job *jobs, *j;
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->head && p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		/* Checkpoint cadence: at most one commit per interval while publications keep
		 * coming, unless a batch is full. */
		double wait = p->n->cfg.checkpoint_interval_ms / 1000.0 - (now_s() - last);
		if (wait > 0 && p->queued_entries < PUBLISH_BATCH_CLOSE && !p->stop) {
			pthread_mutex_unlock(&p->mu);
			struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&p->mu);
		}
		jobs = p->head;
		p->head = p->tail = NULL;
		p->queued = p->queued_entries = 0;
		pthread_mutex_unlock(&p->mu);

		struct commit_arg a = { p, jobs, head, false };
		int rc = head ? store_write(&p->n->store, commit_txn, &a) : -ENOMEM;
		last = now_s();
		atomic_store(&p->last_rc, rc);
		if (rc != 0) {
			atomic_fetch_add(&p->n->metrics.commit_errors, 1);
			log_err("publish: commit failed, %s%s", store_strerror(rc),
			        store_io_hint(rc));
		} else if (a.any)
			atomic_fetch_add(&p->n->metrics.commits, 1);
		if (rc == 0 && a.any)
			live_checkpoint(p->n, head->origin, head->size);
		finish_jobs(p, jobs, rc, head);

		pthread_mutex_lock(&p->mu);
		while ((j = jobs)) {
			jobs = j->next;
			j->done = true;
			if (j->waited) {
				continue; /* publish_wait frees it */
			} else if (!j->owner) {
				job_free(j); /* the client left; the entries are stored anyway */
			} else {
				j->next = p->done;
				p->done = j;
			}
		}
		pthread_cond_broadcast(&p->finished);
		pthread_mutex_unlock(&p->mu);
		if (p->n->lws)
			lws_cancel_service(p->n->lws);
	}
	free(head);
	return NULL;
}

struct publisher *
publish_start(struct node *n, char *err, size_t errcap)
{
	struct publisher *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	p->n = n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->finished, NULL);
	int rc = pthread_create(&p->thread, NULL, writer, p);
	if (rc != 0) {
		snprintf(err, errcap, "cannot start the writer thread: %s", strerror(rc));
		publish_stop(p);
		return NULL;
	}
	p->started = true;
	return p;
}

void
publish_stop(struct publisher *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	while (p->done) {
		struct publish_job *j = p->done;
		p->done = j->next;
		job_free(j);
	}
	pthread_cond_destroy(&p->finished);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static struct publish_job *
submit(struct publisher *p, struct tlog_blob *entries, size_t n, void *owner, bool waited)
{
	struct publish_job *j = calloc(1, sizeof(*j));
	pthread_mutex_lock(&p->mu);
	if (!j || p->stop || p->queued >= PUBLISH_MAX_QUEUE ||
	    p->queued_entries + n > PUBLISH_MAX_QUEUED_ENTRIES) {
		pthread_mutex_unlock(&p->mu);
		free(j);
		for (size_t i = 0; i < n; i++)
			free((void *)entries[i].data);
		free(entries);
		return NULL;
	}
	*j = (struct publish_job){
		.entries = entries, .n = n, .owner = owner, .waited = waited, .submitted = now_s()
	};
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	p->queued_entries += n;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
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
	return submit(p, entries, n, owner, false);
}

void
publish_detach(struct publisher *p, struct publish_job *j)
{
	pthread_mutex_lock(&p->mu);
	j->owner = NULL;
	/* Already finished and waiting for collect: collect will drop it. */
	pthread_mutex_unlock(&p->mu);
}

void
publish_collect(struct publisher *p, void (*fn)(void *owner, struct api_resp *resp, void *arg),
                void *arg)
{
	struct publish_job *list;
	pthread_mutex_lock(&p->mu);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	while (list) {
		struct publish_job *j = list;
		list = j->next;
		/* owner is only cleared by publish_detach in this same thread: safe to read. */
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
	struct publish_job *j = submit(p, entries, n, NULL, true);
	if (!j) {
		api_error(resp, 503, NULL, "the publication queue is full; retry later");
		return -EAGAIN;
	}
	pthread_mutex_lock(&p->mu);
	while (!j->done)
		pthread_cond_wait(&p->finished, &p->mu);
	pthread_mutex_unlock(&p->mu);
	*resp = j->resp;
	j->resp.body = NULL;
	int rc = j->rc;
	job_free(j);
	return resp->status == 200 ? 0 : (rc ? rc : -EIO);
}

/*
 * writer — the store's one writer thread and its group commit. See writer.h.
 *
 * Threads: `mu` guards the queue (head, tail and its counters), the finished list, wake and
 * stop; a job moves queue → round (writer thread only, no lock) → finished list or its waiter.
 * The writer thread is the only one to touch `round` and `seen`.
 */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

struct wjob {
	struct writer_job job;
	struct wjob *next;
	int rc;
	bool sync;     /* writer_run waits for it */
	bool finished; /* sync: set under mu once finish ran */
};

struct writer {
	struct store *s;
	unsigned interval_ms;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	/* Under mu. */
	struct wjob *head, *tail;
	size_t njobs, nbytes, nweight;
	struct wjob *done_head, *done_tail;
	void (*wake)(void *arg);
	void *wake_arg;
	bool stop;
	/* Writer thread only. */
	struct wjob *round;
	const struct writer_group **seen; /* the groups of the round, for their after callback */
	size_t nseen, seen_cap;
};

static void
deadline_after(struct timespec *t, const struct timespec *from, unsigned ms)
{
	t->tv_sec = from->tv_sec + (time_t)(ms / 1000);
	t->tv_nsec = from->tv_nsec + (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Remembers g as taking part in the round; false when out of memory (its after is skipped). */
static bool
note_group(struct writer *w, const struct writer_group *g)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == g)
			return true;
	if (w->nseen == w->seen_cap) {
		size_t cap = w->seen_cap ? 2 * w->seen_cap : 8;
		const struct writer_group **n = realloc(w->seen, cap * sizeof(*n));
		if (!n)
			return false;
		w->seen = n;
		w->seen_cap = cap;
	}
	w->seen[w->nseen++] = g;
	return true;
}

/* The round: every job in its nested transaction, groups opened and closed around their runs
 * of consecutive jobs. */
static int
round_txn(MDB_txn *txn, void *arg)
{
	struct writer *w = arg;
	const struct writer_group *open = NULL;
	int rc = 0;

	for (struct wjob *j = w->round; j; j = j->next) {
		MDB_txn *child;
		if (j->job.group != open) {
			const struct writer_group *g = open;
			open = NULL;
			if (g && (rc = g->close(g->arg, txn)) != 0)
				goto fail;
			if ((g = j->job.group)) {
				note_group(w, g);
				if ((rc = g->open(g->arg, txn)) != 0)
					goto fail;
				open = g;
			}
		}
		j->rc = 0;
		if ((rc = mdb_txn_begin(w->s->env, txn, 0, &child)) != 0)
			goto fail;
		if ((j->rc = j->job.run(child, j->job.arg)) != 0) {
			mdb_txn_abort(child);
			continue;
		}
		if ((rc = mdb_txn_commit(child)) != 0)
			goto fail;
	}
	if (open) {
		const struct writer_group *g = open;
		open = NULL;
		if ((rc = g->close(g->arg, txn)) != 0)
			goto fail;
	}
	return 0;
fail:
	if (open)
		open->close(open->arg, NULL);
	return rc;
}

static void
run_round(struct writer *w)
{
	w->nseen = 0;
	int rc = store_write(w->s, round_txn, w);
	if (rc != 0)
		log_err("store: a write failed, nothing of it stored: %s%s", store_strerror(rc),
		        store_io_hint(rc));
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i]->after)
			w->seen[i]->after(w->seen[i]->arg, rc);
	for (struct wjob *j = w->round; j; j = j->next) {
		if (j->rc == 0)
			j->rc = rc;
		if (j->job.finish)
			j->job.finish(j->job.arg, j->rc);
	}
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct timespec last = { 0, 0 };
	bool ran = false;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break; /* stopping, and nothing left */
		/* Cadence: at most one round per interval while jobs keep coming, unless enough
		 * work waits. The first job after a quiet spell goes at once. */
		struct timespec now, until;
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline_after(&until, &last, w->interval_ms);
		while (ran && !w->stop && w->nweight < WRITER_CLOSE_WEIGHT &&
		       before(&now, &until)) {
			pthread_cond_timedwait(&w->work, &w->mu, &until);
			clock_gettime(CLOCK_MONOTONIC, &now);
		}
		w->round = w->head;
		w->head = w->tail = NULL;
		w->njobs = w->nbytes = w->nweight = 0;
		pthread_mutex_unlock(&w->mu);

		run_round(w);
		clock_gettime(CLOCK_MONOTONIC, &last);
		ran = true;

		pthread_mutex_lock(&w->mu);
		bool due = false;
		while (w->round) {
			struct wjob *j = w->round;
			w->round = j->next;
			j->next = NULL;
			if (j->sync) {
				j->finished = true;
			} else if (!j->job.done) {
				free(j);
			} else {
				if (w->done_tail)
					w->done_tail->next = j;
				else
					w->done_head = j;
				w->done_tail = j;
				due = true;
			}
		}
		pthread_cond_broadcast(&w->finished);
		/* Under mu: once writer_set_wake(NULL) returned, no wake runs any more. */
		if (due && w->wake)
			w->wake(w->wake_arg);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *
writer_start(struct store *s, unsigned interval_ms, char *err, size_t errcap)
{
	struct writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int rc;

	if (!w) {
		snprintf(err, errcap, "cannot start the writer: out of memory");
		return NULL;
	}
	w->s = s;
	w->interval_ms = interval_ms;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->finished, NULL);
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errcap, "cannot start the writer thread: %s", strerror(rc));
		writer_stop(w);
		return NULL;
	}
	w->started = true;
	s->writer_thread = w->thread;
	atomic_store(&s->writer_owned, true);
	return w;
}

void
writer_set_wake(struct writer *w, void (*wake)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->mu);
	w->wake = wake;
	w->wake_arg = arg;
	pthread_mutex_unlock(&w->mu);
}

void
writer_stop(struct writer *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		w->wake = NULL;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		atomic_store(&w->s->writer_owned, false);
	}
	writer_collect(w);
	free(w->seen);
	pthread_cond_destroy(&w->finished);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static struct wjob *
submit(struct writer *w, const struct writer_job *job, bool sync, int *rc)
{
	struct wjob *j = calloc(1, sizeof(*j));

	if (!j) {
		*rc = -ENOMEM;
		return NULL;
	}
	j->job = *job;
	j->sync = sync;
	pthread_mutex_lock(&w->mu);
	if (w->stop)
		*rc = -ESHUTDOWN;
	else if (w->njobs >= WRITER_MAX_JOBS || w->nbytes + job->bytes > WRITER_MAX_BYTES)
		*rc = -EAGAIN;
	else
		*rc = 0;
	if (*rc != 0) {
		pthread_mutex_unlock(&w->mu);
		free(j);
		return NULL;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->njobs++;
	w->nbytes += job->bytes;
	w->nweight += job->weight;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return j;
}

int
writer_submit(struct writer *w, const struct writer_job *job)
{
	int rc;
	submit(w, job, false, &rc);
	return rc;
}

int
writer_run(struct writer *w, const struct writer_job *job)
{
	int rc;
	if (pthread_equal(pthread_self(), w->thread))
		return -EDEADLK;
	struct wjob *j = submit(w, job, true, &rc);
	if (!j)
		return rc;
	pthread_mutex_lock(&w->mu);
	while (!j->finished)
		pthread_cond_wait(&w->finished, &w->mu);
	pthread_mutex_unlock(&w->mu);
	rc = j->rc;
	free(j);
	return rc;
}

size_t
writer_collect(struct writer *w)
{
	struct wjob *list;
	size_t n = 0;

	pthread_mutex_lock(&w->mu);
	list = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		struct wjob *j = list;
		list = j->next;
		j->job.done(j->job.arg, j->rc);
		free(j);
		n++;
	}
	return n;
}

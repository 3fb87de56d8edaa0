/*
 * Tests for node/store/writer.c: group commit (one round for everything queued, a nested
 * transaction per job, a failing job rolled back alone), groups opened and closed around their
 * runs of jobs, a round that fails as a whole, storage full, the cadence, completions handed
 * back to the collecting thread, writer_run, the queue cap, and store_write refusing other
 * threads while the writer runs.
 *
 * Synchronisation is by condition variables with a bound (10 s), never by sleeping: a "gate"
 * job holds the writer inside a round while the test queues what the next round must take.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "store/writer.h"

#define MAX_EVENTS 64

struct fx {
	char dir[64];
	struct store s;
	struct writer *w;
	pthread_t main;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool gate_open, gate_entered;
	unsigned wakes;
	/* The group's record (writer thread; read by the test after a completion). */
	unsigned opens, closes, closes_null, afters, seals;
	int after_rc, fail_close;
	bool wrong_thread;
};

struct job {
	struct fx *f;
	const char *key; /* written by run, NULL for none */
	size_t value_len;
	int result; /* what run returns after writing */
	int rc;     /* as finish saw it */
	bool finished, done, done_in_main;
	unsigned order; /* position among done callbacks */
};

static unsigned done_count;

#define J(fx, k_, len_, res_) \
	((struct job){ .f = (fx), .key = (k_), .value_len = (len_), .result = (res_) })

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	assert_non_null(f);
	strcpy(f->dir, "/tmp/remacto-writer.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	unsetenv("REMACTO_MAPSIZE");
	assert_int_equal(store_open(&f->s, f->dir, STORE_CREATE, 0, NULL, err, sizeof(err)), 0);
	f->main = pthread_self();
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	done_count = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	writer_stop(f->w);
	store_close(&f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

static void
wake(void *arg)
{
	struct fx *f = arg;
	pthread_mutex_lock(&f->mu);
	f->wakes++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Waits (at most 10 s) until *flag or, with flag NULL, until the writer woke us `wakes` times. */
static void
wait_for(struct fx *f, bool *flag, unsigned wakes)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&f->mu);
	while (flag ? !*flag : f->wakes < wakes)
		if (pthread_cond_timedwait(&f->cv, &f->mu, &until) == ETIMEDOUT)
			break;
	bool ok = flag ? *flag : f->wakes >= wakes;
	pthread_mutex_unlock(&f->mu);
	assert_true(ok);
}

static int
put(MDB_txn *txn, struct store *s, const char *key, size_t len)
{
	static const uint8_t zero[1] = { 0 };
	uint8_t *buf = len > 1 ? calloc(1, len) : NULL;
	MDB_val k = { strlen(key), (void *)key }, v = { len ? len : 1, buf ? buf : (void *)zero };
	int rc = mdb_put(txn, s->meta, &k, &v, 0);
	free(buf);
	return rc;
}

static bool
has(struct fx *f, const char *key)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key }, v;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = mdb_get(txn, f->s.meta, &k, &v);
	mdb_txn_abort(txn);
	return rc == 0;
}

/* ---- jobs ---- */

static int
job_run(MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	if (pthread_equal(pthread_self(), j->f->main))
		j->f->wrong_thread = true;
	if (j->key) {
		int rc = put(txn, &j->f->s, j->key, j->value_len);
		if (rc != 0)
			return rc;
	}
	return j->result;
}

static void
job_finish(void *arg, int rc)
{
	struct job *j = arg;
	if (pthread_equal(pthread_self(), j->f->main))
		j->f->wrong_thread = true;
	j->rc = rc;
	pthread_mutex_lock(&j->f->mu);
	j->finished = true;
	pthread_cond_broadcast(&j->f->cv);
	pthread_mutex_unlock(&j->f->mu);
}

static void
job_done(void *arg, int rc)
{
	struct job *j = arg;
	j->done = true;
	j->done_in_main = pthread_equal(pthread_self(), j->f->main);
	j->order = done_count++;
	assert_int_equal(rc, j->rc);
}

/* Holds the writer in its round until the test opens the gate. */
static int
gate_run(MDB_txn *txn, void *arg)
{
	struct fx *f = arg;
	(void)txn;
	pthread_mutex_lock(&f->mu);
	f->gate_entered = true;
	pthread_cond_broadcast(&f->cv);
	while (!f->gate_open)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static void
open_gate(struct fx *f)
{
	pthread_mutex_lock(&f->mu);
	f->gate_open = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Starts the writer and parks it in a round: what the test submits next is one round. */
static void
start_gated(struct fx *f, unsigned interval_ms)
{
	char err[256];
	struct writer_job gate = { .run = gate_run, .arg = f };
	assert_non_null(f->w = writer_start(&f->s, interval_ms, err, sizeof(err)));
	writer_set_wake(f->w, wake, f);
	assert_int_equal(writer_submit(f->w, &gate), 0);
	wait_for(f, &f->gate_entered, 0);
}

/* ---- the group ---- */

static int
group_open(void *arg, MDB_txn *txn)
{
	struct fx *f = arg;
	(void)txn;
	f->opens++;
	return 0;
}

static int
group_close(void *arg, MDB_txn *txn)
{
	struct fx *f = arg;
	char key[32];
	f->closes++;
	if (!txn) {
		f->closes_null++;
		return 0;
	}
	if (f->fail_close)
		return f->fail_close;
	snprintf(key, sizeof(key), "seal-%u", ++f->seals);
	return put(txn, &f->s, key, 1);
}

static void
group_after(void *arg, int rc)
{
	struct fx *f = arg;
	f->afters++;
	f->after_rc = rc;
}

static struct writer_job
wjob(struct job *j, const struct writer_group *g)
{
	return (struct writer_job){ .run = job_run,
		                    .finish = job_finish,
		                    .done = job_done,
		                    .arg = j,
		                    .group = g,
		                    .weight = 1,
		                    .bytes = 100 };
}

static int
put_direct(MDB_txn *txn, void *arg)
{
	struct fx *f = arg;
	return put(txn, &f->s, "direct", 1);
}

/* ---- tests ---- */

/* Everything queued while the writer was busy goes in one round: the group is opened around each
 * run of its jobs and sealed in the same commit; the job that fails is rolled back alone; the
 * done callbacks run in the collecting thread, in order, after one wake. */
static void
test_group_commit(void **state)
{
	struct fx *f = *state;
	struct writer_group g = { group_open, group_close, group_after, f };
	struct job j[5] = {
		J(f, "a", 1, 0), J(f, "b", 1, -EINVAL), J(f, "c", 1, 0),
		J(f, "d", 1, 0), J(f, "e", 1, 0),
	};
	const struct writer_group *of[5] = { &g, &g, NULL, &g, &g };

	start_gated(f, 0);
	for (int i = 0; i < 5; i++) {
		struct writer_job w = wjob(&j[i], of[i]);
		assert_int_equal(writer_submit(f->w, &w), 0);
	}
	open_gate(f);
	wait_for(f, &j[4].finished, 0);
	wait_for(f, NULL, 1);
	assert_false(j[0].done); /* not before the collecting thread asks */
	assert_int_equal(writer_collect(f->w), 5);
	assert_false(f->wrong_thread);
	for (int i = 0; i < 5; i++) {
		assert_true(j[i].done && j[i].done_in_main);
		assert_int_equal(j[i].order, i);
		assert_int_equal(j[i].rc, i == 1 ? -EINVAL : 0);
	}
	assert_true(has(f, "a") && has(f, "c") && has(f, "d") && has(f, "e"));
	assert_false(has(f, "b"));
	/* Two runs of the group (the job without a group in between), one round. */
	assert_int_equal(f->opens, 2);
	assert_int_equal(f->closes, 2);
	assert_int_equal(f->closes_null, 0);
	assert_true(has(f, "seal-1") && has(f, "seal-2"));
	assert_int_equal(f->afters, 1);
	assert_int_equal(f->after_rc, 0);
	assert_int_equal(writer_collect(f->w), 0);
}

/* A group that cannot close fails the round: every job is told, nothing of it is stored, and
 * the next round works. */
static void
test_round_fails_as_a_whole(void **state)
{
	struct fx *f = *state;
	struct writer_group g = { group_open, group_close, group_after, f };
	struct job j[3] = { J(f, "x", 1, 0), J(f, "y", 1, 0), J(f, "z", 1, -EPERM) };

	start_gated(f, 0);
	f->fail_close = -EIO;
	for (int i = 0; i < 3; i++) {
		struct writer_job w = wjob(&j[i], i == 0 ? NULL : &g);
		assert_int_equal(writer_submit(f->w, &w), 0);
	}
	open_gate(f);
	wait_for(f, &j[2].finished, 0);
	assert_int_equal(j[0].rc, -EIO);
	assert_int_equal(j[1].rc, -EIO);
	assert_int_equal(j[2].rc, -EPERM); /* its own failure says more */
	assert_int_equal(f->after_rc, -EIO);
	assert_false(has(f, "x") || has(f, "y") || has(f, "z"));

	f->fail_close = 0;
	struct job again = J(f, "x", 1, 0);
	struct writer_job w = wjob(&again, &g);
	w.done = NULL;
	assert_int_equal(writer_run(f->w, &w), 0);
	assert_true(has(f, "x"));
	assert_int_equal(f->after_rc, 0);
	wait_for(f, NULL, 1);
	assert_int_equal(writer_collect(f->w), 3);
}

/* A job too big for the map fails alone with MDB_MAP_FULL ("storage full"); the small ones of
 * the same round are stored. */
static void
test_storage_full(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct job j[3] = { J(f, "small-1", 1, 0), J(f, "big", 4 << 20, 0), J(f, "small-2", 1, 0) };

	store_close(&f->s);
	assert_int_equal(store_open(&f->s, f->dir, 0, 1 << 20, NULL, err, sizeof(err)), 0);
	start_gated(f, 0);
	for (int i = 0; i < 3; i++) {
		struct writer_job w = wjob(&j[i], NULL);
		assert_int_equal(writer_submit(f->w, &w), 0);
	}
	open_gate(f);
	wait_for(f, &j[2].finished, 0);
	assert_int_equal(j[0].rc, 0);
	assert_int_equal(j[1].rc, MDB_MAP_FULL);
	assert_int_equal(j[2].rc, 0);
	assert_true(has(f, "small-1") && has(f, "small-2"));
	assert_false(has(f, "big"));
	writer_stop(f->w); /* the completions run before the jobs go */
	f->w = NULL;
	assert_true(j[0].done && j[1].done && j[2].done);
}

/* With a long interval, jobs that arrive after a round wait for the next one, unless enough
 * work is queued to close it at once. */
static void
test_cadence(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct job first = J(f, "first", 1, 0),
	           j[3] = { J(f, "p", 1, 0), J(f, "q", 1, 0), J(f, "r", 1, 0) };
	struct writer_group g = { group_open, group_close, group_after, f };

	assert_non_null(f->w = writer_start(&f->s, 60000, err, sizeof(err)));
	/* After a quiet spell the first job goes at once. */
	struct writer_job w = wjob(&first, &g);
	assert_int_equal(writer_submit(f->w, &w), 0);
	wait_for(f, &first.finished, 0);
	assert_int_equal(f->afters, 1);
	for (int i = 0; i < 3; i++) {
		w = wjob(&j[i], &g);
		w.weight = i == 2 ? WRITER_CLOSE_WEIGHT : 1;
		assert_int_equal(writer_submit(f->w, &w), 0);
	}
	wait_for(f, &j[2].finished, 0);
	assert_true(j[0].finished && j[1].finished);
	assert_int_equal(f->afters, 2); /* the three in one round */
	assert_true(has(f, "p") && has(f, "q") && has(f, "r"));
	writer_stop(f->w);
	f->w = NULL;
	assert_true(first.done && j[0].done && j[1].done && j[2].done);
}

/* Queue cap: a job over the byte budget is refused and nothing of it is called; writer_stop
 * runs the completions still due in the calling thread. store_write refuses other threads while
 * the writer runs, and works again once it stopped. */
static void
test_cap_and_stop(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct job big = J(f, "big", 1, 0), j = J(f, "k", 1, 0);

	assert_non_null(f->w = writer_start(&f->s, 0, err, sizeof(err)));
	/* While the writer runs, it owns every write. */
	assert_int_equal(store_write(&f->s, put_direct, f), -EDEADLK);
	assert_false(has(f, "direct"));
	struct writer_job w = wjob(&big, NULL);
	w.bytes = WRITER_MAX_BYTES + 1;
	assert_int_equal(writer_submit(f->w, &w), -EAGAIN);
	w = wjob(&j, NULL);
	assert_int_equal(writer_submit(f->w, &w), 0);
	writer_stop(f->w);
	f->w = NULL;
	assert_true(j.done && j.done_in_main);
	assert_int_equal(j.rc, 0);
	assert_false(big.finished || big.done);
	assert_true(has(f, "k"));
	/* Stopped, it gives the store back. */
	assert_int_equal(store_write(&f->s, put_direct, f), 0);
	assert_true(has(f, "direct"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_fails_as_a_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storage_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cadence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_and_stop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

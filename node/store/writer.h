/*
 * writer — the one thread that writes to the store. Any thread submits write jobs; the writer
 * takes everything queued, runs each job in a nested transaction of one write transaction (a job
 * that fails is rolled back alone, the others commit), and commits once: one fsync for every
 * job of the round (group commit). While jobs keep coming it commits at most once every
 * interval_ms, unless WRITER_CLOSE_WEIGHT of work is waiting.
 *
 * A finished job is handed back: its finish callback runs in the writer thread right after the
 * round (to read what the round left in its group, see below), then its done callback runs in
 * the thread that calls writer_collect, which the writer wakes with the wake function set by
 * writer_set_wake (the daemon: lws_cancel_service, the one libwebsockets call that is safe from
 * another thread; its service loop then calls writer_collect). A job submitted with writer_run
 * is waited for instead: its done callback is not called.
 *
 * Groups: jobs that share work per commit name a group (the node's own publications: one tlog
 * batch, one signed checkpoint per commit, publish.c). The writer opens the group before the
 * first job of a run of consecutive jobs of that group and closes it after the last, in the
 * round's transaction; its after callback runs once the round is durable or failed. A job of
 * another group or none in between closes the run, so a group never holds state across writes
 * it does not see.
 *
 * Results: a job's rc is what its run returned when that was not 0 (the job was rolled back),
 * else the round's: 0 once durable, or the error that failed the whole round (a group's open or
 * close, a nested transaction LMDB could not begin or commit, the commit itself). MDB_MAP_FULL
 * is "storage full" (store.h).
 *
 * Threads and ownership: struct writer is shared. Its queue, its finished list and the wake
 * function are guarded by its mutex; the writer thread alone runs jobs and groups, so a group's
 * state belongs to the writer thread while the writer runs. A job's arg belongs to the writer
 * from a successful submit until its finish returned, then to the collecting thread (done), or
 * to the writer_run caller. While the writer runs, store_write refuses every other thread
 * (store.h): writes made before writer_start (opening the node) and after writer_stop are the
 * caller's own.
 */
#ifndef REMACTO_WRITER_H
#define REMACTO_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define WRITER_MAX_JOBS 16384                /* queued; more: -EAGAIN */
#define WRITER_MAX_BYTES ((size_t)256 << 20) /* held by queued jobs (their declared bytes) */
#define WRITER_CLOSE_WEIGHT 1000             /* queued weight that closes a round at once */

struct writer;

struct writer_group {
	/* Before the group's first job of a run, in the round's transaction: 0, or an error that
	 * fails the round. */
	int (*open)(void *arg, MDB_txn *txn);
	/* After the run's last job, once per successful open, and it releases what open took in
	 * every case. txn not NULL: finish the run's work in it (0, or an error failing the
	 * round); NULL: the round failed, drop it. */
	int (*close)(void *arg, MDB_txn *txn);
	/* Once per round the group took part in, after the commit (rc 0) or its failure. */
	void (*after)(void *arg, int rc);
	void *arg;
};

struct writer_job {
	/* Writer thread, in a nested transaction: 0 keeps what it wrote, anything else rolls it
	 * back and becomes the job's rc. */
	int (*run)(MDB_txn *txn, void *arg);
	/* Writer thread, after the round, with the job's rc. Optional. */
	void (*finish)(void *arg, int rc);
	/* The collecting thread, after finish. Optional; never called for writer_run. */
	void (*done)(void *arg, int rc);
	void *arg;
	const struct writer_group *group; /* NULL: none */
	size_t weight;                    /* work (entries) for the round's cadence */
	size_t bytes;                     /* memory the job holds, counted against the queue cap */
};

/* Starts the writer thread on s. interval_ms: at most one round per interval while jobs keep
 * coming (0: no wait). NULL with err on failure. */
struct writer *writer_start(struct store *s, unsigned interval_ms, char *err, size_t errcap);
/* Runs what is queued, stops the thread, then calls the done callbacks still due in the calling
 * thread, and frees everything. NULL-safe. */
void writer_stop(struct writer *w);
/* wake(arg) is called from the writer thread after each round that left done callbacks due;
 * NULL stops the calls. Any thread. */
void writer_set_wake(struct writer *w, void (*wake)(void *arg), void *arg);

/* Queues a copy of *job. 0, or -EAGAIN when the queue is over WRITER_MAX_JOBS or
 * WRITER_MAX_BYTES, -ESHUTDOWN once stopping, -ENOMEM: then nothing of it will be called and
 * its arg stays the caller's. Any thread. */
int writer_submit(struct writer *w, const struct writer_job *job);
/* Queues *job and waits until it finished; returns its rc (or a submit error). Any thread but
 * the writer's. */
int writer_run(struct writer *w, const struct writer_job *job);
/* Calls the done callbacks of the jobs finished since the last call, in order, in the calling
 * thread. Returns how many ran. */
size_t writer_collect(struct writer *w);

#endif

/*
 * publish — group commit of the node's own publications, on the store's writer (store/writer.h).
 * The service thread submits validated batches; the writer takes everything queued, appends each
 * batch in a nested transaction (a batch that fails the index's state checks is rolled back
 * alone), signs one checkpoint over all of them and commits once: one fsync for all the
 * publishers that were waiting (and for the replication written in the same round), never one
 * per request. Checkpoints are signed at most every checkpoint_interval_ms (the writer's
 * cadence) while publications keep coming.
 *
 * A finished job is handed back to the service thread (writer_collect, then publish_collect)
 * with a complete HTTP response: 200 {"indexes":[…],"treeSize":N,"checkpoint":"…"} once durable,
 * 400 naming the field when the node's state refuses it, 403 when the registry suspends the
 * node's member (checked again in the writer's transaction: a suspension written after the
 * service thread's check still refuses it, with the same answer), or 503 when storage failed
 * (MDB_MAP_FULL: "storage full"; nothing of the batch is stored).
 *
 * Threads: struct publisher is made and freed by the main thread. Its queue counters and the
 * finished list belong to the service thread (submit, detach, collect, the writer's done
 * callbacks); the tlog batch and head of the open round belong to the writer thread (the group's
 * callbacks, the jobs' run and finish); last_rc is atomic. A job belongs to the writer between
 * submit and its finish, except its owner, which only the service thread reads or changes.
 */
#ifndef REMACTO_PUBLISH_H
#define REMACTO_PUBLISH_H

#include <stddef.h>

#include "api.h"
#include "store/tlog.h"

struct node;
struct publisher;
struct publish_job;
struct registry_suspension;

#define PUBLISH_MAX_QUEUE 4096 /* jobs waiting; more → 503 */
#define PUBLISH_MAX_QUEUED_ENTRIES 200000

/* The publisher of the node's own log, writing through n->writer. NULL with err on failure. */
struct publisher *publish_start(struct node *n, char *err, size_t errcap);
/* Frees the publisher and the jobs it still holds; after writer_stop. NULL-safe. */
void publish_stop(struct publisher *p);

/* Queues n entries (the blobs and their data become the publisher's) for owner. Returns the job,
 * or NULL when the queue is full (the caller answers 503 and keeps ownership of nothing: the
 * blobs are freed). */
struct publish_job *publish_submit(struct publisher *p, struct tlog_blob *entries, size_t n,
                                   void *owner);
/* The owner went away (client closed): the job still commits, its response is dropped. */
void publish_detach(struct publisher *p, struct publish_job *j);
/* Service thread: hands each finished job's response to fn (which takes ownership of resp's
 * body) and frees the job. */
void publish_collect(struct publisher *p, void (*fn)(void *owner, struct api_resp *resp, void *arg),
                     void *arg);
/* 0 when the last commit succeeded (or none happened yet), else its error: /healthz reports
 * a node that cannot store as degraded. */
int publish_last_error(struct publisher *p);
/* The answer to a publication while the registry suspends origin (sp): 403 with the
 * suspension, which `remacto publish` turns into its own exit code. The admin route's check and
 * the writer's both answer with it. */
void publish_refuse_suspended(struct api_resp *resp, const char *origin,
                              const struct registry_suspension *sp);
/* Synchronous publish for the seed at first start and for tests: waits for the commit. Not in
 * the writer thread. */
int publish_wait(struct publisher *p, struct tlog_blob *entries, size_t n, struct api_resp *resp);

#endif

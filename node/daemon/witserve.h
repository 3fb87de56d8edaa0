/*
 * witserve — the node as a C2SP tlog-witness (docs/PROTOCOL.md §7): POST
 * /witness/add-checkpoint on the public listener (the route is api_witness_route, api.h).
 *
 * A request is judged on the service thread (peers/witproto.h: parsing, keys, signature,
 * consistency proof — cheap), then recorded as a write job of the node's writer, and answered
 * when that job is done: "200 with the cosignature after persisting atomically". The daemon
 * submits to the store's writer (store/writer.h); without one (submit NULL: tests) the job runs
 * at once in the calling thread.
 *
 * Each client address gets WITSERVE_BURST requests, then WITSERVE_RATE a second (429 beyond:
 * checking a signature is cheap, but not free); WITSERVE_ADDRS addresses are remembered, the
 * least recently seen forgotten first.
 *
 * Ownership: the service copies its witproto_ctx (what the pointers point to outlives it). A
 * job belongs to the writer from submit to done; a client that goes away meanwhile detaches
 * from it (the job still records, its answer is dropped). Service thread only.
 */
#ifndef REMACTO_WITSERVE_H
#define REMACTO_WITSERVE_H

#include <stddef.h>

#include "peers/witproto.h"
#include "store/store.h"

#define WITSERVE_RATE 5    /* requests a second per address, after the burst */
#define WITSERVE_BURST 20  /* requests an address may make at once */
#define WITSERVE_ADDRS 256 /* addresses remembered */

struct witserve;
struct api_resp;

/* How a job reaches the writer (as fed_ctx.submit): 0 and done is called later in the service
 * thread, or an error (a full queue) and done is never called. */
typedef int (*witserve_run_fn)(MDB_txn *txn, void *job);
typedef void (*witserve_done_fn)(void *job, int rc);
typedef int (*witserve_submit_fn)(void *arg, witserve_run_fn run, witserve_done_fn done, void *job,
                                  size_t bytes);
/* Hands a deferred answer to the connection that waits for it (http.c's http_deliver). */
typedef void (*witserve_deliver_fn)(void *owner, struct api_resp *resp);

struct witserve *witserve_create(const struct witproto_ctx *ctx, witserve_submit_fn submit,
                                 void *submit_arg, witserve_deliver_fn deliver);
/* After the writer ran every done callback. NULL-safe. */
void witserve_free(struct witserve *w);

#endif

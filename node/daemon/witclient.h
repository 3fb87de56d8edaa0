/*
 * witclient — the node as a client of outside witnesses (C2SP tlog-witness, docs/PROTOCOL.md
 * §7): after each new checkpoint of its own log, it asks every witness of its configuration
 * ([witness] url, key) to cosign it, with add-checkpoint, and keeps the cosignatures that
 * verify with the witness's key. They are stored with the log's other cosignatures
 * (peers/witness.h), so they travel with the checkpoint: served on /logs/<slug>/checkpoint, in
 * tlog-proof files and in the node's checkpoint vectors (peers keep only the witnesses they know,
 * as signed-note wants).
 *
 * Per witness: the size it cosigned last, as far as the node knows (0 after a start: the first
 * request learns it from the 409 that says it); a request from there with the consistency proof
 * to the new size; a 409 moves that size and tries again (three times at most); any other
 * failure (no answer, a refusal, a cosignature that does not verify) is logged and the witness
 * is asked again after a backoff (1 s, doubling, at most 60 s).
 *
 * Threads: one worker thread of its own makes the requests (libcurl, blocking, 10 s time-out):
 * the service loop never waits for a witness. It looks at the own log every second, or at once
 * when witclient_poke says there is a new checkpoint. Cosignatures it received are handed to
 * the service thread (the wake function: lws_cancel_service), whose witclient_collect stores
 * them through submit (the node's writer), or at once without one. The worker only reads the
 * store.
 */
#ifndef REMACTO_WITCLIENT_H
#define REMACTO_WITCLIENT_H

#include <stddef.h>

#include "core/config.h"
#include "store/store.h"
#include "witserve.h"

#define WITCLIENT_TIMEOUT_S 10
#define WITCLIENT_BACKOFF_MAX_S 60

struct witclient;

struct witclient_ctx {
	struct store *store;
	const char *origin; /* the node's own log */
	const char (*urls)[CONFIG_PEER_URL_MAX];
	const char (*keys)[CONFIG_VKEY_MAX];
	size_t n;
	const char *ca_file;     /* PEM CAs trusted besides the system's; "" for none */
	void (*wake)(void *arg); /* any thread: makes the service thread call witclient_collect */
	void *wake_arg;
	witserve_submit_fn submit; /* NULL: collect stores at once */
	void *submit_arg;
};

/* Starts the worker. NULL with err when a key does not parse or the thread cannot start. */
struct witclient *witclient_start(const struct witclient_ctx *ctx, char *err, size_t errcap);
/* Any thread: the own log has a new checkpoint. */
void witclient_poke(struct witclient *w);
/* Service thread: stores the cosignatures received since the last call. */
void witclient_collect(struct witclient *w);
/* Stops the worker (waiting for a request in flight, at most its time-out) and frees
 * everything; cosignatures not collected yet are dropped (asked again after a restart).
 * NULL-safe. */
void witclient_stop(struct witclient *w);

#endif

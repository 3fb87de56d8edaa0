/*
 * node — the one struct the daemon's modules share: configuration, store, own signing key,
 * publisher, metrics. Created by remactod.c; everything else borrows it.
 *
 * Threads: remactod's main thread sets the node up, then runs the libwebsockets service loop
 * (the service thread: HTTP, peers, fed, live updates); the store's writer thread
 * (store/writer.h) makes every write; the transport's resolver thread resolves host names
 * (peers/resolver.h); the watchdog's thread (watchdog.h) touches nothing of the node. Who may
 * touch what:
 *   cfg, own_log, signer, identity, witness, token, started: written before the threads start,
 *       read-only afterwards (the writer signs checkpoints with signer and cosigns with witness;
 *       OpenSSL keys are safe to share once made);
 *   store: shared as store.h says; writer: shared as writer.h says (submit from any thread,
 *       completions collected by the service thread);
 *   pub: the publisher's own rules (publish.h): service thread and writer thread, each its
 *       part;
 *   lws: the service thread's; other threads only pass it to lws_cancel_service, and through
 *       the wake they were given, never by reading this field;
 *   fed, transport, facts, http: service thread only;
 *   live: live.h (live_checkpoint from any thread, the rest service thread);
 *   metrics: atomics, bumped from any thread.
 */
#ifndef REMACTO_NODE_H
#define REMACTO_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"
#include "core/note.h"
#include "metrics.h"
#include "store/store.h"

struct publisher;
struct writer;
struct lws_context;
struct fed;
struct transport;
struct facts;
struct live;
struct http;
struct witserve;
struct witclient;

struct node {
	struct config cfg;
	struct store store;
	struct note_signer signer; /* own log's key; signer.pkey NULL on a mirror */
	bool own_log;
	/* The signer's key is not yet the own log's: the registry the node holds does not give it
	 * (a data folder older than a rotation). Service thread (ownlog.h). */
	bool key_pending, key_adopting;
	/* The node's identity in the federation: its log key (name = origin) on a member node, a
	 * key of its own named "mirror.<key id>" on a mirror. Proves the node in peer handshakes
	 * and signs its cosignatures (as alg 0x04 under the same name). */
	struct note_signer identity;
	struct note_signer witness; /* identity's key as a tlog-cosignature signer */
	char token[65];             /* admin bearer token (token.h: TOKEN_MAX + 1) */
	struct writer *writer;      /* the store's one writer thread (store/writer.h) */
	struct publisher *pub;
	struct lws_context *lws;
	struct fed *fed; /* NULL without an authority (a standalone node) */
	struct transport *transport;
	struct facts *facts;       /* derived views (facts.h), made on first use; service thread */
	struct live *live;         /* dashboard mounts and live updates (live.h) */
	struct http *http;         /* the front end's own state (http.h), service thread */
	struct witserve *witserve; /* the tlog-witness service (witserve.h); NULL: none */
	struct note_verifier outside_logs[CONFIG_MAX_WITNESSES]; /* [witness] log, parsed */
	size_t noutside_logs;
	struct witclient *witclient; /* asks the outside witnesses (witclient.h); NULL: none */
	/* Service thread, each time another thread woke the loop (lws_cancel_service): collects
	 * what such threads handed over. Set by remactod; NULL: nothing to collect. */
	void (*on_wake)(struct node *n);
	struct metrics metrics;
	time_t started;
};

#endif

/*
 * transport_impl — what the files of the transport share, and nobody else: struct peer and
 * struct transport, and the functions each file gives the others.
 *
 *   transport.c         start and stop, the lws callback, accepting inbound connections,
 *                       the timers (the user's tick, announced peers);
 *   session.c           one session: the handshake, receiving, liveness (Ping), leaving it
 *                       (refusal, link error, violation, the connection gone);
 *   sendq.c             a session's send queue: the budgets it draws on, writing it out,
 *                       and not reading a session whose queue is over its share;
 *   slots.c             outbound slots: one per peer URL, dialling, backoff, host names
 *                       (resolver.h), the peers the registry announces;
 *   peerget.c           GETs of entry bundles from the public listener of a peer it dialled
 *                       (peer_get), beside the session;
 *   transport_report.c  /api/v1/peers and /metrics.
 *
 * Two kinds of struct peer share one list:
 *   outbound slots, one per peer URL (configured, or announced in the registry): they live
 *     from transport_start (or the scan that found the URL) to transport_stop (or the scan
 *     that no longer finds it) and carry their counters, backoff and last error across
 *     reconnections; each holds at most one connection at a time;
 *   inbound sessions, one per accepted connection, freed when it closes. What must outlive
 *     them — violations, the refusal delay after misbehaviour — is kept by key in t->bans.
 *
 * Memory: every send queue and every message being reassembled draws on a budget shared by
 * the node (t->sendq, t->rx), with a class share for anonymous sessions (budget.h); a session
 * whose queue is over its share, or whose reassembly could not be budgeted, is not read
 * (lws_rx_flow_control) until that is over.
 *
 * Everything runs in the service thread; nothing locks.
 */
#ifndef REMACTO_TRANSPORT_IMPL_H
#define REMACTO_TRANSPORT_IMPL_H

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bans.h"
#include "budget.h"
#include "core/buf.h"
#include "handshake.h"
#include "resolver.h"
#include "transport.h"

#define MAX_OUTBOUND 128 /* configured slots plus announced ones */
#define MAX_INBOUND 256
#define HELLO_MAX 4096 /* frame cap until the handshake is done */
#define HANDSHAKE_TIMEOUT_S 10
#define CLOSE_WAIT_S 5 /* to flush a last Error before the socket goes */
#define HEALTHY_S 30   /* a session this old resets the backoff */
#define TICK_MS 100
#define SCAN_S 10 /* announced peer URLs are read again this often */
#define WRITE_CHUNK (64u << 10)
#define RX_KEEP (64u << 10) /* reassembly buffers above this are freed after use */
#define HIST_MAX 1024
#define ERR_MAX 256
#define RESOLVED_TTL_S 60  /* a peer's resolved address is reused this long */
#define PEER_ADDR_MAX 64   /* a remote address as text */
#define LIVE_CHECK_MS 1000 /* liveness of ready sessions is looked at this often */

enum dir { DIR_OUT, DIR_IN };

enum state {
	ST_IDLE,       /* outbound: waiting for the retry timer */
	ST_RESOLVING,  /* outbound: its host name is being resolved (resolver thread) */
	ST_CONNECTING, /* outbound: TCP, TLS and the upgrade under way */
	ST_HELLO,      /* our Hello sent, waiting for theirs */
	ST_PROOF,      /* their Hello accepted, our proof sent, waiting for theirs */
	ST_READY,
	ST_CLOSING, /* sending a last Error, then closing */
	ST_STANDBY, /* outbound: the peer is connected the other way */
	ST_SELF,    /* outbound: the URL leads to this node; not retried */
};

/* What an outbound slot does when its connection is gone. */
enum after { AFTER_RETRY, AFTER_STANDBY, AFTER_SELF, AFTER_REMOVE };

/* Why a session is not read (lws_rx_flow_control off while any is set). */
enum pause {
	PAUSE_QUEUE = 1, /* its send queue is over its share */
	PAUSE_RX = 2,    /* the message it sends could not be budgeted */
};

struct qmsg {
	struct qmsg *next;
	size_t len, off;     /* message bytes, bytes already written */
	enum peer_class cls; /* the class its bytes were charged to */
	bool answer;         /* an answer to one of the peer's requests (peer_answer) */
	uint8_t buf[];       /* LWS_PRE headroom, then the packed message */
};

struct peer {
	struct transport *t;
	struct peer *next;
	enum dir dir;
	enum state state;
	enum after after;
	struct lws *wsi;
	lws_sorted_usec_list_t sul;      /* outbound: the retry timer */
	uint64_t id;                     /* outbound: names the slot to the resolver thread */
	char url[CONFIG_PEER_URL_MAX];   /* outbound: where to; inbound: its listen URL */
	char resolved[INET6_ADDRSTRLEN]; /* outbound: the host's address, "" when not known */
	int64_t resolved_until;          /* monotonic ms */
	char addr[PEER_ADDR_MAX];        /* inbound: the remote address */
	bool from_config, announced, seen;

	/* the session */
	uint8_t own_nonce[HANDSHAKE_NONCE_LEN], their_nonce[HANDSHAKE_NONCE_LEN];
	struct note_verifier key; /* theirs, from their Hello (kept by outbound slots) */
	bool key_known;
	bool proven;                     /* this session's HelloProof verified under key */
	bool key_registered;             /* their Hello's key is the registry's or a member's */
	bool registered;                 /* ... and proven: the session is of class member */
	char origin[NOTE_NAME_MAX + 1];  /* once proven (outbound: kept from the last session) */
	char claimed[NOTE_NAME_MAX + 1]; /* what this session's Hello says, proven or not */
	struct buf rx;                   /* the message being reassembled (its frames so far) */
	size_t rx_charged;               /* bytes of rx charged to t->rx, for rx_cls */
	enum peer_class rx_cls;
	int64_t win_start; /* flood budget: messages in the current second */
	unsigned win_msgs;
	struct qmsg *qhead, *qtail;
	size_t queued;   /* bytes not written yet */
	size_t answers;  /* answers (peer_answer) in the queue */
	unsigned paused; /* enum pause bits */
	/* monotonic ms: last bytes read; last bytes written, or when the queue last stopped
	 * being empty */
	int64_t last_rx, last_tx;
	int64_t ping_at; /* monotonic ms of our unanswered Ping, 0 when none */
	uint64_t ping_nonce;
	bool violated;          /* this session broke the protocol */
	bool link_broken;       /* it ended on a broken link (line noise, silence) */
	bool peer_refused;      /* the peer sent an Error: it ended the session */
	int64_t ready_at;       /* monotonic ms */
	time_t connected_since; /* wall clock, for the API */

	/* across sessions */
	unsigned failures; /* consecutive; drives the backoff */
	int64_t next_try;  /* monotonic ms of the next attempt */
	unsigned attempts;
	char last_error[ERR_MAX];
	bool error_set; /* last_error was set during this session */
	uint64_t violations, link_errors, reconnects, frames_in, frames_out, bytes_in, bytes_out;
	/* outbound: no peer_get to it before this (monotonic ms), after a GET that failed or
	 * brought something unusable */
	int64_t get_off_until;
	unsigned get_lost; /* GETs in a row whose connection went before their answer */
};

struct pget;

struct transport {
	struct transport_ctx ctx;
	struct resolver res;
	uint64_t next_id;
	struct lws_vhost *vhost; /* "peers": the client side */
	lws_sorted_usec_list_t tick, scan, live;
	struct peer *peers;
	size_t nout, nin;
	struct bans bans;
	struct budget sendq, rx;
	size_t nanon; /* ready anonymous inbound sessions */
	char listen_url[CONFIG_PEER_URL_MAX];
	bool stopping;
	int64_t started_ms, last_ready_ms; /* monotonic: transport_start, last session's end */
	/* peerget.c: GETs not answered yet, the body bytes they hold (within PEER_GET_BUDGET),
	 * and how GETs ended (ok, failed, refused by the user). */
	struct pget *gets;
	struct lws_vhost *get_lanes[PEER_GET_LANES]; /* a connection per peer on each */
	size_t get_bytes;
	uint64_t gets_ok, gets_failed, gets_refused;
};

static inline int64_t
tp_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint32_t
tp_rand32(void)
{
	uint32_t r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint32_t)tp_mono_ms();
	return r;
}

/* transport.c: lws pings outbound connections after 30 s without traffic, gives up after 90 s. */
extern const lws_retry_bo_t transport_idle_policy;

/* The class a session's bytes are charged to. */
static inline enum peer_class
tp_class(const struct peer *p)
{
	return p->registered ? PEER_CLASS_MEMBER : PEER_CLASS_ANON;
}

/* sendq.c */
/* Queues m (packed now). over_cap: a small control message (handshake, Error, Ping, Pong)
 * that goes whatever the caps. 0, -EMSGSIZE, -ENOBUFS, -ENOMEM. */
int sendq_push(struct peer *p, const Remacto__Peer__V1__PeerMessage *m, bool over_cap, bool answer);
/* Drops what is queued, but the message half on the wire when keep_started. */
void sendq_clear(struct peer *p, bool keep_started);
/* WRITEABLE: the next fragment; -1 to close the connection. */
int sendq_writeable(struct peer *p);
/* Sets or clears a reason not to read p, and tells lws when that changes whether it reads. */
void sendq_pause(struct peer *p, enum pause why, bool on);

/* session.c */
void session_set_error(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Starts a session on p->wsi: sends our Hello, arms the handshake timer. */
void session_start(struct peer *p);
/* A piece of a message from the connection. */
void session_receive(struct peer *p, const void *in, size_t len);
/* Ends the session politely: drops what is queued, sends an Error saying why, closes. */
void session_refuse(struct peer *p, enum after after, const char *why);
/* The connection is gone (closed, failed, destroyed). For an inbound session p is freed. */
void session_gone(struct peer *p, const char *why);
/* The handshake did not finish in time. */
void session_timer(struct peer *p);
/* Every LIVE_CHECK_MS: pings quiet ready sessions, closes silent ones, reads paused ones
 * again when the budget allows. */
void session_check_live(struct transport *t);
/* The ready session with key pub other than except, if any. */
struct peer *session_find_ready(const struct transport *t, const uint8_t pub[32],
                                const struct peer *except);
void session_free(struct peer *p);

/* slots.c */
/* Whether host is an IPv4 or IPv6 address (not a name). */
bool slot_is_numeric(const char *host);
struct peer *slot_find(struct transport *t, const char *url);
struct peer *slot_add(struct transport *t, const char *url);
/* Retry after ms (state backoff). */
void slot_schedule(struct peer *p, uint32_t ms);
/* A connection attempt that did not get as far as a session. */
void slot_attempt_failed(struct peer *p, const char *why);
/* Answers of the resolver thread: dial, or count a failed attempt. */
void slots_resolved(struct transport *t);
/* Brings the announced slots in line with the registry. */
void slots_scan_announced(struct transport *t);

/* peerget.c */
extern const struct lws_protocols peerget_protocol;
/* Creates the GETs' lanes, client vhosts set up like like. 0, or -1. */
int peerget_start(struct transport *t, const struct lws_context_creation_info *like);
/* Ends the GETs past their deadline (a body too slow). */
void peerget_tick(struct transport *t);
/* Forgets every GET without calling its user (transport_stop). */
void peerget_stop(struct transport *t);

#endif

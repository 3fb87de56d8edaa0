/*
 * transport — peer sessions over WebSocket in the node's one lws context. See transport.h for
 * the contract and docs/PROTOCOL.md §5 for the wire.
 *
 * Two kinds of struct peer share one list:
 *   outbound slots, one per peer URL (configured, or announced in the registry): they live
 *     from transport_start (or the scan that found the URL) to transport_stop (or the scan
 *     that no longer finds it) and carry their counters, backoff and last error across
 *     reconnections; each holds at most one connection at a time;
 *   inbound sessions, one per accepted connection, freed when it closes. What must outlive
 *     them — violations, the refusal delay after misbehaviour — is kept in a small table
 *     (struct hist) by identity key and by address.
 *
 * Session: both sides send Hello at once; on the other's Hello (checked by handshake.c, the
 * key against the registry) we send our HelloProof; on the other's proof the session is ready
 * and handed to fed. Before that only handshake messages up to HELLO_MAX bytes are accepted.
 * A session leaves "ready" exactly once, where fed_peer_closed is called: when it is closed
 * by a violation (peer_penalise, synchronously, so fed sees it gone as soon as the call
 * returns), by a duplicate, or by the connection going away.
 *
 * Sending: messages are packed into one buffer each with LWS_PRE headroom and queued; each
 * WRITEABLE callback writes one fragment of at most WRITE_CHUNK bytes of the head message
 * (continuation frames carry the rest), so a 4 MiB answer does not sit whole in lws's buffers
 * and other peers get their turn. Refusals and violations drop what is queued, send one Error
 * message and close once it has left (within CLOSE_WAIT_S).
 *
 * Two sessions between the same two nodes (each dialled the other): the one dialled by the
 * node with the smaller key is kept, on both sides, so that both agree without talking; an
 * outbound slot whose peer is connected the other way waits in "standby".
 *
 * Everything here runs in the service thread; nothing locks.
 */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "daemon/node.h"
#include "fed.h"
#include "handshake.h"
#include "registry.h"
#include "store/store.h"

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
#define RESOLVED_TTL_S 60 /* a peer's resolved address is reused this long */

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

static const char *const state_names[] = {
	"backoff", "connecting", "connecting", "handshake", "handshake",
	"ready",   "closing",    "standby",    "self",
};

/* What an outbound slot does when its connection is gone. */
enum after { AFTER_RETRY, AFTER_STANDBY, AFTER_SELF, AFTER_REMOVE };

struct qmsg {
	struct qmsg *next;
	size_t len, off; /* message bytes, bytes already written */
	uint8_t buf[];   /* LWS_PRE headroom, then the packed message */
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
	char addr[64];                   /* inbound: the remote address */
	bool from_config, announced, seen;

	/* the session */
	uint8_t own_nonce[HANDSHAKE_NONCE_LEN], their_nonce[HANDSHAKE_NONCE_LEN];
	struct note_verifier key; /* theirs, from their Hello (kept by outbound slots) */
	bool key_known;
	bool proven;                     /* this session's HelloProof verified under key */
	char origin[NOTE_NAME_MAX + 1];  /* once proven (outbound: kept from the last session) */
	char claimed[NOTE_NAME_MAX + 1]; /* what this session's Hello says, proven or not */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	int64_t win_start; /* flood budget: messages in the current second */
	unsigned win_msgs;
	struct qmsg *qhead, *qtail;
	size_t queued;
	bool violated;          /* this session broke the protocol */
	int64_t ready_at;       /* monotonic ms */
	time_t connected_since; /* wall clock, for the API */

	/* across sessions */
	unsigned failures; /* consecutive; drives the backoff */
	int64_t next_try;  /* monotonic ms of the next attempt */
	unsigned attempts;
	char last_error[ERR_MAX];
	bool error_set; /* last_error was set during this session */
	uint64_t violations, reconnects, frames_in, frames_out, bytes_in, bytes_out;
};

/* An inbound peer remembered after its session: by identity key, or by address. */
struct hist {
	struct hist *next;
	bool by_key;
	uint8_t pub[32];
	char addr[64];
	char name[NOTE_NAME_MAX + 1];
	unsigned failures;
	int64_t until, last; /* monotonic ms: refused until; last touched */
	uint64_t violations, sessions;
};

/* Host names are resolved by a thread of their own: Debian's lws resolves them blocking, which
 * would stall every peer and HTTP client for as long as a slow DNS server takes. */
struct resolve_job {
	struct resolve_job *next;
	uint64_t id;
	char host[256];
	int rc; /* getaddrinfo's */
	char addr[INET6_ADDRSTRLEN];
};

struct resolver {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct resolve_job *todo, *done;
	struct lws_context *ctx;
	bool quit, started;
};

struct transport {
	struct node *n;
	struct resolver res;
	uint64_t next_id;
	struct lws_vhost *vhost; /* "peers": the client side */
	lws_sorted_usec_list_t tick, scan;
	struct peer *peers;
	size_t nout, nin;
	struct hist *hist;
	size_t nhist;
	char listen_url[CONFIG_PEER_URL_MAX];
	bool stopping;
};

/* Server side of a connection refused before it got a struct peer. */
struct pss {
	const char *refusal;
	bool sent;
};

static int callback_peer(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);

const struct lws_protocols transport_protocol = {
	PEER_PROTOCOL, callback_peer, sizeof(struct pss), WRITE_CHUNK, 0, NULL, 0,
};

static const struct lws_protocols *client_protocols[] = { &transport_protocol, NULL };

/* Outbound connections ping after 30 s without traffic and give up after 90 s. */
static const lws_retry_bo_t idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 90,
};

static void connect_out(struct peer *p);
static void schedule(struct peer *p, uint32_t ms);

/* ---- small things ---- */

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
rand32(void)
{
	uint32_t r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint32_t)mono_ms();
	return r;
}

static void set_error(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_error(struct peer *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	p->error_set = true;
}

const char *
peer_name(const struct peer *p)
{
	if (p->origin[0])
		return p->origin;
	return p->dir == DIR_OUT ? p->url : p->addr;
}

size_t
peer_queued(const struct peer *p)
{
	return p->queued;
}

static void
queue_clear(struct peer *p, bool keep_started)
{
	struct qmsg *keep = NULL;
	if (keep_started && p->qhead && p->qhead->off > 0) {
		/* Half a message is on the wire: finish it, or the stream is garbage. */
		keep = p->qhead;
		p->qhead = keep->next;
		keep->next = NULL;
	}
	while (p->qhead) {
		struct qmsg *q = p->qhead;
		p->qhead = q->next;
		free(q);
	}
	p->qhead = p->qtail = keep;
	p->queued = keep ? keep->len - keep->off : 0;
}

static void
session_free(struct peer *p)
{
	queue_clear(p, false);
	free(p->rx);
	p->rx = NULL;
	p->rx_len = p->rx_cap = 0;
}

/* ---- history of inbound peers ---- */

static struct hist *
hist_find(struct transport *t, const uint8_t *pub, const char *addr)
{
	for (struct hist *h = t->hist; h; h = h->next)
		if (pub ? h->by_key && !memcmp(h->pub, pub, 32)
		        : !h->by_key && !strcmp(h->addr, addr))
			return h;
	return NULL;
}

static struct hist *
hist_get(struct transport *t, const uint8_t *pub, const char *addr)
{
	struct hist *h = hist_find(t, pub, addr), **oldest = NULL;
	if (h)
		return h;
	if (t->nhist >= HIST_MAX) {
		/* Forget the one not heard of for longest, preferably one no longer refused. */
		int64_t now = mono_ms();
		for (struct hist **pp = &t->hist; *pp; pp = &(*pp)->next) {
			bool expired = (*pp)->until <= now;
			if (!oldest || (expired && (*oldest)->until > now) ||
			    (expired == ((*oldest)->until <= now) && (*pp)->last < (*oldest)->last))
				oldest = pp;
		}
		h = *oldest;
		*oldest = h->next;
		memset(h, 0, sizeof(*h));
	} else if ((h = calloc(1, sizeof(*h))) != NULL) {
		t->nhist++;
	} else {
		return NULL;
	}
	h->by_key = pub != NULL;
	if (pub)
		memcpy(h->pub, pub, 32);
	else
		snprintf(h->addr, sizeof(h->addr), "%s", addr);
	h->next = t->hist;
	t->hist = h;
	return h;
}

/* The refusal still to run for an inbound peer, in ms (0: none). */
static int64_t
hist_refused_ms(struct transport *t, const uint8_t *pub, const char *addr)
{
	struct hist *h = hist_find(t, pub, addr);
	int64_t left = h ? h->until - mono_ms() : 0;
	return left > 0 ? left : 0;
}

/* ---- sending ---- */

static int
enqueue(struct peer *p, const Remacto__Peer__V1__PeerMessage *m, bool over_cap)
{
	size_t len = remacto__peer__v1__peer_message__get_packed_size(m);
	struct qmsg *q;

	if (len > PEER_MAX_FRAME)
		return -EMSGSIZE;
	if (!over_cap && p->queued + len > PEER_MAX_QUEUE)
		return -ENOBUFS;
	if (!(q = malloc(sizeof(*q) + LWS_PRE + len)))
		return -ENOMEM;
	remacto__peer__v1__peer_message__pack(m, q->buf + LWS_PRE);
	q->len = len;
	q->off = 0;
	q->next = NULL;
	if (p->qtail)
		p->qtail->next = q;
	else
		p->qhead = q;
	p->qtail = q;
	p->queued += len;
	if (p->wsi)
		lws_callback_on_writable(p->wsi);
	return 0;
}

int
peer_send(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	if (!p || p->state != ST_READY || !p->wsi)
		return -EPIPE;
	return enqueue(p, m, false);
}

/* Writes the next fragment of the head message; closes a closing session once all is out. */
static int
on_writeable(struct peer *p)
{
	struct qmsg *q = p->qhead;

	if (!q) {
		if (p->state != ST_CLOSING)
			return 0;
		lws_close_reason(p->wsi,
		                 p->violated ? LWS_CLOSE_STATUS_POLICY_VIOLATION
		                             : LWS_CLOSE_STATUS_NORMAL,
		                 NULL, 0);
		return -1;
	}
	size_t n = q->len - q->off < WRITE_CHUNK ? q->len - q->off : WRITE_CHUNK;
	bool last = q->off + n == q->len;
	int flags = q->off == 0 ? LWS_WRITE_BINARY : LWS_WRITE_CONTINUATION;
	if (!last)
		flags |= LWS_WRITE_NO_FIN;
	/* The frame header goes in the LWS_PRE bytes before the fragment: the headroom for the
	 * first one, bytes already sent for the others. */
	int w = lws_write(p->wsi, q->buf + LWS_PRE + q->off, n, (enum lws_write_protocol)flags);
	if (w < (int)n) {
		set_error(p, "write failed");
		return -1;
	}
	q->off += n;
	p->queued -= n;
	p->bytes_out += n;
	if (last) {
		p->frames_out++;
		p->qhead = q->next;
		if (!p->qhead)
			p->qtail = NULL;
		free(q);
	}
	if (p->qhead || p->state == ST_CLOSING)
		lws_callback_on_writable(p->wsi);
	return 0;
}

/* ---- leaving a session ---- */

static struct peer *
find_ready(struct transport *t, const uint8_t pub[32], const struct peer *except)
{
	for (struct peer *q = t->peers; q; q = q->next)
		if (q != except && q->state == ST_READY && q->key_known &&
		    !memcmp(q->key.pub, pub, 32))
			return q;
	return NULL;
}

/* The session stops being usable: fed forgets it. Once per session. */
static void
leave_ready(struct peer *p)
{
	struct transport *t = p->t;
	if (p->state != ST_READY)
		return;
	p->state = ST_CLOSING;
	if (t->n->fed)
		fed_peer_closed(t->n->fed, p);
	/* An outbound slot that stood by for this peer takes over. */
	for (struct peer *q = t->peers; q; q = q->next)
		if (q->state == ST_STANDBY && q->key_known && !memcmp(q->key.pub, p->key.pub, 32))
			schedule(q, handshake_backoff_ms(1, rand32()));
}

/* Ends the session politely: drops what is queued, sends an Error saying why, closes. */
static void
refuse(struct peer *p, enum after after, const char *why)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Error e = REMACTO__PEER__V1__ERROR__INIT;

	if (p->state == ST_CLOSING || !p->wsi)
		return;
	leave_ready(p);
	p->state = ST_CLOSING;
	if (p->after != AFTER_REMOVE) /* a slot on its way out stays on its way out */
		p->after = after;
	set_error(p, "%s", why);
	queue_clear(p, true);
	e.reason = (char *)why;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
	m.error = &e;
	enqueue(p, &m, true);
	lws_set_timer_usecs(p->wsi, LWS_SET_TIMER_USEC_CANCEL);
	lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
	lws_callback_on_writable(p->wsi);
}

static void
violation(struct peer *p, const char *why)
{
	struct transport *t = p->t;

	if (p->state == ST_CLOSING || !p->wsi)
		return;
	p->violations++;
	p->violated = true;
	if (!p->proven && p->claimed[0])
		log_warn("peer %s (claiming to be %s): %s: closing the session (%llu violations)",
		         p->dir == DIR_OUT ? p->url : p->addr, p->claimed, why,
		         (unsigned long long)p->violations);
	else
		log_warn("peer %s: %s: closing the session (%llu violations)", peer_name(p), why,
		         (unsigned long long)p->violations);
	if (p->dir == DIR_OUT) {
		p->failures++; /* on top of the one the close counts: violators back off faster */
	} else {
		/* By key only once the peer proved it holds it: anyone can claim a key. */
		struct hist *hs[2] = { hist_get(t, NULL, p->addr),
			               p->proven ? hist_get(t, p->key.pub, NULL) : NULL };
		for (int i = 0; i < 2; i++) {
			if (!hs[i])
				continue;
			hs[i]->failures++;
			hs[i]->violations++;
			hs[i]->last = mono_ms();
			hs[i]->until = hs[i]->last +
			               handshake_backoff_ms(hs[i]->failures, rand32());
			if (p->origin[0])
				snprintf(hs[i]->name, sizeof(hs[i]->name), "%s", p->origin);
		}
	}
	refuse(p, AFTER_RETRY, why);
}

void
peer_penalise(struct peer *p, const char *why)
{
	if (p)
		violation(p, why);
}

/* The connection is gone (closed, failed, destroyed). For an inbound session p is freed. */
static void
session_gone(struct peer *p, const char *why)
{
	struct transport *t = p->t;
	bool healthy = p->ready_at != 0 && !p->violated &&
	               mono_ms() - p->ready_at >= HEALTHY_S * 1000;

	leave_ready(p);
	if (why && !p->error_set)
		set_error(p, "%s", why);
	session_free(p);
	p->wsi = NULL;
	if (p->dir == DIR_IN) {
		if (p->proven) {
			struct hist *h = hist_get(t, p->key.pub, NULL);
			if (h) {
				h->sessions++;
				h->last = mono_ms();
				snprintf(h->name, sizeof(h->name), "%s", p->origin);
				if (healthy)
					h->failures = 0;
			}
		}
		for (struct peer **pp = &t->peers; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		t->nin--;
		free(p);
		return;
	}
	if (healthy)
		p->failures = 0;
	switch (p->after) {
	case AFTER_REMOVE:
		lws_sul_cancel(&p->sul);
		for (struct peer **pp = &t->peers; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		t->nout--;
		free(p);
		return;
	case AFTER_SELF:
		p->state = ST_SELF;
		log_warn("peer %s leads to this node itself: not connecting to it again", p->url);
		return;
	case AFTER_STANDBY:
		/* Looked at again now and then: connect_out stands by as long as the other
		 * direction holds, and leave_ready wakes the slot when it goes. */
		schedule(p, PEER_BACKOFF_MAX_S * 1000);
		p->state = ST_STANDBY;
		return;
	case AFTER_RETRY:
		break;
	}
	p->failures++;
	uint32_t ms = handshake_backoff_ms(p->failures, rand32());
	if (p->failures == 1 || p->violated)
		log_info("peer %s: %s; retrying in %.1f s", peer_name(p), p->last_error,
		         ms / 1000.0);
	else
		log_debug("peer %s: %s; retrying in %.1f s", peer_name(p), p->last_error,
		          ms / 1000.0);
	schedule(p, ms);
}

/* ---- the handshake ---- */

static void
session_start(struct peer *p)
{
	struct transport *t = p->t;
	struct node *n = t->n;
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Hello h = REMACTO__PEER__V1__HELLO__INIT;
	char vkey[NOTE_VKEY_MAX + 1];

	p->state = ST_HELLO;
	p->proven = false;
	p->claimed[0] = '\0';
	p->rx_len = 0;
	p->win_start = mono_ms();
	p->win_msgs = 0;
	p->violated = false;
	p->error_set = false;
	p->ready_at = 0;
	p->connected_since = time(NULL);
	lws_set_timer_usecs(p->wsi, (lws_usec_t)HANDSHAKE_TIMEOUT_S * LWS_US_PER_SEC);
	if (RAND_bytes(p->own_nonce, sizeof(p->own_nonce)) != 1 ||
	    note_verifier_format(&n->identity.v, vkey, sizeof(vkey)) < 0) {
		refuse(p, AFTER_RETRY, "internal error: cannot make a Hello");
		return;
	}
	h.network = n->cfg.network;
	h.version = HANDSHAKE_VERSION;
	h.origin = n->identity.v.name;
	h.verifier_key = vkey;
	h.nonce.data = p->own_nonce;
	h.nonce.len = sizeof(p->own_nonce);
	h.listen_url = t->listen_url;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO;
	m.hello = &h;
	enqueue(p, &m, false);
}

/* A member's (or the registry's) key must be the registry's: the key valid at the size of its
 * log this node holds (0 when none), or a later one it rotated to that this node has not
 * replicated up to yet. Other origins (mirrors, logs not admitted) may use any key: fed
 * accepts nothing from them that the registry does not vouch for. */
static bool
registry_allows(struct transport *t, const char *origin, const struct note_verifier *key, char *why,
                size_t whycap)
{
	struct store *s = &t->n->store;
	Remacto__Store__MemberRecord *m = NULL;
	Remacto__Store__LogRecord *rec = NULL;
	struct note_verifier auth, want;
	char err[200];
	MDB_txn *txn;
	bool ok;

	if (store_read_begin(s, &txn) != 0) {
		snprintf(why, whycap, "cannot read the registry to check the key of %s", origin);
		return false;
	}
	bool registry = registry_authority(s, txn, &auth) && !strcmp(auth.name, origin);
	bool member = registry_member(s, txn, origin, &m) == 0;
	if (!registry && !member) {
		mdb_txn_abort(txn);
		return true;
	}
	uint64_t size = store_log_get(s, txn, origin, &rec) == 0 ? rec->size : 0;
	ok = registry_key_for(s, txn, origin, size, &want, err, sizeof(err)) == 0 &&
	     !memcmp(want.pub, key->pub, 32);
	if (!ok && member)
		ok = registry_key_for(s, txn, origin, INT64_MAX, &want, err, sizeof(err)) == 0 &&
		     !memcmp(want.pub, key->pub, 32);
	if (!ok)
		snprintf(why, whycap, "the key of %s is not the key the registry gives for it",
		         origin);
	remacto__store__log_record__free_unpacked(rec, NULL);
	remacto__store__member_record__free_unpacked(m, NULL);
	mdb_txn_abort(txn);
	return ok;
}

static void
on_hello(struct peer *p, const Remacto__Peer__V1__Hello *h)
{
	struct transport *t = p->t;
	struct node *n = t->n;
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__HelloProof pr = REMACTO__PEER__V1__HELLO_PROOF__INIT;
	uint8_t sig[HANDSHAKE_SIG_LEN];
	struct note_verifier key;
	char why[ERR_MAX];

	if (!handshake_check_hello(h, n->cfg.network, &key, why, sizeof(why))) {
		violation(p, why);
		return;
	}
	snprintf(p->claimed, sizeof(p->claimed), "%s", h->origin);
	if (!memcmp(key.pub, n->identity.v.pub, 32)) {
		refuse(p, AFTER_SELF, "this is the node itself");
		return;
	}
	int64_t left = p->dir == DIR_IN ? hist_refused_ms(t, key.pub, NULL) : 0;
	if (left > 0) {
		snprintf(why, sizeof(why), "%s is refused for %.0f more seconds after violations",
		         h->origin, (double)(left + 999) / 1000);
		refuse(p, AFTER_RETRY, why);
		return;
	}
	if (!registry_allows(t, h->origin, &key, why, sizeof(why))) {
		violation(p, why);
		return;
	}
	p->key = key;
	p->key_known = true;
	if (p->dir == DIR_IN) {
		struct hist *hk = hist_find(t, key.pub, NULL);
		p->violations = hk ? hk->violations : 0;
		p->reconnects = hk ? hk->sessions : 0;
	}
	memcpy(p->their_nonce, h->nonce.data, sizeof(p->their_nonce));
	if (p->dir == DIR_IN)
		snprintf(p->url, sizeof(p->url), "%s", h->listen_url);
	if (handshake_sign(&n->identity, n->cfg.network, p->their_nonce, p->own_nonce, sig) != 0) {
		refuse(p, AFTER_RETRY, "internal error: cannot sign the HelloProof");
		return;
	}
	pr.signature.data = sig;
	pr.signature.len = sizeof(sig);
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO_PROOF;
	m.hello_proof = &pr;
	p->state = ST_PROOF;
	enqueue(p, &m, false);
}

/* Whether the session was dialled by the node with the smaller key: of two sessions between
 * the same nodes, both keep that one. */
static bool
canonical(const struct peer *p)
{
	int c = memcmp(p->t->n->identity.v.pub, p->key.pub, 32);
	return p->dir == DIR_OUT ? c < 0 : c > 0;
}

static void
on_proof(struct peer *p, const Remacto__Peer__V1__HelloProof *pr)
{
	struct transport *t = p->t;
	struct node *n = t->n;

	if (!handshake_verify(&p->key, n->cfg.network, p->own_nonce, p->their_nonce,
	                      pr->signature.data, pr->signature.len)) {
		violation(p, "a HelloProof that does not verify");
		return;
	}
	p->proven = true;
	snprintf(p->origin, sizeof(p->origin), "%s", p->claimed);
	struct peer *q = find_ready(t, p->key.pub, p);
	if (q) {
		if (q->dir == p->dir || !canonical(p)) {
			refuse(p, AFTER_STANDBY,
			       "already connected to this node (duplicate session)");
			return;
		}
		refuse(q, AFTER_STANDBY, "already connected to this node (duplicate session)");
	}
	lws_set_timer_usecs(p->wsi, LWS_SET_TIMER_USEC_CANCEL);
	p->state = ST_READY;
	p->ready_at = mono_ms();
	if (p->dir == DIR_OUT)
		log_info("peer %s: session ready (to %s)", p->origin, p->url);
	else
		log_info("peer %s: session ready (from %s%s%s)", p->origin, p->addr,
		         p->url[0] ? ", listening on " : "", p->url);
	fed_peer_ready(n->fed, p);
}

/* ---- receiving ---- */

static void
dispatch(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	struct node *n = p->t->n;
	const char *reason;

	switch (m->kind_case) {
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO:
		if (p->state == ST_HELLO)
			on_hello(p, m->hello);
		else
			violation(p, "a second Hello");
		return;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO_PROOF:
		if (p->state == ST_PROOF)
			on_proof(p, m->hello_proof);
		else
			violation(p, p->state == ST_HELLO ? "a HelloProof before the Hello"
			                                  : "a second HelloProof");
		return;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR:
		reason = m->error->reason;
		set_error(p, "%s says: %.200s", p->state == ST_READY ? "peer" : "refused; peer",
		          reason);
		if (p->state != ST_READY) {
			log_info("peer %s refused the session: %.200s", peer_name(p), reason);
			return; /* it closes; so will lws */
		}
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND__NOT_SET:
		violation(p, "a message of no known kind");
		return;
	default:
		if (p->state != ST_READY) {
			violation(p, "a message before the handshake");
			return;
		}
		break;
	}
	fed_peer_message(n->fed, p, m);
}

static void
on_receive(struct peer *p, const void *in, size_t len)
{
	struct lws *wsi = p->wsi;
	size_t cap = p->state == ST_READY ? PEER_MAX_FRAME : HELLO_MAX;

	if (p->state != ST_HELLO && p->state != ST_PROOF && p->state != ST_READY)
		return; /* closing: nothing more is read */
	if (!lws_frame_is_binary(wsi)) {
		violation(p, "a text frame");
		return;
	}
	if (len > cap - p->rx_len) {
		violation(p, p->state == ST_READY ? "a message over the 4 MiB cap"
		                                  : "a handshake message over 4 KiB");
		return;
	}
	if (p->rx_len + len > p->rx_cap) {
		size_t ncap = p->rx_cap ? p->rx_cap : 4096;
		while (ncap < p->rx_len + len)
			ncap *= 2;
		uint8_t *nb = realloc(p->rx, ncap);
		if (!nb) {
			refuse(p, AFTER_RETRY, "out of memory for an incoming message");
			return;
		}
		p->rx = nb;
		p->rx_cap = ncap;
	}
	memcpy(p->rx + p->rx_len, in, len);
	p->rx_len += len;
	p->bytes_in += len;
	if (!lws_is_final_fragment(wsi))
		return;

	size_t mlen = p->rx_len;
	p->rx_len = 0;
	p->frames_in++;
	int64_t now = mono_ms();
	if (now - p->win_start >= 1000) {
		p->win_start = now;
		p->win_msgs = 0;
	}
	if (++p->win_msgs > PEER_MAX_MSGS_PER_S) {
		violation(p, "more than 2000 messages in a second");
		return;
	}
	/* Unpacked only now that the size is known to be within the cap. */
	Remacto__Peer__V1__PeerMessage *m = remacto__peer__v1__peer_message__unpack(NULL, mlen,
	                                                                            p->rx);
	if (p->rx_cap > RX_KEEP) {
		free(p->rx);
		p->rx = NULL;
		p->rx_cap = 0;
	}
	if (!m) {
		violation(p, "a frame that is not a PeerMessage");
		return;
	}
	dispatch(p, m);
	remacto__peer__v1__peer_message__free_unpacked(m, NULL);
}

/* ---- the resolver thread ---- */

static void *
resolver_main(void *arg)
{
	struct resolver *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->todo && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		struct resolve_job *j = r->todo;
		r->todo = j->next;
		pthread_mutex_unlock(&r->mu);

		struct addrinfo hints, *ai = NULL;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		j->rc = getaddrinfo(j->host, NULL, &hints, &ai);
		if (j->rc == 0) {
			const void *a =
			        ai->ai_family == AF_INET6
			                ? (const void *)&(
			                          (struct sockaddr_in6 *)(void *)ai->ai_addr)
			                          ->sin6_addr
			                : (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)
			                          ->sin_addr;
			if (!inet_ntop(ai->ai_family, a, j->addr, sizeof(j->addr)))
				j->rc = EAI_FAIL;
			freeaddrinfo(ai);
		}

		pthread_mutex_lock(&r->mu);
		j->next = r->done;
		r->done = j;
		if (!r->quit)
			lws_cancel_service(r->ctx); /* the one lws call safe from another thread */
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Queues host for resolution; the answer comes back through resolver_collect. The thread
 * starts with the first name to resolve: a federation of numeric addresses needs none. */
static int
resolver_submit(struct transport *t, uint64_t id, const char *host)
{
	struct resolver *r = &t->res;
	struct resolve_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->id = id;
	snprintf(j->host, sizeof(j->host), "%s", host);
	if (!r->started) {
		r->ctx = t->n->lws;
		if (pthread_mutex_init(&r->mu, NULL) != 0 || pthread_cond_init(&r->cv, NULL) != 0 ||
		    pthread_create(&r->thread, NULL, resolver_main, r) != 0) {
			free(j);
			return -EAGAIN;
		}
		r->started = true;
	}
	pthread_mutex_lock(&r->mu);
	j->next = r->todo;
	r->todo = j;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* Stops the thread (waiting for a lookup under way) and drops what is left. */
static void
resolver_stop(struct resolver *r)
{
	struct resolve_job *lists[2];

	if (!r->started)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	lists[0] = r->todo;
	lists[1] = r->done;
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct resolve_job *j = lists[i];
			lists[i] = j->next;
			free(j);
		}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	r->started = false;
}

/* ---- outbound connections ---- */

static void
retry_cb(lws_sorted_usec_list_t *sul)
{
	connect_out(lws_container_of(sul, struct peer, sul));
}

static void
schedule(struct peer *p, uint32_t ms)
{
	p->state = ST_IDLE;
	p->next_try = mono_ms() + ms;
	lws_sul_schedule(p->t->n->lws, 0, &p->sul, retry_cb, (lws_usec_t)ms * 1000);
}

/* A connection attempt that did not get as far as a session. */
static void
attempt_failed(struct peer *p, const char *why)
{
	p->wsi = NULL;
	set_error(p, "%s", why);
	session_gone(p, why);
}

/* Connects slot p to address (numeric) for URL u. */
static void
dial(struct peer *p, const struct config_peer_url *u, const char *address)
{
	struct transport *t = p->t;
	struct node *n = t->n;
	struct lws_client_connect_info ci;
	char host[260];

	/* The Host header, IPv6 in brackets; lws checks the certificate against its part before
	 * the first ':'. */
	if (u->port == (u->tls ? 443 : 80))
		snprintf(host, sizeof(host), strchr(u->host, ':') ? "[%s]" : "%s", u->host);
	else
		snprintf(host, sizeof(host), strchr(u->host, ':') ? "[%s]:%d" : "%s:%d", u->host,
		         u->port);
	memset(&ci, 0, sizeof(ci));
	ci.context = n->lws;
	ci.vhost = t->vhost;
	ci.address = address;
	ci.port = u->port;
	ci.path = u->path;
	ci.host = host;
	ci.origin = host;
	ci.protocol = PEER_PROTOCOL;
	ci.local_protocol_name = PEER_PROTOCOL;
	ci.opaque_user_data = p;
	ci.retry_and_idle_policy = &idle_policy;
	if (u->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (n->cfg.peer_tls_insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
			                     LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                     LCCSCF_ALLOW_INSECURE;
	}
	p->state = ST_CONNECTING;
	struct lws *wsi = lws_client_connect_via_info(&ci);
	if (p->state != ST_CONNECTING)
		return; /* already failed through a callback */
	if (!wsi) {
		attempt_failed(p, "cannot start a connection");
		return;
	}
	p->wsi = wsi;
}

static bool
is_numeric(const char *host)
{
	uint8_t a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static void
connect_out(struct peer *p)
{
	struct transport *t = p->t;
	struct config_peer_url u;
	char why[ERR_MAX];

	if (t->stopping || !t->n->fed || p->wsi || p->state == ST_RESOLVING)
		return;
	if (p->key_known && find_ready(t, p->key.pub, NULL)) {
		schedule(p, PEER_BACKOFF_MAX_S * 1000);
		p->state = ST_STANDBY;
		return;
	}
	if (!config_peer_url(p->url, &u, why, sizeof(why))) {
		set_error(p, "%s", why);
		schedule(p, PEER_BACKOFF_MAX_S * 1000);
		return;
	}
	p->after = AFTER_RETRY;
	p->error_set = false;
	p->violated = false;
	p->ready_at = 0;
	if (p->attempts++ > 0)
		p->reconnects++;
	if (is_numeric(u.host)) {
		dial(p, &u, u.host);
	} else if (p->resolved[0] && mono_ms() < p->resolved_until) {
		dial(p, &u, p->resolved);
	} else if (resolver_submit(t, p->id, u.host) == 0) {
		p->state = ST_RESOLVING;
	} else {
		attempt_failed(p, "cannot start resolving the host name");
	}
}

/* Answers from the resolver thread: dial, or count a failed attempt. */
static void
resolver_collect(struct transport *t)
{
	struct resolve_job *list;

	if (!t->res.started)
		return;
	pthread_mutex_lock(&t->res.mu);
	list = t->res.done;
	t->res.done = NULL;
	pthread_mutex_unlock(&t->res.mu);
	while (list) {
		struct resolve_job *j = list;
		struct config_peer_url u;
		struct peer *p;
		char why[ERR_MAX];

		list = j->next;
		for (p = t->peers; p && !(p->dir == DIR_OUT && p->id == j->id); p = p->next)
			;
		if (p && p->state == ST_RESOLVING) {
			if (j->rc != 0 || !config_peer_url(p->url, &u, why, sizeof(why))) {
				snprintf(why, sizeof(why), "cannot resolve %.200s: %s", j->host,
				         j->rc ? gai_strerror(j->rc) : "bad URL");
				attempt_failed(p, why);
			} else {
				snprintf(p->resolved, sizeof(p->resolved), "%s", j->addr);
				p->resolved_until = mono_ms() + RESOLVED_TTL_S * 1000;
				dial(p, &u, p->resolved);
			}
		}
		free(j);
	}
}

/* ---- the lws callback ---- */

static struct peer *
peer_of(struct lws *wsi)
{
	return lws_get_opaque_user_data(wsi);
}

/* An inbound connection: a session, or a polite refusal through pss. */
static void
accept_in(struct transport *t, struct lws *wsi, struct pss *pss)
{
	char addr[64];
	struct peer *p;

	if (!lws_get_peer_simple(wsi, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "unknown address");
	if (!t || !t->n->fed || t->stopping) {
		pss->refusal = "this node does not federate (it has no [authority] verifier_key)";
	} else if (t->nin >= MAX_INBOUND) {
		pss->refusal = "this node has all the peers it can take; try another";
	} else if (hist_refused_ms(t, NULL, addr) > 0) {
		pss->refusal = "this address is refused for a while after violations; retry later";
	} else if (!(p = calloc(1, sizeof(*p)))) {
		pss->refusal = "out of memory";
	} else {
		p->t = t;
		p->dir = DIR_IN;
		p->wsi = wsi;
		snprintf(p->addr, sizeof(p->addr), "%s", addr);
		p->attempts = 1;
		/* An inbound peer's counts are those of its address, then of its key. */
		struct hist *h = hist_find(t, NULL, addr);
		p->violations = h ? h->violations : 0;
		p->next = t->peers;
		t->peers = p;
		t->nin++;
		lws_set_opaque_user_data(wsi, p);
		session_start(p);
		return;
	}
	log_info("peer connection from %s refused: %s", addr, pss->refusal);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
	lws_callback_on_writable(wsi);
}

/* Sends the refusal of a connection that has no struct peer, then closes it. */
static int
refusal_writeable(struct lws *wsi, struct pss *pss)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Error e = REMACTO__PEER__V1__ERROR__INIT;
	uint8_t buf[LWS_PRE + 512];

	if (!pss || !pss->refusal)
		return -1;
	if (pss->sent) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	e.reason = (char *)pss->refusal;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
	m.error = &e;
	size_t len = remacto__peer__v1__peer_message__get_packed_size(&m);
	if (len > sizeof(buf) - LWS_PRE)
		return -1;
	remacto__peer__v1__peer_message__pack(&m, buf + LWS_PRE);
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_BINARY) < (int)len)
		return -1;
	pss->sent = true;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
callback_peer(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct node *n = lws_context_user(lws_get_context(wsi));
	struct transport *t = n ? n->transport : NULL;
	struct peer *p;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* Delivered to every protocol of every vhost: tick once, from our own vhost. A
		 * commit of the publisher wakes the loop this way. */
		if (t && !t->stopping && lws_get_vhost(wsi) == t->vhost && n->fed) {
			resolver_collect(t);
			fed_tick(n->fed);
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		accept_in(t, wsi, user);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		p = peer_of(wsi);
		if (!p || p->state != ST_CONNECTING || (p->wsi && p->wsi != wsi))
			return -1;
		p->wsi = wsi;
		session_start(p);
		return 0;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			on_receive(p, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if ((p = peer_of(wsi)) && p->wsi == wsi)
			return on_writeable(p);
		return reason == LWS_CALLBACK_SERVER_WRITEABLE ? refusal_writeable(wsi, user) : -1;
	case LWS_CALLBACK_TIMER:
		if ((p = peer_of(wsi)) && p->wsi == wsi &&
		    (p->state == ST_HELLO || p->state == ST_PROOF))
			refuse(p, AFTER_RETRY, "handshake not finished in 10 s");
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if ((p = peer_of(wsi)) && p->wsi == wsi && !p->error_set) {
			const uint8_t *b = in;
			if (len >= 2)
				set_error(p, "closed by the peer (%u%s%.*s)",
				          (unsigned)(b[0] << 8 | b[1]), len > 2 ? ": " : "",
				          (int)(len - 2 > 200 ? 200 : len - 2),
				          (const char *)b + 2);
			else
				set_error(p, "closed by the peer");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if ((p = peer_of(wsi)) &&
		    (p->wsi == wsi || (!p->wsi && p->state == ST_CONNECTING))) {
			char why[ERR_MAX];
			lws_set_opaque_user_data(wsi, NULL);
			snprintf(why, sizeof(why), "cannot connect: %.200s",
			         in ? (const char *)in : "connection failed");
			attempt_failed(p, why);
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if ((p = peer_of(wsi)) && p->wsi == wsi) {
			lws_set_opaque_user_data(wsi, NULL);
			session_gone(p, reason == LWS_CALLBACK_WSI_DESTROY ? "connection lost"
			                                                   : "connection closed");
		}
		return 0;
	default:
		return 0;
	}
}

/* ---- timers: fed's tick, announced peers ---- */

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	struct transport *t = lws_container_of(sul, struct transport, tick);
	if (t->stopping)
		return;
	resolver_collect(t);
	if (t->n->fed)
		fed_tick(t->n->fed);
	lws_sul_schedule(t->n->lws, 0, &t->tick, tick_cb, (lws_usec_t)TICK_MS * 1000);
}

static struct peer *
find_slot(struct transport *t, const char *url)
{
	for (struct peer *p = t->peers; p; p = p->next)
		if (p->dir == DIR_OUT && !strcmp(p->url, url))
			return p;
	return NULL;
}

static struct peer *
add_slot(struct transport *t, const char *url)
{
	struct peer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->t = t;
	p->dir = DIR_OUT;
	p->id = ++t->next_id;
	snprintf(p->url, sizeof(p->url), "%s", url);
	p->next = t->peers;
	t->peers = p;
	t->nout++;
	/* A little spread so that a node with many peers does not dial them all at once. */
	schedule(p, rand32() % PEER_BACKOFF_MIN_MS);
	return p;
}

/* An announced URL, ranked by SHA-256(own key ‖ url): when there are more than the slots,
 * each node keeps a different, stable sample, and the mesh stays connected. */
struct cand {
	uint8_t rank[32];
	char url[CONFIG_PEER_URL_MAX];
};

struct scan {
	struct transport *t;
	struct cand *c;
	size_t n, cap;
};

static int
collect_announced(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct scan *sc = arg;
	struct node *n = sc->t->n;
	char why[ERR_MAX];

	if (!m->peer_url || !m->peer_url[0] || !strcmp(m->origin, n->identity.v.name) ||
	    sc->n >= STORE_MAX_LOGS)
		return 0;
	if (!config_peer_url(m->peer_url, NULL, why, sizeof(why))) {
		log_debug("peer URL %.80s announced for %s ignored: %s", m->peer_url, m->origin,
		          why);
		return 0;
	}
	if (sc->n == sc->cap) {
		size_t ncap = sc->cap ? sc->cap * 2 : 64;
		struct cand *nc = realloc(sc->c, ncap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		sc->c = nc;
		sc->cap = ncap;
	}
	struct cand *c = &sc->c[sc->n++];
	uint8_t buf[32 + CONFIG_PEER_URL_MAX];
	size_t ul = strlen(m->peer_url);
	snprintf(c->url, sizeof(c->url), "%s", m->peer_url);
	memcpy(buf, n->identity.v.pub, 32);
	memcpy(buf + 32, c->url, ul);
	SHA256(buf, 32 + ul, c->rank);
	return 0;
}

static int
cand_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cand *)a)->rank, ((const struct cand *)b)->rank, 32);
}

/* Brings the announced slots in line with the registry: new URLs get a slot, withdrawn ones
 * lose theirs (closing its connection). */
static void
scan_announced(struct transport *t)
{
	struct scan sc = { t, NULL, 0, 0 };
	MDB_txn *txn;

	if (store_read_begin(&t->n->store, &txn) != 0)
		return;
	int rc = registry_each(&t->n->store, txn, collect_announced, &sc);
	mdb_txn_abort(txn);
	if (rc != 0) {
		log_warn("cannot read the peer addresses the registry announces: %s",
		         store_strerror(rc));
		free(sc.c);
		return;
	}
	if (sc.n > 1)
		qsort(sc.c, sc.n, sizeof(*sc.c), cand_cmp);
	for (struct peer *p = t->peers; p; p = p->next)
		p->seen = false;
	size_t added = 0;
	for (size_t i = 0; i < sc.n; i++) {
		struct peer *p = find_slot(t, sc.c[i].url);
		if (!p && t->nout < MAX_OUTBOUND && (p = add_slot(t, sc.c[i].url)) != NULL)
			added++;
		if (p) {
			p->announced = true;
			p->seen = true;
		}
	}
	if (added)
		log_info("connecting to %zu peer%s the registry announces", added,
		         added == 1 ? "" : "s");
	for (struct peer **pp = &t->peers; *pp;) {
		struct peer *p = *pp;
		if (p->dir != DIR_OUT || !p->announced || p->seen || p->from_config) {
			p->announced = p->announced && p->seen;
			pp = &p->next;
			continue;
		}
		log_info("peer %s is no longer announced: disconnecting", p->url);
		if (p->wsi) {
			p->announced = false;
			if (p->state == ST_CONNECTING)
				lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			else
				refuse(p, AFTER_REMOVE,
				       "this node no longer connects to that address");
			p->after = AFTER_REMOVE;
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		lws_sul_cancel(&p->sul);
		t->nout--;
		free(p);
	}
	free(sc.c);
}

static void
scan_cb(lws_sorted_usec_list_t *sul)
{
	struct transport *t = lws_container_of(sul, struct transport, scan);
	if (t->stopping)
		return;
	scan_announced(t);
	lws_sul_schedule(t->n->lws, 0, &t->scan, scan_cb, (lws_usec_t)SCAN_S * LWS_US_PER_SEC);
}

/* ---- start and stop ---- */

/* Where this node accepts peers, for its Hello: only when the public listener has an address
 * others can dial (not a wildcard) and TLS (or is on loopback, for tests). */
static void
make_listen_url(struct transport *t)
{
	const struct config *c = &t->n->cfg;
	struct config_peer_url u;
	char why[ERR_MAX];
	bool v6 = strchr(c->pub.host, ':') != NULL;

	t->listen_url[0] = '\0';
	if (!c->pub.host[0] || !strcmp(c->pub.host, "0.0.0.0") || !strcmp(c->pub.host, "::"))
		return;
	snprintf(t->listen_url, sizeof(t->listen_url), "%s://%s%s%s:%d/peer",
	         c->tls_cert[0] ? "wss" : "ws", v6 ? "[" : "", c->pub.host, v6 ? "]" : "",
	         c->pub.port);
	if (!config_peer_url(t->listen_url, &u, why, sizeof(why)))
		t->listen_url[0] = '\0';
}

/* Reads the CA bundle once, so that a wrong path stops the daemon with a clear message
 * instead of lws logging that client TLS "isn't going to work". */
static int
check_ca_file(const char *path, char *err, size_t errcap)
{
	X509_STORE *st = X509_STORE_new();
	int ok = st && X509_STORE_load_file(st, path) == 1;
	X509_STORE_free(st);
	if (!ok)
		snprintf(err, errcap, "[peer] ca_file %s: cannot read it as PEM certificates",
		         path);
	return ok ? 0 : -1;
}

int
transport_start(struct node *n, char *err, size_t errcap)
{
	struct lws_context_creation_info info;
	struct transport *t;

	if (!n->lws) {
		snprintf(err, errcap, "transport: the lws context is not created yet");
		return -1;
	}
	if (!n->fed) {
		log_info(
		        "no network authority configured: not connecting to peers, refusing theirs");
		return 0;
	}
	if (n->cfg.peer_ca_file[0] && check_ca_file(n->cfg.peer_ca_file, err, errcap) != 0)
		return -1;
	if (!(t = calloc(1, sizeof(*t)))) {
		snprintf(err, errcap, "transport: out of memory");
		return -1;
	}
	t->n = n;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "peers";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.pprotocols = client_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (n->cfg.peer_ca_file[0]) {
		/* The network's own CAs replace the system's for peers. */
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
		info.client_ssl_ca_filepath = n->cfg.peer_ca_file;
	}
	info.retry_and_idle_policy = &idle_policy;
	if (!(t->vhost = lws_create_vhost(n->lws, &info))) {
		snprintf(err, errcap,
		         "transport: cannot create the client side of the peer "
		         "protocol (TLS set-up failed?)");
		free(t);
		return -1;
	}
	make_listen_url(t);
	n->transport = t;
	for (size_t i = 0; i < n->cfg.npeers; i++) {
		struct peer *p = find_slot(t, n->cfg.peers[i]);
		if (!p)
			p = add_slot(t, n->cfg.peers[i]);
		if (p)
			p->from_config = true;
	}
	scan_announced(t);
	lws_sul_schedule(n->lws, 0, &t->tick, tick_cb, (lws_usec_t)TICK_MS * 1000);
	lws_sul_schedule(n->lws, 0, &t->scan, scan_cb, (lws_usec_t)SCAN_S * LWS_US_PER_SEC);
	log_info("peers: %zu configured, %zu in all; accepting peers on the public listener%s%s",
	         n->cfg.npeers, t->nout, t->listen_url[0] ? " as " : "", t->listen_url);
	return 0;
}

void
transport_stop(struct node *n)
{
	struct transport *t = n ? n->transport : NULL;

	if (!t)
		return;
	t->stopping = true;
	resolver_stop(&t->res);
	lws_sul_cancel(&t->tick);
	lws_sul_cancel(&t->scan);
	while (t->peers) {
		struct peer *p = t->peers;
		t->peers = p->next;
		lws_sul_cancel(&p->sul);
		if (p->state == ST_READY && n->fed)
			fed_peer_closed(n->fed, p);
		/* The connections themselves go with the lws context; they find no peer. */
		if (p->wsi)
			lws_set_opaque_user_data(p->wsi, NULL);
		session_free(p);
		free(p);
	}
	while (t->hist) {
		struct hist *h = t->hist;
		t->hist = h->next;
		free(h);
	}
	n->transport = NULL;
	free(t);
}

/* ---- reporting ---- */

static json_t *
iso_or_null(time_t t)
{
	char buf[32];
	struct tm tm;
	if (t == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static int64_t
backoff_left(const struct peer *p, int64_t now)
{
	if (p->state != ST_IDLE && p->state != ST_STANDBY)
		return 0;
	return p->next_try > now ? p->next_try - now : 0;
}

static bool
connected(const struct peer *p)
{
	return p->state == ST_HELLO || p->state == ST_PROOF || p->state == ST_READY ||
	       p->state == ST_CLOSING;
}

json_t *
transport_peers_json(struct node *n)
{
	struct transport *t = n->transport;
	json_t *a = json_array();
	int64_t now = mono_ms();

	if (!t || !a)
		return a;
	for (struct peer *p = t->peers; p; p = p->next) {
		json_t *o = json_pack(
		        "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I,"
		        " s:I, s:I, s:I}",
		        "url", p->url, "origin", p->origin, "address", p->addr, "state",
		        state_names[p->state], "direction", p->dir == DIR_OUT ? "out" : "in",
		        "connectedSince", iso_or_null(connected(p) ? p->connected_since : 0),
		        "lastError", p->last_error, "violations", (json_int_t)p->violations,
		        "reconnects", (json_int_t)p->reconnects, "backoffMs",
		        (json_int_t)backoff_left(p, now), "framesIn", (json_int_t)p->frames_in,
		        "framesOut", (json_int_t)p->frames_out, "bytesIn", (json_int_t)p->bytes_in,
		        "bytesOut", (json_int_t)p->bytes_out, "queued", (json_int_t)p->queued);
		if (o)
			json_array_append_new(a, o);
	}
	/* Inbound peers refused for now after violations, when not connected. */
	for (struct hist *h = t->hist; h; h = h->next) {
		if (h->until <= now || (h->by_key && find_ready(t, h->pub, NULL)))
			continue;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:I, s:I, s:I, s:I, s:I,"
		                      " s:I, s:I, s:I}",
		                      "url", "", "origin", h->name, "address", h->addr, "state",
		                      "refused", "direction", "in", "connectedSince", "lastError",
		                      "refused after violations", "violations",
		                      (json_int_t)h->violations, "reconnects",
		                      (json_int_t)(h->sessions ? h->sessions - 1 : 0), "backoffMs",
		                      (json_int_t)(h->until - now), "framesIn", (json_int_t)0,
		                      "framesOut", (json_int_t)0, "bytesIn", (json_int_t)0,
		                      "bytesOut", (json_int_t)0, "queued", (json_int_t)0);
		if (o)
			json_array_append_new(a, o);
	}
	return a;
}

struct mout {
	char **buf;
	size_t *len, *cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) mput(struct mout *o, const char *fmt, ...)
{
	va_list ap;
	if (o->oom)
		return;
	for (;;) {
		size_t room = *o->cap - *o->len;
		va_start(ap, fmt);
		int k = vsnprintf(*o->buf ? *o->buf + *o->len : NULL, *o->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			o->oom = true;
			return;
		}
		if (*o->buf && (size_t)k < room) {
			*o->len += (size_t)k;
			return;
		}
		size_t ncap = *o->cap ? *o->cap * 2 : 8192;
		while (ncap < *o->len + (size_t)k + 1)
			ncap *= 2;
		char *nb = realloc(*o->buf, ncap);
		if (!nb) {
			o->oom = true;
			return;
		}
		*o->buf = nb;
		*o->cap = ncap;
	}
}

/* A Prometheus label value: '\\', '"' and newlines escaped. */
static void
label(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

void
transport_metrics(struct node *n, char **buf, size_t *len, size_t *cap)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} counters[] = {
		{ "remacto_peer_frames_received_total", "counter",
		  "Messages received from the peer.", offsetof(struct peer, frames_in) },
		{ "remacto_peer_frames_sent_total", "counter", "Messages sent to the peer.",
		  offsetof(struct peer, frames_out) },
		{ "remacto_peer_bytes_received_total", "counter", "Message bytes received.",
		  offsetof(struct peer, bytes_in) },
		{ "remacto_peer_bytes_sent_total", "counter", "Message bytes sent.",
		  offsetof(struct peer, bytes_out) },
		{ "remacto_peer_violations_total", "counter",
		  "Protocol violations and failed verifications by the peer.",
		  offsetof(struct peer, violations) },
		{ "remacto_peer_reconnects_total", "counter",
		  "Connection attempts after the first.", offsetof(struct peer, reconnects) },
	};
	struct transport *t = n->transport;
	struct mout o = { buf, len, cap, false };
	char a[2 * CONFIG_PEER_URL_MAX], b[2 * CONFIG_PEER_URL_MAX];
	int64_t now = mono_ms();
	size_t ready = 0;

	if (!t)
		return;
	for (struct peer *p = t->peers; p; p = p->next)
		ready += p->state == ST_READY;
	mput(&o,
	     "# HELP remacto_peers_ready Peer sessions past the handshake.\n"
	     "# TYPE remacto_peers_ready gauge\nremacto_peers_ready %zu\n",
	     ready);
	mput(&o, "# HELP remacto_peer_up 1 while the session with the peer is ready.\n"
	         "# TYPE remacto_peer_up gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		mput(&o, "remacto_peer_up{peer=\"%s\",direction=\"%s\",url=\"%s\"} %d\n", a,
		     p->dir == DIR_OUT ? "out" : "in", b, p->state == ST_READY);
	}
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		mput(&o, "# HELP %s %s\n# TYPE %s %s\n", counters[i].name, counters[i].help,
		     counters[i].name, counters[i].type);
		for (struct peer *p = t->peers; p; p = p->next) {
			uint64_t v;
			memcpy(&v, (const char *)p + counters[i].off, sizeof(v));
			label(peer_name(p), a, sizeof(a));
			label(p->url, b, sizeof(b));
			mput(&o, "%s{peer=\"%s\",direction=\"%s\",url=\"%s\"} %llu\n",
			     counters[i].name, a, p->dir == DIR_OUT ? "out" : "in", b,
			     (unsigned long long)v);
		}
	}
	mput(&o, "# HELP remacto_peer_queued_bytes Bytes waiting in the send queue.\n"
	         "# TYPE remacto_peer_queued_bytes gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		mput(&o, "remacto_peer_queued_bytes{peer=\"%s\",direction=\"%s\",url=\"%s\"} %zu\n",
		     a, p->dir == DIR_OUT ? "out" : "in", b, p->queued);
	}
	mput(&o, "# HELP remacto_peer_backoff_seconds Time left before the next connection "
	         "attempt.\n# TYPE remacto_peer_backoff_seconds gauge\n");
	for (struct peer *p = t->peers; p; p = p->next) {
		if (p->dir != DIR_OUT)
			continue;
		label(peer_name(p), a, sizeof(a));
		label(p->url, b, sizeof(b));
		mput(&o,
		     "remacto_peer_backoff_seconds{peer=\"%s\",direction=\"out\",url=\"%s\"} "
		     "%.3f\n",
		     a, b, backoff_left(p, now) / 1000.0);
	}
}

/*
 * session — one peer session of the transport, whichever side dialled: the handshake, receiving
 * and reassembling messages, the send queue, and leaving the session. See transport.h for the
 * contract, transport_impl.h for how the files share the work.
 *
 * Session: both sides send Hello at once; on the other's Hello (checked by handshake.c, the
 * key against the registry) we send our HelloProof; on the other's proof the session is ready
 * and handed to the user (ops.ready). Before that only handshake messages up to HELLO_MAX
 * bytes are accepted. A session leaves "ready" exactly once, where ops.closed is called: when
 * it is closed by a violation (peer_penalise, synchronously, so the user sees it gone as soon
 * as the call returns), by a duplicate, or by the connection going away.
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
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "registry.h"
#include "transport_impl.h"

void
session_set_error(struct peer *p, const char *fmt, ...)
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

static void
rx_release(struct peer *p)
{
	budget_give(&p->t->rx, p->rx_cls, p->rx_charged);
	p->rx_charged = 0;
	buf_free(&p->rx);
}

void
session_free(struct peer *p)
{
	sendq_clear(p, false);
	rx_release(p);
	p->paused = 0;
}

bool
peer_registered(const struct peer *p)
{
	return p->registered;
}

/* ---- leaving a session ---- */

struct peer *
session_find_ready(const struct transport *t, const uint8_t pub[32], const struct peer *except)
{
	for (struct peer *q = t->peers; q; q = q->next)
		if (q != except && q->state == ST_READY && q->key_known &&
		    !memcmp(q->key.pub, pub, 32))
			return q;
	return NULL;
}

/* The session stops being usable: the user forgets it. Once per session. */
static void
leave_ready(struct peer *p)
{
	struct transport *t = p->t;
	if (p->state != ST_READY)
		return;
	p->state = ST_CLOSING;
	if (p->dir == DIR_IN && !p->registered && t->nanon)
		t->nanon--;
	t->last_ready_ms = tp_mono_ms();
	t->ctx.ops.closed(t->ctx.ops.arg, p);
	/* An outbound slot that stood by for this peer takes over. */
	for (struct peer *q = t->peers; q; q = q->next)
		if (q->state == ST_STANDBY && q->key_known && !memcmp(q->key.pub, p->key.pub, 32))
			slot_schedule(q, handshake_backoff_ms(1, tp_rand32()));
}

/* Ends the session politely: drops what is queued, sends an Error saying why, closes. */
void
session_refuse(struct peer *p, enum after after, const char *why)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Error e = REMACTO__PEER__V1__ERROR__INIT;

	if (p->state == ST_CLOSING || !p->wsi)
		return;
	leave_ready(p);
	p->state = ST_CLOSING;
	if (p->after != AFTER_REMOVE) /* a slot on its way out stays on its way out */
		p->after = after;
	session_set_error(p, "%s", why);
	sendq_clear(p, true);
	e.reason = (char *)why;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_ERROR;
	m.error = &e;
	sendq_push(p, &m, true, false);
	/* Read again, to see the peer's close: what it sends now is dropped (closing). */
	sendq_pause(p, PAUSE_QUEUE, false);
	sendq_pause(p, PAUSE_RX, false);
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
	} else if (p->proven) {
		/* By key, and only once the peer proved it holds it: anyone can claim a key, and
		 * an address may be shared by honest peers. */
		int64_t now = tp_mono_ms();
		struct ban *b = bans_get(&t->bans, p->key.pub, now);
		if (b)
			bans_violation(b, p->origin, now, tp_rand32());
	}
	session_refuse(p, AFTER_RETRY, why);
}

/* What line noise can do to a session (a garbled frame, a silent link): close it, count a
 * link error, ban nobody; an outbound slot whose session was ready dials again at once. */
static void
link_error(struct peer *p, const char *why)
{
	if (p->state == ST_CLOSING || !p->wsi)
		return;
	p->link_errors++;
	p->link_broken = true;
	log_info("peer %s: %s: closing the session (broken link; reconnecting)", peer_name(p), why);
	session_refuse(p, AFTER_RETRY, why);
}

void
peer_penalise(struct peer *p, const char *why)
{
	if (p)
		violation(p, why);
}

/* The connection is gone (closed, failed, destroyed). For an inbound session p is freed. */
void
session_gone(struct peer *p, const char *why)
{
	struct transport *t = p->t;
	bool healthy = p->ready_at != 0 && !p->violated &&
	               tp_mono_ms() - p->ready_at >= HEALTHY_S * 1000;
	/* A ready session that the link, not the peer, ended (noise, a reset, silence): the
	 * peer is there and willing, so the slot dials again after the shortest backoff. */
	bool quick = p->ready_at != 0 && !p->violated && !p->peer_refused;

	leave_ready(p);
	if (why && !p->error_set)
		session_set_error(p, "%s", why);
	session_free(p);
	p->wsi = NULL;
	if (p->dir == DIR_IN) {
		if (p->proven) {
			struct ban *h = bans_get(&t->bans, p->key.pub, tp_mono_ms());
			if (h) {
				h->sessions++;
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
	if (healthy || quick)
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
		slot_schedule(p, PEER_BACKOFF_MAX_S * 1000);
		p->state = ST_STANDBY;
		return;
	case AFTER_RETRY:
		break;
	}
	p->failures++;
	uint32_t ms = handshake_backoff_ms(p->failures, tp_rand32());
	if (p->failures == 1 || p->violated)
		log_info("peer %s: %s; retrying in %.1f s", peer_name(p), p->last_error,
		         ms / 1000.0);
	else
		log_debug("peer %s: %s; retrying in %.1f s", peer_name(p), p->last_error,
		          ms / 1000.0);
	slot_schedule(p, ms);
}

/* ---- the handshake ---- */

void
session_start(struct peer *p)
{
	struct transport *t = p->t;
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Hello h = REMACTO__PEER__V1__HELLO__INIT;
	char vkey[NOTE_VKEY_MAX + 1];

	p->state = ST_HELLO;
	p->proven = false;
	p->registered = p->key_registered = false;
	p->claimed[0] = '\0';
	buf_reset(&p->rx);
	p->win_start = tp_mono_ms();
	p->win_msgs = 0;
	p->violated = false;
	p->link_broken = false;
	p->peer_refused = false;
	p->error_set = false;
	p->ready_at = 0;
	p->answers = 0;
	p->paused = 0;
	p->ping_at = 0;
	p->last_rx = p->last_tx = tp_mono_ms();
	p->connected_since = time(NULL);
	lws_set_timer_usecs(p->wsi, (lws_usec_t)HANDSHAKE_TIMEOUT_S * LWS_US_PER_SEC);
	if (RAND_bytes(p->own_nonce, sizeof(p->own_nonce)) != 1 ||
	    note_verifier_format(&t->ctx.identity->v, vkey, sizeof(vkey)) < 0) {
		session_refuse(p, AFTER_RETRY, "internal error: cannot make a Hello");
		return;
	}
	h.network = (char *)t->ctx.network;
	h.version = HANDSHAKE_VERSION;
	h.origin = (char *)t->ctx.identity->v.name;
	h.verifier_key = vkey;
	h.nonce.data = p->own_nonce;
	h.nonce.len = sizeof(p->own_nonce);
	h.listen_url = t->listen_url;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO;
	m.hello = &h;
	sendq_push(p, &m, true, false);
}

/* A member's (or the registry's) key must be the registry's: the key valid at the size of its
 * log this node holds (0 when none), or a later one it rotated to that this node has not
 * replicated up to yet. Other origins (mirrors, logs not admitted) may use any key: the user
 * (fed) accepts nothing from them that the registry does not vouch for. *registered says
 * whether the origin is the registry's or a member's (the key then checked). */
static bool
registry_allows(struct transport *t, const char *origin, const struct note_verifier *key,
                bool *registered, char *why, size_t whycap)
{
	struct store *s = t->ctx.store;
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
	*registered = registry || member;
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
	/* A key the registry gave the member before a rotation: its node has not switched yet
	 * (it may not even know). Its session is no threat (fed sets aside what that key signs
	 * past the rotation) and carries the registry to it; refusing it would cut it off. */
	for (size_t i = 0; !ok && member && i < m->n_keys; i++)
		ok = note_verifier_parse(m->keys[i]->verifier_key, &want, err, sizeof(err)) &&
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
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__HelloProof pr = REMACTO__PEER__V1__HELLO_PROOF__INIT;
	uint8_t sig[HANDSHAKE_SIG_LEN];
	struct note_verifier key;
	char why[ERR_MAX];

	if (!handshake_check_hello(h, t->ctx.network, &key, why, sizeof(why))) {
		violation(p, why);
		return;
	}
	snprintf(p->claimed, sizeof(p->claimed), "%s", h->origin);
	if (!memcmp(key.pub, t->ctx.identity->v.pub, 32)) {
		session_refuse(p, AFTER_SELF, "this is the node itself");
		return;
	}
	int64_t left = p->dir == DIR_IN ? bans_refused_ms(&t->bans, key.pub, tp_mono_ms()) : 0;
	if (left > 0) {
		snprintf(why, sizeof(why), "%s is refused for %.0f more seconds after violations",
		         h->origin, (double)(left + 999) / 1000);
		session_refuse(p, AFTER_RETRY, why);
		return;
	}
	if (!registry_allows(t, h->origin, &key, &p->key_registered, why, sizeof(why))) {
		violation(p, why);
		return;
	}
	p->key = key;
	p->key_known = true;
	if (p->dir == DIR_IN) {
		struct ban *hk = bans_find(&t->bans, key.pub);
		p->violations = hk ? hk->violations : 0;
		p->reconnects = hk ? hk->sessions : 0;
	}
	memcpy(p->their_nonce, h->nonce.data, sizeof(p->their_nonce));
	if (p->dir == DIR_IN)
		snprintf(p->url, sizeof(p->url), "%s", h->listen_url);
	if (handshake_sign(t->ctx.identity, t->ctx.network, p->their_nonce, p->own_nonce, sig) !=
	    0) {
		session_refuse(p, AFTER_RETRY, "internal error: cannot sign the HelloProof");
		return;
	}
	pr.signature.data = sig;
	pr.signature.len = sizeof(sig);
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO_PROOF;
	m.hello_proof = &pr;
	p->state = ST_PROOF;
	sendq_push(p, &m, true, false);
}

/* Whether the session was dialled by the node with the smaller key: of two sessions between
 * the same nodes, both keep that one. */
static bool
canonical(const struct peer *p)
{
	int c = memcmp(p->t->ctx.identity->v.pub, p->key.pub, 32);
	return p->dir == DIR_OUT ? c < 0 : c > 0;
}

/* Whether an inbound anonymous session would pass the caps: PEER_MAX_ANON in all,
 * PEER_ANON_PER_ADDR from its address. */
static bool
anon_full(const struct peer *p)
{
	unsigned same = 0;
	if (p->t->nanon >= PEER_MAX_ANON)
		return true;
	for (const struct peer *q = p->t->peers; q; q = q->next)
		same += q != p && q->dir == DIR_IN && q->state == ST_READY && !q->registered &&
		        !strcmp(q->addr, p->addr);
	return same >= PEER_ANON_PER_ADDR;
}

static void
on_proof(struct peer *p, const Remacto__Peer__V1__HelloProof *pr)
{
	struct transport *t = p->t;

	if (!handshake_verify(&p->key, t->ctx.network, p->own_nonce, p->their_nonce,
	                      pr->signature.data, pr->signature.len)) {
		violation(p, "a HelloProof that does not verify");
		return;
	}
	p->proven = true;
	snprintf(p->origin, sizeof(p->origin), "%s", p->claimed);
	if (p->dir == DIR_IN && !p->key_registered && anon_full(p)) {
		session_refuse(
		        p, AFTER_RETRY,
		        "this node serves as many anonymous peers as it can (or as many from "
		        "this address); try later or another node");
		return;
	}
	p->registered = p->key_registered;
	struct peer *q = session_find_ready(t, p->key.pub, p);
	if (q) {
		if (q->dir == p->dir || !canonical(p)) {
			session_refuse(p, AFTER_STANDBY,
			               "already connected to this node (duplicate session)");
			return;
		}
		session_refuse(q, AFTER_STANDBY,
		               "already connected to this node (duplicate session)");
	}
	lws_set_timer_usecs(p->wsi, LWS_SET_TIMER_USEC_CANCEL);
	p->state = ST_READY;
	p->ready_at = p->last_rx = tp_mono_ms();
	if (p->dir == DIR_IN && !p->registered)
		t->nanon++;
	if (p->dir == DIR_OUT)
		log_info("peer %s: session ready (to %s)", p->origin, p->url);
	else
		log_info("peer %s: session ready (from %s%s%s)", p->origin, p->addr,
		         p->url[0] ? ", listening on " : "", p->url);
	t->ctx.ops.ready(t->ctx.ops.arg, p);
}

/* ---- receiving ---- */

void
session_timer(struct peer *p)
{
	if (p->state == ST_HELLO || p->state == ST_PROOF)
		session_refuse(p, AFTER_RETRY, "handshake not finished in 10 s");
}

/* Ping: answered after what is already queued; Pong: nothing more to do (any bytes from the
 * peer are news of it). */
static void
on_ping(struct peer *p, const Remacto__Peer__V1__Ping *ping)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Pong pong = REMACTO__PEER__V1__PONG__INIT;
	pong.nonce = ping->nonce;
	m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_PONG;
	m.pong = &pong;
	sendq_push(p, &m, true, false);
}

static void
dispatch(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	struct transport *t = p->t;
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
		p->peer_refused = true;
		session_set_error(p, "%s says: %.200s",
		                  p->state == ST_READY ? "peer" : "refused; peer", reason);
		if (p->state != ST_READY) {
			log_info("peer %s refused the session: %.200s", peer_name(p), reason);
			return; /* it closes; so will lws */
		}
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND__NOT_SET:
		/* An unknown field only, or a garbled frame that still decodes. */
		link_error(p, "a message of no known kind");
		return;
	default:
		if (p->state != ST_READY) {
			violation(p, "a message before the handshake");
			return;
		}
		if (m->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_PING) {
			on_ping(p, m->ping);
			return;
		}
		if (m->kind_case == REMACTO__PEER__V1__PEER_MESSAGE__KIND_PONG) {
			if (m->pong->nonce == p->ping_nonce)
				p->ping_at = 0;
			return;
		}
		break;
	}
	t->ctx.ops.message(t->ctx.ops.arg, p, m);
}

/* Appends len bytes to the message being reassembled; what the buffer grew by is charged to
 * the rx budget. The bytes are already read, so they are kept even over the budget; the
 * session is then not read any more until the budget has room again (session_check_live). */
static int
rx_append(struct peer *p, const void *in, size_t len)
{
	size_t before = p->rx.cap;
	if (buf_put(&p->rx, in, len) != 0)
		return p->rx.err;
	if (p->rx.cap == before)
		return 0;
	budget_give(&p->t->rx, p->rx_cls, p->rx_charged);
	p->rx_cls = tp_class(p);
	p->rx_charged = p->rx.cap;
	if (!budget_take(&p->t->rx, p->rx_cls, p->rx.cap)) {
		budget_force(&p->t->rx, p->rx_cls, p->rx.cap);
		sendq_pause(p, PAUSE_RX, true);
	}
	return 0;
}

void
session_receive(struct peer *p, const void *in, size_t len)
{
	struct lws *wsi = p->wsi;
	size_t cap = p->state == ST_READY ? PEER_MAX_FRAME : HELLO_MAX;

	if (p->state != ST_HELLO && p->state != ST_PROOF && p->state != ST_READY)
		return; /* closing: nothing more is read */
	p->last_rx = tp_mono_ms();
	/* What line noise makes of a frame (a flipped opcode, a length past the cap, bytes that
	 * do not decode) is a broken link, not an attack: the next connection will do. */
	if (!lws_frame_is_binary(wsi)) {
		link_error(p, "a text frame");
		return;
	}
	if (len > cap - p->rx.len) {
		link_error(p, p->state == ST_READY ? "a message over the 4 MiB cap"
		                                   : "a handshake message over 4 KiB");
		return;
	}
	if (rx_append(p, in, len) != 0) {
		session_refuse(p, AFTER_RETRY, "out of memory for an incoming message");
		return;
	}
	p->bytes_in += len;
	if (!lws_is_final_fragment(wsi))
		return;

	p->frames_in++;
	int64_t now = p->last_rx;
	if (now - p->win_start >= 1000) {
		p->win_start = now;
		p->win_msgs = 0;
	}
	if (++p->win_msgs > PEER_MAX_MSGS_PER_S) {
		violation(p, "more than 2000 messages in a second");
		return;
	}
	/* Unpacked only now that the size is known to be within the cap. */
	Remacto__Peer__V1__PeerMessage *m = remacto__peer__v1__peer_message__unpack(
	        NULL, p->rx.len, (const uint8_t *)p->rx.data);
	if (p->rx.cap > RX_KEEP)
		rx_release(p);
	else
		buf_reset(&p->rx);
	if (!m) {
		link_error(p, "a frame that is not a PeerMessage");
		return;
	}
	dispatch(p, m);
	remacto__peer__v1__peer_message__free_unpacked(m, NULL);
}

/* ---- liveness ---- */

static void
check_one(struct peer *p, int64_t now)
{
	Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
	Remacto__Peer__V1__Ping ping = REMACTO__PEER__V1__PING__INIT;
	char why[ERR_MAX];

	if ((p->paused & PAUSE_RX) && budget_room(&p->t->rx, p->rx_cls))
		sendq_pause(p, PAUSE_RX, false);
	if (p->state != ST_READY)
		return;
	int64_t dead = (int64_t)PEER_DEAD_S * 1000, quiet = now - p->last_rx;
	/* Not reading it ourselves, we hear nothing: it is alive while it drains our queue. */
	if (p->paused && now - p->last_tx < quiet)
		quiet = now - p->last_tx;
	if (quiet >= dead) {
		snprintf(why, sizeof(why), "nothing from the peer for %d s (Ping unanswered)",
		         PEER_DEAD_S);
		link_error(p, why);
		return;
	}
	if (p->qhead && now - p->last_tx >= dead) {
		snprintf(why, sizeof(why), "the peer read nothing of what was sent for %d s",
		         PEER_DEAD_S);
		link_error(p, why);
		return;
	}
	if (now - p->last_rx >= (int64_t)PEER_PING_S * 1000 && !p->ping_at) {
		p->ping_at = now;
		p->ping_nonce = ((uint64_t)tp_rand32() << 32) | tp_rand32();
		ping.nonce = p->ping_nonce;
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_PING;
		m.ping = &ping;
		sendq_push(p, &m, true, false);
	}
}

void
session_check_live(struct transport *t)
{
	int64_t now = tp_mono_ms();
	for (struct peer *p = t->peers, *next; p; p = next) {
		next = p->next;
		if (p->wsi)
			check_one(p, now);
	}
}

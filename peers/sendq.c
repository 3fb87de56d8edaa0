/*
 * sendq — a session's send queue: what it may take of the node's send budget, writing it out
 * one fragment per WRITEABLE callback, and not reading a session whose queue is over its
 * share. See transport.h (memory) and transport_impl.h.
 *
 * Messages are packed into one buffer each with LWS_PRE headroom and queued; each WRITEABLE
 * callback writes one fragment of at most WRITE_CHUNK bytes of the head message (continuation
 * frames carry the rest), so a 4 MiB answer does not sit whole in lws's buffers and other
 * peers get their turn. A message's bytes are charged to t->sendq when queued and given back
 * when it is written or dropped.
 */
#include <errno.h>
#include <stdlib.h>

#include "transport_impl.h"

static size_t
queue_cap(const struct peer *p)
{
	return p->registered ? PEER_MAX_QUEUE : PEER_ANON_MAX_QUEUE;
}

static size_t
answers_cap(const struct peer *p)
{
	return p->registered ? PEER_MAX_ANSWERS : PEER_ANON_MAX_ANSWERS;
}

/* Over its share: a quarter of the biggest message would not fit any more, or as many answers
 * wait as it may have. Its further requests then wait unread in the connection: a peer that
 * pipelines them (fed keeps FED_WINDOW in flight) is served in turn, one that never reads
 * is served nothing more. */
static bool
over_share(const struct peer *p)
{
	return p->queued + PEER_MAX_FRAME / 4 > queue_cap(p) || p->answers >= answers_cap(p);
}

/* Back under its share: half the queue gone, and room for one more answer. */
static bool
under_share(const struct peer *p)
{
	return p->queued <= queue_cap(p) / 2 && p->answers < answers_cap(p);
}

void
sendq_pause(struct peer *p, enum pause why, bool on)
{
	unsigned before = p->paused;
	if (on)
		p->paused |= (unsigned)why;
	else
		p->paused &= ~(unsigned)why;
	if (p->wsi && !before != !p->paused)
		lws_rx_flow_control(p->wsi, p->paused ? 0 : 1);
}

static void
qmsg_free(struct peer *p, struct qmsg *q)
{
	budget_give(&p->t->sendq, q->cls, q->len);
	if (q->answer && p->answers)
		p->answers--;
	free(q);
}

void
sendq_clear(struct peer *p, bool keep_started)
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
		qmsg_free(p, q);
	}
	p->qhead = p->qtail = keep;
	p->queued = keep ? keep->len - keep->off : 0;
}

int
sendq_push(struct peer *p, const Remacto__Peer__V1__PeerMessage *m, bool over_cap, bool answer)
{
	size_t len = remacto__peer__v1__peer_message__get_packed_size(m);
	enum peer_class cls = tp_class(p);
	struct qmsg *q;

	if (len > PEER_MAX_FRAME)
		return -EMSGSIZE;
	if (over_cap)
		budget_force(&p->t->sendq, cls, len);
	else if (p->queued + len > queue_cap(p) || !budget_take(&p->t->sendq, cls, len))
		return -ENOBUFS;
	if (!(q = malloc(sizeof(*q) + LWS_PRE + len))) {
		budget_give(&p->t->sendq, cls, len);
		return -ENOMEM;
	}
	remacto__peer__v1__peer_message__pack(m, q->buf + LWS_PRE);
	q->len = len;
	q->off = 0;
	q->cls = cls;
	q->answer = answer;
	q->next = NULL;
	if (!p->qhead)
		p->last_tx = tp_mono_ms(); /* the clock of a queue that does not drain starts */
	if (p->qtail)
		p->qtail->next = q;
	else
		p->qhead = q;
	p->qtail = q;
	p->queued += len;
	p->answers += answer;
	if (over_share(p))
		sendq_pause(p, PAUSE_QUEUE, true);
	if (p->wsi)
		lws_callback_on_writable(p->wsi);
	return 0;
}

int
peer_send(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	if (!p || p->state != ST_READY || !p->wsi)
		return -EPIPE;
	return sendq_push(p, m, false, false);
}

int
peer_answer(struct peer *p, const Remacto__Peer__V1__PeerMessage *m)
{
	if (!p || p->state != ST_READY || !p->wsi)
		return -EPIPE;
	return sendq_push(p, m, false, true);
}

bool
peer_may_answer(const struct peer *p)
{
	/* lws delivers nothing more once a session is not read, so this holds only if a request
	 * slips in anyway: the hard bound behind the pause. */
	return p && p->state == ST_READY && p->answers < 2 * answers_cap(p);
}

size_t
peer_queued(const struct peer *p)
{
	return p->queued;
}

/* Writes the next fragment of the head message; closes a closing session once all is out. */
int
sendq_writeable(struct peer *p)
{
	struct qmsg *q = p->qhead;

	if (!q) {
		if (p->state != ST_CLOSING)
			return 0;
		lws_close_reason(p->wsi,
		                 p->violated      ? LWS_CLOSE_STATUS_POLICY_VIOLATION
		                 : p->link_broken ? LWS_CLOSE_STATUS_PROTOCOL_ERR
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
		session_set_error(p, "write failed");
		return -1;
	}
	q->off += n;
	p->queued -= n;
	p->bytes_out += n;
	p->last_tx = tp_mono_ms();
	if (last) {
		p->frames_out++;
		p->qhead = q->next;
		if (!p->qhead)
			p->qtail = NULL;
		qmsg_free(p, q);
	}
	if ((p->paused & PAUSE_QUEUE) && under_share(p))
		sendq_pause(p, PAUSE_QUEUE, false);
	if (p->qhead || p->state == ST_CLOSING)
		lws_callback_on_writable(p->wsi);
	return 0;
}

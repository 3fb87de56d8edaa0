/*
 * transport — peer sessions over WebSocket: the "remacto-peer-v1" protocol on the public vhost
 * (wss://host:port/peer) and client connections to every configured or announced peer, in the
 * node's one lws context and service loop.
 *
 * Per session: binary frames only, each one PeerMessage, reassembled under PEER_MAX_FRAME;
 * a send queue capped at PEER_MAX_QUEUE bytes (writes from WRITEABLE only, one per callback);
 * the handshake (Hello both ways, HelloProof of each side's key over both nonces, network and
 * version checked, a registered member's key checked against the registry) before anything
 * else is accepted; an inbound message budget (PEER_MAX_MSGS_PER_S) against floods.
 *
 * A violation (undecodable or oversized frame, message before the handshake, forged proof,
 * anything fed reports through peer_penalise) closes the session; outgoing connections are
 * retried with exponential backoff and jitter, capped at PEER_BACKOFF_MAX_S so a peer is never
 * cut off for good; an incoming peer that keeps misbehaving is refused for the same delay.
 * Every peer has counters (frames, bytes, violations, reconnects) and a state for /metrics,
 * /api/v1/peers and `remacto peers`.
 *
 * Lifetime of struct peer, for fed: a pointer handed over by fed_peer_ready stays valid until
 * the matching fed_peer_closed returns, and not a moment longer: fed must forget it there.
 * fed_peer_closed is called exactly once per fed_peer_ready, from the service thread, when
 * the session stops being usable: the connection went away, a duplicate session replaced it,
 * the transport stops, or a violation — then synchronously from inside peer_penalise, also
 * when fed itself called peer_penalise (possibly while handling that peer's message: the
 * message stays valid until fed_peer_message returns, but the peer is gone). Between a
 * violation and the socket closing, the peer's memory is still there but peer_send says
 * -EPIPE. Without a network authority (n->fed NULL) the transport is not started and the
 * public listener answers peers with an Error message and closes.
 */
#ifndef REMACTO_TRANSPORT_H
#define REMACTO_TRANSPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.pb-c.h"

struct node;
struct peer;
struct lws_protocols;

#define PEER_MAX_FRAME (4u << 20)
#define PEER_MAX_QUEUE (32u << 20)
#define PEER_MAX_MSGS_PER_S 2000
#define PEER_BACKOFF_MIN_MS 250
#define PEER_BACKOFF_MAX_S 60
#define PEER_PROTOCOL "remacto-peer-v1"

/* The protocol entry for the public vhost's protocol list (http.c adds it). */
extern const struct lws_protocols transport_protocol;

/* Starts the client side: connects to cfg.peers and to peers the registry announces, and keeps
 * reconnecting. Call after http_start (needs n->lws). */
int transport_start(struct node *n, char *err, size_t errcap);
void transport_stop(struct node *n);

/* Queues one message to the peer (packed now: m may go once this returns). -ENOBUFS when its
 * queue would pass the cap (the message is dropped: fed asks someone else), -EPIPE when the
 * session is not ready (handshake, closing), -EMSGSIZE over PEER_MAX_FRAME, -ENOMEM. */
int peer_send(struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
/* Counts a violation, logs it with why, closes the session; reconnection backs off. */
void peer_penalise(struct peer *p, const char *why);
/* For logs and the API: the peer's origin once known, else its address. */
const char *peer_name(const struct peer *p);
/* Bytes waiting in the peer's send queue. */
size_t peer_queued(const struct peer *p);

/* Every peer's state for /api/v1/peers and `remacto peers`: [{url, origin, address, state,
 * direction, connectedSince, lastError, violations, reconnects, backoffMs, framesIn, framesOut,
 * bytesIn, bytesOut, queued}]: outbound slots (url = where to) and inbound sessions (url =
 * the listen URL their Hello gave, address = where from), and inbound peers refused for now
 * after violations. state: backoff | connecting | handshake | ready | closing | standby
 * (connected the other way) | self (the URL leads to this node) | refused; backoffMs: time
 * left before the next attempt (or the end of a refusal). An empty array without a transport. */
json_t *transport_peers_json(struct node *n);
/* Prometheus lines for /metrics, appended to the growing buffer *buf (*len used of *cap,
 * realloc'd as needed; on allocation failure the output stops at a whole line). Labels:
 * peer (origin, or URL/address before the first handshake), direction, url. */
void transport_metrics(struct node *n, char **buf, size_t *len, size_t *cap);

#endif

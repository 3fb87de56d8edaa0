/*
 * handshake — the pure pieces of a peer session, apart from sockets so that they are tested on
 * their own: the checks of a peer's Hello, the HelloProof signature both ways, and the
 * reconnection backoff schedule. docs/PROTOCOL.md §5 is the wire description.
 *
 * HelloProof: Ed25519 over "remacto-peer-v1 hello\n" ‖ network ‖ "\n" ‖ the other side's nonce
 * ‖ the signer's own nonce. Each side signs with its identity key (transport_ctx) and verifies the
 * other's proof with the key its Hello carried, so a proof answers one session's nonces only.
 */
#ifndef REMACTO_HANDSHAKE_H
#define REMACTO_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"

#include "peer.pb-c.h"

#define HANDSHAKE_VERSION 1
#define HANDSHAKE_NONCE_LEN 32
#define HANDSHAKE_SIG_LEN 64
#define HANDSHAKE_NETWORK_MAX 63
/* The signed message: prefix, network, '\n', two nonces. */
#define HANDSHAKE_PREFIX "remacto-peer-v1 hello\n"
#define HANDSHAKE_MSG_MAX \
	(sizeof(HANDSHAKE_PREFIX) - 1 + HANDSHAKE_NETWORK_MAX + 1 + 2 * HANDSHAKE_NONCE_LEN)
#define HANDSHAKE_URL_MAX 511 /* a Hello's listen_url */
/* Reconnection backoff (and the refusal of a key after violations, bans.h). */
#define PEER_BACKOFF_MIN_MS 250
#define PEER_BACKOFF_MAX_S 60

/* Writes the message a proof signs into out (HANDSHAKE_MSG_MAX bytes); returns its length, or 0
 * when network is empty or longer than HANDSHAKE_NETWORK_MAX. */
size_t handshake_proof_msg(const char *network, const uint8_t other_nonce[HANDSHAKE_NONCE_LEN],
                           const uint8_t signer_nonce[HANDSHAKE_NONCE_LEN], uint8_t *out);

/* Our proof: signed by s (an Ed25519 note signer) over the peer's nonce then ours. 0 or -1. */
int handshake_sign(const struct note_signer *s, const char *network,
                   const uint8_t their_nonce[HANDSHAKE_NONCE_LEN],
                   const uint8_t own_nonce[HANDSHAKE_NONCE_LEN], uint8_t sig[HANDSHAKE_SIG_LEN]);

/* Their proof: true when sig (sig_len bytes) is v's Ed25519 signature over our nonce then
 * theirs. */
bool handshake_verify(const struct note_verifier *v, const char *network,
                      const uint8_t own_nonce[HANDSHAKE_NONCE_LEN],
                      const uint8_t their_nonce[HANDSHAKE_NONCE_LEN], const uint8_t *sig,
                      size_t sig_len);

/* Checks a peer's Hello against our network: same network, version HANDSHAKE_VERSION, an
 * origin that is a valid key name, a verifier key for that very name of type Ed25519 (0x01),
 * a nonce of HANDSHAKE_NONCE_LEN bytes, a listen_url of at most HANDSHAKE_URL_MAX bytes. On
 * success key holds the parsed key; else false and err says what is wrong (for the Error
 * message and the log). Registry membership is the caller's business. */
bool handshake_check_hello(const Remacto__Peer__V1__Hello *h, const char *network,
                           struct note_verifier *key, char *err, size_t errcap);

/* Delay before reconnection attempt number `failures` (1 = after the first failure):
 * PEER_BACKOFF_MIN_MS doubling per failure up to PEER_BACKOFF_MAX_S, then ±25% jitter from rnd
 * (any 32 random bits), never above PEER_BACKOFF_MAX_S. failures 0 gives 0. */
uint32_t handshake_backoff_ms(unsigned failures, uint32_t rnd);

#endif

/*
 * handshake — Hello checks, HelloProof signatures and the reconnection backoff of peer
 * sessions. See handshake.h.
 */
#include "handshake.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

size_t
handshake_proof_msg(const char *network, const uint8_t other_nonce[HANDSHAKE_NONCE_LEN],
                    const uint8_t signer_nonce[HANDSHAKE_NONCE_LEN], uint8_t *out)
{
	size_t nl = strlen(network), o = sizeof(HANDSHAKE_PREFIX) - 1;

	if (nl == 0 || nl > HANDSHAKE_NETWORK_MAX)
		return 0;
	memcpy(out, HANDSHAKE_PREFIX, o);
	memcpy(out + o, network, nl);
	o += nl;
	out[o++] = '\n';
	memcpy(out + o, other_nonce, HANDSHAKE_NONCE_LEN);
	o += HANDSHAKE_NONCE_LEN;
	memcpy(out + o, signer_nonce, HANDSHAKE_NONCE_LEN);
	return o + HANDSHAKE_NONCE_LEN;
}

int
handshake_sign(const struct note_signer *s, const char *network,
               const uint8_t their_nonce[HANDSHAKE_NONCE_LEN],
               const uint8_t own_nonce[HANDSHAKE_NONCE_LEN], uint8_t sig[HANDSHAKE_SIG_LEN])
{
	uint8_t msg[HANDSHAKE_MSG_MAX];
	size_t len = handshake_proof_msg(network, their_nonce, own_nonce, msg);
	size_t siglen = HANDSHAKE_SIG_LEN;
	EVP_MD_CTX *ctx;
	int rc = -1;

	if (!len || !s->pkey || !(ctx = EVP_MD_CTX_new()))
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == HANDSHAKE_SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

bool
handshake_verify(const struct note_verifier *v, const char *network,
                 const uint8_t own_nonce[HANDSHAKE_NONCE_LEN],
                 const uint8_t their_nonce[HANDSHAKE_NONCE_LEN], const uint8_t *sig, size_t sig_len)
{
	uint8_t msg[HANDSHAKE_MSG_MAX];
	size_t len = handshake_proof_msg(network, own_nonce, their_nonce, msg);
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *ctx = NULL;
	bool ok = false;

	if (!len || sig_len != HANDSHAKE_SIG_LEN || v->alg != NOTE_ALG_ED25519)
		return false;
	if (!(pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, v->pub, sizeof(v->pub))) ||
	    !(ctx = EVP_MD_CTX_new()))
		goto done;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
done:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

bool
handshake_check_hello(const Remacto__Peer__V1__Hello *h, const char *network,
                      struct note_verifier *key, char *err, size_t errcap)
{
	char why[160];

	if (strcmp(h->network, network) != 0) {
		err_set(err, errcap, "network \"%.63s\" is not this node's network \"%s\"",
		        h->network, network);
		return false;
	}
	if (h->version != HANDSHAKE_VERSION) {
		err_set(err, errcap, "protocol version %u is not %d", h->version,
		        HANDSHAKE_VERSION);
		return false;
	}
	if (strlen(h->origin) > NOTE_NAME_MAX || !note_name_valid(h->origin)) {
		err_set(err, errcap, "origin \"%.60s\" is not a valid key name", h->origin);
		return false;
	}
	if (strlen(h->verifier_key) > NOTE_VKEY_MAX ||
	    !note_verifier_parse(h->verifier_key, key, why, sizeof(why))) {
		const char *r = strncmp(why, "verifier key: ", 14) == 0 ? why + 14 : why;
		err_set(err, errcap, "verifier key of %s: %s", h->origin,
		        strlen(h->verifier_key) > NOTE_VKEY_MAX ? "too long" : r);
		return false;
	}
	if (key->alg != NOTE_ALG_ED25519) {
		err_set(err, errcap, "verifier key of %s is not an Ed25519 key (type 0x01)",
		        h->origin);
		return false;
	}
	if (strcmp(key->name, h->origin) != 0) {
		err_set(err, errcap, "verifier key is named %s, not %s", key->name, h->origin);
		return false;
	}
	if (h->nonce.len != HANDSHAKE_NONCE_LEN) {
		err_set(err, errcap, "nonce of %zu bytes, not %d", h->nonce.len,
		        HANDSHAKE_NONCE_LEN);
		return false;
	}
	if (strlen(h->listen_url) > HANDSHAKE_URL_MAX) {
		err_set(err, errcap, "listen URL longer than %d bytes", HANDSHAKE_URL_MAX);
		return false;
	}
	return true;
}

uint32_t
handshake_backoff_ms(unsigned failures, uint32_t rnd)
{
	const uint64_t max = (uint64_t)PEER_BACKOFF_MAX_S * 1000;
	uint64_t base = PEER_BACKOFF_MIN_MS;

	if (failures == 0)
		return 0;
	for (unsigned i = 1; i < failures && base < max; i++)
		base *= 2;
	if (base > max)
		base = max;
	/* ±25%: a factor from 0.75 to 1.25 in 1% steps, so that peers cut off together (a
	 * restarted hub) do not come back together. */
	uint64_t d = base * (75 + rnd % 51) / 100;
	return (uint32_t)(d > max ? max : d);
}

/*
 * Tests for the pure pieces of peer sessions (peers/handshake.c): the message a HelloProof
 * signs, signing and verifying it (against a signature made independently with Python's
 * cryptography package from the same seed and nonces), every check of a peer's Hello, and
 * the reconnection backoff schedule with its jitter and cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peers/handshake.h"
#include "peers/transport.h"

#define ORIGIN "remacto.ma/test"
/* The verifier key of seed 00 01 02 … 1f under ORIGIN. */
#define VKEY "remacto.ma/test+34ca0512+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
/* Ed25519 over "remacto-peer-v1 hello\nremacto\n" ‖ 0xaa × 32 ‖ 0xbb × 32 with that seed,
 * made with python3-cryptography. */
static const char want_sig_hex[] =
        "031487da382083693f96cfd47f5a5a0f8eec49bbcc9a05c5cbb23cf453674cd1"
        "b8c5ce1e03900d61e68898157afa71933a7be85964fa5aee3437d6420246e704";

static uint8_t nonce_a[32], nonce_b[32];

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void
make_signer(struct note_signer *s, const char *name, uint8_t first)
{
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
	assert_int_equal(note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed), 0);
}

static int
setup(void **state)
{
	(void)state;
	memset(nonce_a, 0xaa, sizeof(nonce_a));
	memset(nonce_b, 0xbb, sizeof(nonce_b));
	return 0;
}

/* ---- the signed message ---- */

static void
test_proof_msg(void **state)
{
	(void)state;
	uint8_t msg[HANDSHAKE_MSG_MAX], want[200];
	size_t n = handshake_proof_msg("remacto", nonce_a, nonce_b, msg);
	size_t o = 0;

	memcpy(want, "remacto-peer-v1 hello\nremacto\n", 30);
	o = 30;
	memcpy(want + o, nonce_a, 32);
	memcpy(want + o + 32, nonce_b, 32);
	assert_int_equal(n, 30 + 64);
	assert_memory_equal(msg, want, n);

	/* The longest network fits the buffer; longer or empty ones are refused. */
	char net[HANDSHAKE_NETWORK_MAX + 2];
	memset(net, 'n', sizeof(net));
	net[HANDSHAKE_NETWORK_MAX] = '\0';
	assert_int_equal(handshake_proof_msg(net, nonce_a, nonce_b, msg), HANDSHAKE_MSG_MAX);
	net[HANDSHAKE_NETWORK_MAX] = 'n';
	net[HANDSHAKE_NETWORK_MAX + 1] = '\0';
	assert_int_equal(handshake_proof_msg(net, nonce_a, nonce_b, msg), 0);
	assert_int_equal(handshake_proof_msg("", nonce_a, nonce_b, msg), 0);
}

/* ---- signing and verifying ---- */

static void
test_sign_known_answer(void **state)
{
	(void)state;
	struct note_signer s;
	uint8_t sig[HANDSHAKE_SIG_LEN], want[HANDSHAKE_SIG_LEN];
	char vkey[NOTE_VKEY_MAX + 1];

	make_signer(&s, ORIGIN, 0);
	assert_true(note_verifier_format(&s.v, vkey, sizeof(vkey)) > 0);
	assert_string_equal(vkey, VKEY);
	/* We answer their nonce (a) with ours (b). */
	assert_int_equal(handshake_sign(&s, "remacto", nonce_a, nonce_b, sig), 0);
	unhex(want_sig_hex, want, sizeof(want));
	assert_memory_equal(sig, want, sizeof(sig));
	/* They check it with their nonce first. */
	assert_true(handshake_verify(&s.v, "remacto", nonce_a, nonce_b, sig, sizeof(sig)));
	note_signer_free(&s);
}

static void
test_verify_refuses(void **state)
{
	(void)state;
	struct note_signer s, other;
	uint8_t sig[HANDSHAKE_SIG_LEN];
	struct note_verifier v;

	make_signer(&s, ORIGIN, 0);
	make_signer(&other, ORIGIN, 1);
	assert_int_equal(handshake_sign(&s, "remacto", nonce_a, nonce_b, sig), 0);

	/* nonces swapped: a proof replayed in the other direction */
	assert_false(handshake_verify(&s.v, "remacto", nonce_b, nonce_a, sig, sizeof(sig)));
	/* another network */
	assert_false(handshake_verify(&s.v, "remacto-test", nonce_a, nonce_b, sig, sizeof(sig)));
	/* another key */
	assert_false(handshake_verify(&other.v, "remacto", nonce_a, nonce_b, sig, sizeof(sig)));
	/* wrong lengths */
	assert_false(handshake_verify(&s.v, "remacto", nonce_a, nonce_b, sig, 63));
	assert_false(handshake_verify(&s.v, "remacto", nonce_a, nonce_b, sig, 0));
	/* one bit flipped */
	sig[10] ^= 1;
	assert_false(handshake_verify(&s.v, "remacto", nonce_a, nonce_b, sig, sizeof(sig)));
	sig[10] ^= 1;
	/* a cosignature key (type 0x04) is not a handshake key */
	v = s.v;
	v.alg = NOTE_ALG_COSIGNATURE_V1;
	assert_false(handshake_verify(&v, "remacto", nonce_a, nonce_b, sig, sizeof(sig)));
	assert_true(handshake_verify(&s.v, "remacto", nonce_a, nonce_b, sig, sizeof(sig)));

	/* a signer without a private key cannot sign */
	struct note_signer none = { .v = s.v, .pkey = NULL };
	assert_int_equal(handshake_sign(&none, "remacto", nonce_a, nonce_b, sig), -1);
	note_signer_free(&s);
	note_signer_free(&other);
}

/* ---- Hello checks ---- */

static Remacto__Peer__V1__Hello
good_hello(void)
{
	Remacto__Peer__V1__Hello h = REMACTO__PEER__V1__HELLO__INIT;
	h.network = "remacto";
	h.version = 1;
	h.origin = ORIGIN;
	h.verifier_key = VKEY;
	h.nonce.data = nonce_a;
	h.nonce.len = 32;
	h.listen_url = "wss://ledger.test.ma/peer";
	return h;
}

static void
expect_hello_error(const Remacto__Peer__V1__Hello *h, const char *want)
{
	struct note_verifier key;
	char err[256] = "";
	assert_false(handshake_check_hello(h, "remacto", &key, err, sizeof(err)));
	assert_string_equal(err, want);
}

static void
test_hello_ok(void **state)
{
	(void)state;
	Remacto__Peer__V1__Hello h = good_hello();
	struct note_verifier key;
	struct note_signer s;
	char err[256] = "";

	assert_true(handshake_check_hello(&h, "remacto", &key, err, sizeof(err)));
	make_signer(&s, ORIGIN, 0);
	assert_memory_equal(key.pub, s.v.pub, 32);
	assert_string_equal(key.name, ORIGIN);
	assert_int_equal(key.alg, NOTE_ALG_ED25519);
	note_signer_free(&s);

	h.listen_url = ""; /* a peer that accepts no connections */
	assert_true(handshake_check_hello(&h, "remacto", &key, err, sizeof(err)));
}

static void
test_hello_errors(void **state)
{
	(void)state;
	Remacto__Peer__V1__Hello h;
	static char long_url[HANDSHAKE_URL_MAX + 2];
	uint8_t short_nonce[31] = { 0 };

	h = good_hello();
	h.network = "other";
	expect_hello_error(&h, "network \"other\" is not this node's network \"remacto\"");

	h = good_hello();
	h.version = 2;
	expect_hello_error(&h, "protocol version 2 is not 1");
	h.version = 0;
	expect_hello_error(&h, "protocol version 0 is not 1");

	h = good_hello();
	h.origin = "";
	expect_hello_error(&h, "origin \"\" is not a valid key name");
	h.origin = "remacto.ma/a b";
	expect_hello_error(&h, "origin \"remacto.ma/a b\" is not a valid key name");

	h = good_hello();
	h.origin = "remacto.ma/other";
	expect_hello_error(&h, "verifier key is named remacto.ma/test, not remacto.ma/other");

	h = good_hello();
	h.verifier_key = "remacto.ma/test+34ca0513+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
	expect_hello_error(&h,
	                   "verifier key of remacto.ma/test: key ID 34ca0513 does not match the "
	                   "name and key (they give 34ca0512)");

	h = good_hello();
	h.verifier_key = "";
	{
		struct note_verifier key;
		char err[256] = "";
		assert_false(handshake_check_hello(&h, "remacto", &key, err, sizeof(err)));
		assert_non_null(strstr(err, "verifier key of remacto.ma/test: "));
	}

	h = good_hello();
	h.nonce.data = short_nonce;
	h.nonce.len = sizeof(short_nonce);
	expect_hello_error(&h, "nonce of 31 bytes, not 32");
	h.nonce.len = 0;
	expect_hello_error(&h, "nonce of 0 bytes, not 32");

	h = good_hello();
	memset(long_url, 'u', HANDSHAKE_URL_MAX + 1);
	h.listen_url = long_url;
	expect_hello_error(&h, "listen URL longer than 511 bytes");
}

/* A cosignature (type 0x04) key under the origin is not an identity key. */
static void
test_hello_cosignature_key(void **state)
{
	(void)state;
	struct note_signer s;
	uint8_t seed[32] = { 0 };
	char vkey[NOTE_VKEY_MAX + 1];
	Remacto__Peer__V1__Hello h = good_hello();

	assert_int_equal(note_signer_from_seed(&s, ORIGIN, NOTE_ALG_COSIGNATURE_V1, seed), 0);
	assert_true(note_verifier_format(&s.v, vkey, sizeof(vkey)) > 0);
	h.verifier_key = vkey;
	expect_hello_error(&h, "verifier key of remacto.ma/test is not an Ed25519 key (type 0x01)");
	note_signer_free(&s);
}

/* ---- backoff ---- */

static void
test_backoff_schedule(void **state)
{
	(void)state;
	const uint32_t max = PEER_BACKOFF_MAX_S * 1000;

	assert_int_equal(handshake_backoff_ms(0, 12345), 0);
	/* rnd % 51: 0 gives 75%, 25 gives 100%, 50 gives 125% */
	assert_int_equal(handshake_backoff_ms(1, 25), PEER_BACKOFF_MIN_MS);
	assert_int_equal(handshake_backoff_ms(1, 0), PEER_BACKOFF_MIN_MS * 75 / 100);
	assert_int_equal(handshake_backoff_ms(1, 50), PEER_BACKOFF_MIN_MS * 125 / 100);
	assert_int_equal(handshake_backoff_ms(2, 25), 2 * PEER_BACKOFF_MIN_MS);
	assert_int_equal(handshake_backoff_ms(3, 25), 4 * PEER_BACKOFF_MIN_MS);
	assert_int_equal(handshake_backoff_ms(8, 25), 128 * PEER_BACKOFF_MIN_MS); /* 32 s */
	/* 64 s capped at 60 s; jitter never goes past the cap */
	assert_int_equal(handshake_backoff_ms(9, 25), max);
	assert_int_equal(handshake_backoff_ms(9, 50), max);
	assert_int_equal(handshake_backoff_ms(9, 0), max * 75 / 100);
	assert_int_equal(handshake_backoff_ms(1000000, 25), max);
	assert_int_equal(handshake_backoff_ms(UINT32_MAX, 25), max);
}

static void
test_backoff_bounds(void **state)
{
	(void)state;
	const uint64_t max = PEER_BACKOFF_MAX_S * 1000;
	uint32_t x = 2463534242u; /* xorshift32: any spread of rnd values */

	for (unsigned f = 1; f < 64; f++) {
		uint64_t base = PEER_BACKOFF_MIN_MS;
		for (unsigned i = 1; i < f && base < max; i++)
			base *= 2;
		if (base > max)
			base = max;
		uint32_t lo = UINT32_MAX, hi = 0;
		for (int k = 0; k < 2000; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			uint32_t d = handshake_backoff_ms(f, x);
			assert_true(d >= base * 75 / 100);
			assert_true(d <= base * 125 / 100 && d <= max);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* The jitter actually spreads: peers cut off together come back apart. */
		assert_true(hi - lo >= base * 40 / 100 ||
		            (base == max && hi - lo >= base * 20 / 100));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_proof_msg, setup),
		cmocka_unit_test_setup(test_sign_known_answer, setup),
		cmocka_unit_test_setup(test_verify_refuses, setup),
		cmocka_unit_test_setup(test_hello_ok, setup),
		cmocka_unit_test_setup(test_hello_errors, setup),
		cmocka_unit_test_setup(test_hello_cosignature_key, setup),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_backoff_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

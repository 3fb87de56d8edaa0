/*
 * libFuzzer harness for what a peer sends before anyone trusts it: every input is one frame,
 * unpacked as a PeerMessage when it is within the cap (as session.c does), and a Hello goes
 * through handshake_check_hello, a HelloProof through handshake_verify with a fixed key and
 * nonces (in the order opposite to the seed's valid proof). Besides the sanitizers it checks
 * that an accepted Hello's key re-formats to the string it came from (up to the case of the
 * hex key ID, which note_verifier_parse accepts as Go does) and that no proof of the
 * fuzzer's verifies (it holds no private key).
 *
 * Seeds: tests/fuzz/corpus/peer/ (a Hello, a HelloProof, a vector, a GetEntries, an Error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "peers/handshake.h"
#include "peers/transport.h"

static const char vkey[] = "remacto.ma/test+34ca0512+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
static struct note_verifier v;
static uint8_t nonce_a[32], nonce_b[32];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!note_verifier_parse(vkey, &v, NULL, 0))
		abort();
	memset(nonce_a, 0xaa, sizeof(nonce_a));
	memset(nonce_b, 0xbb, sizeof(nonce_b));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_verifier key;
	char err[256], again[NOTE_VKEY_MAX + 1];

	if (size > PEER_MAX_FRAME)
		return 0;
	Remacto__Peer__V1__PeerMessage *m = remacto__peer__v1__peer_message__unpack(NULL, size,
	                                                                            data);
	if (!m)
		return 0;
	switch (m->kind_case) {
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO:
		if (handshake_check_hello(m->hello, "remacto", &key, err, sizeof(err))) {
			if (note_verifier_format(&key, again, sizeof(again)) < 0 ||
			    strcasecmp(again, m->hello->verifier_key) != 0 ||
			    strcmp(key.name, m->hello->origin) != 0 || m->hello->nonce.len != 32)
				abort();
		}
		break;
	case REMACTO__PEER__V1__PEER_MESSAGE__KIND_HELLO_PROOF:
		if (handshake_verify(&v, "remacto", nonce_b, nonce_a,
		                     m->hello_proof->signature.data, m->hello_proof->signature.len))
			abort();
		break;
	default:
		break;
	}
	remacto__peer__v1__peer_message__free_unpacked(m, NULL);
	return 0;
}

/*
 * libFuzzer harness for node/core/pbjson_text.c, differential: arbitrary bytes are decoded as a
 * remacto.v1.Entry by the streaming path (pbjson_parse_text, pbjson_decode_text) and by the
 * reference (json_loadb, then pbjson_decode), under the flags the ledger uses
 * (JSON_REJECT_DUPLICATES, as `remacto log append` and the admin API parse) and with
 * JSON_ALLOW_NUL too. The two must agree on every input: the same accept or refusal, the same
 * packed bytes and JSON for what is accepted, jansson's very error for what is not JSON and
 * pbjson_decode's very message for what does not map. With these flags the fast path must take
 * everything the reference takes (it leaves nothing valid to the slow path), and nothing else.
 * Last, an entry entry_from_json_text accepts is handed out exactly as unpacking its bytes gives
 * it (msg_equal, bit for bit), since the store folds that one into its index.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/entry.h"
#include "core/pbjson.h"
#include "tests/unit/msg_equal.h"

#include "remacto.pb-c.h"

#define FUZZ_MAX_INPUT (4 * PBJSON_MAX_STRING)

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

static uint8_t *
pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	CHECK(buf != NULL);
	CHECK(protobuf_c_message_pack(m, buf) == *len);
	return buf;
}

/* a and b, both messages, pack to the same bytes and show as the same JSON. */
static void
check_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la, lb;
	uint8_t *pa = pack(a, &la), *pb = pack(b, &lb);
	json_t *ja = pbjson_encode(a), *jb = pbjson_encode(b);

	CHECK(la == lb && memcmp(pa, pb, la) == 0);
	CHECK(ja != NULL && jb != NULL && json_equal(ja, jb));
	json_decref(jb);
	json_decref(ja);
	free(pb);
	free(pa);
}

static void
one(const char *text, size_t size, size_t flags)
{
	const ProtobufCMessageDescriptor *desc = &remacto__v1__entry__descriptor;
	json_error_t rj, gj;
	char rerr[256] = "", gerr[256] = "";
	json_t *j = json_loadb(text, size, flags, &rj);
	ProtobufCMessage *ref = j != NULL ? pbjson_decode(desc, j, rerr, sizeof rerr) : NULL;
	ProtobufCMessage *fast = pbjson_parse_text(desc, text, size, flags);
	ProtobufCMessage *got = pbjson_decode_text(desc, text, size, flags, &gj, gerr, sizeof gerr);

	json_decref(j);
	if ((ref != NULL) != (fast != NULL)) {
		fprintf(stderr, "reference %s (%s%s), fast path %s\n",
		        ref ? "takes it" : "refuses it", rerr, rj.text,
		        fast ? "takes it" : "leaves it");
		abort();
	}
	CHECK((ref != NULL) == (got != NULL));
	if (ref != NULL) {
		check_same(ref, fast);
		check_same(ref, got);
	} else if (j == NULL) {
		CHECK(strcmp(gj.text, rj.text) == 0 && gj.line == rj.line &&
		      gj.column == rj.column && gj.position == rj.position && gerr[0] == '\0');
	} else {
		CHECK(strcmp(gerr, rerr) == 0 && gj.text[0] == '\0');
	}
	protobuf_c_message_free_unpacked(got, NULL);
	protobuf_c_message_free_unpacked(fast, NULL);
	protobuf_c_message_free_unpacked(ref, NULL);
}

static void
entry_text(const char *text, size_t size)
{
	Remacto__V1__Entry *decoded = NULL, *unpacked;
	uint8_t *out = NULL;
	size_t len;
	char err[256];

	if (entry_from_json_text(text, size, &out, &len, &decoded, NULL, err, sizeof err) != 0) {
		CHECK(out == NULL && decoded == NULL);
		return;
	}
	unpacked = remacto__v1__entry__unpack(NULL, len, out);
	CHECK(unpacked != NULL && decoded != NULL);
	CHECK(msg_equal(&decoded->base, &unpacked->base));
	remacto__v1__entry__free_unpacked(unpacked, NULL);
	remacto__v1__entry__free_unpacked(decoded, NULL);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	one((const char *)data, size, JSON_REJECT_DUPLICATES);
	one((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL);
	entry_text((const char *)data, size);
	return 0;
}

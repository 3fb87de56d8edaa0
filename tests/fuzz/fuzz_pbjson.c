/*
 * libFuzzer harness for node/core/pbjson.c: arbitrary bytes, parsed as JSON under a size cap, are
 * decoded as a remacto.v1.Entry as a publisher's upload would be. A refusal must come with a
 * "path: reason" message; an accepted entry must encode back to JSON, survive packing and
 * unpacking unchanged, and decode again from its own JSON to the very same packed bytes.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pbjson.h"

#include "remacto.pb-c.h"

/* Far above any real entry (strings are capped at PBJSON_MAX_STRING), small enough to stay fast. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *desc = &remacto__v1__entry__descriptor;
	json_error_t jerr;
	json_t *in, *out, *out2;
	ProtobufCMessage *m, *m2, *m3;
	uint8_t *buf, *buf3;
	size_t len, len3;
	char err[256];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (in == NULL)
		return 0;

	m = pbjson_decode(desc, in, err, sizeof err);
	json_decref(in);
	if (m == NULL) {
		CHECK(strstr(err, ": ") != NULL);
		return 0;
	}

	out = pbjson_encode(m);
	CHECK(out != NULL);

	buf = pack(m, &len);
	m2 = protobuf_c_message_unpack(desc, NULL, len, buf);
	CHECK(m2 != NULL);
	out2 = pbjson_encode(m2);
	CHECK(out2 != NULL);
	CHECK(json_equal(out, out2));

	m3 = pbjson_decode(desc, out, err, sizeof err);
	if (m3 == NULL) {
		fprintf(stderr, "own output refused: %s\n", err);
		abort();
	}
	buf3 = pack(m3, &len3);
	CHECK(len3 == len && memcmp(buf3, buf, len) == 0);

	free(buf3);
	protobuf_c_message_free_unpacked(m3, NULL);
	json_decref(out2);
	protobuf_c_message_free_unpacked(m2, NULL);
	free(buf);
	json_decref(out);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

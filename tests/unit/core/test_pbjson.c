/*
 * Tests of node/core/pbjson.c: the canonical JSON mapping on the ledger's real schema (remacto.proto)
 * and on two test-only schemas covering what it lacks (every scalar type, singular and repeated,
 * oneofs of several kinds, recursion for the depth cap, proto2 explicit presence). Round trips go
 * JSON → message → packed bytes → unpacked message → JSON; the packed bytes are also read back by
 * Google's protoc (--decode) when it is installed, as an independent check of the encoding.
 *
 * Every test runs twice: decoding from a jansson tree (pbjson_decode), then from the text itself
 * (pbjson_decode_text). On the text path, every text a test decodes must be taken by the
 * streaming fast path alone (pbjson_parse_text) into the very message the tree path builds, and
 * every text a test refuses must be left by it to the reference path, whose message must come
 * back unchanged.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pbjson.h"
#include "pbjson_test_proto2.pb-c.h"

#include "pbjson_test.pb-c.h"
#include "remacto.pb-c.h"

#define ENTRY (&remacto__v1__entry__descriptor)
#define SCALARS (&pbjson__test__scalars__descriptor)
#define NODE (&pbjson__test__node__descriptor)
#define PRESENCE (&pbjson__test2__presence__descriptor)

/* The flags of every text decoded here (and of the fuzz harness). */
#define FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* Which decoder the tests go through: set by the group's setup. */
static enum { VIA_TREE, VIA_TEXT } via;

static json_t *
load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, FLAGS, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s at %d:%d", e.text, e.line, e.column);
	return j;
}

/* The canonical text of j: sorted keys, no spaces. Caller frees. */
static char *
dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);

	assert_non_null(s);
	return s;
}

static uint8_t *
pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(m, buf), *len);
	return buf;
}

static char *encode_text(const ProtobufCMessage *m);

/* Decodes text through the path under test; NULL with err set when it is refused. */
static ProtobufCMessage *
decode_via(const ProtobufCMessageDescriptor *desc, const char *text, char *err, size_t errcap)
{
	json_error_t jerr;
	ProtobufCMessage *m;
	json_t *j;

	if (via == VIA_TEXT) {
		m = pbjson_decode_text(desc, text, strlen(text), FLAGS, &jerr, err, errcap);
		if (m == NULL && jerr.text[0] != '\0')
			fail_msg("bad test JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
		return m;
	}
	j = load(text);
	m = pbjson_decode(desc, j, err, errcap);
	json_decref(j);
	return m;
}

/* On the text path: the fast path alone took text, into the message the tree path builds (the
 * same packed bytes and the same JSON, which shows what packing drops: -0.0, NaN payloads). */
static void
check_fast_path(const ProtobufCMessageDescriptor *desc, const char *text)
{
	ProtobufCMessage *fast, *tree;
	json_t *j;
	uint8_t *a, *b;
	size_t la, lb;
	char err[256] = "", *ja, *jb;

	if (via != VIA_TEXT)
		return;
	fast = pbjson_parse_text(desc, text, strlen(text), FLAGS);
	if (fast == NULL)
		fail_msg("the fast path left a text it should take to the reference path: %s",
		         text);
	j = load(text);
	tree = pbjson_decode(desc, j, err, sizeof err);
	json_decref(j);
	assert_non_null(tree);
	a = pack(fast, &la);
	b = pack(tree, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	ja = encode_text(fast);
	jb = encode_text(tree);
	assert_string_equal(ja, jb);
	free(jb);
	free(ja);
	free(b);
	free(a);
	protobuf_c_message_free_unpacked(tree, NULL);
	protobuf_c_message_free_unpacked(fast, NULL);
}

static ProtobufCMessage *
decode_ok(const ProtobufCMessageDescriptor *desc, const char *text)
{
	char err[256] = "";
	ProtobufCMessage *m = decode_via(desc, text, err, sizeof err);

	if (m == NULL)
		fail_msg("decode of %s failed: %s", text, err);
	check_fast_path(desc, text);
	return m;
}

static char *
encode_text(const ProtobufCMessage *m)
{
	json_t *j = pbjson_encode(m);
	char *s;

	assert_non_null(j);
	s = dump(j);
	json_decref(j);
	return s;
}

/* Decodes in, checks its JSON is expect (the canonical text of in when NULL), then that packing,
 * unpacking and encoding again gives the same text, and that decoding that text packs to the same
 * bytes. */
static void
roundtrip(const ProtobufCMessageDescriptor *desc, const char *in, const char *expect)
{
	ProtobufCMessage *m = decode_ok(desc, in), *m2, *m3;
	char *want = NULL, *got, *got2;
	uint8_t *buf, *buf3;
	size_t len, len3;

	if (expect == NULL) {
		json_t *j = load(in);

		want = dump(j);
		json_decref(j);
		expect = want;
	}
	got = encode_text(m);
	assert_string_equal(got, expect);

	buf = pack(m, &len);
	m2 = protobuf_c_message_unpack(desc, NULL, len, buf);
	assert_non_null(m2);
	got2 = encode_text(m2);
	assert_string_equal(got2, expect);

	m3 = decode_ok(desc, got);
	buf3 = pack(m3, &len3);
	assert_int_equal(len3, len);
	assert_memory_equal(buf3, buf, len);

	free(buf3);
	protobuf_c_message_free_unpacked(m3, NULL);
	free(got2);
	protobuf_c_message_free_unpacked(m2, NULL);
	free(buf);
	free(got);
	protobuf_c_message_free_unpacked(m, NULL);
	free(want);
}

/* Checks that in is refused with exactly the error want (also with a tiny buffer, which must
 * hold a cut, terminated prefix of it). */
static void
rejects(const ProtobufCMessageDescriptor *desc, const char *in, const char *want)
{
	char err[512] = "", small[8] = "xxxxxxx";

	if (via == VIA_TEXT)
		assert_null(pbjson_parse_text(desc, in, strlen(in), FLAGS));
	assert_null(decode_via(desc, in, err, sizeof err));
	assert_string_equal(err, want);
	assert_null(decode_via(desc, in, small, sizeof small));
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_memory_equal(small, want, sizeof small - 1);
	assert_null(decode_via(desc, in, NULL, 0));
}

/* ---- names ---------------------------------------------------------------------------------- */

static void
test_field_name(void **state)
{
	static const struct {
		const char *proto, *json;
	} cases[] = {
		{ "due_date", "dueDate" },   { "id", "id" },
		{ "f_int32", "fInt32" },     { "milestone_update", "milestoneUpdate" },
		{ "sha256", "sha256" },      { "a__b", "aB" },
		{ "trailing_", "trailing" }, { "_lead", "Lead" },
		{ "x_1y", "x1y" },           { "mixed_Case", "mixedCase" },
	};
	ProtobufCFieldDescriptor f = { 0 };
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		f.name = cases[i].proto;
		assert_ptr_equal(pbjson_field_name(&f, out, sizeof out), out);
		assert_string_equal(out, cases[i].json);
	}
	f.name = "milestone_update";
	pbjson_field_name(&f, out, 6);
	assert_string_equal(out, "miles");
	out[0] = 'z';
	pbjson_field_name(&f, out, 0);
	assert_int_equal(out[0], 'z');
}

/* ---- the ledger's entries ------------------------------------------------------------------- */

static const char commitment_json[] =
        "{\"schema\":1,\"published\":\"2024-06-01T10:00:00Z\",\"commitment\":{"
        "\"id\":\"RBT-2024-03\",\"programmeId\":\"OPEN-RABAT-2024\","
        "\"title\":{\"fr\":\"Budget participatif\",\"ar\":\"الميزانية التشاركية\"},"
        "\"principles\":[\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_CITIZEN_PARTICIPATION\"],"
        "\"leadBody\":\"Direction des affaires financières\","
        "\"stakeholders\":[\"ONG Tafra\",\"Conseil des jeunes\"],"
        "\"startDate\":\"2024-07-01\",\"endDate\":\"2026-06-30\",\"budgetMad\":\"2500000\","
        "\"weight\":20,\"milestones\":["
        "{\"id\":\"M1\",\"title\":{\"fr\":\"Ateliers de quartier\"},\"dueDate\":\"2024-09-30\"},"
        "{\"id\":\"M2\",\"dueDate\":\"2025-03-31\"},"
        "{\"id\":\"M3\",\"dueDate\":\"2026-06-30\"}]}}";

static void
test_commitment(void **state)
{
	Remacto__V1__Entry *e;

	(void)state;
	roundtrip(ENTRY, commitment_json,
	          "{\"commitment\":{\"budgetMad\":\"2500000\",\"endDate\":\"2026-06-30\","
	          "\"id\":\"RBT-2024-03\",\"leadBody\":\"Direction des affaires financières\","
	          "\"milestones\":[{\"dueDate\":\"2024-09-30\",\"id\":\"M1\","
	          "\"title\":{\"fr\":\"Ateliers de quartier\"}},"
	          "{\"dueDate\":\"2025-03-31\",\"id\":\"M2\"},"
	          "{\"dueDate\":\"2026-06-30\",\"id\":\"M3\"}],"
	          "\"principles\":[\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_CITIZEN_PARTICIPATION\"],"
	          "\"programmeId\":\"OPEN-RABAT-2024\","
	          "\"stakeholders\":[\"ONG Tafra\",\"Conseil des jeunes\"],"
	          "\"startDate\":\"2024-07-01\","
	          "\"title\":{\"ar\":\"الميزانية التشاركية\",\"fr\":\"Budget participatif\"},"
	          "\"weight\":20},\"published\":\"2024-06-01T10:00:00Z\",\"schema\":1}");

	e = (Remacto__V1__Entry *)decode_ok(ENTRY, commitment_json);
	assert_int_equal(e->kind_case, REMACTO__V1__ENTRY__KIND_COMMITMENT);
	assert_int_equal(e->commitment->budget_mad, 2500000);
	assert_int_equal(e->commitment->n_milestones, 3);
	assert_string_equal(e->commitment->milestones[2]->due_date, "2026-06-30");
	assert_int_equal(e->commitment->n_principles, 2);
	assert_int_equal(e->commitment->principles[1],
	                 REMACTO__V1__PRINCIPLE__PRINCIPLE_CITIZEN_PARTICIPATION);
	/* Absent strings keep protobuf-c's shared empty string, which free_unpacked leaves alone. */
	assert_ptr_equal(e->commitment->parent_id, protobuf_c_empty_string);
	assert_ptr_equal(e->commitment->milestones[1]->title, NULL);
	protobuf_c_message_free_unpacked(&e->base, NULL);
}

static void
test_measurement(void **state)
{
	Remacto__V1__Entry *e;
	static const char in[] =
	        "{\"schema\":1,\"measurement\":{\"indicatorId\":\"IND-7\",\"period\":\"2024-Q3\","
	        "\"value\":42.75,\"dimensions\":[{\"name\":\"gender\",\"value\":\"female\"},"
	        "{\"name\":\"age\",\"value\":\"18-25\"}],\"evidenceId\":\"EV-3\","
	        "\"comment\":{\"fr\":\"Relevé trimestriel\"}}}";

	(void)state;
	roundtrip(
	        ENTRY, in,
	        "{\"measurement\":{\"comment\":{\"fr\":\"Relevé trimestriel\"},"
	        "\"dimensions\":[{\"name\":\"gender\",\"value\":\"female\"},"
	        "{\"name\":\"age\",\"value\":\"18-25\"}],\"evidenceId\":\"EV-3\","
	        "\"indicatorId\":\"IND-7\",\"period\":\"2024-Q3\",\"value\":42.75},\"schema\":1}");
	/* An integral double is written as an integer, as Google's printer does. */
	roundtrip(ENTRY, "{\"measurement\":{\"value\":1200.0}}",
	          "{\"measurement\":{\"value\":1200}}");
	roundtrip(ENTRY, "{\"measurement\":{\"value\":-0.5}}",
	          "{\"measurement\":{\"value\":-0.5}}");

	e = (Remacto__V1__Entry *)decode_ok(ENTRY, in);
	assert_true(e->measurement->value == 42.75);
	assert_int_equal(e->measurement->n_dimensions, 2);
	assert_string_equal(e->measurement->dimensions[1]->value, "18-25");
	protobuf_c_message_free_unpacked(&e->base, NULL);
}

static void
test_evidence_bytes(void **state)
{
	/* SHA-256 of "abc". */
	static const uint8_t sha[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const char in[] =
	        "{\"evidence\":{\"id\":\"EV-3\",\"url\":\"https://rabat.ma/doc.pdf\","
	        "\"sha256\":\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\","
	        "\"mediaType\":\"application/pdf\",\"date\":\"2024-10-02\"}}";
	Remacto__V1__Entry *e;

	(void)state;
	roundtrip(ENTRY, in,
	          "{\"evidence\":{\"date\":\"2024-10-02\",\"id\":\"EV-3\","
	          "\"mediaType\":\"application/pdf\","
	          "\"sha256\":\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\","
	          "\"url\":\"https://rabat.ma/doc.pdf\"}}");
	e = (Remacto__V1__Entry *)decode_ok(ENTRY, in);
	assert_int_equal(e->evidence->sha256.len, 32);
	assert_memory_equal(e->evidence->sha256.data, sha, 32);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	/* Empty bytes are the default: not written. */
	roundtrip(ENTRY, "{\"evidence\":{\"sha256\":\"\"}}", "{\"evidence\":{}}");
	roundtrip(ENTRY, "{\"evidence\":{\"sha256\":\"AA==\"}}",
	          "{\"evidence\":{\"sha256\":\"AA==\"}}");
}

static void
test_member_admission(void **state)
{
	Remacto__V1__Entry *e;

	(void)state;
	/* A 64-bit integer given as a number comes out as a string. */
	roundtrip(ENTRY,
	          "{\"schema\":1,\"memberAdmission\":{\"origin\":\"remacto.ma/rabat-prefecture\","
	          "\"hcpCode\":\"04.441\",\"kind\":\"MEMBER_KIND_PREFECTURE\","
	          "\"name\":{\"fr\":\"Préfecture de Rabat\",\"ar\":\"عمالة الرباط\"},"
	          "\"population\":577827,\"censusYear\":\"2014\",\"date\":\"2024-01-15\"}}",
	          "{\"memberAdmission\":{\"censusYear\":\"2014\",\"date\":\"2024-01-15\","
	          "\"hcpCode\":\"04.441\",\"kind\":\"MEMBER_KIND_PREFECTURE\","
	          "\"name\":{\"ar\":\"عمالة الرباط\",\"fr\":\"Préfecture de Rabat\"},"
	          "\"origin\":\"remacto.ma/rabat-prefecture\",\"population\":\"577827\"},"
	          "\"schema\":1}");
	roundtrip(ENTRY, "{\"memberAdmission\":{\"population\":\"18446744073709551615\"}}",
	          "{\"memberAdmission\":{\"population\":\"18446744073709551615\"}}");
	/* ±2^53 is the edge of what a number may carry. */
	roundtrip(ENTRY, "{\"memberAdmission\":{\"population\":9007199254740992}}",
	          "{\"memberAdmission\":{\"population\":\"9007199254740992\"}}");
	roundtrip(ENTRY, "{\"commitment\":{\"budgetMad\":-9007199254740992}}",
	          "{\"commitment\":{\"budgetMad\":\"-9007199254740992\"}}");
	roundtrip(ENTRY, "{\"commitment\":{\"budgetMad\":\"-9223372036854775808\"}}",
	          "{\"commitment\":{\"budgetMad\":\"-9223372036854775808\"}}");
	e = (Remacto__V1__Entry *)decode_ok(ENTRY, "{\"memberAdmission\":{\"population\":1e6}}");
	assert_int_equal(e->member_admission->population, 1000000);
	protobuf_c_message_free_unpacked(&e->base, NULL);
}

static void
test_defaults_omitted(void **state)
{
	(void)state;
	/* Defaults vanish; a set oneof member is written even when empty. */
	roundtrip(ENTRY,
	          "{\"schema\":0,\"published\":\"\",\"commitment\":{\"id\":\"\",\"weight\":0,"
	          "\"budgetMad\":\"0\",\"principles\":[],\"milestones\":[],\"parentId\":\"\"}}",
	          "{\"commitment\":{}}");
	roundtrip(ENTRY, "{}", "{}");
	roundtrip(ENTRY,
	          "{\"statusUpdate\":{\"completion\":\"COMPLETION_UNSPECIFIED\","
	          "\"progressPercent\":0}}",
	          "{\"statusUpdate\":{}}");
	/* An empty submessage outside a oneof is present, and stays so on the wire. */
	roundtrip(ENTRY, "{\"programme\":{\"title\":{}}}", "{\"programme\":{\"title\":{}}}");
	roundtrip(SCALARS, "{\"cString\":\"\"}", "{\"cString\":\"\"}");
	roundtrip(SCALARS, "{\"cInt64\":0}", "{\"cInt64\":\"0\"}");
	roundtrip(SCALARS, "{\"cColor\":0}", "{\"cColor\":\"COLOR_UNSPECIFIED\"}");
	roundtrip(SCALARS, "{\"cBytes\":\"\"}", "{\"cBytes\":\"\"}");
	roundtrip(SCALARS, "{\"cDouble\":0}", "{\"cDouble\":0}");
	roundtrip(
	        SCALARS,
	        "{\"fInt32\":0,\"fSint32\":0,\"fSfixed32\":0,\"fInt64\":\"0\",\"fSint64\":0,"
	        "\"fSfixed64\":\"0\",\"fUint32\":0,\"fFixed32\":0,\"fUint64\":0,\"fFixed64\":\"0\","
	        "\"fFloat\":0,\"fDouble\":0.0,\"fBool\":false,\"fColor\":\"COLOR_UNSPECIFIED\","
	        "\"fString\":\"\",\"fBytes\":\"\",\"rInt32\":[],\"rInner\":[]}",
	        "{}");
}

static void
test_snake_case_and_null(void **state)
{
	(void)state;
	roundtrip(
	        ENTRY,
	        "{\"milestone_update\":{\"commitment_id\":\"RBT-2024-03\",\"milestone_id\":\"M2\","
	        "\"status\":\"MILESTONE_STATUS_PARTIALLY_MET\",\"date\":\"2025-04-02\"}}",
	        "{\"milestoneUpdate\":{\"commitmentId\":\"RBT-2024-03\",\"date\":\"2025-04-02\","
	        "\"milestoneId\":\"M2\",\"status\":\"MILESTONE_STATUS_PARTIALLY_MET\"}}");
	roundtrip(SCALARS, "{\"f_sfixed64\":\"-5\",\"r_bool\":[true,false],\"c_inner\":{\"n\":3}}",
	          "{\"cInner\":{\"n\":3},\"fSfixed64\":\"-5\",\"rBool\":[true,false]}");
	/* null is "absent", for every kind of field, and does not take a oneof. */
	roundtrip(ENTRY,
	          "{\"schema\":null,\"published\":null,\"programme\":null,"
	          "\"commitment\":{\"title\":null,\"principles\":null,\"milestones\":null,"
	          "\"budgetMad\":null,\"weight\":null}}",
	          "{\"commitment\":{}}");
	roundtrip(SCALARS, "{\"fBytes\":null,\"fColor\":null,\"fBool\":null,\"fDouble\":null}",
	          "{}");
}

/* ---- every scalar type ---------------------------------------------------------------------- */

static void
test_all_scalars(void **state)
{
	static const char in[] =
	        "{\"fInt32\":-2147483648,\"fSint32\":-2147483648,\"fSfixed32\":2147483647,"
	        "\"fInt64\":\"-9223372036854775808\",\"fSint64\":\"9223372036854775807\","
	        "\"fSfixed64\":\"-1\",\"fUint32\":4294967295,\"fFixed32\":4294967295,"
	        "\"fUint64\":\"18446744073709551615\",\"fFixed64\":\"18446744073709551615\","
	        "\"fFloat\":-1.25,\"fDouble\":2.5e-300,\"fBool\":true,\"fColor\":\"COLOR_GREEN\","
	        "\"fString\":\"é ع \\\" \\\\ \\n 😀\",\"fBytes\":\"AP8Q\",\"fInner\":{\"name\":\"x\",\"n\":-1},"
	        "\"rInt32\":[1,-1,0],\"rSint32\":[-2,2],\"rSfixed32\":[-3],"
	        "\"rInt64\":[\"1\",\"-1\",\"0\"],\"rSint64\":[\"-9223372036854775808\"],"
	        "\"rSfixed64\":[\"9223372036854775807\"],\"rUint32\":[0,4294967295],"
	        "\"rFixed32\":[7],\"rUint64\":[\"0\",\"18446744073709551615\"],\"rFixed64\":[\"8\"],"
	        "\"rFloat\":[0.5,-0.375,0],\"rDouble\":[1e+300,-2.5,0],\"rBool\":[false,true],"
	        "\"rColor\":[\"COLOR_RED\",\"COLOR_UNSPECIFIED\",9],\"rString\":[\"\",\"a\"],"
	        "\"rBytes\":[\"\",\"AAEC\"],\"rInner\":[{},{\"n\":2}],\"cBytes\":\"3q2+7w==\"}";
	Pbjson__Test__Scalars *s;

	(void)state;
	roundtrip(
	        SCALARS, in,
	        "{\"cBytes\":\"3q2+7w==\",\"fBool\":true,\"fBytes\":\"AP8Q\",\"fColor\":\"COLOR_GREEN\","
	        "\"fDouble\":2.5e-300,\"fFixed32\":4294967295,"
	        "\"fFixed64\":\"18446744073709551615\",\"fFloat\":-1.25,"
	        "\"fInner\":{\"n\":-1,\"name\":\"x\"},\"fInt32\":-2147483648,"
	        "\"fInt64\":\"-9223372036854775808\",\"fSfixed32\":2147483647,"
	        "\"fSfixed64\":\"-1\",\"fSint32\":-2147483648,\"fSint64\":\"9223372036854775807\","
	        "\"fString\":\"é ع \\\" \\\\ \\n 😀\",\"fUint32\":4294967295,"
	        "\"fUint64\":\"18446744073709551615\",\"rBool\":[false,true],"
	        "\"rBytes\":[\"\",\"AAEC\"],\"rColor\":[\"COLOR_RED\",\"COLOR_UNSPECIFIED\",9],"
	        "\"rDouble\":[1.0000000000000001e300,-2.5,0],\"rFixed32\":[7],\"rFixed64\":[\"8\"],"
	        "\"rFloat\":[0.5,-0.375,0],\"rInner\":[{},{\"n\":2}],\"rInt32\":[1,-1,0],"
	        "\"rInt64\":[\"1\",\"-1\",\"0\"],\"rSfixed32\":[-3],"
	        "\"rSfixed64\":[\"9223372036854775807\"],\"rSint32\":[-2,2],"
	        "\"rSint64\":[\"-9223372036854775808\"],\"rString\":[\"\",\"a\"],"
	        "\"rUint32\":[0,4294967295],\"rUint64\":[\"0\",\"18446744073709551615\"]}");

	s = (Pbjson__Test__Scalars *)decode_ok(SCALARS, in);
	assert_int_equal(s->f_int32, INT32_MIN);
	assert_true(s->f_int64 == INT64_MIN);
	assert_true(s->f_uint64 == UINT64_MAX);
	assert_int_equal(s->f_bytes.len, 3);
	assert_memory_equal(s->f_bytes.data, "\x00\xff\x10", 3);
	assert_int_equal(s->n_r_bytes, 2);
	assert_int_equal(s->r_bytes[0].len, 0);
	assert_int_equal(s->r_color[2], 9);
	assert_int_equal(s->choice_case, PBJSON__TEST__SCALARS__CHOICE_C_BYTES);
	assert_int_equal(s->c_bytes.len, 4);
	protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void
test_accepted_forms(void **state)
{
	Pbjson__Test__Scalars *s;
	json_t *j;

	(void)state;
	/* 32-bit integers as decimal strings or integral numbers in any notation; enums as numbers;
	 * 64-bit integers as numbers within ±2^53. */
	roundtrip(
	        SCALARS,
	        "{\"fInt32\":\"-12\",\"fUint32\":1e2,\"fSint32\":3.0,\"fFixed32\":\"007\","
	        "\"fColor\":2,\"fInt64\":-42,\"fUint64\":4.5e15,\"rColor\":[1,\"COLOR_GREEN\"],"
	        "\"rInt32\":[\"5\",-6e0],\"fFloat\":\"Infinity\",\"fDouble\":\"NaN\","
	        "\"rDouble\":[\"-Infinity\",\"Infinity\",\"NaN\"],\"rFloat\":[\"NaN\",\"-Infinity\"]}",
	        "{\"fColor\":\"COLOR_GREEN\",\"fDouble\":\"NaN\",\"fFixed32\":7,\"fFloat\":\"Infinity\","
	        "\"fInt32\":-12,\"fInt64\":\"-42\",\"fSint32\":3,\"fUint32\":100,"
	        "\"fUint64\":\"4500000000000000\",\"rColor\":[\"COLOR_RED\",\"COLOR_GREEN\"],"
	        "\"rDouble\":[\"-Infinity\",\"Infinity\",\"NaN\"],\"rFloat\":[\"NaN\",\"-Infinity\"],"
	        "\"rInt32\":[5,-6]}");
	/* An enum number unknown to the schema is kept (proto3 enums are open). */
	roundtrip(SCALARS, "{\"fColor\":77}", "{\"fColor\":77}");
	roundtrip(ENTRY, "{\"commitment\":{\"principles\":[5,6,-1]}}",
	          "{\"commitment\":{\"principles\":[\"PRINCIPLE_DIGITALISATION\",6,-1]}}");
	/* "-0" is zero. */
	roundtrip(SCALARS, "{\"fUint32\":\"-0\",\"fInt64\":\"-0\"}", "{}");

	/* A float is shown by its shortest decimal form, and comes back as the same float. */
	s = (Pbjson__Test__Scalars *)decode_ok(SCALARS,
	                                       "{\"fFloat\":0.1,\"rFloat\":[3.4028234663852886e38,"
	                                       "1e-45,16777217]}");
	assert_true(s->f_float == 0.1f);
	j = pbjson_encode(&s->base);
	assert_non_null(j);
	assert_true(json_real_value(json_object_get(j, "fFloat")) == 0.1);
	assert_true(json_real_value(json_array_get(json_object_get(j, "rFloat"), 0)) ==
	            3.4028235e38);
	assert_true(json_real_value(json_array_get(json_object_get(j, "rFloat"), 1)) == 1e-45);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "rFloat"), 2)),
	                 16777216);
	json_decref(j);
	protobuf_c_message_free_unpacked(&s->base, NULL);
	/* The 17-digit form jansson writes for such a float still reads back. */
	roundtrip(SCALARS, "{\"fFloat\":3.4028234699999999e+38}",
	          "{\"fFloat\":3.4028234999999999e38}");
}

/* Every float, shown as pbjson writes it and dumped as jansson does, reads back bit for bit. */
static void
test_float_bits(void **state)
{
	Pbjson__Test__Scalars s = PBJSON__TEST__SCALARS__INIT;
	uint32_t x = 0x12345678;
	float vals[4];

	(void)state;
	s.n_r_float = 4;
	s.r_float = vals;
	for (int round = 0; round < 20000; round++) {
		Pbjson__Test__Scalars *back;
		char *text;

		for (int k = 0; k < 4; k++) {
			/* xorshift32; every 7th round the edge values. */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			memcpy(&vals[k], &x, sizeof x);
			if (!isfinite(vals[k]))
				vals[k] = 1.0f;
		}
		if (round % 7 == 0) {
			vals[0] = -0.0f;
			vals[1] = 3.4028234663852886e38f;
			vals[2] = 1.17549435e-38f;
			vals[3] = 1.4e-45f;
		}
		text = encode_text(&s.base);
		back = (Pbjson__Test__Scalars *)decode_ok(SCALARS, text);
		assert_int_equal(back->n_r_float, 4);
		assert_memory_equal(back->r_float, vals, sizeof vals);
		protobuf_c_message_free_unpacked(&back->base, NULL);
		free(text);
	}
}

static void
test_oneofs(void **state)
{
	Pbjson__Test__Scalars *s;

	(void)state;
	roundtrip(SCALARS, "{\"cString\":\"pick\"}", "{\"cString\":\"pick\"}");
	roundtrip(SCALARS, "{\"cInt64\":\"-7\"}", "{\"cInt64\":\"-7\"}");
	roundtrip(SCALARS, "{\"cInner\":{}}", "{\"cInner\":{}}");
	roundtrip(SCALARS, "{\"cColor\":\"COLOR_RED\"}", "{\"cColor\":\"COLOR_RED\"}");
	roundtrip(SCALARS, "{\"cDouble\":-0.0}", "{\"cDouble\":-0.0}");
	/* null for one member leaves the oneof free for another. */
	s = (Pbjson__Test__Scalars *)decode_ok(SCALARS, "{\"cString\":null,\"cInner\":{\"n\":1}}");
	assert_int_equal(s->choice_case, PBJSON__TEST__SCALARS__CHOICE_C_INNER);
	assert_int_equal(s->c_inner->n, 1);
	protobuf_c_message_free_unpacked(&s->base, NULL);
	rejects(SCALARS, "{\"cString\":\"a\",\"cInt64\":\"1\"}",
	        "cInt64: a second member of a oneof, which already has \"cString\"");
	rejects(ENTRY, "{\"commitment\":{},\"programme\":{}}",
	        "programme: a second member of a oneof, which already has \"commitment\"");
	rejects(ENTRY, "{\"commitment\":{},\"member_admission\":{}}",
	        "member_admission: a second member of a oneof, which already has \"commitment\"");
}

/* ---- explicit presence (proto2) -------------------------------------------------------------- */

static void
test_presence(void **state)
{
	Pbjson__Test2__Presence *p;
	char *got;

	(void)state;
	/* Present at their default, optional fields are written; required ones always are. */
	roundtrip(PRESENCE,
	          "{\"optInt32\":0,\"optString\":\"\",\"optBytes\":\"\",\"optLeaf\":{},"
	          "\"optMode\":\"MODE_UNSPECIFIED\",\"optBool\":false,\"optUint64\":0}",
	          "{\"optBool\":false,\"optBytes\":\"\",\"optInt32\":0,\"optLeaf\":{},"
	          "\"optMode\":\"MODE_UNSPECIFIED\",\"optString\":\"\",\"optUint64\":\"0\","
	          "\"reqInt32\":0}");
	roundtrip(PRESENCE, "{\"defString\":\"hello\",\"defDouble\":1.5,\"pInt32\":0}",
	          "{\"defDouble\":1.5,\"defString\":\"hello\",\"pInt32\":0,\"reqInt32\":0}");
	roundtrip(PRESENCE, "{\"pLeaf\":{\"name\":\"\"},\"req_int32\":-4}",
	          "{\"pLeaf\":{\"name\":\"\"},\"reqInt32\":-4}");

	p = (Pbjson__Test2__Presence *)decode_ok(PRESENCE, "{\"optString\":null}");
	assert_false(p->has_opt_int32);
	assert_null(p->opt_string);
	/* Unset, a defaulted string points at its default, which is not shown. */
	assert_string_equal(p->def_string, "hello");
	got = encode_text(&p->base);
	assert_string_equal(got, "{\"reqInt32\":0}");
	free(got);
	protobuf_c_message_free_unpacked(&p->base, NULL);
	rejects(PRESENCE, "{\"pString\":\"\",\"pLeaf\":{}}",
	        "pLeaf: a second member of a oneof, which already has \"pString\"");
}

/* ---- what encoding does with messages built or unpacked elsewhere ---------------------------- */

static void
test_encode_built(void **state)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Programme prog = REMACTO__V1__PROGRAMME__INIT;
	Remacto__V1__Text title = REMACTO__V1__TEXT__INIT;
	Pbjson__Test__Scalars s = PBJSON__TEST__SCALARS__INIT;
	float nanf_ = NAN;
	/* Field 99 (unknown to the schema, varint 1), then schema = 1. */
	static const uint8_t wire[] = { 0x98, 0x06, 0x01, 0x08, 0x01 };
	ProtobufCMessage *m;
	char *got;

	(void)state;
	assert_null(pbjson_encode(NULL));
	title.fr = "Rabat \xff ouverte \xe0\x80";
	title.ar = "\xd8";
	prog.id = "OPEN-RABAT-2024";
	prog.title = &title;
	prog.stage = (Remacto__V1__ProgrammeStage)42;
	e.kind_case = REMACTO__V1__ENTRY__KIND_PROGRAMME;
	e.programme = &prog;
	got = encode_text(&e.base);
	/* Bytes that are not UTF-8 are shown as U+FFFD. */
	assert_string_equal(got, "{\"programme\":{\"id\":\"OPEN-RABAT-2024\",\"stage\":42,"
	                         "\"title\":{\"ar\":\"\xef\xbf\xbd\",\"fr\":\"Rabat \xef\xbf\xbd "
	                         "ouverte \xef\xbf\xbd\xef\xbf\xbd\"}}}");
	free(got);

	/* A oneof case set on a NULL message shows as empty, not as absent nor a crash. */
	e.programme = NULL;
	got = encode_text(&e.base);
	assert_string_equal(got, "{\"programme\":{}}");
	free(got);

	s.f_float = nanf_;
	s.f_double = -INFINITY;
	s.f_string = NULL;
	got = encode_text(&s.base);
	assert_string_equal(got, "{\"fDouble\":\"-Infinity\",\"fFloat\":\"NaN\"}");
	free(got);

	/* Unknown fields are kept by protobuf-c but not shown. */
	m = protobuf_c_message_unpack(ENTRY, NULL, sizeof wire, wire);
	assert_non_null(m);
	assert_int_equal(m->n_unknown_fields, 1);
	got = encode_text(m);
	assert_string_equal(got, "{\"schema\":1}");
	free(got);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* ---- strict decoding ------------------------------------------------------------------------ */

static void
test_reject_shape(void **state)
{
	(void)state;
	rejects(ENTRY, "[]", "(root): expected an object");
	rejects(ENTRY, "{\"commitment\":{\"foo\":1}}",
	        "commitment.foo: unknown field of remacto.v1.Commitment");
	rejects(ENTRY, "{\"Schema\":1}", "Schema: unknown field of remacto.v1.Entry");
	rejects(ENTRY, "{\"kind\":{}}", "kind: unknown field of remacto.v1.Entry");
	rejects(ENTRY, "{\"commitment\":{\"milestones\":[{\"id\":\"M1\"},{},{\"dueDate\":5}]}}",
	        "commitment.milestones[2].dueDate: expected a string");
	rejects(ENTRY, "{\"commitment\":[]}", "commitment: expected an object");
	rejects(ENTRY, "{\"commitment\":{\"principles\":\"PRINCIPLE_TRANSPARENCY\"}}",
	        "commitment.principles: expected an array");
	rejects(ENTRY, "{\"commitment\":{\"milestones\":[{},null]}}",
	        "commitment.milestones[1]: null is not allowed in an array");
	rejects(ENTRY, "{\"commitment\":{\"title\":\"Budget\"}}",
	        "commitment.title: expected an object");
	rejects(ENTRY, "{\"indicator\":{\"ascending\":1}}",
	        "indicator.ascending: expected true or false");
	rejects(ENTRY, "{\"indicator\":{\"ascending\":\"true\"}}",
	        "indicator.ascending: expected true or false");
	rejects(ENTRY, "{\"measurement\":{\"value\":\"1.5\"}}",
	        "measurement.value: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
	rejects(ENTRY, "{\"measurement\":{\"value\":true}}",
	        "measurement.value: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
	rejects(ENTRY, "{\"schema\":[1]}",
	        "schema: expected an integer (a number or a decimal string)");
	rejects(ENTRY, "{\"published\":20240601}", "published: expected a string");
	rejects(ENTRY, "{\"published\":\"a\\u0000b\"}",
	        "published: string contains a NUL character");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":32}}",
	        "evidence.sha256: expected a base64 string");
	rejects(ENTRY, "{\"commitment\":{\"principles\":[true]}}",
	        "commitment.principles[0]: expected an enum value name (a string) or number");
	/* The same field under both spellings. */
	rejects(ENTRY, "{\"commitment\":{\"milestones\":[{\"due_date\":\"x\",\"dueDate\":\"y\"}]}}",
	        "commitment.milestones[0].due_date: given twice, as \"due_date\" and \"dueDate\"");
	rejects(ENTRY,
	        "{\"commitmentId\":1,\"statusUpdate\":{\"commitmentId\":\"a\","
	        "\"commitment_id\":null}}",
	        "commitmentId: unknown field of remacto.v1.Entry");
	rejects(ENTRY, "{\"statusUpdate\":{\"commitmentId\":\"a\",\"commitment_id\":null}}",
	        "statusUpdate.commitmentId: given twice, as \"commitment_id\" and \"commitmentId\"");
}

static void
test_reject_enum_and_bytes(void **state)
{
	(void)state;
	rejects(ENTRY,
	        "{\"commitment\":{\"principles\":[\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_X\"]}}",
	        "commitment.principles[1]: unknown value \"PRINCIPLE_X\" of enum remacto.v1.Principle");
	rejects(ENTRY, "{\"memberAdmission\":{\"kind\":\"member_kind_region\"}}",
	        "memberAdmission.kind: unknown value \"member_kind_region\" of enum "
	        "remacto.v1.MemberKind");
	rejects(ENTRY, "{\"memberAdmission\":{\"kind\":\"1\"}}",
	        "memberAdmission.kind: unknown value \"1\" of enum remacto.v1.MemberKind");
	rejects(ENTRY, "{\"memberAdmission\":{\"kind\":\"MEMBER_KIND_REGION\\u0000\"}}",
	        "memberAdmission.kind: unknown value \"MEMBER_KIND_REGION?\" of enum "
	        "remacto.v1.MemberKind");
	rejects(ENTRY, "{\"memberAdmission\":{\"kind\":2147483648}}",
	        "memberAdmission.kind: out of range for enum: 2147483648");
	rejects(ENTRY, "{\"memberAdmission\":{\"kind\":1.5}}",
	        "memberAdmission.kind: not an integer: 1.5");

	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"abc\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"YWJj\\n\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"-_8=\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"YQ\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"YR==\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"Y===\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(ENTRY, "{\"evidence\":{\"sha256\":\"YQ==YQ==\"}}",
	        "evidence.sha256: invalid base64 (standard alphabet, padded with '=')");
	rejects(SCALARS, "{\"rBytes\":[\"AA==\",\"AA=\"]}",
	        "rBytes[1]: invalid base64 (standard alphabet, padded with '=')");
}

static void
test_reject_numbers(void **state)
{
	(void)state;
	rejects(SCALARS, "{\"fInt32\":2147483648}", "fInt32: out of range for int32: 2147483648");
	rejects(SCALARS, "{\"fInt32\":-2147483649}", "fInt32: out of range for int32: -2147483649");
	rejects(SCALARS, "{\"fSfixed32\":\"2147483648\"}",
	        "fSfixed32: out of range for int32: 2147483648");
	rejects(SCALARS, "{\"rSint32\":[0,3e9]}", "rSint32[1]: out of range for int32: 3000000000");
	rejects(ENTRY, "{\"schema\":-1}", "schema: out of range for uint32: -1");
	rejects(ENTRY, "{\"schema\":\"-1\"}", "schema: out of range for uint32: -1");
	rejects(ENTRY, "{\"commitment\":{\"weight\":4294967296}}",
	        "commitment.weight: out of range for uint32: 4294967296");
	rejects(SCALARS, "{\"fFixed32\":-0.5}", "fFixed32: not an integer: -0.5");
	rejects(ENTRY, "{\"commitment\":{\"weight\":1.5}}",
	        "commitment.weight: not an integer: 1.5");
	rejects(ENTRY, "{\"commitment\":{\"weight\":\"1.0\"}}",
	        "commitment.weight: not a decimal integer: \"1.0\"");
	rejects(ENTRY, "{\"schema\":\"\"}", "schema: not a decimal integer: \"\"");
	rejects(ENTRY, "{\"schema\":\"-\"}", "schema: not a decimal integer: \"-\"");
	rejects(ENTRY, "{\"schema\":\"+1\"}", "schema: not a decimal integer: \"+1\"");
	rejects(ENTRY, "{\"schema\":\" 1\"}", "schema: not a decimal integer: \" 1\"");
	rejects(ENTRY, "{\"schema\":\"1e2\"}", "schema: not a decimal integer: \"1e2\"");
	rejects(ENTRY, "{\"schema\":\"0x10\"}", "schema: not a decimal integer: \"0x10\"");
	/* 64-bit integers as numbers only within ±2^53; as strings up to their type's range. */
	rejects(ENTRY, "{\"commitment\":{\"budgetMad\":9007199254740993}}",
	        "commitment.budgetMad: 64-bit integer beyond ±2^53 given as a JSON number: "
	        "write it as a string");
	rejects(ENTRY, "{\"memberAdmission\":{\"population\":1e16}}",
	        "memberAdmission.population: 64-bit integer beyond ±2^53 given as a JSON number: "
	        "write it as a string");
	rejects(ENTRY, "{\"keyRotation\":{\"fromSize\":-9007199254740993}}",
	        "keyRotation.fromSize: 64-bit integer beyond ±2^53 given as a JSON number: "
	        "write it as a string");
	rejects(ENTRY, "{\"keyRotation\":{\"fromSize\":-1}}",
	        "keyRotation.fromSize: out of range for uint64: -1");
	rejects(ENTRY, "{\"commitment\":{\"budgetMad\":\"9223372036854775808\"}}",
	        "commitment.budgetMad: out of range for int64: 9223372036854775808");
	rejects(ENTRY, "{\"commitment\":{\"budgetMad\":\"-9223372036854775809\"}}",
	        "commitment.budgetMad: out of range for int64: -9223372036854775809");
	rejects(ENTRY, "{\"memberAdmission\":{\"population\":\"18446744073709551616\"}}",
	        "memberAdmission.population: out of range: \"18446744073709551616\"");
	rejects(ENTRY, "{\"memberAdmission\":{\"population\":1e300}}",
	        "memberAdmission.population: out of range: 1e+300");
	rejects(SCALARS, "{\"fFloat\":1e39}", "fFloat: out of range for float: 1e+39");
	rejects(SCALARS, "{\"rFloat\":[-3.5e38]}", "rFloat[0]: out of range for float: -3.5e+38");
	rejects(SCALARS, "{\"fDouble\":\"nan\"}",
	        "fDouble: expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
}

/* head, then n copies of item separated by commas, then tail; caller frees. */
static char *
repeat_json(const char *head, const char *item, size_t n, const char *tail)
{
	size_t hl = strlen(head), il = strlen(item), tl = strlen(tail);
	char *s = malloc(hl + n * (il + 1) + tl + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, item, il);
		p += il;
	}
	memcpy(p, tail, tl + 1);
	return s;
}

/* Base64 characters of PBJSON_MAX_STRING bytes. */
#define B64_CHARS ((PBJSON_MAX_STRING + 2) / 3 * 4)

static void
test_reject_caps(void **state)
{
	char *big, *text, want[256];
	ProtobufCMessage *m;

	(void)state;
	/* Strings: PBJSON_MAX_STRING bytes pass, one more does not. */
	big = malloc(PBJSON_MAX_STRING + 2);
	assert_non_null(big);
	memset(big, 'a', PBJSON_MAX_STRING + 1);
	big[PBJSON_MAX_STRING + 1] = '\0';
	text = malloc(PBJSON_MAX_STRING + 64);
	assert_non_null(text);
	snprintf(text, PBJSON_MAX_STRING + 64, "{\"published\":\"%s\"}", big);
	snprintf(want, sizeof want, "published: string of %d bytes, more than the %d allowed",
	         PBJSON_MAX_STRING + 1, PBJSON_MAX_STRING);
	rejects(ENTRY, text, want);
	snprintf(text, PBJSON_MAX_STRING + 64, "{\"published\":\"%s\"}", big + 1);
	m = decode_ok(ENTRY, text);
	protobuf_c_message_free_unpacked(m, NULL);
	free(text);
	free(big);

	/* Bytes: 65536 bytes pass (87384 base64 characters), 65538 (as many characters, unpadded)
	 * do not, nor does anything longer. */
	text = malloc(B64_CHARS + 64);
	assert_non_null(text);
	strcpy(text, "{\"evidence\":{\"sha256\":\"");
	big = text + strlen(text);
	memset(big, 'A', B64_CHARS - 4);
	strcpy(big + B64_CHARS - 4, "AA==\"}}");
	m = decode_ok(ENTRY, text);
	assert_int_equal(((Remacto__V1__Entry *)m)->evidence->sha256.len, PBJSON_MAX_STRING);
	protobuf_c_message_free_unpacked(m, NULL);
	snprintf(want, sizeof want, "evidence.sha256: bytes of more than the %d allowed",
	         PBJSON_MAX_STRING);
	strcpy(big + B64_CHARS - 4, "AAAA\"}}");
	rejects(ENTRY, text, want);
	strcpy(big + B64_CHARS - 4, "AAAAAAAA\"}}");
	rejects(ENTRY, text, want);
	free(text);

	/* Repeated fields: PBJSON_MAX_REPEATED elements pass, one more does not. */
	text = repeat_json("{\"commitment\":{\"stakeholders\":[", "\"s\"", PBJSON_MAX_REPEATED,
	                   "]}}");
	m = decode_ok(ENTRY, text);
	assert_int_equal(((Remacto__V1__Entry *)m)->commitment->n_stakeholders,
	                 PBJSON_MAX_REPEATED);
	protobuf_c_message_free_unpacked(m, NULL);
	free(text);
	text = repeat_json("{\"commitment\":{\"milestones\":[", "{\"id\":\"M\"}",
	                   PBJSON_MAX_REPEATED + 1, "]}}");
	snprintf(want, sizeof want,
	         "commitment.milestones: array of %d elements, more than the %d allowed",
	         PBJSON_MAX_REPEATED + 1, PBJSON_MAX_REPEATED);
	rejects(ENTRY, text, want);
	free(text);
}

/* {"child":{"child":...{inner}...}} with n "child" keys; caller frees. */
static char *
nested(int n, const char *inner)
{
	size_t cap = (size_t)n * 10 + strlen(inner) + 1;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(s, "{\"child\":");
	strcat(s, inner);
	for (int i = 0; i < n; i++)
		strcat(s, "}");
	return s;
}

static void
test_reject_depth(void **state)
{
	char *text, want[256];
	ProtobufCMessage *m;

	(void)state;
	/* PBJSON_MAX_DEPTH objects in all (the outer one included) pass; one more does not. */
	text = nested(PBJSON_MAX_DEPTH - 1, "{\"v\":1}");
	m = decode_ok(NODE, text);
	protobuf_c_message_free_unpacked(m, NULL);
	free(text);

	text = nested(PBJSON_MAX_DEPTH, "{}");
	want[0] = '\0';
	for (int i = 0; i < PBJSON_MAX_DEPTH; i++)
		strcat(want, i == 0 ? "child" : ".child");
	snprintf(want + strlen(want), sizeof want - strlen(want),
	         ": objects nested deeper than %d levels", PBJSON_MAX_DEPTH);
	rejects(NODE, text, want);
	free(text);
	/* A scalar where the object would be is refused for its type first. */
	text = nested(PBJSON_MAX_DEPTH, "1");
	want[strlen(want) - strlen(": objects nested deeper than 16 levels")] = '\0';
	strcat(want, ": expected an object");
	rejects(NODE, text, want);
	free(text);
}

static void
test_error_path_cut(void **state)
{
	char text[400], err[512];
	json_t *j;

	(void)state;
	/* A long key is shown cut, control characters as '?'. */
	snprintf(text, sizeof text, "{\"commitment\":{\"%s\\t\":1}}",
	         "a-very-long-key-that-nobody-would-ever-write-in-a-real-entry-really");
	assert_null(decode_via(ENTRY, text, err, sizeof err));
	assert_string_equal(err, "commitment.a-very-long-key-that-nobody-would-ever-write-in-...: "
	                         "unknown field of remacto.v1.Commitment");
	/* A key with a NUL (jansson's parser refuses them, but objects can be built so) matches
	 * nothing. */
	j = json_object();
	assert_int_equal(json_object_setn_new(j, "schema\0x", 8, json_integer(1)), 0);
	assert_null(pbjson_decode(ENTRY, j, err, sizeof err));
	assert_string_equal(err, "schema?x: unknown field of remacto.v1.Entry");
	json_decref(j);
	rejects(ENTRY, "{\"commitment\":{\"\\u001b[31m\":1}}",
	        "commitment.?[31m: unknown field of remacto.v1.Commitment");
	/* Cuts never split a UTF-8 sequence: the message stays fit for a JSON response. */
	snprintf(text, sizeof text, "{\"commitment\":{\"a%s\":1}}",
	         "éééééééééééééééééééééééééééééé");
	assert_null(decode_via(ENTRY, text, err, sizeof err));
	assert_string_equal(err, "commitment.aééééééééééééééééééééééé...: "
	                         "unknown field of remacto.v1.Commitment");
	for (size_t cap = 1; cap < 40; cap++) {
		json_t *msg;

		assert_null(decode_via(ENTRY, text, err, cap));
		assert_true(strlen(err) < cap);
		assert_memory_equal(err, "commitment.aé", strlen(err) < 13 ? strlen(err) : 13);
		msg = json_string(err);
		assert_non_null(msg);
		json_decref(msg);
	}
	/* Reasons quoting input are cut too. */
	rejects(ENTRY,
	        "{\"commitment\":{\"principles\":[\"PRINCIPLE_0123456789012345678901234567890123456789\"]}}",
	        "commitment.principles[0]: unknown value \"PRINCIPLE_012345678901234567890123456789...\" "
	        "of enum remacto.v1.Principle");
}

/* ---- the text path against json_loadb + pbjson_decode ------------------------------------- */

/* Decodes text both ways with flags and checks the outcomes are the same: the same message (as
 * packed bytes), or the same refusal, with jansson's own error (text, line, column, position) for
 * a text that is not JSON and pbjson_decode's "path: reason" otherwise. The fast path takes
 * nothing the reference refuses. Returns whether the text was taken. */
static bool
same_as_reference(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                  size_t flags)
{
	json_error_t rj, gj;
	char rerr[512] = "", gerr[512] = "";
	json_t *j = json_loadb(text, len, flags, &rj);
	ProtobufCMessage *ref = j != NULL ? pbjson_decode(desc, j, rerr, sizeof rerr) : NULL;
	ProtobufCMessage *got = pbjson_decode_text(desc, text, len, flags, &gj, gerr, sizeof gerr);
	ProtobufCMessage *fast = pbjson_parse_text(desc, text, len, flags);

	json_decref(j);
	if ((ref == NULL) != (got == NULL))
		fail_msg("%.*s: reference %s, text path %s (%s%s)", (int)len, text,
		         ref ? "takes it" : "refuses it", got ? "takes it" : "refuses it", rerr,
		         gj.text);
	if (ref == NULL && fast != NULL)
		fail_msg("%.*s: the fast path takes what the reference refuses (%s%s)", (int)len,
		         text, rerr, rj.text);
	if (j == NULL) {
		assert_string_equal(gj.text, rj.text);
		assert_int_equal(gj.line, rj.line);
		assert_int_equal(gj.column, rj.column);
		assert_int_equal(gj.position, rj.position);
		assert_string_equal(gerr, "");
	} else {
		assert_string_equal(gerr, rerr);
		assert_string_equal(gj.text, "");
	}
	for (int k = 0; ref != NULL && k < 2; k++) {
		ProtobufCMessage *m = k == 0 ? got : fast;
		uint8_t *a, *b;
		size_t la, lb;

		if (m == NULL)
			continue;
		a = pack(ref, &la);
		b = pack(m, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(b);
		free(a);
	}
	protobuf_c_message_free_unpacked(fast, NULL);
	protobuf_c_message_free_unpacked(got, NULL);
	protobuf_c_message_free_unpacked(ref, NULL);
	return ref != NULL;
}

/* same_as_reference on a string literal, NUL bytes inside included. */
#define SAME(lit, flags) same_as_reference(ENTRY, lit, sizeof(lit) - 1, flags)

static void
test_text_grammar(void **state)
{
	/* Texts jansson refuses, texts it takes that pbjson refuses, and texts both take, each
	 * under the flags the ledger uses and without them. */
	static const char *const cases[] = {
		"",
		" ",
		"{",
		"}",
		"[",
		"[]",
		"null",
		"1",
		"\"x\"",
		"{\"schema\":1",
		"{\"schema\":1}x",
		"{\"schema\":1} {}",
		"{\"schema\":1}\n\t \r",
		" \t\r\n{ \"schema\" : 1 ,\r\n \"published\" :\"x\" }\n",
		"{\"schema\":1,}",
		"{,}",
		"{\"schema\" 1}",
		"{\"schema\":1 \"published\":\"x\"}",
		"{schema:1}",
		"{'schema':1}",
		"{\"schema\":01}",
		"{\"schema\":1.}",
		"{\"schema\":-}",
		"{\"schema\":+1}",
		"{\"schema\":.5}",
		"{\"schema\":1e}",
		"{\"schema\":1e+}",
		"{\"schema\":-0}",
		"{\"schema\":0}",
		"{\"schema\":1E2}",
		"{\"schema\":1.5e-1}",
		"{\"schema\":1.0e+0}",
		"{\"schema\":0.0}",
		"{\"schema\":-0.0}",
		"{\"schema\":1x}",
		"{\"schema\":tru}",
		"{\"schema\":true}",
		"{\"schema\":truex}",
		"{\"schema\":nulll}",
		"{\"schema\":null}",
		"{\"schema\":NaN}",
		"{\"schema\":123456789012345678901}",
		"{\"schema\":9223372036854775807}",
		"{\"schema\":9223372036854775808}",
		"{\"schema\":-9223372036854775808}",
		"{\"schema\":-9223372036854775809}",
		"{\"measurement\":{\"value\":1e999}}",
		"{\"measurement\":{\"value\":-1e999}}",
		"{\"measurement\":{\"value\":1e-999}}",
		"{\"measurement\":{\"value\":-0.0}}",
		"{\"measurement\":{\"value\":-0}}",
		"{\"measurement\":{\"value\":2.2250738585072011e-308}}",
		"{\"measurement\":{\"value\":123456789012345678901234567890.5}}",
		"{\"measurement\":{\"value\":0.1000000000000000055511151231257827021181583404541015625}}",
		"{\"published\":\"\\x\"}",
		"{\"published\":\"\\u12\"}",
		"{\"published\":\"\\u12g4\"}",
		"{\"published\":\"\\uD83D\\uDE00\"}",
		"{\"published\":\"\\ud83d\\ude00 \\u00e9\\u0041\"}",
		"{\"published\":\"\\ud800\"}",
		"{\"published\":\"\\udc00\"}",
		"{\"published\":\"\\ud800\\u0041\"}",
		"{\"published\":\"\\ud800x\"}",
		"{\"published\":\"\\ud800\\ud800\"}",
		"{\"published\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
		"{\"published\":\"a\tb\"}",
		"{\"published\":\"a\x7f\"}",
		"{\"published\":\"\xff\"}",
		"{\"published\":\"\xc0\xaf\"}",
		"{\"published\":\"\xed\xa0\x80\"}",
		"{\"published\":\"\xf4\x90\x80\x80\"}",
		"{\"published\":\"\xe2\x82\"}",
		"{\"published\":\"\xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"{\"published\":\"abc",
		"{\"published\":\"abc\\",
		"{\"published\":\"abc\\\"}",
		"{\"published\":\"a\\u0000\"}",
		"{\"published\":\"\\u0000\"}",
		"{\"a\\u0000\":1}",
		"{\"sch\\u0065ma\":1}",
		"{\"schema\":1,\"schema\":1}",
		"{\"schema\":1,\"schema\":2}",
		"{\"schema\":1,\"sch\\u0065ma\":2}",
		"{\"statusUpdate\":{\"commitmentId\":\"a\",\"commitmentId\":\"b\"}}",
		"{\"statusUpdate\":{\"commitmentId\":\"a\",\"commitment_id\":\"b\"}}",
		"{\"schema\":1}\x00",
		"{\"schema\":\x001}",
		"{\"published\":\"a\x00b\"}",
		"\xef\xbb\xbf{\"schema\":1}",
		"{\"commitment\":{\"principles\":[1,[2]]}}",
		"{\"commitment\":{\"principles\":[1,]}}",
		"{\"commitment\":{\"principles\":[,1]}}",
		"{\"commitment\":{\"principles\":[1 2]}}",
		"{\"commitment\":{\"principles\":[1}}",
		"{\"commitment\":{\"milestones\":[{\"id\":\"a\"},{\"id\":\"b\"}]}}",
		"{\"commitment\":{\"milestones\":[{\"id\":\"a\"},{\"id\":\"b\",\"id\":\"c\"}]}}",
		"{\"commitment\":{\"milestones\":{}}}",
		"{\"commitment\":{\"title\":[]}}",
		"{\"commitment\":{},\"programme\":null}",
		"{\"commitment\":null,\"programme\":{}}",
		"{\"schema\":{}}",
		"{\"schema\":[]}",
		"{\"published\":{}}",
	};
	static const size_t flagsets[] = { FLAGS, JSON_REJECT_DUPLICATES, 0, JSON_DECODE_ANY };
	size_t taken = 0;

	(void)state;
	for (size_t f = 0; f < sizeof flagsets / sizeof flagsets[0]; f++)
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
			taken += same_as_reference(ENTRY, cases[i], strlen(cases[i]), flagsets[f]);
	/* An embedded NUL byte is part of the text when a length is given. */
	assert_false(SAME("{\"schema\":1}\0", FLAGS));
	assert_false(SAME("{\"published\":\"a\0\"}", FLAGS));
	/* jansson loses a NUL it read ahead of a number or a literal and put back. */
	assert_true(SAME("{\"schema\":1\0}", FLAGS));
	assert_true(SAME("{\"schema\":1\0 }", FLAGS));
	assert_false(SAME("{\"schema\":1\0\0}", FLAGS));
	assert_false(SAME("{\"schema\":1 \0}", FLAGS));
	assert_true(SAME("{\"schema\":null\0}", FLAGS));
	assert_true(SAME("{\"indicator\":{\"ascending\":true\0}}", FLAGS));
	/* The cases hold both outcomes (a change that refused everything would show here). */
	assert_true(taken > 40 && taken < 4 * sizeof cases / sizeof cases[0] - 100);
}

/* Texts the fast path leaves to the reference path although they are fine: the answer is still
 * the reference's. */
static void
test_text_handover(void **state)
{
	static const char dup[] = "{\"schema\":1,\"schema\":2}";
	json_error_t jerr;
	char err[256];
	Remacto__V1__Entry *e;

	(void)state;
	/* Without JSON_REJECT_DUPLICATES jansson keeps the last value. */
	assert_null(pbjson_parse_text(ENTRY, dup, strlen(dup), 0));
	e = (Remacto__V1__Entry *)pbjson_decode_text(ENTRY, dup, strlen(dup), 0, &jerr, err,
	                                             sizeof err);
	assert_non_null(e);
	assert_int_equal(e->schema, 2);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	/* With it, the duplicate is jansson's syntax error, with its position. */
	assert_null(pbjson_decode_text(ENTRY, dup, strlen(dup), JSON_REJECT_DUPLICATES, &jerr, err,
	                               sizeof err));
	assert_string_equal(err, "");
	assert_non_null(strstr(jerr.text, "duplicate object key"));
	/* A flag the fast path does not know. */
	assert_null(pbjson_parse_text(ENTRY, "{}", 2, JSON_DECODE_INT_AS_REAL));
	assert_true(same_as_reference(ENTRY, "{\"measurement\":{\"value\":3}}", 27,
	                              JSON_DECODE_INT_AS_REAL));
	/* A NULL jerr is allowed. */
	assert_null(pbjson_decode_text(ENTRY, "{", 1, FLAGS, NULL, err, sizeof err));
	assert_string_equal(err, "");
}

/* ---- cross-check with Google's protoc --------------------------------------------------------- */

/* Runs `protoc --decode=type --proto_path=dir file` on buf; returns its output (caller frees) or
 * NULL when protoc or the schema is not there. */
static char *
protoc_decode(const char *type, const char *dir, const char *file, const uint8_t *buf, size_t len)
{
	char in[] = "/tmp/test_pbjson.XXXXXX", cmd[512], *out;
	size_t cap = 1 << 16, n = 0, r;
	FILE *p;
	int fd, status;

	if (access(file, R_OK) != 0 || system("protoc --version >/dev/null 2>&1") != 0)
		return NULL;
	fd = mkstemp(in);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof cmd, "protoc --decode=%s --proto_path=%s %s <%s", type, dir, file, in);
	p = popen(cmd, "r");
	assert_non_null(p);
	out = malloc(cap);
	assert_non_null(out);
	while ((r = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	status = pclose(p);
	unlink(in);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
}

static void
check_protoc(const ProtobufCMessageDescriptor *desc, const char *json, const char *dir,
             const char *file, const char *want)
{
	ProtobufCMessage *m = decode_ok(desc, json);
	size_t len;
	uint8_t *buf = pack(m, &len);
	char *got = protoc_decode(desc->name, dir, file, buf, len);

	free(buf);
	protobuf_c_message_free_unpacked(m, NULL);
	if (got == NULL) {
		print_message("protoc or %s not found (run from the repository root): "
		              "cross-check skipped\n",
		              file);
		skip();
	}
	assert_string_equal(got, want);
	free(got);
}

static void
test_protoc_entry(void **state)
{
	(void)state;
	check_protoc(
	        ENTRY,
	        "{\"schema\":1,\"published\":\"2024-06-01T10:00:00Z\",\"commitment\":{"
	        "\"id\":\"RBT-2024-03\",\"title\":{\"fr\":\"Budget\"},"
	        "\"principles\":[\"PRINCIPLE_TRANSPARENCY\",4,9],\"stakeholders\":[\"A\",\"B\"],"
	        "\"budgetMad\":\"-2500000\",\"weight\":20,\"milestones\":["
	        "{\"id\":\"M1\",\"dueDate\":\"2024-09-30\"},{}]}}",
	        "proto", "proto/remacto.proto",
	        "schema: 1\n"
	        "published: \"2024-06-01T10:00:00Z\"\n"
	        "commitment {\n"
	        "  id: \"RBT-2024-03\"\n"
	        "  title {\n"
	        "    fr: \"Budget\"\n"
	        "  }\n"
	        "  principles: PRINCIPLE_TRANSPARENCY\n"
	        "  principles: PRINCIPLE_CITIZEN_PARTICIPATION\n"
	        "  principles: 9\n"
	        "  stakeholders: \"A\"\n"
	        "  stakeholders: \"B\"\n"
	        "  budget_mad: -2500000\n"
	        "  weight: 20\n"
	        "  milestones {\n"
	        "    id: \"M1\"\n"
	        "    due_date: \"2024-09-30\"\n"
	        "  }\n"
	        "  milestones {\n"
	        "  }\n"
	        "}\n");
	check_protoc(ENTRY,
	             "{\"memberAdmission\":{\"population\":\"18446744073709551615\","
	             "\"kind\":\"MEMBER_KIND_COMMUNE\"},\"evidence\":null}",
	             "proto", "proto/remacto.proto",
	             "member_admission {\n"
	             "  kind: MEMBER_KIND_COMMUNE\n"
	             "  population: 18446744073709551615\n"
	             "}\n");
	check_protoc(
	        ENTRY,
	        "{\"evidence\":{\"sha256\":\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\"}}",
	        "proto", "proto/remacto.proto",
	        "evidence {\n"
	        "  sha256: \"\\272x\\026\\277\\217\\001\\317\\352AA@\\336]\\256\\\"#\\260\\003a"
	        "\\243\\226\\027z\\234\\264\\020\\377a\\362\\000\\025\\255\"\n"
	        "}\n");
}

static void
test_protoc_scalars(void **state)
{
	(void)state;
	check_protoc(
	        SCALARS,
	        "{\"fInt32\":-1,\"fSint32\":-2,\"fSfixed32\":-3,\"fInt64\":\"-4\","
	        "\"fSint64\":\"-9223372036854775808\",\"fSfixed64\":\"-6\",\"fUint32\":4294967295,"
	        "\"fFixed32\":8,\"fUint64\":\"18446744073709551615\",\"fFixed64\":\"10\","
	        "\"fFloat\":-1.25,\"fDouble\":\"-Infinity\",\"fBool\":true,\"fColor\":\"COLOR_RED\","
	        "\"fString\":\"s\",\"fBytes\":\"AP8=\",\"fInner\":{\"n\":-1},"
	        "\"rSint32\":[-1,1],\"rSint64\":[\"-2\",\"2\"],\"rFixed64\":[\"1\"],"
	        "\"rFloat\":[0.5,\"NaN\"],\"rBool\":[true,false],\"rColor\":[2,0],"
	        "\"cInt64\":\"0\"}",
	        "tests/unit", "tests/unit/pbjson_test.proto",
	        "f_int32: -1\n"
	        "f_sint32: -2\n"
	        "f_sfixed32: -3\n"
	        "f_int64: -4\n"
	        "f_sint64: -9223372036854775808\n"
	        "f_sfixed64: -6\n"
	        "f_uint32: 4294967295\n"
	        "f_fixed32: 8\n"
	        "f_uint64: 18446744073709551615\n"
	        "f_fixed64: 10\n"
	        "f_float: -1.25\n"
	        "f_double: -inf\n"
	        "f_bool: true\n"
	        "f_color: COLOR_RED\n"
	        "f_string: \"s\"\n"
	        "f_bytes: \"\\000\\377\"\n"
	        "f_inner {\n"
	        "  n: -1\n"
	        "}\n"
	        "r_sint32: -1\n"
	        "r_sint32: 1\n"
	        "r_sint64: -2\n"
	        "r_sint64: 2\n"
	        "r_fixed64: 1\n"
	        "r_float: 0.5\n"
	        "r_float: nan\n"
	        "r_bool: true\n"
	        "r_bool: false\n"
	        "r_color: COLOR_GREEN\n"
	        "r_color: COLOR_UNSPECIFIED\n"
	        "c_int64: 0\n");
}

#define COMMON_TESTS                                                                              \
	cmocka_unit_test(test_field_name), cmocka_unit_test(test_commitment),                     \
	        cmocka_unit_test(test_measurement), cmocka_unit_test(test_evidence_bytes),        \
	        cmocka_unit_test(test_member_admission), cmocka_unit_test(test_defaults_omitted), \
	        cmocka_unit_test(test_snake_case_and_null), cmocka_unit_test(test_all_scalars),   \
	        cmocka_unit_test(test_accepted_forms), cmocka_unit_test(test_float_bits),         \
	        cmocka_unit_test(test_oneofs), cmocka_unit_test(test_presence),                   \
	        cmocka_unit_test(test_encode_built), cmocka_unit_test(test_reject_shape),         \
	        cmocka_unit_test(test_reject_enum_and_bytes),                                     \
	        cmocka_unit_test(test_reject_numbers), cmocka_unit_test(test_reject_caps),        \
	        cmocka_unit_test(test_reject_depth), cmocka_unit_test(test_error_path_cut),       \
	        cmocka_unit_test(test_protoc_entry), cmocka_unit_test(test_protoc_scalars)

static int
via_tree(void **state)
{
	(void)state;
	via = VIA_TREE;
	return 0;
}

static int
via_text(void **state)
{
	(void)state;
	via = VIA_TEXT;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tree[] = { COMMON_TESTS };
	/* Only the text path has a text to compare with the reference. */
	const struct CMUnitTest text[] = {
		COMMON_TESTS,
		cmocka_unit_test(test_text_grammar),
		cmocka_unit_test(test_text_handover),
	};
	int failed = cmocka_run_group_tests_name("pbjson from a jansson tree", tree, via_tree,
	                                         NULL);

	return failed + cmocka_run_group_tests_name("pbjson from text", text, via_text, NULL);
}

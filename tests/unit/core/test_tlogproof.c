/*
 * Tests for node/core/tlogproof.c: C2SP tlog-proof files and tlog-witness add-checkpoint bodies,
 * written and read back, the specs' examples read, and every malformed line refused by number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/tlogproof.h"

static char err[512];

#define NOTE \
	"example.com/log\n7\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\xe2\x80\x94 x AAAA\n"
#define H1 "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ="
#define H2 "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA="

/* c2sp.org/tlog-proof, the example at the top of the spec (signatures elided there too). */
static const char spec_example[] =
        "c2sp.org/tlog-proof@v1\n"
        "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6\n"
        "index 73894\n" H1 "\n" H2 "\n"
        "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
        "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
        "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
        "\n"
        "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n"
        "\xe2\x80\x94 example.com/fancylog hI2DJw1roloI=\n";

static void
test_spec_example(void **state)
{
	struct tlogproof p;
	(void)state;
	assert_true(tlogproof_parse(spec_example, sizeof(spec_example) - 1, &p, err, sizeof(err)));
	assert_true(p.has_extra);
	assert_int_equal(p.extra_len, 30);
	assert_memory_equal(p.extra, "age-v1.2.1-darwin-arm64.tar.gz", 30);
	assert_int_equal(p.index, 73894);
	assert_int_equal(p.nproof, 5);
	assert_int_equal(p.proof[0][0], 0x81);
	assert_true(p.note_len > 0 && !strncmp(p.note, "example.com/fancylog\n", 21));
	tlogproof_free(&p);
}

static void
test_round_trip(void **state)
{
	struct buf b = BUF_INIT(0);
	struct tlogproof p;
	uint8_t proof[3][32], entry[300];
	(void)state;
	for (int i = 0; i < 3; i++)
		memset(proof[i], 0x11 * (i + 1), 32);
	for (size_t i = 0; i < sizeof(entry); i++)
		entry[i] = (uint8_t)i;
	assert_int_equal(
	        tlogproof_format(entry, sizeof(entry), 4, proof, 3, NOTE, sizeof(NOTE) - 1, &b), 0);
	assert_true(tlogproof_parse(b.data, b.len, &p, err, sizeof(err)));
	assert_int_equal(p.extra_len, sizeof(entry));
	assert_memory_equal(p.extra, entry, sizeof(entry));
	assert_int_equal(p.index, 4);
	assert_int_equal(p.nproof, 3);
	assert_memory_equal(p.proof[2], proof[2], 32);
	assert_int_equal(p.note_len, sizeof(NOTE) - 1);
	assert_memory_equal(p.note, NOTE, p.note_len);
	tlogproof_free(&p);

	/* No extra line, no proof (index 0 of a tree of one). */
	buf_reset(&b);
	assert_int_equal(tlogproof_format(NULL, 0, 0, proof, 0, NOTE, sizeof(NOTE) - 1, &b), 0);
	assert_string_equal(b.data, "c2sp.org/tlog-proof@v1\nindex 0\n\n" NOTE);
	assert_true(tlogproof_parse(b.data, b.len, &p, err, sizeof(err)));
	assert_false(p.has_extra);
	assert_null(p.extra);
	assert_int_equal(p.nproof, 0);
	tlogproof_free(&p);

	/* add-checkpoint */
	buf_reset(&b);
	assert_int_equal(tlogproof_addreq_format(20852014, proof, 2, NOTE, sizeof(NOTE) - 1, &b),
	                 0);
	assert_true(tlogproof_addreq_parse(b.data, b.len, &p, err, sizeof(err)));
	assert_int_equal(p.index, 20852014);
	assert_int_equal(p.nproof, 2);
	assert_memory_equal(p.note, NOTE, p.note_len);
	tlogproof_free(&p);
	buf_free(&b);
}

static void
refused(bool add, const char *text, const char *want)
{
	struct tlogproof p;
	err[0] = '\0';
	bool ok = add ? tlogproof_addreq_parse(text, strlen(text), &p, err, sizeof(err))
	              : tlogproof_parse(text, strlen(text), &p, err, sizeof(err));
	if (ok || !strstr(err, want))
		print_error("%.60s: ok=%d err=\"%s\", want \"%s\"\n", text, ok, err, want);
	assert_false(ok);
	assert_non_null(strstr(err, want));
	assert_null(p.extra);
}

static void
test_malformed(void **state)
{
	char big[64 * 44 + 200];
	(void)state;
	refused(false, "", "line 1: want \"c2sp.org/tlog-proof@v1\"");
	refused(false, "c2sp.org/tlog-proof@v2\nindex 1\n\n" NOTE, "line 1");
	refused(false, "c2sp.org/tlog-proof@v1\n", "no index line");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 01\n\n" NOTE, "line 2: want \"index <n>\"");
	refused(false, "c2sp.org/tlog-proof@v1\nindex -1\n\n" NOTE, "line 2");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 9223372036854775808\n\n" NOTE, "line 2");
	refused(false, "c2sp.org/tlog-proof@v1\nindex  1\n\n" NOTE, "line 2");
	refused(false, "c2sp.org/tlog-proof@v1\nextra !!!!\nindex 1\n\n" NOTE,
	        "line 2: the extra data is not standard base64");
	refused(false, "c2sp.org/tlog-proof@v1\nextra AAAA\n", "no index line");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 3\n" H1 "x\n\n" NOTE, "line 3: not a hash");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 3\nAAAA\n\n" NOTE, "line 3: not a hash");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 3\n" H1 "\n", "no empty line");
	refused(false, "c2sp.org/tlog-proof@v1\nindex 3\n" H1 "\n\n", "no checkpoint after");
	refused(false, "c2sp.org/tlog-proof@v1\r\nindex 3\n\n" NOTE, "line 1");
	refused(true, "old 1\n" H1, "no empty line");
	refused(true, "old\n\n" NOTE, "line 1: want \"old <size>\"");
	refused(true, "new 1\n\n" NOTE, "line 1");
	/* 64 proof lines: one more than a tree below 2^63 needs. */
	size_t o = (size_t)snprintf(big, sizeof(big), "old 5\n");
	for (int i = 0; i < 64; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, H2 "\n");
	snprintf(big + o, sizeof(big) - o, "\n" NOTE);
	refused(true, big, "line 65: more than 63 proof hashes");
	/* Over the size cap: refused before it is read. */
	struct tlogproof p;
	char *huge = calloc(TLOGPROOF_MAX_LEN + 1, 1);
	assert_non_null(huge);
	assert_false(tlogproof_parse(huge, TLOGPROOF_MAX_LEN + 1, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "over the"));
	free(huge);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

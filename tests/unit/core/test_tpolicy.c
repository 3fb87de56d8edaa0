/*
 * Tests for node/core/tpolicy.c: C2SP tlog-policy files (the spec's example with its two levels
 * of groups, every rule of the syntax refused with the line named) and checkpoints judged under
 * a policy (log signature, quorum, forged and self-made cosignatures).
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
#include "core/note.h"
#include "core/tpolicy.h"

static char err[512];

/* Keys: a log and six witnesses X1..X3, Y1..Y3, from fixed seeds. */
static struct note_signer logkey, wit[6];
static char logvk[NOTE_VKEY_MAX + 1], witvk[6][NOTE_VKEY_MAX + 1];
static const char *const wname[6] = { "x1.example", "x2.example", "x3.example",
	                              "y1.example", "y2.example", "y3.example" };

static void
seeded(struct note_signer *s, const char *name, uint8_t alg, uint8_t v)
{
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(v + 13 * i);
	assert_int_equal(note_signer_from_seed(s, name, alg, seed), 0);
}

static int
keys_setup(void **state)
{
	(void)state;
	seeded(&logkey, "example.com/log", NOTE_ALG_ED25519, 1);
	assert_true(note_verifier_format(&logkey.v, logvk, sizeof(logvk)) > 0);
	for (int i = 0; i < 6; i++) {
		seeded(&wit[i], wname[i], NOTE_ALG_COSIGNATURE_V1, (uint8_t)(10 + i));
		assert_true(note_verifier_format(&wit[i].v, witvk[i], sizeof(witvk[i])) > 0);
	}
	return 0;
}

static int
keys_teardown(void **state)
{
	(void)state;
	note_signer_free(&logkey);
	for (int i = 0; i < 6; i++)
		note_signer_free(&wit[i]);
	return 0;
}

/* The spec's example policy, with real keys, some tabs, comments and blank lines. */
static void
example(struct buf *b)
{
	buf_printf(b, "# the example of c2sp.org/tlog-policy\nlog %s\n\n", logvk);
	for (int i = 0; i < 3; i++)
		buf_printf(b, "witness X%d %s\n", i + 1, witvk[i]);
	buf_puts(b, "group X-witnesses 2 X1 X2 X3\n\n");
	for (int i = 3; i < 6; i++)
		buf_printf(b, "  witness\tY%d  %s https://y%d.example/\n", i - 2, witvk[i], i - 2);
	buf_puts(b, "group Y-witnesses any Y1 Y2 Y3\n   # indented comment\n"
	            "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n");
}

static void
test_example(void **state)
{
	struct buf b = BUF_INIT(0);
	struct tpolicy p;
	bool w[6];
	(void)state;

	example(&b);
	assert_true(tpolicy_parse(b.data, b.len, &p, err, sizeof(err)));
	assert_int_equal(p.nlogs, 1);
	assert_int_equal(p.nwitnesses, 6);
	assert_int_equal(p.ngroups, 3);
	assert_string_equal(p.witnesses[3].name, "Y1");
	assert_string_equal(p.witnesses[3].url, "https://y1.example/");
	assert_null(p.witnesses[0].url);
	assert_int_equal(p.groups[0].k, 2);
	assert_int_equal(p.groups[1].k, 1);
	assert_int_equal(p.groups[2].k, 2);
	/* Two X and one Y: met. One X and three Y: not. */
	bool cases[][6] = { { 1, 1, 0, 1, 0, 0 },
		            { 1, 0, 0, 1, 1, 1 },
		            { 0, 1, 1, 0, 0, 1 },
		            { 1, 1, 1, 0, 0, 0 },
		            { 0, 0, 0, 0, 0, 0 } };
	bool want[] = { true, false, true, false, false };
	for (size_t c = 0; c < sizeof(want) / sizeof(want[0]); c++) {
		memcpy(w, cases[c], sizeof(w));
		assert_int_equal(tpolicy_quorum(&p, w), want[c]);
	}
	tpolicy_free(&p);
	tpolicy_free(&p); /* empty after free */
	buf_free(&b);
}

/* The policy with line `extra` appended after a valid prefix must be refused with want in err. */
static void
refused(const char *text, const char *want)
{
	struct tpolicy p;
	err[0] = '\0';
	bool ok = tpolicy_parse(text, strlen(text), &p, err, sizeof(err));
	if (ok || !strstr(err, want))
		print_error("policy %.80s: ok=%d err=\"%s\", want \"%s\"\n", text, ok, err, want);
	assert_false(ok);
	assert_non_null(strstr(err, want));
	assert_int_equal(p.nwitnesses, 0);
}

static void
test_syntax_errors(void **state)
{
	char t[4096];
	(void)state;
#define W(i) witvk[i]
	refused("", "no quorum line");
	refused("quorum none\nquorum none\n", "line 2: a second quorum line");
	refused("frobnicate x\nquorum none\n", "line 1: unknown keyword frobnicate");
	refused("quorum none\r\n", "line 1: control character 0x0d");
	refused("quorum\n", "line 1: want \"quorum <name>\"");
	refused("quorum nobody\n", "quorum nobody is not a witness or group defined above");
	snprintf(t, sizeof(t), "witness none %s\nquorum none\n", W(0));
	refused(t, "line 1: witness name \"none\" is reserved");
	snprintf(t, sizeof(t), "witness a %s\nwitness a %s\nquorum a\n", W(0), W(1));
	refused(t, "line 2: witness name a is already defined");
	snprintf(t, sizeof(t), "witness a %s\nwitness b %s\nquorum a\n", W(0), W(0));
	refused(t, "line 2: witness key is a duplicate: line 1");
	snprintf(t, sizeof(t), "log %s\nlog %s\nquorum none\n", logvk, logvk);
	refused(t, "line 2: log key is a duplicate");
	snprintf(t, sizeof(t), "log %s\nquorum none\n", W(0));
	refused(t, "line 1: log key has signature type 0x04, want 0x01");
	snprintf(t, sizeof(t), "witness a %s\nquorum a\n", logvk);
	refused(t, "line 1: witness key has signature type 0x01, want 0x04");
	snprintf(t, sizeof(t), "log %s https://x extra\nquorum none\n", logvk);
	refused(t, "line 1: want \"log <vkey> [<url>]\"");
	refused("log example.com+00000000+AQ==\nquorum none\n", "line 1: log key");
	snprintf(t, sizeof(t), "witness a %s\ngroup g 1 b\nquorum g\n", W(0));
	refused(t, "line 2: group member b is not a witness or group defined above");
	snprintf(t, sizeof(t), "witness a %s\ngroup g 1 a a\nquorum g\n", W(0));
	refused(t, "line 2: group lists a twice");
	snprintf(t, sizeof(t), "witness a %s\ngroup g 2 a\nquorum g\n", W(0));
	refused(t, "line 2: threshold 2: want 1 to the 1 member");
	snprintf(t, sizeof(t), "witness a %s\ngroup g 0 a\nquorum g\n", W(0));
	refused(t, "threshold 0");
	snprintf(t, sizeof(t), "witness a %s\ngroup g some a\nquorum g\n", W(0));
	refused(t, "threshold some: want all, any or a number");
	snprintf(t, sizeof(t), "witness a %s\ngroup g any\nquorum g\n", W(0));
	refused(t, "at least one member");
	snprintf(t, sizeof(t), "witness a %s\ngroup g any a\ngroup g any a\nquorum g\n", W(0));
	refused(t, "line 3: group name g is already defined");
	snprintf(t, sizeof(t), "witness a %s\ngroup g any none\nquorum g\n", W(0));
	refused(t, "group member none is not");
	/* A group may name only what is above it: no cycles. */
	snprintf(t, sizeof(t), "witness a %s\ngroup g any a h\ngroup h any g\nquorum h\n", W(0));
	refused(t, "line 2: group member h");
#undef W
}

static void
test_lenient_whitespace(void **state)
{
	char t[2048];
	struct tpolicy p;
	(void)state;
	/* No final newline, tabs and trailing spaces, a quorum of one witness. */
	snprintf(t, sizeof(t), "\twitness  w1\t%s   \n#c\n \t \nquorum w1", witvk[0]);
	assert_true(tpolicy_parse(t, strlen(t), &p, err, sizeof(err)));
	assert_int_equal(p.nwitnesses, 1);
	assert_int_equal(p.quorum, 0);
	tpolicy_free(&p);
	/* Octets above 0x7f are opaque names. */
	snprintf(t, sizeof(t), "witness \xe2\x84\xaa %s\nwitness K %s\nquorum \xe2\x84\xaa\n",
	         witvk[0], witvk[1]);
	assert_true(tpolicy_parse(t, strlen(t), &p, err, sizeof(err)));
	assert_int_equal(p.nwitnesses, 2);
	tpolicy_free(&p);
}

/* A checkpoint of example.com/log signed by the log, cosigned by witnesses in `by`. */
static void
checkpoint(struct buf *out, const int *by, size_t n)
{
	static const char body[] =
	        "example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	char note[4096], line[512];
	int len = note_sign(&logkey, body, sizeof(body) - 1, note, sizeof(note));
	assert_true(len > 0);
	buf_put(out, note, (size_t)len);
	for (size_t i = 0; i < n; i++) {
		int l = note_cosign_line(&wit[by[i]], body, sizeof(body) - 1, 1700000000 + by[i],
		                         line, sizeof(line));
		assert_true(l > 0);
		buf_put(out, line, (size_t)l);
	}
}

static void
test_check(void **state)
{
	struct buf pol = BUF_INIT(0), cp = BUF_INIT(0);
	struct tpolicy p;
	struct tpolicy_verdict *v = malloc(sizeof(*v));
	(void)state;
	assert_non_null(v);
	example(&pol);
	assert_true(tpolicy_parse(pol.data, pol.len, &p, err, sizeof(err)));

	int met[] = { 0, 2, 4 };
	checkpoint(&cp, met, 3);
	assert_true(tpolicy_check(&p, cp.data, cp.len, 0, v, err, sizeof(err)));
	assert_string_equal(v->origin, "example.com/log");
	assert_int_equal(v->size, 5);
	assert_int_equal(v->log, 0);
	assert_int_equal(v->cosigned, 3);
	assert_true(v->quorum);
	assert_int_equal(v->nsigs, 4);
	assert_int_equal(v->sigs[2].kind, TPOLICY_SIG_WITNESS);
	assert_int_equal(v->sigs[2].index, 2);
	assert_int_equal(v->sigs[2].time, 1700000002);

	/* Only X witnesses: signed, but the quorum is not met. */
	int xs[] = { 0, 1, 2 };
	buf_reset(&cp);
	checkpoint(&cp, xs, 3);
	assert_true(tpolicy_check(&p, cp.data, cp.len, 0, v, err, sizeof(err)));
	assert_int_equal(v->cosigned, 3);
	assert_false(v->quorum);

	/* A forged cosignature of a known witness: refused outright. */
	buf_reset(&cp);
	checkpoint(&cp, met, 3);
	char *last = strrchr(cp.data, ' ') + 40; /* past the key ID */
	*last = *last == 'A' ? 'B' : 'A';
	assert_false(tpolicy_check(&p, cp.data, cp.len, 0, v, err, sizeof(err)));
	assert_non_null(strstr(err, "does not verify"));
	tpolicy_free(&p);

	/* A policy without this log. */
	char t[4096];
	snprintf(t, sizeof(t), "witness X1 %s\nquorum X1\n", witvk[0]);
	assert_true(tpolicy_parse(t, strlen(t), &p, err, sizeof(err)));
	buf_reset(&cp);
	checkpoint(&cp, met, 3);
	assert_false(tpolicy_check(&p, cp.data, cp.len, 0, v, err, sizeof(err)));
	assert_non_null(strstr(err, "no log key of the policy for origin example.com/log"));
	tpolicy_free(&p);

	/* A witness that is the log itself counts only without TPOLICY_NO_SELF_WITNESS. */
	struct note_signer self;
	char selfvk[NOTE_VKEY_MAX + 1], line[512];
	static const char body[] =
	        "example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	seeded(&self, "example.com/log", NOTE_ALG_COSIGNATURE_V1, 1); /* the log's seed */
	note_verifier_format(&self.v, selfvk, sizeof(selfvk));
	snprintf(t, sizeof(t), "log %s\nwitness me %s\nquorum me\n", logvk, selfvk);
	assert_true(tpolicy_parse(t, strlen(t), &p, err, sizeof(err)));
	buf_reset(&cp);
	checkpoint(&cp, NULL, 0);
	int l = note_cosign_line(&self, body, sizeof(body) - 1, 1700000100, line, sizeof(line));
	buf_put(&cp, line, (size_t)l);
	assert_true(tpolicy_check(&p, cp.data, cp.len, 0, v, err, sizeof(err)));
	assert_true(v->quorum);
	assert_true(
	        tpolicy_check(&p, cp.data, cp.len, TPOLICY_NO_SELF_WITNESS, v, err, sizeof(err)));
	assert_false(v->quorum);
	assert_int_equal(v->cosigned, 0);
	assert_true(v->sigs[1].not_counted);
	note_signer_free(&self);
	tpolicy_free(&p);

	/* quorum none: the log signature is enough. */
	snprintf(t, sizeof(t), "log %s\nquorum none\n", logvk);
	assert_true(tpolicy_parse(t, strlen(t), &p, err, sizeof(err)));
	assert_true(
	        tpolicy_check(&p, cp.data, cp.len, TPOLICY_NO_SELF_WITNESS, v, err, sizeof(err)));
	assert_true(v->quorum);
	tpolicy_free(&p);
	free(v);
	buf_free(&pol);
	buf_free(&cp);
}

/* A network-sized policy: 2,000 witnesses in one group parse quickly and evaluate right. */
static void
test_large(void **state)
{
	struct buf b = BUF_INIT(0);
	struct tpolicy p;
	bool *w;
	(void)state;
	enum { N = 2000 };
	for (int i = 0; i < N; i++) {
		struct note_signer s;
		char name[32], vk[NOTE_VKEY_MAX + 1];
		snprintf(name, sizeof(name), "w%d.example", i);
		uint8_t seed[32] = { (uint8_t)i, (uint8_t)(i >> 8), 7 };
		assert_int_equal(note_signer_from_seed(&s, name, NOTE_ALG_COSIGNATURE_V1, seed), 0);
		note_verifier_format(&s.v, vk, sizeof(vk));
		buf_printf(&b, "witness %s %s\n", name, vk);
		note_signer_free(&s);
	}
	buf_puts(&b, "group all 3");
	for (int i = 0; i < N; i++)
		buf_printf(&b, " w%d.example", i);
	buf_puts(&b, "\nquorum all\n");
	assert_true(tpolicy_parse(b.data, b.len, &p, err, sizeof(err)));
	assert_int_equal(p.nwitnesses, N);
	assert_non_null(w = calloc(N, sizeof(*w)));
	w[5] = w[1999] = true;
	assert_false(tpolicy_quorum(&p, w));
	w[1000] = true;
	assert_true(tpolicy_quorum(&p, w));
	free(w);
	tpolicy_free(&p);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_lenient_whitespace),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}

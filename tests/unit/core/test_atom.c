/*
 * Tests of node/core/atom.c: the Atom writer's escaping, whatever a text holds, and the exact
 * document it writes for a feed of one entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/atom.h"

static void
escaped(const char *in, const char *want)
{
	struct buf b = BUF_INIT(0);
	atom_escape(&b, in);
	assert_int_equal(b.err, 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void
test_escape(void **state)
{
	(void)state;
	escaped("a & b < c > d \" e ' f", "a &amp; b &lt; c &gt; d &quot; e &apos; f");
	escaped("</title><script>x</script>]]>",
	        "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;]]&gt;");
	escaped("&amp;", "&amp;amp;");
	/* XML 1.0 forbids these: left out; tab, newline and carriage return stay */
	escaped("a\x01\x08\x0b\x0c\x1f"
	        "b\t\n\rc",
	        "ab\t\n\rc");
	escaped("x\xef\xbf\xbey\xef\xbf\xbfz", "xyz"); /* U+FFFE, U+FFFF */
	/* bytes that are not UTF-8: U+FFFD each */
	escaped("a\xff"
	        "b\xc3",
	        "a\xef\xbf\xbd"
	        "b\xef\xbf\xbd");
	escaped("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* a surrogate */
	escaped("شباك — Évaluation", "شباك — Évaluation");
	escaped(NULL, "");
}

static void
test_feed(void **state)
{
	struct buf b = BUF_INIT(0);
	struct atom_feed f = { "tag:x,2024:f",
		               "T & co",
		               NULL,
		               "ar",
		               "/feeds/x.atom?lang=ar&a=1",
		               "/ui/#/x",
		               "2025-01-01T00:00:00Z",
		               "REMACTO" };
	struct atom_entry e = {
		"tag:x,2024:e/1", "<b>", "s", "/ui/#/e/1", "2025-01-02T00:00:00Z", "status",
		"remacto.ma/x",   true,  7
	};
	(void)state;
	atom_begin(&b, &f);
	atom_entry(&b, &e);
	atom_end(&b);
	assert_int_equal(b.err, 0);
	assert_string_equal(
	        b.data,
	        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:remacto=\"" ATOM_REMACTO_NS
	        "\" xml:lang=\"ar\">\n"
	        "  <id>tag:x,2024:f</id>\n"
	        "  <title>T &amp; co</title>\n"
	        "  <updated>2025-01-01T00:00:00Z</updated>\n"
	        "  <author>\n    <name>REMACTO</name>\n  </author>\n"
	        "  <link rel=\"self\" href=\"/feeds/x.atom?lang=ar&amp;a=1\" type=\"application/atom+xml\"/>\n"
	        "  <link rel=\"alternate\" href=\"/ui/#/x\" type=\"text/html\"/>\n"
	        "  <generator>remactod</generator>\n"
	        "  <entry>\n"
	        "    <id>tag:x,2024:e/1</id>\n"
	        "    <title>&lt;b&gt;</title>\n"
	        "    <updated>2025-01-02T00:00:00Z</updated>\n"
	        "    <link rel=\"alternate\" href=\"/ui/#/e/1\" type=\"text/html\"/>\n"
	        "    <summary>s</summary>\n"
	        "    <category term=\"status\"/>\n"
	        "    <remacto:origin>remacto.ma/x</remacto:origin>\n"
	        "    <remacto:index>7</remacto:index>\n"
	        "  </entry>\n"
	        "</feed>\n");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_feed),
	};
	return cmocka_run_group_tests_name("test_atom", tests, NULL, NULL);
}

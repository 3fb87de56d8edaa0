/*
 * atom — Atom 1.0 feeds written with every text escaped. See atom.h.
 */
#include "atom.h"

#include <string.h>

#include "utf8.h"

void
atom_escape(struct buf *b, const char *s)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	size_t len = strlen((const char *)p), i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			buf_puts(b, "\xEF\xBF\xBD"); /* U+FFFD for a byte that is not UTF-8 */
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&apos;");
			break;
		default:
			/* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | above */
			if ((cp < 0x20 && cp != 0x9 && cp != 0xA && cp != 0xD) || cp == 0xFFFE ||
			    cp == 0xFFFF)
				break;
			buf_put(b, p + i, n);
		}
		i += n;
	}
}

static void
element(struct buf *b, const char *indent, const char *name, const char *text)
{
	buf_printf(b, "%s<%s>", indent, name);
	atom_escape(b, text);
	buf_printf(b, "</%s>\n", name);
}

static void
link_el(struct buf *b, const char *indent, const char *rel, const char *href, const char *type)
{
	buf_printf(b, "%s<link rel=\"%s\" href=\"", indent, rel);
	atom_escape(b, href);
	buf_puts(b, "\"");
	if (type)
		buf_printf(b, " type=\"%s\"", type);
	buf_puts(b, "/>\n");
}

void
atom_begin(struct buf *b, const struct atom_feed *f)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
	buf_puts(b, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:remacto=\"" ATOM_REMACTO_NS
	            "\" xml:lang=\"");
	atom_escape(b, f->lang);
	buf_puts(b, "\">\n");
	element(b, "  ", "id", f->id);
	element(b, "  ", "title", f->title);
	if (f->subtitle)
		element(b, "  ", "subtitle", f->subtitle);
	element(b, "  ", "updated", f->updated);
	buf_puts(b, "  <author>\n");
	element(b, "    ", "name", f->author);
	buf_puts(b, "  </author>\n");
	link_el(b, "  ", "self", f->self, "application/atom+xml");
	if (f->alternate)
		link_el(b, "  ", "alternate", f->alternate, "text/html");
	buf_puts(b, "  <generator>remactod</generator>\n");
}

void
atom_entry(struct buf *b, const struct atom_entry *e)
{
	buf_puts(b, "  <entry>\n");
	element(b, "    ", "id", e->id);
	element(b, "    ", "title", e->title);
	element(b, "    ", "updated", e->updated);
	if (e->link)
		link_el(b, "    ", "alternate", e->link, "text/html");
	if (e->summary)
		element(b, "    ", "summary", e->summary);
	if (e->category) {
		buf_puts(b, "    <category term=\"");
		atom_escape(b, e->category);
		buf_puts(b, "\"/>\n");
	}
	if (e->origin)
		element(b, "    ", "remacto:origin", e->origin);
	if (e->has_index)
		buf_printf(b, "    <remacto:index>%llu</remacto:index>\n",
		           (unsigned long long)e->index);
	buf_puts(b, "  </entry>\n");
}

void
atom_end(struct buf *b)
{
	buf_puts(b, "</feed>\n");
}

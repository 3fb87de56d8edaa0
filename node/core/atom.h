/*
 * atom — writes an Atom 1.0 feed (RFC 4287) into a growing buffer (buf.h): the feed's head,
 * its entries, its end. Every text is escaped for XML 1.0 whatever it holds: & < > " ' become
 * entities; characters XML forbids (controls other than tab, newline and carriage return,
 * U+FFFE, U+FFFF) are left out and bytes that are not UTF-8 become U+FFFD, so that what a
 * member signed, however hostile, cannot break the document or inject markup.
 *
 * Each entry carries, in the namespace ATOM_REMACTO_NS, the log it comes from and the index
 * of the entry in it (<remacto:origin>, <remacto:index>) when it has one.
 *
 * Pure functions over the buffer; any thread. Check the buffer's err once at the end.
 */
#ifndef REMACTO_ATOM_H
#define REMACTO_ATOM_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define ATOM_REMACTO_NS "https://remacto.ma/ns/ledger"

struct atom_feed {
	const char *id;        /* an IRI: "tag:remacto.ma,2024:feed/national" */
	const char *title;     /* text */
	const char *subtitle;  /* text, or NULL */
	const char *lang;      /* xml:lang: "fr", "ar", "en" */
	const char *self;      /* the feed's own URL (path and query) */
	const char *alternate; /* the dashboard page it follows */
	const char *updated;   /* RFC 3339 */
	const char *author;
};

struct atom_entry {
	const char *id;
	const char *title;
	const char *summary;  /* text, or NULL */
	const char *link;     /* the dashboard page, or NULL */
	const char *updated;  /* RFC 3339 */
	const char *category; /* a term, or NULL */
	const char *origin;   /* the log, or NULL */
	bool has_index;
	uint64_t index;
};

/* Text escaped for XML (element content and attribute values alike). */
void atom_escape(struct buf *b, const char *s);
void atom_begin(struct buf *b, const struct atom_feed *f);
void atom_entry(struct buf *b, const struct atom_entry *e);
void atom_end(struct buf *b);

#endif

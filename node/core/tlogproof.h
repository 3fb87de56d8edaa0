/*
 * tlogproof — the two C2SP texts that carry a list of hashes in front of a signed checkpoint:
 *
 *   c2sp.org/tlog-proof@v1 (a proof of inclusion that stands alone, file extension
 *   .tlog-proof):
 *       c2sp.org/tlog-proof@v1
 *       [extra <base64 opaque data>]
 *       index <I>
 *       <base64 hash>...        the RFC 6962 inclusion proof, leaf side first
 *       <empty line>
 *       <the checkpoint note, verbatim>
 *
 *   the body of a c2sp.org/tlog-witness add-checkpoint request:
 *       old <N>
 *       <base64 hash>...        the RFC 6962 consistency proof from N, at most 63
 *       <empty line>
 *       <the checkpoint note>
 *
 * Numbers are decimal without leading zeros, below 2^63; hashes are 32 bytes in strict
 * standard base64, one a line; every line ends in '\n'. Parsing is strict and bounded (the
 * whole text is capped before it is read); the note itself is judged by note.h. Pure functions.
 */
#ifndef REMACTO_TLOGPROOF_H
#define REMACTO_TLOGPROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TLOGPROOF_HEADER "c2sp.org/tlog-proof@v1"
#define TLOGPROOF_MAX_HASHES 63 /* a path in a tree of fewer than 2^63 leaves */
/* An entry (64 KiB) in base64, a note (16 KiB) and 63 hashes fit with room to spare. */
#define TLOGPROOF_MAX_LEN (256u << 10)

struct tlogproof {
	bool has_extra;
	uint8_t *extra; /* malloc'd when has_extra (may be empty), else NULL */
	size_t extra_len;
	uint64_t index; /* tlog-proof: the entry; add-checkpoint: the old size */
	uint8_t proof[TLOGPROOF_MAX_HASHES][32];
	size_t nproof;
	const char *note; /* into the parsed text: everything after the empty line */
	size_t note_len;
};

/* Writes a tlog-proof (extra NULL: no extra line) into out; 0 or out's error. */
int tlogproof_format(const uint8_t *extra, size_t extra_len, uint64_t index,
                     const uint8_t proof[][32], size_t n, const char *note, size_t note_len,
                     struct buf *out);
/* Parses a tlog-proof. false with err naming the line and what is wrong; p is then empty. */
bool tlogproof_parse(const char *text, size_t len, struct tlogproof *p, char *err, size_t errcap);

/* The same for an add-checkpoint body: p->index is the old size, no extra. */
int tlogproof_addreq_format(uint64_t old, const uint8_t proof[][32], size_t n, const char *note,
                            size_t note_len, struct buf *out);
bool tlogproof_addreq_parse(const char *text, size_t len, struct tlogproof *p, char *err,
                            size_t errcap);

/* Frees the extra data; p is empty afterwards. NULL-safe. */
void tlogproof_free(struct tlogproof *p);

#endif

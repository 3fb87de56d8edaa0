/*
 * tpolicy — C2SP tlog-policy: which logs and witnesses a verifier trusts, and the quorum of
 * witnesses a checkpoint needs (c2sp.org/tlog-policy). Parsing, and judging a checkpoint note
 * under a policy. Pure functions.
 *
 * The text is lines of fields separated by spaces or tabs (leading and trailing ones allowed);
 * blank lines and lines whose first field starts with '#' are ignored. The only control
 * characters allowed are tab and newline; octets 0x80-0xFF are opaque (names compare byte for
 * byte). Lines:
 *   log <vkey> [<url>]                   a log: an Ed25519 note key (type 0x01) named as the
 *                                        log's origin
 *   witness <name> <vkey> [<url>]        a witness: a tlog-cosignature key (type 0x04)
 *   group <name> all|any|<k> <name>...   k (1 <= k <= n) of the n named witnesses or groups
 *   quorum <name>|none                   exactly once
 * Names (witnesses and groups share them) are defined once, "none" is reserved, a group or the
 * quorum names only what lines above defined, a group lists a name at most once, and no two logs
 * (or two witnesses) share a public key. Anything else is an error naming the line.
 *
 * Ownership: a parsed policy owns copies of everything (tpolicy_free). Limits (a network of
 * ~1,600 members has as many logs and witnesses): TPOLICY_MAX_LEN bytes of text,
 * TPOLICY_MAX_ENTRIES logs, witnesses and groups each.
 */
#ifndef REMACTO_TPOLICY_H
#define REMACTO_TPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "note.h"

#define TPOLICY_MAX_LEN (4u << 20)
#define TPOLICY_MAX_ENTRIES 8192
#define TPOLICY_NONE SIZE_MAX /* the quorum "none" */

struct tpolicy_log {
	struct note_verifier key;
	char *url; /* NULL when none */
};

struct tpolicy_witness {
	char *name; /* the policy's name, not necessarily the key's */
	struct note_verifier key;
	char *url;
};

/* A name defined by a witness or a group line, in the order of the lines. */
struct tpolicy_node {
	bool group;
	size_t index; /* into witnesses or groups */
};

struct tpolicy_group {
	char *name;
	size_t k;
	size_t n;
	size_t *members; /* indexes into nodes, each defined above the group */
};

struct tpolicy {
	struct tpolicy_log *logs;
	size_t nlogs;
	struct tpolicy_witness *witnesses;
	size_t nwitnesses;
	struct tpolicy_group *groups;
	size_t ngroups;
	struct tpolicy_node *nodes;
	size_t nnodes;
	size_t quorum; /* index into nodes, or TPOLICY_NONE */
};

/* Parses text[0..len). false with err naming the line and the rule ("line 7: group g: k 4 is
 * more than its 3 members"); *p is then empty. */
bool tpolicy_parse(const char *text, size_t len, struct tpolicy *p, char *err, size_t errcap);
void tpolicy_free(struct tpolicy *p);

/* One signature line of a checkpoint, as tpolicy_check saw it. */
struct tpolicy_sig {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	enum { TPOLICY_SIG_LOG, TPOLICY_SIG_WITNESS, TPOLICY_SIG_UNKNOWN } kind;
	size_t index;     /* into logs or witnesses */
	uint64_t time;    /* cosignatures: the witness's timestamp */
	bool not_counted; /* a witness that is the log itself (TPOLICY_NO_SELF_WITNESS) */
};

struct tpolicy_verdict {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[32];
	size_t log; /* the log whose key signed it, into logs */
	struct tpolicy_sig sigs[NOTE_MAX_SIGS];
	size_t nsigs;
	size_t cosigned; /* witnesses whose cosignature verified and counts */
	bool quorum;     /* the quorum is met */
};

/* Flags of tpolicy_check. */
enum {
	/* A cosignature made with the log's own public key (a member's node witnessing its own
	 * log) does not count towards the quorum: REMACTO's rule on top of tlog-policy. */
	TPOLICY_NO_SELF_WITNESS = 1 << 0,
};

/* Judges a checkpoint note under p: a well-formed note whose checkpoint body parses, signed by a
 * log of p named as its origin, every line of a known key verifying (a known key whose line
 * does not verify is a forgery: false). Fills *v (what signed, which witnesses count, whether
 * the quorum is met) and returns true when the note is well formed and a log signed it; the
 * caller reads v->quorum. false with err (v partly filled) otherwise. */
bool tpolicy_check(const struct tpolicy *p, const char *note, size_t len, unsigned flags,
                   struct tpolicy_verdict *v, char *err, size_t errcap);

/* Whether the quorum is met when witnessed[i] says witness i cosigned (an array of
 * p->nwitnesses). */
bool tpolicy_quorum(const struct tpolicy *p, const bool *witnessed);

#endif

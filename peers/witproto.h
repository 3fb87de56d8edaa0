/*
 * witproto — the witness side of C2SP tlog-witness (c2sp.org/tlog-witness): judging an
 * add-checkpoint request and recording what the node cosigned (docs/PROTOCOL.md §7).
 *
 * The node witnesses the network's logs — the registry's, and each member's with the key the
 * registry gives it at the checkpoint's size (a suspended member's checkpoints past its atSize
 * are refused) — and the outside logs its operator lists ([witness] log = <vkey>); not its own.
 * A request is judged in this order, each failure with its status:
 *   400  a body that is not "old N", proof lines, an empty line and a well-formed signed note
 *        holding a checkpoint;
 *   404  an origin the node does not witness;
 *   403  no signature by a key the node trusts for that origin, or a line of such a key that
 *        does not verify;
 *   400  old above the checkpoint's size;
 *   409  old is not the size of the latest checkpoint the node cosigned for the origin (the
 *        answer says that size);
 *   422  a size-0 checkpoint whose root is not the empty tree's, a proof given with old 0, a
 *        same-size checkpoint with another root, a consistency proof that does not verify.
 * Then the node cosigns (tlog-cosignature, its witness key, the current time) and, in a write
 * transaction, checks old against the latest size again and records the new checkpoint, before
 * anyone sees the cosignature: of two racing requests from the same size, the second gets 409,
 * never a cosignature that rolls the first back.
 *
 * "The latest checkpoint the node cosigned" is the bigger of the one recorded here and the one
 * the node serves for that log: federation verified the one it serves consistent with everything
 * before it (and cosigned it when the node is one of the log's witnesses, witset.h), so a request
 * must start from it.
 *
 * Database "wit:latest" (of witness.h's module): origin → size (u64 BE) ‖ root (32) ‖ the
 * cosigned checkpoint note with the node's cosignature line. The cosignature line is also
 * stored with the log's cosignatures (witness_put) when the node holds the log, so that it is
 * served with the checkpoint.
 *
 * Threads: witproto_check reads the store (any thread, the caller's read transaction inside);
 * witproto_commit runs in the writer's transaction. A request owns what it holds.
 */
#ifndef REMACTO_WITPROTO_H
#define REMACTO_WITPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/note.h"
#include "store/store.h"
#include "witness.h"

#define WITPROTO_MAX_BODY (64u << 10) /* a note (16 KiB) and 63 hashes, with room */
#define WITPROTO_MAX_OUTSIDE 64       /* outside log keys */

struct witproto_ctx {
	struct store *store;
	const struct note_signer *witness;   /* cosigns (alg 0x04) */
	const char *own;                     /* the node's own origin, "" on a mirror */
	const struct note_verifier *outside; /* [witness] log keys, alg 0x01 */
	size_t noutside;
};

struct witproto_req {
	int status; /* 0: accepted, to be committed; 200 once committed; else the HTTP status */
	char reason[400];
	uint64_t latest; /* with 409: the size of the latest cosigned checkpoint */
	char origin[NOTE_NAME_MAX + 1];
	uint64_t old, size;
	uint8_t old_root[32], root[32];
	uint64_t timestamp;
	char *note; /* accepted: the checkpoint note with the cosignature line appended */
	size_t note_len;
	char line[WITNESS_LINE_MAX]; /* the cosignature line, the 200 answer */
	size_t line_len;
};

/* Judges a request body at time now (UNIX seconds). Fills r; r->status 0 when it is to be
 * committed. An MDB error or -ENOMEM when the store cannot be read (r->status 500). */
int witproto_check(const struct witproto_ctx *c, const char *body, size_t len, uint64_t now,
                   struct witproto_req *r);
/* In the writer's transaction: checks the latest cosigned size again and records the
 * checkpoint (r->status 200), or sets r->status 409 and r->latest. 0, or an MDB error. */
int witproto_commit(const struct witproto_ctx *c, MDB_txn *txn, struct witproto_req *r);
void witproto_req_free(struct witproto_req *r);

/* The latest checkpoint the node cosigned for origin (the bigger of wit:latest and the one it
 * serves): size 0 and the empty tree's root when none. */
int witproto_latest(struct store *s, MDB_txn *txn, const char *origin, uint64_t *size,
                    uint8_t root[32]);

#endif

/*
 * tlog — a member's transparency log on top of the store: append with a signed checkpoint,
 * proofs, tiles and full verification. Pure log mechanics: what an entry may contain is
 * entry.h's business, who may publish is the caller's.
 *
 * Every append is one store_write transaction holding the entries, the hashes they complete, the
 * new signed checkpoint and the updated log record: a crash leaves either all of it or none. One
 * checkpoint per batch, never one per entry.
 *
 * The tree is kept as C2SP tiles (store.h): the leaf hashes of every full 256-entry bundle in the
 * bundle's record, those of the tail with each tail entry, and the hashes of Merkle levels 8, 16,
 * ... in hash tiles; the border of the tree (merkle.h's compact range) in the log record. Any other
 * perfect subtree a proof needs is folded from the 2 to 128 hashes below it in one tile. An
 * append stages its entries and hashes in memory and writes them when it seals: the entries of
 * every bundle it completes as one record, the rest in the tail; each hash tile it touches once.
 */
#ifndef REMACTO_TLOG_H
#define REMACTO_TLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/merkle.h"
#include "core/note.h"
#include "store.h"

/* An entry as published: its exact bytes (at most ENTRY_MAX_LEN). */
struct tlog_blob {
	const uint8_t *data;
	size_t len;
};

/* What the node holds of a log, copied out of the store. */
struct tlog_head {
	uint32_t id;
	char origin[NOTE_NAME_MAX + 1];
	char vkey[NOTE_VKEY_MAX + 1];
	char key_file[4096];
	uint64_t size;
	uint8_t root[32];
	char checkpoint[NOTE_MAX_LEN];
	size_t checkpoint_len;
	int64_t created, updated;
};

#define TLOG_MAX_BATCH 100000

/* Creates the log `origin` signed by signer (whose name must be the origin), with an empty signed
 * checkpoint. key_file is recorded (absolute path) so later appends can sign; NULL for logs the
 * node only replicates. -EEXIST when the node already holds the origin. */
int tlog_create(struct store *s, const struct note_signer *signer, const char *key_file, char *err,
                size_t errcap);

/* After a key rotation the registry allows: the key (and its file) that signs the log's next
 * checkpoints. The caller checked the registry. */
int tlog_set_key(struct store *s, const char *origin, const char *vkey, const char *key_file);
/* The same inside the caller's write transaction. */
int tlog_set_key_txn(struct store *s, MDB_txn *txn, const char *origin, const char *vkey,
                     const char *key_file);

/* Reads the head of a log. MDB_NOTFOUND when the node holds no such log. */
int tlog_head(struct store *s, MDB_txn *txn, const char *origin, struct tlog_head *out);

/* Appends n entries (1 <= n <= TLOG_MAX_BATCH) to origin and signs one checkpoint over them with
 * signer, all in one durable transaction. Each entry goes through the store's modules in strict
 * mode (store_apply: the domain index, the registry view): a reference to something the log
 * does not hold fails the whole batch. On success *first is the index of the first entry and
 * head (if not NULL) the new head. On failure nothing is stored. */
int tlog_append(struct store *s, const char *origin, const struct note_signer *signer,
                const struct tlog_blob *entries, size_t n, uint64_t *first, struct tlog_head *head,
                char *err, size_t errcap);
/* The same with the entries handed over one at a time, in order, as the append takes them, so
 * that a caller may still be decoding later ones (`remacto log append`): next(arg, i, &entry,
 * &decoded) gives entry i's bytes and, when the caller has it, the entry decoded (exactly what
 * unpacking the bytes gives, as entry_from_json_text and entry_decode hand it out; NULL: it is
 * unpacked here). next is asked for each i once, in order. Both stay the caller's; the append is
 * done with entry i once it asks for i + 1, or returns (it copies the bytes, and the store's
 * modules keep nothing of a decoded entry past their apply). next returns 0, or an error that
 * ends the append with nothing stored (err then says which entry was not given; the caller
 * knows why). */
typedef int (*tlog_next_fn)(void *arg, size_t i, struct tlog_blob *entry,
                            const Remacto__V1__Entry **decoded);
int tlog_append_each(struct store *s, const char *origin, const struct note_signer *signer,
                     size_t n, tlog_next_fn next, void *arg, uint64_t *first,
                     struct tlog_head *head, char *err, size_t errcap);

/* The same, in steps, for callers that append inside their own write transaction (the daemon's
 * group commit, replication): begin loads the log's record and tree border; add takes one entry
 * (its index is b->range.size before the call; its bytes are copied), folds it into the store's
 * modules and the tree; seal stores the entries and hashes of the batch, signs and stores the
 * checkpoint and the record. Until seal, the batch's entries are not in the store (store_entry_get
 * does not find them). end frees the batch in every case. A caller that wraps adds in a nested
 * transaction and aborts it restores b->range from a copy taken before: what the batch holds
 * beyond b->range.size is dropped. */
struct tlog_stage;
struct tlog_batch {
	struct store *s;
	Remacto__Store__LogRecord *rec;
	struct merkle_range range;
	uint64_t first;
	struct tlog_stage *stage;      /* the entries and hashes held until seal (tlog_tree.c) */
	bool spoiled;                  /* an add_proved failed: never sealed (-EBADMSG) */
	void *mods[STORE_MAX_MODULES]; /* the modules' batch->apply states (store_apply) */
};

int tlog_batch_begin(struct tlog_batch *b, struct store *s, MDB_txn *txn, const char *origin);
/* strict: the node's own publication, checked against the node's state by the store's modules
 * (store_apply; -EINVAL with err); otherwise folded leniently. */
int tlog_batch_add(struct tlog_batch *b, MDB_txn *txn, const uint8_t *data, size_t len, bool strict,
                   char *err, size_t errcap);
/* The same with the entry already decoded (e may be NULL: it is then unpacked from data). e must
 * be what unpacking data gives: the modules fold e, the log keeps data. */
int tlog_batch_add_entry(struct tlog_batch *b, MDB_txn *txn, const uint8_t *data, size_t len,
                         const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);
int tlog_batch_seal(struct tlog_batch *b, MDB_txn *txn, const struct note_signer *signer,
                    struct tlog_head *head);
void tlog_batch_end(struct tlog_batch *b);
/* Replication: ends a batch whose root the caller verified against a signed checkpoint. The
 * record takes the batch's size and root; when note is given (the signed checkpoint of exactly
 * that size, verified with vkey) it becomes the log's checkpoint and is stored. Without a note
 * the record keeps its previous, smaller checkpoint: a catch-up commits in verified steps. */
int tlog_batch_seal_verified(struct tlog_batch *b, MDB_txn *txn, const char *note, size_t note_len,
                             const char *vkey, struct tlog_head *head);
/* Replication: what a chunk of entries is proved against, a signed root of size leaves
 * (size >= the batch's size after the chunk) and the consistency proof from the batch's tree
 * after the chunk to it (n hashes; none when the sizes are equal). */
struct tlog_proof {
	uint64_t size;
	uint8_t root[MERKLE_HASH_LEN];
	const uint8_t (*hashes)[MERKLE_HASH_LEN];
	size_t n;
};
/* Appends n entries (data[i], len[i]; folded leniently, as tlog_batch_add with strict false),
 * then checks that the batch's tree is consistent with p: -EBADMSG when it is not, and the
 * batch is then spoiled (both seals refuse it with -EBADMSG): the caller aborts the
 * transaction that holds what the adds wrote. leaves: NULL, or the entries' leaf hashes as the
 * caller computed them from exactly these bytes (merkle_leaf_hash of data[i]), to save hashing
 * them twice. A wrong leaf cannot reach the tree: it changes the root, which p then refuses. */
int tlog_batch_add_proved(struct tlog_batch *b, MDB_txn *txn, const uint8_t *const *data,
                          const size_t *len, const uint8_t (*leaves)[MERKLE_HASH_LEN], size_t n,
                          const struct tlog_proof *p, char *err, size_t errcap);
/* The root of the batch's tree as it stands. */
void tlog_batch_root(const struct tlog_batch *b, uint8_t root[32]);

/* Replication: a record for a log this node holds only as a copy (no key file), size 0.
 * -EEXIST when the node already holds the origin. In the caller's write transaction. */
int tlog_create_replica(struct store *s, MDB_txn *txn, const char *origin, const char *vkey);

/* Proofs against the tree of `size` leaves, 0 < size <= the log's size; root gets that tree's
 * root (and leaf the leaf hash for inclusion). -EINVAL for indexes or sizes out of range. */
int tlog_inclusion(struct store *s, MDB_txn *txn, const struct tlog_head *h, uint64_t index,
                   uint64_t size, uint8_t leaf[32], uint8_t root[32],
                   uint8_t proof[][MERKLE_HASH_LEN], size_t *n);
int tlog_consistency(struct store *s, MDB_txn *txn, const struct tlog_head *h, uint64_t old,
                     uint64_t size, uint8_t old_root[32], uint8_t root[32],
                     uint8_t proof[][MERKLE_HASH_LEN], size_t *n);

/* A tile of the tree of h->size leaves as C2SP tlog-tiles serves it: level 0-7 (the hashes of
 * Merkle level 8·level) or TILE_ENTRIES (-1, an entry bundle), tile index n, its first width
 * hashes or entries (the caller checked that they lie within the tree). A full tile is one read.
 * *out is a new buffer (free()). */
int tlog_tile_read(struct store *s, MDB_txn *txn, const struct tlog_head *h, int level, uint64_t n,
                   unsigned width, uint8_t **out, size_t *len);

/* Verifies a whole log: rehashes every entry and compares it with its stored leaf hash, rebuilds
 * every hash of the hash tiles and the tree border and compares them with what is stored, then
 * checks that the root matches the record and the signed checkpoint, and the checkpoint's
 * signature against the log's verifier key. progress (may be NULL) is called
 * every 65536 entries. The checkpoint may be of a smaller size than the log (a replica between
 * verified catch-up steps): its root is then checked against the tree at its size. A replica
 * holding no signed checkpoint yet verifies its hashes only. Returns 0 when all holds, else -EBADMSG with the first mismatch in err
 * ("entry 1234: leaf hash does not match the stored tree (entry bytes changed)"). */
typedef void (*tlog_progress_fn)(uint64_t done, uint64_t total, void *arg);
int tlog_verify(struct store *s, const char *origin, tlog_progress_fn progress, void *arg,
                char *err, size_t errcap);

#endif

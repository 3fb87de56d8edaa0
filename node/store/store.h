/*
 * store — the node's single LMDB environment: every log's entries, tree hashes and checkpoints.
 *
 * One environment per node (a data folder holding data.mdb and lock.mdb), named databases:
 *   logs         origin → LogRecord (proto/store.proto)
 *   slugs        slug (the origin's last path element, unique in the node) → origin
 *   bundles      log id (u32 BE) ‖ N (u64 BE) → one full tile of the log: entries 256·N to
 *                256·N + 255, as the C2SP level-0 hash tile (256 leaf hashes, 8192 bytes) followed
 *                by the C2SP entry bundle (each entry as a u16 BE length and its exact bytes)
 *   entries      log id ‖ index (u64 BE) → leaf hash (32 bytes) ‖ the entry's exact bytes: the
 *                tail, entries past the last full bundle (fewer than 256 per log)
 *   tiles        log id ‖ L (u8, 1-7) ‖ N (u64 BE) → the C2SP hash tile L/N: the hashes of the
 *                perfect subtrees of 256^L leaves numbered 256·N on, 32 bytes each; 256 of them,
 *                or fewer in the last tile of its level, rewritten as it grows
 *   checkpoints  log id ‖ size (u64 BE) → signed checkpoint note, every one the node held
 *   meta         small counters ("next-log-id", "format", "migrate-next")
 * Every tile a log serves is one record, or a cursor walk over its tail; the hashes of the levels
 * in between (1-7, 9-15, ...) are folded from the tile below when a proof needs them (tlog.h). A
 * full bundle is written once, when the append that completes it commits; an entry waits in the
 * tail only between appends (format 2; format 1 kept one record per entry and one per perfect
 * subtree, and is migrated when a data folder is first opened read-write: store_open).
 * and the databases of the modules store_open is given (struct store_module below): the domain
 * index, the registry view, cosignatures and evidence, each described by its own module. The
 * store names none of them; peers/ledger.h lists the node's.
 * Big-endian keys keep each log, and each tree level of a log, contiguous and in order, so a tile
 * is one cursor walk and a log is one range.
 *
 * The map is sized once, at open, and never moves: readers in other threads hold pointers into
 * it for as long as their transaction lasts, and LMDB remaps (mdb_env_set_mapsize) only with no
 * transaction open in the process. The default is large, 256 GiB of address space on 64-bit
 * (three times the ~80 GB a node holds at the scale ARCHITECTURE.md plans for, and still inside
 * the 1.5 TiB ThreadSanitizer leaves for mappings): LMDB without MDB_WRITEMAP neither grows the
 * file nor commits memory for it, so data.mdb holds what was written and the resident set what
 * was read. A store that reaches its map fails the write
 * with MDB_MAP_FULL, reported as "storage full"; raising mapsize_mb and restarting is the cure.
 *
 * Writes go through store_write(), which runs a caller function in one write transaction.
 * Durability is LMDB's default (fsync at commit, no MDB_NOSYNC): a commit that returned 0
 * survives a crash. In the daemon, once its writer thread runs (writer.h), every write is a
 * writer job, and store_write refuses the other threads.
 *
 * Threads: a struct store is set up by store_open in one thread and then shared read-only
 * (writer_owned and writer_thread aside, set by writer_start and writer_stop);
 * LMDB serialises write transactions and lets any thread read (MDB_NOTLS: reader slots belong
 * to transactions, not threads, so one thread may hold several).
 */
#ifndef REMACTO_STORE_H
#define REMACTO_STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "remacto.pb-c.h"
#include "store.pb-c.h"

#define STORE_MAX_LOGS 65536
#if SIZE_MAX > 0xffffffffu
#define STORE_DEFAULT_MAPSIZE ((size_t)1 << 38) /* 256 GiB of address space, fixed */
#else
#define STORE_DEFAULT_MAPSIZE ((size_t)1 << 30) /* 32-bit: what the address space allows */
#endif

enum {
	STORE_CREATE = 1 << 0, /* create the folder and databases when missing */
	STORE_RDONLY = 1 << 1,
};

struct store;

/* ---- modules: databases of the layers above the log ----
 * A module that keeps data in the environment describes its databases, and the hook that folds
 * each appended entry into them, in a struct store_module. store_open opens (or creates) the
 * databases of every module it is given; tlog_batch_add calls each module's apply hook, in the
 * order given, for every entry it appends, inside the append's write transaction, so derived
 * data never disagrees with the log; a module that folds a whole batch (the views) takes the
 * entries there too and writes when the batch seals (struct store_batch_hooks). The modules are
 * static and outlive every store. */
#define STORE_MAX_MODULES 8
#define STORE_MODULE_DBS 8

/* Folds entry `index` of log (log, origin) into the module's databases. strict: the node's own
 * publication, checked against the node's state (-EINVAL with err, nothing written); otherwise
 * what a member signed is taken leniently. */
typedef int (*store_apply_fn)(struct store *s, MDB_txn *txn, uint32_t log, const char *origin,
                              uint64_t index, const Remacto__V1__Entry *e, bool strict, char *err,
                              size_t errcap);

/* Folds a cosignature of checkpoint (log, size) by witness `name` at `timestamp` (UNIX
 * seconds), which the cosignatures' module (peers/witness.h) is storing in txn. */
typedef int (*store_cosign_fn)(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                               const char *name, uint64_t timestamp);

/* A batch of entries of log (log, origin) was sealed: the log now holds `size` entries, in
 * txn (tlog_batch_seal, tlog_batch_seal_verified). For modules that fold a batch at once.
 * batch: what the module's batch->apply made of the batch's entries (NULL: none). */
typedef int (*store_seal_fn)(struct store *s, MDB_txn *txn, uint32_t log, const char *origin,
                             uint64_t size, void *batch);

/* For a module that folds a batch at once, so that it does not read the sealed entries back
 * and decode them again: entry `index` of the batch, as the append decoded it (after every
 * module's apply took it), into *batch, the module's own state for this batch (NULL at the
 * batch's first call), which the seal hook then gets and batch->free frees when the batch ends
 * (tlog_batch_end), sealed or not. The batch's own caller may roll back entries it added (a
 * refused publication, in a nested transaction that is aborted): the index then goes back,
 * and the module must not keep what it folded past it. Entries that do not decode are not
 * given. A failure fails the append. */
typedef int (*store_batch_apply_fn)(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                                    const Remacto__V1__Entry *e, void **batch);
typedef void (*store_batch_free_fn)(void *batch);

struct store_batch_hooks {
	store_seal_fn seal;         /* NULL: nothing to do when a batch is sealed */
	store_batch_apply_fn apply; /* NULL: the seal hook reads the batch from the store */
	store_batch_free_fn free;
};

struct store_module {
	const char *what;       /* in errors: "the domain index" */
	const char *const *dbs; /* its databases' names, NULL-terminated, at most STORE_MODULE_DBS */
	store_apply_fn apply;   /* NULL: the module folds no entries */
	store_cosign_fn cosign; /* NULL: nor cosignatures */
	/* NULL: nothing to do when a batch is sealed */
	const struct store_batch_hooks *batch;
	/* Every key of its databases starts with the log id (u32 BE): a rebuild clears a log's
	 * records in the transaction that folds it again (store_del_log_records), so an append
	 * folded between the emptying and that transaction is not folded twice. */
	bool by_log;
};

struct store {
	MDB_env *env;
	MDB_dbi logs, slugs, entries, bundles, tiles, checkpoints, meta;
	const struct store_module *mods[STORE_MAX_MODULES]; /* as given to store_open */
	MDB_dbi mod_dbs[STORE_MAX_MODULES][STORE_MODULE_DBS];
	size_t nmods;
	size_t mapsize; /* fixed at open */
	char path[4096];
	/* Set by writer_start (writer.h) while the writer thread runs: store_write then runs only
	 * in that thread. */
	atomic_bool writer_owned;
	pthread_t writer_thread;
};

/* Opens (or with STORE_CREATE creates) the environment in folder dir with the databases of
 * modules (NULL-terminated, may be NULL). A read-write open of a data folder written in format 1
 * migrates it to format 2 first, one transaction per log, printing a line per log to the
 * operational log; an interrupted migration resumes at the next read-write open, and a read-only
 * open refuses the folder until then (older binaries refuse format 2 as written by a newer one).
 * mapsize 0 = default; REMACTO_MAPSIZE (bytes) in the environment overrides it (tests use it to
 * fill the store). A map smaller than the data already held is raised to fit it. Clears stale
 * reader slots (mdb_reader_check). Returns 0 or a negative error with err set. The node, its
 * CLI and its tests open the store through ledger_open (peers/ledger.h), which names every
 * module. */
int store_open(struct store *s, const char *dir, unsigned flags, size_t mapsize,
               const struct store_module *const *modules, char *err, size_t errcap);
void store_close(struct store *s);

/* Module m's database handles, in the order of m->dbs. Using a module on a store opened
 * without it is a BUG(). */
const MDB_dbi *store_dbs(const struct store *s, const struct store_module *m);
/* The handle of the database called name, of whichever module has it: for readers that walk
 * another module's data (the views). MDB_NOTFOUND when no module of s has it. */
int store_db(const struct store *s, const char *name, MDB_dbi *dbi);
/* Deletes every record of database dbi whose key starts with the log id (big-endian u32), as
 * the modules key what they fold from one log: for a module dropping one log's records. */
int store_del_log_records(MDB_txn *txn, MDB_dbi dbi, uint32_t log);
/* Runs every module's apply hook on entry `index` of a log, in order, then every batch->apply
 * hook with the module's slot in batch (STORE_MAX_MODULES of them, NULL at first; batch may
 * be NULL: none is called); stops at the first failure and returns it. */
int store_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
                const Remacto__V1__Entry *e, bool strict, void **batch, char *err, size_t errcap);

/* Runs every module's seal hook on a sealed batch, in order, each with its slot of batch (may
 * be NULL); stops at the first failure and returns it. */
int store_sealed(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t size,
                 void *const *batch);
/* Frees what the batch->apply hooks kept in batch, and empties it. */
void store_batch_free(struct store *s, void **batch);
/* Runs every module's cosign hook on a cosignature being stored, in order; stops at the first
 * failure and returns it. */
int store_cosigned(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
                   uint64_t timestamp);

/* Runs fn(txn, arg) in one write transaction and commits it. fn returns 0 to commit, an MDB
 * error or negative errno to abort (returned unchanged). MDB_MAP_FULL when the store is full;
 * -EDEADLK (a bug) when called from another thread than a running writer's. */
typedef int (*store_write_fn)(MDB_txn *txn, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg);

/* A read transaction; end it with mdb_txn_abort. Pointers it hands out (store_entry_get, cursor
 * values) are valid until then. MDB_MAP_RESIZED when another process, with a bigger map, made
 * the data outgrow this one's: the process must restart with a bigger mapsize (store_strerror
 * says so); remapping under the readers of other threads is what this store never does. */
int store_read_begin(struct store *s, MDB_txn **txn);

/* Human-readable text of an MDB error or negative errno ("storage full" for MDB_MAP_FULL). */
const char *store_strerror(int rc);
/* A hint for the operator after a failed write ("is the disk full?"), or "". */
const char *store_io_hint(int rc);

/* ---- logs ---- */

/* Looks a log up by origin; *rec is a new record (free with remacto__store__log_record__free_unpacked
 * (rec, NULL)), NULL-safe. MDB_NOTFOUND when the node holds no such log. */
int store_log_get(struct store *s, MDB_txn *txn, const char *origin,
                  Remacto__Store__LogRecord **rec);
int store_log_put(struct store *s, MDB_txn *txn, const Remacto__Store__LogRecord *rec);
/* The log whose origin's last path element is slug (as served under /logs/<slug>/): copies the
 * origin into out. MDB_NOTFOUND when none. */
int store_log_by_slug(struct store *s, MDB_txn *txn, const char *slug, char *out, size_t cap);
/* The slug of an origin: a pointer into it, after its last '/'. */
const char *store_slug(const char *origin);
/* Assigns the next log id (in txn). */
int store_log_new_id(struct store *s, MDB_txn *txn, uint32_t *id);
/* Calls fn for every log record in origin order; stops on a non-zero return and passes it on. */
typedef int (*store_log_fn)(const Remacto__Store__LogRecord *rec, void *arg);
int store_log_each(struct store *s, MDB_txn *txn, store_log_fn fn, void *arg);

/* Every log the node holds, id and origin, sorted by id: for walks that write (a transaction
 * per log) and for finding a log's origin from the id in an index key. */
struct store_log_ref {
	uint32_t id;
	char *origin;
};
struct store_log_list {
	struct store_log_ref *v;
	size_t n, cap;
};
/* Fills out (empty on entry, zeroed); free it with store_log_list_free in every case. */
int store_log_list(struct store *s, MDB_txn *txn, struct store_log_list *out);
/* The origin of log id in l, or NULL. */
const char *store_log_list_origin(const struct store_log_list *l, uint32_t id);
void store_log_list_free(struct store_log_list *l);

/* ---- entries and tiles (store_tiles.c; what goes where is tlog's business) ---- */

#define STORE_TILE 256    /* entries in a bundle, hashes in a tile */
#define STORE_HASH_LEN 32 /* one hash */
#define STORE_LEVEL0_LEN (STORE_TILE * STORE_HASH_LEN)

/* Entry `index` of a log, from its bundle or the tail: *data points into the map, valid until
 * the transaction ends. MDB_NOTFOUND when the log holds no such entry (or not yet: an append's
 * entries are stored when it seals); MDB_CORRUPTED for a bundle that does not parse. */
int store_entry_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                    const uint8_t **data, size_t *len);
/* Calls fn for entries [start, start + count) in order, one bundle or tail record at a time;
 * MDB_NOTFOUND when one is missing (a gap is corruption). Stops on a non-zero return of fn and
 * passes it on. fn gets the entry's stored leaf hash too. */
typedef int (*store_entry_fn)(uint64_t index, const uint8_t *data, size_t len, void *arg);
typedef int (*store_leaf_fn)(uint64_t index, const uint8_t *data, size_t len,
                             const uint8_t leaf[STORE_HASH_LEN], void *arg);
int store_entry_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t start, uint64_t count,
                     store_entry_fn fn, void *arg);
int store_leaf_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t start, uint64_t count,
                    store_leaf_fn fn, void *arg);

/* Full bundle N: *leaves its 256 leaf hashes (STORE_LEVEL0_LEN bytes), *bundle[0..*len) its
 * entries as C2SP serves them. Pointers into the map. */
int store_bundle_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t n,
                     const uint8_t **leaves, const uint8_t **bundle, size_t *len);
/* Reserves bundle N for entries taking bundle_len bytes: the caller fills *leaves and *bundle
 * before any other write in txn (MDB_RESERVE). */
int store_bundle_reserve(struct store *s, MDB_txn *txn, uint32_t log, uint64_t n, size_t bundle_len,
                         uint8_t **leaves, uint8_t **bundle);
/* Entry `slot` of a bundle's entries: false when the bundle is malformed. */
bool store_bundle_entry(const uint8_t *bundle, size_t len, unsigned slot, const uint8_t **data,
                        size_t *dlen);

/* One tail entry with its leaf hash. */
int store_tail_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                   const uint8_t leaf[STORE_HASH_LEN], const uint8_t *data, size_t len);
int store_tail_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                   const uint8_t **leaf, const uint8_t **data, size_t *len);
int store_tail_del(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index);

/* Hash tile L/N (1 <= L <= 7): *hashes[0..32 * *count). */
int store_tile_get(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t n,
                   const uint8_t **hashes, size_t *count);
int store_tile_put(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t n,
                   const uint8_t *hashes, size_t count);

/* ---- checkpoints ---- */

int store_checkpoint_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                         const char *note, size_t len);

#endif

/*
 * store — the node's single LMDB environment: every log's entries, tree hashes and checkpoints.
 *
 * One environment per node (a data folder holding data.mdb and lock.mdb), named databases:
 *   logs         origin → LogRecord (proto/store.proto)
 *   slugs        slug (the origin's last path element, unique in the node) → origin
 *   entries      log id (u32 BE) ‖ index (u64 BE) → the entry's exact bytes
 *   hashes       log id ‖ level (u8) ‖ index (u64 BE) → 32-byte hash of a perfect subtree
 *   checkpoints  log id ‖ size (u64 BE) → signed checkpoint note, every one the node held
 *   meta         small counters ("next-log-id", "format")
 * and the databases of the modules store_open is given (struct store_module below): the domain
 * index, the registry view, cosignatures and evidence, each described by its own module. The
 * store names none of them; peers/ledger.h lists the node's.
 * Big-endian keys keep each log, and each tree level of a log, contiguous and in order, so a tile
 * is one cursor walk and a log is one range.
 *
 * Writes go through store_write(), which runs a caller function in one write transaction and, on
 * MDB_MAP_FULL, aborts, doubles the map and runs it again: the function must derive everything
 * from the transaction and its argument, keeping no state across attempts. Durability is LMDB's
 * default (fsync at commit, no MDB_NOSYNC): a commit that returned 0 survives a crash.
 */
#ifndef REMACTO_STORE_H
#define REMACTO_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "remacto.pb-c.h"
#include "store.pb-c.h"

#define STORE_MAX_LOGS 65536
#define STORE_DEFAULT_MAPSIZE ((size_t)1 << 30) /* grows by doubling when full */
#define STORE_MAX_MAPSIZE ((size_t)1 << 42)     /* 4 TiB */

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
 * data never disagrees with the log. The modules are static and outlive every store. */
#define STORE_MAX_MODULES 8
#define STORE_MODULE_DBS 8

/* Folds entry `index` of log (log, origin) into the module's databases. strict: the node's own
 * publication, checked against the node's state (-EINVAL with err, nothing written); otherwise
 * what a member signed is taken leniently. */
typedef int (*store_apply_fn)(struct store *s, MDB_txn *txn, uint32_t log, const char *origin,
                              uint64_t index, const Remacto__V1__Entry *e, bool strict, char *err,
                              size_t errcap);

struct store_module {
	const char *what;       /* in errors: "the domain index" */
	const char *const *dbs; /* its databases' names, NULL-terminated, at most STORE_MODULE_DBS */
	store_apply_fn apply;   /* NULL: the module folds no entries */
};

struct store {
	MDB_env *env;
	MDB_dbi logs, slugs, entries, hashes, checkpoints, meta;
	const struct store_module *mods[STORE_MAX_MODULES]; /* as given to store_open */
	MDB_dbi mod_dbs[STORE_MAX_MODULES][STORE_MODULE_DBS];
	size_t nmods;
	size_t mapsize;
	char path[4096];
};

/* Opens (or with STORE_CREATE creates) the environment in folder dir with the databases of
 * modules (NULL-terminated, may be NULL). mapsize 0 = default; REMACTO_MAPSIZE in the
 * environment overrides it (tests use it to reach MDB_MAP_FULL). Clears stale reader slots
 * (mdb_reader_check). Returns 0 or a negative error with err set. The node, its CLI and its
 * tests open the store through ledger_open (peers/ledger.h), which names every module. */
int store_open(struct store *s, const char *dir, unsigned flags, size_t mapsize,
               const struct store_module *const *modules, char *err, size_t errcap);
void store_close(struct store *s);

/* Module m's database handles, in the order of m->dbs. Using a module on a store opened
 * without it is a BUG(). */
const MDB_dbi *store_dbs(const struct store *s, const struct store_module *m);
/* The handle of the database called name, of whichever module has it: for readers that walk
 * another module's data (the views). MDB_NOTFOUND when no module of s has it. */
int store_db(const struct store *s, const char *name, MDB_dbi *dbi);
/* Runs every module's apply hook on entry `index` of a log, in order; stops at the first
 * failure and returns it. */
int store_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
                const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);

/* Runs fn(txn, arg) in one write transaction and commits it. fn returns 0 to commit, an MDB
 * error or negative errno to abort (returned unchanged). Retries after growing the map on
 * MDB_MAP_FULL, up to STORE_MAX_MAPSIZE. */
typedef int (*store_write_fn)(MDB_txn *txn, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg);

/* A read transaction; end it with mdb_txn_abort. Handles MDB_MAP_RESIZED from another process. */
int store_read_begin(struct store *s, MDB_txn **txn);

/* Human-readable text of an MDB error or negative errno. */
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

/* ---- entries, hashes, checkpoints ---- */

int store_entry_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                    const uint8_t *data, size_t len);
/* *data points into the map: valid until the transaction ends. */
int store_entry_get(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                    const uint8_t **data, size_t *len);
/* Calls fn for entries [start, start + count) in order, in one cursor walk; MDB_NOTFOUND when one
 * is missing (a gap is corruption). Stops on a non-zero return of fn and passes it on. */
typedef int (*store_entry_fn)(uint64_t index, const uint8_t *data, size_t len, void *arg);
int store_entry_each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t start, uint64_t count,
                     store_entry_fn fn, void *arg);
int store_hash_put(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t index,
                   const uint8_t hash[32]);
int store_hash_get(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t index,
                   uint8_t hash[32]);
/* Reads count consecutive hashes of one level from index on, in one cursor walk. */
int store_hash_range(struct store *s, MDB_txn *txn, uint32_t log, unsigned level, uint64_t index,
                     size_t count, uint8_t (*out)[32]);
int store_checkpoint_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                         const char *note, size_t len);

#endif

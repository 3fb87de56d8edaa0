/*
 * store — LMDB environment, named databases and key layout of the node. See store.h.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/be.h"
#include "core/err.h"
#include "store_impl.h"


/* LMDB's own codes are negative too (MDB_KEYEXIST .. MDB_LAST_ERRCODE); errnos are the rest. */
static bool
is_mdb(int rc)
{
	return rc >= MDB_KEYEXIST && rc <= MDB_LAST_ERRCODE;
}

const char *
store_strerror(int rc)
{
	if (rc < 0 && !is_mdb(rc))
		return strerror(-rc);
	if (rc == MDB_MAP_FULL)
		return "storage full: the ledger reached its size limit (mapsize_mb)";
	if (rc == MDB_MAP_RESIZED)
		return "the ledger outgrew this process's map (another process runs with a "
		       "bigger mapsize_mb)";
	return mdb_strerror(rc);
}

const char *
store_io_hint(int rc)
{
	if (rc == MDB_MAP_FULL)
		return " (raise mapsize_mb in the node's configuration and restart)";
	if (rc == MDB_MAP_RESIZED)
		return " (restart this process with that mapsize_mb)";
	int e = rc < 0 ? -rc : rc;
	if (e == ENOSPC || e == EFBIG || e == EIO || e == EDQUOT)
		return " (is the disk full? free space in the data folder's file system and retry)";
	if (e == EACCES || e == EROFS || e == EPERM)
		return " (the data folder is not writable by this user)";
	return "";
}

static size_t
env_mapsize(size_t want)
{
	const char *e = getenv("REMACTO_MAPSIZE");
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0' && v >= 65536)
			return (size_t)v;
	}
	return want ? want : STORE_DEFAULT_MAPSIZE;
}

/* Opens the databases of every module (in txn); 0, or an MDB error with err set. */
static int
open_modules(struct store *s, MDB_txn *txn, const struct store_module *const *modules, unsigned dbf,
             char *err, size_t errcap)
{
	for (size_t m = 0; modules && modules[m]; m++) {
		const struct store_module *mod = modules[m];
		if (m == STORE_MAX_MODULES)
			BUG("more than %d store modules", STORE_MAX_MODULES);
		s->mods[m] = mod;
		s->nmods = m + 1;
		for (size_t i = 0; mod->dbs[i]; i++) {
			int rc;
			if (i == STORE_MODULE_DBS)
				BUG("%s has more than %d databases", mod->what, STORE_MODULE_DBS);
			if ((rc = mdb_dbi_open(txn, mod->dbs[i], dbf, &s->mod_dbs[m][i])) == 0)
				continue;
			if (rc == MDB_NOTFOUND)
				err_set(err, errcap,
				        "%s has no %s yet (database '%s'); open it once read-write "
				        "(remactod or remacto log) to create it",
				        s->path, mod->what, mod->dbs[i]);
			else
				err_set(err, errcap, "cannot open ledger in %s: database '%s': %s",
				        s->path, mod->dbs[i], mdb_strerror(rc));
			return rc;
		}
	}
	return 0;
}

const MDB_dbi *
store_dbs(const struct store *s, const struct store_module *m)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (s->mods[i] == m)
			return s->mod_dbs[i];
	BUG("%s used on a store opened without it (add it to store_open's modules)", m->what);
}

int
store_db(const struct store *s, const char *name, MDB_dbi *dbi)
{
	for (size_t m = 0; m < s->nmods; m++)
		for (size_t i = 0; s->mods[m]->dbs[i]; i++)
			if (!strcmp(s->mods[m]->dbs[i], name)) {
				*dbi = s->mod_dbs[m][i];
				return 0;
			}
	return MDB_NOTFOUND;
}

int
store_del_log_records(MDB_txn *txn, MDB_dbi dbi, uint32_t log)
{
	uint8_t prefix[4];
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);
	if (rc != 0)
		return rc;
	put_be32(prefix, log);
	/* Sought again after each delete: the first key of the log, while there is one. */
	for (;;) {
		k = (MDB_val){ sizeof(prefix), prefix };
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc != 0 || k.mv_size < sizeof(prefix) || memcmp(k.mv_data, prefix, 4) != 0 ||
		    (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
            const Remacto__V1__Entry *e, bool strict, void **batch, char *err, size_t errcap)
{
	int rc;
	for (size_t m = 0; m < s->nmods; m++)
		if (s->mods[m]->apply && (rc = s->mods[m]->apply(s, txn, log, origin, index, e,
		                                                 strict, err, errcap)) != 0)
			return rc;
	/* After every apply: a batch_apply sees only entries the append keeps. */
	for (size_t m = 0; batch && m < s->nmods; m++)
		if (s->mods[m]->batch && s->mods[m]->batch->apply &&
		    (rc = s->mods[m]->batch->apply(s, txn, log, index, e, &batch[m])) != 0)
			return rc;
	return 0;
}

int
store_sealed(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t size,
             void *const *batch)
{
	for (size_t m = 0; m < s->nmods; m++) {
		int rc;
		const struct store_batch_hooks *h = s->mods[m]->batch;
		if (h && h->seal &&
		    (rc = h->seal(s, txn, log, origin, size, batch ? batch[m] : NULL)) != 0)
			return rc;
	}
	return 0;
}

void
store_batch_free(struct store *s, void **batch)
{
	for (size_t m = 0; m < s->nmods; m++) {
		if (batch[m] && s->mods[m]->batch && s->mods[m]->batch->free)
			s->mods[m]->batch->free(batch[m]);
		batch[m] = NULL;
	}
}

int
store_cosigned(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
               uint64_t timestamp)
{
	for (size_t m = 0; m < s->nmods; m++) {
		int rc;
		if (s->mods[m]->cosign &&
		    (rc = s->mods[m]->cosign(s, txn, log, size, name, timestamp)) != 0)
			return rc;
	}
	return 0;
}

int
store_open(struct store *s, const char *dir, unsigned flags, size_t mapsize,
           const struct store_module *const *modules, char *err, size_t errcap)
{
	MDB_txn *txn = NULL;
	const char *step;
	int rc, dead;
	bool rdonly = flags & STORE_RDONLY;

	memset(s, 0, sizeof(*s));
	if (strlen(dir) >= sizeof(s->path)) {
		err_set(err, errcap, "data folder path too long: %.64s...", dir);
		return -ENAMETOOLONG;
	}
	strcpy(s->path, dir);
	if ((flags & STORE_CREATE) && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		err_set(err, errcap, "cannot create data folder %s: %s", dir, strerror(errno));
		return rc;
	}
	s->mapsize = env_mapsize(mapsize);

	step = "mdb_env_create";
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto fail;
	step = "mdb_env_set_maxdbs";
	if ((rc = mdb_env_set_maxdbs(s->env, 32)) != 0)
		goto fail;
	step = "mdb_env_set_mapsize";
	if ((rc = mdb_env_set_mapsize(s->env, s->mapsize)) != 0)
		goto fail;
	step = "mdb_env_set_maxreaders";
	if ((rc = mdb_env_set_maxreaders(s->env, 256)) != 0)
		goto fail;
	step = "mdb_env_open";
	if ((rc = mdb_env_open(s->env, dir, (rdonly ? MDB_RDONLY : 0) | MDB_NOTLS, 0600)) != 0) {
		if (rc == ENOENT)
			err_set(err, errcap, "no ledger in %s (create one with `remacto log init`)",
			        dir);
		else
			err_set(err, errcap, "cannot open ledger in %s: %s", dir, mdb_strerror(rc));
		mdb_env_close(s->env);
		s->env = NULL;
		return rc > 0 ? -rc : rc;
	}
	/* A process killed while reading leaves its reader slot behind: free them now. */
	mdb_reader_check(s->env, &dead);
	{
		MDB_envinfo info;
		mdb_env_info(s->env, &info);
		if (info.me_mapsize > s->mapsize)
			s->mapsize = info.me_mapsize;
	}

	step = "mdb_txn_begin";
	if ((rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0, &txn)) != 0)
		goto fail;
	{
		unsigned dbf = rdonly ? 0 : MDB_CREATE;
		/* meta first: the format says whether the others are what this binary reads (and
		 * marks a format-1 folder as being migrated, in this very transaction, so that
		 * older binaries refuse it from now on; the migration runs after the commit). */
		struct {
			const char *name;
			MDB_dbi *dbi;
		} dbs[] = {
			{ "meta", &s->meta },
			{ "logs", &s->logs },
			{ "slugs", &s->slugs },
			{ "entries", &s->entries },
			{ "bundles", &s->bundles },
			{ "tiles", &s->tiles },
			{ "checkpoints", &s->checkpoints },
		};
		step = "mdb_dbi_open";
		for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
			if ((rc = mdb_dbi_open(txn, dbs[i].name, dbf, dbs[i].dbi)) != 0) {
				if (rc == MDB_NOTFOUND)
					err_set(err, errcap,
					        "%s holds no REMACTO ledger (database '%s' "
					        "missing); initialise it with `remacto log init`",
					        dir, dbs[i].name);
				goto fail_quiet;
			}
			if (i == 0 && (rc = store_format_check(s, txn, rdonly, err, errcap)) != 0)
				goto fail_quiet;
		}
		if ((rc = open_modules(s, txn, modules, dbf, err, errcap)) != 0)
			goto fail_quiet;
	}
	step = "mdb_txn_commit";
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	if (!rdonly && (rc = store_migrate(s, err, errcap)) != 0)
		goto fail_quiet;
	return 0;

fail:
	err_set(err, errcap, "cannot open ledger in %s: %s: %s", dir, step, mdb_strerror(rc));
fail_quiet:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(s->env);
	s->env = NULL;
	return rc > 0 ? -rc : rc;
}

void
store_close(struct store *s)
{
	if (s && s->env) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
}

int
store_read_begin(struct store *s, MDB_txn **txn)
{
	/* MDB_MAP_RESIZED is passed on: adopting the bigger map (mdb_env_set_mapsize) would
	 * unmap what readers in other threads are reading. */
	return mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
}

int
store_write(struct store *s, store_write_fn fn, void *arg)
{
	MDB_txn *txn;
	int rc;

	/* One writer owns every write: another thread would wait for its lock, or race it. */
	if (atomic_load(&s->writer_owned) && !pthread_equal(pthread_self(), s->writer_thread))
		return -EDEADLK;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = fn(txn, arg)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/* ---- logs ---- */

int
store_log_get(struct store *s, MDB_txn *txn, const char *origin, Remacto__Store__LogRecord **rec)
{
	MDB_val k = { strlen(origin), (void *)origin }, v;
	*rec = NULL;
	int rc = mdb_get(txn, s->logs, &k, &v);
	if (rc != 0)
		return rc;
	*rec = remacto__store__log_record__unpack(NULL, v.mv_size, v.mv_data);
	return *rec ? 0 : MDB_CORRUPTED;
}

const char *
store_slug(const char *origin)
{
	const char *p = strrchr(origin, '/');
	return p ? p + 1 : origin;
}

int
store_log_by_slug(struct store *s, MDB_txn *txn, const char *slug, char *out, size_t cap)
{
	MDB_val k = { strlen(slug), (void *)slug }, v;
	int rc = mdb_get(txn, s->slugs, &k, &v);
	if (rc != 0)
		return rc;
	if (v.mv_size >= cap)
		return MDB_BAD_VALSIZE;
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = '\0';
	return 0;
}

int
store_log_put(struct store *s, MDB_txn *txn, const Remacto__Store__LogRecord *rec)
{
	size_t len = remacto__store__log_record__get_packed_size(rec);
	const char *slug = store_slug(rec->origin);
	MDB_val k = { strlen(rec->origin), rec->origin }, v = { len, NULL };
	MDB_val sk = { strlen(slug), (void *)slug }, sv = k;
	int rc = mdb_put(txn, s->logs, &k, &v, MDB_RESERVE);
	if (rc == 0)
		remacto__store__log_record__pack(rec, v.mv_data);
	if (rc == 0)
		rc = mdb_put(txn, s->slugs, &sk, &sv, 0);
	return rc;
}

int
store_log_new_id(struct store *s, MDB_txn *txn, uint32_t *id)
{
	MDB_val k = { 11, (void *)"next-log-id" }, v;
	uint8_t buf[4];
	uint32_t next = 1;
	int rc = mdb_get(txn, s->meta, &k, &v);
	/* Any other size is damage: starting again at 1 would give a new log the id of an old one
	 * and mix their entries. */
	if (rc == 0 && v.mv_size != 4)
		return MDB_CORRUPTED;
	if (rc == 0)
		next = get_be32(v.mv_data);
	else if (rc != MDB_NOTFOUND)
		return rc;
	if (next > STORE_MAX_LOGS)
		return -ENOSPC;
	*id = next;
	put_be32(buf, next + 1);
	v.mv_size = 4, v.mv_data = buf;
	return mdb_put(txn, s->meta, &k, &v, 0);
}

int
store_log_each(struct store *s, MDB_txn *txn, store_log_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->logs, &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Remacto__Store__LogRecord *rec = remacto__store__log_record__unpack(NULL, v.mv_size,
		                                                                    v.mv_data);
		if (!rec) {
			rc = MDB_CORRUPTED;
			break;
		}
		rc = fn(rec, arg);
		remacto__store__log_record__free_unpacked(rec, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
collect_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct store_log_list *l = arg;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct store_log_ref *nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv, l->cap = ncap;
	}
	if (!(l->v[l->n].origin = strdup(rec->origin)))
		return -ENOMEM;
	l->v[l->n++].id = rec->id;
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct store_log_ref *)a)->id,
	         y = ((const struct store_log_ref *)b)->id;
	return x < y ? -1 : x > y;
}

int
store_log_list(struct store *s, MDB_txn *txn, struct store_log_list *out)
{
	int rc = store_log_each(s, txn, collect_log, out);
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_id);
	return rc;
}

const char *
store_log_list_origin(const struct store_log_list *l, uint32_t id)
{
	struct store_log_ref key = { id, NULL };
	const struct store_log_ref *r = l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), by_id)
	                                     : NULL;
	return r ? r->origin : NULL;
}

void
store_log_list_free(struct store_log_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->v[i].origin);
	if (l) {
		free(l->v);
		memset(l, 0, sizeof(*l));
	}
}

/* ---- checkpoints ---- */

int
store_checkpoint_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *note,
                     size_t len)
{
	uint8_t key[12];
	store_index_key(key, log, size);
	MDB_val k = { sizeof(key), key }, v = { len, (void *)note };
	return mdb_put(txn, s->checkpoints, &k, &v, 0);
}

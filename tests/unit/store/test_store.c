/*
 * Unit tests of node/store/store.c's modules: a store that knows nothing of the layers above
 * opens the databases of the modules it is given, runs their apply hooks for every appended
 * entry in order and inside the append's transaction (a refusal stores nothing), their seal
 * hooks once a batch is sealed (never for a refused one) and their cosignature hooks, finds their
 * handles by module and by name, tells an operator which module's data a read-only folder
 * lacks, and stops with BUG() when a module is used on a store opened without it. The modules
 * here are the test's own: nothing of the index or the registry is linked in on purpose. Then
 * the list of logs by id.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/note.h"
#include "store/store.h"
#include "store/tlog.h"

#define ORIGIN "remacto.ma/commune-temara"

/* {"schema":1,"consultation":{"id":"C","date":"2025-01-01"}} */
static const uint8_t entry[] = {
	0x08, 0x01, 0x5a, 0x0f, 0x0a, 0x01, 0x43, 0x22, 0x0a, 0x32,
	0x30, 0x32, 0x35, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31,
};

/* What the hooks saw, in call order: "a:3", "b:3", ... (module, entry index). */
static char seen[256];
static int refuse_at = -1; /* module a refuses this index in strict mode */

static int
hook(const char *who, struct store *s, MDB_txn *txn, const char *db, uint64_t index, bool strict,
     char *err, size_t errcap)
{
	MDB_dbi dbi;
	char key[32];
	if (strict && (int)index == refuse_at && !strcmp(who, "a")) {
		snprintf(err, errcap, "module a refuses entry %llu", (unsigned long long)index);
		return -EINVAL;
	}
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s:%llu", seen[0] ? " " : "",
	         who, (unsigned long long)index);
	/* Writes in the append's transaction: gone when the append fails. */
	assert_int_equal(store_db(s, db, &dbi), 0);
	snprintf(key, sizeof(key), "%llu", (unsigned long long)index);
	MDB_val k = { strlen(key), key }, v = { 1, "x" };
	return mdb_put(txn, dbi, &k, &v, 0);
}

static int
hook_a(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
       const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	assert_int_equal(log, 1);
	assert_string_equal(origin, ORIGIN);
	assert_non_null(e);
	return hook("a", s, txn, "a:one", index, strict, err, errcap);
}

static int
hook_b(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
       const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	(void)log, (void)origin, (void)e;
	return hook("b", s, txn, "b:only", index, strict, err, errcap);
}

/* Module c folds batches and cosignatures: the store tells it the log's size once sealed. */
static int
seal_c(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t size, void *batch)
{
	(void)s, (void)txn, (void)batch;
	assert_int_equal(log, 1);
	assert_string_equal(origin, ORIGIN);
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%sc:seal:%llu",
	         seen[0] ? " " : "", (unsigned long long)size);
	return 0;
}

static int
cosign_c(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
         uint64_t timestamp)
{
	MDB_dbi dbi;
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%sc:cosign:%u:%llu:%s:%llu",
	         seen[0] ? " " : "", log, (unsigned long long)size, name,
	         (unsigned long long)timestamp);
	assert_int_equal(store_db(s, "c:quiet", &dbi), 0);
	MDB_val k = { strlen(name), (void *)name }, v = { 1, "x" };
	return mdb_put(txn, dbi, &k, &v, 0);
}

static const char *const a_dbs[] = { "a:one", "a:two", NULL };
static const char *const b_dbs[] = { "b:only", NULL };
static const char *const c_dbs[] = { "c:quiet", NULL };
static const struct store_module mod_a = { "module a's data", a_dbs, hook_a, NULL, NULL, false };
static const struct store_module mod_b = { "module b's data", b_dbs, hook_b, NULL, NULL, false };
static const struct store_batch_hooks seal_only_c = { seal_c, NULL, NULL };
static const struct store_module mod_c = { "module c's data", c_dbs,        NULL,
	                                   cosign_c,          &seal_only_c, false };
static const struct store_module *const mods[] = { &mod_a, &mod_b, &mod_c, NULL };

struct fx {
	char dir[64];
	struct store s;
	struct note_signer signer;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32] = { 7 };
	char err[256];
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-store-XXXXXX");
	if (!mkdtemp(f->dir) || note_signer_from_seed(&f->signer, ORIGIN, NOTE_ALG_ED25519, seed))
		return -1;
	if (store_open(&f->s, f->dir, STORE_CREATE, 0, mods, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->signer, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	seen[0] = '\0';
	refuse_at = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char path[128];
	store_close(&f->s);
	note_signer_free(&f->signer);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
append(struct fx *f, size_t n, char *err, size_t errcap)
{
	struct tlog_blob v[4];
	for (size_t i = 0; i < n; i++)
		v[i] = (struct tlog_blob){ entry, sizeof(entry) };
	return tlog_append(&f->s, ORIGIN, &f->signer, v, n, NULL, NULL, err, errcap);
}

static size_t
count(struct fx *f, const char *db)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;
	assert_int_equal(store_db(&f->s, db, &dbi), 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	return st.ms_entries;
}

static void
test_hooks_in_order(void **state)
{
	struct fx *f = *state;
	char err[256];
	assert_int_equal(append(f, 2, err, sizeof(err)), 0);
	assert_string_equal(seen, "a:0 b:0 a:1 b:1 c:seal:2");
	assert_int_equal(count(f, "a:one"), 2);
	assert_int_equal(count(f, "b:only"), 2);
	assert_int_equal(count(f, "c:quiet"), 0);

	/* A module refuses the second entry of a batch: the whole batch is gone, hooks' writes
	 * included, and the module's reason reaches the caller. */
	refuse_at = 3;
	seen[0] = '\0';
	assert_int_equal(append(f, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
	                    "entry 2 of the batch: module a refuses entry 3; nothing appended");
	assert_string_equal(seen, "a:2 b:2"); /* b never saw entry 3, c no seal */
	assert_int_equal(count(f, "a:one"), 2);
	assert_int_equal(count(f, "b:only"), 2);
	struct tlog_head h;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(tlog_head(&f->s, txn, ORIGIN, &h), 0);
	mdb_txn_abort(txn);
	assert_int_equal(h.size, 2);
}

static int
cosign_txn(MDB_txn *txn, void *arg)
{
	return store_cosigned(arg, txn, 1, 2, "remacto.ma/witness", 1750000000);
}

static int
refused_cosign_txn(MDB_txn *txn, void *arg)
{
	int rc = store_cosigned(arg, txn, 1, 2, "remacto.ma/other", 1750000001);
	return rc ? rc : -EINVAL; /* the caller gives up: the hook's write goes with it */
}

/* A cosignature being stored reaches the modules that fold them, in its transaction. */
static void
test_cosign_hook(void **state)
{
	struct fx *f = *state;
	assert_int_equal(store_write(&f->s, cosign_txn, &f->s), 0);
	assert_string_equal(seen, "c:cosign:1:2:remacto.ma/witness:1750000000");
	assert_int_equal(count(f, "c:quiet"), 1);
	assert_int_equal(store_write(&f->s, refused_cosign_txn, &f->s), -EINVAL);
	assert_int_equal(count(f, "c:quiet"), 1);
}

static void
test_handles(void **state)
{
	struct fx *f = *state;
	MDB_dbi dbi;
	const MDB_dbi *a = store_dbs(&f->s, &mod_a), *c = store_dbs(&f->s, &mod_c);
	assert_int_equal(store_db(&f->s, "a:two", &dbi), 0);
	assert_int_equal(dbi, a[1]);
	assert_int_equal(store_db(&f->s, "c:quiet", &dbi), 0);
	assert_int_equal(dbi, c[0]);
	assert_int_not_equal(a[0], a[1]);
	assert_int_equal(store_db(&f->s, "logs", &dbi), MDB_NOTFOUND); /* the store's own */
	assert_int_equal(store_db(&f->s, "reg:members", &dbi), MDB_NOTFOUND);
}

static void
test_readonly_missing_module(void **state)
{
	struct fx *f = *state;
	static const char *const d_dbs[] = { "d:new", NULL };
	static const struct store_module mod_d = {
		"module d's view", d_dbs, NULL, NULL, NULL, false
	};
	const struct store_module *const more[] = { &mod_a, &mod_d, NULL };
	struct store ro;
	char err[512];
	/* The modules it was created with: fine read-only. */
	assert_int_equal(store_open(&ro, f->dir, STORE_RDONLY, 0, mods, err, sizeof(err)), 0);
	store_close(&ro);
	/* One it never had: the operator is told which data and what to do. */
	assert_int_not_equal(store_open(&ro, f->dir, STORE_RDONLY, 0, more, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "has no module d's view yet (database 'd:new'); open it once "
	                            "read-write"));
	assert_null(ro.env);
	/* Read-write creates it. */
	store_close(&f->s);
	assert_int_equal(store_open(&f->s, f->dir, 0, 0, more, err, sizeof(err)), 0);
	assert_int_equal(store_db(&f->s, "d:new", &(MDB_dbi){ 0 }), 0);
	assert_int_equal(store_db(&f->s, "b:only", &(MDB_dbi){ 0 }), MDB_NOTFOUND);
}

static void
test_unregistered_module_is_a_bug(void **state)
{
	struct fx *f = *state;
	static const char *const e_dbs[] = { "e:x", NULL };
	static const struct store_module mod_e = { "module e", e_dbs, NULL, NULL, NULL, false };
	int fds[2], status;
	char out[512] = "";
	ssize_t n;
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none);
		dup2(fds[1], 2);
		store_dbs(&f->s, &mod_e);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	assert_non_null(strstr(out, "BUG: "));
	assert_non_null(strstr(out, "module e used on a store opened without it"));
}

static int
add_replicas(MDB_txn *txn, void *arg)
{
	struct fx *f = arg;
	char vkey[NOTE_VKEY_MAX + 1];
	note_verifier_format(&f->signer.v, vkey, sizeof(vkey));
	int rc = tlog_create_replica(&f->s, txn, "remacto.ma/zagora", vkey);
	if (rc == 0)
		rc = tlog_create_replica(&f->s, txn, "remacto.ma/agadir", vkey);
	return rc;
}

/* The logs by id (creation order), whatever their origins' order. */
static void
test_log_list(void **state)
{
	struct fx *f = *state;
	struct store_log_list l = { 0 };
	MDB_txn *txn;
	assert_int_equal(store_write(&f->s, add_replicas, f), 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(store_log_list(&f->s, txn, &l), 0);
	mdb_txn_abort(txn);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].id, 1);
	assert_string_equal(l.v[0].origin, ORIGIN);
	assert_int_equal(l.v[1].id, 2);
	assert_string_equal(l.v[1].origin, "remacto.ma/zagora");
	assert_int_equal(l.v[2].id, 3);
	assert_string_equal(l.v[2].origin, "remacto.ma/agadir");
	assert_string_equal(store_log_list_origin(&l, 3), "remacto.ma/agadir");
	assert_string_equal(store_log_list_origin(&l, 1), ORIGIN);
	assert_null(store_log_list_origin(&l, 4));
	assert_null(store_log_list_origin(&l, 0));
	store_log_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	store_log_list_free(&l); /* twice is fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hooks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosign_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_missing_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregistered_module_is_a_bug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_list, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of node/store/search.c: the full-text index kept by every append. The demo programme in
 * a store, through tlog_append as the node publishes; then queries (every word must match, as a
 * prefix), a new version that changes a title (its old words no longer find it), the member
 * and kind filters, a word nobody wrote, and store_rebuild giving the same records.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/entry.h"
#include "demo.h"
#include "peers/ledger.h"
#include "store/rebuild.h"
#include "store/search.h"
#include "store/tlog.h"

#define ORIGIN "remacto.ma/rabat-prefecture"

struct fx {
	char dir[64];
	struct store s;
	struct note_signer signer;
	uint32_t log;
};

static void
rm_rf(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static int
append_lines(struct fx *f, const char *const *json, size_t n)
{
	struct tlog_blob v[32] = { { 0 } };
	char err[256];
	assert_true(n > 0 && n <= 32);
	for (size_t i = 0; i < n; i++)
		v[i] = blob(json[i]);
	int rc = tlog_append(&f->s, ORIGIN, &f->signer, v, n, NULL, NULL, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	if (rc)
		fprintf(stderr, "append: %s\n", err);
	return rc;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32] = { 3 };
	char err[256], line[8192];
	const char *lines[32];
	size_t n = 0;
	FILE *in;
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-sx-XXXXXX");
	if (!mkdtemp(f->dir) || note_signer_from_seed(&f->signer, ORIGIN, NOTE_ALG_ED25519, seed) ||
	    ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)) ||
	    tlog_create(&f->s, &f->signer, NULL, err, sizeof(err)) ||
	    !(in = fopen(demo_path(), "r")))
		return -1;
	while (n < 32 && fgets(line, sizeof(line), in))
		if (line[0] == '{')
			lines[n++] = strdup(line);
	fclose(in);
	int rc = append_lines(f, lines, n);
	for (size_t i = 0; i < n; i++)
		free((void *)lines[i]);
	if (rc)
		return -1;
	Remacto__Store__LogRecord *rec;
	MDB_txn *txn;
	if (store_read_begin(&f->s, &txn) || store_log_get(&f->s, txn, ORIGIN, &rec))
		return -1;
	f->log = rec->id;
	remacto__store__log_record__free_unpacked(rec, NULL);
	mdb_txn_abort(txn);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	note_signer_free(&f->signer);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* The hits of q as "kind:id kind:id …" (a milestone as M:commitment/id). */
static int
query(struct fx *f, const char *q, char kind, bool by_log, uint32_t log, char *out, size_t cap)
{
	struct search_query sq = { q, strlen(q), by_log, log, 0, kind, SEARCH_MAX_RESULTS };
	struct search_result *r = malloc(sizeof(*r));
	char err[256];
	MDB_txn *txn;
	size_t o = 0;
	assert_non_null(r);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = search_run(&f->s, txn, &sq, r, err, sizeof(err));
	mdb_txn_abort(txn);
	out[0] = '\0';
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		const struct search_hit *h = &r->hits[i];
		o += (size_t)snprintf(out + o, cap - o, "%s%c:%s%s%s", o ? " " : "", h->kind,
		                      h->kind == SEARCH_MILESTONE ? h->commitment : "",
		                      h->kind == SEARCH_MILESTONE ? "/" : "", h->id);
	}
	free(r);
	return rc;
}

static void
test_queries(void **state)
{
	struct fx *f = *state;
	char got[1024];
	assert_int_equal(query(f, "guichet", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "C:RBT-2024-02 M:RBT-2024-02/M1");
	assert_int_equal(query(f, "guichet ouvert", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "M:RBT-2024-02/M1");
	/* "شباك الحق في …" and the milestone "فتح الشباك" */
	assert_int_equal(query(f, "الشباك", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "C:RBT-2024-02 M:RBT-2024-02/M1");
	assert_int_equal(query(f, "budget", SEARCH_INDICATOR, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "I:IND-TR-03");
	assert_int_equal(query(f, "budget", 0, true, f->log + 1, got, sizeof(got)), 0);
	assert_string_equal(got, "");
	assert_int_equal(query(f, "zzzzz budget", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "");
	assert_int_equal(query(f, "de la", 0, false, 0, got, sizeof(got)), -EINVAL);
}

static void
test_new_version(void **state)
{
	struct fx *f = *state;
	char got[1024];
	const char *v2[] = {
		"{\"schema\":1,\"commitment\":{\"id\":\"RBT-2024-02\",\"title\":{\"fr\":\"Bureau des "
		"demandes\"},\"principles\":[\"PRINCIPLE_TRANSPARENCY\"],\"milestones\":[{\"id\":"
		"\"M1\",\"title\":{\"fr\":\"Bureau ouvert\"}}]}}",
	};
	assert_int_equal(append_lines(f, v2, 1), 0);
	assert_int_equal(query(f, "guichet", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "");
	assert_int_equal(query(f, "bureau", 0, false, 0, got, sizeof(got)), 0);
	assert_string_equal(got, "C:RBT-2024-02 M:RBT-2024-02/M1");
}

static char *
dump(struct fx *f, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	MDB_txn *txn;
	assert_non_null(buf);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	for (int d = 0; d < SEARCH_NDBS; d++) {
		MDB_cursor *c;
		MDB_val k, v;
		assert_int_equal(mdb_cursor_open(txn, store_dbs(&f->s, &search_module)[d], &c), 0);
		for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			assert_true(n + k.mv_size + v.mv_size + 2 < cap);
			memcpy(buf + n, k.mv_data, k.mv_size), n += k.mv_size;
			buf[n++] = '=';
			memcpy(buf + n, v.mv_data, v.mv_size), n += v.mv_size;
			buf[n++] = ';';
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	*len = n;
	return buf;
}

static void
test_rebuild(void **state)
{
	struct fx *f = *state;
	char err[256];
	size_t nb, na;
	test_new_version(state); /* a document indexed twice */
	char *before = dump(f, &nb);
	assert_int_equal(store_rebuild(&f->s, &search_module, NULL, NULL, err, sizeof(err)), 0);
	char *after = dump(f, &na);
	assert_true(nb > 1000);
	assert_int_equal(nb, na);
	assert_memory_equal(before, after, nb);
	free(before);
	free(after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild, setup, teardown),
	};
	return cmocka_run_group_tests_name("test_search", tests, NULL, NULL);
}

/*
 * Tests for node/store/store.c's map under concurrent readers. The daemon reads (HTTP, peers)
 * in the service thread while the writer thread commits; a reader keeps pointers into the map
 * for as long as its transaction lasts (a tile, an entries answer). The map must never move
 * under it: it is sized once at open, and a store that outgrows it fails with "storage full"
 * instead of remapping.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "store/store.h"

#define LOG_ID 7
#define VALUE_LEN 16000
#define READERS 2

struct fx {
	char dir[64];
	struct store s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/remacto-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	store_close(&f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Entry i is VALUE_LEN bytes of (i & 0xff): a reader can tell a value it holds went bad. */
static void
fill(uint8_t *buf, uint64_t i)
{
	memset(buf, (int)(i & 0xff), VALUE_LEN);
}

struct writes {
	struct store *s;
	uint64_t next, per_txn;
};

static int
put_some(MDB_txn *txn, void *arg)
{
	struct writes *w = arg;
	static uint8_t buf[VALUE_LEN];
	static const uint8_t leaf[STORE_HASH_LEN];
	for (uint64_t i = w->next; i < w->next + w->per_txn; i++) {
		fill(buf, i);
		int rc = store_tail_put(w->s, txn, LOG_ID, i, leaf, buf, VALUE_LEN);
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct reader {
	struct store *s;
	atomic_bool *stop;
	atomic_uint_fast64_t *written;
	atomic_uint_fast64_t reads;
	uint64_t bad;
	int rc;
};

/* Holds a read transaction and the pointer of one value across many checks of its bytes, as a
 * route serving a tile does, again and again while the writer commits. */
static void *
read_loop(void *arg)
{
	struct reader *r = arg;
	while (!atomic_load(r->stop)) {
		uint64_t n = atomic_load(r->written);
		MDB_txn *txn;
		const uint8_t *d;
		size_t len;
		if (n == 0)
			continue;
		if ((r->rc = store_read_begin(r->s, &txn)) != 0)
			return NULL;
		uint64_t i = (atomic_load(&r->reads) * 7919) % n;
		if ((r->rc = store_entry_get(r->s, txn, LOG_ID, i, &d, &len)) != 0) {
			mdb_txn_abort(txn);
			return NULL;
		}
		for (int k = 0; k < 50; k++)
			for (size_t j = 0; j < len; j += 512)
				if (d[j] != (uint8_t)(i & 0xff))
					r->bad++;
		mdb_txn_abort(txn);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

/* Writes up to `target` entries under concurrent readers; returns the first write error (0 when
 * all went in) and sets *written. */
static int
write_under_readers(struct fx *f, uint64_t target, uint64_t *written)
{
	atomic_bool stop = false;
	atomic_uint_fast64_t done = 0;
	struct reader r[READERS];
	pthread_t th[READERS];
	struct writes w = { &f->s, 0, 16 };
	int rc = 0;

	/* One entry before the readers start, so they always have something to hold. */
	struct writes first = { &f->s, 0, 1 };
	assert_int_equal(store_write(&f->s, put_some, &first), 0);
	atomic_store(&done, 1);
	w.next = 1;
	for (int i = 0; i < READERS; i++) {
		r[i] = (struct reader){ &f->s, &stop, &done, 0, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, read_loop, &r[i]), 0);
	}
	/* The writes start once every reader holds values: on a loaded machine a thread may not
	 * have run yet, and the test is about writes under readers. Bounded: a reader that failed
	 * or that does not run within a minute fails the test. */
	for (int i = 0; i < READERS; i++) {
		time_t until = time(NULL) + 60;
		while (atomic_load(&r[i].reads) == 0 && time(NULL) < until)
			sched_yield();
		assert_true(atomic_load(&r[i].reads) > 0);
	}
	while (w.next < target) {
		if ((rc = store_write(&f->s, put_some, &w)) != 0)
			break;
		w.next += w.per_txn;
		atomic_store(&done, w.next);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].rc, 0);
		assert_int_equal(r[i].bad, 0);
	}
	*written = w.next;
	return rc;
}

/* Readers hold values while the writer fills a small map: the map is not moved under them;
 * the writer gets MDB_MAP_FULL ("storage full") and the store still serves what it held. */
static void
test_small_map_fills_under_readers(void **state)
{
	struct fx *f = *state;
	char err[256];
	const size_t small = 1u << 20;
	uint64_t written;

	unsetenv("REMACTO_MAPSIZE");
	assert_int_equal(store_open(&f->s, f->dir, STORE_CREATE, small, NULL, err, sizeof(err)), 0);
	MDB_envinfo before, after;
	assert_int_equal(mdb_env_info(f->s.env, &before), 0);
	int rc = write_under_readers(f, 4096, &written); /* 64 MB would need 64 times the map */
	assert_int_equal(rc, MDB_MAP_FULL);
	assert_true(written > 1 && written < 4096);
	assert_int_equal(mdb_env_info(f->s.env, &after), 0);
	assert_ptr_equal(after.me_mapaddr, before.me_mapaddr);
	assert_int_equal(after.me_mapsize, before.me_mapsize);
	assert_non_null(strstr(store_strerror(rc), "storage full"));
	/* What was committed is all there. */
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	for (uint64_t i = 0; i < written; i++) {
		const uint8_t *d;
		size_t len;
		assert_int_equal(store_entry_get(&f->s, txn, LOG_ID, i, &d, &len), 0);
		assert_int_equal(len, VALUE_LEN);
		assert_int_equal(d[VALUE_LEN - 1], (uint8_t)(i & 0xff));
	}
	mdb_txn_abort(txn);

	/* Reopened with the default map, the same folder takes the rest. */
	store_close(&f->s);
	assert_int_equal(store_open(&f->s, f->dir, 0, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(mdb_env_info(f->s.env, &before), 0);
	assert_int_equal(before.me_mapsize, STORE_DEFAULT_MAPSIZE);
	assert_int_equal(write_under_readers(f, 4096, &written), 0);
	assert_int_equal(mdb_env_info(f->s.env, &after), 0);
	assert_ptr_equal(after.me_mapaddr, before.me_mapaddr);
}

/* The default map is address space, not disk or memory: the file holds what was written. */
static void
test_default_map_is_sparse(void **state)
{
	struct fx *f = *state;
	char err[256], path[128];
	struct stat st;
	uint64_t written;

	unsetenv("REMACTO_MAPSIZE");
	assert_int_equal(store_open(&f->s, f->dir, STORE_CREATE, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(f->s.mapsize, STORE_DEFAULT_MAPSIZE);
	assert_int_equal(write_under_readers(f, 256, &written), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_int_equal(stat(path, &st), 0);
	/* 256 values of 16 kB: about 4 MB with LMDB's overhead, far from the map's size. */
	assert_true(st.st_size < 16 << 20);
	assert_true((uint64_t)st.st_blocks * 512 < 16 << 20);
}

/* REMACTO_MAPSIZE sets the map (the full-disk tests use it); a malformed value is ignored. */
static void
test_mapsize_from_environment(void **state)
{
	struct fx *f = *state;
	char err[256];

	setenv("REMACTO_MAPSIZE", "2097152", 1);
	assert_int_equal(store_open(&f->s, f->dir, STORE_CREATE, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(f->s.mapsize, 2097152);
	store_close(&f->s);
	setenv("REMACTO_MAPSIZE", "12abc", 1);
	assert_int_equal(store_open(&f->s, f->dir, 0, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(f->s.mapsize, STORE_DEFAULT_MAPSIZE);
	unsetenv("REMACTO_MAPSIZE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_map_fills_under_readers, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_default_map_is_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsize_from_environment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

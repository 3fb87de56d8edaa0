/*
 * Unit tests of node/core/merkle.c: the RFC 6962 vectors, and every root, inclusion proof and
 * consistency proof of trees up to 64 leaves checked against a naive recursive RFC 6962 / 9162
 * implementation written here from the RFC text (MTH, PATH, SUBPROOF over the raw leaf array; it
 * shares nothing with merkle.c but OpenSSL's SHA-256). Then tampered proofs, edge cases, the
 * compact range's emit order and rollback, and the O(log n) reader budget on large trees.
 */
#include <errno.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/merkle.h"

#define HL MERKLE_HASH_LEN
#define NLEAVES 64
#define BIG_SIZE 1000000

#define U(x) ((unsigned long long)(x))
/* uint8_t[][HL] to the verifiers' const parameter (ISO C before C23 wants the cast). */
#define CP(p) ((const uint8_t(*)[HL])(p))

/* Like assert_true, with the loop variables in the message. */
#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			print_error("%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			print_error(__VA_ARGS__);                                            \
			print_error("\n");                                                   \
			fail();                                                              \
		}                                                                            \
	} while (0)

/* ---- Naive reference, straight from RFC 6962 §2.1 and RFC 9162 §2.1.3.1 / §2.1.4.1. ---- */

static void
ref_hash(uint8_t prefix, const void *a, size_t alen, const void *b, size_t blen, uint8_t out[HL])
{
	uint8_t *buf = malloc(1 + alen + blen);
	assert_non_null(buf);
	buf[0] = prefix;
	if (alen > 0)
		memcpy(buf + 1, a, alen);
	if (blen > 0)
		memcpy(buf + 1 + alen, b, blen);
	assert_non_null(SHA256(buf, 1 + alen + blen, out));
	free(buf);
}

static void
ref_leaf(const void *data, size_t len, uint8_t out[HL])
{
	ref_hash(0x00, data, len, NULL, 0, out);
}

static void
ref_node(const uint8_t l[HL], const uint8_t r[HL], uint8_t out[HL])
{
	ref_hash(0x01, l, HL, r, HL, out);
}

/* The largest power of two strictly less than n (n >= 2), by counting. */
static size_t
ref_k(size_t n)
{
	size_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[lo:hi]) over leaf hashes lh. */
static void
ref_mth(const uint8_t (*lh)[HL], size_t lo, size_t hi, uint8_t out[HL])
{
	size_t n = hi - lo;
	if (n == 0) {
		assert_non_null(SHA256((const uint8_t *)"", 0, out));
		return;
	}
	if (n == 1) {
		memcpy(out, lh[lo], HL);
		return;
	}
	size_t k = ref_k(n);
	uint8_t l[HL], r[HL];
	ref_mth(lh, lo, lo + k, l);
	ref_mth(lh, lo + k, hi, r);
	ref_node(l, r, out);
}

/* PATH(m, D[lo:hi]), m relative to lo, appended to out[*cnt]. */
static void
ref_path(const uint8_t (*lh)[HL], size_t m, size_t lo, size_t hi, uint8_t (*out)[HL], size_t *cnt)
{
	size_t n = hi - lo;
	if (n <= 1)
		return;
	size_t k = ref_k(n);
	if (m < k) {
		ref_path(lh, m, lo, lo + k, out, cnt);
		ref_mth(lh, lo + k, hi, out[(*cnt)++]);
	} else {
		ref_path(lh, m - k, lo + k, hi, out, cnt);
		ref_mth(lh, lo, lo + k, out[(*cnt)++]);
	}
}

/* SUBPROOF(m, D[lo:hi], b), m relative to lo. */
static void
ref_subproof(const uint8_t (*lh)[HL], size_t m, size_t lo, size_t hi, bool b, uint8_t (*out)[HL],
             size_t *cnt)
{
	size_t n = hi - lo;
	if (m == n) {
		if (!b)
			ref_mth(lh, lo, hi, out[(*cnt)++]);
		return;
	}
	size_t k = ref_k(n);
	if (m <= k) {
		ref_subproof(lh, m, lo, lo + k, b, out, cnt);
		ref_mth(lh, lo + k, hi, out[(*cnt)++]);
	} else {
		ref_subproof(lh, m - k, lo + k, hi, false, out, cnt);
		ref_mth(lh, lo, lo + k, out[(*cnt)++]);
	}
}

/* PROOF(m, D[n]) for 0 < m <= n. */
static void
ref_consistency(const uint8_t (*lh)[HL], size_t m, size_t n, uint8_t (*out)[HL], size_t *cnt)
{
	*cnt = 0;
	ref_subproof(lh, m, 0, n, true, out, cnt);
}

/* Proof lengths as the RFC 9162 verifiers consume them (iterations until sn reaches 0). */
static size_t
ref_inclusion_len(uint64_t index, uint64_t size)
{
	uint64_t fn = index, sn = size - 1;
	size_t len = 0;
	while (sn != 0) {
		if ((fn & 1) || fn == sn)
			while (fn != 0 && !(fn & 1)) {
				fn >>= 1;
				sn >>= 1;
			}
		fn >>= 1;
		sn >>= 1;
		len++;
	}
	return len;
}

static size_t
ref_consistency_len(uint64_t old, uint64_t size)
{
	uint64_t fn = old - 1, sn = size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	size_t len = (old & (old - 1)) == 0 ? 0 : 1;
	while (sn != 0) {
		if ((fn & 1) || fn == sn)
			while (fn != 0 && !(fn & 1)) {
				fn >>= 1;
				sn >>= 1;
			}
		fn >>= 1;
		sn >>= 1;
		len++;
	}
	return len;
}

static unsigned
ceil_log2(uint64_t n)
{
	unsigned l = 0;
	while (l < 64 && (UINT64_C(1) << l) < n)
		l++;
	return l;
}

static void
from_hex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* ---- An in-memory store of perfect subtrees, filled by the range's emit callback. ---- */

struct store {
	uint64_t cap;          /* leaves */
	uint8_t (*lv[64])[HL]; /* lv[L][k]: perfect subtree (L, k), cap >> L of them */
	uint64_t count[64];    /* emitted so far at each level; they must come in order */
	unsigned long reads, emits;
	unsigned long fail_read_at, fail_emit_at; /* 1-based ordinal to fail with -EIO, 0: never */
};

static struct store *
store_new(uint64_t cap)
{
	struct store *st = calloc(1, sizeof *st);
	assert_non_null(st);
	st->cap = cap;
	for (unsigned l = 0; l < 64 && (cap >> l) > 0; l++) {
		st->lv[l] = calloc(cap >> l, HL);
		assert_non_null(st->lv[l]);
	}
	return st;
}

static void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	for (unsigned l = 0; l < 64; l++)
		free(st->lv[l]);
	free(st);
}

static int
store_read(void *ctx, unsigned level, uint64_t index, uint8_t out[HL])
{
	struct store *st = ctx;
	st->reads++;
	if (st->fail_read_at != 0 && st->reads == st->fail_read_at)
		return -EIO;
	if (level >= 64 || index >= st->count[level])
		return -ENOENT;
	memcpy(out, st->lv[level][index], HL);
	return 0;
}

/* Each (level, index) must arrive once and in order; a retry after a failure repeats it exactly. */
static int
store_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[HL])
{
	struct store *st = ctx;
	st->emits++;
	if (st->fail_emit_at != 0 && st->emits == st->fail_emit_at)
		return -EIO;
	if (level >= 64 || st->lv[level] == NULL || index >= (st->cap >> level))
		return -ERANGE;
	if (index < st->count[level])
		return memcmp(st->lv[level][index], hash, HL) == 0 ? 0 : -EEXIST;
	if (index > st->count[level])
		return -EPROTO;
	memcpy(st->lv[level][index], hash, HL);
	st->count[level]++;
	return 0;
}

/* ---- The fixture: 64 leaves of varied lengths, their hashes and the trees over them. ---- */

struct fixture {
	uint8_t lh[NLEAVES][HL];              /* reference leaf hashes */
	uint8_t root[NLEAVES + 1][HL];        /* reference roots, by size */
	struct merkle_range rng[NLEAVES + 1]; /* range after each size */
	struct store *st;                     /* all 64 leaves appended */
};

static void
leaf_data(size_t i, uint8_t *buf, size_t *len)
{
	*len = (i * 7) % 13;
	for (size_t j = 0; j < *len; j++)
		buf[j] = (uint8_t)(i * 31 + j * 17 + 5);
}

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->st = store_new(NLEAVES);
	merkle_range_init(&f->rng[0]);
	for (size_t i = 0; i < NLEAVES; i++) {
		uint8_t data[16], h[HL];
		size_t len;
		leaf_data(i, data, &len);
		ref_leaf(data, len, f->lh[i]);
		merkle_leaf_hash(data, len, h);
		assert_memory_equal(h, f->lh[i], HL);
		f->rng[i + 1] = f->rng[i];
		assert_int_equal(merkle_range_append(&f->rng[i + 1], h, store_emit, f->st), 0);
	}
	for (size_t n = 0; n <= NLEAVES; n++)
		ref_mth(CP(f->lh), 0, n, f->root[n]);
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	if (f != NULL)
		store_free(f->st);
	free(f);
	return 0;
}

/* ---- Vectors. ---- */

static const char *const vec_leaves[8] = {
	"",
	"00",
	"10",
	"2021",
	"3031",
	"40414243",
	"5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const vec_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
test_hash_vectors(void **state)
{
	(void)state;
	uint8_t want[HL], got[HL], a[HL], b[HL];

	from_hex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56", want, HL);
	merkle_leaf_hash((const uint8_t *)"L123456", 7, got);
	assert_memory_equal(got, want, HL);

	/* The node vector hashes 4-byte children, which merkle_node_hash (32-byte children) cannot
	 * take: it pins the reference hash here, which then checks merkle_node_hash. */
	from_hex("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb", want, HL);
	ref_hash(0x01, "N123", 4, "N456", 4, got);
	assert_memory_equal(got, want, HL);

	merkle_leaf_hash((const uint8_t *)"", 0, a);
	merkle_leaf_hash((const uint8_t *)"\0", 1, b);
	merkle_node_hash(a, b, got);
	from_hex(vec_roots[2], want, HL);
	assert_memory_equal(got, want, HL);
	ref_node(b, a, want);
	merkle_node_hash(b, a, got);
	assert_memory_equal(got, want, HL);
	/* Output aliasing an input. */
	memcpy(got, b, HL);
	merkle_node_hash(got, a, got);
	assert_memory_equal(got, want, HL);
	memcpy(got, a, HL);
	merkle_node_hash(b, got, got);
	assert_memory_equal(got, want, HL);

	merkle_empty_root(got);
	from_hex(vec_roots[0], want, HL);
	assert_memory_equal(got, want, HL);

	/* Leaves of many sizes, long ones included. */
	static const size_t lens[] = { 63, 64, 1000, 1023, 1024, 1025, 4096, 100000 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t *data = malloc(lens[i]);
		assert_non_null(data);
		for (size_t j = 0; j < lens[i]; j++)
			data[j] = (uint8_t)(j * 7 + i);
		ref_leaf(data, lens[i], want);
		merkle_leaf_hash(data, lens[i], got);
		CHECK(memcmp(got, want, HL) == 0, "leaf of %zu bytes", lens[i]);
		free(data);
	}
}

/* Threads hashing at once get the reference hashes: nothing of a hash is shared between calls
 * (ASan and the sanitizer build's leak check see what a thread would leave behind). */
struct hash_thread {
	int id;
	bool ok;
};

static void *
hash_many(void *arg)
{
	struct hash_thread *t = arg;
	uint8_t data[300], want[HL], got[HL], n[HL];

	t->ok = true;
	for (int i = 0; i < 2000; i++) {
		for (size_t j = 0; j < sizeof data; j++)
			data[j] = (uint8_t)(j + i + 31 * t->id);
		ref_leaf(data, sizeof data - (size_t)(i % 50), want);
		merkle_leaf_hash(data, sizeof data - (size_t)(i % 50), got);
		t->ok &= memcmp(got, want, HL) == 0;
		ref_node(got, want, n);
		merkle_node_hash(got, want, got);
		t->ok &= memcmp(got, n, HL) == 0;
	}
	return NULL;
}

static void
test_hash_threads(void **state)
{
	pthread_t th[4];
	struct hash_thread t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, hash_many, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(t[i].ok);
	}
}

static void
test_vector_roots(void **state)
{
	(void)state;
	struct store *st = store_new(8);
	struct merkle_range r, loaded;
	uint8_t want[HL], got[HL];

	merkle_range_init(&r);
	for (size_t size = 0; size <= 8; size++) {
		if (size > 0) {
			uint8_t data[16], h[HL];
			size_t len = strlen(vec_leaves[size - 1]) / 2;
			from_hex(vec_leaves[size - 1], data, len);
			merkle_leaf_hash(data, len, h);
			assert_int_equal(merkle_range_append(&r, h, store_emit, st), 0);
		}
		from_hex(vec_roots[size], want, HL);
		assert_int_equal(r.size, size);
		merkle_range_root(&r, got);
		CHECK(memcmp(got, want, HL) == 0, "range root, size %zu", size);

		memset(got, 0, HL);
		assert_int_equal(merkle_root(store_read, st, size, got), 0);
		CHECK(memcmp(got, want, HL) == 0, "stored root, size %zu", size);

		assert_int_equal(merkle_range_load(&loaded, size, store_read, st), 0);
		merkle_range_root(&loaded, got);
		CHECK(memcmp(got, want, HL) == 0, "loaded range root, size %zu", size);
	}
	store_free(st);
}

/* ---- Roots, subtrees and the range over the 64-leaf fixture. ---- */

static void
test_roots_and_subtrees(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint8_t got[HL], want[HL];

	/* Every perfect subtree the range announced is the reference's. */
	for (unsigned l = 0; l < 7; l++) {
		assert_int_equal(st->count[l], NLEAVES >> l);
		for (uint64_t k = 0; k < st->count[l]; k++) {
			ref_mth(CP(f->lh), k << l, (k + 1) << l, want);
			CHECK(memcmp(st->lv[l][k], want, HL) == 0, "emitted (%u, %llu)", l, U(k));
		}
	}

	for (uint64_t n = 0; n <= NLEAVES; n++) {
		st->reads = 0;
		assert_int_equal(merkle_root(store_read, st, n, got), 0);
		CHECK(memcmp(got, f->root[n], HL) == 0, "root of %llu", U(n));
		CHECK(st->reads == (unsigned long)__builtin_popcountll(n),
		      "root of %llu: %lu reads", U(n), st->reads);
		merkle_range_root(&f->rng[n], got);
		CHECK(memcmp(got, f->root[n], HL) == 0, "range root of %llu", U(n));
	}

	for (uint64_t b = 0; b <= NLEAVES; b++)
		for (uint64_t e = 0; e <= NLEAVES; e++) {
			int rc = merkle_subtree_hash(store_read, st, b, e, got);
			uint64_t piece = b < e ? UINT64_C(1) << (63 - __builtin_clzll(e - b)) : 0;
			bool valid = b < e && b % piece == 0;
			if (!valid) {
				CHECK(rc == -EINVAL, "subtree [%llu, %llu): rc %d", U(b), U(e), rc);
				continue;
			}
			CHECK(rc == 0, "subtree [%llu, %llu): rc %d", U(b), U(e), rc);
			ref_mth(CP(f->lh), b, e, want);
			CHECK(memcmp(got, want, HL) == 0, "subtree [%llu, %llu)", U(b), U(e));
		}
}

static void
test_range_load(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct merkle_range r, before;
	uint8_t got[HL];

	for (uint64_t n = 0; n <= NLEAVES; n++) {
		unsigned long bits = (unsigned long)__builtin_popcountll(n);

		memset(&r, 0xa5, sizeof r);
		st->reads = 0;
		assert_int_equal(merkle_range_load(&r, n, store_read, st), 0);
		CHECK(st->reads == bits, "load %llu: %lu reads", U(n), st->reads);
		assert_int_equal(r.size, n);
		for (unsigned l = 0; l < 64; l++)
			if ((n >> l) & 1)
				CHECK(memcmp(r.hash[l], f->rng[n].hash[l], HL) == 0,
				      "load %llu, level %u", U(n), l);
		merkle_range_root(&r, got);
		CHECK(memcmp(got, f->root[n], HL) == 0, "loaded root %llu", U(n));

		/* A loaded range appends like the original (the store already holds what it
		 * announces, and checks that it matches). */
		if (n < NLEAVES) {
			struct merkle_range a = r;
			assert_int_equal(merkle_range_append(&a, f->lh[n], store_emit, st), 0);
			merkle_range_root(&a, got);
			CHECK(memcmp(got, f->root[n + 1], HL) == 0, "append after load %llu", U(n));
		}

		/* A failed read passes its error through and leaves the range alone. */
		for (unsigned long fail = 1; fail <= bits; fail++) {
			memset(&r, 0x5a, sizeof r);
			before = r;
			st->reads = 0;
			st->fail_read_at = fail;
			CHECK(merkle_range_load(&r, n, store_read, st) == -EIO,
			      "load %llu, read %lu fails", U(n), fail);
			CHECK(memcmp(&r, &before, sizeof r) == 0,
			      "load %llu, read %lu fails: range changed", U(n), fail);
		}
		st->fail_read_at = 0;
	}
}

struct emit_log {
	unsigned level[70];
	uint64_t index[70];
	size_t n;
	size_t fail_at; /* 1-based, 0: never */
	int err;
};

static int
log_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[HL])
{
	struct emit_log *lg = ctx;
	(void)hash;
	if (lg->fail_at != 0 && lg->n + 1 == lg->fail_at)
		return lg->err;
	assert_true(lg->n < 70);
	lg->level[lg->n] = level;
	lg->index[lg->n] = index;
	lg->n++;
	return 0;
}

static unsigned
trailing_ones(uint64_t s)
{
	unsigned t = 0;
	while (t < 64 && ((s >> t) & 1))
		t++;
	return t;
}

static void
test_range_emit_order_and_rollback(void **state)
{
	struct fixture *f = *state;
	struct merkle_range r, before;
	uint8_t got[HL];

	for (uint64_t s = 0; s < NLEAVES; s++) {
		struct emit_log lg = { .n = 0 };
		size_t emits = 1 + trailing_ones(s);

		/* (0, s), then each subtree completed bottom up: (l, s >> l) while bit l-1 of s
		 * is set. */
		r = f->rng[s];
		assert_int_equal(merkle_range_append(&r, f->lh[s], log_emit, &lg), 0);
		CHECK(lg.n == emits, "append at %llu: %zu emits", U(s), lg.n);
		for (size_t i = 0; i < lg.n; i++)
			CHECK(lg.level[i] == i && lg.index[i] == s >> i,
			      "append at %llu: emit %zu is (%u, %llu)", U(s), i, lg.level[i],
			      U(lg.index[i]));
		assert_memory_equal(&r, &f->rng[s + 1], sizeof r);

		for (size_t fail = 1; fail <= emits; fail++) {
			int err = -ENOSPC - (int)fail; /* any error, passed back as is */
			struct emit_log bad = { .n = 0, .fail_at = fail, .err = err };
			r = f->rng[s];
			CHECK(merkle_range_append(&r, f->lh[s], log_emit, &bad) == err,
			      "append at %llu, emit %zu fails", U(s), fail);
			CHECK(memcmp(&r, &f->rng[s], sizeof r) == 0,
			      "append at %llu, emit %zu fails: range changed", U(s), fail);
			struct emit_log ok = { .n = 0 };
			assert_int_equal(merkle_range_append(&r, f->lh[s], log_emit, &ok), 0);
			merkle_range_root(&r, got);
			CHECK(memcmp(got, f->root[s + 1], HL) == 0, "retry at %llu", U(s));
		}
	}

	/* The same through a store that fails on the last announcement of each append. */
	struct store *st = store_new(NLEAVES);
	merkle_range_init(&r);
	for (uint64_t s = 0; s < NLEAVES; s++) {
		before = r;
		st->emits = 0;
		st->fail_emit_at = 1 + trailing_ones(s);
		assert_int_equal(merkle_range_append(&r, f->lh[s], store_emit, st), -EIO);
		assert_memory_equal(&r, &before, sizeof r);
		st->fail_emit_at = 0;
		assert_int_equal(merkle_range_append(&r, f->lh[s], store_emit, st), 0);
	}
	assert_int_equal(merkle_root(store_read, st, NLEAVES, got), 0);
	assert_memory_equal(got, f->root[NLEAVES], HL);
	store_free(st);

	/* A full 2^64 - 1 range has nowhere to carry to. */
	memset(&r, 0x11, sizeof r);
	r.size = UINT64_MAX;
	before = r;
	struct emit_log lg = { .n = 0 };
	assert_int_equal(merkle_range_append(&r, f->lh[0], log_emit, &lg), -EOVERFLOW);
	assert_memory_equal(&r, &before, sizeof r);
	assert_int_equal(lg.n, 0);
}

/* ---- Inclusion. ---- */

static bool
incl_ok(const uint8_t leaf[HL], uint64_t m, uint64_t n, const void *proof, size_t len,
        const uint8_t root[HL])
{
	return merkle_verify_inclusion(leaf, m, n, CP(proof), len, root);
}

/* Leaf m of the fixture's tree of n: the proof is PATH, verifies, and no variant does. */
static void
check_inclusion(struct fixture *f, uint64_t m, uint64_t n)
{
	struct store *st = f->st;
	uint8_t proof[MERKLE_MAX_PROOF][HL], want[MERKLE_MAX_PROOF][HL];
	uint8_t t[MERKLE_MAX_PROOF + 1][HL], bad[HL];
	const uint8_t *leaf = f->lh[m], *root = f->root[n];
	size_t len, wlen = 0;

	st->reads = 0;
	CHECK(merkle_inclusion_proof(store_read, st, m, n, proof, MERKLE_MAX_PROOF, &len) == 0,
	      "proof %llu in %llu", U(m), U(n));
	CHECK(st->reads <= 2 * ceil_log2(n) + 2, "proof %llu in %llu: %lu reads", U(m), U(n),
	      st->reads);
	ref_path(CP(f->lh), m, 0, n, want, &wlen);
	CHECK(len == wlen && len == ref_inclusion_len(m, n),
	      "proof %llu in %llu: length %zu, "
	      "want %zu",
	      U(m), U(n), len, wlen);
	CHECK(memcmp(proof, want, len * HL) == 0, "proof %llu in %llu is not PATH", U(m), U(n));
	CHECK(incl_ok(leaf, m, n, proof, len, root), "proof %llu in %llu rejected", U(m), U(n));

	/* One flipped bit: in each proof hash, in the leaf, in the root. */
	for (size_t i = 0; i < len; i++) {
		memcpy(t, proof, len * HL);
		t[i][(i * 5 + m) % HL] ^= (uint8_t)(1u << ((i + n) % 8));
		CHECK(!incl_ok(leaf, m, n, t, len, root),
		      "proof %llu in %llu, hash %zu flipped: "
		      "accepted",
		      U(m), U(n), i);
	}
	memcpy(bad, leaf, HL);
	bad[m % HL] ^= 0x80;
	CHECK(!incl_ok(bad, m, n, proof, len, root), "%llu in %llu: bad leaf accepted", U(m), U(n));
	memcpy(bad, root, HL);
	bad[n % HL] ^= 0x01;
	CHECK(!incl_ok(leaf, m, n, proof, len, bad), "%llu in %llu: bad root accepted", U(m), U(n));

	/* One hash dropped, at each place; one too many, at either end. */
	for (size_t i = 0; i < len; i++) {
		memcpy(t, proof, i * HL);
		memcpy(t[i], proof[i + 1], (len - i - 1) * HL);
		CHECK(!incl_ok(leaf, m, n, t, len - 1, root),
		      "proof %llu in %llu, hash %zu "
		      "dropped: accepted",
		      U(m), U(n), i);
	}
	memcpy(t, proof, len * HL);
	memcpy(t[len], root, HL);
	CHECK(!incl_ok(leaf, m, n, t, len + 1, root),
	      "%llu in %llu: extra hash at the end "
	      "accepted",
	      U(m), U(n));
	memcpy(t[0], leaf, HL);
	memcpy(t[1], proof, len * HL);
	CHECK(!incl_ok(leaf, m, n, t, len + 1, root),
	      "%llu in %llu: extra hash in front "
	      "accepted",
	      U(m), U(n));

	/*
	 * Wrong index. Wrong size, with that size's own root; and with this root where the proof
	 * lengths differ (where they agree, the verifier cannot tell the sizes apart: a proof only
	 * binds the size the root is signed with, as RFC 9162 intends).
	 */
	for (uint64_t w = 0; w < NLEAVES + 2; w++) {
		if (w != m)
			CHECK(!incl_ok(leaf, w, n, proof, len, root),
			      "proof %llu in %llu accepted "
			      "at index %llu",
			      U(m), U(n), U(w));
		if (w == n)
			continue;
		if (w > m && w <= NLEAVES)
			CHECK(!incl_ok(leaf, m, w, proof, len, f->root[w]),
			      "proof %llu in %llu "
			      "accepted for size %llu",
			      U(m), U(n), U(w));
		if (w <= m || ref_inclusion_len(m, w) != len)
			CHECK(!incl_ok(leaf, m, w, proof, len, root),
			      "proof %llu in %llu accepted "
			      "for size %llu, same root",
			      U(m), U(n), U(w));
	}
}

static void
test_inclusion_all(void **state)
{
	for (uint64_t n = 1; n <= NLEAVES; n++)
		for (uint64_t m = 0; m < n; m++)
			check_inclusion(*state, m, n);
}

static void
test_inclusion_edges(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint8_t proof[MERKLE_MAX_PROOF][HL];
	const size_t cap = MERKLE_MAX_PROOF;
	size_t len = 99;

	/* index >= size, size 0. */
	assert_int_equal(merkle_inclusion_proof(store_read, st, 0, 0, proof, cap, &len), -EINVAL);
	assert_int_equal(len, 0);
	len = 99;
	assert_int_equal(merkle_inclusion_proof(store_read, st, 5, 5, proof, cap, &len), -EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_inclusion_proof(store_read, st, UINT64_MAX, 5, proof, cap, &len),
	                 -EINVAL);
	assert_false(incl_ok(f->lh[0], 0, 0, proof, 0, f->root[0]));
	assert_false(incl_ok(f->lh[0], 0, 0, proof, 0, f->lh[0]));
	assert_false(incl_ok(f->lh[3], 3, 3, proof, 0, f->root[3]));
	memcpy(proof[0], f->lh[4], HL);
	assert_false(incl_ok(f->lh[5], 5, 5, proof, 1, f->root[6]));

	/* A one-leaf tree: the empty proof, root = leaf hash. */
	assert_int_equal(merkle_inclusion_proof(store_read, st, 0, 1, NULL, 0, &len), 0);
	assert_int_equal(len, 0);
	assert_true(incl_ok(f->lh[0], 0, 1, NULL, 0, f->root[1]));
	assert_false(incl_ok(f->lh[1], 0, 1, NULL, 0, f->root[1]));
	assert_false(incl_ok(f->lh[0], 0, 2, NULL, 0, f->root[1]));

	for (uint64_t n = 2; n <= NLEAVES; n++) {
		uint64_t m = (n * 13) % n;
		size_t need = ref_inclusion_len(m, n);

		/* Capacity: exactly enough, one short (refused before any read). */
		int rc = merkle_inclusion_proof(store_read, st, m, n, proof, need, &len);
		assert_int_equal(rc, 0);
		assert_int_equal(len, need);
		len = 99;
		st->reads = 0;
		rc = merkle_inclusion_proof(store_read, st, m, n, proof, need - 1, &len);
		assert_int_equal(rc, -ENOSPC);
		assert_int_equal(len, 0);
		assert_int_equal(st->reads, 0);

		/* A reader error comes back unchanged, whichever read fails. */
		rc = merkle_inclusion_proof(store_read, st, m, n, proof, need, &len);
		assert_int_equal(rc, 0);
		unsigned long total = st->reads;
		for (unsigned long fail = 1; fail <= total; fail++) {
			st->reads = 0;
			st->fail_read_at = fail;
			len = 99;
			rc = merkle_inclusion_proof(store_read, st, m, n, proof, need, &len);
			CHECK(rc == -EIO, "size %llu, read %lu fails: rc %d", U(n), fail, rc);
			CHECK(len == 0, "size %llu, read %lu fails: len %zu", U(n), fail, len);
		}
		st->fail_read_at = 0;
	}
	/* Reading past what the store holds is the reader's error. */
	assert_int_equal(merkle_inclusion_proof(store_read, st, 0, NLEAVES + 1, proof, cap, &len),
	                 -ENOENT);
	assert_int_equal(merkle_root(store_read, st, NLEAVES + 1, proof[0]), -ENOENT);
}

/* ---- Consistency. ---- */

static bool
cons_ok(uint64_t m, uint64_t n, const uint8_t mroot[HL], const uint8_t nroot[HL], const void *proof,
        size_t len)
{
	return merkle_verify_consistency(m, n, mroot, nroot, CP(proof), len);
}

/* Sizes m -> n of the fixture, 1 <= m <= n: the proof is SUBPROOF, verifies, no variant does. */
static void
check_consistency(struct fixture *f, uint64_t m, uint64_t n)
{
	struct store *st = f->st;
	uint8_t proof[MERKLE_MAX_PROOF][HL], want[MERKLE_MAX_PROOF][HL];
	uint8_t t[MERKLE_MAX_PROOF + 1][HL], bad[HL];
	const uint8_t *mroot = f->root[m], *nroot = f->root[n];
	size_t len, wlen;

	st->reads = 0;
	CHECK(merkle_consistency_proof(store_read, st, m, n, proof, MERKLE_MAX_PROOF, &len) == 0,
	      "%llu -> %llu", U(m), U(n));
	CHECK(st->reads <= 2 * ceil_log2(n) + 2, "%llu -> %llu: %lu reads", U(m), U(n), st->reads);
	ref_consistency(CP(f->lh), m, n, want, &wlen);
	CHECK(len == wlen && (m == n || len == ref_consistency_len(m, n)),
	      "%llu -> %llu: length "
	      "%zu, want %zu",
	      U(m), U(n), len, wlen);
	CHECK(memcmp(proof, want, len * HL) == 0, "%llu -> %llu is not SUBPROOF", U(m), U(n));
	CHECK(cons_ok(m, n, mroot, nroot, proof, len), "%llu -> %llu rejected", U(m), U(n));

	/* One flipped bit: in each proof hash, in either root; the roots swapped. */
	for (size_t i = 0; i < len; i++) {
		memcpy(t, proof, len * HL);
		t[i][(i * 3 + n) % HL] ^= (uint8_t)(1u << ((i + m) % 8));
		CHECK(!cons_ok(m, n, mroot, nroot, t, len),
		      "%llu -> %llu, hash %zu flipped: "
		      "accepted",
		      U(m), U(n), i);
	}
	memcpy(bad, mroot, HL);
	bad[(m + n) % HL] ^= 0x04;
	CHECK(!cons_ok(m, n, bad, nroot, proof, len), "%llu -> %llu: bad old root accepted", U(m),
	      U(n));
	memcpy(bad, nroot, HL);
	bad[(m * n) % HL] ^= 0x40;
	CHECK(!cons_ok(m, n, mroot, bad, proof, len), "%llu -> %llu: bad new root accepted", U(m),
	      U(n));
	if (m < n)
		CHECK(!cons_ok(m, n, nroot, mroot, proof, len),
		      "%llu -> %llu: swapped roots "
		      "accepted",
		      U(m), U(n));

	/* One hash dropped, at each place; one too many: the new root at the end, the old root
	 * in front (what the proof from a power-of-two size leaves out). */
	for (size_t i = 0; i < len; i++) {
		memcpy(t, proof, i * HL);
		memcpy(t[i], proof[i + 1], (len - i - 1) * HL);
		CHECK(!cons_ok(m, n, mroot, nroot, t, len - 1),
		      "%llu -> %llu, hash %zu dropped: "
		      "accepted",
		      U(m), U(n), i);
	}
	memcpy(t, proof, len * HL);
	memcpy(t[len], nroot, HL);
	CHECK(!cons_ok(m, n, mroot, nroot, t, len + 1),
	      "%llu -> %llu: extra hash at the end "
	      "accepted",
	      U(m), U(n));
	memcpy(t[0], mroot, HL);
	memcpy(t[1], proof, len * HL);
	CHECK(!cons_ok(m, n, mroot, nroot, t, len + 1),
	      "%llu -> %llu: old root in front "
	      "accepted",
	      U(m), U(n));

	/* Wrong sizes, each with its own root (an empty proof rightly leads from the empty tree
	 * anywhere); and a wrong new size with this root where the proof lengths differ. */
	for (uint64_t w = 0; w <= NLEAVES; w++) {
		if (w != m && !(w == 0 && len == 0))
			CHECK(!cons_ok(w, n, f->root[w], nroot, proof, len),
			      "%llu -> %llu accepted as %llu -> %llu", U(m), U(n), U(w), U(n));
		if (w == n)
			continue;
		CHECK(!cons_ok(m, w, mroot, f->root[w], proof, len),
		      "%llu -> %llu accepted as "
		      "%llu -> %llu",
		      U(m), U(n), U(m), U(w));
		if (w < m || (w == m ? 0 : ref_consistency_len(m, w)) != len)
			CHECK(!cons_ok(m, w, mroot, nroot, proof, len),
			      "%llu -> %llu accepted for "
			      "size %llu, same root",
			      U(m), U(n), U(w));
	}
}

static void
test_consistency_all(void **state)
{
	for (uint64_t n = 1; n <= NLEAVES; n++)
		for (uint64_t m = 1; m <= n; m++)
			check_consistency(*state, m, n);
}

/* Capacity (refused before any read) and reader errors (passed back, whichever read fails). */
static void
check_consistency_failures(struct store *st, uint64_t m, uint64_t n)
{
	uint8_t proof[MERKLE_MAX_PROOF][HL];
	size_t need = ref_consistency_len(m, n), len;

	st->reads = 0;
	int rc = merkle_consistency_proof(store_read, st, m, n, proof, need - 1, &len);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(st->reads, 0);
	rc = merkle_consistency_proof(store_read, st, m, n, proof, need, &len);
	assert_int_equal(rc, 0);
	assert_int_equal(len, need);
	unsigned long total = st->reads;
	for (unsigned long fail = 1; fail <= total; fail++) {
		st->reads = 0;
		st->fail_read_at = fail;
		len = 99;
		rc = merkle_consistency_proof(store_read, st, m, n, proof, need, &len);
		CHECK(rc == -EIO, "%llu -> %llu, read %lu fails: rc %d", U(m), U(n), fail, rc);
		CHECK(len == 0, "%llu -> %llu, read %lu fails: len %zu", U(m), U(n), fail, len);
	}
	st->fail_read_at = 0;
}

static void
test_consistency_edges(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint8_t proof[MERKLE_MAX_PROOF][HL], empty[HL];
	const size_t cap = MERKLE_MAX_PROOF;
	size_t len = 99;

	merkle_empty_root(empty);

	/* old > size. */
	assert_int_equal(merkle_consistency_proof(store_read, st, 5, 4, proof, cap, &len), -EINVAL);
	assert_int_equal(len, 0);
	assert_int_equal(merkle_consistency_proof(store_read, st, 1, 0, proof, cap, &len), -EINVAL);
	assert_false(cons_ok(5, 4, f->root[5], f->root[4], proof, 0));
	memcpy(proof[0], f->root[5], HL);
	assert_false(cons_ok(5, 4, f->root[5], f->root[4], proof, 1));
	assert_false(cons_ok(1, 0, f->root[1], empty, proof, 0));

	for (uint64_t n = 0; n <= NLEAVES; n++) {
		/* old == 0: empty proof, no reads; the old root is the empty tree's. */
		st->reads = 0;
		len = 99;
		assert_int_equal(merkle_consistency_proof(store_read, st, 0, n, NULL, 0, &len), 0);
		assert_int_equal(len, 0);
		assert_int_equal(st->reads, 0);
		assert_true(cons_ok(0, n, empty, f->root[n], NULL, 0));
		memcpy(proof[0], f->root[n], HL);
		assert_false(cons_ok(0, n, empty, f->root[n], proof, 1));
		if (n > 0)
			assert_false(cons_ok(0, n, f->root[n], f->root[n], NULL, 0));

		/* old == size: empty proof, equal roots. */
		len = 99;
		assert_int_equal(merkle_consistency_proof(store_read, st, n, n, NULL, 0, &len), 0);
		assert_int_equal(len, 0);
		assert_int_equal(st->reads, 0);
		assert_true(cons_ok(n, n, f->root[n], f->root[n], NULL, 0));
		assert_false(cons_ok(n, n, f->root[n], f->root[n], proof, 1));
		if (n > 0) {
			assert_false(cons_ok(n, n, f->root[n], f->root[n - 1], NULL, 0));
			assert_false(cons_ok(n, n, f->root[n - 1], f->root[n], NULL, 0));
		}
		/* 0 < old < size needs a proof, and an empty one must not be read. */
		for (uint64_t m = 1; m < n; m++)
			CHECK(!cons_ok(m, n, f->root[m], f->root[n], NULL, 0),
			      "%llu -> %llu: empty proof accepted", U(m), U(n));
	}
	assert_false(cons_ok(0, 0, empty, f->root[1], NULL, 0));

	for (uint64_t n = 2; n <= NLEAVES; n++)
		for (uint64_t m = 1; m < n; m++)
			check_consistency_failures(st, m, n);
}

/* ---- Reader budget on large trees. ---- */

static uint64_t
lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return *x >> 11;
}

/* A real million-leaf tree: every proof verifies, within 2·ceil(log2 n) + 2 reads. */
static void
test_big_tree(void **state)
{
	(void)state;
	const uint64_t n = BIG_SIZE;
	const unsigned long budget = 2 * ceil_log2(n) + 2;
	struct store *st = store_new(n);
	struct merkle_range r;
	uint8_t root[HL], got[HL], leaf[HL], oldroot[HL], proof[MERKLE_MAX_PROOF][HL];
	size_t len;
	uint64_t x = 42;

	merkle_range_init(&r);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t data[8];
		for (unsigned j = 0; j < 8; j++)
			data[j] = (uint8_t)(i >> (8 * j));
		merkle_leaf_hash(data, sizeof data, leaf);
		assert_int_equal(merkle_range_append(&r, leaf, store_emit, st), 0);
	}
	merkle_range_root(&r, root);
	st->reads = 0;
	assert_int_equal(merkle_root(store_read, st, n, got), 0);
	assert_memory_equal(got, root, HL);
	assert_int_equal(st->reads, __builtin_popcountll(n));

	uint64_t idx[40] = { 0, 1, n / 2, 524287, 524288, 786431, n - 2, n - 1 };
	for (size_t i = 8; i < 40; i++)
		idx[i] = lcg(&x) % n;
	for (size_t i = 0; i < 40; i++) {
		st->reads = 0;
		assert_int_equal(merkle_inclusion_proof(store_read, st, idx[i], n, proof,
		                                        MERKLE_MAX_PROOF, &len),
		                 0);
		CHECK(st->reads <= budget, "inclusion of %llu: %lu reads", U(idx[i]), st->reads);
		assert_int_equal(len, ref_inclusion_len(idx[i], n));
		memcpy(leaf, st->lv[0][idx[i]], HL);
		CHECK(incl_ok(leaf, idx[i], n, proof, len, root), "inclusion of %llu", U(idx[i]));
	}

	uint64_t old[40] = { 1, 2, 3, 7, 524287, 524288, 524289, n - 1 };
	for (size_t i = 8; i < 40; i++)
		old[i] = 1 + lcg(&x) % (n - 1);
	for (size_t i = 0; i < 40; i++) {
		assert_int_equal(merkle_root(store_read, st, old[i], oldroot), 0);
		st->reads = 0;
		assert_int_equal(merkle_consistency_proof(store_read, st, old[i], n, proof,
		                                          MERKLE_MAX_PROOF, &len),
		                 0);
		CHECK(st->reads <= budget, "consistency %llu: %lu reads", U(old[i]), st->reads);
		assert_int_equal(len, ref_consistency_len(old[i], n));
		CHECK(cons_ok(old[i], n, oldroot, root, proof, len), "consistency %llu", U(old[i]));
	}
	store_free(st);
}

/* Answers any (level, index) with a hash derived from the coordinates, counting reads. */
static int
synth_read(void *ctx, unsigned level, uint64_t index, uint8_t out[HL])
{
	unsigned long *reads = ctx;
	uint8_t buf[9];

	(*reads)++;
	if (level >= 64 || index > (UINT64_MAX >> level))
		return -ERANGE;
	buf[0] = (uint8_t)level;
	for (unsigned j = 0; j < 8; j++)
		buf[1 + j] = (uint8_t)(index >> (8 * j));
	assert_non_null(SHA256(buf, sizeof buf, out));
	return 0;
}

/* Sizes up to 2^64 - 1: proof lengths as the verifier expects them, reads within budget. */
static void
test_huge_sizes(void **state)
{
	(void)state;
	static const uint64_t sizes[] = {
		2,
		3,
		1000000,
		UINT64_C(1) << 32,
		(UINT64_C(1) << 32) + 1,
		UINT64_C(1) << 63,
		(UINT64_C(1) << 63) + 1,
		UINT64_MAX - 1,
		UINT64_MAX,
	};
	uint8_t proof[MERKLE_MAX_PROOF][HL], h[HL];
	const size_t cap = MERKLE_MAX_PROOF;
	size_t len;
	unsigned long reads;
	uint64_t x = 7;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t n = sizes[s];
		unsigned long budget = 2 * ceil_log2(n) + 2;

		reads = 0;
		assert_int_equal(merkle_root(synth_read, &reads, n, h), 0);
		assert_int_equal(reads, __builtin_popcountll(n));

		uint64_t picks[8] = { 0, 1, n / 2, n - 2, n - 1, lcg(&x) % n, lcg(&x) % n, n / 3 };
		for (size_t i = 0; i < 8; i++) {
			uint64_t m = picks[i], old = m == 0 ? 1 : m;

			reads = 0;
			int rc = merkle_inclusion_proof(synth_read, &reads, m, n, proof, cap, &len);
			CHECK(rc == 0, "inclusion %llu of %llu: rc %d", U(m), U(n), rc);
			CHECK(len == ref_inclusion_len(m, n), "inclusion %llu of %llu: length %zu",
			      U(m), U(n), len);
			CHECK(reads <= budget, "inclusion %llu of %llu: %lu reads", U(m), U(n),
			      reads);

			reads = 0;
			rc = merkle_consistency_proof(synth_read, &reads, old, n, proof, cap, &len);
			CHECK(rc == 0, "consistency %llu -> %llu: rc %d", U(old), U(n), rc);
			CHECK(len == ref_consistency_len(old, n),
			      "consistency %llu -> %llu: length %zu", U(old), U(n), len);
			CHECK(reads <= budget, "consistency %llu -> %llu: %lu reads", U(old), U(n),
			      reads);
		}
	}

	/* The longest proofs fit MERKLE_MAX_PROOF. */
	assert_int_equal(
	        merkle_inclusion_proof(synth_read, &reads, 0, UINT64_MAX, proof, cap, &len), 0);
	assert_int_equal(len, 64);
	assert_int_equal(
	        merkle_consistency_proof(synth_read, &reads, 3, UINT64_MAX, proof, cap, &len), 0);
	assert_int_equal(len, 65);
	struct merkle_range r;
	reads = 0;
	assert_int_equal(merkle_range_load(&r, UINT64_MAX, synth_read, &reads), 0);
	assert_int_equal(reads, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_threads),
		cmocka_unit_test(test_vector_roots),
		cmocka_unit_test_setup_teardown(test_roots_and_subtrees, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_range_load, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_range_emit_order_and_rollback, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_inclusion_all, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_inclusion_edges, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_consistency_all, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_consistency_edges, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test(test_big_tree),
		cmocka_unit_test(test_huge_sizes),
	};
	return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}

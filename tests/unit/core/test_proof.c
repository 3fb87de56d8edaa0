/*
 * Unit tests of node/core/proof.c: the JSON of inclusion and consistency proofs has the keys
 * docs/API.md names, in that order, and what it carries (decoded back from base64) verifies
 * with merkle.c's verifiers for every index and every old size of trees up to 20 leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/b64.h"
#include "core/merkle.h"
#include "core/proof.h"

#define HL MERKLE_HASH_LEN
#define N 20

static uint8_t leaves[N][HL];

/* A perfect subtree straight from the leaves. */
static int
reader(void *ctx, unsigned level, uint64_t index, uint8_t out[HL])
{
	(void)ctx;
	if (level == 0) {
		memcpy(out, leaves[index], HL);
		return 0;
	}
	uint8_t l[HL], r[HL];
	reader(NULL, level - 1, 2 * index, l);
	reader(NULL, level - 1, 2 * index + 1, r);
	merkle_node_hash(l, r, out);
	return 0;
}

static void
hash_of(json_t *j, const char *key, uint8_t out[HL])
{
	const char *s = json_string_value(json_object_get(j, key));
	size_t n = 0;
	assert_non_null(s);
	assert_true(b64_decode(s, strlen(s), out, HL, &n));
	assert_int_equal(n, HL);
}

static size_t
path_of(json_t *j, uint8_t (*out)[HL])
{
	json_t *a = json_object_get(j, "proof"), *v;
	size_t i, n;
	assert_true(json_is_array(a));
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		assert_non_null(s);
		assert_true(b64_decode(s, strlen(s), out[i], HL, &n));
		assert_int_equal(n, HL);
	}
	return json_array_size(a);
}

static void
expect_keys(json_t *j, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i = 0;
	json_object_foreach(j, k, v)
	{
		assert_non_null(keys[i]);
		assert_string_equal(k, keys[i++]);
	}
	assert_null(keys[i]);
}

static void
test_inclusion(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"leafIdx", "treeSize", "root", "leafHash", "proof", NULL
	};
	uint8_t proof[MERKLE_MAX_PROOF][HL], back[MERKLE_MAX_PROOF][HL], root[HL], leaf[HL];
	for (uint64_t size = 1; size <= N; size++)
		for (uint64_t i = 0; i < size; i++) {
			size_t n;
			assert_int_equal(merkle_root(reader, NULL, size, root), 0);
			assert_int_equal(merkle_inclusion_proof(reader, NULL, i, size, proof,
			                                        MERKLE_MAX_PROOF, &n),
			                 0);
			json_t *j = proof_inclusion_json(i, size, leaves[i], root, proof, n);
			assert_non_null(j);
			expect_keys(j, keys);
			assert_int_equal(json_integer_value(json_object_get(j, "leafIdx")), i);
			assert_int_equal(json_integer_value(json_object_get(j, "treeSize")), size);
			hash_of(j, "root", root);
			hash_of(j, "leafHash", leaf);
			assert_memory_equal(leaf, leaves[i], HL);
			size_t m = path_of(j, back);
			assert_int_equal(m, n);
			assert_true(merkle_verify_inclusion(leaf, i, size,
			                                    (const uint8_t(*)[HL])back, m, root));
			json_decref(j);
		}
}

static void
test_consistency(void **state)
{
	(void)state;
	static const char *const keys[] = { "size1", "size2", "root1", "root2", "proof", NULL };
	uint8_t proof[MERKLE_MAX_PROOF][HL], back[MERKLE_MAX_PROOF][HL], r1[HL], r2[HL];
	for (uint64_t size = 1; size <= N; size++)
		for (uint64_t old = 1; old <= size; old++) {
			size_t n;
			assert_int_equal(merkle_root(reader, NULL, old, r1), 0);
			assert_int_equal(merkle_root(reader, NULL, size, r2), 0);
			assert_int_equal(merkle_consistency_proof(reader, NULL, old, size, proof,
			                                          MERKLE_MAX_PROOF, &n),
			                 0);
			json_t *j = proof_consistency_json(old, size, r1, r2, proof, n);
			assert_non_null(j);
			expect_keys(j, keys);
			assert_int_equal(json_integer_value(json_object_get(j, "size1")), old);
			assert_int_equal(json_integer_value(json_object_get(j, "size2")), size);
			hash_of(j, "root1", r1);
			hash_of(j, "root2", r2);
			size_t m = path_of(j, back);
			assert_int_equal(m, n);
			assert_true(merkle_verify_consistency(old, size, r1, r2,
			                                      (const uint8_t(*)[HL])back, m));
			json_decref(j);
		}
	/* A value longer than a hash is refused rather than cut. */
	uint8_t big[65] = { 0 };
	assert_null(proof_b64_json(big, sizeof(big)));
}

int
main(void)
{
	for (int i = 0; i < N; i++) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "leaf %d", i);
		merkle_leaf_hash((const uint8_t *)buf, (size_t)n, leaves[i]);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inclusion),
		cmocka_unit_test(test_consistency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

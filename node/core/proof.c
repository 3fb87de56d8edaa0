/*
 * proof — proofs as JSON. See proof.h.
 */
#include "proof.h"

#include "b64.h"

json_t *
proof_b64_json(const uint8_t *p, size_t n)
{
	char buf[B64_ENCODED_LEN(64) + 1];
	if (n > 64 || b64_encode(p, n, buf, sizeof(buf)) < 0)
		return NULL;
	return json_string(buf);
}

static json_t *
path_json(uint8_t (*proof)[MERKLE_HASH_LEN], size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, proof_b64_json(proof[i], MERKLE_HASH_LEN)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* {k[0]: x, k[1]: y, k[2]: hash a, k[3]: hash b, "proof": [...]}: the two documents' shape. */
static json_t *
doc(const char *const k[4], uint64_t x, uint64_t y, const uint8_t *a, const uint8_t *b,
    uint8_t (*proof)[MERKLE_HASH_LEN], size_t n)
{
	return json_pack("{s:I, s:I, s:o, s:o, s:o}", k[0], (json_int_t)x, k[1], (json_int_t)y,
	                 k[2], proof_b64_json(a, MERKLE_HASH_LEN), k[3],
	                 proof_b64_json(b, MERKLE_HASH_LEN), "proof", path_json(proof, n));
}

json_t *
proof_inclusion_json(uint64_t index, uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN],
                     const uint8_t root[MERKLE_HASH_LEN], uint8_t (*proof)[MERKLE_HASH_LEN],
                     size_t n)
{
	static const char *const k[4] = { "leafIdx", "treeSize", "root", "leafHash" };
	return doc(k, index, size, root, leaf, proof, n);
}

json_t *
proof_consistency_json(uint64_t old, uint64_t size, const uint8_t old_root[MERKLE_HASH_LEN],
                       const uint8_t root[MERKLE_HASH_LEN], uint8_t (*proof)[MERKLE_HASH_LEN],
                       size_t n)
{
	static const char *const k[4] = { "size1", "size2", "root1", "root2" };
	return doc(k, old, size, old_root, root, proof, n);
}

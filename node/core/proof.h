/*
 * proof — RFC 9162 inclusion and consistency proofs as the JSON the node serves and the CLI
 * prints (docs/API.md): hashes in standard base64, sizes and indexes as numbers. One writer for
 * both, so that `remacto log proof` and /logs/<slug>/proof/... give the same document.
 */
#ifndef REMACTO_PROOF_H
#define REMACTO_PROOF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

/* {"leafIdx","treeSize","root","leafHash","proof"}; NULL on allocation failure. */
json_t *proof_inclusion_json(uint64_t index, uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN],
                             const uint8_t root[MERKLE_HASH_LEN], uint8_t (*proof)[MERKLE_HASH_LEN],
                             size_t n);
/* {"size1","size2","root1","root2","proof"}; NULL on allocation failure. */
json_t *proof_consistency_json(uint64_t old, uint64_t size, const uint8_t old_root[MERKLE_HASH_LEN],
                               const uint8_t root[MERKLE_HASH_LEN],
                               uint8_t (*proof)[MERKLE_HASH_LEN], size_t n);
/* A hash (or any up to 64 bytes) as a JSON base64 string. */
json_t *proof_b64_json(const uint8_t *p, size_t n);

#endif

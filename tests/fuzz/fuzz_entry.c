/*
 * libFuzzer harness for the entry decoder: any bytes a peer or a publisher may send as an entry.
 * Accepted entries must also survive the JSON mapping both ways and re-encode to an entry that
 * validates.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/entry.h"
#include "core/pbjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	Remacto__V1__Entry *e = entry_decode(data, size, err, sizeof(err));
	if (!e)
		return 0;
	json_t *j = pbjson_encode(&e->base);
	if (j) {
		uint8_t *out;
		size_t len;
		/* Unknown fields are not in the JSON, so the bytes may differ; validity must not. */
		if (entry_from_json(j, &out, &len, err, sizeof(err)) != 0)
			abort();
		free(out);
		json_decref(j);
	}
	remacto__v1__entry__free_unpacked(e, NULL);
	return 0;
}

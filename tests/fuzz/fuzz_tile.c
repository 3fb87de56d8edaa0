/*
 * libFuzzer harness for tile names (node/core/tile.c): every input is given to tile_parse as a
 * string. Checked besides the sanitizers: what parse accepts, tile_format writes back byte for
 * byte (the canonical spelling is the only one accepted), and parses again to the same tile.
 *
 * Seeds: tests/fuzz/corpus/tile/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], f[TILE_PATH_MAX];
	struct tile t, u;
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!tile_parse(s, &t))
		return 0;
	if (tile_format(&t, f, sizeof(f)) < 0 || strcmp(f, s) != 0)
		abort(); /* accepted a spelling that is not the canonical one */
	if (!tile_parse(f, &u) || u.level != t.level || u.index != t.index || u.width != t.width)
		abort();
	return 0;
}

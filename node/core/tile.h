/*
 * tile — the names of C2SP tlog-tiles resources, parsed and written in one place:
 *
 *   tile/<L>/<N>[.p/<W>]        hashes of Merkle level 8·L, <L> a decimal 0-63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 *
 * <N> is the tile index, written in groups of three decimal digits, every group but the last
 * prefixed with "x": 1234067 → "x001/x234/067". <W> is the width of a partial tile, a decimal
 * 1-255; a full tile (256) has no ".p/" part. Numbers carry no sign and no leading zero (but the
 * zero-padding of the groups).
 *
 * Only the spelling tile_format writes is accepted: tile_parse refuses anything else (a leading
 * "x000/" group, groups of other widths, a level or width with a leading zero, an index past
 * UINT64_MAX), so format(parse(x)) == x for every x parse accepts and a cache or a CDN never
 * holds one tile under two names. Pure functions, no allocation.
 */
#ifndef REMACTO_TILE_H
#define REMACTO_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TILE_WIDTH 256    /* hashes or entries in a full tile */
#define TILE_ENTRIES (-1) /* tile.level of an entry bundle */
#define TILE_MAX_LEVEL 63
#define TILE_PATH_MAX 64 /* the longest name tile_format writes, with its NUL */

struct tile {
	int level;      /* 0-63, or TILE_ENTRIES */
	uint64_t index; /* the tile's index within its level */
	unsigned width; /* 1-256; TILE_WIDTH for a full tile */
};

/* Parses the part of a path after "tile/" ("0/x001/234.p/17", "entries/005"). false when it is
 * not the canonical name of a tile. */
bool tile_parse(const char *s, struct tile *t);
/* Writes the same part for t into out; the length, or -1 when t is out of range or cap too small. */
int tile_format(const struct tile *t, char *out, size_t cap);

#endif

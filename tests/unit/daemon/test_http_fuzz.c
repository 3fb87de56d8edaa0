/*
 * The HTTP front end under a bounded, deterministic replay of its fuzz harness
 * (tests/fuzz/http_harness.h): every seed of tests/fuzz/corpus/http/, then a fixed number of
 * mutations of each (MUTATIONS: bytes flipped, inserted, deleted or repeated, a seed spliced into another,
 * requests pipelined twice, truncation), each sent to the real libwebsockets server of a node
 * in this process over loopback. After every input the node must still answer GET /healthz
 * (the harness aborts otherwise); a service loop stuck inside lws is ended by an alarm, which
 * fails the test. make fuzz runs the same harness under libFuzzer, unbounded by a seed list.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define HARNESS_IDLE_ROUNDS 600
#include "../../fuzz/http_harness.h"

#define MAX_SEEDS 256
#define INPUT_MAX 16384
#define MUTATIONS 40
#define DEADLINE_S 300 /* for the whole replay, far above what it takes */

struct seed {
	uint8_t *data;
	size_t len;
};

static struct seed seeds[MAX_SEEDS];
static size_t nseeds;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
corpus_dir(char *out, size_t cap)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	snprintf(out, cap, "%.*s/../../fuzz/corpus/http", slash ? (int)(slash - file) : 1,
	         slash ? file : ".");
}

static int
load_seeds(void **state)
{
	char dir[512], path[1024];
	DIR *d;
	struct dirent *e;
	(void)state;
	corpus_dir(dir, sizeof(dir));
	if (!(d = opendir(dir)))
		return -1;
	while ((e = readdir(d)) && nseeds < MAX_SEEDS) {
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		uint8_t *buf = malloc(INPUT_MAX);
		size_t n = buf ? fread(buf, 1, INPUT_MAX, f) : 0;
		fclose(f);
		if (!n) {
			free(buf);
			continue;
		}
		seeds[nseeds++] = (struct seed){ buf, n };
	}
	closedir(d);
	alarm(DEADLINE_S);
	return harness_init();
}

/* One mutation of s into out (at most INPUT_MAX bytes); returns its length. */
static size_t
mutate(const struct seed *s, uint8_t *out)
{
	size_t len = s->len, pos, n;
	memcpy(out, s->data, len);
	switch (next() % 7) {
	case 0: /* flip a few bytes */
		for (int k = 0; k < 1 + (int)(next() % 4); k++)
			out[1 + next() % (len > 1 ? len - 1 : 1)] ^= (uint8_t)(1u << (next() % 8));
		break;
	case 1: /* insert bytes HTTP cares about */
		pos = 1 + next() % len;
		n = 1 + next() % 8;
		if (len + n > INPUT_MAX)
			break;
		memmove(out + pos + n, out + pos, len - pos);
		for (size_t i = 0; i < n; i++)
			out[pos + i] = (uint8_t) "\r\n :%0x/?&=\"\x00\xff"[next() % 14];
		len += n;
		break;
	case 2: /* delete a range */
		pos = 1 + next() % len;
		n = next() % (len - pos + 1);
		memmove(out + pos, out + pos + n, len - pos - n);
		len -= n;
		break;
	case 3: /* the whole request pipelined twice */
		if (2 * len - 1 <= INPUT_MAX) {
			memcpy(out + len, s->data + 1, len - 1);
			len = 2 * len - 1;
		}
		break;
	case 4: { /* another seed appended: a pipeline of two kinds */
		const struct seed *o = &seeds[next() % nseeds];
		if (len + o->len - 1 <= INPUT_MAX) {
			memcpy(out + len, o->data + 1, o->len - 1);
			len += o->len - 1;
		}
		break;
	}
	case 5: /* cut short */
		len = 1 + next() % len;
		break;
	default: /* another listener, or half-closed */
		out[0] ^= (uint8_t)(1 + next() % 3);
		break;
	}
	return len;
}

static void
test_seeds(void **state)
{
	(void)state;
	assert_true(nseeds >= 20);
	for (size_t i = 0; i < nseeds; i++)
		harness_one(seeds[i].data, seeds[i].len);
}

static void
test_mutations(void **state)
{
	uint8_t *buf = malloc(INPUT_MAX);
	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < nseeds; i++)
		for (int m = 0; m < MUTATIONS; m++)
			harness_one(buf, mutate(&seeds[i], buf));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests_name("http_fuzz", tests, load_seeds, NULL);
}

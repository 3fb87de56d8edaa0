/*
 * bench_search — the search index (node/store/search.h) at national scale: MEMBERS members
 * (default 1,600) with COMMITMENTS commitments each (default 150; 3 milestones and 2
 * indicators each), texts in French and Arabic drawn from a Zipf-distributed vocabulary of
 * 16,000 words, folded into a store through the index's own apply hooks (search_apply, and
 * index_apply for the commitments' principles), then queries timed in process as the route
 * runs them (a read transaction, search_run):
 *
 *   bench_search generate DIR [MEMBERS] [COMMITMENTS]
 *   bench_search run DIR [ROUNDS] [MEMBERS]   (MEMBERS as generated: the member queries pick one)
 *
 * Query classes, ROUNDS queries each with different words, one JSON line per class with the
 * median, p99 and maximum: a rare Arabic word; a common French word (one of the 20 most
 * frequent: thousands of postings, the first 20 results); two common words together (the
 * walk checks up to SEARCH_MAX_SCAN postings: the worst case); a common word in one member's
 * log; a common word under one principle; an Arabic phrase of three words with diacritics.
 *
 * The index holds documents, not entries: a query's cost depends on the documents and
 * postings, whatever the number of measurements and updates around them. At 100,000 entries
 * per member (160M entries nationally), 150 commitments, 450 milestones and 300 indicators
 * per member is a generous share of programme texts (docs/BENCHMARKS.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peers/ledger.h"
#include "store/index.h"
#include "store/search.h"

#define NWORDS 8000 /* per language */
#define MAPSIZE ((size_t)64 << 30)

static char fr_words[NWORDS][24], ar_words[NWORDS][64];
static double zipf_cum[NWORDS];
static uint64_t rng = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The same vocabulary in every run: words made of syllables and letters from a fixed seed. */
static void
vocabulary(void)
{
	static const char *const syl[] = {
		"ba", "ti", "ro", "mu", "ne", "sa", "ko",  "li",  "pe",
		"da", "fu", "gi", "ra", "vo", "ze", "chi", "qua", "ment"
	};
	static const char *const ar[] = { "ب", "ت", "ث", "ج", "ح", "خ", "د", "ر",
		                          "س", "ش", "ص", "ط", "ع", "غ", "ف", "ق",
		                          "ك", "ل", "م", "ن", "ه", "و", "ي" };
	uint64_t save = rng;
	rng = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < NWORDS; i++) {
		int n = 2 + (int)(rnd() % 3);
		fr_words[i][0] = ar_words[i][0] = '\0';
		for (int k = 0; k < n; k++)
			strcat(fr_words[i], syl[rnd() % 18]);
		snprintf(fr_words[i] + strlen(fr_words[i]), 6, "%d", i % 97);
		n = 3 + (int)(rnd() % 4);
		for (int k = 0; k < n; k++)
			strcat(ar_words[i], ar[rnd() % 23]);
		/* a distinct ending per word: rank in Arabic-Indic digits is not a letter, so use
		 * two letters from the rank */
		strcat(ar_words[i], ar[i % 23]);
		strcat(ar_words[i], ar[(i / 23) % 23]);
	}
	double sum = 0;
	for (int i = 0; i < NWORDS; i++)
		zipf_cum[i] = (sum += 1.0 / (i + 1));
	for (int i = 0; i < NWORDS; i++)
		zipf_cum[i] /= sum;
	rng = save;
}

static int
zipf(void)
{
	double u = (double)(rnd() >> 11) / (double)(1ull << 53);
	int lo = 0, hi = NWORDS - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (zipf_cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
sentence(char *out, size_t cap, int words, bool arabic)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < words && o + 70 < cap; i++) {
		const char *w = arabic ? ar_words[zipf()] : fr_words[zipf()];
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "", w);
	}
}

struct gen {
	uint32_t log;
	unsigned commitments;
	char origin[64];
};

static int
apply(struct store *s, MDB_txn *txn, struct gen *g, uint64_t index, Remacto__V1__Entry *e)
{
	char err[256];
	int rc = index_apply(s, txn, g->log, g->origin, index, e, false, err, sizeof(err));
	return rc ? rc : search_apply(s, txn, g->log, g->origin, index, e, false, err, sizeof(err));
}

struct member_job {
	struct store *s;
	struct gen g;
};

static int
member_txn(MDB_txn *txn, void *arg)
{
	struct member_job *j = arg;
	struct gen *g = &j->g;
	static char t[6][600];
	uint64_t index = 0;
	int rc = 0;
	for (unsigned c = 0; c < g->commitments && rc == 0; c++) {
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__Commitment cm = REMACTO__V1__COMMITMENT__INIT;
		Remacto__V1__Text title = REMACTO__V1__TEXT__INIT,
		                  problem = REMACTO__V1__TEXT__INIT, desc = REMACTO__V1__TEXT__INIT;
		Remacto__V1__Milestone ms[3], *msp[3];
		Remacto__V1__Text mt[3];
		Remacto__V1__Principle pr[2];
		char id[32], mid[3][8], mtext[3][300];
		snprintf(id, sizeof(id), "C-%04u", c);
		sentence(t[0], sizeof(t[0]), 6, false), sentence(t[1], sizeof(t[1]), 6, true);
		sentence(t[2], sizeof(t[2]), 12, false), sentence(t[3], sizeof(t[3]), 12, true);
		sentence(t[4], sizeof(t[4]), 20, false), sentence(t[5], sizeof(t[5]), 20, true);
		title.fr = t[0], title.ar = t[1], problem.fr = t[2], problem.ar = t[3];
		desc.fr = t[4], desc.ar = t[5];
		cm.id = id, cm.title = &title, cm.problem = &problem, cm.description = &desc;
		pr[0] = (Remacto__V1__Principle)(1 + rnd() % 5);
		pr[1] = (Remacto__V1__Principle)(1 + (pr[0] % 5));
		cm.principles = pr, cm.n_principles = 2;
		for (int k = 0; k < 3; k++) {
			remacto__v1__milestone__init(&ms[k]);
			remacto__v1__text__init(&mt[k]);
			snprintf(mid[k], sizeof(mid[k]), "M%d", k + 1);
			sentence(mtext[k], sizeof(mtext[k]), 5, k % 2);
			if (k % 2)
				mt[k].ar = mtext[k];
			else
				mt[k].fr = mtext[k];
			ms[k].id = mid[k], ms[k].title = &mt[k];
			msp[k] = &ms[k];
		}
		cm.milestones = msp, cm.n_milestones = 3;
		e.kind_case = REMACTO__V1__ENTRY__KIND_COMMITMENT;
		e.commitment = &cm;
		rc = apply(j->s, txn, g, index++, &e);
		for (int k = 0; k < 2 && rc == 0; k++) {
			Remacto__V1__Entry ie = REMACTO__V1__ENTRY__INIT;
			Remacto__V1__Indicator ind = REMACTO__V1__INDICATOR__INIT;
			Remacto__V1__Text it = REMACTO__V1__TEXT__INIT;
			char iid[40];
			snprintf(iid, sizeof(iid), "I-%04u-%d", c, k);
			sentence(t[0], sizeof(t[0]), 6, false),
			        sentence(t[1], sizeof(t[1]), 6, true);
			it.fr = t[0], it.ar = t[1];
			ind.id = iid, ind.commitment_id = id, ind.title = &it;
			ie.kind_case = REMACTO__V1__ENTRY__KIND_INDICATOR;
			ie.indicator = &ind;
			rc = apply(j->s, txn, g, index++, &ie);
		}
	}
	return rc;
}

static int
generate(const char *dir, unsigned members, unsigned commitments)
{
	struct store s;
	char err[512];
	double t0 = now();
	if (ledger_open(&s, dir, STORE_CREATE, MAPSIZE, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_search: %s\n", err);
		return 1;
	}
	for (unsigned m = 0; m < members; m++) {
		struct member_job j = { &s, { m + 1, commitments, "" } };
		snprintf(j.g.origin, sizeof(j.g.origin), "remacto.ma/member-%04u", m);
		int rc = store_write(&s, member_txn, &j);
		if (rc != 0) {
			fprintf(stderr, "bench_search: member %u: %s\n", m, store_strerror(rc));
			store_close(&s);
			return 1;
		}
	}
	MDB_txn *txn;
	MDB_stat st0, st1;
	store_read_begin(&s, &txn);
	mdb_stat(txn, store_dbs(&s, &search_module)[SEARCH_TERMS], &st0);
	mdb_stat(txn, store_dbs(&s, &search_module)[SEARCH_DOCS], &st1);
	mdb_txn_abort(txn);
	printf("{\"bench\":\"search_generate\",\"members\":%u,\"commitments\":%u,\"documents\":%zu,"
	       "\"postings\":%zu,\"tree_depth\":%u,\"seconds\":%.1f}\n",
	       members, members * commitments, st1.ms_entries, st0.ms_entries, st0.ms_depth,
	       now() - t0);
	store_close(&s);
	return 0;
}

static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct klass {
	const char *name;
	int principle;
	bool by_log;
	void (*make)(char *q, size_t cap);
};

static void
q_rare(char *q, size_t cap)
{
	snprintf(q, cap, "%s", ar_words[4000 + rnd() % 4000]);
}

static void
q_common(char *q, size_t cap)
{
	snprintf(q, cap, "%s", fr_words[rnd() % 20]);
}

static void
q_two(char *q, size_t cap)
{
	int a = (int)(rnd() % 20), b = 20 + (int)(rnd() % 80);
	snprintf(q, cap, "%s %s", fr_words[a], ar_words[b]);
}

/* An Arabic phrase with a fatha after each letter's first byte pair: diacritics to fold. */
static void
q_phrase(char *q, size_t cap)
{
	size_t o = 0;
	for (int w = 0; w < 3; w++) {
		const char *s = ar_words[rnd() % 200];
		for (size_t i = 0; s[i] && o + 8 < cap; i += 2) {
			q[o++] = s[i], q[o++] = s[i + 1];
			q[o++] = (char)0xD9, q[o++] = (char)0x8E; /* U+064E fatha */
		}
		if (o + 2 < cap)
			q[o++] = ' ';
	}
	q[o] = '\0';
}

static int
run(const char *dir, int rounds, unsigned members)
{
	static const struct klass classes[] = {
		{ "rare_arabic_word", 0, false, q_rare },
		{ "common_french_word", 0, false, q_common },
		{ "two_common_words", 0, false, q_two },
		{ "common_word_one_member", 0, true, q_common },
		{ "common_word_one_principle", 2, false, q_common },
		{ "arabic_phrase_with_diacritics", 0, false, q_phrase },
	};
	struct store s;
	char err[512] = "out of memory", q[512];
	/* wall time, and the thread's CPU time: on a shared machine the difference is waiting for a
	 * core (or the disk), not the search's own work */
	double *ms = calloc((size_t)rounds, sizeof(double)),
	       *cpu = calloc((size_t)rounds, sizeof(double));
	struct search_result *r = malloc(sizeof(*r));
	if (!ms || !cpu || !r ||
	    ledger_open(&s, dir, STORE_RDONLY, MAPSIZE, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_search: cannot open %s: %s\n", dir, err);
		return 1;
	}
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		size_t hits = 0, scanned = 0, truncated = 0;
		for (int i = 0; i < rounds; i++) {
			struct search_query sq = { 0 };
			MDB_txn *txn;
			classes[c].make(q, sizeof(q));
			sq.text = q, sq.len = strlen(q), sq.limit = 20;
			sq.principle = classes[c].principle;
			sq.by_log = classes[c].by_log, sq.log = 1 + (uint32_t)(rnd() % members);
			double t0 = now(), c0 = cpu_now();
			int rc = store_read_begin(&s, &txn);
			if (rc == 0) {
				rc = search_run(&s, txn, &sq, r, err, sizeof(err));
				mdb_txn_abort(txn);
			}
			ms[i] = (now() - t0) * 1e3;
			cpu[i] = (cpu_now() - c0) * 1e3;
			if (rc != 0) {
				fprintf(stderr, "bench_search: %s: %s\n", q, err);
				return 1;
			}
			hits += r->n, scanned += r->scanned, truncated += r->truncated;
		}
		qsort(ms, (size_t)rounds, sizeof(double), cmp_double);
		qsort(cpu, (size_t)rounds, sizeof(double), cmp_double);
		printf("{\"bench\":\"search\",\"members\":%u,\"query\":\"%s\",\"rounds\":%d,\"median_ms\":%.3f,"
		       "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cpu_median_ms\":%.3f,\"cpu_p99_ms\":%.3f,"
		       "\"cpu_max_ms\":%.3f,\"mean_hits\":%.1f,\"mean_postings_read\":%.0f,"
		       "\"truncated\":%zu,\"goal_ms\":50}\n",
		       members, classes[c].name, rounds, ms[rounds / 2], ms[(rounds * 99) / 100],
		       ms[rounds - 1], cpu[rounds / 2], cpu[(rounds * 99) / 100], cpu[rounds - 1],
		       (double)hits / rounds, (double)scanned / rounds, truncated);
		fflush(stdout);
	}
	store_close(&s);
	free(ms);
	free(cpu);
	free(r);
	return 0;
}

int
main(int argc, char **argv)
{
	vocabulary();
	if (argc >= 3 && !strcmp(argv[1], "generate"))
		return generate(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 1600,
		                argc > 4 ? (unsigned)atoi(argv[4]) : 150);
	if (argc >= 3 && !strcmp(argv[1], "run")) {
		int rounds = argc > 3 ? atoi(argv[3]) : 200;
		unsigned members = argc > 4 ? (unsigned)atoi(argv[4]) : 1600;
		if (rounds < 1 || rounds > 1000000 || members < 1) {
			fprintf(stderr, "bench_search: ROUNDS 1-1000000 and MEMBERS >= 1\n");
			return 2;
		}
		return run(argv[2], rounds, members);
	}
	fprintf(stderr, "usage: bench_search generate DIR [MEMBERS] [COMMITMENTS] | run DIR "
	                "[ROUNDS] [MEMBERS]\n");
	return 2;
}

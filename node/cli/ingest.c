/*
 * ingest — a publisher's lines into entries: read in order, checked against the caps as they
 * come, then decoded in runs on worker threads while the caller appends (ingest.h).
 *
 * Why the answer is the one a line-by-line reading gives. That reading decodes as it goes and
 * stops at the first line it refuses, malformed or past a cap, before anything is stored. Here:
 * - the caps are checked while reading, and the reading stops at the first one passed, as before;
 *   its message waits until the lines kept before it are decoded, and a bad one among them is
 *   reported instead, since it comes first;
 * - the append takes entries in order and stops at the first bad one; when it stops for another
 *   reason (the store refused an entry), every line is decoded first and a bad line, if any, is
 *   reported rather than the store's refusal, as the old reading never reached the store then;
 * - runs are handed out in order and a run is skipped only when a bad line before it is known,
 *   so every run up to the first bad line is always decoded: the first bad run in input order
 *   holds the first bad line.
 */
#include "ingest.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "core/b64.h"
#include "core/entry.h"
#include "core/err.h"

/* One line kept: text[off..off+len), NUL-terminated, and its number in the input. */
struct line {
	size_t off, len;
	uint64_t lineno;
};

/* A run of lines [lo, hi): taken by one thread, then done (set under mu, with release: once a
 * thread sees done, it sees the run's entries and bad), with its first bad line if any. */
struct run {
	size_t lo, hi;
	atomic_bool done;
	size_t bad; /* index of its first bad line, or SIZE_MAX */
	char *why;  /* that line's problem (malloc'd) */
};

struct ingest {
	bool raw;
	/* The input, read before any thread starts and not written after. */
	char *text;
	size_t used, cap;
	struct line *lines;
	size_t n, ncap;
	/* The entries: slot i is written only by the thread that took the run holding i, and read
	 * by the caller once it sees that run done. */
	struct tlog_blob *v;
	Remacto__V1__Entry **e;
	/* Under mu: the runs, those not taken yet ([front, back)), the smallest bad index known,
	 * how far the append and the freeing have come, cancel. Workers take runs from the front; the caller takes the run it needs when it is
	 * still at the front, and, while a worker decodes that run, one from the back when that is
	 * worth it (worth_helping), so that the two do not compete for the same runs. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct run *runs;
	size_t nruns, front, back, stop;
	size_t consumed, freed; /* runs before consumed: the append is done with their entries;
	                         * before freed: a worker freed those entries already */
	bool cancel;
	double decode_ns;     /* time spent decoding, by all threads, */
	size_t decoded_lines; /* over these lines */
	/* The caller's thread only: the workers; when the workers started, and how long the caller
	 * has spent in ingest_next's waits and decoding since (the rest is the append's own); the
	 * first entry ingest_next refused (SIZE_MAX: none yet). */
	pthread_t threads[INGEST_MAX_THREADS];
	size_t nthreads;
	double t_start, inside_ns;
	size_t refused;
};

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One line into an entry's bytes and the entry decoded. JSON lines are read straight into the
 * entry (entry_from_json_text), with the errors the jansson tree would give. */
static int
parse_line(const char *line, size_t len, bool raw, struct tlog_blob *out,
           Remacto__V1__Entry **decoded, char *err, size_t errcap)
{
	Remacto__V1__Entry *e = NULL;
	uint8_t *data = NULL;
	size_t dlen = 0;

	if (raw) {
		size_t cap = B64_DECODED_MAX(len);
		if (cap == 0 || !(data = malloc(cap)))
			return err_set(err, errcap, "empty entry"), -EINVAL;
		if (!b64_decode(line, len, data, cap, &dlen)) {
			err_set(err, errcap, "not strict base64");
			free(data);
			return -EINVAL;
		}
		if (!(e = entry_decode(data, dlen, err, errcap))) {
			free(data);
			return -EINVAL;
		}
	} else {
		json_error_t jerr;
		int rc = entry_from_json_text(line, len, &data, &dlen, &e, &jerr, err, errcap);
		if (rc != 0 && jerr.text[0])
			err_set(err, errcap, "invalid JSON at column %d: %s", jerr.column,
			        jerr.text);
		if (rc != 0)
			return rc;
	}
	*out = (struct tlog_blob){ data, dlen };
	*decoded = e;
	return 0;
}

/* Takes the run at the front (or the back) of those not taken yet, unless none is left or a bad
 * line before it is known; decodes it and marks it done. Returns whether it took one. Called
 * with mu held; returns with mu held. */
static bool
take_run(struct ingest *g, bool from_back)
{
	struct run *r;
	char why[512];
	size_t bad = SIZE_MAX, i;
	double t0;

	if (g->cancel || g->front == g->back)
		return false;
	r = &g->runs[from_back ? g->back - 1 : g->front];
	if (r->lo > g->stop)
		return false;
	if (from_back)
		g->back--;
	else
		g->front++;
	pthread_mutex_unlock(&g->mu);
	t0 = now_ns();
	for (i = r->lo; i < r->hi; i++) {
		const struct line *l = &g->lines[i];
		if (parse_line(g->text + l->off, l->len, g->raw, &g->v[i], &g->e[i], why,
		               sizeof(why)) != 0) {
			bad = i;
			break;
		}
	}
	t0 = now_ns() - t0;
	pthread_mutex_lock(&g->mu);
	g->decode_ns += t0;
	g->decoded_lines += i - r->lo;
	if (bad != SIZE_MAX) {
		r->bad = bad;
		r->why = strdup(why);
		if (bad < g->stop)
			g->stop = bad;
	}
	atomic_store_explicit(&r->done, true, memory_order_release);
	pthread_cond_broadcast(&g->cv);
	return true;
}

/* Frees entries [lo, hi) (NULL where none was decoded). */
static void
free_entries(struct ingest *g, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++) {
		free((void *)g->v[i].data);
		if (g->e[i])
			remacto__v1__entry__free_unpacked(g->e[i], NULL);
		g->v[i].data = NULL;
		g->e[i] = NULL;
	}
}

/* A worker decodes runs while any is left, then frees the entries the append is done with, so
 * that the caller, which appends them, does not spend its time on that after the commit. It
 * ends when every run is freed, or at cancel. */
static void *
worker(void *arg)
{
	struct ingest *g = arg;

	pthread_mutex_lock(&g->mu);
	while (!g->cancel && g->freed < g->nruns) {
		if (take_run(g, false))
			continue;
		if (g->freed < g->consumed) {
			struct run *r = &g->runs[g->freed++];
			pthread_mutex_unlock(&g->mu);
			free_entries(g, r->lo, r->hi);
			pthread_mutex_lock(&g->mu);
			continue;
		}
		pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* How many workers decode n lines: one per CPU but the caller's, none for a small input. */
static size_t
workers_for(size_t n)
{
	cpu_set_t set;
	size_t cpus = 1, t = (n + INGEST_CHUNK - 1) / INGEST_CHUNK;

	if (n < INGEST_THREADED)
		return 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		cpus = (size_t)CPU_COUNT(&set);
	if (t > cpus - 1)
		t = cpus - 1;
	return t > INGEST_MAX_THREADS ? INGEST_MAX_THREADS : t;
}

/* Keeps line[0..len) as input line lineno. */
static bool
keep(struct ingest *g, const char *line, size_t len, uint64_t lineno)
{
	if (g->n == g->ncap) {
		size_t ncap = g->ncap ? g->ncap * 2 : 256;
		struct line *nl = realloc(g->lines, ncap * sizeof(*nl));
		if (!nl)
			return false;
		g->lines = nl;
		g->ncap = ncap;
	}
	if (len + 1 > g->cap - g->used) {
		size_t ncap = g->cap ? g->cap : 65536;
		while (len + 1 > ncap - g->used)
			ncap *= 2;
		char *nt = realloc(g->text, ncap);
		if (!nt)
			return false;
		g->text = nt;
		g->cap = ncap;
	}
	memcpy(g->text + g->used, line, len);
	g->text[g->used + len] = '\0';
	g->lines[g->n++] = (struct line){ g->used, len, lineno };
	g->used += len + 1;
	return true;
}

/* Reads in into g until its end or the first cap passed: EXIT_OK, or that cap's exit code with
 * its message in cut. A line is taken as getline would give it (its newline counted against
 * INGEST_LINE_MAX), but out of blocks read into buf, which holds the line being read, of at most
 * INGEST_LINE_MAX bytes so far, and the block after it: a longer line is refused once that much
 * of it is read, however long it goes on. */
static int
read_lines(struct ingest *g, FILE *in, char *cut, size_t cutcap)
{
	char *buf = malloc(INGEST_LINE_MAX + INGEST_READ_BLOCK);
	size_t start = 0, end = 0, scan = 0, bytes = 0; /* the line is buf[start..end) */
	uint64_t lineno = 0;
	bool eof = false;
	int rc = EXIT_OK;
	struct stat st;

	if (!buf) {
		snprintf(cut, cutcap, "out of memory for the input's read buffer");
		return EXIT_FAIL;
	}
	/* Reads of INGEST_READ_BLOCK straight into buf, not stdio's 4 KiB ones (a 40 MB input
	 * took 10,000 read calls) nor a copy through its buffer, which would also read ahead of
	 * the line; from a file, the text's room taken at once rather than grown and copied. */
	setvbuf(in, NULL, _IONBF, 0);
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < INGEST_INPUT_MAX + INGEST_LINE_MAX &&
	    (g->text = malloc((size_t)st.st_size + 1)) != NULL)
		g->cap = (size_t)st.st_size + 1;
	for (;;) {
		char *nl = memchr(buf + scan, '\n', end - scan);
		const char *line = buf + start;
		size_t len;

		if (nl) {
			len = (size_t)(nl - line) + 1;
		} else if (end - start > INGEST_LINE_MAX || (eof && end > start)) {
			/* Past the cap already, or the last line, without a newline. */
			len = end - start;
		} else if (eof) {
			break;
		} else {
			/* The line so far to the front, then the next block after it. */
			memmove(buf, line, end - start);
			end -= start;
			start = 0;
			scan = end;
			end += fread(buf + end, 1, INGEST_READ_BLOCK, in);
			if (end - scan < INGEST_READ_BLOCK) {
				if (ferror(in)) {
					rc = EXIT_FAIL;
					snprintf(cut, cutcap, "cannot read input: %s",
					         strerror(errno));
					break;
				}
				eof = true;
			}
			continue;
		}
		start += len;
		scan = start;
		lineno++;
		if (len > INGEST_LINE_MAX) {
			rc = EXIT_INVALID;
			snprintf(cut, cutcap, "line %llu: longer than %d bytes; nothing appended",
			         (unsigned long long)lineno, INGEST_LINE_MAX);
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (g->n == TLOG_MAX_BATCH || bytes + len > INGEST_INPUT_MAX) {
			rc = EXIT_INVALID;
			snprintf(
			        cut, cutcap,
			        "line %llu: a batch holds at most %d entries and %zu MiB; split the "
			        "input; nothing appended",
			        (unsigned long long)lineno, TLOG_MAX_BATCH, INGEST_INPUT_MAX >> 20);
			break;
		}
		if (!keep(g, line, len, lineno)) {
			rc = EXIT_FAIL;
			snprintf(cut, cutcap, "out of memory reading line %llu",
			         (unsigned long long)lineno);
			break;
		}
		bytes += len;
	}
	free(buf);
	return rc;
}

int
ingest_start(FILE *in, bool raw, struct ingest **out)
{
	struct ingest *g = calloc(1, sizeof(*g));
	char cut[256];
	int rc;

	*out = NULL;
	if (!g)
		return cli_err(EXIT_FAIL, "out of memory");
	g->raw = raw;
	g->stop = SIZE_MAX;
	g->refused = SIZE_MAX;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	rc = read_lines(g, in, cut, sizeof(cut));
	g->nruns = (g->n + INGEST_CHUNK - 1) / INGEST_CHUNK;
	if (g->n > 0 &&
	    (!(g->v = calloc(g->n, sizeof(*g->v))) || !(g->e = calloc(g->n, sizeof(*g->e))) ||
	     !(g->runs = calloc(g->nruns, sizeof(*g->runs))))) {
		rc = cli_err(EXIT_FAIL, "out of memory for %zu entries", g->n);
		goto fail;
	}
	for (size_t k = 0; k < g->nruns; k++) {
		struct run *r = &g->runs[k];
		r->lo = k * INGEST_CHUNK;
		r->hi = g->n - r->lo < INGEST_CHUNK ? g->n : r->lo + INGEST_CHUNK;
		r->bad = SIZE_MAX;
		atomic_init(&r->done, false);
	}
	g->back = g->nruns;
	if (rc != EXIT_OK) {
		/* A cap was passed: the lines before it are decoded here, a bad one comes first. */
		if (ingest_refused(g) == EXIT_OK)
			cli_err(rc, "%s", cut);
		goto fail;
	}
	/* A worker that cannot be started leaves its share to the others and the caller. */
	for (size_t k = workers_for(g->n); k > 0; k--) {
		if (pthread_create(&g->threads[g->nthreads], NULL, worker, g) == 0)
			g->nthreads++;
	}
	g->t_start = now_ns();
	*out = g;
	return EXIT_OK;
fail:
	ingest_free(g);
	return rc != EXIT_OK ? rc : EXIT_FAIL;
}

size_t
ingest_count(const struct ingest *g)
{
	return g->n;
}

/* Whether the caller, needing entry i of a run a worker is decoding, should decode a run from
 * the back rather than wait: only when the workers alone would still be decoding once the caller
 * has appended everything up to the end, at the pace each has kept so far. Otherwise its own
 * decoding would only delay the appending, which it alone does. Called with mu held. */
static bool
worth_helping(const struct ingest *g, size_t i, double now)
{
	/* now: when the caller came in for entry i; what it spent before, outside ingest_next, is
	 * the appending of entries 0..i-1. */
	double per_line, per_entry, workers_left;

	if (g->decoded_lines == 0 || i == 0)
		return false;
	per_line = g->decode_ns / (double)g->decoded_lines;
	per_entry = (now - g->t_start - g->inside_ns) / (double)i;
	workers_left = (double)((g->back - g->front) * INGEST_CHUNK) * per_line /
	               (double)(g->nthreads ? g->nthreads : 1);
	return workers_left > (double)(g->n - i) * per_entry + INGEST_CHUNK * per_line;
}

int
ingest_next(void *arg, size_t i, struct tlog_blob *entry, const Remacto__V1__Entry **decoded)
{
	struct ingest *g = arg;
	size_t k = i / INGEST_CHUNK;
	struct run *r = &g->runs[k];

	/* Past an entry refused, everything is: a run after the bad line may have been decoded by
	 * a worker before the bad line was found, and its entries are good on their own. */
	if (i >= g->refused)
		return -EINVAL;
	if (i % INGEST_CHUNK == 0 && k > 0 && g->nthreads > 0) {
		/* The append asks in order: it is done with run k - 1, which a worker may free. */
		pthread_mutex_lock(&g->mu);
		g->consumed = k;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	if (!atomic_load_explicit(&r->done, memory_order_acquire)) {
		/* The caller asks in order, so every run before k is done and no bad line before r is
		 * known (r->lo <= stop): r is at the front, or being decoded by a worker. */
		double t0 = now_ns();

		pthread_mutex_lock(&g->mu);
		while (!atomic_load_explicit(&r->done, memory_order_relaxed) && r->lo <= g->stop) {
			bool busy = k < g->front;

			if ((busy && !worth_helping(g, i, t0)) || !take_run(g, busy))
				pthread_cond_wait(&g->cv, &g->mu);
		}
		pthread_mutex_unlock(&g->mu);
		g->inside_ns += now_ns() - t0;
		if (!atomic_load_explicit(&r->done, memory_order_acquire))
			goto refused;
	}
	if (r->bad <= i)
		goto refused;
	*entry = g->v[i];
	*decoded = g->e[i];
	return 0;
refused:
	g->refused = i;
	return -EINVAL;
}

/* Waits for the workers to end (they end when no run is left to take). */
static void
join_workers(struct ingest *g)
{
	for (size_t k = 0; k < g->nthreads; k++)
		pthread_join(g->threads[k], NULL);
	g->nthreads = 0;
}

int
ingest_refused(struct ingest *g)
{
	pthread_mutex_lock(&g->mu);
	while (take_run(g, false))
		;
	g->cancel = true; /* nothing more is decoded or appended: the workers may end */
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	join_workers(g);
	for (size_t k = 0; k < g->nruns && atomic_load(&g->runs[k].done); k++) {
		if (g->runs[k].bad != SIZE_MAX)
			return cli_err(EXIT_INVALID, "line %llu: %s; nothing appended",
			               (unsigned long long)g->lines[g->runs[k].bad].lineno,
			               g->runs[k].why ? g->runs[k].why : "out of memory");
	}
	return EXIT_OK;
}

void
ingest_free(struct ingest *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->cancel = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	join_workers(g);
	if (g->v)
		free_entries(g, 0, g->n);
	for (size_t k = 0; g->runs && k < g->nruns; k++)
		free(g->runs[k].why);
	free(g->runs);
	free(g->v);
	free(g->e);
	free(g->text);
	free(g->lines);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

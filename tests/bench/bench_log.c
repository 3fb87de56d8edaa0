/*
 * bench_log — throughput and memory of the log core, with the store on disk and LMDB's default
 * durability (fsync at every commit). Prints one JSON line per measurement.
 *
 *   bench_log append DIR N BATCH     N entries of ~300 bytes, BATCH per signed checkpoint
 *   bench_log single DIR N           N single-entry appends, one durable commit each
 *   bench_log verify DIR             full verification of the log written by `append`
 *   bench_log memory DIR N1 N2       RSS (and its anonymous part) after N1 and after N2 entries
 *   bench_log disk DIR               the size of the store `append` wrote, per entry: data.mdb as
 *                                    it is, and compacted (mdb_env_copy2 with MDB_CP_COMPACT, what
 *                                    mdb_copy -c writes), and the pages of each database
 *   bench_log jsonl indicators|N     the same entries as JSON lines on standard output (the 997
 *                                    indicators the measurements refer to, or N measurements):
 *                                    input for `remacto log append` (tests/bench/bench_cli.sh)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/entry.h"
#include "core/pbjson.h"
#include "peers/ledger.h"
#include "store/tlog.h"

#define ORIGIN "remacto.ma/bench"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A measurement entry of about 300 bytes, different for every i. */
static size_t
make_entry(uint64_t i, uint8_t *out)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Measurement m = REMACTO__V1__MEASUREMENT__INIT;
	Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
	char ind[32], period[16], comment[256];

	snprintf(ind, sizeof(ind), "IND-%03llu", (unsigned long long)(i % 997));
	snprintf(period, sizeof(period), "%llu-Q%llu", 2000 + (unsigned long long)(i / 4 % 100),
	         (unsigned long long)(i % 4 + 1));
	snprintf(comment, sizeof(comment),
	         "Mesure %llu : valeur relevée par le service, "
	         "vérifiée par le comité de suivi et publiée avec sa pièce justificative, "
	         "conformément à la méthodologie du réseau; données ouvertes disponibles "
	         "sur le portail de la collectivité territoriale.",
	         (unsigned long long)i);
	t.fr = comment;
	m.indicator_id = ind;
	m.period = period;
	m.value = (double)(i % 1000) / 10.0;
	m.comment = &t;
	e.schema = 1;
	e.published = "2025-01-01T00:00:00Z";
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEASUREMENT;
	e.measurement = &m;
	return remacto__v1__entry__pack(&e, out);
}

/* The indicator the measurements of open_log's seed refer to. */
static size_t
make_indicator(int i, uint8_t *out)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Indicator ind = REMACTO__V1__INDICATOR__INIT;
	Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
	char id[16];

	snprintf(id, sizeof(id), "IND-%03d", i);
	t.fr = id;
	ind.id = id;
	ind.title = &t;
	e.schema = 1;
	e.kind_case = REMACTO__V1__ENTRY__KIND_INDICATOR;
	e.indicator = &ind;
	return remacto__v1__entry__pack(&e, out);
}

/* Prints entry bytes as one line of canonical JSON. */
static int
print_json(const uint8_t *data, size_t len)
{
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	json_t *j = e ? pbjson_encode(&e->base) : NULL;
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = s && printf("%s\n", s) > 0 ? 0 : -1;

	free(s);
	json_decref(j);
	remacto__v1__entry__free_unpacked(e, NULL);
	return rc;
}

static int
jsonl(const char *what)
{
	uint8_t buf[512];

	if (!strcmp(what, "indicators")) {
		for (int i = 0; i < 997; i++)
			if (print_json(buf, make_indicator(i, buf)) != 0)
				return 1;
	} else {
		uint64_t n = strtoull(what, NULL, 10);
		for (uint64_t i = 0; i < n; i++)
			if (print_json(buf, make_entry(i, buf)) != 0)
				return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static void
rss(long *total_kb, long *anon_kb)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	*total_kb = *anon_kb = -1;
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", total_kb);
		sscanf(line, "RssAnon: %ld", anon_kb);
	}
	if (f)
		fclose(f);
}

static int
open_log(struct store *s, struct note_signer *signer, const char *dir)
{
	uint8_t seed[32];
	char err[256];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	if (note_signer_from_seed(signer, ORIGIN, NOTE_ALG_ED25519, seed) != 0 ||
	    ledger_open(s, dir, STORE_CREATE, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_log: cannot open %s: %s\n", dir, err);
		return -1;
	}
	int rc = tlog_create(s, signer, NULL, err, sizeof(err));
	if (rc == -EEXIST)
		return 0;
	if (rc != 0) {
		fprintf(stderr, "bench_log: %s\n", err);
		return -1;
	}
	/* The indicators the measurements refer to (the index refuses measurements of unknown
	 * indicators), published once, untimed. */
	static uint8_t buf[997][128];
	struct tlog_blob v[997];
	for (int i = 0; i < 997; i++) {
		v[i].data = buf[i];
		v[i].len = make_indicator(i, buf[i]);
	}
	if (tlog_append(s, ORIGIN, signer, v, 997, NULL, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_log: seeding indicators: %s\n", err);
		return -1;
	}
	return 0;
}

/* CPU seconds (user and system) of this process so far. */
static double
cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Bytes this process has written with write(2) and its kin so far (/proc/self/io wchar): LMDB
 * writes every dirty page of a commit, so what it writes per entry is the write amplification. */
static long long
written(void)
{
	char line[128];
	long long w = -1;
	FILE *f = fopen("/proc/self/io", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "wchar: %lld", &w) == 1)
			break;
	if (f)
		fclose(f);
	return w;
}

static double cpu_spent;        /* in tlog_append, by append_n */
static long long bytes_written; /* by tlog_append, by append_n */

/* Appends n entries from index `from` in batches; returns seconds spent in tlog_append. */
static double
append_n(struct store *s, const struct note_signer *signer, uint64_t from, uint64_t n, size_t batch,
         size_t *bytes)
{
	uint8_t *buf = malloc(batch * 512);
	struct tlog_blob *v = malloc(batch * sizeof(*v));
	char err[256];
	double spent = 0;

	for (uint64_t done = 0; done < n;) {
		size_t k = n - done < batch ? (size_t)(n - done) : batch;
		for (size_t j = 0; j < k; j++) {
			v[j].data = buf + j * 512;
			v[j].len = make_entry(from + done + j, buf + j * 512);
			*bytes += v[j].len;
		}
		double t0 = now(), c0 = cpu();
		long long w0 = written();
		if (tlog_append(s, ORIGIN, signer, v, k, NULL, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_log: %s\n", err);
			exit(1);
		}
		spent += now() - t0;
		cpu_spent += cpu() - c0;
		bytes_written += written() - w0;
		done += k;
	}
	free(v);
	free(buf);
	return spent;
}

static long long
file_size(const char *dir)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Where the bytes of the store go: data.mdb as a running node has it (with the pages LMDB freed
 * and will reuse), compacted, and each database's pages, all per entry of the log. */
static int
disk(struct store *s, const char *dir)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	struct tlog_head *h = calloc(1, sizeof(*h));
	char copy[4200];
	long long raw = file_size(dir), compact;
	int rc;

	if (!h || store_read_begin(s, &txn) != 0 || tlog_head(s, txn, ORIGIN, h) != 0)
		return -1;
	snprintf(copy, sizeof(copy), "%s.compact", dir);
	if (mkdir(copy, 0700) != 0 || (rc = mdb_env_copy2(s->env, copy, MDB_CP_COMPACT)) != 0) {
		fprintf(stderr, "bench_log: cannot copy %s to %s\n", dir, copy);
		return -1;
	}
	compact = file_size(copy);
	snprintf(copy + strlen(copy), sizeof(copy) - strlen(copy), "/data.mdb");
	unlink(copy);
	copy[strlen(copy) - strlen("/data.mdb")] = '\0';
	rmdir(copy);
	printf("{\"bench\":\"disk\",\"entries\":%llu,\"data_mdb_bytes\":%lld,"
	       "\"bytes_per_entry\":%.1f,\"compacted_bytes\":%lld,"
	       "\"compacted_bytes_per_entry\":%.1f,\"per_entry_by_db\":{",
	       (unsigned long long)h->size, raw, (double)raw / h->size, compact,
	       (double)compact / h->size);
	/* The named databases are the keys of the main one. */
	MDB_dbi main_db;
	int first = 1;
	mdb_dbi_open(txn, NULL, 0, &main_db);
	mdb_cursor_open(txn, main_db, &c);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char name[128];
		MDB_dbi db;
		MDB_stat st;
		snprintf(name, sizeof(name), "%.*s", (int)k.mv_size, (char *)k.mv_data);
		if (mdb_dbi_open(txn, name, 0, &db) != 0 || mdb_stat(txn, db, &st) != 0)
			continue;
		size_t pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
		if (pages == 0)
			continue;
		printf("%s\"%s\":%.1f", first ? "" : ",", name,
		       (double)pages * st.ms_psize / h->size);
		first = 0;
	}
	printf("}}\n");
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	free(h);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store s;
	struct note_signer signer = { 0 };
	size_t bytes = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_log append|single|verify|memory DIR ...\n"
		                "       bench_log jsonl indicators|N\n");
		return 2;
	}
	if (!strcmp(argv[1], "jsonl"))
		return jsonl(argv[2]);
	if (open_log(&s, &signer, argv[2]) != 0)
		return 1;
	if (!strcmp(argv[1], "append") && argc == 5) {
		uint64_t n = strtoull(argv[3], NULL, 10);
		size_t batch = strtoul(argv[4], NULL, 10);
		double t = append_n(&s, &signer, 0, n, batch, &bytes);
		printf("{\"bench\":\"append\",\"entries\":%llu,\"batch\":%zu,\"avg_bytes\":%zu,"
		       "\"seconds\":%.3f,\"entries_per_s\":%.0f,\"cpu_us_per_entry\":%.2f,"
		       "\"written_bytes_per_entry\":%.0f}\n",
		       (unsigned long long)n, batch, bytes / n, t, n / t, 1e6 * cpu_spent / n,
		       (double)bytes_written / n);
	} else if (!strcmp(argv[1], "single") && argc == 4) {
		uint64_t n = strtoull(argv[3], NULL, 10);
		double t = append_n(&s, &signer, 0, n, 1, &bytes);
		printf("{\"bench\":\"single\",\"entries\":%llu,\"seconds\":%.3f,"
		       "\"entries_per_s\":%.0f,\"ms_per_commit\":%.3f,"
		       "\"written_bytes_per_entry\":%.0f}\n",
		       (unsigned long long)n, t, n / t, 1000 * t / n, (double)bytes_written / n);
	} else if (!strcmp(argv[1], "verify") && argc == 3) {
		char err[512];
		MDB_txn *txn;
		struct tlog_head *h = calloc(1, sizeof(*h));
		store_read_begin(&s, &txn);
		tlog_head(&s, txn, ORIGIN, h);
		mdb_txn_abort(txn);
		double t0 = now();
		if (tlog_verify(&s, ORIGIN, NULL, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_log: verify: %s\n", err);
			return 1;
		}
		double t = now() - t0;
		printf("{\"bench\":\"verify\",\"entries\":%llu,\"seconds\":%.3f,"
		       "\"entries_per_s\":%.0f}\n",
		       (unsigned long long)h->size, t, h->size / t);
		free(h);
	} else if (!strcmp(argv[1], "disk") && argc == 3) {
		if (disk(&s, argv[2]) != 0)
			return 1;
	} else if (!strcmp(argv[1], "memory") && argc == 5) {
		uint64_t n1 = strtoull(argv[3], NULL, 10), n2 = strtoull(argv[4], NULL, 10);
		long r1, a1, r2, a2;
		append_n(&s, &signer, 0, n1, 1000, &bytes);
		rss(&r1, &a1);
		append_n(&s, &signer, n1, n2 - n1, 1000, &bytes);
		rss(&r2, &a2);
		printf("{\"bench\":\"memory\",\"at\":[%llu,%llu],\"rss_kb\":[%ld,%ld],"
		       "\"rss_anon_kb\":[%ld,%ld]}\n",
		       (unsigned long long)n1, (unsigned long long)n2, r1, r2, a1, a2);
	} else {
		fprintf(stderr, "bench_log: bad arguments\n");
		return 2;
	}
	note_signer_free(&signer);
	store_close(&s);
	return 0;
}

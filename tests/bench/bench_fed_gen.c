/*
 * bench_fed_gen — the data a federation benchmark starts from (tests/bench/bench_fed.sh),
 * written straight into a store, the way bench_compliance does, instead of through running
 * nodes:
 *
 *   bench_fed_gen DIR MEMBERS ENTRIES [FIRST]
 *
 * Writes into DIR (which must not hold a registry yet):
 *   authority.key, authority.vkey   the network authority's key (PKCS#8 PEM, 0600) and its
 *                                   verifier key, one line, for [authority] verifier_key
 *   keys/mK.key                     member K's key (K = 1..MEMBERS), PKCS#8 PEM, 0600
 *   members                         "K origin verifier-key", one member a line
 *   registry/                       the authority's data folder: its registry log (owned, the
 *                                   key file recorded) admitting the MEMBERS members, and, when
 *                                   ENTRIES > 0, every member's log as a replica holding its
 *                                   share of ENTRIES entries (~300-byte measurements after 20
 *                                   indicators), signed by the member's own key, as a node that
 *                                   replicated them would hold them; with FIRST, only members
 *                                   FIRST..MEMBERS have their log there (the others are run by
 *                                   real nodes that start empty): the members a federation
 *                                   benchmark simulates, served by the authority's node
 * Prints one JSON line. Member origins are remacto.ma/bench-mNNN.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/entry.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define NIND 20

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "bench_fed_gen: %s: %s\n", what, err);
	exit(1);
}

/* A key file at path (made when missing) as a signer named name. */
static void
key_at(const char *path, const char *name, struct note_signer *s)
{
	char err[512];
	struct stat st;
	if (stat(path, &st) != 0 && note_keygen_pem(path, err, sizeof(err)) != 0)
		die(path, err);
	if (note_signer_from_pem(s, name, NOTE_ALG_ED25519, path, err, sizeof(err)) != 0)
		die(path, err);
}

static void
origin_of(unsigned k, char *out, size_t cap)
{
	snprintf(out, cap, "remacto.ma/bench-m%03u", k);
}

/* Entry i of a member log: NIND indicators, then measurements of about 300 bytes. */
static size_t
make_entry(unsigned k, uint64_t i, uint8_t *out)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
	char id[32], period[16], comment[256];

	e.schema = 1;
	e.published = "2025-01-01T00:00:00Z";
	t.fr = comment;
	if (i < NIND) {
		Remacto__V1__Indicator ind = REMACTO__V1__INDICATOR__INIT;
		snprintf(id, sizeof(id), "IND-%03u", (unsigned)i);
		snprintf(comment, sizeof(comment), "Indicateur %u du membre %u", (unsigned)i, k);
		ind.id = id;
		ind.title = &t;
		e.kind_case = REMACTO__V1__ENTRY__KIND_INDICATOR;
		e.indicator = &ind;
		return remacto__v1__entry__pack(&e, out);
	}
	Remacto__V1__Measurement m = REMACTO__V1__MEASUREMENT__INIT;
	snprintf(id, sizeof(id), "IND-%03u", (unsigned)(i % NIND));
	snprintf(period, sizeof(period), "%llu-Q%llu", 2000 + (unsigned long long)(i / 4 % 100),
	         (unsigned long long)(i % 4 + 1));
	snprintf(comment, sizeof(comment),
	         "Mesure %llu du membre %u : valeur relevée par le "
	         "service, vérifiée par le comité de suivi et publiée avec sa pièce "
	         "justificative, conformément à la méthodologie du réseau; données ouvertes.",
	         (unsigned long long)i, k);
	m.indicator_id = id;
	m.period = period;
	m.value = (double)(i % 1000) / 10.0;
	m.comment = &t;
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEASUREMENT;
	e.measurement = &m;
	return remacto__v1__entry__pack(&e, out);
}

struct admit {
	struct store *s;
	unsigned members;
	struct note_signer *keys; /* [members] */
	const struct note_signer *auth;
	unsigned first; /* members first..members get a replica; 0: none */
};

static int
admit_txn(MDB_txn *txn, void *arg)
{
	struct admit *a = arg;
	struct tlog_batch b;
	char err[256] = "";
	uint8_t buf[4096];
	int rc = tlog_batch_begin(&b, a->s, txn, REG);
	if (rc != 0)
		return rc;
	for (unsigned k = 1; k <= a->members && rc == 0; k++) {
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__MemberAdmission m = REMACTO__V1__MEMBER_ADMISSION__INIT;
		Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
		char origin[64], vkey[NOTE_VKEY_MAX + 1], hcp[16], name[64];
		origin_of(k, origin, sizeof(origin));
		note_verifier_format(&a->keys[k - 1].v, vkey, sizeof(vkey));
		snprintf(hcp, sizeof(hcp), "%07u", 9000000 + k);
		snprintf(name, sizeof(name), "Commune de banc d'essai %u", k);
		t.fr = name, t.ar = "جماعة";
		m.origin = origin, m.verifier_key = vkey, m.hcp_code = hcp, m.name = &t;
		m.kind = REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE;
		m.region_code = "04", m.population = 10000 + k, m.census_year = "2014";
		m.date = "2025-01-01";
		e.schema = 1, e.published = "2025-01-01T00:00:00Z";
		e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION, e.member_admission = &m;
		rc = tlog_batch_add(&b, txn, buf, remacto__v1__entry__pack(&e, buf), true, err,
		                    sizeof(err));
		if (rc == 0 && a->first && k >= a->first)
			rc = tlog_create_replica(a->s, txn, origin, vkey);
	}
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, a->auth, NULL);
	else
		fprintf(stderr, "bench_fed_gen: admission: %s\n", err);
	tlog_batch_end(&b);
	return rc;
}

struct fill {
	struct store *s;
	unsigned k;
	uint64_t n;
	const struct note_signer *key;
	uint8_t *buf;
};

static int
fill_txn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	struct tlog_batch b;
	char origin[64], err[256] = "";
	origin_of(f->k, origin, sizeof(origin));
	int rc = tlog_batch_begin(&b, f->s, txn, origin);
	for (uint64_t i = 0; i < f->n && rc == 0; i++)
		rc = tlog_batch_add(&b, txn, f->buf, make_entry(f->k, i, f->buf), true, err,
		                    sizeof(err));
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, f->key, NULL);
	else
		fprintf(stderr, "bench_fed_gen: %s: %s\n", origin, err);
	tlog_batch_end(&b);
	return rc;
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX], abs[PATH_MAX], err[512], vkey[NOTE_VKEY_MAX + 1];
	struct note_signer auth = { 0 };
	struct store s;
	FILE *f;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: bench_fed_gen DIR MEMBERS ENTRIES [FIRST]\n");
		return 2;
	}
	const char *dir = argv[1];
	unsigned members = (unsigned)strtoul(argv[2], NULL, 10);
	uint64_t entries = strtoull(argv[3], NULL, 10);
	unsigned first = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 1;
	unsigned filled = first >= 1 && first <= members ? members - first + 1 : 0;
	if (members < 1 || members > 9999 || filled == 0 ||
	    (entries && entries / filled < NIND + 1)) {
		fprintf(stderr,
		        "bench_fed_gen: 1 to 9999 members, FIRST from 1 to MEMBERS, and 0 or at "
		        "least %d entries a member from FIRST on\n",
		        NIND + 1);
		return 2;
	}
	double t0 = now();
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/keys", dir);
	mkdir(path, 0700);

	snprintf(path, sizeof(path), "%s/authority.key", dir);
	key_at(path, REG, &auth);
	if (!realpath(path, abs))
		die(path, strerror(errno));
	note_verifier_format(&auth.v, vkey, sizeof(vkey));
	snprintf(path, sizeof(path), "%s/authority.vkey", dir);
	if (!(f = fopen(path, "w")) || fprintf(f, "%s\n", vkey) < 0 || fclose(f) != 0)
		die(path, strerror(errno));

	struct note_signer *keys = calloc(members, sizeof(*keys));
	snprintf(path, sizeof(path), "%s/members", dir);
	FILE *mf = fopen(path, "w");
	if (!keys || !mf)
		die(path, strerror(errno));
	for (unsigned k = 1; k <= members; k++) {
		char origin[64], kp[PATH_MAX], mv[NOTE_VKEY_MAX + 1];
		origin_of(k, origin, sizeof(origin));
		snprintf(kp, sizeof(kp), "%s/keys/m%u.key", dir, k);
		key_at(kp, origin, &keys[k - 1]);
		note_verifier_format(&keys[k - 1].v, mv, sizeof(mv));
		fprintf(mf, "%u %s %s\n", k, origin, mv);
	}
	if (fclose(mf) != 0)
		die(path, strerror(errno));

	snprintf(path, sizeof(path), "%s/registry", dir);
	if (ledger_open(&s, path, STORE_CREATE, (size_t)4 << 30, err, sizeof(err)) != 0)
		die(path, err);
	if (registry_set_authority(&s, vkey, err, sizeof(err)) != 0 ||
	    tlog_create(&s, &auth, abs, err, sizeof(err)) != 0)
		die("registry", err);
	struct admit a = { &s, members, keys, &auth, entries > 0 ? first : 0 };
	if (store_write(&s, admit_txn, &a) != 0)
		die("registry", "admissions not stored");
	double t1 = now();

	uint8_t *buf = malloc(ENTRY_MAX_LEN);
	for (unsigned k = first; entries && k <= members; k++) {
		/* ENTRIES exactly: the remainder goes to the first logs. */
		struct fill fl = { &s, k, entries / filled + (k - first < entries % filled),
			           &keys[k - 1], buf };
		int rc = store_write(&s, fill_txn, &fl);
		if (rc != 0)
			die("member log", store_strerror(rc));
	}
	double t2 = now();
	printf("{\"bench\":\"fed_generate\",\"members\":%u,\"entries\":%llu,\"seconds\":%.1f,"
	       "\"fill_entries_per_s\":%.0f}\n",
	       members, (unsigned long long)entries, t2 - t0, entries ? entries / (t2 - t1) : 0.0);
	free(buf);
	for (unsigned k = 0; k < members; k++)
		note_signer_free(&keys[k]);
	free(keys);
	note_signer_free(&auth);
	store_close(&s);
	return 0;
}

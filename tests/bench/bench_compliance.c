/*
 * bench_compliance — the derived views at national scale: a federation of MEMBERS members
 * (default 1,600: 12 regions, 75 prefectures and provinces, the rest communes) holding about
 * TOTAL entries (default 5,000,000) written straight into a store, then the costs the issue
 * sets goals for, in process (the HTTP side is bench_compliance_http.sh):
 *
 *   bench_compliance generate DIR [TOTAL] [MEMBERS]   build the federation (once; reused after)
 *   bench_compliance run DIR [ROUNDS]                 measure
 *   bench_compliance first DIR                        the first overview after a start, alone
 *   bench_compliance repeat DIR [ROUNDS]              repeated overviews and benchmark queries
 *   bench_compliance rebuild DIR                      the views folded again from the logs
 *
 * Each member's log: a programme, 40 commitments with 3 milestones each, 15 catalog
 * indicators, then two years of status updates, monthly measurements (totals and a gender
 * breakdown), milestone outcomes, consultations and a few amendments; witnesses cosign every
 * log along the way (5% of the logs stop being witnessed), 8 logs equivocate.
 *
 * `run` prints one JSON line per measurement (wall and CPU time: on a loaded machine the wall
 * includes waiting for a core): the first refresh after a start (the registry and every log's
 * size); the national overview (12 month trend) the first time (every member evaluated at 13
 * days), then with every member's results memoised and its JSON written, then as a repeated
 * request (the answer memoised); one member's report and benchmark queries, each the median
 * of ROUNDS calls including the refresh against the store and the JSON the API would send; and
 * the upkeep: 100,000 entries appended in batches of 1,000 through tlog_append (the node's
 * path), then folded into the views, with the fold's cost as a share of the append time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/entry.h"
#include "peers/evidence.h"
#include "peers/registry.h"
#include "peers/witness.h"
#include "store/tlog.h"
#include "views/benchmark.h"
#include "views/compliance.h"
#include "views/facts.h"
#include "views/facts_store.h"

#define REG "remacto.ma/registry"
#define NCOMMIT 40
#define NMILE 3
#define ASOF "2025-06-30"

static const struct {
	const char *code;
	int principle;
	bool higher, per10k;
} catalog[15] = {
	{ "TR-01", 1, true, false },  { "TR-02", 1, true, false }, { "TR-03", 1, true, false },
	{ "AI-01", 3, false, false }, { "AI-02", 3, true, false }, { "AI-03", 3, false, false },
	{ "CP-01", 4, true, true },   { "CP-02", 4, true, false }, { "CP-03", 4, true, false },
	{ "CP-04", 4, true, false },  { "AC-01", 2, true, false }, { "AC-02", 2, true, false },
	{ "AC-03", 2, true, false },  { "DG-01", 5, true, true },  { "DG-02", 5, true, false },
};

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The process's CPU time: on a machine other work loads, wall times include waiting for a
 * core, CPU times do not. */
static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static void
signer_for(struct note_signer *s, const char *name, uint32_t n)
{
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)mix(n * 64 + (uint64_t)i);
	if (note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed) != 0) {
		fprintf(stderr, "bench_compliance: cannot make a key\n");
		exit(1);
	}
}

static void
origin_of(uint32_t i, char *out, size_t cap)
{
	snprintf(out, cap, "remacto.ma/member-%04u", i);
}

/* ---- entries ---- */

struct ebuf {
	uint8_t *data;
	size_t len, cap;
	struct tlog_blob *v;
	size_t n, vcap;
};

static void
put(struct ebuf *b, Remacto__V1__Entry *e, const char *published)
{
	e->schema = 1;
	e->published = (char *)published;
	size_t len = remacto__v1__entry__get_packed_size(e);
	if (b->len + len > b->cap) {
		fprintf(stderr, "bench_compliance: entry buffer full\n");
		exit(1);
	}
	remacto__v1__entry__pack(e, b->data + b->len);
	if (b->n == b->vcap) {
		b->vcap = b->vcap ? b->vcap * 2 : 4096;
		b->v = realloc(b->v, b->vcap * sizeof(*b->v));
		if (!b->v)
			exit(1);
	}
	b->v[b->n++] = (struct tlog_blob){ b->data + b->len, len };
	b->len += len;
}

static void
day_str(facts_day d, char out[11])
{
	facts_day_format(d, out);
}

/* The entries of member k's log from entry `from` to `to` (exclusive), as published on the
 * days the member's timeline gives (two years, up to 2025-06-28). */
static void
member_entries(uint32_t k, uint64_t from, uint64_t to, uint64_t per_member, struct ebuf *b)
{
	facts_day start = facts_day_parse("2023-07-01"), end = facts_day_parse("2025-06-28");
	char id[32], id2[32], pub[32], date[11], period[16], text[64], field[48], oldv[16],
	        newv[16];
	bool no_digital = k % 10 == 3; /* 10% of the members miss a principle */

	for (uint64_t i = from; i < to; i++) {
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
		facts_day d = start + (facts_day)((uint64_t)(end - start) * i / per_member);
		uint64_t r = mix((uint64_t)k << 32 | i);
		day_str(d, date);
		snprintf(pub, sizeof(pub), "%sT%02u:%02u:00Z", date, (unsigned)(i % 24),
		         (unsigned)(i % 60));
		t.fr = text;
		if (i == 0) {
			Remacto__V1__Programme p = REMACTO__V1__PROGRAMME__INIT;
			snprintf(text, sizeof(text), "Programme ouvert %u", k);
			p.id = "OPEN", p.title = &t;
			p.stage = REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_IMPLEMENTATION;
			e.kind_case = REMACTO__V1__ENTRY__KIND_PROGRAMME, e.programme = &p;
			put(b, &e, pub);
		} else if (i <= NCOMMIT) {
			Remacto__V1__Commitment c = REMACTO__V1__COMMITMENT__INIT;
			Remacto__V1__Milestone ms[NMILE], *msp[NMILE];
			Remacto__V1__Text mt = REMACTO__V1__TEXT__INIT;
			Remacto__V1__Principle pr[2];
			char mid[NMILE][8], mdue[NMILE][11];
			unsigned c_no = (unsigned)i - 1;
			snprintf(id, sizeof(id), "C%02u", c_no);
			snprintf(text, sizeof(text), "Engagement %u", c_no);
			mt.fr = "Jalon";
			pr[0] = (Remacto__V1__Principle)(c_no % 5 + 1);
			pr[1] = (Remacto__V1__Principle)((c_no + 2) % 5 + 1);
			if (no_digital) {
				if (pr[0] == 5)
					pr[0] = 1;
				if (pr[1] == 5)
					pr[1] = 2;
			}
			c.id = id, c.programme_id = "OPEN", c.title = &t;
			c.principles = pr, c.n_principles = pr[0] == pr[1] ? 1 : 2;
			c.start_date = "2023-09-01", c.end_date = "2026-06-30";
			for (int m = 0; m < NMILE; m++) {
				Remacto__V1__Milestone z = REMACTO__V1__MILESTONE__INIT;
				ms[m] = z;
				snprintf(mid[m], sizeof(mid[m]), "M%d", m + 1);
				day_str(facts_day_parse("2024-03-31") +
				                (facts_day)(m * 180 + c_no * 3),
				        mdue[m]);
				ms[m].id = mid[m], ms[m].title = &mt, ms[m].due_date = mdue[m];
				msp[m] = &ms[m];
			}
			c.milestones = msp, c.n_milestones = NMILE;
			e.kind_case = REMACTO__V1__ENTRY__KIND_COMMITMENT, e.commitment = &c;
			put(b, &e, pub);
		} else if (i <= NCOMMIT + 15) {
			Remacto__V1__Indicator ind = REMACTO__V1__INDICATOR__INIT;
			Remacto__V1__Target tg = REMACTO__V1__TARGET__INIT, *tgp = &tg;
			unsigned n = (unsigned)(i - NCOMMIT - 1);
			snprintf(id, sizeof(id), "IND-%02u", n);
			snprintf(id2, sizeof(id2), "C%02u", n % NCOMMIT);
			ind.id = id, ind.catalog_code = (char *)catalog[n].code,
			ind.commitment_id = id2;
			ind.ascending = catalog[n].higher;
			tg.period = "2025", tg.value = 50 + (double)(r % 50);
			ind.targets = &tgp, ind.n_targets = 1;
			e.kind_case = REMACTO__V1__ENTRY__KIND_INDICATOR, e.indicator = &ind;
			put(b, &e, pub);
		} else {
			unsigned slot = (unsigned)(i % 16), ind_no = (unsigned)(r % 15);
			facts_day prev = facts_month_end(d, 1);
			char pd[11];
			day_str(prev, pd);
			snprintf(period, sizeof(period), "%.7s", pd);
			if (slot < 7 || slot == 15) {
				Remacto__V1__Measurement mm = REMACTO__V1__MEASUREMENT__INIT;
				Remacto__V1__Dimension dim = REMACTO__V1__DIMENSION__INIT,
				                       *dimp = &dim;
				snprintf(id, sizeof(id), "IND-%02u", ind_no);
				mm.indicator_id = id, mm.period = period;
				mm.value = (double)(r % 1000) / 10.0;
				if (slot == 6) {
					dim.name = "gender", dim.value = "female";
					mm.dimensions = &dimp, mm.n_dimensions = 1;
				}
				e.kind_case = REMACTO__V1__ENTRY__KIND_MEASUREMENT,
				e.measurement = &mm;
				put(b, &e, pub);
			} else if (slot < 12 || (slot == 14 && i % 160 != 14)) {
				Remacto__V1__StatusUpdate su = REMACTO__V1__STATUS_UPDATE__INIT;
				snprintf(id, sizeof(id), "C%02u", (unsigned)(r % NCOMMIT));
				su.commitment_id = id, su.date = date;
				su.completion = (Remacto__V1__Completion)(r % 3 + 1);
				su.progress_percent = (uint32_t)(r % 90);
				e.kind_case = REMACTO__V1__ENTRY__KIND_STATUS_UPDATE,
				e.status_update = &su;
				put(b, &e, pub);
			} else if (slot == 12) {
				Remacto__V1__MilestoneUpdate mu =
				        REMACTO__V1__MILESTONE_UPDATE__INIT;
				char mid[8];
				snprintf(id, sizeof(id), "C%02u", (unsigned)(r % NCOMMIT));
				snprintf(mid, sizeof(mid), "M%u", (unsigned)(r / 7 % NMILE) + 1);
				mu.commitment_id = id, mu.milestone_id = mid, mu.date = date;
				mu.status =
				        r % 5 ? REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_MET
				              : REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_SCHEDULED;
				e.kind_case = REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE;
				e.milestone_update = &mu;
				put(b, &e, pub);
			} else if (slot == 13) {
				Remacto__V1__Consultation co = REMACTO__V1__CONSULTATION__INIT;
				snprintf(id, sizeof(id), "K%llu", (unsigned long long)i);
				snprintf(text, sizeof(text), "Atelier de quartier %llu",
				         (unsigned long long)i);
				co.id = id, co.programme_id = "OPEN", co.date = date,
				co.subject = &t;
				co.participants = (uint32_t)(r % 200),
				co.women_percent = (uint32_t)(r % 60);
				e.kind_case = REMACTO__V1__ENTRY__KIND_CONSULTATION,
				e.consultation = &co;
				put(b, &e, pub);
			} else {
				Remacto__V1__Amendment am = REMACTO__V1__AMENDMENT__INIT;
				snprintf(id, sizeof(id), "C%02u", (unsigned)(r % NCOMMIT));
				snprintf(field, sizeof(field), "milestones[M%u].dueDate",
				         (unsigned)(r / 3 % NMILE) + 1);
				day_str(d, oldv);
				day_str(d + 60, newv);
				snprintf(text, sizeof(text), "Report demandé par le comité");
				am.subject = REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT,
				am.subject_id = id;
				am.field = field, am.old_value = oldv, am.new_value = newv,
				am.reason = &t;
				am.date = date;
				e.kind_case = REMACTO__V1__ENTRY__KIND_AMENDMENT, e.amendment = &am;
				put(b, &e, pub);
			}
		}
	}
}

/* ---- generation ---- */

struct gen {
	struct store *s;
	uint32_t first, count; /* members [first, first + count) */
	uint64_t per_member;
	struct ebuf *b;
};

static int
gen_txn(MDB_txn *txn, void *arg)
{
	struct gen *g = arg;
	char origin[64], err[256];
	for (uint32_t k = g->first; k < g->first + g->count; k++) {
		struct note_signer signer;
		struct tlog_batch batch;
		int rc;
		origin_of(k, origin, sizeof(origin));
		signer_for(&signer, origin, k + 1);
		g->b->len = 0, g->b->n = 0;
		member_entries(k, 0, g->per_member, g->per_member, g->b);
		if ((rc = tlog_batch_begin(&batch, g->s, txn, origin)) != 0) {
			note_signer_free(&signer);
			return rc;
		}
		for (size_t i = 0; i < g->b->n && rc == 0; i++)
			rc = tlog_batch_add(&batch, txn, g->b->v[i].data, g->b->v[i].len, true, err,
			                    sizeof(err));
		if (rc != 0)
			fprintf(stderr, "bench_compliance: %s: %s\n", origin, err);
		if (rc == 0)
			rc = tlog_batch_seal(&batch, txn, &signer, NULL);
		tlog_batch_end(&batch);
		note_signer_free(&signer);
		if (rc != 0)
			return rc;
		/* Witnesses: at a quarter, half and the end of the log (5% stop at half), two
		 * witnesses each, timestamped the day after the last entry they cover. */
		uint64_t sizes[3] = { g->per_member / 4, g->per_member / 2, g->per_member };
		facts_day start = facts_day_parse("2023-07-01"),
		          end = facts_day_parse("2025-06-28");
		Remacto__Store__LogRecord *rec;
		if ((rc = store_log_get(g->s, txn, origin, &rec)) != 0)
			return rc;
		for (int w = 0; w < 3; w++) {
			if (w == 2 && k % 20 == 7)
				break;
			facts_day d = start +
			              (facts_day)((uint64_t)(end - start) * (sizes[w] - 1) /
			                          g->per_member) +
			              1;
			for (int n = 0; n < 2; n++) {
				char name[64], line[128];
				snprintf(name, sizeof(name), "remacto.ma/witness-%d", n + 1);
				int len = snprintf(line, sizeof(line), "\xe2\x80\x94 %s AAAA\n",
				                   name);
				if ((rc = witness_put(g->s, txn, rec->id, sizes[w], name,
				                      (uint64_t)d * 86400 + 3600 * (unsigned)n,
				                      line, (size_t)len)) != 0)
					break;
			}
		}
		if (rc == 0 && k % 200 == 11) {
			char a[128], b2[128];
			snprintf(a, sizeof(a), "%s\n%llu\nAAAA\n", origin,
			         (unsigned long long)sizes[1]);
			snprintf(b2, sizeof(b2), "%s\n%llu\nBBBB\n", origin,
			         (unsigned long long)sizes[1]);
			rc = evidence_put(g->s, txn, origin, a, strlen(a), b2, strlen(b2)) < 0
			             ? -EIO
			             : 0;
		}
		remacto__store__log_record__free_unpacked(rec, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct reg_arg {
	struct store *s;
	uint32_t first, count;
	const struct note_signer *auth;
};

/* Admissions of members [first, first + count) and their empty logs. */
static int
admit_txn(MDB_txn *txn, void *arg)
{
	struct reg_arg *a = arg;
	struct tlog_batch batch;
	char err[256];
	int rc = tlog_batch_begin(&batch, a->s, txn, REG);
	uint8_t *buf = malloc(4096);
	if (rc != 0 || !buf) {
		free(buf);
		return rc ? rc : -ENOMEM;
	}
	for (uint32_t k = a->first; k < a->first + a->count && rc == 0; k++) {
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__MemberAdmission m = REMACTO__V1__MEMBER_ADMISSION__INIT;
		Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
		struct note_signer s;
		char origin[64], vkey[NOTE_VKEY_MAX + 1], hcp[16], region[8], name[64];
		origin_of(k, origin, sizeof(origin));
		signer_for(&s, origin, k + 1);
		note_verifier_format(&s.v, vkey, sizeof(vkey));
		snprintf(region, sizeof(region), "%02u", k % 12 + 1);
		snprintf(name, sizeof(name), "Collectivité %u", k);
		t.fr = name, t.ar = "جماعة";
		if (k < 12) {
			snprintf(hcp, sizeof(hcp), "%02u", k + 1);
			m.kind = REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION;
			m.population = 1000000 + mix(k) % 3000000;
		} else if (k < 87) {
			snprintf(hcp, sizeof(hcp), "%03u", 100 + k);
			m.kind = k % 2 ? REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PROVINCE
			               : REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE;
			m.population = 100000 + mix(k) % 1500000;
		} else {
			snprintf(hcp, sizeof(hcp), "%07u", 1000000 + k);
			m.kind = REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE;
			m.population = 2000 + mix(k) % 400000;
		}
		m.origin = origin, m.verifier_key = vkey, m.hcp_code = hcp, m.name = &t;
		m.region_code = k < 12 ? "" : region;
		m.census_year = "2014", m.date = "2023-06-01";
		e.schema = 1, e.published = "2023-06-01T09:00:00Z";
		e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION, e.member_admission = &m;
		size_t len = remacto__v1__entry__pack(&e, buf);
		rc = tlog_batch_add(&batch, txn, buf, len, true, err, sizeof(err));
		/* The member's log, held like a replica: the bench signs its appends itself. */
		if (rc == 0)
			rc = tlog_create_replica(a->s, txn, origin, vkey);
		note_signer_free(&s);
	}
	if (rc == 0)
		rc = tlog_batch_seal(&batch, txn, a->auth, NULL);
	else
		fprintf(stderr, "bench_compliance: admission: %s\n", err);
	tlog_batch_end(&batch);
	free(buf);
	return rc;
}

static void
append_registry(struct store *s, const struct note_signer *auth, Remacto__V1__Entry *e)
{
	uint8_t buf[4096];
	char err[256];
	e->schema = 1;
	e->published = "2023-06-02T09:00:00Z";
	struct tlog_blob b = { buf, remacto__v1__entry__pack(e, buf) };
	if (tlog_append(s, REG, auth, &b, 1, NULL, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: registry: %s\n", err);
		exit(1);
	}
}

static int
generate(const char *dir, uint64_t total, uint32_t members)
{
	struct store s;
	struct note_signer auth;
	char err[512], vkey[NOTE_VKEY_MAX + 1];
	struct ebuf b = { 0 };
	uint64_t per = total / members;
	double t0 = now();

	if (per < 60) {
		fprintf(stderr, "bench_compliance: at least 60 entries a member\n");
		return 1;
	}
	mkdir(dir, 0700);
	if (facts_store_open(&s, dir, STORE_CREATE, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s\n", err);
		return 1;
	}
	signer_for(&auth, REG, 0);
	note_verifier_format(&auth.v, vkey, sizeof(vkey));
	if (registry_set_authority(&s, vkey, err, sizeof(err)) != 0 ||
	    tlog_create(&s, &auth, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s\n", err);
		return 1;
	}
	for (uint32_t k = 0; k < members; k += 400) {
		struct reg_arg a = { &s, k, members - k < 400 ? members - k : 400, &auth };
		if (store_write(&s, admit_txn, &a) != 0)
			return 1;
	}
	for (int i = 0; i < 15; i++) {
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__CatalogIndicator ci = REMACTO__V1__CATALOG_INDICATOR__INIT;
		Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
		t.fr = t.en = (char *)catalog[i].code;
		ci.code = (char *)catalog[i].code, ci.principle = catalog[i].principle,
		ci.title = &t;
		ci.unit = "u", ci.higher_is_better = catalog[i].higher;
		ci.normalisation =
		        catalog[i].per10k
		                ? REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS
		                : REMACTO__V1__NORMALISATION__NORMALISATION_NONE;
		e.kind_case = REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR, e.catalog_indicator = &ci;
		append_registry(&s, &auth, &e);
	}
	{
		Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
		Remacto__V1__CompliancePolicy p = REMACTO__V1__COMPLIANCE_POLICY__INIT;
		p.liveness_days = 30, p.follow_up_days = 90, p.milestone_grace_days = 30;
		e.kind_case = REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY, e.compliance_policy = &p;
		append_registry(&s, &auth, &e);
	}
	b.cap = (size_t)per * 400 + 65536;
	if (!(b.data = malloc(b.cap)))
		return 1;
	for (uint32_t k = 0; k < members; k += 8) {
		struct gen g = { &s, k, members - k < 8 ? members - k : 8, per, &b };
		int rc = store_write(&s, gen_txn, &g);
		if (rc != 0) {
			fprintf(stderr, "bench_compliance: generating member %u: %s\n", k,
			        store_strerror(rc));
			return 1;
		}
		if (k % 200 == 0)
			fprintf(stderr, "\rgenerated %u/%u members", k, members);
	}
	double t1 = now();
	fprintf(stderr, "\n");
	printf("{\"bench\":\"generate\",\"members\":%u,\"entries\":%llu,\"seconds\":%.1f,"
	       "\"authority\":\"%s\"}\n",
	       members, (unsigned long long)per * members, t1 - t0, vkey);
	free(b.data);
	free(b.v);
	note_signer_free(&auth);
	store_close(&s);
	return 0;
}

/* ---- measuring ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The read transaction of the last refresh: the views read the store through it. */
static MDB_txn *views_txn;

static void
refresh(struct store *s, struct facts *f, const char *only)
{
	char err[512] = "";
	if (views_txn)
		mdb_txn_abort(views_txn);
	views_txn = NULL;
	if (store_read_begin(s, &views_txn) != 0 ||
	    facts_refresh(f, s, views_txn, only, err, sizeof(err))) {
		fprintf(stderr, "bench_compliance: refresh: %s\n", err);
		exit(1);
	}
}

static size_t
dump_len(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	size_t n = s ? strlen(s) : 0;
	free(s);
	json_decref(j);
	return n;
}

/* One overview as the API answers it: refresh, compute, JSON. */
static size_t
overview_once(struct store *s, struct facts *f, facts_day asof, struct compliance_overview *o)
{
	size_t n = 0;
	refresh(s, f, NULL);
	if (compliance_overview(f, asof, 12, o) != 0)
		exit(1);
	free(compliance_overview_dump(f, o, &n));
	compliance_overview_free(o);
	return n;
}

static size_t
report_once(struct store *s, struct facts *f, facts_day asof, uint32_t k)
{
	char origin[64];
	struct compliance_report r;
	origin_of(k, origin, sizeof(origin));
	refresh(s, f, origin);
	struct facts_member *m = facts_member_find(f, origin);
	if (!m || compliance_member(f, m, asof, &r) != 0)
		exit(1);
	size_t n = dump_len(compliance_report_json(f, &r));
	compliance_report_free(&r);
	return n;
}

static size_t
bench_once(struct store *s, struct facts *f, const char *code, enum benchmark_group g,
           const char *member)
{
	struct benchmark_query q = { .code = code, .group = g, .member = member };
	struct benchmark_result r;
	const char *bad;
	char err[256];
	refresh(s, f, NULL);
	if (benchmark_run(f, &q, &r, &bad, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s\n", err);
		exit(1);
	}
	size_t n = 0;
	free(benchmark_result_dump(f, &r, &n));
	benchmark_result_free(&r);
	return n;
}

static long
rss_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	while (fp && fgets(line, sizeof(line), fp))
		if (!strncmp(line, "RssAnon:", 8))
			kb = strtol(line + 8, NULL, 10);
	if (fp)
		fclose(fp);
	return kb;
}

struct upkeep {
	struct store *s;
	uint32_t members;
	uint64_t per;
	struct ebuf *b;
};

static int
run(const char *dir, int rounds)
{
	struct store s;
	char err[512];
	facts_day asof = facts_day_parse(ASOF);
	double *t = calloc((size_t)rounds * 4 + 16, sizeof(double)), t0, t1, c0;
	double *c = calloc((size_t)rounds * 4 + 16, sizeof(double));
	size_t bytes = 0;
	struct compliance_overview o;

	if (!t || !c || facts_store_open(&s, dir, 0, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s (generate it first)\n", err);
		return 1;
	}
	struct facts *f = facts_new();
	t0 = now();
	refresh(&s, f, NULL);
	t1 = now();
	uint32_t members = (uint32_t)f->n_members;
	uint64_t total = 0;
	for (size_t i = 0; i < f->n_members; i++)
		total += f->members[i]->size;
	uint64_t per = members ? total / members : 0;
	printf("{\"bench\":\"first_refresh\",\"members\":%u,\"entries\":%llu,\"seconds\":%.3f,"
	       "\"rss_anon_kb\":%ld,\"note\":\"the registry and every log's size; states are read "
	       "when first used\"}\n",
	       members, (unsigned long long)total, t1 - t0, rss_kb());

	/* The overview: the first call evaluates every member at 13 days; the next ones find
	 * them memoised (nothing changed). */
	t0 = now();
	bytes = overview_once(&s, f, asof, &o);
	t1 = now();
	printf("{\"bench\":\"overview_first\",\"ms\":%.1f,\"json_bytes\":%zu,\"states_read\":%llu,"
	       "\"tail_entries_folded\":%llu,\"rss_anon_kb\":%ld}\n",
	       (t1 - t0) * 1e3, bytes, (unsigned long long)f->loaded, (unsigned long long)f->folded,
	       rss_kb());
	for (int i = 0; i < rounds; i++) {
		t0 = now(), c0 = cpu_now();
		overview_once(&s, f, asof, &o);
		t[i] = (now() - t0) * 1e3, c[i] = (cpu_now() - c0) * 1e3;
	}
	printf("{\"bench\":\"overview\",\"median_ms\":%.2f,\"median_cpu_ms\":%.2f,\"rounds\":%d,"
	       "\"goal_ms\":15}\n",
	       median(t, (size_t)rounds), median(c, (size_t)rounds), rounds);

	/* The same as the API answers a repeated request: the text memoised (nothing changed). */
	for (int i = 0; i < rounds; i++) {
		char *text;
		size_t len;
		t0 = now(), c0 = cpu_now();
		refresh(&s, f, NULL);
		if (compliance_overview_text(f, asof, 12, &text, &len) != 0)
			exit(1);
		free(text);
		t[i] = (now() - t0) * 1e3, c[i] = (cpu_now() - c0) * 1e3;
	}
	printf("{\"bench\":\"overview_repeated\",\"median_ms\":%.3f,\"median_cpu_ms\":%.3f,"
	       "\"rounds\":%d,\"note\":\"the answer memoised\"}\n",
	       median(t, (size_t)rounds), median(c, (size_t)rounds), rounds);

	for (int i = 0; i < rounds * 4; i++) {
		t0 = now(), c0 = cpu_now();
		bytes = report_once(&s, f, asof, (uint32_t)(mix((uint64_t)i) % members));
		t[i] = (now() - t0) * 1e3, c[i] = (cpu_now() - c0) * 1e3;
	}
	printf("{\"bench\":\"member_report\",\"median_ms\":%.3f,\"median_cpu_ms\":%.3f,"
	       "\"rounds\":%d,\"goal_ms\":5}\n",
	       median(t, (size_t)rounds * 4), median(c, (size_t)rounds * 4), rounds * 4);

	char ref[64];
	origin_of(members / 3, ref, sizeof(ref));
	const struct {
		const char *code;
		enum benchmark_group g;
		const char *member;
	} q[] = {
		{ "TR-01", BENCHMARK_KIND, NULL },
		{ "CP-01", BENCHMARK_POPULATION, NULL },
		{ "AI-01", BENCHMARK_REGION, ref },
		{ "DG-01", BENCHMARK_ALL, NULL },
	};
	for (size_t k = 0; k < sizeof(q) / sizeof(*q); k++) {
		for (int i = 0; i < rounds; i++) {
			t0 = now(), c0 = cpu_now();
			bytes = bench_once(&s, f, q[k].code, q[k].g, q[k].member);
			t[i] = (now() - t0) * 1e3, c[i] = (cpu_now() - c0) * 1e3;
		}
		printf("{\"bench\":\"benchmark\",\"code\":\"%s\",\"group\":\"%s\",\"member\":%s%s%s,"
		       "\"median_ms\":%.2f,\"median_cpu_ms\":%.2f,\"json_bytes\":%zu,\"rounds\":%d,"
		       "\"goal_ms\":15}\n",
		       q[k].code, benchmark_group_name(q[k].g), q[k].member ? "\"" : "",
		       q[k].member ? q[k].member : "null", q[k].member ? "\"" : "",
		       median(t, (size_t)rounds), median(c, (size_t)rounds), bytes, rounds);
	}

	/* Upkeep: 100,000 entries through tlog_append, 1,000 a batch, to 100 members; then the
	 * refresh that folds them; then the overview, which evaluates those 100 members again. */
	struct ebuf b = { 0 };
	b.cap = (size_t)1000 * 400 + 65536;
	b.data = malloc(b.cap);
	double append_s = 0, fold_s;
	uint64_t appended = 0, folded0 = f->folded;
	for (uint32_t n = 0; n < 100; n++) {
		uint32_t k = (uint32_t)(mix(n + 77) % members);
		char origin[64];
		struct note_signer signer;
		struct tlog_head *h = calloc(1, sizeof(*h));
		MDB_txn *txn;
		origin_of(k, origin, sizeof(origin));
		signer_for(&signer, origin, k + 1);
		if (store_read_begin(&s, &txn) != 0 || tlog_head(&s, txn, origin, h) != 0)
			return 1;
		mdb_txn_abort(txn);
		b.len = 0, b.n = 0;
		member_entries(k, h->size, h->size + 1000, per + 1000 * 4, &b);
		t0 = now();
		if (tlog_append(&s, origin, &signer, b.v, b.n, NULL, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_compliance: append: %s\n", err);
			return 1;
		}
		append_s += now() - t0;
		appended += b.n;
		note_signer_free(&signer);
		free(h);
	}
	t0 = now();
	refresh(&s, f, NULL);
	fold_s = now() - t0;
	printf("{\"bench\":\"upkeep\",\"appended\":%llu,\"append_s\":%.3f,\"append_entries_per_s\""
	       ":%.0f,\"folded\":%llu,\"fold_s\":%.4f,\"fold_share\":%.3f,\"goal_share\":0.10}\n",
	       (unsigned long long)appended, append_s, appended / append_s,
	       (unsigned long long)(f->folded - folded0), fold_s, fold_s / append_s);
	t0 = now();
	overview_once(&s, f, asof, &o);
	t1 = now();
	printf("{\"bench\":\"overview_after_upkeep\",\"ms\":%.1f,\"note\":\"100 members changed: "
	       "evaluated again at 13 days\"}\n",
	       (t1 - t0) * 1e3);
	printf("{\"bench\":\"memory\",\"rss_anon_kb\":%ld}\n", rss_kb());
	free(b.data);
	free(b.v);
	free(t);
	free(c);
	facts_free(f);
	store_close(&s);
	return 0;
}

/* What a node does for its first overview after a start, alone (for a profiler). */
static int
first(const char *dir)
{
	struct store s;
	struct compliance_overview o;
	char err[512];
	facts_day asof = facts_day_parse(ASOF);
	if (facts_store_open(&s, dir, 0, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s (generate it first)\n", err);
		return 1;
	}
	struct facts *f = facts_new();
	double t0 = now(), c0 = cpu_now();
	size_t bytes = overview_once(&s, f, asof, &o);
	double t1 = now(), c1 = cpu_now();
	printf("{\"bench\":\"overview_first\",\"ms\":%.1f,\"cpu_ms\":%.1f,\"json_bytes\":%zu,"
	       "\"states_read\":%llu,\"tail_entries_folded\":%llu,\"rss_anon_kb\":%ld,"
	       "\"cache_kb\":%zu,\"strings_kb\":%zu}\n",
	       (t1 - t0) * 1e3, (c1 - c0) * 1e3, bytes, (unsigned long long)f->loaded,
	       (unsigned long long)f->folded, rss_kb(), f->cache_bytes >> 10,
	       facts_strings_memory(f) >> 10);
	mdb_txn_abort(views_txn);
	facts_free(f);
	store_close(&s);
	return 0;
}

/* What a node does for repeated requests (for a profiler): the overview and a benchmark
 * query, `rounds` times each after a first of each. */
static int
repeat(const char *dir, int rounds)
{
	struct store s;
	struct compliance_overview o;
	char err[512];
	facts_day asof = facts_day_parse(ASOF);
	if (facts_store_open(&s, dir, 0, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s (generate it first)\n", err);
		return 1;
	}
	struct facts *f = facts_new();
	overview_once(&s, f, asof, &o);
	bench_once(&s, f, "TR-01", BENCHMARK_KIND, NULL);
	double t0 = now(), c0 = cpu_now();
	for (int i = 0; i < rounds; i++)
		overview_once(&s, f, asof, &o);
	double t1 = now(), c1 = cpu_now();
	for (int i = 0; i < rounds; i++)
		bench_once(&s, f, "TR-01", BENCHMARK_KIND, NULL);
	double t2 = now(), c2 = cpu_now();
	printf("{\"bench\":\"repeat\",\"overview_ms\":%.2f,\"overview_cpu_ms\":%.2f,"
	       "\"benchmark_ms\":%.2f,\"benchmark_cpu_ms\":%.2f,\"rounds\":%d}\n",
	       (t1 - t0) * 1e3 / rounds, (c1 - c0) * 1e3 / rounds, (t2 - t1) * 1e3 / rounds,
	       (c2 - c1) * 1e3 / rounds, rounds);
	mdb_txn_abort(views_txn);
	facts_free(f);
	store_close(&s);
	return 0;
}

/* The anchor of the first answer: the views folded again from the logs alone (`remacto log
 * reindex`, facts_store_rebuild), the work every start did before the fold lived in the store. */
static int
rebuild(const char *dir)
{
	struct store s;
	char err[512];
	if (facts_store_open(&s, dir, 0, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_compliance: %s (generate it first)\n", err);
		return 1;
	}
	double t0 = now();
	int rc = facts_store_rebuild(&s, NULL, NULL, err, sizeof(err));
	double t1 = now();
	store_close(&s);
	if (rc != 0) {
		fprintf(stderr, "bench_compliance: rebuild: %s\n", err);
		return 1;
	}
	printf("{\"bench\":\"rebuild_views\",\"seconds\":%.3f,\"rss_anon_kb\":%ld,\"note\":\"every "
	       "log folded again from the logs alone (remacto log reindex)\"}\n",
	       t1 - t0, rss_kb());
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "generate"))
		return generate(argv[2], argc > 3 ? strtoull(argv[3], NULL, 10) : 5000000,
		                argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 1600);
	if (argc >= 3 && !strcmp(argv[1], "run"))
		return run(argv[2], argc > 3 ? atoi(argv[3]) : 21);
	if (argc >= 3 && !strcmp(argv[1], "first"))
		return first(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "repeat"))
		return repeat(argv[2], argc > 3 ? atoi(argv[3]) : 21);
	if (argc >= 3 && !strcmp(argv[1], "rebuild"))
		return rebuild(argv[2]);
	fprintf(stderr, "usage: bench_compliance generate DIR [TOTAL] [MEMBERS]\n"
	                "       bench_compliance run DIR [ROUNDS]\n"
	                "       bench_compliance first DIR\n"
	                "       bench_compliance repeat DIR [ROUNDS]\n"
	                "       bench_compliance rebuild DIR\n");
	return 2;
}

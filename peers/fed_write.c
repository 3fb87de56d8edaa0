/*
 * fed_write — fed's writes to the store other than replicated entries (fed_fetch.c): evidence,
 * cosignatures kept from gossip, and the checkpoint a log serves. Each is a job that owns a
 * copy of what it writes: its run does the write in a write transaction and reads nothing of
 * fed's state (any thread may run it), its done acts on the result in the service thread
 * (marks a fork, gossips, tells the daemon) and frees the job. fed_write_submit hands a job
 * over; a peer that closes meanwhile is forgotten by the jobs that name it (fed_peer_closed).
 *
 * With fed_ctx.submit (the daemon's writer thread), run happens in the writer's thread and done
 * later, in the service thread; without, through store_write at once, done before
 * fed_write_submit returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "evidence.h"
#include "fed_impl.h"
#include "witness.h"

static int
run_adapter(MDB_txn *txn, void *arg)
{
	struct fed_write *w = arg;
	return w->run(txn, w);
}

static void
done_adapter(void *arg, int rc)
{
	struct fed_write *w = arg;
	struct fed *f = w->f;
	for (struct fed_write **pp = &f->writes; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->done(w, rc);
}

void
fed_write_submit(struct fed *f, struct fed_write *w, size_t bytes)
{
	int rc;
	w->f = f;
	w->next = f->writes;
	f->writes = w;
	if (f->ctx.submit) {
		if ((rc = f->ctx.submit(f->ctx.submit_arg, run_adapter, done_adapter, w, bytes)) ==
		    0)
			return;
	} else {
		rc = store_write(f->ctx.store, run_adapter, w);
	}
	done_adapter(w, rc);
}

static char *
dup_bytes(const char *p, size_t len)
{
	char *c = malloc(len ? len : 1);
	if (c && len)
		memcpy(c, p, len);
	return c;
}

/* ---- evidence ---- */

struct ev_job {
	struct fed_write w; /* first */
	char origin[NOTE_NAME_MAX + 1];
	char *a, *b;
	size_t la, lb;
	uint32_t keys_then;
	int fresh;
};

static void
ev_free(struct ev_job *j)
{
	free(j->a);
	free(j->b);
	free(j);
}

static int
ev_run(MDB_txn *txn, struct fed_write *w)
{
	struct ev_job *j = (struct ev_job *)w;
	struct store *s = w->f->ctx.store;
	j->fresh = j->keys_then ? evidence_put_answered(s, txn, j->origin, j->a, j->la, j->b, j->lb,
	                                                j->keys_then)
	                        : evidence_put(s, txn, j->origin, j->a, j->la, j->b, j->lb);
	return j->fresh < 0 ? j->fresh : 0;
}

/* Once durable: a fork not answered by a rotation marks the log forked (nothing is marked
 * before it is in the store, so that a restart finds what the node acted on), and new
 * evidence goes to every peer but the one it came from. */
static void
ev_done(struct fed_write *w, int rc)
{
	struct ev_job *j = (struct ev_job *)w;
	struct fed *f = w->f;

	if (rc != 0) {
		log_warn("fed: cannot store the evidence of an equivocation of %s: %s%s", j->origin,
		         store_strerror(rc), store_io_hint(rc));
		ev_free(j);
		return;
	}
	if (!j->keys_then) {
		struct fed_log *l = fed_find_log(f, j->origin, true);
		if (l) {
			l->forked = true;
			fed_log_drop(l);
		}
		if (fed_is_own(f, j->origin)) {
			f->own_forked = true;
			log_err("CRITICAL: two conflicting checkpoints of this node's own log %s are "
			        "signed with its key (a restored backup, or the key used on two "
			        "machines?); publishing is stopped: contact the network authority",
			        j->origin);
		}
	}
	if (j->fresh == 1) {
		if (j->keys_then)
			log_warn("fed: %s: a key the registry retired signed a history that "
			         "contradicts the one held: evidence stored (answered by the "
			         "rotation) and gossiped",
			         j->origin);
		else
			log_warn(
			        "fed: equivocation of %s: evidence stored and gossiped, log marked "
			        "forked",
			        j->origin);
		Remacto__Peer__V1__PeerMessage m = REMACTO__PEER__V1__PEER_MESSAGE__INIT;
		Remacto__Peer__V1__Equivocation e = REMACTO__PEER__V1__EQUIVOCATION__INIT;
		e.origin = j->origin;
		e.note_a.data = (uint8_t *)j->a, e.note_a.len = j->la;
		e.note_b.data = (uint8_t *)j->b, e.note_b.len = j->lb;
		m.kind_case = REMACTO__PEER__V1__PEER_MESSAGE__KIND_EQUIVOCATION;
		m.equivocation = &e;
		for (struct fed_peer *fp = f->peers; fp; fp = fp->next)
			if (fp->p != w->from)
				fed_send_to(fp->p, &m);
	}
	ev_free(j);
}

void
fed_write_evidence(struct fed *f, const char *origin, const char *a, size_t la, const char *b,
                   size_t lb, struct peer *from, uint32_t keys_then)
{
	struct ev_job *j = calloc(1, sizeof(*j));
	if (!j || strlen(origin) > NOTE_NAME_MAX || !(j->a = dup_bytes(a, la)) ||
	    !(j->b = dup_bytes(b, lb))) {
		if (j)
			ev_free(j);
		log_warn("fed: out of memory: the evidence of an equivocation of %s is not stored",
		         origin);
		return;
	}
	snprintf(j->origin, sizeof(j->origin), "%s", origin);
	j->la = la, j->lb = lb, j->keys_then = keys_then;
	j->w.from = from;
	j->w.run = ev_run;
	j->w.done = ev_done;
	fed_write_submit(f, &j->w, sizeof(*j) + la + lb);
}

/* ---- the checkpoint a log serves ---- */

/* In txn: note (of size, NULL for none) becomes the checkpoint origin's log serves, verified
 * with vkey (NULL: the record's key stays), when the record still serves `expect`; cosigned by
 * witness when given. -EAGAIN when the record changed since it was judged. */
static int
serve(struct store *s, MDB_txn *txn, const char *origin, const char *note, size_t len,
      uint64_t size, const char *vkey, const char *expect, size_t expect_len,
      const struct note_signer *witness)
{
	Remacto__Store__LogRecord *rec;
	int rc = store_log_get(s, txn, origin, &rec);

	if (rc != 0)
		return rc;
	if (rec->checkpoint.len != expect_len ||
	    (expect_len && memcmp(rec->checkpoint.data, expect, expect_len) != 0)) {
		rc = -EAGAIN; /* judged again at the next change */
		goto done;
	}
	if (size > rec->size) {
		rc = -EINVAL;
		goto done;
	}
	if (note && (rc = store_checkpoint_put(s, txn, rec->id, size, note, len)) != 0)
		goto done;
	ProtobufCBinaryData old = rec->checkpoint;
	char *old_vkey = rec->verifier_key;
	rec->checkpoint.data = (uint8_t *)note, rec->checkpoint.len = note ? len : 0;
	if (vkey)
		rec->verifier_key = (char *)vkey;
	rc = store_log_put(s, txn, rec);
	rec->checkpoint = old, rec->verifier_key = old_vkey;
	if (rc == 0 && witness && note) {
		/* Witness it: the node verified it consistent with the tree it holds. */
		char line[WITNESS_LINE_MAX];
		size_t tl = fed_note_text_len(note, len);
		uint64_t now = (uint64_t)time(NULL);
		int ll = tl ? note_cosign_line(witness, note, tl, now, line, sizeof(line)) : -1;
		if (ll > 0)
			rc = witness_put(s, txn, rec->id, size, witness->v.name, now, line,
			                 (size_t)ll);
	}
done:
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

struct serve_job {
	struct fed_write w; /* first */
	char origin[NOTE_NAME_MAX + 1];
	uint32_t id;
	uint64_t size;
	char *note, *expect;
	size_t len, expect_len;
	char vkey[NOTE_VKEY_MAX + 1]; /* "" : the record's stays */
	bool adopt;  /* note becomes what the log serves (else: cosignatures only) */
	bool gossip; /* passed on when something was new (gossip); not a recheck's fallback */
	const struct note_signer *witness;
	struct witness_cosig *cosigs;
	size_t ncosigs;
	int fresh; /* cosignatures that changed what is stored, plus 1 when adopted */
};

static void
serve_free(struct serve_job *j)
{
	free(j->note);
	free(j->expect);
	free(j->cosigs);
	free(j);
}

static int
serve_run(MDB_txn *txn, struct fed_write *w)
{
	struct serve_job *j = (struct serve_job *)w;
	struct store *s = w->f->ctx.store;
	int rc = 0;

	j->fresh = 0;
	if (j->ncosigs) {
		int n = witness_keep_cosigs(s, txn, j->id, j->size, j->cosigs, j->ncosigs);
		if (n < 0)
			return n;
		j->fresh = n;
	}
	if (j->adopt) {
		rc = serve(s, txn, j->origin, j->note, j->len, j->size, j->vkey[0] ? j->vkey : NULL,
		           j->expect, j->expect_len, j->witness);
		if (rc == 0)
			j->fresh++;
		else
			j->adopt = false;
		if (rc == -EAGAIN)
			rc = 0; /* changed since: judged again later; the cosignatures stay */
	}
	return rc;
}

static void
serve_done(struct fed_write *w, int rc)
{
	struct serve_job *j = (struct serve_job *)w;
	struct fed *f = w->f;
	MDB_txn *txn;

	if (rc != 0)
		log_warn("fed: cannot store what %s serves: %s%s", j->origin, store_strerror(rc),
		         store_io_hint(rc));
	if (rc == 0 && j->adopt && f->ctx.stored)
		f->ctx.stored(f->ctx.stored_arg, j->origin, j->size);
	/* Something new here is something new for the others: the note goes on with every
	 * cosignature held for its size, so that cosignatures reach every node (the member's
	 * own included) however many hops away. */
	if (rc == 0 && j->gossip && j->fresh > 0 && j->note &&
	    store_read_begin(f->ctx.store, &txn) == 0) {
		fed_gossip_note(f, txn, j->origin, j->id, j->size, j->note, j->len, w->from);
		mdb_txn_abort(txn);
	}
	serve_free(j);
}

static struct serve_job *
serve_job(const char *origin, uint32_t id, uint64_t size, const char *note, size_t len,
          const char *expect, size_t expect_len)
{
	struct serve_job *j = calloc(1, sizeof(*j));
	if (!j || strlen(origin) > NOTE_NAME_MAX || (note && !(j->note = dup_bytes(note, len))) ||
	    !(j->expect = dup_bytes(expect, expect_len))) {
		if (j)
			serve_free(j);
		return NULL;
	}
	snprintf(j->origin, sizeof(j->origin), "%s", origin);
	j->id = id, j->size = size, j->len = len, j->expect_len = expect_len;
	j->w.run = serve_run;
	j->w.done = serve_done;
	return j;
}

void
fed_write_keep(struct fed *f, struct peer *from, const struct tlog_head *h, uint64_t size,
               struct witness_cosig *cosigs, size_t ncosigs, const char *note, size_t len,
               const char *vkey, bool adopt)
{
	struct serve_job *j = serve_job(h->origin, h->id, size, note, len, h->checkpoint,
	                                h->checkpoint_len);
	if (!j) {
		free(cosigs);
		return;
	}
	j->cosigs = cosigs, j->ncosigs = ncosigs;
	j->adopt = adopt;
	j->gossip = true;
	if (vkey)
		snprintf(j->vkey, sizeof(j->vkey), "%s", vkey);
	/* A checkpoint of another log, newly served here, is witnessed by the log's witnesses
	 * (witset.h); the node's own never. */
	j->witness = adopt && fed_cosigns(f, h->origin) ? f->ctx.witness : NULL;
	j->w.from = from;
	fed_write_submit(f, &j->w, sizeof(*j) + len + ncosigs * sizeof(*cosigs));
}

void
fed_write_served(struct fed *f, const char *origin, uint32_t id, const char *note, size_t len,
                 uint64_t size, const char *vkey, const char *expect, size_t expect_len)
{
	struct serve_job *j = serve_job(origin, id, size, note, len, expect, expect_len);
	if (!j)
		return;
	j->adopt = true;
	if (vkey)
		snprintf(j->vkey, sizeof(j->vkey), "%s", vkey);
	fed_write_submit(f, &j->w, sizeof(*j) + len + expect_len);
}

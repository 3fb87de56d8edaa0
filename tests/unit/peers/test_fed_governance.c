/*
 * Tests for what fed decides of a registry checkpoint under the registry's governance
 * (docs/PROTOCOL.md §8), without sockets, on fed_fixture.h. The node holds a registry that is
 * not governed yet; a peer offers a bigger one signed by the authority.
 *
 * Checked: without a configured policy the node takes it (the authority alone governs, 1 of 1:
 * it asks for the entries); configured with a 2-of-2 governance ([authority] policy), it takes
 * it neither with no approval nor with one nor with a key's approval under another label —
 * waiting, the peer not penalised — and takes it with both approvals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fed_fixture.h"

/* The node again, configured with governance g (NULL: none). */
static void
fed_with(struct fx *f, const struct registry_gov *g)
{
	fed_again(f, NULL);
	fed_destroy(f->fed);
	struct fed_ctx ctx = {
		.store = &f->local.s,
		.witness = &f->w,
		.governance = g,
		.peers_configured = true,
		.stored = on_stored,
		.stored_arg = f,
	};
	assert_non_null(f->fed = fed_create(&ctx, err, sizeof(err)));
	f->ops = fed_peer_ops(f->fed);
}

/* The remote's registry checkpoint with an approval line by each signer in cs (0x04, named by
 * its label), malloc'd. */
static char *
approved(struct fx *f, const struct note_signer *const *cs, size_t n)
{
	struct tlog_head *h = head(&f->remote.s, REG);
	char *out = malloc(NOTE_MAX_LEN);
	assert_non_null(out);
	size_t tl = 0, len = h->checkpoint_len;
	while (tl + 1 < len && !(h->checkpoint[tl] == '\n' && h->checkpoint[tl + 1] == '\n'))
		tl++;
	memcpy(out, h->checkpoint, len);
	for (size_t i = 0; i < n; i++) {
		int ll = note_cosign_line(cs[i], h->checkpoint, tl + 1, 1764756000, out + len,
		                          NOTE_MAX_LEN - len - 1);
		assert_true(ll > 0);
		len += (size_t)ll;
	}
	out[len] = '\0';
	free(h);
	return out;
}

/* Offers the registry checkpoint note to a fresh peer: whether the node asks for its entries. */
static bool
taken(struct fx *f, struct peer *p, const char *name, const char *note)
{
	const char *origins[] = { REG }, *notes[] = { note };
	connect_peer(f, p, name);
	outbox_clear(p);
	send_vector(f, p, origins, notes, 1, true);
	assert_int_equal(p->penalties, 0);
	return requested(p, REG) != NULL;
}

static void
test_configured_governance(void **state)
{
	struct fx *f = *state;
	struct note_signer arm, auth_c, arm_c, arm_as_auth;
	char arm_vkey[NOTE_VKEY_MAX + 1], text[4096], why[200];
	uint8_t seed[32];
	struct registry_gov *g = calloc(1, sizeof(*g));
	assert_non_null(g);

	/* The remote's registry grows by an entry the authority alone signed. */
	registry_entry(f, &f->remote.s, "\"compliancePolicy\":{\"livenessDays\":30}");
	signer(&arm, arm_vkey, REG, NOTE_ALG_ED25519, 0x61);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0x01 + i); /* the authority's seed (fed_fixture.h) */
	assert_int_equal(note_signer_from_seed(&auth_c, "authority", NOTE_ALG_COSIGNATURE_V1, seed),
	                 0);
	assert_int_equal(note_signer_from_seed(&arm_as_auth, "arm", NOTE_ALG_COSIGNATURE_V1, seed),
	                 0);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0x61 + i);
	assert_int_equal(note_signer_from_seed(&arm_c, "arm", NOTE_ALG_COSIGNATURE_V1, seed), 0);
	/* The policy, with the witness keys as registry_gov_policy writes them. */
	char ak[NOTE_VKEY_MAX + 1], rk[NOTE_VKEY_MAX + 1];
	assert_true(note_verifier_format(&auth_c.v, ak, sizeof(ak)) > 0);
	assert_true(note_verifier_format(&arm_c.v, rk, sizeof(rk)) > 0);
	snprintf(text, sizeof(text),
	         "log %s\nlog %s\nwitness authority %s\nwitness arm %s\ngroup governance 2 "
	         "authority arm\nquorum governance\n",
	         f->auth_vkey, arm_vkey, ak, rk);
	int rc = registry_gov_from_policy(text, strlen(text), REG, g, why, sizeof(why));
	if (rc != 0)
		fail_msg("%s", why);

	char *plain = approved(f, NULL, 0);
	const struct note_signer *one[] = { &auth_c }, *both[] = { &auth_c, &arm_c },
	                         *mislabelled[] = { &auth_c, &arm_as_auth };
	char *n1 = approved(f, one, 1), *n2 = approved(f, both, 2),
	     *nm = approved(f, mislabelled, 2);

	/* No policy configured: the authority alone governs the registry the node holds. */
	fed_with(f, NULL);
	assert_true(taken(f, &f->p, "p", plain));

	/* 2 of 2 configured. */
	fed_with(f, g);
	assert_false(taken(f, &f->p, "p", plain));
	fed_with(f, g);
	assert_false(taken(f, &f->p, "p", n1));
	fed_with(f, g);
	assert_false(taken(f, &f->q, "q", nm));
	fed_with(f, g);
	assert_true(taken(f, &f->q, "q", n2));

	free(plain);
	free(n1);
	free(n2);
	free(nm);
	note_signer_free(&arm);
	note_signer_free(&auth_c);
	note_signer_free(&arm_c);
	note_signer_free(&arm_as_auth);
	fed_with(f, NULL); /* the governance above is freed next */
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configured_governance, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * remacto keygen — creates a log's Ed25519 signing key (PKCS#8 PEM, mode 0600) and prints the
 * C2SP verifier key the registry and peers use to check its signatures.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/note.h"

static const char keygen_usage[] =
        "usage: remacto keygen --origin ORIGIN --out KEYFILE\n"
        "  Writes a new Ed25519 key to KEYFILE (PKCS#8 PEM, mode 0600; never overwrites) and\n"
        "  prints the verifier key ORIGIN+hex8+base64 on stdout.\n";

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *origin = NULL, *out = NULL;
	struct note_signer s = { 0 };
	char err[256], vkey[NOTE_VKEY_MAX + 1];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			origin = optarg;
			break;
		case 'k':
			out = optarg;
			break;
		default:
			return cli_usage(keygen_usage, c == 'h');
		}
	}
	if (!origin || !out || optind != argc) {
		fputs(keygen_usage, stderr);
		return EXIT_USAGE;
	}
	if (!note_name_valid(origin))
		return cli_err(EXIT_USAGE,
		               "origin '%s' is not a valid key name (no spaces or '+'), "
		               "e.g. remacto.ma/rabat-prefecture",
		               origin);
	if (note_keygen_pem(out, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	if (note_signer_from_pem(&s, origin, NOTE_ALG_ED25519, out, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	note_verifier_format(&s.v, vkey, sizeof(vkey));
	note_signer_free(&s);
	printf("%s\n", vkey);
	return EXIT_OK;
}

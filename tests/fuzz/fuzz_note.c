/*
 * libFuzzer harness for the note decoders: every input goes to note_open (with fixed Ed25519
 * and cosignature verifiers, so signature lines of known keys reach the verification code),
 * checkpoint_parse, note_verifier_parse and b64_decode. Besides the sanitizers, it checks
 * properties the parsers promise: strict base64 has one spelling per byte string, accepted
 * checkpoints and verifier keys re-format to what was parsed, opened notes obey the format.
 *
 * Seeds: tests/fuzz/corpus/note/ (signed notes, a cosigned checkpoint, checkpoints, keys).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/b64.h"
#include "core/note.h"

/* golang.org/x/mod/sumdb/note's example key, and the log and witness keys of the seeds. */
static const char *const vkeys[] = {
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	"remacto.ma/rabat-prefecture+e9fb3dce+AQnrnSXl7/5W+mjtqNZLHsQv1YcOWouoWJapoXbxJ1zO",
	"remacto.ma/witness+5d1ed679+BI9QLCI18wc4ydWUJJEbxkI0mHmcxOjTFTUpwAGEZ5fO",
};
#define NV (sizeof(vkeys) / sizeof(vkeys[0]))

static struct note_verifier vs[NV];
static struct note n;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NV; i++)
		if (!note_verifier_parse(vkeys[i], &vs[i], NULL, 0))
			abort();
	return 0;
}

static void
check_note(const char *msg, size_t len)
{
	char err[256];
	if (!note_open(msg, len, vs, NV, &n, err, sizeof(err))) {
		if (err[0] == '\0')
			abort(); /* every refusal says why */
		return;
	}
	if (n.text != msg || n.text_len == 0 || n.text_len + 2 > len ||
	    msg[n.text_len - 1] != '\n' || msg[n.text_len] != '\n' || n.nsigs == 0 ||
	    n.nsigs > NOTE_MAX_SIGS || msg[len - 1] != '\n')
		abort();
	size_t verified = 0;
	for (size_t i = 0; i < n.nsigs; i++) {
		if (!note_name_valid(n.sigs[i].name) || n.sigs[i].sig_len > sizeof(n.sigs[i].sig))
			abort();
		verified += n.sigs[i].verified;
	}
	if (verified == 0)
		abort();
}

static void
check_checkpoint(const char *text, size_t len)
{
	struct checkpoint c;
	char out[NOTE_NAME_MAX + 128];
	if (!checkpoint_parse(text, len, &c, NULL, 0))
		return;
	/* the first three lines are canonical: formatting gives them back byte for byte */
	int k = checkpoint_format(&c, out, sizeof(out));
	if (k <= 0 || (size_t)k > len || memcmp(out, text, (size_t)k) != 0)
		abort();
}

static void
check_vkey(const uint8_t *data, size_t size)
{
	char s[NOTE_VKEY_MAX + 2], out[NOTE_VKEY_MAX + 1];
	struct note_verifier v, w;
	size_t len = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, len);
	s[len] = '\0';
	if (!note_verifier_parse(s, &v, NULL, 0))
		return;
	int k = note_verifier_format(&v, out, sizeof(out));
	if (k <= 0 || !note_verifier_parse(out, &w, NULL, 0) || memcmp(&v, &w, sizeof(v)) != 0)
		abort();
	/* only the case of the key ID's hex digits may differ from the input */
	if ((size_t)k != strlen(s) || strcasecmp(out, s) != 0)
		abort();
}

static void
check_b64(const uint8_t *data, size_t size)
{
	static uint8_t dec[B64_DECODED_MAX(NOTE_MAX_LEN)];
	static char enc[NOTE_MAX_LEN + 1];
	size_t n64;
	if (size > NOTE_MAX_LEN || !b64_decode((const char *)data, size, dec, sizeof(dec), &n64))
		return;
	/* strict base64: decoding then encoding gives back the very same text */
	int k = b64_encode(dec, n64, enc, sizeof(enc));
	if (k < 0 || (size_t)k != size || memcmp(enc, data, size) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* note_open and checkpoint_parse read exactly size bytes: give them an exact-size copy
	 * so ASan catches any read past the end. */
	char *msg = malloc(size ? size : 1);
	if (msg == NULL)
		return 0;
	memcpy(msg, data, size);
	check_note(msg, size);
	check_checkpoint(msg, size);
	free(msg);
	check_vkey(data, size);
	check_b64(data, size);
	return 0;
}

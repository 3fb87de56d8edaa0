/*
 * libFuzzer harness for the HTTP front end: each input is one client connection to the real
 * libwebsockets server of the node, in this process, over loopback (http_harness.h says how an
 * input is read). Checked besides the sanitizers: after every input the node still answers
 * GET /healthz (the one-packet freeze of issue 9 made it stop answering for good; a loop
 * stuck inside lws shows as a libFuzzer timeout).
 *
 * Seeds: tests/fuzz/corpus/http/ (byte 0 = listener and half-close, then the bytes sent):
 * requests of every route family, pipelining with and without bodies, the exact packet of
 * issue 9, refused bodies, chunked and malformed lengths, long paths and queries, upgrades,
 * the dashboard, authorised admin writes carrying HARNESS_TOKEN.
 */
#include "http_harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return harness_init();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	harness_one(data, size);
	return 0;
}

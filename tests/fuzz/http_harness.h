/*
 * http_harness — the node's HTTP front end (node/daemon/http.c, live.c and the routes behind
 * them, over the real libwebsockets server) driven through loopback in one process, one input
 * at a time: for the libFuzzer harness (tests/fuzz/fuzz_http.c) and the bounded replay that
 * make test runs (tests/unit/daemon/test_http_fuzz.c).
 *
 * An input is what one client sends on one connection. Byte 0 picks the listener (bit 0: the
 * admin one) and whether the client half-closes once it has sent everything (bit 1); the rest
 * goes out as it is, in pieces of up to 1,500 bytes, while the node runs. The client reads and
 * drops what comes back until the node closes the connection or nothing moves for
 * HARNESS_IDLE_ROUNDS rounds, then closes its end.
 *
 * Then the property that matters: a new connection's GET /healthz gets its 200 within
 * HARNESS_PROBE_ROUNDS rounds, or the harness aborts ("the front end stopped answering"). A
 * service loop stuck inside libwebsockets never comes back at all: libFuzzer's -timeout, or
 * the unit test's own deadline, reports that.
 *
 * A round is one non-blocking lws_service() (a negative timeout polls without waiting) and one
 * look at the client socket. The node: a store in a temporary folder holding one log of a few
 * entries, the dashboard of the source tree, no publisher (a mirror: an authorised write reads
 * its body and answers 403), a witness (POST /witness/add-checkpoint) of that log as an outside
 * log, the admin token HARNESS_TOKEN (so that seeds can carry it), both listeners on ephemeral
 * loopback ports. Single thread; the node lives until the process ends.
 */
#ifndef REMACTO_HTTP_HARNESS_H
#define REMACTO_HTTP_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/entry.h"
#include "core/log.h"
#include "daemon/http.h"
#include "daemon/live.h"
#include "daemon/node.h"
#include "daemon/witserve.h"
#include "store/tlog.h"
#include "views/facts_store.h"

#define HARNESS_TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HARNESS_ORIGIN "remacto.ma/fuzz"
#ifndef HARNESS_IDLE_ROUNDS
#define HARNESS_IDLE_ROUNDS 3000
#endif
#define HARNESS_MAX_ROUNDS 200000
#define HARNESS_PROBE_ROUNDS 400000

static struct node harness_node;
static int harness_pub_port, harness_admin_port;
static char harness_dir[] = "/tmp/remacto-http-harness.XXXXXX";

static const char *const harness_entries[] = {
	"{\"schema\":1,\"programme\":{\"id\":\"FUZZ\",\"title\":{\"fr\":\"Programme\"}}}",
	"{\"schema\":1,\"commitment\":{\"id\":\"FZ-01\",\"programmeId\":\"FUZZ\",\"title\":{\"fr\":"
	"\"Engagement\"},\"principles\":[\"PRINCIPLE_TRANSPARENCY\"]}}",
	"{\"schema\":1,\"indicator\":{\"id\":\"IND-1\",\"title\":{\"fr\":\"Indicateur\"}}}",
	"{\"schema\":1,\"measurement\":{\"indicatorId\":\"IND-1\",\"period\":\"2025\",\"value\":3}}",
};

static void
harness_die(const char *what)
{
	fprintf(stderr, "http_harness: %s\n", what);
	abort();
}

/* The folder of this file, for the dashboard of the source tree. */
static void
harness_dashboard(char *out, size_t cap)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	snprintf(out, cap, "%.*s/../../node/dashboard", slash ? (int)(slash - file) : 1,
	         slash ? file : ".");
}

/* At exit: the store's files and folder. */
static void
harness_cleanup(void)
{
	char p[sizeof(harness_dir) + 16];
	snprintf(p, sizeof(p), "%s/data.mdb", harness_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", harness_dir);
	unlink(p);
	rmdir(harness_dir);
}

static int
harness_init(void)
{
	struct node *n = &harness_node;
	char err[512];
	struct tlog_blob v[sizeof(harness_entries) / sizeof(harness_entries[0])];
	uint8_t seed[32];

	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_ERR, NULL);
	config_defaults(&n->cfg);
	n->cfg.pub.port = 0; /* ephemeral: read back below */
	n->cfg.admin.port = 0;
	n->cfg.max_connections = 256;
	harness_dashboard(n->cfg.dashboard, sizeof(n->cfg.dashboard));
	if (!mkdtemp(harness_dir))
		harness_die("cannot make a folder in /tmp");
	atexit(harness_cleanup);
	if (facts_store_open(&n->store, harness_dir, STORE_CREATE, 0, err, sizeof(err)) != 0)
		harness_die("cannot open a store in /tmp");
	memset(seed, 7, sizeof(seed));
	if (note_signer_from_seed(&n->signer, HARNESS_ORIGIN, NOTE_ALG_ED25519, seed) != 0 ||
	    tlog_create(&n->store, &n->signer, NULL, err, sizeof(err)) != 0)
		harness_die("cannot create the log");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_t *j = json_loads(harness_entries[i], 0, NULL);
		uint8_t *data;
		size_t len;
		if (!j || entry_from_json(j, &data, &len, err, sizeof(err)) != 0)
			harness_die("a harness entry does not validate");
		json_decref(j);
		v[i] = (struct tlog_blob){ data, len };
	}
	if (tlog_append(&n->store, HARNESS_ORIGIN, &n->signer, v, sizeof(v) / sizeof(v[0]), NULL,
	                NULL, err, sizeof(err)) != 0)
		harness_die("cannot append the entries");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free((void *)v[i].data);
	static struct note_signer wit;
	if (note_signer_from_seed(&wit, "fuzz.witness", NOTE_ALG_COSIGNATURE_V1, seed) != 0)
		harness_die("cannot make the witness key");
	struct witproto_ctx wc = { .store = &n->store,
		                   .witness = &wit,
		                   .own = "",
		                   .outside = &n->signer.v,
		                   .noutside = 1 };
	if (!(n->witserve = witserve_create(&wc, NULL, NULL, http_deliver)))
		harness_die("cannot make the witness");
	memcpy(n->token, HARNESS_TOKEN, sizeof(HARNESS_TOKEN));
	n->started = time(NULL);
	if (!(n->live = live_create(&n->cfg, err, sizeof(err))) || http_start(n, err, sizeof(err)))
		harness_die(err);
	harness_pub_port = lws_get_vhost_listen_port(lws_get_vhost_by_name(n->lws, "public"));
	harness_admin_port = lws_get_vhost_listen_port(lws_get_vhost_by_name(n->lws, "admin"));
	if (harness_pub_port <= 0 || harness_admin_port <= 0)
		harness_die("no listening port");
	return 0;
}

static int
harness_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		harness_die("no socket");
	/* The connection completes in the kernel's backlog: no service round is needed. */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		harness_die("cannot connect to the node");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void
harness_round(void)
{
	if (lws_service(harness_node.lws, -1) < 0)
		harness_die("lws_service failed");
}

/* One client connection: sends data, reads until the node closes or all is quiet. */
static void
harness_client(int port, const uint8_t *data, size_t size, int half_close)
{
	uint8_t buf[65536];
	size_t off = 0;
	int fd = harness_connect(port), idle = 0, shut = 0;

	for (int round = 0; round < HARNESS_MAX_ROUNDS; round++) {
		harness_round();
		if (off < size) {
			size_t n = size - off < 1500 ? size - off : 1500;
			ssize_t w = send(fd, data + off, n, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w, idle = 0;
			else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				break; /* the node closed or reset the connection */
		} else if (half_close && !shut) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			break;
		if (r > 0)
			idle = 0;
		else if (++idle > HARNESS_IDLE_ROUNDS)
			break;
	}
	close(fd);
	for (int i = 0; i < 64; i++)
		harness_round();
}

/* GET /healthz on a new connection must come back 200. */
static void
harness_probe(void)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char buf[4096];
	size_t got = 0;
	int fd = harness_connect(harness_pub_port);

	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1))
		harness_die("cannot send the probe");
	for (int round = 0; round < HARNESS_PROBE_ROUNDS; round++) {
		harness_round();
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r > 0)
			got += (size_t)r;
		if (r == 0 || got == sizeof(buf) - 1)
			break;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !strstr(buf, "\"status\":\"ok\""))
		harness_die(
		        "the front end stopped answering: GET /healthz after the input got no 200");
}

/* One input (see the top of this file). */
static void
harness_one(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	harness_client(data[0] & 1 ? harness_admin_port : harness_pub_port, data + 1, size - 1,
	               data[0] & 2);
	harness_probe();
}

#endif

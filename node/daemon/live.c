/*
 * live — the dashboard's files and the "remacto-live-v1" WebSocket push. See live.h.
 *
 * Checkpoints reach the service thread through a small table under a mutex (one slot per log,
 * the largest size wins), then go into a ring of formatted messages shared by every client;
 * each client only remembers the sequence number of the next message it has to send. A client
 * that falls more than LIVE_RING messages behind gets {"resync":true} instead of what it
 * missed. So memory does not grow with the number of clients or with a slow reader.
 */
#include "live.h"

#include <fcntl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "core/config.h"
#include "core/log.h"
#include "core/note.h"
#include "node.h"

#define MSG_MAX 640 /* {"origin":<a 255-byte name, escaped>,"size":<20 digits>} */

struct pending {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
};

struct msg {
	size_t len;
	char text[MSG_MAX];
};

struct live {
	/* Shared with other threads, under mu. */
	pthread_mutex_t mu;
	struct pending pending[LIVE_PENDING_MAX];
	size_t n_pending;
	bool overflow; /* more logs than slots: clients must resync */

	/* Service thread only. */
	struct msg ring[LIVE_RING];
	uint64_t seq; /* sequence number of the next message */
	unsigned clients;

	char dir[PATH_MAX]; /* the dashboard, "" for none */
	bool chart;         /* Debian's Chart.js is there to serve */
	char authority[sizeof(((struct config *)0)->authority_vkey)]; /* "" for none */
};

struct client {
	uint64_t next; /* next message to send */
	size_t rx;     /* bytes received, to cap */
	bool counted;
};

/* ---- files ---- */

static bool
has_index(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/index.html", dir);
	return n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0;
}

/* The default folder: next to the executable (a build tree), then installed places. */
static bool
find_default(char out[PATH_MAX])
{
	static const char *const rel[] = { "../node/dashboard", "../../node/dashboard",
		                           "../share/remacto/dashboard" };
	char exe[PATH_MAX], cand[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			int k = snprintf(cand, sizeof(cand), "%s/%s", exe, rel[i]);
			if (k > 0 && (size_t)k < sizeof(cand) && has_index(cand) &&
			    realpath(cand, out))
				return true;
		}
	}
	return has_index("/usr/share/remacto/dashboard") &&
	       realpath("/usr/share/remacto/dashboard", out) != NULL;
}

struct live *
live_create(const struct config *cfg, char *err, size_t errcap)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->authority, sizeof(l->authority), "%s", cfg->authority_vkey);
	if (cfg->dashboard[0]) {
		if (!has_index(cfg->dashboard) || !realpath(cfg->dashboard, l->dir)) {
			snprintf(err, errcap,
			         "%s: [public] dashboard: %s holds no readable index.html; "
			         "point it at the node/dashboard folder of the sources",
			         cfg->file[0] ? cfg->file : "embedded defaults", cfg->dashboard);
			live_free(l);
			return NULL;
		}
	} else if (!find_default(l->dir)) {
		l->dir[0] = '\0';
	}
	if (!l->dir[0])
		return l;

	l->chart = access(LIVE_CHARTJS_DIR "/chart.min.js", R_OK) == 0;
	return l;
}

void
live_free(struct live *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}

const char *
live_dashboard_dir(const struct live *l)
{
	return l ? l->dir : "";
}

/* ---- files ---- */

/* The security headers' policy for the dashboard: its own scripts (ES modules and Chart.js from
 * /ui/vendor), styles and images only, fetch and the live WebSocket to the node itself, no
 * inline code, no plugins, no framing. */
const char live_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                        "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                        "manifest-src 'self'; base-uri 'none'; form-action 'none'; "
                        "frame-ancestors 'none'";

static const char *
type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html" },
		{ ".js", "text/javascript" },
		{ ".mjs", "text/javascript" },
		{ ".css", "text/css" },
		{ ".svg", "image/svg+xml" },
		{ ".json", "application/json" },
		{ ".map", "application/json" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* A relative name made of path segments of [A-Za-z0-9._-], none empty or starting with '.'. */
static bool
safe_name(const char *s)
{
	if (!*s || strlen(s) > LIVE_MAX_NAME)
		return false;
	for (const char *seg = s; *seg;) {
		size_t n = strcspn(seg, "/");
		if (n == 0 || seg[0] == '.')
			return false; /* "", ".", ".." and hidden files */
		for (size_t i = 0; i < n; i++) {
			char c = seg[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
				return false;
		}
		seg += n;
		if (*seg == '/' && !*++seg)
			return false; /* a trailing slash: a folder, not served */
	}
	return true;
}

static void
not_found(struct api_resp *resp, const char *path)
{
	api_error(resp, 404, NULL, "no such file of the dashboard: %.200s", path);
	resp->ui = true;
}

bool
live_serve(const struct live *l, const struct api_req *req, struct api_resp *resp)
{
	const char *path = req->path, *rel, *root;
	char file[PATH_MAX + LIVE_MAX_NAME + 2];
	uint8_t *buf = NULL;
	struct stat st;
	int fd = -1;
	bool chart;

	if (strncmp(path, "/ui", 3) != 0 || (path[3] != '\0' && path[3] != '/'))
		return false;
	if (!l || !l->dir[0])
		return false; /* no dashboard: the routes answer 404 */
	memset(resp, 0, sizeof(*resp));
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "the dashboard is read only: use GET");
		resp->ui = true;
		return true;
	}
	if (path[3] == '\0') {
		static const char moved[] = "<a href=\"/ui/\">/ui/</a>\n";
		api_text(resp, 302, "text/html", moved, sizeof(moved) - 1);
		resp->location = "/ui/";
		resp->ui = true;
		return true;
	}
	rel = path[4] ? path + 4 : "index.html";
	if (!strcmp(rel, LIVE_AUTHORITY_FILE)) {
		/* The trust anchor the pages check member keys against, served with them. */
		if (!l->authority[0]) {
			not_found(resp, path);
			return true;
		}
		char text[sizeof(l->authority) + 1];
		int n = snprintf(text, sizeof(text), "%s\n", l->authority);
		api_text(resp, 200, "text/plain; charset=utf-8", text, (size_t)n);
		resp->cache_control = "no-cache";
		resp->ui = true;
		return true;
	}
	chart = !strncmp(rel, "vendor/chart.js/", 16);
	root = chart ? LIVE_CHARTJS_DIR : l->dir;
	if (chart)
		rel += 16;
	if ((chart && !l->chart) || !safe_name(rel)) {
		not_found(resp, path);
		return true;
	}
	snprintf(file, sizeof(file), "%s/%s", root, rel);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		not_found(resp, path);
		return true;
	}
	if (st.st_size > LIVE_MAX_FILE) {
		close(fd);
		api_error(resp, 500, NULL, "dashboard file %.200s is over %d bytes", path,
		          LIVE_MAX_FILE);
		resp->ui = true;
		return true;
	}
	/* Cached a while, then checked again (a node upgrade changes the files): the tag is the
	 * file's size and time. */
	snprintf(resp->etag, sizeof(resp->etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	                 (unsigned long long)st.st_mtim.tv_nsec);
	resp->cache_control = chart ? "public, max-age=86400"
	                            : "public, max-age=300, must-revalidate";
	resp->ui = true;
	if (req->if_none_match[0] && !strcmp(req->if_none_match, resp->etag)) {
		close(fd);
		resp->status = 304;
		resp->content_type = type_of(rel);
		return true;
	}
	size_t len = (size_t)st.st_size, got = 0;
	if (!(buf = malloc(len ? len : 1))) {
		close(fd);
		api_error(resp, 500, NULL, "out of memory");
		resp->ui = true;
		return true;
	}
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != len) {
		free(buf);
		api_error(resp, 500, NULL, "cannot read dashboard file %.200s", path);
		resp->ui = true;
		return true;
	}
	api_bytes(resp, 200, type_of(rel), buf, len);
	return true;
}

/* ---- checkpoints ---- */

void
live_checkpoint(struct node *n, const char *origin, uint64_t size)
{
	struct live *l = n ? n->live : NULL;
	size_t i;

	if (!l || !origin || strlen(origin) > NOTE_NAME_MAX)
		return;
	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->n_pending; i++)
		if (!strcmp(l->pending[i].origin, origin))
			break;
	if (i < l->n_pending) {
		if (size > l->pending[i].size)
			l->pending[i].size = size;
	} else if (l->n_pending < LIVE_PENDING_MAX) {
		strcpy(l->pending[l->n_pending].origin, origin);
		l->pending[l->n_pending++].size = size;
	} else {
		l->overflow = true;
	}
	pthread_mutex_unlock(&l->mu);
	if (n->lws)
		lws_cancel_service(n->lws);
}

static void
ring_put(struct live *l, json_t *j)
{
	struct msg *m = &l->ring[l->seq % LIVE_RING];
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s || strlen(s) >= MSG_MAX) {
		free(s);
		return;
	}
	m->len = strlen(s);
	memcpy(m->text, s, m->len);
	free(s);
	l->seq++;
}

/* Service thread: moves what was recorded into the ring and wakes the clients. */
static void
drain(struct live *l, struct lws_context *ctx)
{
	struct pending *copy = NULL;
	size_t n = 0;
	bool overflow;

	pthread_mutex_lock(&l->mu);
	overflow = l->overflow;
	if (l->n_pending && (copy = malloc(l->n_pending * sizeof(*copy)))) {
		n = l->n_pending;
		memcpy(copy, l->pending, n * sizeof(*copy));
	} else if (l->n_pending) {
		overflow = true; /* out of memory: tell clients to read everything again */
	}
	l->n_pending = 0;
	l->overflow = false;
	pthread_mutex_unlock(&l->mu);

	if (!n && !overflow)
		return;
	if (overflow)
		ring_put(l, json_pack("{s:b}", "resync", 1));
	for (size_t i = 0; i < n; i++)
		ring_put(l, json_pack("{s:s, s:I}", "origin", copy[i].origin, "size",
		                      (json_int_t)(copy[i].size > INT64_MAX ? INT64_MAX
		                                                            : copy[i].size)));
	free(copy);
	if (l->clients)
		lws_callback_on_writable_all_protocol(ctx, &live_protocol);
}

static int
writeable(struct live *l, struct lws *wsi, struct client *c)
{
	static const char resync[] = "{\"resync\":true}";
	uint8_t buf[LWS_PRE + MSG_MAX];
	const char *text;
	size_t len;

	if (c->next == l->seq)
		return 0;
	if (l->seq - c->next > LIVE_RING) {
		text = resync, len = sizeof(resync) - 1;
		c->next = l->seq;
	} else {
		const struct msg *m = &l->ring[c->next % LIVE_RING];
		text = m->text, len = m->len;
		c->next++;
	}
	memcpy(buf + LWS_PRE, text, len);
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
		return -1;
	if (c->next != l->seq)
		lws_callback_on_writable(wsi);
	return 0;
}

static int
callback_live(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct node *n = lws_context_user(lws_get_context(wsi));
	struct live *l = n ? n->live : NULL;
	struct client *c = user;

	(void)in;
	if (!l)
		return reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION ? -1 : 0;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		drain(l, lws_get_context(wsi));
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (l->clients >= LIVE_MAX_CLIENTS) {
			log_warn("live: refusing a dashboard connection: %d already open",
			         LIVE_MAX_CLIENTS);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		c->next = l->seq;
		c->rx = 0;
		c->counted = true;
		l->clients++;
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(l, wsi, c);
	case LWS_CALLBACK_RECEIVE:
		c->rx += len;
		return c->rx > LIVE_MAX_RX ? -1 : 0;
	case LWS_CALLBACK_CLOSED:
		if (c && c->counted) {
			c->counted = false;
			l->clients--;
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols live_protocol = {
	LIVE_PROTOCOL, callback_live, sizeof(struct client), 256, 0, NULL, 0,
};

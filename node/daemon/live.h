/*
 * live — the web dashboard's side of the node: where its files are, and live updates.
 *
 * Files: the dashboard (node/dashboard/: HTML, CSS, JS modules, no build step) is served on the
 * public listener under /ui/ by live_serve (through http.c, like every other answer: the same
 * limits and one request at a time), and Debian's Chart.js (/usr/share/javascript/chart.js,
 * package libjs-chart.js) under /ui/vendor/chart.js/. "/ui" goes to "/ui/", "/ui/" is
 * index.html; names are path segments of [A-Za-z0-9._-] (no "." or "..", no folder listing),
 * files at most LIVE_MAX_FILE bytes. /ui/authority.txt is the network authority's verifier key
 * ([authority] verifier_key and a newline; 404 on a node without one): the trust anchor the
 * pages check every member's key against, served with them and shown to the user. Answers carry an ETag (304 on If-None-Match),
 * "cache-control: public, max-age=300, must-revalidate" (Chart.js: a day), and the security
 * headers http.c adds to every /ui/ answer: Content-Security-Policy live_csp (own scripts,
 * styles, images and connections only, no inline code, frame-ancestors 'none'),
 * X-Frame-Options DENY, Referrer-Policy no-referrer, X-Content-Type-Options nosniff. The
 * folder is [public] dashboard, or when that is empty the first of <exe dir>/../node/dashboard
 * and <exe dir>/../../node/dashboard (a build tree: `make run`, build/asan),
 * <exe dir>/../share/remacto/dashboard and
 * /usr/share/remacto/dashboard that holds an index.html. Without one the node serves no
 * dashboard and says so once in its log; the read API does not depend on it.
 *
 * Live updates: the WebSocket subprotocol "remacto-live-v1" on the public listener (any path;
 * the dashboard uses /live). The server sends one text frame per stored checkpoint,
 * {"origin":"remacto.ma/commune-sale","size":20}, and {"resync":true} when a client fell more
 * than LIVE_RING messages behind (it should then read /api/v1/logs again). Clients send
 * nothing; what they send is read and dropped, and more than LIVE_MAX_RX bytes closes them.
 * At most LIVE_MAX_CLIENTS connections; more are refused at the upgrade.
 *
 * Threads: live_checkpoint may be called from any thread (the publisher's writer thread,
 * fed on the service thread); it only records the checkpoint under a mutex and wakes the
 * service loop. Everything else runs on the service thread. The struct is made before the
 * publisher starts and freed after it stopped (remactod.c), so a late commit never finds it
 * gone.
 */
#ifndef REMACTO_LIVE_H
#define REMACTO_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct node;
struct config;
struct lws_protocols;
struct api_req;
struct api_resp;

#define LIVE_PROTOCOL "remacto-live-v1"
#define LIVE_MAX_CLIENTS 256
#define LIVE_RING 128       /* messages kept for clients that are behind */
#define LIVE_PENDING_MAX 64 /* distinct logs recorded between two service-loop wakeups */
#define LIVE_MAX_RX 4096    /* bytes a client may send before it is closed */
#define LIVE_CHARTJS_DIR "/usr/share/javascript/chart.js"
#define LIVE_MAX_FILE (4 << 20)             /* largest dashboard file served */
#define LIVE_MAX_NAME 255                   /* longest file name under /ui/ */
#define LIVE_AUTHORITY_FILE "authority.txt" /* the trust anchor, made from the configuration */

struct live;

extern const struct lws_protocols live_protocol;

/* Finds the dashboard folder (see above) and prepares the mounts. NULL with err set when
 * [public] dashboard names a folder without index.html, or out of memory. */
struct live *live_create(const struct config *cfg, char *err, size_t errcap);
void live_free(struct live *l);

/* Answers a request under /ui (see above) from the dashboard's files: false when the path is
 * not under /ui or there is no dashboard (the routes then answer 404). */
bool live_serve(const struct live *l, const struct api_req *req, struct api_resp *resp);
/* The Content-Security-Policy of the dashboard's answers. */
extern const char live_csp[];
/* The dashboard's folder, "" when there is none. */
const char *live_dashboard_dir(const struct live *l);

/* A checkpoint of origin at size was stored. Any thread; n->live may be NULL. */
void live_checkpoint(struct node *n, const char *origin, uint64_t size);

#endif

/*
 * live — the web dashboard's side of the node: where its files are, and live updates.
 *
 * Files: the dashboard (node/dashboard/: HTML, CSS, JS modules, no build step) is mounted by
 * libwebsockets on the public listener under /ui/, and Debian's Chart.js
 * (/usr/share/javascript/chart.js, package libjs-chart.js) under /ui/vendor/chart.js/. The
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
struct lws_http_mount;

#define LIVE_PROTOCOL "remacto-live-v1"
#define LIVE_MAX_CLIENTS 256
#define LIVE_RING 128       /* messages kept for clients that are behind */
#define LIVE_PENDING_MAX 64 /* distinct logs recorded between two service-loop wakeups */
#define LIVE_MAX_RX 4096    /* bytes a client may send before it is closed */
#define LIVE_CHARTJS_DIR "/usr/share/javascript/chart.js"

struct live;

extern const struct lws_protocols live_protocol;

/* Finds the dashboard folder (see above) and prepares the mounts. NULL with err set when
 * [public] dashboard names a folder without index.html, or out of memory. */
struct live *live_create(const struct config *cfg, char *err, size_t errcap);
void live_free(struct live *l);

/* The mounts for the public vhost (NULL when there is no dashboard); they live as long as l. */
const struct lws_http_mount *live_mounts(const struct live *l);
/* The dashboard's folder, "" when there is none. */
const char *live_dashboard_dir(const struct live *l);

/* A checkpoint of origin at size was stored. Any thread; n->live may be NULL. */
void live_checkpoint(struct node *n, const char *origin, uint64_t size);

#endif

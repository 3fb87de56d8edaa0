/*
 * watchdog — aborts the daemon when its service loop stops making progress, so that the service
 * manager restarts it (deploy/remactod.service: Restart=on-failure) instead of leaving a node
 * that accepts connections and answers nothing, as the one-packet freeze of issue 9 did.
 *
 * The service loop calls watchdog_kick() each time lws_service() returns; a thread of its own
 * looks every second, and once no kick came for the configured time ([node] watchdog_s) it logs
 * one critical line and calls abort(). The loop goes round at least every HTTP_TICK_MS even on
 * an idle node (http.c's tick), so only a loop stuck inside one callback (a busy loop, a call
 * that blocks) stops the kicks. Work that legitimately holds the loop longer than the limit
 * (the first compliance request folds every log: about 1 s per 5 million entries) must stay
 * well under it: the default is 60 s.
 *
 * Threads: watchdog_kick from the service thread (one atomic store); start and stop from main.
 */
#ifndef REMACTO_WATCHDOG_H
#define REMACTO_WATCHDOG_H

#include <stddef.h>

struct watchdog;

/* Starts watching; NULL with err on failure. seconds 0: no watchdog (returns NULL, err ""). */
struct watchdog *watchdog_start(unsigned seconds, char *err, size_t errcap);
/* The loop made progress. NULL-safe. */
void watchdog_kick(struct watchdog *w);
/* Stops the thread and frees w. NULL-safe. */
void watchdog_stop(struct watchdog *w);

#endif

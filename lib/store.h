/* store.h -- the collector's store: sensor keys, submitted batches, per-port
 * and per-source aggregates, surge alerts, and the queries the HTTP API and
 * `wormwatch report` answer. One interface, so that a distributed engine can
 * sit next to the SQLite one (store_sqlite.c) without touching callers.
 *
 * Days are UTC day numbers (epoch_us / 86400e6). Query functions return a new
 * jansson json_t (caller decrefs), or an {"error":...} object when the
 * request names nothing (an address never seen). A store handle is used by
 * one thread at a time (callers serialize with a mutex). */
#ifndef WW_STORE_H
#define WW_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "event.h"

struct ww_store;

int  ww_store_open(const char *path, struct ww_store **out, char *err, size_t errlen);
void ww_store_close(struct ww_store *st);

/* keys: secret = 32 random bytes as 64 hex chars; only SHA-256(secret) is
 * stored. key_add: WW_ERR_ARG if the name is taken or not 1..64 printable. */
int  ww_store_key_add(struct ww_store *st, const char *name, char secret[65]);
int  ww_store_key_revoke(struct ww_store *st, const char *name); /* WW_ERR_ARG if unknown */
/* Fills *sensor_id (>0) and name if the secret matches a live key, else WW_ERR_ARG. */
int  ww_store_key_check(struct ww_store *st, const char *secret, int64_t *sensor_id,
                        char name[65]);
int  ww_store_key_list(struct ww_store *st,
                       void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                                  int64_t last_seen),
                       void *ctx);

/* One batch, atomically and durably: WW_OK with *duplicate = 1 (nothing
 * stored) if this sensor already submitted batch_id. */
int  ww_store_submit(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                     const struct ww_event *ev, size_t n, int *duplicate);

json_t *ww_store_port(struct ww_store *st, int port, int64_t day);
json_t *ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day);
json_t *ww_store_topports(struct ww_store *st, const char *by, int limit, int64_t day);
json_t *ww_store_sources(struct ww_store *st, int limit);
json_t *ww_store_ip(struct ww_store *st, const struct ww_addr *a);
json_t *ww_store_alerts(struct ww_store *st, int limit);
json_t *ww_store_infocon(struct ww_store *st, int64_t now_us);
int  ww_store_metrics(struct ww_store *st, FILE *out); /* Prometheus text */

/* Addition: the default store path, $XDG_DATA_HOME/wormwatch/wormwatch.db
 * (else ~/.local/share/wormwatch/wormwatch.db), directories created (0700).
 * Caller frees with ww_free. */
char *ww_store_default_path(void);

#endif

/* store.h -- the collector's store: sensor keys, submitted batches, per-port
 * and per-source aggregates, surge alerts, and the queries the HTTP API and
 * `wormwatch report` answer. One interface, so that a distributed engine can
 * sit next to the SQLite one (store_sqlite.c) without touching callers.
 *
 * Days are UTC day numbers (epoch_us / 86400e6). Query functions return a new
 * jansson json_t (caller decrefs), or an {"error":...} object when the
 * request names nothing (an address never seen), or NULL when the store
 * cannot write (a full disk) and batches it acknowledged are not yet in the
 * aggregates: rather no answer than one that misses them.
 *
 * Threads: a handle may be used from many threads at once. Submissions are
 * written by one writer thread inside the store (group commit); queries run
 * on their own connection and first wait until every batch accepted before
 * the query began is reflected in the aggregates. Opening a store starts
 * nothing; ww_store_start (or the first submit) takes the store's lock file
 * (PATH-lock, removed again by ww_store_close), replays what a crash left
 * unapplied and starts the writer, so only one process at a time may submit
 * to a store, while any may read it.
 *
 * A full or failing disk loses nothing acknowledged: a batch is
 * acknowledged once it is in the log; aggregates that cannot be written
 * stay in memory and are written again, and the log keeps every batch they
 * do not hold yet. While they cannot be written the store takes no batch
 * (WW_ERR_IO) and queries answer NULL; it tries again by itself, and once
 * writes succeed it checkpoints the WAL. */
#ifndef WW_STORE_H
#define WW_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "core/event.h"

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

/* Takes the lock file (WW_ERR_LIMIT if another process holds it, WW_ERR_IO
 * if it cannot be created), replays batches committed but not yet
 * aggregated, starts the writer. ww_store_close removes the lock file while
 * still holding it, so a cleanly closed store leaves none behind. */
int  ww_store_start(struct ww_store *st, char *err, size_t errlen);
/* One batch, atomically and durably: returns once it is committed. WW_OK
 * with *duplicate = 1 (nothing stored) if this sensor already submitted
 * batch_id; WW_ERR_IO (nothing stored: send it again later) if the store
 * cannot write now. */
int  ww_store_submit(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                     const struct ww_event *ev, size_t n, int *duplicate);
/* WW_OK while the writer writes; WW_ERR_IO while it cannot (its last
 * commit or flush failed: submissions are refused, and queries are NULL if
 * the aggregates lag). why: SQLite's reason for the last failed write
 * ("database or disk is full"), "" if none. */
int  ww_store_status(struct ww_store *st, char *why, size_t len);

json_t *ww_store_port(struct ww_store *st, int port, int64_t day);
/* per day, or per hour with hourly (buckets with data only) */
json_t *ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                             int hourly);
json_t *ww_store_topports(struct ww_store *st, const char *by, int limit, int64_t day);
/* top sources by records, on the latest day with data not after now_us's
 * day; port >= 0: on that port over the 30 days ending at such a day */
json_t *ww_store_sources(struct ww_store *st, int limit, int port, int64_t now_us);
json_t *ww_store_ip(struct ww_store *st, const struct ww_addr *a);
json_t *ww_store_alerts(struct ww_store *st, int limit);
json_t *ww_store_infocon(struct ww_store *st, int64_t now_us);
/* each sensor key: last submission, events in the last hour and day */
json_t *ww_store_sensors(struct ww_store *st, int64_t now_us);
int  ww_store_metrics(struct ww_store *st, FILE *out); /* Prometheus text */
/* The writer's counters since start (zeros if it is not running). */
void ww_store_counters(struct ww_store *st, uint64_t *batches, uint64_t *events,
                       uint64_t *duplicates, uint64_t *sources);

/* Addition: the default store path, $XDG_DATA_HOME/wormwatch/wormwatch.db
 * (else ~/.local/share/wormwatch/wormwatch.db), directories created (0700).
 * Caller frees with ww_free. */
char *ww_store_default_path(void);

#endif

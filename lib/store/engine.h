/* engine.h -- what a store engine implements (store.h is what callers use).
 *
 * An engine is a table of operations, one per store.h function, over its
 * own handle, which begins with a struct ww_store (so store.c can reach the
 * table) and which the engine's functions convert back. store.c picks the
 * engine by the --db argument's scheme and passes the rest of it to open;
 * a new engine is a new file, its table's declaration below and a line in
 * store.c's table. The meaning of each operation, its codes and its
 * threading are store.h's. */
#ifndef WW_STORE_ENGINE_H
#define WW_STORE_ENGINE_H
#include "store/store.h"

struct ww_store_ops;

struct ww_store {
    const struct ww_store_ops *ops;
    const struct ww_known *known; /* ww_store_opts.known, set by ww_store_start */
    const struct ww_osdb *osdb;   /* ww_store_enrich's */
    const struct ww_geo *geo;
    unsigned v4_prefix, v6_prefix; /* sources grouped per prefix (ww_store_opts; 32, 64) */
};

struct ww_store_ops {
    /* user, password: the engine's credentials (ww_store_open_as), or NULL */
    int  (*open)(const char *target, const char *user, const char *password, struct ww_store **out,
                 char *err, size_t errlen);
    void (*close)(struct ww_store *st);
    int  (*start)(struct ww_store *st, const struct ww_store_opts *o, char *err, size_t errlen);
    int  (*key_add)(struct ww_store *st, const char *name, char secret[65]);
    int  (*key_revoke)(struct ww_store *st, const char *name);
    int  (*key_check)(struct ww_store *st, const char *secret, int64_t *sensor_id,
                      char name[65]);
    int  (*key_list)(struct ww_store *st,
                     void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                                int64_t last_seen),
                     void *ctx);
    int  (*dshield_add)(struct ww_store *st, const char *name, int64_t userid,
                        char apikey[WW_STORE_APIKEY + 1]);
    int  (*dshield_check)(struct ww_store *st, int64_t userid, const char *nonce,
                          const char *credentials, int64_t now_us, int64_t *sensor_id,
                          int *replay);
    int  (*dshield_userid)(struct ww_store *st, const char *name, int64_t *userid);
    int  (*dshield_sampling)(struct ww_store *st, int64_t sensor_id, int64_t *every, int64_t next);
    int  (*submit)(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                   const struct ww_event *ev, size_t n, int *duplicate);
    int  (*status)(struct ww_store *st, char *why, size_t len);
    void (*counters)(struct ww_store *st, struct ww_store_counters *out);
    int  (*metrics)(struct ww_store *st, FILE *out);
    int  (*port)(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out);
    int  (*porthistory)(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                        int hourly, struct ww_store_rows *out);
    int  (*topports)(struct ww_store *st, enum ww_store_by by, int limit, int64_t day,
                     struct ww_store_rows *out);
    int  (*sources)(struct ww_store *st, int limit, int port, int64_t now_us,
                    struct ww_store_rows *out);
    /* the source row of key: a group's prefix, or one address (a group of
     * one, or the row of a store made before grouping) */
    int  (*ip)(struct ww_store *st, const struct ww_cidr *key, struct ww_store_ip *out);
    int  (*alerts)(struct ww_store *st, int limit, struct ww_store_rows *out);
    int  (*alert_sample)(struct ww_store *st, int port, int proto, int64_t start_us,
                         struct ww_addr *a, size_t *n);
    int  (*floods)(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out);
    int  (*active)(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
    int  (*sensors)(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
    int  (*time)(struct ww_store *st, struct ww_store_time *out);
    /* history: the days with data, a surge's growth, the sources new in a span */
    int  (*span)(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day);
    int  (*growth)(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
                   struct ww_store_rows *out);
    int  (*new_sources)(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                        struct ww_store_rows *out, int64_t *total);
    int  (*notices)(struct ww_store *st, int64_t after, int limit,
                    int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                              const char *body),
                    void *ctx);
    int  (*notices_pending)(struct ww_store *st, int64_t after, int64_t *count, int64_t *last);
    int  (*notify_cursor)(struct ww_store *st, const char *target, int64_t *last_id);
    int  (*notify_cursor_set)(struct ww_store *st, const char *target, int64_t last_id);
    int  (*backscatter)(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out);
};

/* The group a source belongs to under st's v4_prefix and v6_prefix
 * (core/addr.h ww_addr_group): its per-source row's key. */
void store_group(const struct ww_store *st, const struct ww_addr *a, struct ww_cidr *g);

/* The next row of r, zeroed, for rows of `size` bytes (the array doubles
 * from 16): how an engine's query fills a struct ww_store_rows. */
void *store_row(struct ww_store_rows *r, size_t size);

/* Prometheus gauges (store.c): an engine's metrics op prints its own with
 * this; store.c adds the ones every engine has (writable, event time). */
struct store_gauge { const char *name, *help; int64_t v; };
int store_gauges(FILE *out, const struct store_gauge *m, size_t n);

extern const struct ww_store_ops ww_store_sqlite;
extern const struct ww_store_ops ww_store_clickhouse;

#endif

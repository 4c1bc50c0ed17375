/* store.c -- store.h over the engines (engine.h): the --db argument picks
 * one by its scheme, every other call goes through the handle's table.
 * What is the same for every engine lives here too: freeing rows, the
 * default path, and the known scanners' labels on the sources answered. */
#include "store/engine.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "detect/known.h"

/* By scheme; a spec with none of them is a SQLite path. An engine not built
 * yet has no ops. The engine's open gets what follows the scheme. */
static const struct {
    const char *scheme, *name;
    const struct ww_store_ops *ops;
} engines[] = {
    {"sqlite:", "SQLite", &ww_store_sqlite},
    {"clickhouse://", "ClickHouse", &ww_store_clickhouse},
};

/* an engine's new handle *out: the default grouping (ww_store_start may change it) */
static int grouped(int rc, struct ww_store **out)
{
    if (!rc && *out) (*out)->v4_prefix = 32, (*out)->v6_prefix = 64;
    return rc;
}

int ww_store_open(const char *spec, struct ww_store **out, char *err, size_t errlen)
{
    return ww_store_open_as(spec, NULL, NULL, out, err, errlen);
}

int ww_store_open_as(const char *spec, const char *user, const char *password, struct ww_store **out,
                     char *err, size_t errlen)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        size_t n = strlen(engines[i].scheme);
        if (strncmp(spec, engines[i].scheme, n)) continue;
        if (engines[i].ops) return grouped(engines[i].ops->open(spec + n, user, password, out, err, errlen), out);
        if (err && errlen)
            snprintf(err, errlen, "%s: the %s store engine is not built yet;"
                     " --db takes a file path or sqlite:PATH", spec, engines[i].name);
        return WW_ERR_FORMAT;
    }
    return grouped(ww_store_sqlite.open(spec, user, password, out, err, errlen), out);
}

void store_group(const struct ww_store *st, const struct ww_addr *a, struct ww_cidr *g)
{
    unsigned len;
    ww_addr_group(a, st->v4_prefix, st->v6_prefix, &g->addr, &len);
    g->len = (uint8_t)len;
}

void ww_store_close(struct ww_store *st)
{
    if (st) st->ops->close(st);
}

int ww_store_start(struct ww_store *st, const struct ww_store_opts *o, char *err, size_t errlen)
{
    if (o) st->known = o->known;
    if (o && o->v4_prefix) st->v4_prefix = o->v4_prefix;
    if (o && o->v6_prefix) st->v6_prefix = o->v6_prefix;
    return st->ops->start(st, o, err, errlen);
}

void ww_store_enrich(struct ww_store *st, const struct ww_osdb *osdb, const struct ww_geo *geo)
{
    st->osdb = osdb;
    st->geo = geo;
}

const struct ww_osdb *ww_store_osdb(const struct ww_store *st) { return st->osdb; }
const struct ww_geo *ww_store_geo(const struct ww_store *st) { return st->geo; }

/* Sources in a known scanner's range get its label (store.h). */
static int label_sources(struct ww_store *st, struct ww_store_src *r, size_t n, int rc)
{
    for (size_t i = 0; i < n && !rc && st->known; i++) {
        struct ww_cidr c; /* a group is labelled by its prefix's address */
        if (!ww_cidr_parse(r[i].src, strlen(r[i].src), &c)) r[i].label = ww_known_label(st->known, &c.addr);
    }
    return rc;
}

int ww_store_key_add(struct ww_store *st, const char *name, char secret[65])
{
    return st->ops->key_add(st, name, secret);
}

int ww_store_key_revoke(struct ww_store *st, const char *name)
{
    return st->ops->key_revoke(st, name);
}

int ww_store_key_check(struct ww_store *st, const char *secret, int64_t *sensor_id, char name[65])
{
    return st->ops->key_check(st, secret, sensor_id, name);
}

int ww_store_key_list(struct ww_store *st,
                      void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                                 int64_t last_seen),
                      void *ctx)
{
    return st->ops->key_list(st, fn, ctx);
}

int ww_store_dshield_add(struct ww_store *st, const char *name, int64_t userid,
                         char apikey[WW_STORE_APIKEY + 1])
{
    return st->ops->dshield_add(st, name, userid, apikey);
}

int ww_store_dshield_check(struct ww_store *st, int64_t userid, const char *nonce,
                           const char *credentials, int64_t now_us, int64_t *sensor_id,
                           int *replay)
{
    return st->ops->dshield_check(st, userid, nonce, credentials, now_us, sensor_id, replay);
}

int ww_store_dshield_userid(struct ww_store *st, const char *name, int64_t *userid)
{
    return st->ops->dshield_userid(st, name, userid);
}

int ww_store_dshield_sampling(struct ww_store *st, int64_t sensor_id, int64_t *every, int64_t next)
{
    return st->ops->dshield_sampling(st, sensor_id, every, next);
}

int ww_store_submit(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                    const struct ww_event *ev, size_t n, int *duplicate)
{
    return st->ops->submit(st, sensor_id, batch_id, ev, n, duplicate);
}

int ww_store_status(struct ww_store *st, char *why, size_t len)
{
    return st->ops->status(st, why, len);
}

void ww_store_counters(struct ww_store *st, struct ww_store_counters *out)
{
    st->ops->counters(st, out);
}

void *store_row(struct ww_store_rows *r, size_t size)
{
    if (r->n == 0 || (r->n >= 16 && !(r->n & (r->n - 1))))
        r->agg = ww_realloc(r->agg, (r->n ? 2 * r->n : 16) * size);
    void *p = (char *)r->agg + r->n++ * size;
    memset(p, 0, size);
    return p;
}

int store_gauges(FILE *out, const struct store_gauge *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", m[i].name, m[i].help,
                    m[i].name, m[i].name, (long long)m[i].v) < 0)
            return WW_ERR_IO;
    return WW_OK;
}

/* The engine's own gauges, then what every engine has: whether it writes,
 * and event time's. */
int ww_store_metrics(struct ww_store *st, FILE *out)
{
    int rc = st->ops->metrics(st, out);
    if (rc) return rc;
    struct ww_store_time t = {.frontier_us = INT64_MIN, .release_us = INT64_MIN};
    st->ops->time(st, &t);
    const struct store_gauge m[] = {
        {"wormwatch_store_writable", "1 while the store writes, 0 while it cannot (a full disk)",
         st->ops->status(st, NULL, 0) == WW_OK},
        {"wormwatch_events_waiting", "Events waiting for every sensor to pass their time",
         t.waiting},
        {"wormwatch_events_late", "Events that came after their time was judged (stored, not judged)",
         t.late},
        {"wormwatch_events_forced", "Events judged before every sensor passed them (too many waited)",
         t.forced},
        {"wormwatch_sensors_stale", "Sensors silent past the lateness (they hold nothing)", t.stale},
        {"wormwatch_frontier_seconds", "The latest event time any sensor reported (0: none)",
         t.frontier_us == INT64_MIN ? 0 : t.frontier_us / 1000000},
        {"wormwatch_release_point_seconds", "Events before this event time are judged (0: none yet)",
         t.release_us == INT64_MIN ? 0 : t.release_us / 1000000},
        {"wormwatch_lateness_seconds", "How long a sensor is waited for, in event time",
         t.lateness_us / 1000000},
    };
    return store_gauges(out, m, sizeof m / sizeof m[0]);
}

int ww_store_port(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->port(st, port, day, out);
}

int ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                         int hourly, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->porthistory(st, port, from_day, to_day, hourly, out);
}

int ww_store_topports(struct ww_store *st, enum ww_store_by by, int limit, int64_t day,
                      struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->topports(st, by, limit, day, out);
}

int ww_store_alert_sample(struct ww_store *st, int port, int proto, int64_t start_us,
                          struct ww_addr *a, size_t *n)
{
    *n = 0;
    return st->ops->alert_sample ? st->ops->alert_sample(st, port, proto, start_us, a, n) : WW_OK;
}

int ww_store_backscatter(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->backscatter(st, day, limit, out);
}

int ww_store_sources(struct ww_store *st, int limit, int port, int64_t now_us,
                     struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    int rc = st->ops->sources(st, limit, port, now_us, out);
    return label_sources(st, out->src, out->n, rc);
}

int ww_store_ip(struct ww_store *st, const struct ww_addr *a, struct ww_store_ip *out)
{
    struct ww_cidr k[2] = {{*a, a->family == 4 ? 32 : 128}};
    store_group(st, a, &k[1]);
    memset(out, 0, sizeof *out);
    int rc = st->ops->ip(st, &k[1], out);
    if (rc == WW_ERR_ARG && k[1].len != k[0].len) { /* an older store's own row */
        memset(out, 0, sizeof *out);
        rc = st->ops->ip(st, &k[0], out);
    }
    return label_sources(st, &out->src, 1, rc);
}

int ww_store_ip_prefix(struct ww_store *st, const struct ww_cidr *c, struct ww_store_ip *out)
{
    if (c->len == (c->addr.family == 4 ? 32 : 128)) return ww_store_ip(st, &c->addr, out);
    memset(out, 0, sizeof *out);
    return label_sources(st, &out->src, 1, st->ops->ip(st, c, out));
}

int ww_store_alerts(struct ww_store *st, int limit, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->alerts(st, limit, out);
}

int ww_store_floods(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->floods(st, limit, day, out);
}

int ww_store_active(struct ww_store *st, int64_t now_us, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->active(st, now_us, out);
}

int ww_store_sensors(struct ww_store *st, int64_t now_us, struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    return st->ops->sensors(st, now_us, out);
}

int ww_store_time(struct ww_store *st, struct ww_store_time *out)
{
    memset(out, 0, sizeof *out);
    return st->ops->time(st, out);
}

int ww_store_span(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day)
{
    *first_day = *last_day = -1;
    return st->ops->span(st, now_us, first_day, last_day);
}

int ww_store_growth(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
                    struct ww_store_rows *out)
{
    *out = (struct ww_store_rows){0};
    if (end_hour < from_hour || end_hour - from_hour >= WW_STORE_GROWTH_HOURS) return WW_ERR_ARG;
    return st->ops->growth(st, port, proto, from_hour, end_hour, out);
}

int ww_store_new_sources(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                         struct ww_store_rows *out, int64_t *total)
{
    *out = (struct ww_store_rows){0};
    *total = 0;
    int rc = st->ops->new_sources(st, port, from_us, to_us, limit, out, total);
    return label_sources(st, out->src, out->n, rc);
}

int ww_store_notices(struct ww_store *st, int64_t after, int limit,
                     int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                               const char *body),
                     void *ctx)
{
    return st->ops->notices(st, after, limit, fn, ctx);
}

int ww_store_notices_pending(struct ww_store *st, int64_t after, int64_t *count, int64_t *last)
{
    *count = *last = 0;
    return st->ops->notices_pending(st, after, count, last);
}

int ww_store_notify_cursor(struct ww_store *st, const char *target, int64_t *last_id)
{
    return st->ops->notify_cursor(st, target, last_id);
}

int ww_store_notify_cursor_set(struct ww_store *st, const char *target, int64_t last_id)
{
    return st->ops->notify_cursor_set(st, target, last_id);
}

void ww_store_rows_free(struct ww_store_rows *r)
{
    ww_free(r->agg); /* every kind: one array */
    *r = (struct ww_store_rows){0};
}

char *ww_store_default_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char dir[4096];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/wormwatch", xdg);
    else snprintf(dir, sizeof dir, "%s/.local/share/wormwatch", home && *home ? home : ".");
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') { *p = '\0'; mkdir(dir, 0700); *p = '/'; }
    mkdir(dir, 0700);
    size_t n = strlen(dir) + sizeof "/wormwatch.db";
    char *path = ww_malloc(n);
    snprintf(path, n, "%s/wormwatch.db", dir);
    return path;
}

/* store_query.c -- the store's read side: every query the API answers.
 *
 * Queries run on the store's own read connection (WAL: they never block the
 * writer, and see whole transactions only), one at a time, after
 * ww_store_sync() has made every batch accepted so far visible in the
 * aggregates; when it cannot (a full disk), they answer NULL. Statements
 * are prepared per query with bound parameters; no SQL is built from
 * input. Blobs decoded here (top sources, a source's ports and days) are
 * store_blob.c's tallies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "store/store_int.h"
#include "core/wtime.h"

static json_t *jerr(const char *msg)
{
    return json_pack("{s:s}", "error", msg);
}

static json_t *jdate(int64_t day)
{
    char buf[32];
    return json_string(ww_date_format(day, buf, sizeof buf));
}

static json_t *jtime(int64_t us)
{
    char buf[40];
    return json_string(ww_time_format(us, buf, sizeof buf));
}

static json_t *jproto(int proto)
{
    const char *p = ww_proto_name((uint8_t)proto);
    return p ? json_string(p) : json_integer(proto);
}

static sqlite3_stmt *prep(struct ww_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->rdb, sql, -1, &s, NULL) != SQLITE_OK) return NULL;
    return s;
}

/* {key: v, records, sources, targets, sensors} from columns 1..4 of a row. */
static json_t *counts_row(const char *key, json_t *v, sqlite3_stmt *s)
{
    return json_pack("{s:o,s:I,s:I,s:I,s:I}", key, v,
                     "records", (json_int_t)sqlite3_column_int64(s, 1),
                     "sources", (json_int_t)sqlite3_column_int64(s, 2),
                     "targets", (json_int_t)sqlite3_column_int64(s, 3),
                     "sensors", (json_int_t)sqlite3_column_int64(s, 4));
}

static json_t *q_port(struct ww_store *st, int port, int64_t day)
{
    sqlite3_stmt *s = prep(st, "SELECT proto, records, nsrc, ndst, nsens FROM agg_day"
                               " WHERE port=? AND t=? ORDER BY proto");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, day);
    json_t *data = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(data, counts_row("proto", jproto(sqlite3_column_int(s, 0)), s));
    sqlite3_finalize(s);
    return json_pack("{s:i,s:o,s:o}", "port", port, "date", jdate(day), "data", data);
}

static json_t *q_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                             int hourly)
{
    /* Per bucket over all protocols: records add up; distinct counts of the
     * protocols are summed (an address seen on tcp and udp counts twice). */
    sqlite3_stmt *s = prep(st, hourly
        ? "SELECT t, sum(records), sum(nsrc), sum(ndst), max(nsens) FROM agg_hour"
          " WHERE port=? AND t BETWEEN ? AND ? GROUP BY t ORDER BY t"
        : "SELECT t, sum(records), sum(nsrc), sum(ndst), max(nsens) FROM agg_day"
          " WHERE port=? AND t BETWEEN ? AND ? GROUP BY t ORDER BY t");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, hourly ? from_day * 24 : from_day);
    sqlite3_bind_int64(s, 3, hourly ? to_day * 24 + 23 : to_day);
    json_t *rows = json_array();
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(s, 0);
        json_array_append_new(rows, hourly ? counts_row("time", jtime(t * HOUR_US), s)
                                           : counts_row("date", jdate(t), s));
    }
    sqlite3_finalize(s);
    return json_pack("{s:i,s:o,s:o,s:s,s:o}", "port", port, "from", jdate(from_day), "to",
                     jdate(to_day), "by", hourly ? "hour" : "day", hourly ? "hours" : "days", rows);
}

static json_t *q_topports(struct ww_store *st, const char *by, int limit, int64_t day)
{
    static const char *const sql[3] = {
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY records DESC, port LIMIT ?",
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY nsrc DESC, port LIMIT ?",
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY ndst DESC, port LIMIT ?",
    };
    int w;
    if (!by || !strcmp(by, "records")) w = 0, by = "records";
    else if (!strcmp(by, "sources")) w = 1;
    else if (!strcmp(by, "targets")) w = 2;
    else return jerr("topports: by must be records, sources or targets");
    sqlite3_stmt *s = prep(st, sql[w]);
    if (!s) return jerr("store query failed");
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_int(s, 2, limit > 0 ? limit : 10);
    json_t *ports = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(ports, json_pack("{s:i,s:o,s:I,s:I,s:I}",
            "port", sqlite3_column_int(s, 0), "proto", jproto(sqlite3_column_int(s, 1)),
            "records", (json_int_t)sqlite3_column_int64(s, 2),
            "sources", (json_int_t)sqlite3_column_int64(s, 3),
            "targets", (json_int_t)sqlite3_column_int64(s, 4)));
    sqlite3_finalize(s);
    return json_pack("{s:s,s:o,s:o}", "by", by, "date", jdate(day), "ports", ports);
}

static json_t *src_row(sqlite3_stmt *s)
{
    return json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:o}",
        "src", (const char *)sqlite3_column_text(s, 0),
        "records", (json_int_t)sqlite3_column_int64(s, 1),
        "targets", (json_int_t)sqlite3_column_int64(s, 2),
        "ports", (json_int_t)sqlite3_column_int64(s, 3),
        "sensors", (json_int_t)sqlite3_column_int64(s, 4),
        "first_seen", jtime(sqlite3_column_int64(s, 5)),
        "last_seen", jtime(sqlite3_column_int64(s, 6)));
}

#define SRC_COLS "src, records, ntgt, nport, nsens, first_seen, last_seen"

/* Top sources: the per port and day top-source tallies merged (of one
 * port's last 30 days with data, or of every port's last day), ranked by their
 * guaranteed counts (store_blob.c); each source's row then gives its
 * all-time figures -- with a port, records are its guaranteed count there.
 * "Last" is the latest day not after today: a day in the future (a sensor
 * whose clock is wrong) would otherwise hide every real source. */
static json_t *q_sources(struct ww_store *st, int limit, int port, int64_t today)
{
    if (limit <= 0) limit = 10;
    json_t *arr = json_array();
    sqlite3_stmt *s = prep(st, port < 0
        ? "SELECT top FROM agg_day WHERE t = (SELECT max(t) FROM agg_day WHERE t <= ?2)"
        : "SELECT top FROM agg_day WHERE port=?1 AND t <= ?2 AND t >="
          " (SELECT max(t) FROM agg_day WHERE port=?1 AND t <= ?2) - 29");
    sqlite3_stmt *one = prep(st, "SELECT " SRC_COLS " FROM srcs WHERE src=?");
    if (!s || !one) {
        sqlite3_finalize(s);
        sqlite3_finalize(one);
        json_decref(arr);
        return jerr("store query failed");
    }
    if (port >= 0) sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, today);
    /* every (source, count) of every row, then sorted by source to add up */
    struct tally all = {0};
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct tally day = {.cap = TOPK};
        tally_decode(&day, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
        if (all.n + day.n > all.cap) {
            all.cap = 2 * (all.n + day.n);
            all.e = ww_realloc(all.e, all.cap * sizeof *all.e);
        }
        memcpy(all.e + all.n, day.e, day.n * sizeof *day.e);
        all.n += day.n;
        tally_free(&day);
    }
    tally_sort_keys(&all);
    uint32_t m = 0;
    for (uint32_t i = 0; i < all.n; i++) {
        if (m && !memcmp(all.e[m - 1].k, all.e[i].k, 17)) {
            all.e[m - 1].c += all.e[i].c;
            all.e[m - 1].err += all.e[i].err;
        } else {
            all.e[m++] = all.e[i];
        }
    }
    all.n = m;
    tally_sort(&all);
    for (uint32_t i = 0; i < all.n && (int)i < limit; i++) {
        struct ww_addr a = {.family = all.e[i].k[16]};
        char text[WW_ADDR_STRLEN];
        memcpy(a.b, all.e[i].k, 16);
        sqlite3_reset(one);
        sqlite3_bind_text(one, 1, ww_addr_format(&a, text), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(one) != SQLITE_ROW) continue;
        json_t *row = src_row(one);
        if (port >= 0)
            json_object_set_new(row, "records", json_integer((json_int_t)(all.e[i].c - all.e[i].err)));
        json_array_append_new(arr, row);
    }
    tally_free(&all);
    sqlite3_finalize(s);
    sqlite3_finalize(one);
    return port < 0 ? json_pack("{s:o}", "sources", arr)
                    : json_pack("{s:i,s:o}", "port", port, "sources", arr);
}

static json_t *q_ip(struct ww_store *st, const struct ww_addr *a)
{
    char text[WW_ADDR_STRLEN];
    ww_addr_format(a, text);
    sqlite3_stmt *s = prep(st, "SELECT " SRC_COLS ", byport, days FROM srcs WHERE src=?");
    if (!s) return jerr("store query failed");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return jerr("address not seen");
    }
    json_t *j = src_row(s), *kinds = json_array(), *ports = json_array(), *days = json_array();
    /* the scan detectors' thresholds (lib/detect/scan.h, after Zeek), over all time */
    if (sqlite3_column_int64(s, 2) >= 25) json_array_append_new(kinds, json_string("horizontal"));
    if (sqlite3_column_int64(s, 3) >= 15) json_array_append_new(kinds, json_string("vertical"));
    struct tally t = {.cap = SRC_PORTS};
    tally_decode(&t, sqlite3_column_blob(s, 7), (size_t)sqlite3_column_bytes(s, 7));
    tally_sort(&t);
    for (uint32_t i = 0; i < t.n; i++) {
        int64_t v = tally_key_int_value(t.e[i].k);
        json_array_append_new(ports, json_pack("{s:i,s:o,s:I}", "port", (int)(v >> 8),
                              "proto", jproto((int)(v & 255)),
                              "records", (json_int_t)(t.e[i].c - t.e[i].err)));
    }
    tally_free(&t);
    t = (struct tally){.cap = SRC_DAYS, .recent = 1};
    tally_decode(&t, sqlite3_column_blob(s, 8), (size_t)sqlite3_column_bytes(s, 8));
    tally_sort_keys(&t);
    for (uint32_t i = 0; i < t.n; i++)
        json_array_append_new(days, json_pack("{s:o,s:I}", "date", jdate(tally_key_int_value(t.e[i].k)),
                                              "records", (json_int_t)t.e[i].c));
    tally_free(&t);
    sqlite3_finalize(s);
    json_object_set_new(j, "kinds", kinds);
    json_object_set_new(j, "by_port", ports);
    json_object_set_new(j, "days", days);
    return j;
}

static json_t *alert_row(sqlite3_stmt *s)
{
    return json_pack("{s:i,s:o,s:o,s:o,s:o,s:I,s:I,s:f,s:f,s:s}",
        "port", sqlite3_column_int(s, 0), "proto", jproto(sqlite3_column_int(s, 1)),
        "start", jtime(sqlite3_column_int64(s, 2)), "alert", jtime(sqlite3_column_int64(s, 3)),
        "end", jtime(sqlite3_column_int64(s, 9)),
        "sources", (json_int_t)sqlite3_column_int64(s, 4),
        "new_sources", (json_int_t)sqlite3_column_int64(s, 5),
        "baseline_new", sqlite3_column_double(s, 6), "score", sqlite3_column_double(s, 7),
        "explanation", (const char *)sqlite3_column_text(s, 8));
}

#define ALERT_COLS "port, proto, start, alert, sources, new_sources, baseline_new, score, explanation, end"

static json_t *q_alerts(struct ww_store *st, int limit)
{
    sqlite3_stmt *s = prep(st, "SELECT " ALERT_COLS " FROM alerts ORDER BY alert DESC, id DESC LIMIT ?");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int(s, 1, limit > 0 ? limit : 20);
    json_t *arr = json_array();
    while (sqlite3_step(s) == SQLITE_ROW) json_array_append_new(arr, alert_row(s));
    sqlite3_finalize(s);
    return json_pack("{s:o}", "alerts", arr);
}

/* Active = an alert whose surge was still on within the 24 h before now.
 * green: none; yellow: one port, z < 20; orange: 2-3 ports, or one at
 * z >= 20; red: 4 or more ports. */
static json_t *q_infocon(struct ww_store *st, int64_t now_us_)
{
    sqlite3_stmt *s = prep(st, "SELECT " ALERT_COLS " FROM alerts WHERE end >= ? AND alert <= ?"
                               " ORDER BY score DESC");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int64(s, 1, now_us_ - DAY_US);
    sqlite3_bind_int64(s, 2, now_us_);
    json_t *active = json_array();
    int ports[8], nports = 0;
    double maxz = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_array_append_new(active, alert_row(s));
        int p = sqlite3_column_int(s, 0) << 8 | sqlite3_column_int(s, 1), seen = 0;
        for (int i = 0; i < nports && i < 8; i++) seen |= ports[i] == p;
        if (!seen) { if (nports < 8) ports[nports] = p; nports++; }
        if (sqlite3_column_double(s, 7) > maxz) maxz = sqlite3_column_double(s, 7);
    }
    sqlite3_finalize(s);
    const char *level;
    char reason[160];
    if (nports == 0) {
        level = "green";
        snprintf(reason, sizeof reason, "no active surges");
    } else if (nports >= 4) {
        level = "red";
        snprintf(reason, sizeof reason, "surges on %d ports in the last 24 h", nports);
    } else if (nports >= 2 || maxz >= 20) {
        level = "orange";
        snprintf(reason, sizeof reason, nports >= 2 ? "surges on %d ports in the last 24 h"
                 : "a surge on %d port at z >= 20 in the last 24 h", nports);
    } else {
        level = "yellow";
        snprintf(reason, sizeof reason, "a surge on one port in the last 24 h");
    }
    return json_pack("{s:s,s:s,s:o}", "level", level, "reason", reason, "active", active);
}

static json_t *q_sensors(struct ww_store *st, int64_t now)
{
    sqlite3_stmt *s = prep(st,
        "SELECT name, created, revoked, last_seen,"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?1),"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?2),"
        " (SELECT count(*) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?2),"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?3)"
        " FROM keys k ORDER BY name");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int64(s, 1, now - HOUR_US);
    sqlite3_bind_int64(s, 2, now - DAY_US);
    sqlite3_bind_int64(s, 3, now - 60000000);
    json_t *arr = json_array();
    int64_t minute = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t last = sqlite3_column_int64(s, 3);
        json_array_append_new(arr, json_pack("{s:s,s:o,s:b,s:o,s:I,s:I,s:I}",
            "name", (const char *)sqlite3_column_text(s, 0),
            "created", jtime(sqlite3_column_int64(s, 1)), "revoked", sqlite3_column_int(s, 2),
            "last_seen", last ? jtime(last) : json_null(),
            "events_hour", (json_int_t)sqlite3_column_int64(s, 4),
            "events_day", (json_int_t)sqlite3_column_int64(s, 5),
            "batches", (json_int_t)sqlite3_column_int64(s, 6)));
        minute += sqlite3_column_int64(s, 7);
    }
    sqlite3_finalize(s);
    return json_pack("{s:o,s:f}", "sensors", arr, "events_per_second", (double)minute / 60.0);
}

static int64_t scalar(struct ww_store *st, const char *sql)
{
    sqlite3_stmt *s = prep(st, sql);
    int64_t v = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int q_metrics(struct ww_store *st, FILE *out)
{
    uint64_t batches, events, dups, sources;
    ww_store_counters(st, &batches, &events, &dups, &sources);
    const struct { const char *name, *help; int64_t v; } m[] = {
        {"wormwatch_store_sources", "Distinct sources in the store", (int64_t)sources},
        {"wormwatch_store_alerts", "Surge alerts in the store",
         scalar(st, "SELECT count(*) FROM alerts")},
        {"wormwatch_store_sensor_keys", "Live sensor keys",
         scalar(st, "SELECT count(*) FROM keys WHERE revoked=0")},
        {"wormwatch_store_log_rows", "Batches committed and kept in the log for recovery",
         scalar(st, "SELECT count(*) FROM log")},
        {"wormwatch_store_writable", "1 while the store writes, 0 while it cannot (a full disk)",
         ww_store_status(st, NULL, 0) == WW_OK},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", m[i].name, m[i].help,
                    m[i].name, m[i].name, (long long)m[i].v) < 0)
            return WW_ERR_IO;
    return WW_OK;
}

/* ---- the public queries: sync, then one query on the read connection ---- */

#define QUERY(call)                         \
    do {                                    \
        if (ww_store_sync(st)) return NULL; \
        pthread_mutex_lock(&st->rlock);     \
        json_t *j_ = call;                  \
        pthread_mutex_unlock(&st->rlock);   \
        return j_;                          \
    } while (0)

json_t *ww_store_port(struct ww_store *st, int port, int64_t day)
{
    QUERY(q_port(st, port, day));
}

json_t *ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                             int hourly)
{
    QUERY(q_porthistory(st, port, from_day, to_day, hourly));
}

json_t *ww_store_topports(struct ww_store *st, const char *by, int limit, int64_t day)
{
    QUERY(q_topports(st, by, limit, day));
}

json_t *ww_store_sources(struct ww_store *st, int limit, int port, int64_t now_us)
{
    QUERY(q_sources(st, limit, port, now_us / DAY_US));
}

json_t *ww_store_ip(struct ww_store *st, const struct ww_addr *a)
{
    QUERY(q_ip(st, a));
}

json_t *ww_store_alerts(struct ww_store *st, int limit)
{
    QUERY(q_alerts(st, limit));
}

json_t *ww_store_infocon(struct ww_store *st, int64_t now_us)
{
    QUERY(q_infocon(st, now_us));
}

json_t *ww_store_sensors(struct ww_store *st, int64_t now_us)
{
    QUERY(q_sensors(st, now_us));
}

int ww_store_metrics(struct ww_store *st, FILE *out)
{
    pthread_mutex_lock(&st->rlock);
    int rc = q_metrics(st, out);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

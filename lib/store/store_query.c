/* store_query.c -- the SQLite engine's read side: every query the API
 * answers, as store.h's rows.
 *
 * Queries run on the store's own read connection (WAL: they never block the
 * writer, and see whole transactions only), one at a time, after sq_sync()
 * has made every batch accepted so far visible in the aggregates; when it
 * cannot (a full disk), they answer WW_ERR_IO. Statements are prepared per
 * query with bound parameters; no SQL is built from input. Blobs decoded
 * here (top sources, a source's ports and days) are store_blob.c's
 * tallies, and the aggregates' source sets (a surge's growth) core/dcount.h's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/mem.h"
#include "store/store_int.h"

static sqlite3_stmt *prep(struct sq_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->rdb, sql, -1, &s, NULL) != SQLITE_OK) return NULL;
    return s;
}

static void text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    snprintf(dst, len, "%s", t ? t : "");
}

/* records, sources, targets, sensors from columns col.. of a row */
static void counts(struct ww_store_agg *a, sqlite3_stmt *s, int col, int sensors)
{
    a->records = sqlite3_column_int64(s, col);
    a->sources = sqlite3_column_int64(s, col + 1);
    a->targets = sqlite3_column_int64(s, col + 2);
    if (sensors) a->sensors = sqlite3_column_int64(s, col + 3);
}

static int q_port(struct sq_store *st, int port, int64_t day, struct ww_store_rows *out)
{
    sqlite3_stmt *s = prep(st, "SELECT proto, records, nsrc, ndst, nsens FROM agg_day"
                               " WHERE port=? AND t=? ORDER BY proto");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, day);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_agg *a = store_row(out, sizeof *a);
        a->t = day;
        a->port = port;
        a->proto = sqlite3_column_int(s, 0);
        counts(a, s, 1, 1);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

static int q_porthistory(struct sq_store *st, int port, int64_t from_day, int64_t to_day,
                         int hourly, struct ww_store_rows *out)
{
    /* Per bucket over all protocols: records add up; distinct counts of the
     * protocols are summed (an address seen on tcp and udp counts twice). */
    sqlite3_stmt *s = prep(st, hourly
        ? "SELECT t, sum(records), sum(nsrc), sum(ndst), max(nsens) FROM agg_hour"
          " WHERE port=? AND t BETWEEN ? AND ? GROUP BY t ORDER BY t"
        : "SELECT t, sum(records), sum(nsrc), sum(ndst), max(nsens) FROM agg_day"
          " WHERE port=? AND t BETWEEN ? AND ? GROUP BY t ORDER BY t");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, hourly ? from_day * 24 : from_day);
    sqlite3_bind_int64(s, 3, hourly ? to_day * 24 + 23 : to_day);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_agg *a = store_row(out, sizeof *a);
        a->t = sqlite3_column_int64(s, 0);
        a->port = port;
        counts(a, s, 1, 1);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

static int q_topports(struct sq_store *st, enum ww_store_by by, int limit, int64_t day,
                      struct ww_store_rows *out)
{
    static const char *const sql[3] = {
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY records DESC, port LIMIT ?",
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY nsrc DESC, port LIMIT ?",
        "SELECT port, proto, records, nsrc, ndst FROM agg_day WHERE t=? ORDER BY ndst DESC, port LIMIT ?",
    };
    if ((unsigned)by > WW_STORE_BY_TARGETS) return WW_ERR_ARG;
    sqlite3_stmt *s = prep(st, sql[by]);
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_int(s, 2, limit > 0 ? limit : 10);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_agg *a = store_row(out, sizeof *a);
        a->t = day;
        a->port = sqlite3_column_int(s, 0);
        a->proto = sqlite3_column_int(s, 1);
        counts(a, s, 2, 0);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

/* The day's backscatter, heaviest first (index backscatter_t). */
static int q_backscatter(struct sq_store *st, int64_t day, int limit, struct ww_store_rows *out)
{
    sqlite3_stmt *s = prep(st, "SELECT victim, proto, records, ntgt, first, last FROM backscatter"
                               " WHERE t=? ORDER BY records DESC, victim, proto LIMIT ?");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int64(s, 1, day);
    sqlite3_bind_int(s, 2, limit);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_bsc *b = store_row(out, sizeof *b);
        text(b->victim, sizeof b->victim, s, 0);
        b->proto = sqlite3_column_int(s, 1);
        b->day = day;
        b->records = sqlite3_column_int64(s, 2);
        b->targets = sqlite3_column_int64(s, 3);
        b->first_us = sqlite3_column_int64(s, 4);
        b->last_us = sqlite3_column_int64(s, 5);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

/* a group's figures (store_sqlite.c: srcs), then byport and days at SRC_NCOLS */
#define SRC_COLS "src, records, ntgt, nport, nsens, first_seen, last_seen, os, os_name," \
                 " coalesce(naddr, 1), rep"
#define SRC_NCOLS 11

static void src_row(struct ww_store_src *r, sqlite3_stmt *s)
{
    char key[WW_CIDR_STRLEN];
    text(key, sizeof key, s, 0);
    r->addresses = sqlite3_column_int64(s, 9);
    if (strchr(key, '/')) snprintf(r->prefix, sizeof r->prefix, "%s", key);
    /* a group is named by its one address until it shows a second */
    if (r->addresses <= 1 && sqlite3_column_type(s, 10) != SQLITE_NULL) text(r->src, sizeof r->src, s, 10);
    else snprintf(r->src, sizeof r->src, "%s", key);
    r->records = sqlite3_column_int64(s, 1);
    r->targets = sqlite3_column_int64(s, 2);
    r->ports = sqlite3_column_int64(s, 3);
    r->sensors = sqlite3_column_int64(s, 4);
    r->first_us = sqlite3_column_int64(s, 5);
    r->last_us = sqlite3_column_int64(s, 6);
    r->os_match = sqlite3_column_type(s, 8) == SQLITE_NULL ? 0 : (uint16_t)sqlite3_column_int(s, 7);
    text(r->os, sizeof r->os, s, 8);
}

/* Top sources: the per port and day top-source tallies merged (of one
 * port's last 30 days with data, or of every port's last day), ranked by their
 * guaranteed counts (store_blob.c); each source's row then gives its
 * all-time figures -- with a port, records are its guaranteed count there.
 * "Last" is the latest day not after today: a day in the future (a sensor
 * whose clock is wrong) would otherwise hide every real source. */
static int q_sources(struct sq_store *st, int limit, int port, int64_t today,
                     struct ww_store_rows *out)
{
    if (limit <= 0) limit = 10;
    sqlite3_stmt *s = prep(st, port < 0
        ? "SELECT top FROM agg_day WHERE t = (SELECT max(t) FROM agg_day WHERE t <= ?2)"
        : "SELECT top FROM agg_day WHERE port=?1 AND t <= ?2 AND t >="
          " (SELECT max(t) FROM agg_day WHERE port=?1 AND t <= ?2) - 29");
    sqlite3_stmt *one = prep(st, "SELECT " SRC_COLS " FROM srcs WHERE src=?1 OR src=?2 ORDER BY src=?1 DESC LIMIT 1");
    if (!s || !one) {
        sqlite3_finalize(s);
        sqlite3_finalize(one);
        return WW_ERR_FORMAT;
    }
    if (port >= 0) sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, today);
    /* every (source, count) of every row, then sorted by source to add up */
    struct tally all = {0};
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct tally day = {.cap = TOPK};
        tally_decode(&day, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
        for (uint32_t i = 0; i < day.n; i++) { /* a day before grouping: its addresses' groups */
            struct ww_addr a = {.family = day.e[i].k[16]};
            struct ww_cidr g;
            memcpy(a.b, day.e[i].k, 16);
            store_group(&st->base, &a, &g);
            memcpy(day.e[i].k, g.addr.b, 16);
        }
        if (all.n + day.n > all.cap) {
            all.cap = 2 * (all.n + day.n);
            all.e = ww_realloc(all.e, all.cap * sizeof *all.e);
        }
        if (day.n) /* empty when the day's records were all backscatter */
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
        struct ww_cidr g;
        char key[WW_CIDR_STRLEN], addr[WW_ADDR_STRLEN];
        memcpy(a.b, all.e[i].k, 16);
        store_group(&st->base, &a, &g);
        sqlite3_reset(one); /* the group's row, else (a store from before grouping) the address's */
        sqlite3_bind_text(one, 1, ww_cidr_format(&g, key), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(one, 2, ww_addr_format(&a, addr), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(one) != SQLITE_ROW) continue;
        struct ww_store_src *r = store_row(out, sizeof *r);
        src_row(r, one);
        if (port >= 0) r->records = (int64_t)(all.e[i].c - all.e[i].err);
    }
    tally_free(&all);
    sqlite3_finalize(s);
    sqlite3_finalize(one);
    return WW_OK;
}

static int q_ip(struct sq_store *st, const struct ww_cidr *key, struct ww_store_ip *out)
{
    char addr[WW_CIDR_STRLEN];
    ww_cidr_format(key, addr);
    sqlite3_stmt *s = prep(st, "SELECT " SRC_COLS ", byport, days FROM srcs WHERE src=?");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_text(s, 1, addr, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return WW_ERR_ARG;
    }
    src_row(&out->src, s);
    struct tally t = {.cap = SRC_PORTS};
    tally_decode(&t, sqlite3_column_blob(s, SRC_NCOLS), (size_t)sqlite3_column_bytes(s, SRC_NCOLS));
    tally_sort(&t);
    for (uint32_t i = 0; i < t.n && i < WW_STORE_IP_PORTS; i++) {
        int64_t v = tally_key_int_value(t.e[i].k);
        out->ports[out->nports].port = (int)(v >> 8);
        out->ports[out->nports].proto = (int)(v & 255);
        out->ports[out->nports++].records = (int64_t)(t.e[i].c - t.e[i].err);
    }
    tally_free(&t);
    t = (struct tally){.cap = SRC_DAYS, .recent = 1};
    tally_decode(&t, sqlite3_column_blob(s, SRC_NCOLS + 1), (size_t)sqlite3_column_bytes(s, SRC_NCOLS + 1));
    tally_sort_keys(&t);
    for (uint32_t i = 0; i < t.n && i < WW_STORE_IP_DAYS; i++) {
        out->days[out->ndays].day = tally_key_int_value(t.e[i].k);
        out->days[out->ndays++].records = (int64_t)t.e[i].c;
    }
    tally_free(&t);
    sqlite3_finalize(s);
    return WW_OK;
}

#define ALERT_COLS "port, proto, start, alert, sources, new_sources, baseline_new, score," \
                   " explanation, end, side, kind, sensors, new_targets, new_per_bucket," \
                   " growth_per_hour, doubling_s, population, saturation, os_mix," \
                   " coalesce(length(sample), 0) / 17"

/* The alert's sample of new sources (store.h); WW_ERR_ARG if no alert. */
static int q_alert_sample(struct sq_store *st, int port, int proto, int64_t start_us,
                          struct ww_addr *a, size_t *n)
{
    sqlite3_stmt *s = prep(st, "SELECT sample FROM alerts WHERE port = ? AND proto = ? AND start = ?");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int(s, 2, proto);
    sqlite3_bind_int64(s, 3, start_us);
    int rc = WW_ERR_ARG;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *n = store_alert_sample_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), a);
        rc = WW_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* The alerts a statement over ALERT_COLS selects. */
static int alert_rows(sqlite3_stmt *s, struct ww_store_rows *out)
{
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_alert *a = store_row(out, sizeof *a);
        a->port = sqlite3_column_int(s, 0);
        a->proto = sqlite3_column_int(s, 1);
        a->start_us = sqlite3_column_int64(s, 2);
        a->alert_us = sqlite3_column_int64(s, 3);
        a->sources = sqlite3_column_int64(s, 4);
        a->new_sources = sqlite3_column_int64(s, 5);
        a->baseline_new = sqlite3_column_double(s, 6);
        a->score = sqlite3_column_double(s, 7);
        text(a->explanation, sizeof a->explanation, s, 8);
        a->end_us = sqlite3_column_int64(s, 9);
        text(a->side, sizeof a->side, s, 10);
        text(a->kind, sizeof a->kind, s, 11);
        a->sensors = sqlite3_column_int64(s, 12);
        a->new_targets = sqlite3_column_int64(s, 13);
        const char *nb = (const char *)sqlite3_column_text(s, 14);
        for (char *end; nb && *nb && a->nbuckets < WW_STORE_BUCKETS; nb = *end ? end + 1 : end) {
            a->new_per_bucket[a->nbuckets++] = strtoll(nb, &end, 10);
            if (end == nb) break;
        }
        a->growth_per_hour = sqlite3_column_double(s, 15);
        a->doubling_s = sqlite3_column_double(s, 16);
        a->population = sqlite3_column_double(s, 17);
        a->saturation_us = sqlite3_column_int64(s, 18);
        a->sampled = (uint32_t)sqlite3_column_int64(s, 20);
        store_alert_os_mix(a, (const char *)sqlite3_column_text(s, 19));
    }
    sqlite3_finalize(s);
    return WW_OK;
}

static int q_alerts(struct sq_store *st, int limit, struct ww_store_rows *out)
{
    sqlite3_stmt *s = prep(st, "SELECT " ALERT_COLS " FROM alerts ORDER BY alert DESC, id DESC LIMIT ?");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int(s, 1, limit > 0 ? limit : 20);
    return alert_rows(s, out);
}

static int q_floods(struct sq_store *st, int limit, int64_t day, struct ww_store_rows *out)
{
    sqlite3_stmt *s = prep(st, "SELECT target, port, proto, start, end, sources, records FROM floods"
                               " WHERE ?1 IS NULL OR (end >= ?2 AND start < ?3)"
                               " ORDER BY start DESC, id DESC LIMIT ?4");
    if (!s) return WW_ERR_FORMAT;
    if (day != INT64_MIN) { /* else ?1 is NULL: every day */
        sqlite3_bind_int64(s, 1, day);
        sqlite3_bind_int64(s, 2, day * WW_DAY_US);
        sqlite3_bind_int64(s, 3, (day + 1) * WW_DAY_US);
    }
    sqlite3_bind_int(s, 4, limit > 0 ? limit : 20);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_flood *f = store_row(out, sizeof *f);
        text(f->target, sizeof f->target, s, 0);
        f->port = sqlite3_column_int(s, 1);
        f->proto = sqlite3_column_int(s, 2);
        f->start_us = sqlite3_column_int64(s, 3);
        f->end_us = sqlite3_column_int64(s, 4);
        f->sources = sqlite3_column_int64(s, 5);
        f->records = sqlite3_column_int64(s, 6);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

static int q_active(struct sq_store *st, int64_t now_us, struct ww_store_rows *out)
{
    sqlite3_stmt *s = prep(st, "SELECT " ALERT_COLS " FROM alerts WHERE end >= ? AND alert <= ?"
                               " ORDER BY score DESC");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int64(s, 1, now_us - WW_DAY_US);
    sqlite3_bind_int64(s, 2, now_us);
    return alert_rows(s, out);
}

static int64_t scalar(struct sq_store *st, const char *sql)
{
    sqlite3_stmt *s = prep(st, sql);
    int64_t v = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The per-sensor figures of event time come from the hold (the writer's,
 * or the last saved); a store never started judges staleness from the keys'
 * own watermarks with the default lateness. */
static int q_sensors(struct sq_store *st, int64_t now, struct ww_store_rows *out)
{
    uint64_t waiting;
    struct ww_hold *h = sq_hold_view(st, &waiting);
    const struct ww_hold_sensor *hs = NULL;
    size_t nhs = h ? ww_hold_sensors(h, &hs) : 0;
    struct ww_hold_stats hst = {.frontier_us = scalar(st, "SELECT coalesce(max(wm), -9223372036854775807 - 1) FROM keys"),
                                .first_us = INT64_MIN, .lateness_us = WW_HOLD_LATENESS_US};
    if (h) ww_hold_stats(h, &hst);
    hst.waiting = waiting; /* the view's bytes leave the waiting events out */
    sqlite3_stmt *s = prep(st,
        "SELECT name, created, revoked, last_seen, id, coalesce(wm, -9223372036854775807 - 1),"
        " coalesce(birth, -9223372036854775807 - 1),"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?1),"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?2),"
        " (SELECT count(*) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?2),"
        " (SELECT coalesce(sum(events),0) FROM batches b WHERE b.sensor=k.id AND b.ts >= ?3)"
        " FROM keys k ORDER BY name");
    if (!s) {
        ww_hold_free(h);
        return WW_ERR_FORMAT;
    }
    sqlite3_bind_int64(s, 1, now - WW_HOUR_US);
    sqlite3_bind_int64(s, 2, now - WW_DAY_US);
    sqlite3_bind_int64(s, 3, now - WW_MIN_US);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_store_sensor *r = store_row(out, sizeof *r);
        text(r->name, sizeof r->name, s, 0);
        r->created_us = sqlite3_column_int64(s, 1);
        r->revoked = sqlite3_column_int(s, 2);
        r->last_us = sqlite3_column_int64(s, 3);
        int64_t id = sqlite3_column_int64(s, 4);
        r->wm_us = sqlite3_column_int64(s, 5);
        r->stale = ww_hold_is_stale(hst.frontier_us, hst.lateness_us, hst.first_us, r->wm_us,
                                    sqlite3_column_int64(s, 6));
        for (size_t i = 0; i < nhs; i++)
            if (hs[i].id == id) {
                r->stale = hs[i].stale;
                r->late = (int64_t)hs[i].late;
            }
        r->holding = !r->revoked && !r->stale;
        r->events_hour = sqlite3_column_int64(s, 7);
        r->events_day = sqlite3_column_int64(s, 8);
        r->batches_day = sqlite3_column_int64(s, 9);
        r->events_minute = sqlite3_column_int64(s, 10);
    }
    sqlite3_finalize(s);
    ww_hold_free(h);
    return WW_OK;
}

/* ---- history ---- */

/* min(t) and max(t) of agg_day each an index lookup (agg_day_t); only
 * future days (a clock far ahead) count as none. */
static int q_span(struct sq_store *st, int64_t today, int64_t *first, int64_t *last)
{
    sqlite3_stmt *s = prep(st, "SELECT (SELECT min(t) FROM agg_day),"
                               " (SELECT max(t) FROM agg_day WHERE t <= ?)");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int64(s, 1, today);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 1) != SQLITE_NULL) {
        *first = sqlite3_column_int64(s, 0);
        *last = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return WW_OK;
}

/* Merges the source sets (column 0) of the rows s selects into d. */
static void merge_sets(sqlite3_stmt *s, struct ww_dcount *d)
{
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct ww_dcount one = {0};
        blob_dcount_decode(&one, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
        ww_dcount_merge(d, &one);
        ww_dcount_release(&one);
    }
}

/* The port's sources of the WW_STORE_GROWTH_DAYS days before from_hour's
 * day (daily sets) and of that day's hours before it (hourly sets) are
 * "seen"; then each hour of the surge adds its set to "seen" and to
 * "during", and the growth of "seen" is that hour's new sources. The hour
 * at end_hour counts only while no later hour has data (still going on). */
static int q_growth(struct sq_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
                    struct ww_store_rows *out)
{
    int64_t day = from_hour >= 0 ? from_hour / 24 : -((-from_hour + 23) / 24);
    sqlite3_stmt *d = prep(st, "SELECT src FROM agg_day WHERE port=? AND proto=? AND t BETWEEN ? AND ?");
    sqlite3_stmt *h = prep(st, "SELECT src, t, records, nsrc FROM agg_hour WHERE port=? AND proto=?"
                               " AND t BETWEEN ? AND ? ORDER BY t");
    sqlite3_stmt *later = prep(st, "SELECT 1 FROM agg_hour WHERE port=? AND proto=? AND t > ? LIMIT 1");
    if (!d || !h || !later) {
        sqlite3_finalize(d);
        sqlite3_finalize(h);
        sqlite3_finalize(later);
        return WW_ERR_FORMAT;
    }
    sqlite3_bind_int(later, 1, port);
    sqlite3_bind_int(later, 2, proto);
    sqlite3_bind_int64(later, 3, end_hour);
    int64_t last = sqlite3_step(later) == SQLITE_ROW ? end_hour - 1 : end_hour;
    struct ww_dcount seen = {0}, during = {0};
    sqlite3_bind_int(d, 1, port);
    sqlite3_bind_int(d, 2, proto);
    sqlite3_bind_int64(d, 3, day - WW_STORE_GROWTH_DAYS);
    sqlite3_bind_int64(d, 4, day - 1);
    merge_sets(d, &seen);
    sqlite3_bind_int(h, 1, port);
    sqlite3_bind_int(h, 2, proto);
    sqlite3_bind_int64(h, 3, day * 24);
    sqlite3_bind_int64(h, 4, from_hour - 1);
    merge_sets(h, &seen);
    sqlite3_reset(h);
    sqlite3_bind_int64(h, 3, from_hour);
    sqlite3_bind_int64(h, 4, last);
    int64_t base = (int64_t)ww_dcount_count(&seen), before = base;
    while (sqlite3_step(h) == SQLITE_ROW) {
        struct ww_dcount one = {0};
        blob_dcount_decode(&one, sqlite3_column_blob(h, 0), (size_t)sqlite3_column_bytes(h, 0));
        ww_dcount_merge(&seen, &one);
        ww_dcount_merge(&during, &one);
        ww_dcount_release(&one);
        /* estimates past 128: never let a union shrink */
        int64_t after = (int64_t)ww_dcount_count(&seen);
        if (after < before) after = before;
        struct ww_store_growth *g = store_row(out, sizeof *g);
        g->hour = sqlite3_column_int64(h, 1);
        g->records = sqlite3_column_int64(h, 2);
        g->sources = sqlite3_column_int64(h, 3);
        g->new_sources = after - before;
        g->sources_so_far = (int64_t)ww_dcount_count(&during);
        g->new_so_far = after - base;
        g->in_progress = g->hour == end_hour;
        before = after;
    }
    ww_dcount_release(&seen);
    ww_dcount_release(&during);
    sqlite3_finalize(d);
    sqlite3_finalize(h);
    sqlite3_finalize(later);
    return WW_OK;
}

/* srcs has no index on first_seen (the writer would pay for it on every
 * flush), so this scans it: tens of milliseconds per 100,000 sources,
 * asked for only on a port page with a surge. */
static int q_new_sources(struct sq_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                         struct ww_store_rows *out, int64_t *total)
{
    sqlite3_stmt *s = prep(st, "SELECT " SRC_COLS ", byport FROM srcs"
                               " WHERE first_seen BETWEEN ? AND ? ORDER BY first_seen, src");
    if (!s) return WW_ERR_FORMAT;
    sqlite3_bind_int64(s, 1, from_us);
    sqlite3_bind_int64(s, 2, to_us);
    while (sqlite3_step(s) == SQLITE_ROW) {
        struct tally t = {.cap = SRC_PORTS};
        int64_t on_port = -1;
        tally_decode(&t, sqlite3_column_blob(s, SRC_NCOLS), (size_t)sqlite3_column_bytes(s, SRC_NCOLS));
        for (uint32_t i = 0; i < t.n; i++)
            if (tally_key_int_value(t.e[i].k) >> 8 == port)
                on_port = (on_port < 0 ? 0 : on_port) + (int64_t)(t.e[i].c - t.e[i].err);
        tally_free(&t);
        if (on_port < 0) continue;
        ++*total;
        if ((int64_t)out->n >= limit) continue;
        struct ww_store_src *r = store_row(out, sizeof *r);
        src_row(r, s);
        r->records = on_port;
    }
    sqlite3_finalize(s);
    return WW_OK;
}

static int q_time(struct sq_store *st, struct ww_store_time *out)
{
    uint64_t waiting;
    struct ww_hold *h = sq_hold_view(st, &waiting);
    struct ww_hold_stats hs = {.frontier_us = INT64_MIN, .release_us = INT64_MIN,
                               .lateness_us = st->hold_opts.lateness_us > 0 ? st->hold_opts.lateness_us
                                                                            : WW_HOLD_LATENESS_US};
    if (h) ww_hold_stats(h, &hs);
    hs.waiting = waiting;
    ww_hold_free(h);
    *out = (struct ww_store_time){hs.frontier_us, hs.release_us, hs.lateness_us,
                                  (int64_t)hs.waiting, (int64_t)hs.late, (int64_t)hs.forced,
                                  (int64_t)hs.sensors, (int64_t)hs.stale};
    return WW_OK;
}

/* The files' size (database + WAL), then the gauges of the tables. */
/* The SQLite engine's own gauges (store.c adds event time's). */
static int q_metrics(struct sq_store *st, FILE *out)
{
    struct ww_store_counters c;
    sq_counters(&st->base, &c);
    int64_t bytes = 0;
    char wal[4096];
    struct stat sb;
    if (!stat(st->path, &sb)) bytes += (int64_t)sb.st_size;
    snprintf(wal, sizeof wal, "%s-wal", st->path);
    if (!stat(wal, &sb)) bytes += (int64_t)sb.st_size;
    const struct store_gauge m[] = {
        {"wormwatch_store_file_bytes", "Size of the store's files (database + WAL).", bytes},
        {"wormwatch_store_sources", "Distinct sources in the store", (int64_t)c.sources},
        {"wormwatch_store_alerts", "Surge alerts in the store",
         scalar(st, "SELECT count(*) FROM alerts")},
        {"wormwatch_store_floods", "Floods in the store (many sources on one target: never alerts)",
         scalar(st, "SELECT count(*) FROM floods")},
        {"wormwatch_store_sensor_keys", "Live sensor keys",
         scalar(st, "SELECT count(*) FROM keys WHERE revoked=0")},
        {"wormwatch_store_log_rows", "Batches committed and kept in the log for recovery",
         scalar(st, "SELECT count(*) FROM log")},
    };
    return store_gauges(out, m, sizeof m / sizeof m[0]);
}

/* ---- the engine's queries: sync, then one query on the read connection ---- */

#define QUERY(call)                          \
    do {                                     \
        struct sq_store *st = sq(base);      \
        int rc_ = sq_sync(st);               \
        if (rc_) return rc_;                 \
        pthread_mutex_lock(&st->rlock);      \
        rc_ = call;                          \
        pthread_mutex_unlock(&st->rlock);    \
        return rc_;                          \
    } while (0)

int sq_port(struct ww_store *base, int port, int64_t day, struct ww_store_rows *out)
{
    QUERY(q_port(st, port, day, out));
}

int sq_porthistory(struct ww_store *base, int port, int64_t from_day, int64_t to_day, int hourly,
                   struct ww_store_rows *out)
{
    QUERY(q_porthistory(st, port, from_day, to_day, hourly, out));
}

int sq_topports(struct ww_store *base, enum ww_store_by by, int limit, int64_t day,
                struct ww_store_rows *out)
{
    QUERY(q_topports(st, by, limit, day, out));
}

int sq_backscatter(struct ww_store *base, int64_t day, int limit, struct ww_store_rows *out)
{
    QUERY(q_backscatter(st, day, limit, out));
}

int sq_sources(struct ww_store *base, int limit, int port, int64_t now_us,
               struct ww_store_rows *out)
{
    QUERY(q_sources(st, limit, port, now_us / WW_DAY_US, out));
}

int sq_ip(struct ww_store *base, const struct ww_cidr *key, struct ww_store_ip *out)
{
    QUERY(q_ip(st, key, out));
}

int sq_alerts(struct ww_store *base, int limit, struct ww_store_rows *out)
{
    QUERY(q_alerts(st, limit, out));
}

int sq_alert_sample(struct ww_store *base, int port, int proto, int64_t start_us, struct ww_addr *a,
                    size_t *n)
{
    QUERY(q_alert_sample(st, port, proto, start_us, a, n));
}

int sq_floods(struct ww_store *base, int limit, int64_t day, struct ww_store_rows *out)
{
    QUERY(q_floods(st, limit, day, out));
}

int sq_active(struct ww_store *base, int64_t now_us, struct ww_store_rows *out)
{
    QUERY(q_active(st, now_us, out));
}

int sq_sensors(struct ww_store *base, int64_t now_us, struct ww_store_rows *out)
{
    QUERY(q_sensors(st, now_us, out));
}

int sq_time(struct ww_store *base, struct ww_store_time *out)
{
    QUERY(q_time(st, out));
}

int sq_span(struct ww_store *base, int64_t now_us, int64_t *first_day, int64_t *last_day)
{
    QUERY(q_span(st, now_us / WW_DAY_US, first_day, last_day));
}

int sq_growth(struct ww_store *base, int port, int proto, int64_t from_hour, int64_t end_hour,
              struct ww_store_rows *out)
{
    QUERY(q_growth(st, port, proto, from_hour, end_hour, out));
}

int sq_new_sources(struct ww_store *base, int port, int64_t from_us, int64_t to_us, int limit,
                   struct ww_store_rows *out, int64_t *total)
{
    QUERY(q_new_sources(st, port, from_us, to_us, limit, out, total));
}

int sq_metrics(struct ww_store *base, FILE *out)
{
    struct sq_store *st = sq(base);
    pthread_mutex_lock(&st->rlock);
    int rc = q_metrics(st, out);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

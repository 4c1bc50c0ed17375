/* store_ch_detect.c -- the surge detector of the ClickHouse store (issue
 * 15; docs/clickhouse-schema.md, open question 2): one front-end at a time
 * judges everybody's events, with the SQLite writer's semantics.
 *
 * The lease. Every front-end runs this thread; only the holder of the lease
 * judges. The lease is the meta row k = 'detector' (home shard), v = the
 * holder's front-end id, ver = its expiry (wall clock, microseconds): the
 * row with the largest ver is in force (ties: the larger v). A front-end
 * that finds it expired (or v = "", given up by a clean stop) inserts its
 * own row with ver = max(now + LEASE_US, the current ver + 1), waits
 * TAKE_WAIT_US, reads the row in force again and holds the lease if it is
 * its own. The holder renews every RENEW_US, only while its lease is in
 * force and still the row in force (a holder whose lease ran out -- a slow
 * read, the home shard away -- or that another taker outranked has lost it
 * and never takes it back by renewing), and writes only while the write
 * (CH_HOMEW: CH_SUBMIT_TIMEOUT_MS at most) ends LEASE_MARGIN_US before its
 * lease does, so nothing of it lands once another may have taken over. Two
 * takers whose inserts cross the other's wait may both believe they won
 * until the first renewal check (RENEW_US): alerts and floods are keyed
 * rows, and every notice is written only if no notice with its body is
 * there yet, so a doubled judge rewrites rows but tells nothing twice
 * (barring two checks in the same instant).
 *
 * Event time, as detect/hold.c defines it (ww_hold_point): each sensor's
 * watermark is max(wm) of its done `batches` rows (a done row is written
 * after its events, so the events below every watermark are visible), its
 * birth and revocation come from `keys`; the release point R is computed
 * from them each round and never moves back. The events of [surge_wm, R)
 * are read from `events` in windows of event time (d BETWEEN for partition
 * pruning; a window with too many rows is halved, a light one doubles),
 * sorted in C by ww_hold_order -- the exact order the SQLite store's hold
 * releases them in -- and fed to ww_surges_event, but known scanners'
 * (st->base.known), with ev.sensor = the key id's low 16 bits. An event
 * that arrives below R is late: the front-ends count it at submit time
 * from st->release_us (kept current here: the holder's own, the others'
 * read from meta every round), and it is never judged.
 *
 * What the detector calls is written as the SQLite writer writes it
 * (store_sqlite.c write_alerts, write_floods): each surge or flood new or
 * changed since this detector last wrote it is a new row of alerts /
 * floods (ReplacingMergeTree(ver): a rewrite replaces), preceded by its
 * notice only the first time it is stored -- neither its alert row nor a
 * notice for it (its body's prefix up to the start) exists on the home
 * shard, so a handover never notifies twice. Sensors turning stale or
 * coming back get sensor_silent / sensor_back notices. Notice bodies are
 * SQLite's json_object on an in-memory SQLite (store_int.h's shared SQL),
 * byte for byte the SQLite store's. Notice ids and every ver come from
 * tick(): the wall clock, strictly increasing, started past every id and
 * ver on the home shard when the lease is taken.
 *
 * State: after a round that moved, the surge state (ww_surges_save),
 * surge_wm, the release point, the earliest event time and each sensor's
 * watermark and stale flag go into meta in one insert (one part: all or
 * nothing); a new holder loads them and goes on from surge_wm. What a dead
 * holder judged after its last save is judged again (the same events in
 * the same order: the same alert rows, no second notice). Saved at most
 * every SAVE_US while it keeps moving (the surge state grows with the
 * sources seen: megabytes on a big collector), and always at a clean stop;
 * the release point alone every round that moved it.
 *
 * Retention (ww_store_opts.retention_days > 0): by the holder, when it takes the
 * lease and then daily: every shard's events_local and agg_hour_local
 * partitions (days) older than that many days before today (wall clock)
 * are dropped, and batches_local's rows (claims and done rows) that arrived
 * before then deleted (a mutation, only when there are some). A sensor's
 * watermark outlives its batch rows in the saved state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/wtime.h"
#include "detect/known.h"
#include "store/store_ch.h"
#include "store/store_int.h"

#define LEASE_US 30000000LL       /* a lease lasts */
#define RENEW_US 10000000LL       /* renewed this often */
#define LEASE_MARGIN_US 5000000LL /* judging stops this long before the lease ends */
#define TAKE_WAIT_US 1000000LL    /* a taker waits, then reads who won */
#define ROUND_US 1000000LL        /* a round every */
#define SAVE_US 5000000LL         /* the state saved at most this often while moving */
#define RETAIN_US (24 * 3600000000LL)
#define CHUNK_MAX 200000          /* events read in one window, about */
#define WINDOW_MAX (24 * 3600000000LL)

struct dsensor {                  /* what a sensor's notice needs beside the hold's view */
    char name[65];
    int64_t last_us;              /* its latest done batch's arrival */
};

struct change { int64_t id, wm; int stale; };

struct ch_det {
    struct ch_store *st;
    pthread_t th;
    int started;                  /* th runs; mu and cv are set up */
    pthread_mutex_t mu;           /* stop, holding, fig */
    pthread_cond_t cv;
    int stop, holding;
    struct ww_store_time fig;     /* the holder's figures of its last round */

    /* the thread's own */
    int64_t lease_until;          /* our lease's expiry as written and read back */
    int64_t renewed_us;           /* wall clock of the last renewal */
    int64_t clock;                /* tick()'s last value */
    struct ww_surges *surges;
    int64_t surge_wm, release, first;
    struct ww_hold_sensor *s;     /* by id */
    struct dsensor *sx;           /* beside s */
    size_t ns, scap;
    struct change *changes;
    size_t nchanges, changes_cap;
    struct ww_surge *alert_last;  /* each result as last written (0xff: not yet) */
    size_t nalert;
    struct ww_flood *flood_last;
    size_t nflood;
    int dirty;                    /* moved since the last save */
    int64_t saved_mono, retained_mono;
    int64_t window;               /* event time read per query */
    struct ww_event *ev;
    size_t nev, evcap;
    sqlite3 *json;                /* in-memory: notice bodies */
    sqlite3_stmt *js_surge, *js_flood, *js_sensor;
};

/* ---- small helpers ---- */

/* a UTC day number as a Date literal's argument (Date is 1970..2149) */
static int64_t date_of(int64_t ts_us)
{
    int64_t d = ww_floordiv(ts_us, WW_DAY_US);
    return d < 0 ? 0 : d > 65535 ? 65535 : d;
}

static int64_t tick(struct ch_det *d)
{
    int64_t t = ww_now_us();
    if (t <= d->clock) t = d->clock + 1;
    return d->clock = t;
}

static int64_t lateness(const struct ch_store *st)
{
    return st->lateness_us > 0 ? st->lateness_us : WW_HOLD_LATENESS_US;
}

static int row_int(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    (void)len;
    if (ncol >= 1) *(int64_t *)ctx = ch_col_int(col[0], *(int64_t *)ctx);
    return 1;
}

/* Sleeps up to us unless stopped; 1 if stopped. */
static int nap(struct ch_det *d, int64_t us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + us * 1000;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&d->mu);
    while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0) {}
    int stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

static int stopping(struct ch_det *d)
{
    pthread_mutex_lock(&d->mu);
    int s = d->stop;
    pthread_mutex_unlock(&d->mu);
    return s;
}

/* ---- the lease ---- */

struct lease { char v[32]; int64_t ver; int found; };

static int lease_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct lease *l = ctx;
    if (ncol < 2) return 1;
    snprintf(l->v, sizeof l->v, "%.*s", (int)len[0], col[0] ? col[0] : "");
    l->ver = ch_col_int(col[1], 0);
    l->found = 1;
    return 1;
}

static int lease_read(struct ch_store *st, struct lease *l)
{
    memset(l, 0, sizeof *l);
    return ch_query(st, CH_HOMEW, lease_row, l,
                    "SELECT v, ver FROM meta WHERE k = 'detector' ORDER BY ver DESC, v DESC LIMIT 1");
}

static void rb_meta(struct ww_buf *b, const char *k, const void *v, size_t n, int64_t ver)
{
    ch_rb_str(b, k, strlen(k));
    ch_rb_str(b, v, n);
    ch_rb_u64(b, (uint64_t)ver);
}

static int lease_write(struct ch_store *st, const char *v, int64_t ver)
{
    struct ww_buf b;
    ww_buf_init(&b, 4096);
    rb_meta(&b, "detector", v, strlen(v), ver);
    int rc = b.err ? b.err : ch_insert(st, CH_HOMEW, "meta", "RowBinary", b.p, b.len);
    ww_buf_reset(&b);
    return rc;
}

static void me_of(const struct ch_det *d, char me[32])
{
    snprintf(me, 32, "%llu", (unsigned long long)d->st->frontend);
}

/* A write of the holder may start: it ends (CH_SUBMIT_TIMEOUT_MS) with a
 * margin before the lease does. */
static int lease_writable(const struct ch_det *d)
{
    return d->lease_until &&
           ww_now_us() + CH_SUBMIT_TIMEOUT_MS * 1000LL + LEASE_MARGIN_US < d->lease_until;
}

/* Writes our lease past the one in force (l) and reads back who holds it:
 * 1 if we do (lease_until set), 0 if not, -1 on an error. */
static int lease_claim(struct ch_det *d, const struct lease *l, int64_t wait_us)
{
    char me[32];
    me_of(d, me);
    int64_t now = ww_now_us(), ver = now + LEASE_US;
    if (l->found && l->ver >= ver) ver = l->ver + 1;
    if (lease_write(d->st, me, ver)) return -1;
    if (wait_us && nap(d, wait_us)) return 0;
    struct lease back;
    if (lease_read(d->st, &back)) return -1;
    if (!back.found || strcmp(back.v, me)) return 0;
    d->lease_until = back.ver;
    d->renewed_us = now;
    return 1;
}

/* The holder: 1 while it may judge and write. A lease is renewed (when
 * due) only while it is still ours and in force: the row in force is read
 * first, and one that is not (us, our expiry) means another front-end took
 * it (ours ran out, or two takers met): lost, never taken back by a
 * renewal. Every write of the holder is a request of at most
 * CH_SUBMIT_TIMEOUT_MS (CH_HOMEW) and starts only while it ends before the
 * lease does (lease_writable), so no write of ours lands after another
 * front-end may have taken over. */
static int lease_keep(struct ch_det *d)
{
    int64_t now = ww_now_us();
    if (!d->lease_until || now >= d->lease_until - LEASE_MARGIN_US) {
        d->lease_until = 0; /* ran out (a slow read, the home shard away): lost */
        return 0;
    }
    if (now - d->renewed_us >= RENEW_US) {
        struct lease l;
        char me[32];
        me_of(d, me);
        if (lease_read(d->st, &l)) return lease_writable(d);
        if (!l.found || strcmp(l.v, me) || l.ver != d->lease_until) {
            d->lease_until = 0; /* another holds it now */
            return 0;
        }
        if (lease_claim(d, &l, 0) == 0) d->lease_until = 0;
    }
    return lease_writable(d);
}

/* ---- sensors: keys (birth, revoked, name) and batches (watermarks) ---- */

static size_t sensor_at(struct ch_det *d, int64_t id)
{
    size_t lo = 0, hi = d->ns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->s[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < d->ns && d->s[lo].id == id) return lo;
    if (d->ns == d->scap) {
        d->scap = d->scap ? 2 * d->scap : 16;
        d->s = ww_realloc(d->s, d->scap * sizeof *d->s);
        d->sx = ww_realloc(d->sx, d->scap * sizeof *d->sx);
    }
    memmove(&d->s[lo + 1], &d->s[lo], (d->ns - lo) * sizeof *d->s);
    memmove(&d->sx[lo + 1], &d->sx[lo], (d->ns - lo) * sizeof *d->sx);
    d->ns++;
    d->s[lo] = (struct ww_hold_sensor){.id = id, .wm_us = INT64_MIN, .birth_us = INT64_MIN};
    memset(&d->sx[lo], 0, sizeof d->sx[lo]);
    return lo;
}

static int batch_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ch_det *d = ctx;
    (void)len;
    if (ncol < 4) return 0;
    size_t i = sensor_at(d, ch_col_int(col[0], 0));
    if (ch_col_int(col[3], 0) > 0) { /* batches with events: a watermark */
        int64_t wm = ch_col_int(col[1], INT64_MIN);
        if (wm > d->s[i].wm_us) d->s[i].wm_us = wm;
    }
    d->sx[i].last_us = ch_col_int(col[2], 0);
    return 0;
}

/* Every key (birth, live) and every sensor's watermark: the hold's view.
 * Watermarks only move up (saved ones stay if batch rows are deleted). A
 * sensor with batches but no key in the cache is a key added since (by
 * another process): the cache is read again at once, as the SQLite writer
 * does, so the new sensor holds from its first batch on. */
static int sensors_load(struct ch_det *d)
{
    struct ch_store *st = d->st;
    int rc = ch_query(st, CH_DB, batch_row, d,
                      "SELECT sensor, maxIf(wm, events > 0), max(ts), countIf(events > 0)"
                      " FROM batches WHERE state = 1 GROUP BY sensor");
    if (rc) return rc;
    int unknown = 0;
    for (size_t i = 0; i < d->ns; i++) unknown |= !d->sx[i].name[0];
    pthread_mutex_lock(&st->mu);
    rc = ch_keys_refresh(st, unknown ? ww_mono_us() : 0);
    for (size_t k = 0; k < st->nkeys; k++) { /* the old copy if the refresh failed */
        size_t i = sensor_at(d, st->keys[k].id);
        d->s[i].birth_us = st->keys[k].birth;
        d->s[i].live = st->keys[k].revoked == 0;
        snprintf(d->sx[i].name, sizeof d->sx[i].name, "%s", st->keys[k].name);
    }
    int none = !st->keys;
    pthread_mutex_unlock(&st->mu);
    return none ? rc : WW_OK;
}

static void sensor_changed(void *ctx, const struct ww_hold_sensor *s)
{
    struct ch_det *d = ctx;
    if (d->nchanges == d->changes_cap)
        d->changes = ww_realloc(d->changes, (d->changes_cap = d->changes_cap ? 2 * d->changes_cap : 8) *
                                                sizeof *d->changes);
    d->changes[d->nchanges++] = (struct change){s->id, s->wm_us, s->stale};
}

/* The earliest event time there is (first data), once some sensor has
 * reported (an empty table's min() would be 0): partitions first. */
static int first_load(struct ch_det *d)
{
    int any = 0;
    for (size_t i = 0; i < d->ns; i++) any |= d->s[i].wm_us != INT64_MIN;
    if (!any) return WW_OK;
    int64_t day = -1, first = INT64_MAX;
    int rc = ch_int(d->st, CH_DB, -1, &day, "SELECT toUInt16(min(d)) FROM events");
    if (!rc && day >= 0)
        rc = ch_int(d->st, CH_DB, INT64_MAX, &first,
                    "SELECT min(ts) FROM events WHERE d = CAST(%lld AS Date)", (long long)day);
    if (!rc && first != INT64_MAX && first < d->first) d->first = first;
    return rc;
}

/* ---- notices, alerts, floods ---- */

static char *json_of(sqlite3_stmt *s)
{
    char *out = sqlite3_step(s) == SQLITE_ROW ? ww_strdup((const char *)sqlite3_column_text(s, 0)) : NULL;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return out;
}

static void rb_notice(struct ch_det *d, struct ww_buf *b, const char *kind, const char *body)
{
    ch_rb_u64(b, (uint64_t)tick(d));
    ch_rb_str(b, kind, strlen(kind));
    ch_rb_u64(b, (uint64_t)ww_now_us());
    ch_rb_str(b, body, strlen(body));
}

/* Whether a notice of kind whose body begins as body does up to `upto` (the
 * key that follows the start) exists, or the row `where` names: 1, 0, or
 * -1 on an error. */
static int stored(struct ch_det *d, const char *table, const char *where, const char *kind,
                  const char *body, const char *upto)
{
    const char *end = strstr(body, upto);
    size_t n = end ? (size_t)(end - body) : strlen(body);
    struct ww_buf q;
    ww_buf_init(&q, 1 << 16);
    ch_lit_str(&q, body, n);
    int64_t c = 0;
    int rc = q.err ? q.err
           : ch_int(d->st, CH_HOME, 0, &c,
                    "SELECT (SELECT count() FROM %s WHERE %s) + (SELECT count() FROM notices"
                    " WHERE kind = '%s' AND substring(body, 1, %zu) = %s)",
                    table, where, kind, n, q.p);
    ww_buf_reset(&q);
    return rc ? -1 : c > 0;
}

static int write_alerts(struct ch_det *d)
{
    const struct ww_surge *r;
    size_t n = ww_surges_results(d->surges, &r);
    if (n > d->nalert) {
        d->alert_last = ww_realloc(d->alert_last, n * sizeof *d->alert_last);
        memset(d->alert_last + d->nalert, 0xff, (n - d->nalert) * sizeof *d->alert_last);
        d->nalert = n;
    }
    struct ww_buf rows, notes;
    ww_buf_init(&rows, 64u << 20);
    ww_buf_init(&notes, 64u << 20);
    int rc = WW_OK;
    size_t nrows = 0, nnotes = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!memcmp(&d->alert_last[i], &r[i], sizeof r[i])) continue;
        char expl[WW_STORE_EXPLAIN], nb[WW_STORE_BUCKETS * 21 + 1], where[160];
        int64_t bk[WW_STORE_BUCKETS];
        size_t nbk = store_alert_buckets(&r[i], bk), k = 0;
        nb[0] = '\0';
        for (size_t j = 0; j < nbk; j++)
            k += (size_t)snprintf(nb + k, sizeof nb - k, "%s%lld", j ? "," : "", (long long)bk[j]);
        store_alert_explain(&r[i], expl, sizeof expl);
        if (d->alert_last[i].port == 0xffff && d->alert_last[i].proto == 0xff) {
            /* first written by this detector: stored before (or noticed)? */
            store_surge_json_bind(d->js_surge, &r[i], expl);
            char *json = json_of(d->js_surge);
            if (!json) {
                rc = WW_ERR_IO;
                break;
            }
            snprintf(where, sizeof where, "port = %u AND proto = %u AND start = %lld", r[i].port,
                     r[i].proto, (long long)r[i].start_us);
            int seen = stored(d, "alerts", where, "surge", json, ",\"alert\":");
            if (seen < 0) rc = WW_ERR_IO;
            else if (!seen) {
                rb_notice(d, &notes, "surge", json);
                nnotes++;
            }
            ww_free(json);
            if (rc) break;
        }
        ch_rb_u16(&rows, r[i].port);
        ch_rb_u8(&rows, r[i].proto);
        ch_rb_u64(&rows, (uint64_t)r[i].start_us);
        ch_rb_u64(&rows, (uint64_t)r[i].alert_us);
        ch_rb_u64(&rows, (uint64_t)r[i].end_us);
        ch_rb_u64(&rows, r[i].sources);
        ch_rb_u64(&rows, r[i].new_sources);
        ch_rb_f64(&rows, r[i].baseline_new);
        ch_rb_f64(&rows, r[i].score);
        ch_rb_str(&rows, expl, strlen(expl));
        ch_rb_str(&rows, store_surge_side(&r[i]), strlen(store_surge_side(&r[i])));
        ch_rb_str(&rows, store_surge_kind(&r[i]), strlen(store_surge_kind(&r[i])));
        ch_rb_u64(&rows, r[i].sensors);
        ch_rb_u64(&rows, r[i].new_targets);
        ch_rb_str(&rows, nb, strlen(nb));
        ch_rb_f64(&rows, r[i].growth_per_hour);
        ch_rb_f64(&rows, r[i].doubling_s);
        ch_rb_f64(&rows, r[i].population);
        ch_rb_u64(&rows, (uint64_t)r[i].saturation_us);
        ch_rb_u64(&rows, (uint64_t)tick(d));
        unsigned char sample[WW_SURGE_SAMPLE * 17];
        char os_text[STORE_OS_TEXT_MAX];
        size_t ns = store_alert_sample(&r[i], sample);
        size_t nt = store_alert_os_text(&r[i], d->st->base.osdb, os_text, sizeof os_text);
        ch_rb_str(&rows, sample, ns);
        ch_rb_str(&rows, os_text, nt);
        nrows++;
    }
    if (!rc && (rows.err || notes.err)) rc = WW_ERR_LIMIT;
    /* the notices first: a notice's check finds it if the rows are lost */
    if (!rc && (nnotes || nrows) && !lease_writable(d)) rc = WW_ERR_LIMIT; /* its reads ran long */
    if (!rc && nnotes) rc = ch_insert(d->st, CH_HOMEW, "notices", "RowBinary", notes.p, notes.len);
    if (!rc && nrows) rc = ch_insert(d->st, CH_HOMEW, "alerts", "RowBinary", rows.p, rows.len);
    if (!rc && n) memcpy(d->alert_last, r, n * sizeof *r);
    ww_buf_reset(&rows);
    ww_buf_reset(&notes);
    return rc;
}

static int write_floods(struct ch_det *d)
{
    const struct ww_flood *f;
    size_t n = ww_surges_floods(d->surges, &f);
    if (n > d->nflood) {
        d->flood_last = ww_realloc(d->flood_last, n * sizeof *d->flood_last);
        memset(d->flood_last + d->nflood, 0xff, (n - d->nflood) * sizeof *d->flood_last);
        d->nflood = n;
    }
    struct ww_buf rows, notes, where;
    ww_buf_init(&rows, 16u << 20);
    ww_buf_init(&notes, 16u << 20);
    ww_buf_init(&where, 4096);
    int rc = WW_OK;
    size_t nrows = 0, nnotes = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!memcmp(&d->flood_last[i], &f[i], sizeof f[i])) continue;
        if (d->flood_last[i].port == 0xffff && d->flood_last[i].proto == 0xff) {
            store_flood_json_bind(d->js_flood, &f[i]);
            char *json = json_of(d->js_flood);
            if (!json) {
                rc = WW_ERR_IO;
                break;
            }
            ww_buf_reset(&where);
            ww_buf_addf(&where, "target = ");
            ch_lit_addr(&where, &f[i].target);
            ww_buf_addf(&where, " AND port = %u AND proto = %u AND start = %lld", f[i].port,
                        f[i].proto, (long long)f[i].start_us);
            int seen = where.err ? -1 : stored(d, "floods", where.p, "flood", json, ",\"end\":");
            if (seen < 0) rc = WW_ERR_IO;
            else if (!seen) {
                rb_notice(d, &notes, "flood", json);
                nnotes++;
            }
            ww_free(json);
            if (rc) break;
        }
        ch_rb_addr(&rows, &f[i].target);
        ch_rb_u16(&rows, f[i].port);
        ch_rb_u8(&rows, f[i].proto);
        ch_rb_u64(&rows, (uint64_t)f[i].start_us);
        ch_rb_u64(&rows, (uint64_t)f[i].end_us);
        ch_rb_u64(&rows, f[i].sources);
        ch_rb_u64(&rows, f[i].records);
        ch_rb_u64(&rows, (uint64_t)tick(d));
        nrows++;
    }
    if (!rc && (rows.err || notes.err)) rc = WW_ERR_LIMIT;
    if (!rc && (nnotes || nrows) && !lease_writable(d)) rc = WW_ERR_LIMIT; /* its reads ran long */
    if (!rc && nnotes) rc = ch_insert(d->st, CH_HOMEW, "notices", "RowBinary", notes.p, notes.len);
    if (!rc && nrows) rc = ch_insert(d->st, CH_HOMEW, "floods", "RowBinary", rows.p, rows.len);
    if (!rc && n) memcpy(d->flood_last, f, n * sizeof *f);
    ww_buf_reset(&rows);
    ww_buf_reset(&notes);
    ww_buf_reset(&where);
    return rc;
}

/* sensor_silent / sensor_back, body as the SQLite store's S_NOTICE_SENSOR */
static int write_changes(struct ch_det *d)
{
    if (!d->nchanges) return WW_OK;
    struct ww_buf notes;
    ww_buf_init(&notes, 1 << 20);
    for (size_t i = 0; i < d->nchanges; i++) {
        size_t k = sensor_at(d, d->changes[i].id);
        sqlite3_stmt *s = d->js_sensor;
        sqlite3_bind_int64(s, 2, d->changes[i].wm);
        sqlite3_bind_text(s, 3, d->sx[k].name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, d->sx[k].last_us);
        char *json = json_of(s);
        const char *kind = d->changes[i].stale ? "sensor_silent" : "sensor_back";
        /* told already? (a holder that died before saving the sensor's new
         * state: its successor sees the same change again) */
        int64_t told = 0;
        if (json) {
            struct ww_buf q;
            ww_buf_init(&q, 1 << 16);
            ch_lit_str(&q, json, strlen(json));
            int qrc = ch_int(d->st, CH_HOME, 0, &told, "SELECT count() FROM notices WHERE kind = '%s'"
                             " AND body = %s", kind, q.p);
            ww_buf_reset(&q);
            if (qrc) {
                ww_free(json);
                ww_buf_reset(&notes);
                return qrc;
            }
        }
        if (json && !told) rb_notice(d, &notes, kind, json);
        ww_free(json);
    }
    int rc = notes.err ? notes.err : !notes.len ? WW_OK
           : ch_insert(d->st, CH_HOMEW, "notices", "RowBinary", notes.p, notes.len);
    ww_buf_reset(&notes);
    if (!rc) d->nchanges = 0;
    return rc;
}

/* ---- the saved state ---- */

static int save(struct ch_det *d)
{
    struct ww_buf b, sens;
    ww_buf_init(&b, 1u << 30);
    ww_buf_init(&sens, 64u << 20);
    unsigned char *blob = NULL;
    size_t len = ww_surges_save(d->surges, &blob);
    int64_t ver = tick(d);
    char num[24];
    rb_meta(&b, "surge", blob, len, ver);
    ww_free(blob);
    snprintf(num, sizeof num, "%lld", (long long)d->surge_wm);
    rb_meta(&b, "surge_wm", num, strlen(num), ver);
    snprintf(num, sizeof num, "%lld", (long long)d->release);
    rb_meta(&b, "release", num, strlen(num), ver);
    snprintf(num, sizeof num, "%lld", (long long)d->first);
    rb_meta(&b, "first", num, strlen(num), ver);
    for (size_t i = 0; i < d->ns; i++)
        ww_buf_addf(&sens, "%lld %lld %d\n", (long long)d->s[i].id, (long long)d->s[i].wm_us,
                    d->s[i].stale);
    rb_meta(&b, "sensors", sens.p ? sens.p : "", sens.len, ver);
    int rc = b.err || sens.err ? WW_ERR_LIMIT : ch_insert(d->st, CH_HOMEW, "meta", "RowBinary", b.p, b.len);
    ww_buf_reset(&b);
    ww_buf_reset(&sens);
    if (!rc) {
        d->dirty = 0;
        d->saved_mono = ww_mono_us();
    }
    return rc;
}

/* the release point alone, for the other front-ends' late counts */
static int save_release(struct ch_det *d)
{
    struct ww_buf b;
    char num[24];
    ww_buf_init(&b, 4096);
    snprintf(num, sizeof num, "%lld", (long long)d->release);
    rb_meta(&b, "release", num, strlen(num), tick(d));
    int rc = b.err ? b.err : ch_insert(d->st, CH_HOMEW, "meta", "RowBinary", b.p, b.len);
    ww_buf_reset(&b);
    return rc;
}

static int64_t num_of(const char *s, size_t n, int64_t def)
{
    char t[24];
    if (!s || n == 0 || n >= sizeof t) return def;
    memcpy(t, s, n);
    t[n] = '\0';
    char *end;
    long long v = strtoll(t, &end, 10);
    return *end ? def : (int64_t)v;
}

static int state_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ch_det *d = ctx;
    if (ncol < 2 || !col[0] || !col[1]) return 0;
    if (!strcmp(col[0], "surge")) {
        struct ww_surges *s;
        if (!ww_surges_load(col[1], len[1], &s, NULL, 0)) {
            ww_surges_free(d->surges);
            d->surges = s;
        }
    } else if (!strcmp(col[0], "surge_wm")) {
        d->surge_wm = num_of(col[1], len[1], INT64_MIN);
    } else if (!strcmp(col[0], "release")) {
        d->release = num_of(col[1], len[1], INT64_MIN);
    } else if (!strcmp(col[0], "first")) {
        d->first = num_of(col[1], len[1], INT64_MAX);
    } else if (!strcmp(col[0], "sensors")) {
        for (char *p = col[1], *nl; p < col[1] + len[1]; p = nl + 1) {
            long long id, wm;
            int stale;
            if (!(nl = memchr(p, '\n', (size_t)(col[1] + len[1] - p)))) break;
            if (sscanf(p, "%lld %lld %d", &id, &wm, &stale) != 3) continue;
            size_t i = sensor_at(d, id);
            d->s[i].wm_us = wm;
            d->s[i].stale = stale != 0;
        }
    }
    return 0;
}

/* The state the last holder saved (nothing saved: from the start). A surge
 * state that does not load starts afresh, from the first event, as the
 * SQLite store does. */
static int state_load(struct ch_det *d)
{
    ww_surges_free(d->surges);
    d->surges = ww_surges_new(NULL);
    d->surge_wm = d->release = INT64_MIN;
    d->first = INT64_MAX;
    d->ns = d->nchanges = 0;
    d->nalert = d->nflood = 0;
    int rc = ch_query(d->st, CH_HOME, state_row, d,
                      "SELECT k, argMax(v, ver) FROM meta WHERE k IN ('surge', 'surge_wm', 'release',"
                      " 'first', 'sensors') GROUP BY k");
    int64_t c = 0;
    if (!rc)
        rc = ch_int(d->st, CH_HOME, 0, &c,
                    "SELECT max(x) FROM (SELECT max(id) AS x FROM notices UNION ALL"
                    " SELECT max(ver) AS x FROM alerts UNION ALL SELECT max(ver) AS x FROM floods"
                    " UNION ALL SELECT max(ver) AS x FROM meta WHERE k != 'detector')");
    if (c > d->clock) d->clock = c;
    return rc;
}

/* ---- judging ---- */

static int event_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ch_det *d = ctx;
    if (ncol < 11) return 0;
    if (d->nev == d->evcap)
        d->ev = ww_realloc(d->ev, (d->evcap = d->evcap ? 2 * d->evcap : 4096) * sizeof *d->ev);
    struct ww_event *e = &d->ev[d->nev];
    memset(e, 0, sizeof *e);
    e->ts_us = ch_col_int(col[0], 0);
    if (ch_col_addr(col[1], len[1], &e->src) || ch_col_addr(col[2], len[2], &e->dst)) return 0;
    e->sport = (uint16_t)ch_col_int(col[3], 0);
    e->dport = (uint16_t)ch_col_int(col[4], 0);
    e->proto = (uint8_t)ch_col_int(col[5], 0);
    e->tcpflags = (uint8_t)ch_col_int(col[6], 0);
    e->action = (uint8_t)ch_col_int(col[7], 0);
    e->outcome = (uint8_t)ch_col_int(col[8], 0);
    e->sensor = (uint16_t)(ch_col_int(col[9], 0) & 0xffff);
    e->count = (uint32_t)ch_col_int(col[10], 1);
    e->os = ncol > 11 ? (uint16_t)ch_col_int(col[11], 0) : 0; /* as the inserting front-end matched it */
    d->nev++;
    return 0;
}

static int by_order(const void *a, const void *b)
{
    return ww_hold_order(a, b);
}

/* Reads [lo, hi) into d->ev: WW_OK, or WW_ERR_LIMIT if more than
 * CHUNK_MAX rows (cap) and the window could shrink. */
static int window_read(struct ch_det *d, int64_t lo, int64_t hi, int cap)
{
    d->nev = 0;
    char limit[32] = "";
    if (cap) snprintf(limit, sizeof limit, " LIMIT %d", CHUNK_MAX + 1);
    int rc = ch_query(d->st, CH_DB, event_row, d,
                      "SELECT ts, src, dst, sport, dport, proto, tcpflags, action, outcome, sensor,"
                      " count, os FROM events WHERE d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)"
                      " AND ts >= %lld AND ts < %lld%s",
                      (long long)date_of(lo), (long long)date_of(hi - 1), (long long)lo,
                      (long long)hi, limit);
    if (!rc && cap && d->nev > CHUNK_MAX) rc = WW_ERR_LIMIT;
    return rc;
}

/* Feeds [surge_wm, release) window by window; writes what the detector
 * calls as it goes. WW_OK, an error, or WW_ERR_LIMIT when the lease ends. */
static int feed(struct ch_det *d)
{
    if (d->surge_wm == INT64_MIN) {
        if (d->first == INT64_MAX) return WW_OK; /* no event yet */
        d->surge_wm = d->first;
    }
    while (d->surge_wm < d->release) {
        if (stopping(d) || !lease_keep(d)) return WW_ERR_LIMIT;
        int64_t lo = d->surge_wm, hi = d->release - lo > d->window ? lo + d->window : d->release;
        int rc = window_read(d, lo, hi, hi - lo > 1000000);
        if (rc == WW_ERR_LIMIT) {
            d->window = d->window / 2 > 1000000 ? d->window / 2 : 1000000;
            continue;
        }
        if (rc) return rc;
        if (d->nev) qsort(d->ev, d->nev, sizeof *d->ev, by_order); /* no NULL to qsort (UBSan) */
        for (size_t i = 0; i < d->nev; i++) {
            if (d->ev[i].ts_us < d->first) d->first = d->ev[i].ts_us;
            if (!ww_known_label(d->st->base.known, &d->ev[i].src)) ww_surges_event(d->surges, &d->ev[i]);
        }
        d->surge_wm = hi;
        d->dirty = 1;
        if (d->nev < CHUNK_MAX / 4 && d->window < WINDOW_MAX) d->window *= 2;
        if ((rc = write_alerts(d)) || (rc = write_floods(d))) return rc;
        if (ww_mono_us() - d->saved_mono >= SAVE_US && (rc = save(d))) return rc;
    }
    return WW_OK;
}

/* The figures of event time from the view in d (ww_store_time less the
 * counts of events, which ch_det_time asks for). */
static void figures(const struct ch_det *d, struct ww_store_time *t)
{
    int64_t f = INT64_MIN, stale = 0;
    for (size_t i = 0; i < d->ns; i++) {
        if (d->s[i].wm_us > f) f = d->s[i].wm_us;
        stale += d->s[i].live && d->s[i].stale;
    }
    *t = (struct ww_store_time){.frontier_us = f, .release_us = d->release,
                                .lateness_us = lateness(d->st), .sensors = (int64_t)d->ns,
                                .stale = stale};
}

/* What ch_det_time and the front-end's late counts read. */
static void publish(struct ch_det *d, int holding)
{
    struct ww_store_time t = {0};
    if (holding) figures(d, &t);
    pthread_mutex_lock(&d->mu);
    d->holding = holding;
    d->fig = t;
    pthread_mutex_unlock(&d->mu);
    pthread_mutex_lock(&d->st->mu);
    if (holding && d->release > d->st->release_us) d->st->release_us = d->release;
    pthread_mutex_unlock(&d->st->mu);
}

/* One round of the holder. */
static int judge(struct ch_det *d)
{
    int rc = sensors_load(d);
    if (!rc && d->first == INT64_MAX) rc = first_load(d);
    if (rc) return rc;
    struct ww_hold_cb cb = {NULL, sensor_changed, d};
    int64_t r = ww_hold_point(d->s, d->ns, d->first, lateness(d->st), &cb);
    int moved = r > d->release;
    if (moved) d->release = r;
    if (moved || d->nchanges) d->dirty = 1;
    publish(d, 1);
    if (!lease_keep(d)) return WW_ERR_LIMIT;
    if ((rc = write_changes(d))) return rc;
    if (moved && (!lease_keep(d) || (rc = save_release(d)))) return rc ? rc : WW_ERR_LIMIT;
    if ((rc = feed(d))) return rc;
    if (!lease_keep(d)) return WW_ERR_LIMIT;
    if ((rc = write_alerts(d))) return rc;
    if (!lease_keep(d)) return WW_ERR_LIMIT;
    if ((rc = write_floods(d))) return rc;
    if (d->dirty && ww_mono_us() - d->saved_mono >= SAVE_US && lease_keep(d)) rc = save(d);
    return rc;
}

/* ---- retention ---- */

struct parts { char (*p)[2][64]; size_t n, cap; };

static int part_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct parts *p = ctx;
    if (ncol < 2 || !col[0] || !col[1] || len[0] >= 64 || len[1] >= 64) return 0;
    if (p->n == p->cap) p->p = ww_realloc(p->p, (p->cap = p->cap ? 2 * p->cap : 64) * sizeof *p->p);
    memcpy(p->p[p->n][0], col[0], len[0] + 1);
    memcpy(p->p[p->n][1], col[1], len[1] + 1);
    p->n++;
    return 0;
}

/* Days older than retention_days before today, on every shard. */
static int retain(struct ch_det *d)
{
    struct ch_store *st = d->st;
    int64_t today = ww_floordiv(ww_now_us(), WW_DAY_US), cut = today - st->opts.retention_days;
    int rc = WW_OK;
    char err[512];
    for (size_t i = 0; i < st->nshards && !rc; i++) {
        struct ww_ch *c;
        if ((rc = ww_ch_open(&c, st->shard_url[i], st->user, st->password, CH_TIMEOUT_MS,
                             CH_ANSWER_MAX, err, sizeof err)))
            break;
        struct parts p = {0};
        rc = ww_ch_query(c, "SELECT DISTINCT table, partition FROM system.parts WHERE active"
                            " AND database = currentDatabase()"
                            " AND table IN ('events_local', 'agg_hour_local')",
                         part_row, &p, err, sizeof err);
        char sql[256];
        for (size_t k = 0; k < p.n && !rc; k++) {
            int64_t day;
            if (ww_parse_date(p.p[k][1], strlen(p.p[k][1]), &day) || day >= cut) continue;
            snprintf(sql, sizeof sql, "ALTER TABLE %s DROP PARTITION '%s'", p.p[k][0], p.p[k][1]);
            rc = ww_ch_exec(c, sql, err, sizeof err);
        }
        ww_free(p.p);
        int64_t old = 0, cut_us = cut * WW_DAY_US;
        snprintf(sql, sizeof sql, "SELECT count() FROM batches_local WHERE ts < %lld", (long long)cut_us);
        if (!rc) rc = ww_ch_query(c, sql, row_int, &old, err, sizeof err);
        if (!rc && old > 0) {
            snprintf(sql, sizeof sql, "ALTER TABLE batches_local DELETE WHERE ts < %lld", (long long)cut_us);
            rc = ww_ch_exec(c, sql, err, sizeof err);
        }
        ww_ch_close(c);
    }
    if (rc) {
        pthread_mutex_lock(&st->mu);
        snprintf(st->why, sizeof st->why, "retention: %.200s", err);
        pthread_mutex_unlock(&st->mu);
    }
    return rc;
}

/* ---- the thread ---- */

static void release_refresh(struct ch_det *d)
{
    int64_t r = INT64_MIN;
    if (ch_int(d->st, CH_HOME, INT64_MIN, &r, "SELECT argMax(v, ver) FROM meta WHERE k = 'release'"))
        return;
    pthread_mutex_lock(&d->st->mu);
    if (r > d->st->release_us) d->st->release_us = r;
    pthread_mutex_unlock(&d->st->mu);
}

/* Not holding: takes the lease if it is free (or still ours: a renewal
 * or a load that failed); 1 once held. */
static int try_take(struct ch_det *d)
{
    struct lease l;
    char me[32];
    me_of(d, me);
    if (lease_read(d->st, &l)) return 0;
    if (l.found && l.v[0] && l.ver > ww_now_us() && strcmp(l.v, me)) return 0; /* another's */
    if (lease_claim(d, &l, TAKE_WAIT_US) != 1) return 0;
    if (state_load(d)) {
        d->lease_until = 0;
        return 0;
    }
    d->window = 3600000000LL;
    d->saved_mono = ww_mono_us();
    d->retained_mono = INT64_MIN;
    return 1;
}

/* Gives the lease up (v = "", past our own): another may take it at once. */
static void give_up(struct ch_det *d)
{
    if (d->dirty && lease_writable(d)) save(d);
    lease_write(d->st, "", d->lease_until + 1);
    d->lease_until = 0;
}

static void *run(void *arg)
{
    struct ch_det *d = arg;
    while (!stopping(d)) {
        int holding = d->lease_until && lease_keep(d);
        if (!holding && d->lease_until) d->lease_until = 0; /* lost: its state is stale */
        if (!holding) holding = try_take(d);
        if (holding) {
            if (d->st->opts.retention_days > 0 && (d->retained_mono == INT64_MIN ||
                                              ww_mono_us() - d->retained_mono >= RETAIN_US)) {
                retain(d);
                d->retained_mono = ww_mono_us();
            }
            judge(d);
        } else {
            release_refresh(d);
            publish(d, 0);
        }
        nap(d, ROUND_US);
    }
    if (d->lease_until && lease_keep(d)) give_up(d);
    return NULL;
}

int ch_det_start(struct ch_store *st, char *err, size_t errlen)
{
    struct ch_det *d = ww_calloc(1, sizeof *d);
    d->st = st;
    d->surges = ww_surges_new(NULL);
    d->surge_wm = d->release = INT64_MIN;
    d->first = INT64_MAX;
    if (sqlite3_open(":memory:", &d->json) != SQLITE_OK ||
        sqlite3_prepare_v2(d->json, "SELECT " STORE_SURGE_JSON, -1, &d->js_surge, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->json, "SELECT " STORE_FLOOD_JSON, -1, &d->js_flood, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->json, "SELECT " STORE_SENSOR_JSON " FROM (SELECT ?3 AS name,"
                                    " ?4 AS last_seen)", -1, &d->js_sensor, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "detector: %s", sqlite3_errmsg(d->json));
        st->det = d;
        ch_det_stop(st);
        return WW_ERR_IO;
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    st->det = d;
    if (pthread_create(&d->th, NULL, run, d)) {
        snprintf(err, errlen, "detector: cannot start its thread");
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        ch_det_stop(st);
        return WW_ERR_IO;
    }
    d->started = 1;
    return WW_OK;
}

void ch_det_stop(struct ch_store *st)
{
    struct ch_det *d = st->det;
    if (!d) return;
    if (d->started) {
        pthread_mutex_lock(&d->mu);
        d->stop = 1;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->th, NULL);
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
    }
    sqlite3_finalize(d->js_surge);
    sqlite3_finalize(d->js_flood);
    sqlite3_finalize(d->js_sensor);
    sqlite3_close(d->json);
    ww_surges_free(d->surges);
    ww_free(d->s);
    ww_free(d->sx);
    ww_free(d->changes);
    ww_free(d->alert_last);
    ww_free(d->flood_last);
    ww_free(d->ev);
    ww_free(d);
    st->det = NULL;
}

/* Not the holder: the view from meta, batches and keys. */
static int view(struct ch_store *st, struct ww_store_time *t)
{
    struct ch_det v = {.st = st, .release = INT64_MIN, .first = INT64_MAX};
    int rc = ch_query(st, CH_HOME, state_row, &v,
                      "SELECT k, argMax(v, ver) FROM meta WHERE k IN ('release', 'first', 'sensors')"
                      " GROUP BY k");
    if (!rc) rc = sensors_load(&v);
    if (!rc) {
        ww_hold_point(v.s, v.ns, v.first, lateness(st), NULL);
        figures(&v, t);
    }
    ww_free(v.s);
    ww_free(v.sx);
    return rc;
}

int ch_det_time(struct ch_store *st, struct ww_store_time *out)
{
    struct ch_det *d = st->det;
    int holding = 0;
    if (d && d->started) {
        pthread_mutex_lock(&d->mu);
        holding = d->holding;
        *out = d->fig;
        pthread_mutex_unlock(&d->mu);
    }
    int rc = holding ? WW_OK : view(st, out);
    int64_t late = 0, waiting = 0;
    if (!rc) rc = ch_int(st, CH_DB, 0, &late, "SELECT sum(late) FROM batches WHERE state = 1");
    if (!rc && out->release_us == INT64_MIN)
        rc = ch_int(st, CH_DB, 0, &waiting, "SELECT count() FROM events");
    else if (!rc)
        rc = ch_int(st, CH_DB, 0, &waiting,
                    "SELECT count() FROM events WHERE d >= CAST(%lld AS Date) AND ts >= %lld",
                    (long long)date_of(out->release_us), (long long)out->release_us);
    out->late = late;
    out->waiting = waiting;
    out->forced = 0;
    return rc;
}

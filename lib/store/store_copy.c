/* store_copy.c -- a SQLite store's history into a ClickHouse store
 * (`wormwatch store copy`, issue 15 item 5; store.h ww_store_copy).
 *
 * The SQLite store keeps raw events only until they are in its aggregates,
 * so its history is its tables, and that is what moves: keys (id, name,
 * SHA-256, created, revoked, birth: sensors keep their secrets and ids),
 * dshield_keys and _nonces, alerts, floods, notices with their ids (so the
 * notify_cursors, copied too, still point at them), the batch ids as done
 * rows of `batches` (a sensor's retry of an old batch stays a duplicate;
 * wm = the sensor's watermark), the surge detector's saved state (meta
 * surge, and from the SQLite hold's state the event-time figures
 * store_ch_detect.c goes on from: surge_wm, release, first, sensors), and the
 * aggregates as plain figures into hist_hour, hist_day (with the day's top
 * sources), hist_src (totals, ports, days) and hist_bsc: a distinct count
 * cannot become a uniqCombined state, so the read side adds these figures
 * to what its views hold. Blobs are decoded by the SQLite engine's own code
 * (store_int.h: tally_decode, ww_surges_load, ww_hold_load); distinct
 * counts are integer columns already.
 *
 * Reading: the file opened read-only, holding the writer's lock
 * (store_lock_take), so no collector runs on it meanwhile; one whose log
 * holds events not yet in its aggregates (it stopped without closing) is
 * refused: a start and a clean stop of serve applies them. Writing: RowBinary inserts of up to COPY_CHUNK bytes
 * through the engine's helpers (store_ch.h), small tables on the home
 * shard, batches through the Distributed table.
 *
 * Running again: every row is written the same each time (ver = 1, the
 * smallest version, so anything a collector wrote since outranks it; a
 * done row's v = bit 62 | its time), so ReplacingMergeTree collapses a
 * repeat, and the copy ends with OPTIMIZE ... FINAL on the home tables it
 * wrote, so readers see each row once (batches, on every shard, collapse at
 * their merges: a done row twice is still one batch id taken). Keys go last: a copy stopped midway
 * leaves none, passes the emptiness check (no keys, no events) and is
 * simply run again. Not idempotent: a copy over a store that has its own
 * data (--force) -- hist_* figures are added to the views' by the read
 * side, so events sent to both stores count twice, and two SQLite stores
 * copied into one replace each other's rows of the same key rather than
 * adding up; and the events the SQLite hold still waited for (at most its
 * lateness behind the newest) are in the figures but not judged by the
 * ClickHouse detector, which starts from what was released. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "store/store_ch.h"
#include "store/store_int.h"

#define COPY_CHUNK (8u << 20)  /* bytes of RowBinary per insert (the row past it goes too) */
#define COPY_MAX (1u << 30)    /* ... at most: one row may be large (the surge state) */
#define COPY_VER 1             /* ver of every copied row of a ReplacingMergeTree(ver) */

struct cp {
    sqlite3 *db;
    struct ch_store *ch;
    const char *path;
    ww_store_copy_fn progress;
    void *ctx;
    struct ww_buf body;
    char *err;
    size_t errlen;
};

static uint64_t col_u64(sqlite3_stmt *s, int i) /* NULL and negatives: 0 */
{
    int64_t v = sqlite3_column_int64(s, i);
    return v < 0 ? 0 : (uint64_t)v;
}

static void rb_text(struct ww_buf *b, sqlite3_stmt *s, int i) /* NULL: '' */
{
    const unsigned char *t = sqlite3_column_text(s, i);
    ch_rb_str(b, t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(s, i) : 0);
}

/* An address column (text) as FixedString(16); WW_ERR_PARSE names it. */
static int rb_addr_col(struct cp *c, struct ww_buf *b, sqlite3_stmt *s, int i, const char *table)
{
    struct ww_addr a;
    const char *t = (const char *)sqlite3_column_text(s, i);
    if (!t || ww_addr_parse(t, strlen(t), &a)) {
        snprintf(c->err, c->errlen, "%s: table %s: not an address: '%s'", c->path, table,
                 t ? t : "NULL");
        return WW_ERR_PARSE;
    }
    ch_rb_addr(b, &a);
    return WW_OK;
}

static int send(struct cp *c, enum ch_target t, const char *table)
{
    if (c->body.err) { /* the buffer is freed, empty: say so, send nothing */
        snprintf(c->err, c->errlen, "%s: rows for %s past %u MiB", c->path, table, COPY_MAX >> 20);
        ww_buf_reset(&c->body);
        return WW_ERR_LIMIT;
    }
    if (!c->body.len) return WW_OK;
    int rc = ch_insert(c->ch, t, table, "RowBinary", c->body.p, c->body.len);
    if (rc) snprintf(c->err, c->errlen, "%s: insert into %s: %s", c->ch->spec, table, c->ch->why);
    ww_buf_reset(&c->body);
    return rc;
}

/* Rows of one SQLite query, each appended by row() in RowBinary, into one
 * ClickHouse table in chunks of COPY_CHUNK bytes. */
typedef int (*row_fn)(struct cp *c, sqlite3_stmt *s, struct ww_buf *b);
static int copy_table(struct cp *c, enum ch_target t, const char *table, const char *sql, row_fn row)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "%s: not a wormwatch store of this version (%s);"
                 " open it once with `wormwatch serve --db %s` to upgrade it",
                 c->path, sqlite3_errmsg(c->db), c->path);
        return WW_ERR_FORMAT;
    }
    int64_t n = 0;
    int rc = WW_OK, step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = row(c, s, &c->body))) break;
        n++;
        if (c->body.len >= COPY_CHUNK && !(rc = send(c, t, table)) && c->progress)
            c->progress(c->ctx, table, n, 0);
    }
    if (!rc && step != SQLITE_DONE) {
        snprintf(c->err, c->errlen, "%s: reading for %s: %s", c->path, table, sqlite3_errmsg(c->db));
        rc = WW_ERR_IO;
    }
    sqlite3_finalize(s);
    if (!rc) rc = send(c, t, table);
    ww_buf_reset(&c->body);
    if (!rc && c->progress) c->progress(c->ctx, table, n, 1);
    return rc;
}

/* ---- one row each, in the columns' order of clickhouse_schema.sql ---------- */

static int row_key(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    if (sqlite3_column_bytes(s, 2) != 32) {
        snprintf(c->err, c->errlen, "%s: key '%s': its hash is not 32 bytes", c->path,
                 (const char *)sqlite3_column_text(s, 1));
        return WW_ERR_PARSE;
    }
    ch_rb_u64(b, col_u64(s, 0));
    rb_text(b, s, 1);
    ww_buf_add(b, sqlite3_column_blob(s, 2), 32);
    ch_rb_u64(b, col_u64(s, 3));
    ch_rb_u64(b, col_u64(s, 4));
    ch_rb_u64(b, sqlite3_column_type(s, 5) == SQLITE_NULL ? (uint64_t)INT64_MIN
                                                          : (uint64_t)sqlite3_column_int64(s, 5));
    ch_rb_u64(b, COPY_VER);
    return WW_OK;
}

static int row_dshield_key(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u64(b, col_u64(s, 0));
    ch_rb_u64(b, col_u64(s, 1));
    rb_text(b, s, 2);
    ch_rb_u64(b, col_u64(s, 3));
    ch_rb_u64(b, COPY_VER);
    return WW_OK;
}

static int row_nonce(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u64(b, col_u64(s, 0));
    rb_text(b, s, 1);
    ch_rb_u64(b, col_u64(s, 2));
    return WW_OK;
}

static int row_alert(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u16(b, (uint16_t)sqlite3_column_int(s, 0));
    ch_rb_u8(b, (uint8_t)sqlite3_column_int(s, 1));
    for (int i = 2; i <= 6; i++) ch_rb_u64(b, col_u64(s, i)); /* start alert end sources new */
    ch_rb_f64(b, sqlite3_column_double(s, 7));
    ch_rb_f64(b, sqlite3_column_double(s, 8));
    for (int i = 9; i <= 11; i++) rb_text(b, s, i);            /* explanation side kind */
    ch_rb_u64(b, col_u64(s, 12));
    ch_rb_u64(b, col_u64(s, 13));
    rb_text(b, s, 14);
    for (int i = 15; i <= 17; i++) ch_rb_f64(b, sqlite3_column_double(s, i));
    ch_rb_u64(b, col_u64(s, 18));           /* saturation: a time */
    ch_rb_u64(b, COPY_VER);
    const void *sample = sqlite3_column_blob(s, 19); /* issue 17: the sample, its OS text */
    ch_rb_str(b, sample ? sample : "", sample ? (size_t)sqlite3_column_bytes(s, 19) : 0);
    rb_text(b, s, 20);
    return WW_OK;
}

static int row_flood(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    int rc = rb_addr_col(c, b, s, 0, "floods");
    ch_rb_u16(b, (uint16_t)sqlite3_column_int(s, 1));
    ch_rb_u8(b, (uint8_t)sqlite3_column_int(s, 2));
    for (int i = 3; i <= 6; i++) ch_rb_u64(b, col_u64(s, i));
    ch_rb_u64(b, COPY_VER);
    return rc;
}

static int row_notice(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u64(b, col_u64(s, 0));
    rb_text(b, s, 1);
    ch_rb_u64(b, col_u64(s, 2));
    rb_text(b, s, 3);
    return WW_OK;
}

static int row_cursor(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    rb_text(b, s, 0);
    ch_rb_u64(b, col_u64(s, 1));
    return WW_OK;
}

static int row_batch(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    uint64_t ts = col_u64(s, 2);
    ch_rb_u64(b, col_u64(s, 0));
    rb_text(b, s, 1);
    ch_rb_u64(b, ts);
    ch_rb_u64(b, col_u64(s, 3));
    ch_rb_u64(b, col_u64(s, 4));            /* wm: the sensor's */
    ch_rb_u64(b, 0);                        /* late */
    ch_rb_u64(b, 0);                        /* frontend: none, a copy */
    ch_rb_u8(b, 1);                         /* done */
    ch_rb_u64(b, CH_DONE_BIT | (ts & (CH_DONE_BIT - 1)));
    return WW_OK;
}

static int row_hour(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u16(b, (uint16_t)sqlite3_column_int(s, 0));
    ch_rb_u8(b, (uint8_t)sqlite3_column_int(s, 1));
    ch_rb_u32(b, (uint32_t)sqlite3_column_int64(s, 2));
    for (int i = 3; i <= 6; i++) ch_rb_u64(b, col_u64(s, i));
    return WW_OK;
}

static void tally_col(struct tally *t, sqlite3_stmt *s, int i)
{
    tally_decode(t, sqlite3_column_blob(s, i), (size_t)sqlite3_column_bytes(s, i));
}

static int row_day(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    (void)c;
    ch_rb_u16(b, (uint16_t)sqlite3_column_int64(s, 2));
    ch_rb_u16(b, (uint16_t)sqlite3_column_int(s, 0));
    ch_rb_u8(b, (uint8_t)sqlite3_column_int(s, 1));
    for (int i = 3; i <= 6; i++) ch_rb_u64(b, col_u64(s, i));
    struct tally t = {.cap = TOPK};
    tally_col(&t, s, 7);
    tally_sort(&t);
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) {
        struct ww_addr a = {.family = t.e[i].k[16]};
        memcpy(a.b, t.e[i].k, 16);
        ch_rb_addr(b, &a);
    }
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) ch_rb_u64(b, t.e[i].c - t.e[i].err);
    tally_free(&t);
    return WW_OK;
}

static int row_src(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    int rc = rb_addr_col(c, b, s, 0, "srcs");
    for (int i = 1; i <= 6; i++) ch_rb_u64(b, col_u64(s, i)); /* first last records ntgt nport nsens */
    struct tally t = {.cap = SRC_PORTS};
    tally_col(&t, s, 7);
    tally_sort(&t);
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) ch_rb_u32(b, (uint32_t)tally_key_int_value(t.e[i].k));
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) ch_rb_u64(b, t.e[i].c - t.e[i].err);
    tally_free(&t);
    t = (struct tally){.cap = SRC_DAYS, .recent = 1};
    tally_col(&t, s, 8);
    tally_sort_keys(&t);
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) ch_rb_u16(b, (uint16_t)tally_key_int_value(t.e[i].k));
    ch_rb_len(b, t.n);
    for (uint32_t i = 0; i < t.n; i++) ch_rb_u64(b, t.e[i].c);
    tally_free(&t);
    return rc;
}

static int row_bsc(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    ch_rb_u16(b, (uint16_t)sqlite3_column_int64(s, 2));
    int rc = rb_addr_col(c, b, s, 0, "backscatter");
    ch_rb_u8(b, (uint8_t)sqlite3_column_int(s, 1));
    for (int i = 3; i <= 6; i++) ch_rb_u64(b, col_u64(s, i)); /* records first last ntgt */
    return rc;
}

/* meta: the detector's saved state, checked by the code that loads it,
 * in the keys store_ch_detect.c saves: surge (the blob as it is), and from
 * the SQLite hold's state the event-time figures -- surge_wm and release
 * (both the hold's release point: what was judged), first, and sensors
 * ("id wm stale" lines). The events still waiting in the SQLite hold are
 * not carried (see the top). */
static void meta_row(struct ww_buf *b, const char *k, const void *v, size_t len)
{
    ch_rb_str(b, k, strlen(k));
    ch_rb_str(b, v, len);
    ch_rb_u64(b, COPY_VER);
}

static void meta_int(struct ww_buf *b, const char *k, int64_t v)
{
    char t[24];
    meta_row(b, k, t, (size_t)snprintf(t, sizeof t, "%lld", (long long)v));
}

static int row_meta(struct cp *c, sqlite3_stmt *s, struct ww_buf *b)
{
    const char *k = (const char *)sqlite3_column_text(s, 0);
    const void *v = sqlite3_column_blob(s, 1);
    size_t len = (size_t)sqlite3_column_bytes(s, 1);
    char why[256] = "";
    if (!strcmp(k, "surge")) {
        struct ww_surges *sg;
        if (ww_surges_load(v, len, &sg, why, sizeof why)) goto bad;
        ww_surges_free(sg);
        meta_row(b, "surge", v, len);
        return WW_OK;
    }
    struct ww_hold *h;
    struct ww_hold_stats hs;
    const struct ww_hold_sensor *sens;
    if (ww_hold_load(v, len, NULL, &h, why, sizeof why)) goto bad;
    ww_hold_stats(h, &hs);
    if (hs.release_us != INT64_MIN) {
        meta_int(b, "surge_wm", hs.release_us);
        meta_int(b, "release", hs.release_us);
    }
    meta_int(b, "first", hs.first_us);
    struct ww_buf lines;
    ww_buf_init(&lines, 64u << 20);
    for (size_t i = 0, n = ww_hold_sensors(h, &sens); i < n; i++)
        ww_buf_addf(&lines, "%lld %lld %d\n", (long long)sens[i].id, (long long)sens[i].wm_us,
                    sens[i].stale);
    meta_row(b, "sensors", lines.p ? lines.p : "", lines.len);
    ww_buf_reset(&lines);
    ww_hold_free(h);
    return WW_OK;
bad:
    snprintf(c->err, c->errlen, "%s: meta '%s' is not a saved state: %s", c->path, k, why);
    return WW_ERR_PARSE;
}

/* ---- the whole copy --------------------------------------------------------- */

static int64_t sq_int(sqlite3 *db, const char *sql, int64_t def)
{
    sqlite3_stmt *s;
    int64_t v = def;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) return def;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The SQLite file: read-only, a wormwatch store (version 2), no collector
 * on it (we hold the writer's lock, store_lock_take), its log all in its
 * aggregates. */
static int open_from(struct cp *c, const char *lockpath, int *lockfd)
{
    if (access(c->path, R_OK)) {
        snprintf(c->err, c->errlen, "%s: %s", c->path, strerror(errno));
        return WW_ERR_IO;
    }
    int rc = store_lock_take(lockpath, lockfd, c->err, c->errlen);
    if (rc == WW_ERR_LIMIT)
        snprintf(c->err, c->errlen, "%s: a collector is running on it (%s is locked): stop it first",
                 c->path, lockpath);
    if (rc) return rc;
    if (sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(c->err, c->errlen, "%s: %s", c->path, sqlite3_errmsg(c->db));
        return WW_ERR_IO;
    }
    int64_t version = sq_int(c->db, "SELECT v FROM meta WHERE k = 'version'", -1);
    if (version != 2) {
        snprintf(c->err, c->errlen, "%s: not a wormwatch SQLite store (%s)", c->path,
                 version < 0 ? "no meta version" : "meta version is not 2");
        return WW_ERR_FORMAT;
    }
    int64_t applied = sq_int(c->db, "SELECT v FROM meta WHERE k = 'applied'", 0);
    int64_t last = sq_int(c->db, "SELECT max(id) FROM log", 0);
    if (last > applied) {
        snprintf(c->err, c->errlen, "%s: its log holds events not in its aggregates yet (log row %lld,"
                 " applied %lld: the collector stopped without closing); start serve on it and"
                 " stop it (SIGTERM), then copy", c->path, (long long)last, (long long)applied);
        return WW_ERR_FORMAT;
    }
    return WW_OK;
}

/* Refuses a store with keys or events unless force. */
static int check_empty(struct cp *c, int force)
{
    int64_t keys, events;
    if (ch_int(c->ch, CH_HOME, 0, &keys, "SELECT count() FROM keys") ||
        ch_int(c->ch, CH_DB, 0, &events, "SELECT count() FROM events")) {
        snprintf(c->err, c->errlen, "%s: %s", c->ch->spec, c->ch->why);
        return WW_ERR_IO;
    }
    if ((keys || events) && !force) {
        snprintf(c->err, c->errlen, "%s: already holds %lld keys and %lld events; --force copies"
                 " into it all the same (history then adds to what it has)", c->ch->spec,
                 (long long)keys, (long long)events);
        return WW_ERR_ARG;
    }
    return WW_OK;
}

int ww_store_copy(const char *from, struct ww_store *to, int force, ww_store_copy_fn progress,
                  void *ctx, char *err, size_t errlen)
{
    char why[512];
    if (!err || !errlen) err = why, errlen = sizeof why;
    if (to->ops != &ww_store_clickhouse) {
        snprintf(err, errlen, "store copy: the target is not a ClickHouse store (clickhouse://...)");
        return WW_ERR_ARG;
    }
    struct cp c = {.ch = ch_st(to), .path = from, .progress = progress, .ctx = ctx,
                   .err = err, .errlen = errlen};
    ww_buf_init(&c.body, COPY_MAX);
    int lockfd = -1;
    char *lockpath = ww_malloc(strlen(from) + 6);
    sprintf(lockpath, "%s-lock", from);
    int rc = open_from(&c, lockpath, &lockfd);
    if (!rc) rc = check_empty(&c, force);
    /* the history first, keys last (see the top) */
    static const struct {
        enum ch_target t;
        const char *table, *sql;
        row_fn row;
    } steps[] = {
        {CH_HOME, "hist_hour", "SELECT port, proto, t, records, nsrc, ndst, nsens FROM agg_hour",
         row_hour},
        {CH_HOME, "hist_day", "SELECT port, proto, t, records, nsrc, ndst, nsens, top FROM agg_day",
         row_day},
        /* a group's row (issue 18: src its prefix) under its smallest address,
         * which ClickHouse groups alike: its distinct addresses count as one;
         * a store no collector opened since has no rep (SRCS_OLD) */
        {CH_HOME, "hist_src", "SELECT coalesce(rep, src), first_seen, last_seen, records, ntgt,"
         " nport, nsens, byport, days FROM srcs", row_src},
        {CH_HOME, "hist_bsc", "SELECT victim, proto, t, records, first, last, ntgt FROM backscatter",
         row_bsc},
        {CH_HOME, "alerts", "SELECT port, proto, start, alert, end, sources, new_sources,"
         " baseline_new, score, explanation, side, kind, sensors, new_targets, new_per_bucket,"
         " growth_per_hour, doubling_s, population, saturation, sample, os_mix FROM alerts", row_alert},
        {CH_HOME, "floods", "SELECT target, port, proto, start, end, sources, records FROM floods",
         row_flood},
        {CH_HOME, "notices", "SELECT id, kind, created, body FROM notices", row_notice},
        {CH_HOME, "notify_cursors", "SELECT target, last_id FROM notify_cursors", row_cursor},
        {CH_HOME, "dshield_nonces", "SELECT userid, nonce, ts FROM dshield_nonces", row_nonce},
        {CH_HOME, "dshield_keys", "SELECT userid, key_id, apikey, every FROM dshield_keys",
         row_dshield_key},
        {CH_DB, "batches", "SELECT b.sensor, b.batch_id, b.ts, b.events, k.wm FROM batches b"
         " LEFT JOIN keys k ON k.id = b.sensor", row_batch},
        {CH_HOME, "meta", "SELECT k, v FROM meta WHERE k IN ('surge', 'hold') AND v IS NOT NULL",
         row_meta},
        {CH_HOME, "keys", "SELECT id, name, hash, created, revoked, birth FROM keys", row_key},
    };
    sqlite3_stmt *probe = NULL;
    int has_rep = c.db && sqlite3_prepare_v2(c.db, "SELECT rep FROM srcs LIMIT 0", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++)
        rc = copy_table(&c, steps[i].t, steps[i].table,
                        !has_rep && !strcmp(steps[i].table, "hist_src")
                            ? "SELECT src, first_seen, last_seen, records, ntgt, nport, nsens,"
                              " byport, days FROM srcs" /* SRCS_OLD */
                            : steps[i].sql,
                        steps[i].row);
    /* a repeat collapses now, not at some later merge */
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i].t == CH_HOME && ch_exec(c.ch, CH_HOME, "OPTIMIZE TABLE %s FINAL", steps[i].table)) {
            snprintf(err, errlen, "%s: OPTIMIZE TABLE %s FINAL: %s", c.ch->spec, steps[i].table,
                     c.ch->why);
            rc = WW_ERR_IO;
        }
    ww_buf_reset(&c.body);
    if (c.db) sqlite3_close(c.db);
    if (lockfd >= 0) store_lock_release(lockpath, lockfd);
    ww_free(lockpath);
    return rc;
}

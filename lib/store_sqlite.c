/* store_sqlite.c -- the store (store.h) on SQLite.
 *
 * Durability: WAL journal, synchronous=FULL, so a COMMIT that returned has
 * reached the disk; every submitted batch is one transaction (its batch id,
 * its aggregates, its alerts), so a crash leaves a batch all there or absent.
 * The `batches` table's (sensor, batch_id) primary key makes retries
 * idempotent. All SQL is prepared once with bound parameters; no statement is
 * ever built from input text.
 *
 * Schema (meta.version = 1):
 *   keys(id, name, hash, created, revoked, last_seen)  hash = SHA-256(secret hex)
 *   batches(sensor, batch_id, ts, events)
 *   agg_hour / agg_day(port, proto, t, records, nsrc, ndst, nsens,
 *                      src, dst, sens)  t = hour or day number
 *   srcs(src, first_seen, last_seen, records, ntgt, nport, nsens, tgt, ports, sens)
 *   alerts(port, proto, start, alert, end, sources, new_sources, baseline_new,
 *          score, explanation)  unique (port, proto, start)
 * Distinct counts are blobs: 'E' + up to 128 little-endian 8-byte hashes
 * (exact), or 'H' + 4096 HyperLogLog registers (lib/hll.h) once more than
 * 128 distinct values were seen; merge = set union / register max. The count
 * is also kept in an integer column so ordering queries never decode blobs.
 *
 * A batch is first grouped in memory (one group per hour/day/source key, with
 * the new hashes of each), then each group costs one SELECT and one UPSERT.
 *
 * Surges: the store keeps one struct ww_surges fed with each batch's events
 * in time order; every surge it reports is upserted into `alerts` (keyed by
 * port, proto, start; `end` advances while it lasts). On reopen nothing is
 * replayed: the surge baseline rebuilds from new submissions (warm-up as in
 * lib/surge.c), while stored alerts stay queryable. */
#include "store.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "hll.h"
#include "mem.h"
#include "surge.h"
#include "wtime.h"

#define DAY_US 86400000000LL
#define HOUR_US 3600000000LL
#define EXACT_MAX 128

enum {
    S_KEY_ADD, S_KEY_REVOKE, S_KEY_ALL, S_KEY_SEEN, S_BATCH_ADD,
    S_HOUR_GET, S_HOUR_PUT, S_DAY_GET, S_DAY_PUT, S_SRC_GET, S_SRC_PUT, S_ALERT_PUT,
    S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_KEY_ADD] = "INSERT INTO keys(name, hash, created, revoked, last_seen) VALUES(?,?,?,0,0)",
    [S_KEY_REVOKE] = "UPDATE keys SET revoked = 1 WHERE name = ? AND revoked = 0",
    [S_KEY_ALL] = "SELECT id, name, hash, created, revoked, last_seen FROM keys ORDER BY id",
    [S_KEY_SEEN] = "UPDATE keys SET last_seen = ? WHERE id = ?",
    [S_BATCH_ADD] = "INSERT OR IGNORE INTO batches(sensor, batch_id, ts, events) VALUES(?,?,?,?)",
    [S_HOUR_GET] = "SELECT records, src, dst, sens FROM agg_hour WHERE port=? AND proto=? AND t=?",
    [S_HOUR_PUT] = "INSERT OR REPLACE INTO agg_hour VALUES(?,?,?,?,?,?,?,?,?,?)",
    [S_DAY_GET] = "SELECT records, src, dst, sens FROM agg_day WHERE port=? AND proto=? AND t=?",
    [S_DAY_PUT] = "INSERT OR REPLACE INTO agg_day VALUES(?,?,?,?,?,?,?,?,?,?)",
    [S_SRC_GET] = "SELECT records, tgt, ports, sens, first_seen, last_seen FROM srcs WHERE src=?",
    [S_SRC_PUT] = "INSERT OR REPLACE INTO srcs VALUES(?,?,?,?,?,?,?,?,?,?)",
    [S_ALERT_PUT] = "INSERT INTO alerts(port, proto, start, alert, end, sources, new_sources,"
                    " baseline_new, score, explanation) VALUES(?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(port, proto, start) DO UPDATE SET end = excluded.end",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);"
    "INSERT OR IGNORE INTO meta VALUES('version', 1);"
    "CREATE TABLE IF NOT EXISTS keys(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " hash BLOB NOT NULL, created INTEGER, revoked INTEGER, last_seen INTEGER);"
    "CREATE TABLE IF NOT EXISTS batches(sensor INTEGER, batch_id TEXT, ts INTEGER,"
    " events INTEGER, PRIMARY KEY(sensor, batch_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_hour(port INTEGER, proto INTEGER, t INTEGER,"
    " records INTEGER, nsrc INTEGER, ndst INTEGER, nsens INTEGER, src BLOB, dst BLOB,"
    " sens BLOB, PRIMARY KEY(port, proto, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_day(port INTEGER, proto INTEGER, t INTEGER,"
    " records INTEGER, nsrc INTEGER, ndst INTEGER, nsens INTEGER, src BLOB, dst BLOB,"
    " sens BLOB, PRIMARY KEY(port, proto, t)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS agg_day_t ON agg_day(t);"
    "CREATE TABLE IF NOT EXISTS srcs(src TEXT PRIMARY KEY, first_seen INTEGER,"
    " last_seen INTEGER, records INTEGER, ntgt INTEGER, nport INTEGER, nsens INTEGER,"
    " tgt BLOB, ports BLOB, sens BLOB) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS srcs_records ON srcs(records);"
    "CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY, port INTEGER, proto INTEGER,"
    " start INTEGER, alert INTEGER, end INTEGER, sources INTEGER, new_sources INTEGER,"
    " baseline_new REAL, score REAL, explanation TEXT, UNIQUE(port, proto, start));";

struct ww_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    struct ww_surges *surges;
    struct ww_event *sorted; /* scratch for a batch in time order */
    size_t sorted_cap;
};

/* ---- distinct-count blobs ------------------------------------------------ */

struct dset {
    int hll;
    size_t n;
    uint64_t h[EXACT_MAX + 1];
    struct ww_hll reg;
};

static void dset_add(struct dset *d, uint64_t h)
{
    if (d->hll) { ww_hll_add(&d->reg, h); return; }
    for (size_t i = 0; i < d->n; i++)
        if (d->h[i] == h) return;
    d->h[d->n++] = h;
    if (d->n > EXACT_MAX) {
        memset(d->reg.reg, 0, sizeof d->reg.reg);
        for (size_t i = 0; i < d->n; i++) ww_hll_add(&d->reg, d->h[i]);
        d->hll = 1;
    }
}

static void dset_load(struct dset *d, const unsigned char *b, int len)
{
    d->hll = 0;
    d->n = 0;
    if (!b || len < 1) return;
    if (b[0] == 'H' && len == 1 + (int)WW_HLL_REGISTERS) {
        memcpy(d->reg.reg, b + 1, WW_HLL_REGISTERS);
        d->hll = 1;
    } else if (b[0] == 'E') {
        for (int i = 1; i + 8 <= len && d->n < EXACT_MAX; i += 8) {
            uint64_t h = 0;
            for (int k = 7; k >= 0; k--) h = h << 8 | b[i + k];
            d->h[d->n++] = h;
        }
    }
}

static uint64_t dset_count(const struct dset *d)
{
    return d->hll ? ww_hll_count(&d->reg) : d->n;
}

/* Writes the blob into buf (>= 1 + 4096 bytes), returns its length. */
static int dset_save(const struct dset *d, unsigned char *buf)
{
    if (d->hll) {
        buf[0] = 'H';
        memcpy(buf + 1, d->reg.reg, WW_HLL_REGISTERS);
        return 1 + (int)WW_HLL_REGISTERS;
    }
    buf[0] = 'E';
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k < 8; k++) buf[1 + i * 8 + (size_t)k] = (unsigned char)(d->h[i] >> (8 * k));
    return 1 + (int)(d->n * 8);
}

/* ---- open / close ---------------------------------------------------------- */

static int fail(struct ww_store *st, char *err, size_t errlen, const char *what)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s", what, st->db ? sqlite3_errmsg(st->db) : "out of memory");
    ww_store_close(st);
    return WW_ERR_IO;
}

int ww_store_open(const char *path, struct ww_store **out, char *err, size_t errlen)
{
    struct ww_store *st = ww_calloc(1, sizeof *st);
    *out = NULL;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return fail(st, err, errlen, path);
    sqlite3_busy_timeout(st->db, 5000);
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA cache_size=-131072;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, err, errlen, path);
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(st->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, err, errlen, "schema");
    sqlite3_stmt *v;
    int version = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT v FROM meta WHERE k='version'", -1, &v, NULL) == SQLITE_OK) {
        if (sqlite3_step(v) == SQLITE_ROW) version = sqlite3_column_int(v, 0);
        sqlite3_finalize(v);
    }
    if (version != 1) {
        if (err && errlen) snprintf(err, errlen, "%s: unsupported store version %d", path, version);
        ww_store_close(st);
        return WW_ERR_FORMAT;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL) != SQLITE_OK)
            return fail(st, err, errlen, "prepare");
    st->surges = ww_surges_new(NULL);
    *out = st;
    return WW_OK;
}

void ww_store_close(struct ww_store *st)
{
    if (!st) return;
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(st->stmt[i]);
    if (st->db) sqlite3_close(st->db);
    if (st->surges) ww_surges_free(st->surges);
    ww_free(st->sorted);
    ww_free(st);
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

static sqlite3_stmt *stmt(struct ww_store *st, int which)
{
    sqlite3_stmt *s = st->stmt[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- keys ------------------------------------------------------------------ */

static void secret_hash(const char *secret, unsigned char out[32])
{
    gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), out);
}

int ww_store_key_add(struct ww_store *st, const char *name, char secret[65])
{
    size_t len = strlen(name);
    if (len < 1 || len > 64) return WW_ERR_ARG;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~') return WW_ERR_ARG;
    unsigned char raw[32], hash[32];
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0) return WW_ERR_IO;
    for (int i = 0; i < 32; i++) snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    secret_hash(secret, hash);
    sqlite3_stmt *s = stmt(st, S_KEY_ADD);
    sqlite3_bind_text(s, 1, name, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, now_us());
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_CONSTRAINT) return WW_ERR_ARG;
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

int ww_store_key_revoke(struct ww_store *st, const char *name)
{
    sqlite3_stmt *s = stmt(st, S_KEY_REVOKE);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return WW_ERR_IO;
    return sqlite3_changes(st->db) == 1 ? WW_OK : WW_ERR_ARG;
}

/* Compares every live key's hash in constant time (no early exit). */
int ww_store_key_check(struct ww_store *st, const char *secret, int64_t *sensor_id, char name[65])
{
    unsigned char hash[32];
    secret_hash(secret, hash);
    int64_t found = 0;
    sqlite3_stmt *s = stmt(st, S_KEY_ALL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_blob(s, 2);
        if (sqlite3_column_bytes(s, 2) != 32 || !h) continue;
        unsigned diff = 0;
        for (int i = 0; i < 32; i++) diff |= (unsigned)(h[i] ^ hash[i]);
        if (diff == 0 && sqlite3_column_int(s, 4) == 0) {
            found = sqlite3_column_int64(s, 0);
            if (name) snprintf(name, 65, "%s", (const char *)sqlite3_column_text(s, 1));
        }
    }
    sqlite3_reset(s);
    if (!found) return WW_ERR_ARG;
    *sensor_id = found;
    s = stmt(st, S_KEY_SEEN);
    sqlite3_bind_int64(s, 1, now_us());
    sqlite3_bind_int64(s, 2, found);
    sqlite3_step(s);
    sqlite3_reset(s);
    return WW_OK;
}

int ww_store_key_list(struct ww_store *st,
                      void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                                 int64_t last_seen),
                      void *ctx)
{
    sqlite3_stmt *s = stmt(st, S_KEY_ALL);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 3),
           sqlite3_column_int(s, 4), sqlite3_column_int64(s, 5));
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

/* ---- submit ---------------------------------------------------------------- */

/* One aggregate row being updated by a batch: kind 0 hour, 1 day, 2 source. */
struct group {
    int kind;
    int port, proto;
    int64_t t;
    struct ww_addr src;
    uint64_t records;
    int64_t first, last;
    uint64_t *h[2]; /* new hashes: agg src,dst / source tgt,ports */
    size_t nh[2], caph[2];
};

struct gtab {
    struct group *g;
    size_t n, cap;
    size_t *slot; /* open addressing, index+1, 0 = empty */
    size_t nslot;
};

static uint64_t gkey(const struct group *k)
{
    if (k->kind == 2) return ww_addr_hash(&k->src) ^ 0x9e3779b97f4a7c15ULL;
    return ww_hash64(((uint64_t)k->t << 24) ^ ((uint64_t)k->port << 8) ^ (uint64_t)k->proto ^
                     ((uint64_t)k->kind << 62));
}

static int geq(const struct group *a, const struct group *b)
{
    if (a->kind != b->kind) return 0;
    if (a->kind == 2) return ww_addr_eq(&a->src, &b->src);
    return a->port == b->port && a->proto == b->proto && a->t == b->t;
}

static struct group *gfind(struct gtab *t, const struct group *k)
{
    size_t i = (size_t)gkey(k) & (t->nslot - 1);
    while (t->slot[i]) {
        struct group *g = &t->g[t->slot[i] - 1];
        if (geq(g, k)) return g;
        i = (i + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->g = ww_realloc(t->g, t->cap * sizeof *t->g);
    }
    t->g[t->n] = *k;
    t->slot[i] = ++t->n;
    return &t->g[t->n - 1];
}

static void gpush(struct group *g, int which, uint64_t h)
{
    /* a batch-local dedup would cost more than it saves; dset_add dedups */
    if (g->nh[which] == g->caph[which]) {
        g->caph[which] = g->caph[which] ? g->caph[which] * 2 : 8;
        g->h[which] = ww_realloc(g->h[which], g->caph[which] * sizeof(uint64_t));
    }
    g->h[which][g->nh[which]++] = h;
}

static int blob_col(sqlite3_stmt *s, int col, struct dset *d)
{
    dset_load(d, sqlite3_column_blob(s, col), sqlite3_column_bytes(s, col));
    return 0;
}

static int write_agg(struct ww_store *st, const struct group *g, uint64_t sens_hash,
                     struct dset *d, unsigned char *buf)
{
    sqlite3_stmt *s = stmt(st, g->kind == 0 ? S_HOUR_GET : S_DAY_GET);
    sqlite3_bind_int(s, 1, g->port);
    sqlite3_bind_int(s, 2, g->proto);
    sqlite3_bind_int64(s, 3, g->t);
    int64_t records = 0;
    int row = sqlite3_step(s);
    if (row != SQLITE_ROW && row != SQLITE_DONE) return WW_ERR_IO;
    if (row == SQLITE_ROW) {
        records = sqlite3_column_int64(s, 0);
        blob_col(s, 1, &d[0]);
        blob_col(s, 2, &d[1]);
        blob_col(s, 3, &d[2]);
    } else {
        d[0].hll = d[1].hll = d[2].hll = 0;
        d[0].n = d[1].n = d[2].n = 0;
    }
    sqlite3_reset(s);
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < g->nh[w]; i++) dset_add(&d[w], g->h[w][i]);
    dset_add(&d[2], sens_hash);
    s = stmt(st, g->kind == 0 ? S_HOUR_PUT : S_DAY_PUT);
    sqlite3_bind_int(s, 1, g->port);
    sqlite3_bind_int(s, 2, g->proto);
    sqlite3_bind_int64(s, 3, g->t);
    sqlite3_bind_int64(s, 4, records + (int64_t)g->records);
    for (int w = 0; w < 3; w++) {
        sqlite3_bind_int64(s, 5 + w, (int64_t)dset_count(&d[w]));
        int len = dset_save(&d[w], buf);
        sqlite3_bind_blob(s, 8 + w, buf, len, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int write_src(struct ww_store *st, const struct group *g, uint64_t sens_hash,
                     struct dset *d, unsigned char *buf)
{
    char text[WW_ADDR_STRLEN];
    ww_addr_format(&g->src, text);
    sqlite3_stmt *s = stmt(st, S_SRC_GET);
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    int64_t records = 0, first = g->first, last = g->last;
    int row = sqlite3_step(s);
    if (row != SQLITE_ROW && row != SQLITE_DONE) return WW_ERR_IO;
    if (row == SQLITE_ROW) {
        records = sqlite3_column_int64(s, 0);
        blob_col(s, 1, &d[0]);
        blob_col(s, 2, &d[1]);
        blob_col(s, 3, &d[2]);
        int64_t f = sqlite3_column_int64(s, 4), l = sqlite3_column_int64(s, 5);
        if (f < first) first = f;
        if (l > last) last = l;
    } else {
        d[0].hll = d[1].hll = d[2].hll = 0;
        d[0].n = d[1].n = d[2].n = 0;
    }
    sqlite3_reset(s);
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < g->nh[w]; i++) dset_add(&d[w], g->h[w][i]);
    dset_add(&d[2], sens_hash);
    s = stmt(st, S_SRC_PUT);
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, first);
    sqlite3_bind_int64(s, 3, last);
    sqlite3_bind_int64(s, 4, records + (int64_t)g->records);
    for (int w = 0; w < 3; w++) {
        sqlite3_bind_int64(s, 5 + w, (int64_t)dset_count(&d[w]));
        int len = dset_save(&d[w], buf);
        sqlite3_bind_blob(s, 8 + w, buf, len, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int cmp_ts(const void *a, const void *b)
{
    int64_t x = ((const struct ww_event *)a)->ts_us, y = ((const struct ww_event *)b)->ts_us;
    return (x > y) - (x < y);
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int write_alerts(struct ww_store *st)
{
    const struct ww_surge *r;
    size_t n = ww_surges_results(st->surges, &r);
    for (size_t i = 0; i < n; i++) {
        char when[40], expl[512];
        const char *pn = ww_proto_name(r[i].proto);
        ww_time_format(r[i].start_us, when, sizeof when);
        snprintf(expl, sizeof expl,
                 "port %u/%s: %llu sources new to the port in the hour from %s"
                 " (%llu sources in all), baseline %.1f new, spread %.1f, z = %.1f",
                 r[i].port, pn ? pn : "?", (unsigned long long)r[i].new_sources, when,
                 (unsigned long long)r[i].sources, r[i].baseline_new, r[i].spread, r[i].score);
        sqlite3_stmt *s = stmt(st, S_ALERT_PUT);
        sqlite3_bind_int(s, 1, r[i].port);
        sqlite3_bind_int(s, 2, r[i].proto);
        sqlite3_bind_int64(s, 3, r[i].start_us);
        sqlite3_bind_int64(s, 4, r[i].alert_us);
        sqlite3_bind_int64(s, 5, r[i].end_us);
        sqlite3_bind_int64(s, 6, (int64_t)r[i].sources);
        sqlite3_bind_int64(s, 7, (int64_t)r[i].new_sources);
        sqlite3_bind_double(s, 8, r[i].baseline_new);
        sqlite3_bind_double(s, 9, r[i].score);
        sqlite3_bind_text(s, 10, expl, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return WW_ERR_IO;
    }
    return WW_OK;
}

int ww_store_submit(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                    const struct ww_event *ev, size_t n, int *duplicate)
{
    *duplicate = 0;
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return WW_ERR_IO;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += ev[i].count ? ev[i].count : 1;
    sqlite3_stmt *s = stmt(st, S_BATCH_ADD);
    sqlite3_bind_int64(s, 1, sensor_id);
    sqlite3_bind_text(s, 2, batch_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, now_us());
    sqlite3_bind_int64(s, 4, (int64_t)total);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) goto io;
    if (sqlite3_changes(st->db) == 0) {
        *duplicate = 1;
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return WW_OK;
    }

    struct gtab t = {0};
    t.nslot = 64;
    while (t.nslot < 6 * n + 8) t.nslot <<= 1;
    t.slot = ww_calloc(t.nslot, sizeof *t.slot);
    uint64_t sens_hash = ww_hash64((uint64_t)sensor_id ^ 0x5e5e5e5e5e5e5e5eULL);
    for (size_t i = 0; i < n; i++) {
        const struct ww_event *e = &ev[i];
        uint64_t cnt = e->count ? e->count : 1;
        uint64_t hs = ww_addr_hash(&e->src), hd = ww_addr_hash(&e->dst);
        for (int kind = 0; kind < 2; kind++) {
            struct group k = {.kind = kind, .port = e->dport, .proto = e->proto,
                              .t = floordiv(e->ts_us, kind ? DAY_US : HOUR_US)};
            struct group *g = gfind(&t, &k);
            g->records += cnt;
            gpush(g, 0, hs);
            gpush(g, 1, hd);
        }
        struct group k = {.kind = 2, .src = e->src, .first = e->ts_us, .last = e->ts_us};
        struct group *g = gfind(&t, &k);
        g->records += cnt;
        if (e->ts_us < g->first) g->first = e->ts_us;
        if (e->ts_us > g->last) g->last = e->ts_us;
        gpush(g, 0, hd);
        gpush(g, 1, ww_hash64(((uint64_t)e->proto << 16) | e->dport));
    }
    struct dset *d = ww_malloc(3 * sizeof *d);
    unsigned char *buf = ww_malloc(1 + WW_HLL_REGISTERS + 8 * (EXACT_MAX + 1));
    rc = WW_OK;
    for (size_t i = 0; i < t.n && rc == WW_OK; i++)
        rc = t.g[i].kind == 2 ? write_src(st, &t.g[i], sens_hash, d, buf)
                              : write_agg(st, &t.g[i], sens_hash, d, buf);
    for (size_t i = 0; i < t.n; i++) { ww_free(t.g[i].h[0]); ww_free(t.g[i].h[1]); }
    ww_free(t.g);
    ww_free(t.slot);
    ww_free(d);
    ww_free(buf);
    if (rc != WW_OK) goto io;

    if (n > st->sorted_cap) {
        st->sorted_cap = n;
        st->sorted = ww_realloc(st->sorted, n * sizeof *st->sorted);
    }
    if (n) {
        memcpy(st->sorted, ev, n * sizeof *ev);
        qsort(st->sorted, n, sizeof *ev, cmp_ts);
    }
    for (size_t i = 0; i < n; i++) ww_surges_event(st->surges, &st->sorted[i]);
    if (write_alerts(st) != WW_OK) goto io;
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto io;
    return WW_OK;
io:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return WW_ERR_IO;
}

/* ---- queries --------------------------------------------------------------- */

static json_t *jerr(const char *msg)
{
    return json_pack("{s:s}", "error", msg);
}

static json_t *jdate(int64_t day)
{
    int64_t y;
    unsigned m, d;
    char buf[32];
    ww_civil_from_days(day, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
    return json_string(buf);
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
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return NULL;
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

json_t *ww_store_port(struct ww_store *st, int port, int64_t day)
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

json_t *ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day)
{
    /* Per day over all protocols: records add up; distinct counts of the
     * protocols are summed (an address seen on tcp and udp counts twice). */
    sqlite3_stmt *s = prep(st, "SELECT t, sum(records), sum(nsrc), sum(ndst), max(nsens)"
                               " FROM agg_day WHERE port=? AND t BETWEEN ? AND ? GROUP BY t ORDER BY t");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int(s, 1, port);
    sqlite3_bind_int64(s, 2, from_day);
    sqlite3_bind_int64(s, 3, to_day);
    json_t *days = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(days, counts_row("date", jdate(sqlite3_column_int64(s, 0)), s));
    sqlite3_finalize(s);
    return json_pack("{s:i,s:o,s:o,s:o}", "port", port, "from", jdate(from_day), "to",
                     jdate(to_day), "days", days);
}

json_t *ww_store_topports(struct ww_store *st, const char *by, int limit, int64_t day)
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

json_t *ww_store_sources(struct ww_store *st, int limit)
{
    sqlite3_stmt *s = prep(st, "SELECT src, records, ntgt, nport, nsens, first_seen, last_seen"
                               " FROM srcs ORDER BY records DESC, src LIMIT ?");
    if (!s) return jerr("store query failed");
    sqlite3_bind_int(s, 1, limit > 0 ? limit : 10);
    json_t *arr = json_array();
    while (sqlite3_step(s) == SQLITE_ROW) json_array_append_new(arr, src_row(s));
    sqlite3_finalize(s);
    return json_pack("{s:o}", "sources", arr);
}

json_t *ww_store_ip(struct ww_store *st, const struct ww_addr *a)
{
    char text[WW_ADDR_STRLEN];
    ww_addr_format(a, text);
    sqlite3_stmt *s = prep(st, "SELECT src, records, ntgt, nport, nsens, first_seen, last_seen"
                               " FROM srcs WHERE src=?");
    if (!s) return jerr("store query failed");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    json_t *j = sqlite3_step(s) == SQLITE_ROW ? src_row(s) : jerr("address not seen");
    sqlite3_finalize(s);
    return j;
}

static json_t *alert_row(sqlite3_stmt *s)
{
    return json_pack("{s:i,s:o,s:o,s:o,s:I,s:I,s:f,s:f,s:s}",
        "port", sqlite3_column_int(s, 0), "proto", jproto(sqlite3_column_int(s, 1)),
        "start", jtime(sqlite3_column_int64(s, 2)), "alert", jtime(sqlite3_column_int64(s, 3)),
        "sources", (json_int_t)sqlite3_column_int64(s, 4),
        "new_sources", (json_int_t)sqlite3_column_int64(s, 5),
        "baseline_new", sqlite3_column_double(s, 6), "score", sqlite3_column_double(s, 7),
        "explanation", (const char *)sqlite3_column_text(s, 8));
}

#define ALERT_COLS "port, proto, start, alert, sources, new_sources, baseline_new, score, explanation"

json_t *ww_store_alerts(struct ww_store *st, int limit)
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
json_t *ww_store_infocon(struct ww_store *st, int64_t now_us_)
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

static int64_t scalar(struct ww_store *st, const char *sql)
{
    sqlite3_stmt *s = prep(st, sql);
    int64_t v = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

int ww_store_metrics(struct ww_store *st, FILE *out)
{
    static const struct { const char *name, *help, *sql; } m[] = {
        {"wormwatch_store_batches", "Batches in the store", "SELECT count(*) FROM batches"},
        {"wormwatch_store_records", "Records in the store", "SELECT coalesce(sum(events),0) FROM batches"},
        {"wormwatch_store_sources", "Distinct sources in the store", "SELECT count(*) FROM srcs"},
        {"wormwatch_store_alerts", "Surge alerts in the store", "SELECT count(*) FROM alerts"},
        {"wormwatch_store_sensor_keys", "Live sensor keys", "SELECT count(*) FROM keys WHERE revoked=0"},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", m[i].name, m[i].help,
                    m[i].name, m[i].name,
                    (long long)scalar(st, m[i].sql)) < 0)
            return WW_ERR_IO;
    return WW_OK;
}

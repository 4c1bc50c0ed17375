/* store_clickhouse.c -- the ClickHouse store engine (store.h, engine.h):
 * open, the schema, the connection pools, keys, DShield keys and submit;
 * the engine's table is at the end. Queries are in store_ch_query.c, the
 * surge detector in store_ch_detect.c; what they share is store_ch.h, the
 * design docs/clickhouse-schema.md.
 *
 * --db clickhouse://HOST:PORT/DATABASE[?cluster=NAME[&shards=H:P,H:P...]]
 * over ClickHouse's HTTP interface (client/clickhouse.h). With a cluster,
 * the schema is created on every shard of it (18.16 has no ON CLUSTER
 * without ZooKeeper): system.clusters names each shard's host, its HTTP
 * port is taken to be --db's unless shards= lists every shard's HTTP
 * endpoint in the cluster's order. Without one the same tables are made on
 * the one server, the Distributed ones as Merge tables over their _local
 * table, and inserts go to the _local tables. Credentials (config file:
 * clickhouse-user, clickhouse-password) go as HTTP basic auth.
 *
 * No state of its own: any number of front-ends (serve processes) open the
 * same store. Submissions are committed in rounds (group commit, below: one
 * insert for all the batches that came in meanwhile, since ClickHouse's cost
 * is per insert). A submission is durable when ClickHouse acknowledged it on
 * every shard it went to (insert_distributed_sync=1); the materialized
 * views aggregate in the same insert, so a query sees every batch
 * acknowledged before it. A batch id is taken once per sensor across
 * front-ends by claims (clickhouse_schema.sql, `batches`): insert a claim,
 * read the (sensor, batch id)'s rows, go on only if no done row and no live
 * claim of another front-end is there, then the events, then the done row.
 * Two front-ends claiming at once both see each other and both answer "try
 * again" (WW_ERR_IO); a front-end that died mid-batch leaves a claim that
 * goes stale after CH_CLAIM_STALE_US. If it died after its events insert
 * and before the done row, the retry stores the batch a second time (the
 * sensor was never told it was in); so does an events insert that failed
 * on one shard after another had taken its part (18.16 deduplicates no
 * insert into a plain MergeTree): a batch answered 200 is never lost and
 * taken once as a batch id, but after a failed attempt its events may be
 * in twice, at least once.
 *
 * Keys live on the home shard and are cached in memory by each front-end
 * (refreshed every KEYS_REFRESH_US, and at once when a secret is not
 * found: one read at a time, which every caller waiting on it shares),
 * so submissions go on while the home shard is briefly away; a
 * revocation takes effect within that period on other front-ends. A read
 * forced by an unknown secret must begin after the request came (a key
 * just added: refusing it because the cache was 50 ms old was a bug). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/synfp.h"
#include "core/wtime.h"
#include "detect/osdb.h"
#include "store/store_ch.h"

#define KEYS_REFRESH_US 2000000LL /* a key added or revoked elsewhere counts within this */
#define KEYS_FORCED_US 200000LL   /* an unknown secret reads the keys again, at most this often (waiting its turn) */

/* The schema file, embedded (cmake: ch_schema.c from clickhouse_schema.sql). */
extern const char ww_ch_schema_sql[];

/* Migrations: the statements taking schema version i to i + 1 at
 * migrations[i - 1]. 18.16 has no ADD COLUMN IF NOT EXISTS: a column
 * already there (Code 44, a migration cut short and run again) counts as
 * added. Columns go at the end, where the schema file has them too (the
 * RowBinary inserts name no columns). */
static const char *const v2[] = {
    /* issue 17: a SYN's fingerprint and its match with each event; each
     * source's OS; each alert's sample and OS breakdown */
    "ALTER TABLE events_local ADD COLUMN fp String DEFAULT ''",
    "ALTER TABLE events_local ADD COLUMN os UInt16 DEFAULT 0",
    "ALTER TABLE events_local ADD COLUMN os_name String DEFAULT ''",
    "ALTER TABLE events ADD COLUMN fp String DEFAULT ''",
    "ALTER TABLE events ADD COLUMN os UInt16 DEFAULT 0",
    "ALTER TABLE events ADD COLUMN os_name String DEFAULT ''",
    "CREATE TABLE IF NOT EXISTS src_os_local (src FixedString(16),"
    " os_min AggregateFunction(min, UInt16), os_label AggregateFunction(argMin, String, UInt16))"
    " ENGINE = AggregatingMergeTree ORDER BY src",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS src_os_mv TO src_os_local AS SELECT src,"
    " minState(os) AS os_min, argMinState(os_name, os) AS os_label FROM events_local"
    " WHERE reply = 0 AND os > 0 GROUP BY src",
    "CREATE TABLE IF NOT EXISTS src_os AS src_os_local"
    " ENGINE = Distributed(@CLUSTER@, currentDatabase(), src_os_local)",
    "ALTER TABLE alerts ADD COLUMN sample String DEFAULT ''",
    "ALTER TABLE alerts ADD COLUMN os_mix String DEFAULT ''",
    NULL};
static const char *const *const migrations[] = {v2};

/* ---- pools and requests ---------------------------------------------------- */

static void set_why(struct ch_store *st, const char *msg)
{
    pthread_mutex_lock(&st->mu);
    snprintf(st->why, sizeof st->why, "%.*s", (int)sizeof st->why - 1, msg);
    pthread_mutex_unlock(&st->mu);
}

struct ww_ch *ch_get(struct ch_store *st, enum ch_target t)
{
    struct ww_ch *c = NULL;
    pthread_mutex_lock(&st->mu);
    if (st->pool[t].nidle) c = st->pool[t].idle[--st->pool[t].nidle];
    pthread_mutex_unlock(&st->mu);
    if (c) return c;
    char err[256];
    if (ww_ch_open(&c, st->pool[t].url, st->user, st->password,
                   t == CH_SUBMIT || t == CH_HOMEW ? CH_SUBMIT_TIMEOUT_MS : CH_TIMEOUT_MS, CH_ANSWER_MAX, err,
                   sizeof err)) {
        set_why(st, err);
        return NULL;
    }
    return c;
}

void ch_put(struct ch_store *st, enum ch_target t, struct ww_ch *c)
{
    if (!c) return;
    pthread_mutex_lock(&st->mu);
    if (st->pool[t].nidle < CH_POOL_MAX) {
        st->pool[t].idle[st->pool[t].nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&st->mu);
    ww_ch_close(c);
}

static char *vformat(const char *fmt, va_list ap)
{
    struct ww_buf b;
    ww_buf_init(&b, 64u << 20);
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *p = n >= 0 ? ww_buf_grow(&b, (size_t)n + 1) : NULL;
    if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p ? ww_buf_take(&b) : NULL;
}

/* A statement or query on target t, its SQL printf-style; rows to fn
 * when fn is given; fail_code when it cannot run (the reason in st->why). */
static int vrun(struct ch_store *st, enum ch_target t, ww_ch_row_fn fn, void *ctx, int fail_code,
                const char *fmt, va_list ap)
{
    char *sql = vformat(fmt, ap);
    struct ww_ch *c = sql ? ch_get(st, t) : NULL;
    if (!c) {
        ww_free(sql);
        return fail_code;
    }
    char err[512];
    enum ww_err e = fn ? ww_ch_query(c, sql, fn, ctx, err, sizeof err) : ww_ch_exec(c, sql, err, sizeof err);
    ww_free(sql);
    if (e) {
        set_why(st, err);
        ww_ch_close(c); /* a connection that failed is not reused */
        return fail_code;
    }
    ch_put(st, t, c);
    return WW_OK;
}

int ch_exec(struct ch_store *st, enum ch_target t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(st, t, NULL, NULL, WW_ERR_IO, fmt, ap);
    va_end(ap);
    return rc;
}

int ch_query(struct ch_store *st, enum ch_target t, ww_ch_row_fn fn, void *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(st, t, fn, ctx, WW_ERR_FORMAT, fmt, ap);
    va_end(ap);
    return rc;
}

struct first_int { int64_t v; int seen; };

static int first_int_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    (void)len;
    struct first_int *f = ctx;
    if (ncol && col[0] && !f->seen) f->v = ch_col_int(col[0], f->v);
    f->seen = 1;
    return 1;
}

int ch_int(struct ch_store *st, enum ch_target t, int64_t def, int64_t *out, const char *fmt, ...)
{
    struct first_int f = {def, 0};
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(st, t, first_int_row, &f, WW_ERR_FORMAT, fmt, ap);
    va_end(ap);
    *out = rc ? def : f.v;
    return rc;
}

int ch_insert(struct ch_store *st, enum ch_target t, const char *table, const char *format,
              const void *body, size_t len)
{
    static const char *const sync[] = {"insert_distributed_sync=1", NULL};
    char local[80];
    if (!st->cluster && (!strcmp(table, "events") || !strcmp(table, "batches"))) {
        snprintf(local, sizeof local, "%s_local", table); /* no Distributed table to go through */
        table = local;
    }
    struct ww_ch *c = ch_get(st, t);
    if (!c) return WW_ERR_IO;
    char err[512];
    if (ww_ch_insert(c, table, format, sync, body, len, err, sizeof err)) {
        set_why(st, err);
        ww_ch_close(c);
        return WW_ERR_IO;
    }
    ch_put(st, t, c);
    return WW_OK;
}

/* ---- literals and RowBinary -------------------------------------------------- */

void ch_lit_str(struct ww_buf *b, const char *s, size_t n)
{
    ww_buf_add(b, "'", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '\'') ww_buf_addf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) ww_buf_addf(b, "\\x%02x", c);
        else ww_buf_add(b, &s[i], 1);
    }
    ww_buf_add(b, "'", 1);
}

void ch_lit_addr(struct ww_buf *b, const struct ww_addr *a)
{
    ww_buf_addf(b, "toFixedString(unhex('");
    for (int i = 0; i < 16; i++) ww_buf_addf(b, "%02x", a->b[i]);
    ww_buf_addf(b, "'), 16)");
}

int ch_col_addr(const char *col, size_t len, struct ww_addr *out)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!col || len != 16) return WW_ERR_PARSE;
    if (!memcmp(col, mapped, sizeof mapped)) ww_addr_from_v4(out, (const uint8_t *)col + 12);
    else ww_addr_from_v6(out, (const uint8_t *)col);
    return WW_OK;
}

int64_t ch_col_int(const char *col, int64_t def)
{
    if (!col || !*col) return def;
    char *end;
    errno = 0;
    long long v = strtoll(col, &end, 10);
    if (*end == '.' || *end == 'e') { /* a float column: its integer part */
        double d = strtod(col, &end);
        return *end ? def : (int64_t)d;
    }
    if (*end) return def;
    if (errno) { /* past INT64_MAX: a UInt64 (18446744073709551615 as -1) */
        unsigned long long u = strtoull(col, &end, 10);
        return *end ? def : (int64_t)u;
    }
    return v;
}

static void put_le(struct ww_buf *b, uint64_t v, int n)
{
    unsigned char *p = ww_buf_grow(b, (size_t)n);
    for (int i = 0; p && i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void ch_rb_u8(struct ww_buf *b, uint8_t v) { put_le(b, v, 1); }
void ch_rb_u16(struct ww_buf *b, uint16_t v) { put_le(b, v, 2); }
void ch_rb_u32(struct ww_buf *b, uint32_t v) { put_le(b, v, 4); }
void ch_rb_u64(struct ww_buf *b, uint64_t v) { put_le(b, v, 8); }

void ch_rb_f64(struct ww_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_le(b, u, 8);
}

void ch_rb_len(struct ww_buf *b, uint64_t n)
{
    do {
        uint8_t c = (uint8_t)(n & 0x7f);
        n >>= 7;
        ch_rb_u8(b, (uint8_t)(c | (n ? 0x80 : 0)));
    } while (n);
}

void ch_rb_str(struct ww_buf *b, const void *s, size_t n)
{
    ch_rb_len(b, n);
    ww_buf_add(b, s, n);
}

void ch_rb_addr(struct ww_buf *b, const struct ww_addr *a)
{
    ww_buf_add(b, a->b, 16);
}

/* ---- open: the URL, the shards, the schema ------------------------------------ */

static int word(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return n > 0;
}

/* "HOST:PORT" of the URL's authority (IPv6 in brackets), checked. */
static int hostport(const char *s, size_t n)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++) if (s[i] == ':') colon = s + i;
    uint64_t port;
    if (!colon || colon == s || (size_t)(colon - s) + 1 >= n) return 0;
    char p[8];
    size_t pl = n - (size_t)(colon - s) - 1;
    if (pl >= sizeof p) return 0;
    memcpy(p, colon + 1, pl);
    p[pl] = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] == '/' || s[i] == '?' || s[i] == '@' || s[i] == '&') return 0;
    return !ww_num_str(p, 65535, &port) && port > 0;
}

static char *http_url(const char *hp, size_t n, const char *db)
{
    size_t len = n + strlen(db) + 16;
    char *u = ww_malloc(len);
    snprintf(u, len, "http://%.*s/%s", (int)n, hp, db);
    return u;
}

struct shard_rows { struct ch_store *st; const char *port; size_t n; };

static int shard_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct shard_rows *r = ctx;
    if (ncol < 2 || !col[1]) return 0;
    char hp[300];
    int k = strchr(col[1], ':') ? snprintf(hp, sizeof hp, "[%s]:%s", col[1], r->port)
                                : snprintf(hp, sizeof hp, "%s:%s", col[1], r->port);
    (void)len;
    struct ch_store *st = r->st;
    st->shard_url = ww_realloc(st->shard_url, (st->nshards + 1) * sizeof *st->shard_url);
    st->shard_url[st->nshards++] = http_url(hp, (size_t)k, st->db);
    return 0;
}

/* One statement of the schema for this store: @CLUSTER@ named, or without a
 * cluster each "Distributed(@CLUSTER@, currentDatabase(), X_local...)" made
 * "Merge(currentDatabase(), '^X_local$')". */
char *ch_schema_stmt(const char *cluster, const char *s, size_t n)
{
    static const char dist[] = "Distributed(@CLUSTER@, currentDatabase(), ";
    struct ww_buf b;
    ww_buf_init(&b, 1 << 20);
    const char *end = s + n;
    while (s < end) {
        const char *at = memmem(s, (size_t)(end - s), "@CLUSTER@", 9);
        const char *d = memmem(s, (size_t)(end - s), dist, sizeof dist - 1);
        if (!at) {
            ww_buf_add(&b, s, (size_t)(end - s));
            break;
        }
        if (!cluster && d && d + 12 == at) {
            const char *t = d + sizeof dist - 1, *te = t, *close = t;
            while (te < end && *te != ',' && *te != ')') te++;
            for (int depth = 0; close < end; close++) {
                if (*close == '(') depth++;
                else if (*close == ')' && depth-- == 0) break;
            }
            ww_buf_add(&b, s, (size_t)(d - s));
            ww_buf_addf(&b, "Merge(currentDatabase(), '^%.*s$')", (int)(te - t), t);
            s = close < end ? close + 1 : end;
            continue;
        }
        ww_buf_add(&b, s, (size_t)(at - s));
        ww_buf_addf(&b, "%s", cluster ? cluster : "");
        s = at + 9;
    }
    return ww_buf_take(&b);
}

static int is_comment_only(const char *s, size_t n)
{
    const char *e = s + n;
    while (s < e) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        const char *le = nl ? nl : e, *p = s;
        while (p < le && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
        if (p < le && !(le - p >= 2 && p[0] == '-' && p[1] == '-')) return 0;
        s = le + 1;
    }
    return 1;
}

int ch_schema_each(const char *file, const char *cluster, int (*fn)(void *ctx, const char *sql), void *ctx)
{
    const char *p = file, *stmt = p;
    while (*p) {
        const char *nl = strchr(p, '\n'), *le = nl ? nl : p + strlen(p), *q = p;
        while (q < le && (*q == ' ' || *q == '\t')) q++;
        int comment = le - q >= 2 && q[0] == '-' && q[1] == '-';
        const char *last = le;
        while (last > p && (last[-1] == ' ' || last[-1] == '\r')) last--;
        if (!comment && last > p && last[-1] == ';') {
            if (!is_comment_only(stmt, (size_t)(last - 1 - stmt))) {
                char *sql = ch_schema_stmt(cluster, stmt, (size_t)(last - 1 - stmt));
                int rc = sql ? fn(ctx, sql) : WW_ERR_LIMIT;
                ww_free(sql);
                if (rc) return rc;
            }
            stmt = nl ? nl + 1 : le;
        }
        p = nl ? nl + 1 : le;
    }
    return is_comment_only(stmt, strlen(stmt)) ? WW_OK : WW_ERR_PARSE;
}

struct exec_ctx { struct ww_ch *c; char *err; size_t errlen; };

static int exec_one(void *ctx, const char *sql)
{
    struct exec_ctx *x = ctx;
    return ww_ch_exec(x->c, sql, x->err, x->errlen);
}

/* Runs the schema file on one server. */
static int schema_create(struct ch_store *st, struct ww_ch *c, char *err, size_t errlen)
{
    struct exec_ctx x = {c, err, errlen};
    int rc = ch_schema_each(ww_ch_schema_sql, st->cluster, exec_one, &x);
    if (rc == WW_ERR_PARSE) snprintf(err, errlen, "the schema's last statement has no ';'");
    return rc;
}

static int version_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    (void)len;
    if (ncol && col[0]) *(int64_t *)ctx = ch_col_int(col[0], 0);
    return 1;
}

/* Creates or migrates the schema on the server at url. */
static int schema_ensure(struct ch_store *st, const char *url, char *err, size_t errlen)
{
    struct ww_ch *c;
    char e2[512], q[160], *root = ww_strdup(url);
    *strrchr(root, '/') = '\0'; /* the server without the database, to create it */
    int rc = ww_ch_open(&c, root, st->user, st->password, CH_TIMEOUT_MS, 1 << 20, e2, sizeof e2);
    ww_free(root);
    if (!rc) {
        snprintf(q, sizeof q, "CREATE DATABASE IF NOT EXISTS %s", st->db);
        rc = ww_ch_exec(c, q, e2, sizeof e2);
        ww_ch_close(c);
    }
    if (!rc) rc = ww_ch_open(&c, url, st->user, st->password, CH_TIMEOUT_MS, 1 << 20, e2, sizeof e2);
    if (rc) {
        snprintf(err, errlen, "%s", e2);
        return rc == WW_ERR_ARG ? WW_ERR_ARG : WW_ERR_IO;
    }
    int64_t v = 0;
    rc = ww_ch_query(c, "SELECT v, ver FROM meta FINAL WHERE k = 'version'", version_row, &v, e2, sizeof e2);
    if (rc && !strstr(e2, "Code: 60,")) { /* 60: no table meta yet, a new store */
        snprintf(err, errlen, "%s", e2);
        ww_ch_close(c);
        return WW_ERR_IO;
    }
    if (v > CH_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %lld is newer than this wormwatch knows (%d)", url,
                 (long long)v, CH_SCHEMA_VERSION);
        rc = WW_ERR_FORMAT;
    } else if (v == 0) {
        rc = schema_create(st, c, e2, sizeof e2);
        if (rc) snprintf(err, errlen, "creating the schema: %s", e2);
    } else {
        rc = WW_OK;
        for (; v < CH_SCHEMA_VERSION && !rc; v++) {
            const char *const *m = migrations[v - 1];
            for (size_t i = 0; m && m[i] && !rc; i++) {
                char *sql = ch_schema_stmt(st->cluster, m[i], strlen(m[i]));
                rc = ww_ch_exec(c, sql, e2, sizeof e2);
                if (rc && strstr(e2, "Code: 44,")) rc = WW_OK; /* the column is there already */
                ww_free(sql);
            }
            snprintf(q, sizeof q, "INSERT INTO meta (k, v, ver) VALUES ('version', '%lld', %lld)",
                     (long long)v + 1, (long long)v + 1);
            if (!rc) rc = ww_ch_exec(c, q, e2, sizeof e2);
            if (rc) snprintf(err, errlen, "migrating the schema to version %lld: %s", (long long)v + 1, e2);
        }
    }
    ww_ch_close(c);
    return rc;
}

static void ch_close(struct ww_store *base);

static int ch_open(const char *target, const char *user, const char *password, struct ww_store **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    const char *slash = strchr(target, '/'), *q = strchr(target, '?');
    if (q && slash && q < slash) slash = NULL;
    size_t hl = (size_t)((slash ? slash : q ? q : target + strlen(target)) - target);
    const char *dbs = slash ? slash + 1 : "";
    size_t dl = (size_t)((q ? q : dbs + strlen(dbs)) - dbs);
    if (!hostport(target, hl) || (dl && !word(dbs, dl))) {
        snprintf(err, errlen, "clickhouse://%s: expected clickhouse://HOST:PORT/DATABASE"
                 "[?cluster=NAME[&shards=HOST:PORT,...]] (a database of letters, digits, _)", target);
        return WW_ERR_ARG;
    }
    struct ch_store *st = ww_calloc(1, sizeof *st);
    st->base.ops = &ww_store_clickhouse;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->keys_cv, NULL);
    pthread_cond_init(&st->work, NULL);
    pthread_cond_init(&st->jobs_done, NULL);
    st->jobs_tail = &st->jobs;
    size_t sl = strlen(target) + 16;
    st->spec = ww_malloc(sl);
    snprintf(st->spec, sl, "clickhouse://%s", target);
    st->db = dl ? ww_malloc(dl + 1) : ww_strdup("default");
    if (dl) snprintf(st->db, dl + 1, "%.*s", (int)dl, dbs);
    st->user = user ? ww_strdup(user) : NULL;
    st->password = password ? ww_strdup(password) : NULL;
    st->lateness_us = WW_HOLD_LATENESS_US;
    st->release_us = INT64_MIN;
    unsigned char rnd[8];
    gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof rnd);
    for (int i = 0; i < 8; i++) st->frontend = st->frontend << 8 | rnd[i];
    st->frontend >>= 1; /* fits an Int64 too */
    st->pool[CH_DB].url = http_url(target, hl, st->db);
    st->pool[CH_SUBMIT].url = ww_strdup(st->pool[CH_DB].url);

    /* the query: cluster=NAME, shards=H:P,... */
    const char *shards = NULL;
    size_t shl = 0;
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&'), *e = amp ? amp : p + strlen(p);
        if (!strncmp(p, "cluster=", 8) && word(p + 8, (size_t)(e - p - 8))) {
            st->cluster = ww_malloc((size_t)(e - p - 8) + 1);
            snprintf(st->cluster, (size_t)(e - p - 8) + 1, "%.*s", (int)(e - p - 8), p + 8);
        } else if (!strncmp(p, "shards=", 7) && e > p + 7) {
            shards = p + 7, shl = (size_t)(e - shards);
        } else {
            snprintf(err, errlen, "%s: unknown or bad parameter '%.*s' (cluster=NAME, shards=HOST:PORT,...)",
                     st->spec, (int)(e - p), p);
            ch_close(&st->base);
            return WW_ERR_ARG;
        }
        p = amp ? amp + 1 : NULL;
    }
    if (shards && !st->cluster) {
        snprintf(err, errlen, "%s: shards= goes with cluster=", st->spec);
        ch_close(&st->base);
        return WW_ERR_ARG;
    }

    int rc = WW_OK;
    if (!st->cluster) {
        st->shard_url = ww_malloc(sizeof *st->shard_url);
        st->shard_url[st->nshards++] = ww_strdup(st->pool[CH_DB].url);
    } else if (shards) {
        for (const char *p = shards; p < shards + shl;) {
            const char *c = memchr(p, ',', (size_t)(shards + shl - p)), *e = c ? c : shards + shl;
            if (!hostport(p, (size_t)(e - p))) {
                snprintf(err, errlen, "%s: shards=: '%.*s' is not HOST:PORT", st->spec, (int)(e - p), p);
                ch_close(&st->base);
                return WW_ERR_ARG;
            }
            st->shard_url = ww_realloc(st->shard_url, (st->nshards + 1) * sizeof *st->shard_url);
            st->shard_url[st->nshards++] = http_url(p, (size_t)(e - p), st->db);
            p = e + 1;
        }
    }
    if (st->cluster) { /* the cluster as the --db server knows it */
        char port[8];
        const char *colon = target + hl;
        while (colon > target && *colon != ':') colon--;
        snprintf(port, sizeof port, "%.*s", (int)(target + hl - colon - 1), colon + 1);
        size_t given = st->nshards;
        struct shard_rows r = {st, port, 0};
        char **keep = st->shard_url;
        st->shard_url = NULL, st->nshards = 0;
        struct ww_ch *c;
        char e2[512];
        char *root = ww_strdup(st->pool[CH_DB].url);
        *strrchr(root, '/') = '\0'; /* the database may not exist yet */
        rc = ww_ch_open(&c, root, user, password, CH_TIMEOUT_MS, 1 << 20, e2, sizeof e2);
        ww_free(root);
        if (!rc) {
            struct ww_buf sql;
            ww_buf_init(&sql, 4096);
            ww_buf_addf(&sql, "SELECT shard_num, host_address FROM system.clusters WHERE cluster = ");
            ch_lit_str(&sql, st->cluster, strlen(st->cluster));
            ww_buf_addf(&sql, " AND replica_num = 1 ORDER BY shard_num");
            rc = ww_ch_query(c, sql.p, shard_row, &r, e2, sizeof e2);
            ww_buf_reset(&sql);
            ww_ch_close(c);
        }
        if (rc) {
            snprintf(err, errlen, "%s: %s", st->spec, e2);
        } else if (!st->nshards) {
            snprintf(err, errlen, "%s: the server has no cluster '%s' (remote_servers in its config)",
                     st->spec, st->cluster);
            rc = WW_ERR_ARG;
        } else if (given && given != st->nshards) {
            snprintf(err, errlen, "%s: shards= lists %zu endpoints, cluster '%s' has %zu shards", st->spec,
                     given, st->cluster, st->nshards);
            rc = WW_ERR_ARG;
        }
        if (given) { /* shards= wins over the guessed ports */
            for (size_t i = 0; i < st->nshards; i++) ww_free(st->shard_url[i]);
            ww_free(st->shard_url);
            st->shard_url = keep, st->nshards = given;
        } else {
            ww_free(keep);
        }
    }
    if (!rc) {
        st->pool[CH_HOME].url = ww_strdup(st->shard_url[0]);
        st->pool[CH_HOMEW].url = ww_strdup(st->shard_url[0]);
        for (size_t i = 0; i < st->nshards && !rc; i++) {
            char e2[600];
            rc = schema_ensure(st, st->shard_url[i], e2, sizeof e2);
            if (rc) snprintf(err, errlen, "%s: shard %zu: %s", st->spec, i + 1, e2);
        }
    }
    if (rc) {
        ch_close(&st->base);
        return rc == WW_ERR_FORMAT ? WW_ERR_FORMAT : rc == WW_ERR_ARG ? WW_ERR_ARG : WW_ERR_IO;
    }
    *out = &st->base;
    return WW_OK;
}

static void ch_close(struct ww_store *base)
{
    struct ch_store *st = ch_st(base);
    if (st->det) ch_det_stop(st);
    if (st->committer_on) {
        pthread_mutex_lock(&st->mu);
        st->stop = 1;
        pthread_cond_signal(&st->work);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->committer, NULL);
    }
    pthread_cond_destroy(&st->work);
    pthread_cond_destroy(&st->jobs_done);
    for (int t = 0; t < CH_TARGETS; t++) {
        for (size_t i = 0; i < st->pool[t].nidle; i++) ww_ch_close(st->pool[t].idle[i]);
        ww_free(st->pool[t].url);
    }
    for (size_t i = 0; i < st->nshards; i++) ww_free(st->shard_url[i]);
    ww_free(st->shard_url);
    if (st->password) memset(st->password, 0, strlen(st->password));
    ww_free(st->spec), ww_free(st->db), ww_free(st->cluster), ww_free(st->user), ww_free(st->password);
    ww_free(st->keys);
    for (size_t i = 0; i < st->ninflight; i++) ww_free(st->inflight[i].batch_id);
    ww_free(st->inflight);
    pthread_cond_destroy(&st->keys_cv);
    pthread_mutex_destroy(&st->mu);
    ww_free(st);
}

static int ch_start(struct ww_store *base, const struct ww_store_opts *o, char *err, size_t errlen)
{
    struct ch_store *st = ch_st(base);
    if (st->det) return WW_OK;
    if (o) {
        st->opts = *o;
        if (o->lateness_us > 0) st->lateness_us = o->lateness_us;
    }
    return ch_det_start(st, err, errlen);
}

/* ---- keys ------------------------------------------------------------------- */

static int name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len < 1 || len > 64) return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~') return 0;
    return 1;
}

struct keys_read { struct ch_key *k; size_t n; };

static int key_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct keys_read *r = ctx;
    if (ncol < 6 || !col[1] || len[1] > 64 || !col[2] || len[2] != 32) return 0;
    r->k = ww_realloc(r->k, (r->n + 1) * sizeof *r->k);
    struct ch_key *k = &r->k[r->n++];
    k->id = ch_col_int(col[0], 0);
    memcpy(k->name, col[1], len[1] + 1);
    memcpy(k->hash, col[2], 32);
    k->created = ch_col_int(col[3], 0);
    k->revoked = ch_col_int(col[4], 0);
    k->birth = ch_col_int(col[5], INT64_MIN);
    k->ver = ncol > 6 ? ch_col_int(col[6], 0) : 0;
    return 0;
}

/* Every keys row (the latest of each name), by id. */
static int keys_read(struct ch_store *st, struct keys_read *r)
{
    *r = (struct keys_read){0};
    int rc = ch_query(st, CH_HOME, key_row, r,
                      "SELECT id, name, hash, created, revoked, birth, ver FROM"
                      " (SELECT id, name, hash, created, revoked, birth, ver FROM keys FINAL) ORDER BY id");
    if (rc) ww_free(r->k), *r = (struct keys_read){0};
    return rc;
}

int ch_keys_refresh(struct ch_store *st, int64_t asked)
{
    for (;;) {
        int64_t now = ww_mono_us(), want = asked;
        if (!want) want = now - KEYS_REFRESH_US + 1 > st->keys_min ? now - KEYS_REFRESH_US + 1 : st->keys_min;
        if (st->keys_at && st->keys_at >= want) return WW_OK;
        if (st->keys_reading) { /* wait for it; it serves if it began late enough */
            uint64_t gen = st->keys_gen;
            int serves = st->keys_began >= want;
            while (st->keys_gen == gen) pthread_cond_wait(&st->keys_cv, &st->mu);
            if (serves) return st->keys_rc;
            continue;
        }
        if (st->keys_gen && st->keys_began >= want) return st->keys_rc; /* it failed */
        if (asked && st->keys_gen && now - st->keys_began < KEYS_FORCED_US) {
            long wait_ns = (long)(KEYS_FORCED_US - (now - st->keys_began)) * 1000;
            pthread_mutex_unlock(&st->mu);
            nanosleep(&(struct timespec){0, wait_ns}, NULL);
            pthread_mutex_lock(&st->mu);
            continue; /* another thread's read may have begun since */
        }
        st->keys_reading = 1, st->keys_began = now;
        pthread_mutex_unlock(&st->mu); /* no lock over a request */
        struct keys_read r;
        int rc = keys_read(st, &r);
        pthread_mutex_lock(&st->mu);
        if (!rc) {
            ww_free(st->keys);
            st->keys = r.k, st->nkeys = r.n, st->keys_at = now;
        }
        st->keys_reading = 0, st->keys_rc = rc, st->keys_gen++;
        pthread_cond_broadcast(&st->keys_cv);
        return rc;
    }
}

void ch_keys_stale(struct ch_store *st)
{
    st->keys_min = ww_mono_us() + 1; /* a read begun in this microsecond may be older */
}

static int insert_key(struct ch_store *st, const struct ch_key *k, int64_t ver)
{
    struct ww_buf b;
    ww_buf_init(&b, 4096);
    ch_rb_u64(&b, (uint64_t)k->id);
    ch_rb_str(&b, k->name, strlen(k->name));
    ww_buf_add(&b, k->hash, 32);
    ch_rb_u64(&b, (uint64_t)k->created);
    ch_rb_u64(&b, (uint64_t)k->revoked);
    ch_rb_u64(&b, (uint64_t)k->birth);
    ch_rb_u64(&b, (uint64_t)ver);
    int rc = b.err ? WW_ERR_LIMIT : ch_insert(st, CH_HOME, "keys", "RowBinary", b.p, b.len);
    ww_buf_reset(&b);
    return rc;
}

/* A new keys row for name with the hash (id: one more than any); WW_ERR_ARG
 * if the name is taken. Two adds at once of one name: the later ver wins
 * it and the other is told the name is taken. */
static int key_new(struct ch_store *st, const char *name, const unsigned char hash[32], int64_t *id_out)
{
    if (!name_ok(name)) return WW_ERR_ARG;
    struct keys_read r;
    int rc = keys_read(st, &r);
    if (rc) return WW_ERR_IO;
    struct ch_key k = {0};
    int64_t maxid = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (!strcmp(r.k[i].name, name)) rc = WW_ERR_ARG;
        if (r.k[i].id > maxid) maxid = r.k[i].id;
    }
    ww_free(r.k);
    if (rc) return rc;
    int64_t frontier;
    if (ch_int(st, CH_DB, INT64_MIN, &frontier, "SELECT max(wm) FROM batches WHERE state = 1 HAVING count() > 0"))
        return WW_ERR_IO;
    k.id = maxid + 1;
    snprintf(k.name, sizeof k.name, "%s", name);
    memcpy(k.hash, hash, 32);
    k.created = ww_now_us();
    k.birth = frontier;
    int64_t ver = k.created;
    if (insert_key(st, &k, ver)) return WW_ERR_IO;
    /* did another front-end take the name or the id at the same time? */
    struct ww_buf q;
    ww_buf_init(&q, 1024);
    ww_buf_addf(&q, "SELECT argMax(id, ver) = %lld AND argMax(hash, ver) = unhex('", (long long)k.id);
    for (int i = 0; i < 32; i++) ww_buf_addf(&q, "%02x", hash[i]);
    ww_buf_addf(&q, "') FROM keys WHERE name = ");
    ch_lit_str(&q, name, strlen(name));
    int64_t mine = 0, others = 0;
    rc = ch_int(st, CH_HOME, 0, &mine, "%s", q.p);
    ww_buf_reset(&q);
    if (!rc) rc = ch_int(st, CH_HOME, 0, &others,
                         "SELECT uniqExact(name) FROM keys WHERE id = %lld", (long long)k.id);
    if (rc) return WW_ERR_IO;
    if (!mine) return WW_ERR_ARG;
    if (others > 1) { /* two names on one id: give this one up (id 0: no sensor's) */
        k.revoked = ww_now_us();
        k.id = 0;
        insert_key(st, &k, ver + 1);
        return WW_ERR_IO;
    }
    if (id_out) *id_out = k.id;
    pthread_mutex_lock(&st->mu);
    ch_keys_stale(st); /* read again on next use */
    pthread_mutex_unlock(&st->mu);
    return WW_OK;
}

static void secret_hash(const char *secret, unsigned char out[32])
{
    gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), out);
}

static int key_add(struct ww_store *base, const char *name, char secret[65])
{
    unsigned char raw[32], hash[32];
    if (!name_ok(name)) return WW_ERR_ARG;
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0) return WW_ERR_IO;
    for (int i = 0; i < 32; i++) snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    secret_hash(secret, hash);
    return key_new(ch_st(base), name, hash, NULL);
}

static int key_revoke(struct ww_store *base, const char *name)
{
    struct ch_store *st = ch_st(base);
    struct keys_read r;
    if (keys_read(st, &r)) return WW_ERR_IO;
    int rc = WW_ERR_ARG;
    for (size_t i = 0; i < r.n; i++)
        if (!strcmp(r.k[i].name, name) && !r.k[i].revoked) {
            r.k[i].revoked = ww_now_us();
            /* past the row in force, whoever's clock wrote it */
            rc = insert_key(st, &r.k[i], r.k[i].revoked > r.k[i].ver ? r.k[i].revoked : r.k[i].ver + 1);
        }
    ww_free(r.k);
    if (!rc) {
        pthread_mutex_lock(&st->mu);
        ch_keys_stale(st);
        pthread_mutex_unlock(&st->mu);
    }
    return rc;
}

/* Every live key's hash compared in constant time (no early exit), from
 * the cache; a secret not found reads the keys again once (a key just
 * added on another front-end). */
static int key_check(struct ww_store *base, const char *secret, int64_t *sensor_id, char name[65])
{
    struct ch_store *st = ch_st(base);
    unsigned char hash[32];
    secret_hash(secret, hash);
    int64_t found = 0, asked = ww_mono_us();
    pthread_mutex_lock(&st->mu);
    int rc = ch_keys_refresh(st, 0);
    for (int pass = 0; pass < 2 && !found; pass++) {
        if (pass && ch_keys_refresh(st, asked)) break;
        for (size_t i = 0; i < st->nkeys; i++) {
            unsigned diff = 0;
            for (int j = 0; j < 32; j++) diff |= (unsigned)(st->keys[i].hash[j] ^ hash[j]);
            if (diff == 0 && !st->keys[i].revoked) {
                found = st->keys[i].id;
                if (name) snprintf(name, 65, "%s", st->keys[i].name);
            }
        }
    }
    int empty = !st->keys_at;
    pthread_mutex_unlock(&st->mu);
    if (!found) return rc && empty ? WW_ERR_IO : WW_ERR_ARG;
    *sensor_id = found;
    return WW_OK;
}

struct seen { int64_t *id, *ts; size_t n; };

static int seen_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    (void)len;
    struct seen *s = ctx;
    if (ncol < 2) return 0;
    s->id = ww_realloc(s->id, (s->n + 1) * sizeof *s->id);
    s->ts = ww_realloc(s->ts, (s->n + 1) * sizeof *s->ts);
    s->id[s->n] = ch_col_int(col[0], 0);
    s->ts[s->n++] = ch_col_int(col[1], 0);
    return 0;
}

static int key_list(struct ww_store *base,
                    void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                               int64_t last_seen),
                    void *ctx)
{
    struct ch_store *st = ch_st(base);
    struct keys_read r;
    struct seen s = {0};
    if (keys_read(st, &r)) return WW_ERR_IO;
    int rc = ch_query(st, CH_DB, seen_row, &s, "SELECT sensor, max(ts) FROM batches WHERE state = 1"
                      " GROUP BY sensor");
    for (size_t i = 0; i < r.n && !rc; i++) {
        int64_t last = 0;
        for (size_t j = 0; j < s.n; j++) if (s.id[j] == r.k[i].id) last = s.ts[j];
        fn(ctx, r.k[i].name, r.k[i].created, r.k[i].revoked != 0, last);
    }
    ww_free(r.k), ww_free(s.id), ww_free(s.ts);
    return rc ? WW_ERR_IO : WW_OK;
}

/* ---- DShield keys --------------------------------------------------------------- */

struct ds_row { int64_t key_id, every; char apikey[WW_STORE_APIKEY + 1]; int found; };

static int ds_row_fn(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ds_row *d = ctx;
    if (ncol < 3) return 0;
    d->key_id = ch_col_int(col[0], 0);
    snprintf(d->apikey, sizeof d->apikey, "%.*s", (int)(len[1] < WW_STORE_APIKEY ? len[1] : WW_STORE_APIKEY),
             col[1] ? col[1] : "");
    d->every = ch_col_int(col[2], 1);
    d->found = 1;
    return 1;
}

/* The dshield_keys row of userid (found = 0 if none). */
static int ds_get(struct ch_store *st, int64_t userid, struct ds_row *d)
{
    *d = (struct ds_row){.every = 1};
    return ch_query(st, CH_HOME, ds_row_fn, d,
                    "SELECT key_id, apikey, every FROM (SELECT userid, key_id, apikey, every, ver"
                    " FROM dshield_keys FINAL) WHERE userid = %lld", (long long)userid);
}

static int ds_put(struct ch_store *st, int64_t userid, const struct ds_row *d)
{
    struct ww_buf b;
    ww_buf_init(&b, 1024);
    ch_rb_u64(&b, (uint64_t)userid);
    ch_rb_u64(&b, (uint64_t)d->key_id);
    ch_rb_str(&b, d->apikey, strlen(d->apikey));
    ch_rb_u64(&b, (uint64_t)d->every);
    ch_rb_u64(&b, (uint64_t)ww_now_us());
    int rc = ch_insert(st, CH_HOME, "dshield_keys", "RowBinary", b.p, b.len);
    ww_buf_reset(&b);
    return rc;
}

static const struct ch_key *key_by_id(struct ch_store *st, int64_t id)
{
    for (size_t i = 0; i < st->nkeys; i++) if (st->keys[i].id == id) return &st->keys[i];
    return NULL;
}

static int dshield_add(struct ww_store *base, const char *name, int64_t userid,
                       char apikey[WW_STORE_APIKEY + 1])
{
    struct ch_store *st = ch_st(base);
    if (!name_ok(name) || userid < 1) return WW_ERR_ARG;
    unsigned char raw[WW_STORE_APIKEY / 4 * 3], hash[32];
    gnutls_datum_t in = {raw, sizeof raw}, b64 = {NULL, 0};
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) || gnutls_rnd(GNUTLS_RND_KEY, hash, sizeof hash) ||
        gnutls_base64_encode2(&in, &b64))
        return WW_ERR_IO;
    int ok = b64.size == WW_STORE_APIKEY;
    if (ok) memcpy(apikey, b64.data, WW_STORE_APIKEY), apikey[WW_STORE_APIKEY] = 0;
    gnutls_free(b64.data);
    if (!ok) return WW_ERR_IO;
    struct ds_row d;
    if (ds_get(st, userid, &d)) return WW_ERR_IO;
    if (d.found) { /* the user id is free only if its key was revoked */
        pthread_mutex_lock(&st->mu);
        int rc = ch_keys_refresh(st, ww_mono_us());
        const struct ch_key *k = key_by_id(st, d.key_id);
        int live = k && !k->revoked;
        pthread_mutex_unlock(&st->mu);
        if (rc) return WW_ERR_IO;
        if (live) return WW_ERR_ARG;
    }
    int64_t id;
    int rc = key_new(st, name, hash, &id); /* a bearer secret nobody knows */
    if (rc) return rc;
    d = (struct ds_row){.key_id = id, .every = 1};
    snprintf(d.apikey, sizeof d.apikey, "%s", apikey);
    return ds_put(st, userid, &d);
}

static int dshield_check(struct ww_store *base, int64_t userid, const char *nonce,
                         const char *credentials, int64_t now_us, int64_t *sensor_id, int *replay)
{
    struct ch_store *st = ch_st(base);
    char key[128];
    unsigned char mac[32];
    *replay = 0;
    int klen = snprintf(key, sizeof key, "%s%lld", nonce, (long long)userid);
    if (klen < 0 || (size_t)klen >= sizeof key) return WW_ERR_ARG;
    struct ds_row d;
    if (ds_get(st, userid, &d)) return WW_ERR_IO;
    pthread_mutex_lock(&st->mu);
    int rc = ch_keys_refresh(st, 0);
    const struct ch_key *k = d.found ? key_by_id(st, d.key_id) : NULL;
    int live = k && !k->revoked;
    pthread_mutex_unlock(&st->mu);
    if (!live && rc) return WW_ERR_IO;
    unsigned diff = 1;
    gnutls_datum_t in = {mac, sizeof mac}, b64 = {NULL, 0};
    if (live && !gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, (size_t)klen, d.apikey, strlen(d.apikey), mac) &&
        !gnutls_base64_encode2(&in, &b64)) {
        size_t lc = strlen(credentials);
        diff = lc != b64.size;
        for (size_t i = 0; i < b64.size; i++) diff |= (unsigned)(b64.data[i] ^ (lc ? credentials[i % lc] : 0));
        gnutls_free(b64.data);
    }
    if (diff) return WW_ERR_ARG;
    /* the nonce: seen? then record it (two front-ends checking one nonce at
     * the same instant may both admit it: documented) */
    struct ww_buf q;
    ww_buf_init(&q, 1024);
    ch_lit_str(&q, nonce, strlen(nonce));
    int64_t seen = 0;
    rc = ch_int(st, CH_HOME, 0, &seen, "SELECT count() FROM dshield_nonces WHERE userid = %lld AND nonce = %s",
                (long long)userid, q.p);
    if (!rc && seen) *replay = 1;
    if (!rc && !seen)
        rc = ch_exec(st, CH_HOME, "INSERT INTO dshield_nonces (userid, nonce, ts) VALUES (%lld, %s, %lld)",
                     (long long)userid, q.p, (long long)now_us);
    ww_buf_reset(&q);
    if (rc) return WW_ERR_IO;
    if (!*replay) *sensor_id = d.key_id;
    return WW_OK;
}

static int dshield_sampling(struct ww_store *base, int64_t sensor, int64_t *every, int64_t next)
{
    struct ch_store *st = ch_st(base);
    struct ds_row d = {.every = 1};
    *every = 1;
    int rc = ch_query(st, CH_HOME, ds_row_fn, &d,
                      "SELECT key_id, apikey, every, userid FROM (SELECT userid, key_id, apikey, every, ver"
                      " FROM dshield_keys FINAL) WHERE key_id = %lld", (long long)sensor);
    if (rc) return WW_ERR_IO;
    if (!d.found) return WW_OK;
    if (next > 0) {
        int64_t userid;
        if (ch_int(st, CH_HOME, 0, &userid, "SELECT userid FROM (SELECT userid, key_id, ver FROM"
                   " dshield_keys FINAL) WHERE key_id = %lld", (long long)sensor))
            return WW_ERR_IO;
        d.every = next;
        return ds_put(st, userid, &d);
    }
    if (d.every > 0) *every = d.every;
    return WW_OK;
}

static int dshield_userid(struct ww_store *base, const char *name, int64_t *userid)
{
    struct ch_store *st = ch_st(base);
    struct keys_read r;
    if (keys_read(st, &r)) return WW_ERR_IO;
    int64_t id = 0;
    for (size_t i = 0; i < r.n; i++) if (!strcmp(r.k[i].name, name)) id = r.k[i].id;
    ww_free(r.k);
    if (!id) return WW_ERR_ARG;
    int64_t u = 0;
    if (ch_int(st, CH_HOME, 0, &u, "SELECT userid FROM (SELECT userid, key_id, ver FROM dshield_keys FINAL)"
               " WHERE key_id = %lld", (long long)id))
        return WW_ERR_IO;
    if (!u) return WW_ERR_ARG;
    *userid = u;
    return WW_OK;
}

/* ---- submit ------------------------------------------------------------------------ */

/* ---- submit: group commit ---------------------------------------------------------
 *
 * ClickHouse's cost is per insert (a part per shard in events and in each
 * view's table), not per event, so a front-end commits every batch that
 * came in while the last round ran in one round, as the SQLite writer
 * does: one insert of all their claims, one query for all their rows, one
 * insert of their events, one of their done rows. Each submission waits
 * for its round; throughput grows with the submissions in flight while
 * latency stays at one round. */

#define ROUND_EVENTS (1u << 18) /* events per round, at most (the first batch always goes): an
                                   insert well inside CH_SUBMIT_TIMEOUT_MS */

struct job {
    int64_t sensor;
    const char *batch_id;
    const struct ww_event *ev;
    size_t n;
    int rc, dup, backoff, done, go;
    int others;                 /* live claims of other front-ends seen */
    struct job *next;
};

enum { CLAIM = 0, DONE = 1, WITHDRAWN = 2 };

static void batch_row(struct ww_buf *b, const struct ch_store *st, const struct job *j, uint64_t events,
                      int64_t wm, uint64_t late, int state)
{
    int64_t ts = ww_now_us();
    ch_rb_u64(b, (uint64_t)j->sensor);
    ch_rb_str(b, j->batch_id, strlen(j->batch_id));
    ch_rb_u64(b, (uint64_t)ts);
    ch_rb_u64(b, events);
    ch_rb_u64(b, wm < 0 ? 0 : (uint64_t)wm);
    ch_rb_u64(b, late);
    ch_rb_u64(b, st->frontend);
    ch_rb_u8(b, (uint8_t)state);
    ch_rb_u64(b, (uint64_t)ts | (state == DONE ? CH_DONE_BIT : 0));
}

/* One row per job (those with `which` set, or all) in state, one insert. */
static int batch_rows(struct ch_store *st, struct job *jobs, int state, int only_go)
{
    struct ww_buf b;
    ww_buf_init(&b, (size_t)1 << 30);
    for (struct job *j = jobs; j; j = j->next)
        if (!only_go || j->go) batch_row(&b, st, j, 0, 0, 0, state);
    int rc = b.err ? WW_ERR_LIMIT : b.len ? ch_insert(st, CH_SUBMIT, "batches", "RowBinary", b.p, b.len) : WW_OK;
    ww_buf_reset(&b);
    return rc;
}

/* The rows of the round's (sensor, batch id)s, each front-end's latest
 * (argMax by v): a done row anywhere makes a batch a duplicate; a live
 * claim of another front-end (not withdrawn, younger than
 * CH_CLAIM_STALE_US) makes this one back off. */
struct claims { struct ch_store *st; struct job *jobs; int64_t now; };

static int claim_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct claims *c = ctx;
    if (ncol < 5 || !col[1]) return 0;
    int64_t sensor = ch_col_int(col[0], 0);
    uint64_t fe = (uint64_t)ch_col_int(col[2], 0);
    int state = (int)ch_col_int(col[3], 0);
    int64_t ts = ch_col_int(col[4], 0);
    for (struct job *j = c->jobs; j; j = j->next) {
        if (j->sensor != sensor || strlen(j->batch_id) != len[1] || memcmp(j->batch_id, col[1], len[1]))
            continue;
        if (state == DONE) j->dup = 1;
        else if (state == CLAIM && fe != c->st->frontend && c->now - ts < CH_CLAIM_STALE_US + CH_CLOCK_SKEW_US)
            j->others++; /* another's, and within its time (its clock may run behind ours) */
    }
    return 0;
}

static void round_fail(struct job *jobs, int only_go, int rc)
{
    for (struct job *j = jobs; j; j = j->next)
        if (!only_go || j->go) j->rc = rc;
}

/* One round over the jobs (a list): each job's rc, dup and backoff set. */
static void commit_round(struct ch_store *st, struct job *jobs)
{
    /* on the monotonic clock (a clock stepped back cannot stretch it), from
     * before any claim's time */
    int64_t deadline = ww_mono_us() + CH_CLAIM_STALE_US;
    if (batch_rows(st, jobs, CLAIM, 0)) {
        round_fail(jobs, 0, WW_ERR_IO);
        return;
    }
    struct claims c = {st, jobs, ww_now_us()};
    struct ww_buf q;
    ww_buf_init(&q, (size_t)1 << 26);
    ww_buf_addf(&q, "SELECT sensor, batch_id, frontend, argMax(state, v), argMax(ts, v) FROM batches"
                " WHERE (sensor, batch_id) IN (");
    for (struct job *j = jobs; j; j = j->next) {
        ww_buf_addf(&q, "%s(%lld, ", j == jobs ? "" : ", ", (long long)j->sensor);
        ch_lit_str(&q, j->batch_id, strlen(j->batch_id));
        ww_buf_addf(&q, ")");
    }
    ww_buf_addf(&q, ") GROUP BY sensor, batch_id, frontend");
    int rc = q.err ? WW_ERR_LIMIT : ch_query(st, CH_SUBMIT, claim_row, &c, "%s", q.p);
    ww_buf_reset(&q);
    if (rc) {
        round_fail(jobs, 0, WW_ERR_IO);
        return;
    }
    int backoffs = 0;
    for (struct job *j = jobs; j; j = j->next) {
        j->rc = WW_OK;
        j->go = !j->dup && !j->others;
        if (!j->dup && j->others) j->backoff = 1, j->rc = WW_ERR_IO, backoffs++;
    }
    /* another front-end has those in hand: step aside, they are tried again later */
    for (struct job *j = jobs; j && backoffs; j = j->next) j->go = j->backoff;
    if (backoffs) batch_rows(st, jobs, WITHDRAWN, 1);
    for (struct job *j = jobs; j; j = j->next) j->go = !j->dup && !j->backoff;

    pthread_mutex_lock(&st->mu);
    int64_t release = st->release_us;
    pthread_mutex_unlock(&st->mu);
    struct ww_buf b, done;
    ww_buf_init(&b, (size_t)1 << 31);
    ww_buf_init(&done, (size_t)1 << 30);
    for (struct job *j = jobs; j; j = j->next) {
        if (!j->go) continue;
        int64_t wm = INT64_MIN;
        uint64_t late = 0, records = 0;
        for (size_t i = 0; i < j->n; i++) {
            const struct ww_event *e = &j->ev[i];
            uint32_t count = e->count ? e->count : 1;
            ch_rb_u16(&b, (uint16_t)ww_floordiv(e->ts_us, WW_DAY_US));
            ch_rb_u64(&b, (uint64_t)e->ts_us);
            ch_rb_addr(&b, &e->src);
            ch_rb_addr(&b, &e->dst);
            ch_rb_u16(&b, e->sport);
            ch_rb_u16(&b, e->dport);
            ch_rb_u16(&b, ww_event_port(e));
            ch_rb_u8(&b, e->proto);
            ch_rb_u8(&b, e->tcpflags);
            ch_rb_u8(&b, e->action);
            ch_rb_u8(&b, e->outcome);
            ch_rb_u8(&b, (uint8_t)ww_event_is_reply(e));
            ch_rb_u64(&b, (uint64_t)j->sensor);
            ch_rb_u32(&b, count);
            /* a SYN's fingerprint as text, and its match here (issue 17) */
            char fp[WW_SYNFP_TEXT];
            size_t fpn = e->fp.flags ? ww_synfp_format(&e->fp, fp, sizeof fp) : 0;
            uint16_t os = e->fp.flags && st->base.osdb ? ww_osdb_match(st->base.osdb, &e->fp) : 0;
            const char *name = os ? ww_osdb_name(st->base.osdb, os) : NULL;
            ch_rb_str(&b, fp, fpn);
            ch_rb_u16(&b, name ? os : 0);
            ch_rb_str(&b, name ? name : "", name ? strlen(name) : 0);
            if (e->ts_us > wm) wm = e->ts_us;
            late += e->ts_us < release;
            records += count; /* as SQLite's batches.events: records, not lines */
        }
        batch_row(&done, st, j, records, wm, late, DONE);
    }
    /* the done rows must be in before the claims go stale (CH_CLAIM_STALE_US):
     * the events insert starts only while it and one done insert still fit */
    const int64_t t = CH_SUBMIT_TIMEOUT_MS * 1000LL;
    if (b.err || done.err) rc = WW_ERR_LIMIT;
    else if (b.len && ww_mono_us() + 2 * t >= deadline) rc = WW_ERR_IO, set_why(st, "a commit round ran late");
    else rc = b.len ? ch_insert(st, CH_SUBMIT, "events", "RowBinary", b.p, b.len) : WW_OK;
    ww_buf_reset(&b);
    if (rc) { /* nothing acknowledged: let retries through other front-ends go on at once */
        batch_rows(st, jobs, WITHDRAWN, 1);
        round_fail(jobs, 1, rc == WW_ERR_LIMIT ? rc : WW_ERR_IO);
    } else if (done.len) {
        /* the events are in: say so if at all possible, but only while the claims hold (a
         * batch with no done row is stored again by the retry, its 200 never given) */
        rc = WW_ERR_IO;
        for (int tries = 0; rc && ww_mono_us() + t < deadline; tries++) {
            if (tries) nanosleep(&(struct timespec){0, 200000000}, NULL);
            rc = ch_insert(st, CH_SUBMIT, "batches", "RowBinary", done.p, done.len);
        }
        if (rc) round_fail(jobs, 1, WW_ERR_IO);
    }
    ww_buf_reset(&done);
}

static void *committer_main(void *arg)
{
    struct ch_store *st = arg;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->jobs && !st->stop) pthread_cond_wait(&st->work, &st->mu);
        if (!st->jobs) break;
        /* the jobs queued, up to ROUND_EVENTS events */
        struct job *round = st->jobs, *last = round;
        size_t events = last->n;
        while (last->next && events + last->next->n <= ROUND_EVENTS) events += (last = last->next)->n;
        st->jobs = last->next;
        if (!st->jobs) st->jobs_tail = &st->jobs;
        last->next = NULL;
        pthread_mutex_unlock(&st->mu);
        commit_round(st, round);
        pthread_mutex_lock(&st->mu);
        int failed = 0, any = 0;
        for (struct job *j = round, *next; j; j = next) {
            next = j->next;
            if (!j->backoff) any = 1, failed |= j->rc == WW_ERR_IO;
            if (!j->rc && j->dup) st->counters.duplicates++;
            if (!j->rc && !j->dup) st->counters.batches++, st->counters.events += j->n;
            j->done = 1;
        }
        if (any) st->failed = failed; /* a request failed (why says it), or all went well */
        pthread_cond_broadcast(&st->jobs_done);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/* This process's batches in hand, (sensor, batch id): a second request
 * for one of them waits its turn as another front-end's would (a claim of
 * this front-end does not stop this front-end). Under st->mu. */
static int inflight_take(struct ch_store *st, int64_t sensor, const char *batch_id)
{
    for (size_t i = 0; i < st->ninflight; i++)
        if (st->inflight[i].sensor == sensor && !strcmp(st->inflight[i].batch_id, batch_id)) return 0;
    st->inflight = ww_realloc(st->inflight, (st->ninflight + 1) * sizeof *st->inflight);
    st->inflight[st->ninflight].sensor = sensor;
    st->inflight[st->ninflight++].batch_id = ww_strdup(batch_id);
    return 1;
}

static void inflight_drop(struct ch_store *st, int64_t sensor, const char *batch_id)
{
    for (size_t i = 0; i < st->ninflight; i++)
        if (st->inflight[i].sensor == sensor && !strcmp(st->inflight[i].batch_id, batch_id)) {
            ww_free(st->inflight[i].batch_id);
            st->inflight[i] = st->inflight[--st->ninflight];
            break;
        }
}

static int ch_submit(struct ww_store *base, int64_t sensor_id, const char *batch_id,
                     const struct ww_event *ev, size_t n, int *duplicate)
{
    struct ch_store *st = ch_st(base);
    *duplicate = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].ts_us < 0) return WW_ERR_ARG; /* no Date before 1970 */
    struct job j = {.sensor = sensor_id, .batch_id = batch_id, .ev = ev, .n = n};
    pthread_mutex_lock(&st->mu);
    if (!st->committer_on) {
        if (pthread_create(&st->committer, NULL, committer_main, st)) {
            pthread_mutex_unlock(&st->mu);
            return WW_ERR_IO;
        }
        st->committer_on = 1;
    }
    if (!inflight_take(st, sensor_id, batch_id)) { /* the same batch is in hand here: try again later */
        pthread_mutex_unlock(&st->mu);
        return WW_ERR_IO;
    }
    *st->jobs_tail = &j;
    st->jobs_tail = &j.next;
    pthread_cond_signal(&st->work);
    while (!j.done) pthread_cond_wait(&st->jobs_done, &st->mu);
    inflight_drop(st, sensor_id, batch_id);
    pthread_mutex_unlock(&st->mu);
    *duplicate = !j.rc && j.dup;
    return j.rc;
}

static int ch_status(struct ww_store *base, char *why, size_t len)
{
    struct ch_store *st = ch_st(base);
    pthread_mutex_lock(&st->mu);
    int rc = st->failed ? WW_ERR_IO : WW_OK;
    if (len) snprintf(why, len, "%s", st->failed ? st->why : "");
    pthread_mutex_unlock(&st->mu);
    return rc;
}

static void ch_counters(struct ww_store *base, struct ww_store_counters *out)
{
    struct ch_store *st = ch_st(base);
    pthread_mutex_lock(&st->mu);
    *out = st->counters;
    pthread_mutex_unlock(&st->mu);
}

const struct ww_store_ops ww_store_clickhouse = {
    .open = ch_open, .close = ch_close, .start = ch_start,
    .key_add = key_add, .key_revoke = key_revoke, .key_check = key_check, .key_list = key_list,
    .dshield_add = dshield_add, .dshield_check = dshield_check, .dshield_userid = dshield_userid,
    .dshield_sampling = dshield_sampling,
    .submit = ch_submit, .status = ch_status, .counters = ch_counters, .metrics = chq_metrics,
    .port = chq_port, .porthistory = chq_porthistory, .topports = chq_topports,
    .sources = chq_sources, .ip = chq_ip, .alerts = chq_alerts, .alert_sample = chq_alert_sample, .floods = chq_floods, .active = chq_active,
    .sensors = chq_sensors, .time = chq_time,
    .span = chq_span, .growth = chq_growth, .new_sources = chq_new_sources, /* store_ch_query.c */
    .notices = chq_notices, .notices_pending = chq_notices_pending,
    .notify_cursor = chq_cursor_get, .notify_cursor_set = chq_cursor_set,
    .backscatter = chq_backscatter,
};

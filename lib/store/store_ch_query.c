/* store_ch_query.c -- the ClickHouse engine's read side: every query the API
 * answers, as store.h's rows, with the SQLite engine's meaning
 * (store_query.c is the reference; docs/clickhouse-schema.md's Operations
 * table the plan).
 *
 * Aggregates are states (sumState, uniqCombinedState, ...) kept once per
 * shard and per insert until merges fold them, so every read merges them
 * (sumMerge, uniqCombinedMerge) grouped by the table's key or coarser. The
 * shared small tables (alerts, floods, keys, notices, cursors) are
 * ReplacingMergeTrees on the home shard, read with FINAL (selecting the
 * version column: 18.16 fails without it).
 *
 * History moved from a SQLite store (`store copy`: hist_hour, hist_day,
 * hist_src, hist_bsc on the home shard) holds plain figures, added to what
 * the views answer per bucket: records add, distinct counts add too (an
 * upper bound where a bucket has both, since a count cannot be united with
 * a state), a day's top sources join the day's, a source's totals, ports and
 * days join its own. The queries that add history run on the home shard,
 * which holds the hist tables and, like every shard, the Distributed tables
 * of the views, so each is one statement with UNION ALL. A surge's growth
 * and the sources new in a span read the views only (a plain count cannot
 * tell which sources are new).
 *
 * No SQL is built from unchecked text: numbers are printed from integers
 * (days clamped to what a Date holds), addresses go through ch_lit_addr and
 * strings through ch_lit_str. Rows come back as TabSeparated text, one
 * callback per row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"
#include "store/store_ch.h"
#include "store/store_int.h"

#define LIT_MAX (8u << 20)  /* the literals of one query (10,000 addresses fit) */
#define DAY_MAX 65535       /* the last day a Date holds */
#define HOUR_MAX 4294967295LL

/* An address's text as ww_addr_format writes it (IPv4 dotted, else
 * IPv6's), to break ties as the SQLite store's text columns do. */
#define ADDR_TEXT(c)                                                                         \
    "if(substring(" c ", 1, 12) = unhex('00000000000000000000FFFF'),"                        \
    " IPv4NumToString(reinterpretAsUInt32(reverse(substring(" c ", 13, 4)))),"               \
    " IPv6NumToString(" c "))"

/* the figures of a per-port bucket: the views' merged states, history's plain columns */
#define VIEW_FIG "sumMerge(records) AS r, uniqCombinedMerge(nsrc) AS s," \
                 " uniqCombinedMerge(ndst) AS g, uniqCombinedMerge(nsens) AS n"
#define HIST_FIG "records AS r, nsrc AS s, ndst AS g, nsens AS n"

static long long clamp(long long v, long long lo, long long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void addr_text(const char *col, size_t len, char out[WW_ADDR_STRLEN])
{
    struct ww_addr a;
    if (ch_col_addr(col, len, &a)) snprintf(out, WW_ADDR_STRLEN, "?");
    else ww_addr_format(&a, out);
}

/* The first row's integer columns (up to 8); found = a row came. */
struct ints { int64_t v[8]; int found; };

static int ints_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ints *x = ctx;
    (void)len;
    for (size_t i = 0; i < ncol && i < 8; i++) x->v[i] = ch_col_int(col[i], 0);
    x->found = 1;
    return 1;
}

/* ---- per-port buckets ---- */

enum { A_PORT, A_HIST, A_TOP };
struct aggs { struct ww_store_rows *out; int mode, port; int64_t t; };

/* key columns, then records, sources, targets, sensors */
static int agg_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct aggs *c = ctx;
    (void)len;
    if (ncol < 6) return 0;
    struct ww_store_agg *a = store_row(c->out, sizeof *a);
    a->t = c->mode == A_HIST ? ch_col_int(col[0], 0) : c->t;
    a->port = c->mode == A_TOP ? (int)ch_col_int(col[0], 0) : c->port;
    a->proto = c->mode == A_HIST ? 0 : (int)ch_col_int(col[c->mode == A_TOP], 0);
    a->records = ch_col_int(col[2], 0);
    a->sources = ch_col_int(col[3], 0);
    a->targets = ch_col_int(col[4], 0);
    if (c->mode != A_TOP) a->sensors = ch_col_int(col[5], 0);
    return 0;
}

int chq_port(struct ww_store *base, int port, int64_t day, struct ww_store_rows *out)
{
    if (day < 0 || day > DAY_MAX) return WW_OK;
    struct aggs c = {out, A_PORT, port, day};
    long long d = day;
    return ch_query(ch_st(base), CH_HOME, agg_row, &c,
                    "SELECT proto, proto, sum(r), sum(s), sum(g), sum(n) FROM ("
                    "SELECT proto, " VIEW_FIG " FROM agg_day WHERE d = CAST(%lld AS Date)"
                    " AND port = %d GROUP BY proto"
                    " UNION ALL SELECT proto, " HIST_FIG " FROM hist_day FINAL"
                    " WHERE d = CAST(%lld AS Date) AND port = %d)"
                    " GROUP BY proto ORDER BY proto", d, port, d, port);
}

/* Per bucket over all protocols, as the SQLite query: records and the
 * protocols' distinct counts summed, sensors their largest. */
int chq_porthistory(struct ww_store *base, int port, int64_t from_day, int64_t to_day, int hourly,
                    struct ww_store_rows *out)
{
    long long d0 = clamp(from_day, 0, DAY_MAX), d1 = clamp(to_day, -1, DAY_MAX);
    if (d1 < d0) return WW_OK;
    struct aggs c = {out, A_HIST, port, 0};
    if (hourly)
        return ch_query(ch_st(base), CH_HOME, agg_row, &c,
                        "SELECT t, t, sum(R), sum(S), sum(G), max(N) FROM ("
                        "SELECT t, proto, sum(r) AS R, sum(s) AS S, sum(g) AS G, sum(n) AS N FROM ("
                        "SELECT toInt64(h) AS t, proto, " VIEW_FIG " FROM agg_hour WHERE port = %d"
                        " AND d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)"
                        " AND h BETWEEN %lld AND %lld GROUP BY t, proto"
                        " UNION ALL SELECT toInt64(h) AS t, proto, " HIST_FIG " FROM hist_hour FINAL"
                        " WHERE port = %d AND h BETWEEN %lld AND %lld)"
                        " GROUP BY t, proto) GROUP BY t ORDER BY t",
                        port, d0, d1, d0 * 24, d1 * 24 + 23, port, d0 * 24, d1 * 24 + 23);
    return ch_query(ch_st(base), CH_HOME, agg_row, &c,
                    "SELECT t, t, sum(R), sum(S), sum(G), max(N) FROM ("
                    "SELECT t, proto, sum(r) AS R, sum(s) AS S, sum(g) AS G, sum(n) AS N FROM ("
                    "SELECT toInt64(toUInt16(d)) AS t, proto, " VIEW_FIG " FROM agg_day"
                    " WHERE port = %d AND d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)"
                    " GROUP BY t, proto"
                    " UNION ALL SELECT toInt64(toUInt16(d)) AS t, proto, " HIST_FIG
                    " FROM hist_day FINAL WHERE port = %d"
                    " AND d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date))"
                    " GROUP BY t, proto) GROUP BY t ORDER BY t",
                    port, d0, d1, port, d0, d1);
}

int chq_topports(struct ww_store *base, enum ww_store_by by, int limit, int64_t day,
                 struct ww_store_rows *out)
{
    static const char *const order[3] = {"R", "S", "G"};
    if ((unsigned)by > WW_STORE_BY_TARGETS) return WW_ERR_ARG;
    if (day < 0 || day > DAY_MAX) return WW_OK;
    struct aggs c = {out, A_TOP, 0, day};
    long long d = day;
    return ch_query(ch_st(base), CH_HOME, agg_row, &c,
                    "SELECT port, proto, sum(r) AS R, sum(s) AS S, sum(g) AS G, 0 FROM ("
                    "SELECT port, proto, " VIEW_FIG " FROM agg_day WHERE d = CAST(%lld AS Date)"
                    " GROUP BY port, proto"
                    " UNION ALL SELECT port, proto, " HIST_FIG " FROM hist_day FINAL"
                    " WHERE d = CAST(%lld AS Date))"
                    " GROUP BY port, proto ORDER BY %s DESC, port, proto LIMIT %d",
                    d, d, order[by], limit > 0 ? limit : 10);
}

/* ---- backscatter ---- */

struct bscs { struct ww_store_rows *out; int64_t day; };

static int bsc_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct bscs *c = ctx;
    if (ncol < 6 || !col[0]) return 0;
    struct ww_store_bsc *b = store_row(c->out, sizeof *b);
    addr_text(col[0], len[0], b->victim);
    b->proto = (int)ch_col_int(col[1], 0);
    b->day = c->day;
    b->records = ch_col_int(col[2], 0);
    b->targets = ch_col_int(col[3], 0);
    b->first_us = ch_col_int(col[4], 0);
    b->last_us = ch_col_int(col[5], 0);
    return 0;
}

int chq_backscatter(struct ww_store *base, int64_t day, int limit, struct ww_store_rows *out)
{
    if (day < 0 || day > DAY_MAX || limit == 0) return WW_OK;
    struct bscs c = {out, day};
    long long d = day;
    return ch_query(ch_st(base), CH_HOME, bsc_row, &c,
                    "SELECT victim, proto, sum(r) AS R, sum(g), min(f), max(l) FROM ("
                    "SELECT victim, proto, sumMerge(records) AS r, uniqCombinedMerge(ntgt) AS g,"
                    " minMerge(first) AS f, maxMerge(last) AS l FROM backscatter"
                    " WHERE d = CAST(%lld AS Date) GROUP BY victim, proto"
                    " UNION ALL SELECT victim, proto, records AS r, ntgt AS g, first AS f, last AS l"
                    " FROM hist_bsc FINAL WHERE d = CAST(%lld AS Date))"
                    " GROUP BY victim, proto ORDER BY R DESC, " ADDR_TEXT("victim") ", proto"
                    " LIMIT %d", d, d, limit > 0 ? limit : 1000000);
}

/* ---- sources ---- */

/* Sources are grouped per prefix (ww_store_opts.v4_prefix, v6_prefix) at
 * query time: the views keep each address, and the group of a column of
 * FixedString(16) addresses is this SQL expression (written into b): the
 * address with its bits past the group's prefix cleared, IPv4 (mapped,
 * ::ffff:a.b.c.d) by v4_prefix and IPv6 by v6_prefix. ClickHouse 18.16 has
 * no CIDR functions: whole bytes are kept by substring, a partial byte by
 * bitAnd (unhex(hex(...)) turns it back into one byte). */
static void mask_expr(struct ww_buf *b, const char *col, unsigned bits)
{
    unsigned keep = bits / 8, part = bits % 8, zeros = 16 - keep - (part ? 1 : 0);
    if (bits >= 128) {
        ww_buf_addf(b, "%s", col);
        return;
    }
    ww_buf_addf(b, "toFixedString(concat(substring(%s, 1, %u), ", col, keep);
    if (part)
        ww_buf_addf(b, "unhex(hex(toUInt8(bitAnd(reinterpretAsUInt8(substring(%s, %u, 1)), %u)))), ",
                    col, keep + 1, (0xff00u >> part) & 0xffu);
    ww_buf_addf(b, "unhex('");
    for (unsigned i = 0; i < zeros; i++) ww_buf_addf(b, "00");
    ww_buf_addf(b, "')), 16)");
}

static void group_expr(struct ww_buf *b, const struct ch_store *st, const char *col)
{
    ww_buf_addf(b, "if(substring(%s, 1, 12) = unhex('00000000000000000000ffff'), ", col);
    mask_expr(b, col, 96 + st->base.v4_prefix);
    ww_buf_addf(b, ", ");
    mask_expr(b, col, st->base.v6_prefix);
    ww_buf_addf(b, ")");
}

/* A list of addresses as SQL literals, "a, b, ..." (NULL past LIT_MAX). */
struct srcs {
    struct ww_addr *a;
    int64_t *v;                 /* the ranking's count, or first seen */
    int64_t *w;                 /* records on the port (new_sources) */
    size_t n, cap;
};

static void srcs_free(struct srcs *s)
{
    ww_free(s->a);
    ww_free(s->v);
    ww_free(s->w);
}

/* rows of (address, count[, count]) */
static int srcs_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct srcs *s = ctx;
    struct ww_addr a;
    if (ncol < 2 || !col[0] || ch_col_addr(col[0], len[0], &a)) return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->a = ww_realloc(s->a, s->cap * sizeof *s->a);
        s->v = ww_realloc(s->v, s->cap * sizeof *s->v);
        s->w = ww_realloc(s->w, s->cap * sizeof *s->w);
    }
    s->a[s->n] = a;
    s->v[s->n] = ch_col_int(col[1], 0);
    s->w[s->n++] = ncol > 2 ? ch_col_int(col[2], 0) : 0;
    return 0;
}

/* A source's totals (SQLite's srcs row): filled into the rows of t whose
 * address matches. */
struct totals { const struct ch_store *st; const struct srcs *want; struct ww_store_src *r; char *got; };

static int totals_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct totals *t = ctx;
    struct ww_addr a;
    struct ww_addr rep;
    if (ncol < 9 || !col[0] || ch_col_addr(col[0], len[0], &a) || ch_col_addr(col[8], len[8], &rep))
        return 0;
    for (size_t i = 0; i < t->want->n; i++) {
        if (memcmp(t->want->a[i].b, a.b, 16)) continue;
        struct ww_store_src *r = &t->r[i];
        struct ww_cidr g;
        store_group(&t->st->base, &rep, &g); /* the group's prefix: its CIDR text */
        if (g.len != (g.addr.family == 4 ? 32 : 128)) ww_cidr_format(&g, r->prefix);
        r->addresses = ch_col_int(col[7], 0);
        if (r->addresses <= 1) ww_addr_format(&rep, r->src); /* named by its one address */
        else ww_cidr_format(&g, r->src);
        r->records = ch_col_int(col[1], 0);
        r->targets = ch_col_int(col[2], 0);
        r->ports = ch_col_int(col[3], 0);
        r->sensors = ch_col_int(col[4], 0);
        r->first_us = ch_col_int(col[5], 0);
        r->last_us = ch_col_int(col[6], 0);
        t->got[i] = 1;
    }
    return 0;
}

/* A source's OS (src_os: its best match and that label) into the rows of
 * t whose address matches. */
static int os_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct totals *t = ctx;
    struct ww_addr a;
    if (ncol < 3 || !col[0] || !col[2] || !*col[2] || ch_col_addr(col[0], len[0], &a)) return 0;
    for (size_t i = 0; i < t->want->n; i++) {
        if (memcmp(t->want->a[i].b, a.b, 16)) continue;
        t->r[i].os_match = (uint16_t)ch_col_int(col[1], 0);
        snprintf(t->r[i].os, sizeof t->r[i].os, "%s", col[2]);
    }
    return 0;
}

/* Each source's all-time figures (the views', plus history's with hist),
 * as rows of out in want's order, records replaced by want's count with
 * ranked; a source without figures is left out. */
static int src_totals(struct ch_store *st, const struct srcs *want, int hist, int ranked,
                      struct ww_store_rows *out)
{
    if (!want->n) return WW_OK;
    struct ww_buf in, grp;
    ww_buf_init(&in, LIT_MAX);
    ww_buf_init(&grp, 1024);
    for (size_t i = 0; i < want->n; i++) {
        if (i) ww_buf_add(&in, ", ", 2);
        ch_lit_addr(&in, &want->a[i]);
    }
    group_expr(&grp, st, "src");
    if (in.err || grp.err) {
        ww_buf_reset(&in);
        ww_buf_reset(&grp);
        return WW_ERR_LIMIT;
    }
    /* per group (want: groups' masked addresses): its addresses' figures
     * together, its distinct addresses (the views' and history's, an address
     * in both once) and its smallest (SQLite's rep) */
    struct totals t = {st, want, ww_calloc(want->n, sizeof *t.r), ww_calloc(want->n, 1)};
    int rc = ch_query(st, hist ? CH_HOME : CH_DB, totals_row, &t,
                      "SELECT grp, sum(r), sum(g), sum(p), sum(n), min(f), max(l), uniqExactArray(a), min(m)"
                      " FROM (SELECT %s AS grp, sumMerge(records) AS r, uniqCombinedMerge(ntgt) AS g,"
                      " uniqExact(port, proto) AS p, uniqCombinedMerge(nsens) AS n,"
                      " minMerge(first) AS f, maxMerge(last) AS l, groupUniqArray(src) AS a,"
                      " min(src) AS m FROM agg_src"
                      " WHERE grp IN (%s) GROUP BY grp%s%s%s%s%s) GROUP BY grp",
                      grp.p, in.p,
                      hist ? " UNION ALL SELECT " : "", hist ? grp.p : "",
                      hist ? " AS grp, sum(records) AS r, sum(ntgt) AS g, sum(nport) AS p,"
                             " sum(nsens) AS n, min(first) AS f, max(last) AS l,"
                             " groupUniqArray(src) AS a, min(src) AS m FROM hist_src FINAL"
                             " WHERE grp IN (" : "",
                      hist ? in.p : "", hist ? ") GROUP BY grp" : "");
    if (!rc)
        rc = ch_query(st, hist ? CH_HOME : CH_DB, os_row, &t,
                      "SELECT %s AS grp, minMerge(os_min), argMinMerge(os_label) FROM src_os"
                      " WHERE grp IN (%s) GROUP BY grp", grp.p, in.p);
    ww_buf_reset(&grp);
    for (size_t i = 0; !rc && i < want->n; i++) {
        if (!t.got[i]) continue;
        struct ww_store_src *r = store_row(out, sizeof *r);
        *r = t.r[i];
        if (ranked) r->records = want->v[i];
    }
    ww_buf_reset(&in);
    ww_free(t.r);
    ww_free(t.got);
    return rc;
}

/* Top sources: the day's (or the port's last 30 days') records per source
 * from agg_src (probes only, as SQLite's top tallies) and hist_day's top
 * sources, ranked; then each one's all-time figures. "Last" is the latest
 * day with data not after today, as store_query.c's q_sources. */
int chq_sources(struct ww_store *base, int limit, int port, int64_t now_us,
                struct ww_store_rows *out)
{
    struct ch_store *st = ch_st(base);
    char on_port[32] = "";
    if (limit <= 0) limit = 10;
    if (port >= 0) snprintf(on_port, sizeof on_port, " AND port = %d", port);
    long long today = now_us / WW_DAY_US;
    if (today < 0) return WW_OK;
    today = clamp(today, 0, DAY_MAX);
    struct ints last = {{0}, 0};
    int rc = ch_query(st, CH_HOME, ints_row, &last,
                      "SELECT toInt64(toUInt16(max(d))), count() FROM ("
                      "SELECT d FROM agg_day WHERE d <= CAST(%lld AS Date)%s GROUP BY d"
                      " UNION ALL SELECT d FROM hist_day WHERE d <= CAST(%lld AS Date)%s)",
                      today, on_port, today, on_port);
    if (rc || !last.v[1]) return rc;
    long long d1 = last.v[0], d0 = port >= 0 ? clamp(d1 - 29, 0, DAY_MAX) : d1;
    struct srcs top = {0};
    struct ww_buf grp;
    ww_buf_init(&grp, 1024);
    group_expr(&grp, st, "src");
    if (grp.err) return WW_ERR_LIMIT;
    rc = ch_query(st, CH_HOME, srcs_row, &top,
                  "SELECT %s AS grp, sum(r) AS R FROM ("
                  "SELECT src, sumMerge(records) AS r FROM agg_src"
                  " WHERE d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)%s GROUP BY src"
                  " UNION ALL SELECT s AS src, c AS r FROM (SELECT top_src, top_records"
                  " FROM hist_day FINAL WHERE d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)%s)"
                  " ARRAY JOIN top_src AS s, top_records AS c)"
                  " GROUP BY grp ORDER BY R DESC, grp LIMIT %d",
                  grp.p, d0, d1, on_port, d0, d1, on_port, limit);
    ww_buf_reset(&grp);
    if (!rc) rc = src_totals(st, &top, 1, port >= 0, out);
    srcs_free(&top);
    return rc;
}

/* ---- one source ---- */

struct ipc { struct ww_store_ip *ip; int days; };

static int ip_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ipc *c = ctx;
    struct ww_store_ip *ip = c->ip;
    (void)len;
    if (c->days) {
        if (ncol < 2 || ip->ndays >= WW_STORE_IP_DAYS) return 0;
        ip->days[ip->ndays].day = ch_col_int(col[0], 0);
        ip->days[ip->ndays++].records = ch_col_int(col[1], 0);
    } else {
        if (ncol < 3 || ip->nports >= WW_STORE_IP_PORTS) return 0;
        ip->ports[ip->nports].port = (int)ch_col_int(col[0], 0);
        ip->ports[ip->nports].proto = (int)ch_col_int(col[1], 0);
        ip->ports[ip->nports++].records = ch_col_int(col[2], 0);
    }
    return 0;
}

int chq_ip(struct ww_store *base, const struct ww_cidr *key, struct ww_store_ip *out)
{
    struct ch_store *st = ch_st(base);
    struct ww_cidr g; /* only a group's own prefix names one (a /48 under /64 does not) */
    store_group(base, &key->addr, &g);
    if (g.len != key->len) return WW_ERR_ARG;
    const struct ww_addr *a = &key->addr;
    struct ww_addr addr = *a;
    int64_t none = 0;
    struct srcs one = {.a = &addr, .v = &none, .n = 1};
    struct ww_store_rows r = {0};
    int rc = src_totals(st, &one, 1, 0, &r);
    if (!rc && !r.n) rc = WW_ERR_ARG;
    if (!rc) out->src = r.src[0];
    ww_store_rows_free(&r);
    if (rc) return rc;
    struct ww_buf lit, grp;
    ww_buf_init(&lit, 128);
    ww_buf_init(&grp, 1024);
    ch_lit_addr(&lit, a);
    group_expr(&grp, st, "src");
    if (lit.err || grp.err) {
        ww_buf_reset(&lit);
        ww_buf_reset(&grp);
        return WW_ERR_LIMIT;
    }
    /* heaviest ports first (ties by port, proto: the SQLite tally's order) */
    struct ipc c = {out, 0};
    rc = ch_query(st, CH_HOME, ip_row, &c,
                  "SELECT port, proto, sum(r) AS R FROM ("
                  "SELECT port, proto, sumMerge(records) AS r FROM agg_src WHERE %s = %s"
                  " GROUP BY port, proto"
                  " UNION ALL SELECT toUInt16(intDiv(k, 256)) AS port, toUInt8(k %% 256) AS proto,"
                  " c AS r FROM (SELECT ports, port_records FROM hist_src FINAL WHERE %s = %s)"
                  " ARRAY JOIN ports AS k, port_records AS c)"
                  " GROUP BY port, proto ORDER BY R DESC, port, proto LIMIT %d",
                  grp.p, lit.p, grp.p, lit.p, WW_STORE_IP_PORTS);
    /* the newest days, then oldest first */
    c.days = 1;
    if (!rc)
        rc = ch_query(st, CH_HOME, ip_row, &c,
                      "SELECT t, sum(r) FROM ("
                      "SELECT toUInt16(d) AS t, sumMerge(records) AS r FROM agg_src WHERE %s = %s"
                      " GROUP BY t"
                      " UNION ALL SELECT t, c AS r FROM (SELECT days, day_records FROM hist_src FINAL"
                      " WHERE %s = %s) ARRAY JOIN days AS t, day_records AS c)"
                      " GROUP BY t ORDER BY t DESC LIMIT %d",
                      grp.p, lit.p, grp.p, lit.p, WW_STORE_IP_DAYS);
    ww_buf_reset(&grp);
    for (size_t i = 0; i < out->ndays / 2; i++) {
        size_t j = out->ndays - 1 - i;
        int64_t day = out->days[i].day, records = out->days[i].records;
        out->days[i] = out->days[j];
        out->days[j].day = day;
        out->days[j].records = records;
    }
    ww_buf_reset(&lit);
    return rc;
}

/* ---- alerts and floods (home) ---- */

#define ALERT_COLS "port, proto, start, alert, sources, new_sources, baseline_new, score," \
                   " explanation, end, side, kind, sensors, new_targets, new_per_bucket," \
                   " growth_per_hour, doubling_s, population, saturation, ver," \
                   " intDiv(length(sample), 17), os_mix"

static void text(char *dst, size_t len, const char *col)
{
    snprintf(dst, len, "%s", col ? col : "");
}

static double dbl(const char *col)
{
    return col ? strtod(col, NULL) : 0;
}

static int alert_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ww_store_rows *out = ctx;
    (void)len;
    if (ncol < 19) return 0;
    struct ww_store_alert *a = store_row(out, sizeof *a);
    a->port = (int)ch_col_int(col[0], 0);
    a->proto = (int)ch_col_int(col[1], 0);
    a->start_us = ch_col_int(col[2], 0);
    a->alert_us = ch_col_int(col[3], 0);
    a->sources = ch_col_int(col[4], 0);
    a->new_sources = ch_col_int(col[5], 0);
    a->baseline_new = dbl(col[6]);
    a->score = dbl(col[7]);
    text(a->explanation, sizeof a->explanation, col[8]);
    a->end_us = ch_col_int(col[9], 0);
    text(a->side, sizeof a->side, col[10]);
    text(a->kind, sizeof a->kind, col[11]);
    a->sensors = ch_col_int(col[12], 0);
    a->new_targets = ch_col_int(col[13], 0);
    const char *nb = col[14];
    for (char *end; nb && *nb && a->nbuckets < WW_STORE_BUCKETS; nb = *end ? end + 1 : end) {
        a->new_per_bucket[a->nbuckets++] = strtoll(nb, &end, 10);
        if (end == nb) break;
    }
    a->growth_per_hour = dbl(col[15]);
    a->doubling_s = dbl(col[16]);
    a->population = dbl(col[17]);
    a->saturation_us = ch_col_int(col[18], 0);
    if (ncol >= 22) {
        a->sampled = (uint32_t)ch_col_int(col[20], 0);
        if (col[21] && *col[21]) store_alert_os_mix(a, col[21]);
    }
    return 0;
}

struct sample { struct ww_addr *a; size_t *n; int found; };

static int sample_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct sample *s = ctx;
    unsigned char b[WW_SURGE_SAMPLE * 17];
    size_t n = 0;
    if (ncol < 1 || !col[0]) return 0;
    for (size_t i = 0; i + 1 < len[0] && n < sizeof b; i += 2) {
        int hi = ww_hexval(col[0][i]), lo = ww_hexval(col[0][i + 1]);
        if (hi < 0 || lo < 0) return 0;
        b[n++] = (unsigned char)(hi << 4 | lo);
    }
    *s->n = store_alert_sample_decode(b, n, s->a);
    s->found = 1;
    return 1;
}

int chq_alert_sample(struct ww_store *base, int port, int proto, int64_t start_us, struct ww_addr *a,
                     size_t *n)
{
    struct sample s = {a, n, 0};
    int rc = ch_query(ch_st(base), CH_HOME, sample_row, &s,
                      "SELECT hex(argMax(sample, ver)) FROM alerts WHERE port = %d AND proto = %d"
                      " AND start = %lld GROUP BY port, proto, start", port, proto, (long long)start_us);
    return rc ? rc : s.found ? WW_OK : WW_ERR_ARG;
}

/* SQLite's order is the insertion order (id); alert time then start is its
 * stable stand-in. */
int chq_alerts(struct ww_store *base, int limit, struct ww_store_rows *out)
{
    return ch_query(ch_st(base), CH_HOME, alert_row, out,
                    "SELECT " ALERT_COLS " FROM alerts FINAL ORDER BY alert DESC, start DESC LIMIT %d",
                    limit > 0 ? limit : 20);
}

int chq_active(struct ww_store *base, int64_t now_us, struct ww_store_rows *out)
{
    if (now_us < 0) return WW_OK;
    return ch_query(ch_st(base), CH_HOME, alert_row, out,
                    "SELECT " ALERT_COLS " FROM alerts FINAL WHERE end >= %lld AND alert <= %lld"
                    " ORDER BY score DESC, alert DESC, start DESC",
                    (long long)clamp(now_us - WW_DAY_US, 0, INT64_MAX), (long long)now_us);
}

static int flood_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct ww_store_rows *out = ctx;
    if (ncol < 7 || !col[0]) return 0;
    struct ww_store_flood *f = store_row(out, sizeof *f);
    addr_text(col[0], len[0], f->target);
    f->port = (int)ch_col_int(col[1], 0);
    f->proto = (int)ch_col_int(col[2], 0);
    f->start_us = ch_col_int(col[3], 0);
    f->end_us = ch_col_int(col[4], 0);
    f->sources = ch_col_int(col[5], 0);
    f->records = ch_col_int(col[6], 0);
    return 0;
}

int chq_floods(struct ww_store *base, int limit, int64_t day, struct ww_store_rows *out)
{
    char on[96] = "";
    if (day != INT64_MIN) {
        day = clamp(day, -1, INT64_MAX / WW_DAY_US - 1);
        snprintf(on, sizeof on, " WHERE end >= %lld AND start < %lld",
                 (long long)clamp(day * WW_DAY_US, 0, INT64_MAX),
                 (long long)clamp((day + 1) * WW_DAY_US, 0, INT64_MAX));
    }
    return ch_query(ch_st(base), CH_HOME, flood_row, out,
                    "SELECT target, port, proto, start, end, sources, records, ver FROM floods FINAL%s"
                    " ORDER BY start DESC, ver DESC LIMIT %d", on, limit > 0 ? limit : 20);
}

/* ---- sensors ---- */

struct sens { struct ww_store_rows *out; int64_t *id, *birth; size_t cap; };

/* keys FINAL: id, name, created, revoked, birth */
static int key_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct sens *c = ctx;
    (void)len;
    if (ncol < 5) return 0;
    if (c->out->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->id = ww_realloc(c->id, c->cap * sizeof *c->id);
        c->birth = ww_realloc(c->birth, c->cap * sizeof *c->birth);
    }
    c->id[c->out->n] = ch_col_int(col[0], 0);
    c->birth[c->out->n] = ch_col_int(col[4], INT64_MIN);
    struct ww_store_sensor *r = store_row(c->out, sizeof *r);
    text(r->name, sizeof r->name, col[1]);
    r->created_us = ch_col_int(col[2], 0);
    r->revoked = ch_col_int(col[3], 0) != 0;
    r->wm_us = INT64_MIN;
    return 0;
}

/* batches per sensor: sensor, events in the hour, day, batches in the
 * day, events in the minute, last seen, wm, batches with events, late */
static int batch_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct sens *c = ctx;
    (void)len;
    if (ncol < 9) return 0;
    int64_t id = ch_col_int(col[0], 0);
    for (size_t i = 0; i < c->out->n; i++) {
        if (c->id[i] != id) continue;
        struct ww_store_sensor *r = &c->out->sensor[i];
        r->events_hour = ch_col_int(col[1], 0);
        r->events_day = ch_col_int(col[2], 0);
        r->batches_day = ch_col_int(col[3], 0);
        r->events_minute = ch_col_int(col[4], 0);
        r->last_us = ch_col_int(col[5], 0);
        if (ch_col_int(col[7], 0)) r->wm_us = ch_col_int(col[6], INT64_MIN);
        r->late = ch_col_int(col[8], 0);
    }
    return 0;
}

/* Keys from home, each one's submissions from its done batches (a batch's
 * done row once, however often it was written); stale and holding from
 * the watermarks as a store without a running hold judges them. */
int chq_sensors(struct ww_store *base, int64_t now_us, struct ww_store_rows *out)
{
    struct ch_store *st = ch_st(base);
    struct sens c = {out, NULL, NULL, 0};
    int rc = ch_query(st, CH_HOME, key_row, &c,
                      "SELECT id, name, created, revoked, birth, ver FROM keys FINAL ORDER BY name");
    if (!rc && out->n)
        rc = ch_query(st, CH_DB, batch_row, &c,
                      "SELECT sensor, sumIf(events, ts >= %lld), sumIf(events, ts >= %lld),"
                      " countIf(ts >= %lld), sumIf(events, ts >= %lld), max(ts),"
                      " maxIf(wm, events > 0), countIf(events > 0), sum(late) FROM ("
                      "SELECT sensor, batch_id, any(ts) AS ts, any(events) AS events, any(wm) AS wm,"
                      " any(late) AS late FROM batches WHERE state = 1 GROUP BY sensor, batch_id)"
                      " GROUP BY sensor",
                      (long long)clamp(now_us - WW_HOUR_US, 0, INT64_MAX),
                      (long long)clamp(now_us - WW_DAY_US, 0, INT64_MAX),
                      (long long)clamp(now_us - WW_DAY_US, 0, INT64_MAX),
                      (long long)clamp(now_us - WW_MIN_US, 0, INT64_MAX));
    int64_t frontier = INT64_MIN;
    for (size_t i = 0; i < out->n; i++)
        if (out->sensor[i].wm_us > frontier) frontier = out->sensor[i].wm_us;
    int64_t lateness = st->lateness_us > 0 ? st->lateness_us : WW_HOLD_LATENESS_US;
    for (size_t i = 0; i < out->n; i++) {
        struct ww_store_sensor *r = &out->sensor[i];
        r->stale = ww_hold_is_stale(frontier, lateness, INT64_MIN, r->wm_us, c.birth[i]);
        r->holding = !r->revoked && !r->stale;
    }
    ww_free(c.id);
    ww_free(c.birth);
    return rc;
}

int chq_time(struct ww_store *base, struct ww_store_time *out)
{
    return ch_det_time(ch_st(base), out);
}

/* ---- history ---- */

/* The first day with data, and the latest not after today (views and history). */
int chq_span(struct ww_store *base, int64_t now_us, int64_t *first_day, int64_t *last_day)
{
    long long today = now_us / WW_DAY_US;
    if (today < 0) return WW_OK;
    struct ints x = {{0}, 0};
    int rc = ch_query(ch_st(base), CH_HOME, ints_row, &x,
                      "SELECT toInt64(toUInt16(min(d))), toInt64(toUInt16(maxIf(d, d <= CAST(%lld AS Date)))),"
                      " countIf(d <= CAST(%lld AS Date)) FROM ("
                      "SELECT d FROM agg_day GROUP BY d UNION ALL SELECT d FROM hist_day GROUP BY d)",
                      (long long)clamp(today, 0, DAY_MAX), (long long)clamp(today, 0, DAY_MAX));
    if (!rc && x.found && x.v[2]) {
        *first_day = x.v[0];
        *last_day = x.v[1];
    }
    return rc;
}

/* rows (hour, the running count) of the "seen" union */
struct seen { int64_t h[WW_STORE_GROWTH_HOURS + 2], n[WW_STORE_GROWTH_HOURS + 2]; size_t len; };

static int seen_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct seen *s = ctx;
    (void)len;
    if (ncol < 2 || s->len >= sizeof s->h / sizeof *s->h) return 0;
    s->h[s->len] = ch_col_int(col[0], 0);
    s->n[s->len++] = ch_col_int(col[1], 0);
    return 0;
}

struct grow { struct ww_store_rows *out; const struct seen *seen; int64_t base, before, end; };

/* hour, records, sources, running union of the surge's hours */
static int grow_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct grow *c = ctx;
    (void)len;
    if (ncol < 4) return 0;
    int64_t h = ch_col_int(col[0], 0), after = c->before;
    for (size_t i = 0; i < c->seen->len; i++)
        if (c->seen->h[i] == h) after = c->seen->n[i];
    if (after < c->before) after = c->before; /* estimates: never let a union shrink */
    struct ww_store_growth *g = store_row(c->out, sizeof *g);
    g->hour = h;
    g->records = ch_col_int(col[1], 0);
    g->sources = ch_col_int(col[2], 0);
    g->new_sources = after - c->before;
    g->sources_so_far = ch_col_int(col[3], 0);
    g->new_so_far = after - c->base;
    g->in_progress = h == c->end;
    c->before = after;
    return 0;
}

/* store_query.c's q_growth on the views only (history's plain counts
 * cannot say which sources are new): the port's sources of the
 * WW_STORE_GROWTH_DAYS days before from_hour's day and of that day's hours
 * before it are "seen" (bucket -1), then each hour of the surge; the
 * running union of the merged states (runningAccumulate) gives "seen"
 * after each hour, a second one over the surge's hours alone "during". */
int chq_growth(struct ww_store *base, int port, int proto, int64_t from_hour, int64_t end_hour,
               struct ww_store_rows *out)
{
    struct ch_store *st = ch_st(base);
    if (end_hour < 0) return WW_OK;
    long long h0 = clamp(from_hour, 0, HOUR_MAX), h1 = clamp(end_hour, 0, HOUR_MAX);
    long long day = ww_floordiv(from_hour, 24);
    struct ints later = {{0}, 0};
    int rc = ch_query(st, CH_DB, ints_row, &later,
                      "SELECT 1 FROM agg_hour WHERE port = %d AND proto = %d AND h > %lld LIMIT 1",
                      port, proto, h1);
    if (rc) return rc;
    long long last = later.found ? h1 - 1 : h1;
    if (last < h0) return WW_OK;
    long long dlast = clamp(ww_floordiv(last, 24), 0, DAY_MAX);
    char where[160];
    snprintf(where, sizeof where, "port = %d AND proto = %d AND d BETWEEN CAST(%lld AS Date)"
             " AND CAST(%lld AS Date)", port, proto, clamp(day, 0, DAY_MAX), dlast);
    struct seen *seen = ww_calloc(1, sizeof *seen);
    rc = ch_query(st, CH_DB, seen_row, seen,
                  "SELECT k, runningAccumulate(x) FROM (SELECT k, uniqCombinedMergeState(nsrc) AS x FROM ("
                  "SELECT toInt64(-1) AS k, nsrc FROM agg_day WHERE port = %d AND proto = %d"
                  " AND d BETWEEN CAST(%lld AS Date) AND CAST(%lld AS Date)"
                  " UNION ALL SELECT toInt64(-1) AS k, nsrc FROM agg_hour WHERE %s AND h BETWEEN %lld AND %lld"
                  " UNION ALL SELECT toInt64(h) AS k, nsrc FROM agg_hour WHERE %s AND h BETWEEN %lld AND %lld)"
                  " GROUP BY k ORDER BY k)",
                  port, proto, clamp(day - WW_STORE_GROWTH_DAYS, 0, DAY_MAX),
                  clamp(day - 1, -1, DAY_MAX), where, clamp(day * 24, 0, HOUR_MAX), h0 - 1,
                  where, h0, last);
    struct grow g = {out, seen, 0, 0, end_hour};
    if (seen->len && seen->h[0] == -1) g.base = g.before = seen->n[0];
    if (!rc)
        rc = ch_query(st, CH_DB, grow_row, &g,
                      "SELECT k, r, s, runningAccumulate(x) FROM (SELECT toInt64(h) AS k,"
                      " sumMerge(records) AS r, uniqCombinedMerge(nsrc) AS s,"
                      " uniqCombinedMergeState(nsrc) AS x FROM agg_hour WHERE %s"
                      " AND h BETWEEN %lld AND %lld GROUP BY k ORDER BY k)",
                      where, h0, last);
    ww_free(seen);
    return rc;
}

/* Sources first seen (src_seen, the views only) from from_us to to_us with
 * records on port, earliest first; their figures from the views. */
int chq_new_sources(struct ww_store *base, int port, int64_t from_us, int64_t to_us, int limit,
                    struct ww_store_rows *out, int64_t *total)
{
    struct ch_store *st = ch_st(base);
    if (to_us < 0 || to_us < from_us) return WW_OK;
    long long t0 = clamp(from_us, 0, INT64_MAX), t1 = to_us;
    struct srcs all = {0};
    struct ww_buf grp; /* per group: first seen the earliest of its addresses */
    ww_buf_init(&grp, 1024);
    group_expr(&grp, st, "src");
    if (grp.err) return WW_ERR_LIMIT;
    int rc = ch_query(st, CH_DB, srcs_row, &all,
                      "SELECT grp, f, o FROM ("
                      "SELECT %s AS grp, min(f0) AS f FROM (SELECT src, minMerge(first) AS f0"
                      " FROM src_seen GROUP BY src) GROUP BY grp"
                      " HAVING f BETWEEN %lld AND %lld) ANY INNER JOIN ("
                      "SELECT %s AS grp, sum(o0) AS o FROM (SELECT src, sumMerge(records) AS o0"
                      " FROM agg_src WHERE port = %d"
                      " AND d >= CAST(%lld AS Date) GROUP BY src) GROUP BY grp) USING grp"
                      " ORDER BY f, " ADDR_TEXT("grp"),
                      grp.p, t0, t1, grp.p, port, clamp(ww_floordiv(t0, WW_DAY_US), 0, DAY_MAX));
    ww_buf_reset(&grp);
    if (rc) {
        srcs_free(&all);
        return rc;
    }
    *total += (int64_t)all.n;
    if (limit < 0) limit = 0;
    if (all.n > (size_t)limit) all.n = (size_t)limit;
    for (size_t i = 0; i < all.n; i++) all.v[i] = all.w[i]; /* records: on the port */
    rc = src_totals(st, &all, 0, 1, out);
    srcs_free(&all);
    return rc;
}

/* ---- notices and cursors (home) ---- */

struct notes {
    int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body);
    void *ctx;
};

static int note_row(void *ctx, char *const *col, const size_t *len, size_t ncol)
{
    struct notes *c = ctx;
    (void)len;
    if (ncol < 4) return 0;
    return c->fn(c->ctx, ch_col_int(col[0], 0), col[1] ? col[1] : "", ch_col_int(col[2], 0),
                 col[3] ? col[3] : "");
}

int chq_notices(struct ww_store *base, int64_t after, int limit,
                int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                          const char *body),
                void *ctx)
{
    struct notes c = {fn, ctx};
    if (limit == 0) return WW_OK;
    return ch_query(ch_st(base), CH_HOME, note_row, &c,
                    "SELECT id, kind, created, body FROM notices FINAL WHERE id > %lld"
                    " ORDER BY id LIMIT %d", (long long)clamp(after, -1, INT64_MAX),
                    limit > 0 ? limit : 1000000000)
        ? WW_ERR_IO : WW_OK;
}

int chq_notices_pending(struct ww_store *base, int64_t after, int64_t *count, int64_t *last)
{
    struct ints x = {{0}, 0};
    if (ch_query(ch_st(base), CH_HOME, ints_row, &x,
                 "SELECT countIf(id > %lld), max(id) FROM (SELECT id FROM notices FINAL)",
                 (long long)clamp(after, -1, INT64_MAX)) || !x.found)
        return WW_ERR_IO;
    *count = x.v[0];
    *last = x.v[1];
    return WW_OK;
}

int chq_cursor_get(struct ww_store *base, const char *target, int64_t *last_id)
{
    struct ww_buf lit;
    ww_buf_init(&lit, 1 << 16);
    ch_lit_str(&lit, target, strlen(target));
    if (lit.err) return WW_ERR_ARG;
    struct ints x = {{0}, 0};
    int rc = ch_query(ch_st(base), CH_HOME, ints_row, &x,
                      "SELECT max(last_id), count() FROM notify_cursors WHERE target = %s", lit.p);
    ww_buf_reset(&lit);
    if (rc || !x.found) return WW_ERR_IO;
    if (!x.v[1]) return WW_ERR_ARG;
    *last_id = x.v[0];
    return WW_OK;
}

/* A new row: the largest last_id wins (ReplacingMergeTree(last_id)), so two
 * notifiers never move a cursor back. */
int chq_cursor_set(struct ww_store *base, const char *target, int64_t last_id)
{
    struct ww_buf b;
    ww_buf_init(&b, 1 << 16);
    ww_ch_tsv_escape(&b, target, strlen(target));
    ww_buf_addf(&b, "\t%lld\n", (long long)clamp(last_id, 0, INT64_MAX));
    int rc = b.err ? WW_ERR_ARG
                   : ch_insert(ch_st(base), CH_HOME, "notify_cursors", "TabSeparated", b.p, b.len);
    ww_buf_reset(&b);
    return rc;
}

/* ---- metrics ---- */

/* The bytes of this database's tables and the raw events' rows, summed
 * over the shards (system.parts is each server's own). */
static int parts(struct ch_store *st, int64_t *bytes, int64_t *rows)
{
    static const char sql[] = "SELECT sum(bytes_on_disk), sumIf(rows, table = 'events_local')"
                              " FROM system.parts WHERE active AND database = currentDatabase()";
    char err[256];
    for (size_t i = 0; i < st->nshards; i++) {
        struct ww_ch *c;
        struct ints x = {{0}, 0};
        if (ww_ch_open(&c, st->shard_url[i], st->user, st->password, CH_TIMEOUT_MS, CH_ANSWER_MAX,
                       err, sizeof err))
            return WW_ERR_IO;
        int rc = ww_ch_query(c, sql, ints_row, &x, err, sizeof err);
        ww_ch_close(c);
        if (rc) return rc;
        *bytes += x.v[0];
        *rows += x.v[1];
    }
    return WW_OK;
}

static int64_t home_int(struct ch_store *st, const char *sql)
{
    int64_t v = 0;
    ch_int(st, CH_HOME, 0, &v, "%s", sql);
    return v;
}

int chq_metrics(struct ww_store *base, FILE *out)
{
    struct ch_store *st = ch_st(base);
    struct ww_store_counters c;
    int64_t bytes = 0, rows = 0;
    base->ops->counters(base, &c);
    parts(st, &bytes, &rows);
    const struct store_gauge m[] = {
        {"wormwatch_store_file_bytes", "Bytes of the store's tables on disk, all shards", bytes},
        {"wormwatch_store_event_rows", "Raw events stored, all shards", rows},
        {"wormwatch_store_sources", "Distinct sources in the store", (int64_t)c.sources},
        {"wormwatch_store_alerts", "Surge alerts in the store",
         home_int(st, "SELECT uniqExact(port, proto, start) FROM alerts")},
        {"wormwatch_store_floods", "Floods in the store (many sources on one target: never alerts)",
         home_int(st, "SELECT uniqExact(target, port, proto, start) FROM floods")},
        {"wormwatch_store_sensor_keys", "Live sensor keys",
         home_int(st, "SELECT countIf(r = 0) FROM (SELECT name, argMax(revoked, ver) AS r"
                      " FROM keys GROUP BY name)")},
    };
    return store_gauges(out, m, sizeof m / sizeof m[0]);
}

/* ports.c -- per-port statistics.
 *
 * Counting: for every (port, proto) and every time bucket (bucket_us, an
 * hour by default, aligned to the epoch) we keep records (sum of event
 * counts), distinct sources and distinct targets (ww_dcount: exact to 128,
 * HLL beyond), plus the same over the whole input per (port, proto): a
 * small table, which the caches hold (made from the buckets at the end
 * instead, by merging their sets, it cost more than it saved and ran
 * after every thread had finished). This is
 * traffic statistics, so every event counts, loopback sources and multicast
 * destinations included, under the port ww_event_port gives it (the
 * collector's rule too: ICMP and ICMPv6 have no port and count as port 0).
 * Events may come in any time order (several files pooled), so buckets live
 * in a hash table, not a ring.
 *
 * Surges are judged elsewhere (surge.c), online; this module keeps the
 * whole history for reports and plots (ww_ports_history).
 *
 * Tables: cells (56 bytes: key, records, two 16-byte ww_dcounts, and in a
 * bucket's cell the number of its port's cell in the totals, so an event
 * looks up one cell, not two; in a total's, the number of its port's last
 * bucket cell made, whose set sizes a new bucket's sets start at, with
 * ww_dcount_reserve: a busy port's sets do not grow through every table
 * size again each bucket) in a dense array that doubles as it fills,
 * found through a core/hash.h table on ww_hash64(key). An event adds its
 * source to the total's set only when it was new to the bucket's (and its
 * target alike): nothing else could change the total's set. Key layout
 * (64 bits):
 *
 *     +- 3: 0 -+--- 37 bits: bucket + 2^36 ---+- 8: proto -+--- 16: port ---+
 *
 * Timestamps are clamped to +-2^55 us (about 1141 years either side of
 * 1970), so with bucket_us >= 1 s |bucket| stays below 2^36. The totals
 * table uses the same key with bucket 0.
 * Memory: ~70-130 bytes per nonempty (port, proto, bucket) cell incl. the
 * array's and the index's slack, plus the dcount sets of cells with >= 2
 * sources or targets, or whose port's last cell had (64 B .. 2 KiB, 4.2 KiB
 * HLL past 128). */
#include "detect/ports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dcount.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

#define BUCKET_BIAS (INT64_C(1) << 36)
#define TS_MAX (INT64_C(1) << 55) /* timestamps are clamped to +-2^55 us */

struct cell {
    uint64_t key;
    uint64_t records;
    struct ww_dcount sources, targets;
    uint32_t total;                   /* a bucket's: its port's cell in totals;
                                         a total's: its port's last bucket cell */
};

struct table {
    struct cell *c;                   /* c[0 .. n) in use, cap allocated */
    size_t n, cap;
    struct ww_hash index;             /* key -> cell */
};

struct ww_ports {
    struct ww_ports_opts o;
    struct table buckets, totals;
    int seen;
    int64_t first_b, last_b;          /* bucket range of the whole input */
    int64_t last_bucket, last_lo;     /* the last event's bucket, its start in us */
    struct ww_portstat *stats;
    size_t nstats;
};

void ww_ports_opts_default(struct ww_ports_opts *o)
{
    o->bucket_us = 3600 * INT64_C(1000000);
}

static uint64_t make_key(int64_t bucket, uint8_t proto, uint16_t port)
{
    return (uint64_t)(bucket + BUCKET_BIAS) << 24 | (uint64_t)proto << 16 | port;
}
static uint16_t key_port(uint64_t k) { return (uint16_t)k; }
static uint8_t key_proto(uint64_t k) { return (uint8_t)(k >> 16); }

static int same_key(const void *cells, uint32_t i, const void *key)
{
    return ((const struct cell *)cells)[i].key == *(const uint64_t *)key;
}

static struct cell *find(const struct table *t, uint64_t key)
{
    uint32_t i = ww_hash_find(&t->index, ww_hash64(key), same_key, t->c, &key);
    return i == WW_HASH_NONE ? NULL : &t->c[i];
}

/* The number of key's cell, a new empty one if there is none (its records
 * 0): a number, since adding a cell may move the array. */
static uint32_t get(struct table *t, uint64_t key)
{
    uint64_t h = ww_hash64(key);
    uint32_t i = ww_hash_find(&t->index, h, same_key, t->c, &key);
    if (i != WW_HASH_NONE) return i;
    if (t->n == t->cap) {
        t->cap *= 2;
        t->c = ww_realloc(t->c, t->cap * sizeof *t->c);
    }
    t->c[t->n] = (struct cell){.key = key};
    ww_hash_add(&t->index, h, (uint32_t)t->n);
    return (uint32_t)t->n++;
}

static void table_init(struct table *t)
{
    t->cap = 32;
    t->n = 0;
    t->c = ww_malloc(t->cap * sizeof *t->c);
    ww_hash_init(&t->index, 64);
}

static void table_release(struct table *t)
{
    for (size_t k = 0; k < t->n; k++) {
        ww_dcount_release(&t->c[k].sources);
        ww_dcount_release(&t->c[k].targets);
    }
    ww_free(t->c);
    ww_hash_release(&t->index);
}

struct ww_ports *ww_ports_new(const struct ww_ports_opts *o)
{
    struct ww_ports *p = ww_calloc(1, sizeof *p);
    if (o) p->o = *o;
    else ww_ports_opts_default(&p->o);
    if (p->o.bucket_us < 1000000) p->o.bucket_us = 1000000;
    table_init(&p->buckets);
    table_init(&p->totals);
    p->last_lo = INT64_MAX; /* no last bucket yet */
    return p;
}

static uint64_t event_key(const struct ww_ports *p, const struct ww_event *ev, int64_t *bucket)
{
    int64_t ts = ev->ts_us > TS_MAX ? TS_MAX : ev->ts_us < -TS_MAX ? -TS_MAX : ev->ts_us;
    *bucket = ts >= p->last_lo && ts - p->last_lo < p->o.bucket_us /* the last event's bucket: */
            ? p->last_bucket : ww_floordiv(ts, p->o.bucket_us);   /* no division */
    return make_key(*bucket, ev->proto, ww_event_port(ev));
}

void ww_ports_prefetch(const struct ww_ports *p, const struct ww_event *ev, int stage)
{
    int64_t b;
    uint64_t key = event_key(p, ev, &b), h = ww_hash64(key);
    if (stage == 0) {
        ww_hash_prefetch(&p->buckets.index, h);
        return;
    }
    uint32_t i = ww_hash_peek(&p->buckets.index, h);
    if (i == WW_HASH_NONE) return;
    const struct cell *c = &p->buckets.c[i];
    if (stage == 1) {
        __builtin_prefetch(c);
        return;
    }
    if (c->key != key) return;
    const struct cell *t = &p->totals.c[c->total];
    uint64_t hs = ww_addr_hash(&ev->src), hd = ww_addr_hash(&ev->dst);
    ww_dcount_prefetch(&c->sources, hs);
    ww_dcount_prefetch(&c->targets, hd);
    ww_dcount_prefetch(&t->sources, hs);
    ww_dcount_prefetch(&t->targets, hd);
}

void ww_ports_event(struct ww_ports *p, const struct ww_event *ev)
{
    int64_t b;
    uint64_t key = event_key(p, ev, &b);
    p->last_bucket = b, p->last_lo = b * p->o.bucket_us;
    if (!p->seen || b < p->first_b) p->first_b = b;
    if (!p->seen || b > p->last_b) p->last_b = b;
    p->seen = 1;
    uint64_t n = ev->count ? ev->count : 1;
    uint32_t i = get(&p->buckets, key); /* then .c, which get may have moved */
    struct cell *c = &p->buckets.c[i];
    if (!c->records) { /* new: its sets sized by its port's last cell's */
        c->total = get(&p->totals, make_key(0, ev->proto, ww_event_port(ev)));
        struct cell *t = &p->totals.c[c->total], *last = &p->buckets.c[t->total];
        if (t->records) {
            ww_dcount_reserve(&c->sources, ww_dcount_count(&last->sources));
            ww_dcount_reserve(&c->targets, ww_dcount_count(&last->targets));
        }
        t->total = i;
    }
    struct cell *t = &p->totals.c[c->total];
    c->records += n;
    t->records += n;
    /* What the bucket's set had already, the total's has too (each add to
     * the one went to the other): its add would change nothing. In an HLL
     * too: the total's registers are at least the bucket's, and a bucket
     * past 128 values means a total past 128. */
    uint64_t hs = ww_addr_hash(&ev->src), hd = ww_addr_hash(&ev->dst);
    if (ww_dcount_add(&c->sources, hs)) ww_dcount_add(&t->sources, hs);
    if (ww_dcount_add(&c->targets, hd)) ww_dcount_add(&t->targets, hd);
}

static int cmp_stat(const void *a, const void *b)
{
    const struct ww_portstat *x = a, *y = b;
    if (x->sources != y->sources) return x->sources > y->sources ? -1 : 1;
    if (x->records != y->records) return x->records > y->records ? -1 : 1;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    return (x->proto > y->proto) - (x->proto < y->proto);
}

size_t ww_ports_stats(struct ww_ports *p, const struct ww_portstat **out)
{
    ww_free(p->stats);
    p->stats = ww_malloc((p->totals.n + 1) * sizeof *p->stats);
    p->nstats = 0;
    for (size_t k = 0; k < p->totals.n; k++) {
        const struct cell *c = &p->totals.c[k];
        p->stats[p->nstats++] = (struct ww_portstat){
            key_port(c->key), key_proto(c->key), c->records,
            ww_dcount_count(&c->sources), ww_dcount_count(&c->targets)};
    }
    qsort(p->stats, p->nstats, sizeof *p->stats, cmp_stat);
    *out = p->stats;
    return p->nstats;
}

size_t ww_ports_history(struct ww_ports *p, uint16_t port, uint8_t proto, int64_t *start_us,
                        uint64_t *sources, uint64_t *targets, uint64_t *records, size_t max)
{
    size_t n = 0;
    if (!p->seen) return 0;
    for (int64_t b = p->first_b; b <= p->last_b && n < max; b++, n++) {
        const struct cell *c = find(&p->buckets, make_key(b, proto, port));
        start_us[n] = b * p->o.bucket_us;
        sources[n] = c ? ww_dcount_count(&c->sources) : 0;
        targets[n] = c ? ww_dcount_count(&c->targets) : 0;
        records[n] = c ? c->records : 0;
    }
    return n;
}

/* The dcount sets of a table's cells: counted when asked, not per event. */
static size_t sets_bytes(const struct table *t)
{
    size_t m = 0;
    for (size_t k = 0; k < t->n; k++)
        m += ww_dcount_bytes(&t->c[k].sources) + ww_dcount_bytes(&t->c[k].targets);
    return m;
}

size_t ww_ports_memory(const struct ww_ports *p)
{
    return sizeof *p + (p->buckets.cap + p->totals.cap) * sizeof(struct cell) +
           ww_hash_bytes(&p->buckets.index) + ww_hash_bytes(&p->totals.index) +
           sets_bytes(&p->buckets) + sets_bytes(&p->totals) + p->nstats * sizeof *p->stats;
}

void ww_ports_free(struct ww_ports *p)
{
    if (!p) return;
    table_release(&p->buckets);
    table_release(&p->totals);
    ww_free(p->stats);
    ww_free(p);
}

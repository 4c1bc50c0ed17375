/* slow.c -- slow scans over a long horizon, in bounded memory.
 *
 * The scan detector's windows (5 min) miss a source probing one host every
 * few minutes for a day: psad catches it by keeping every probe, which
 * costs memory without bound. Here each source group (scan.c's key: a
 * source, or its prefix) keeps, for the horizon H (24 h), two generations
 * of sketches of its distinct targets and of its distinct (proto, port)
 * values, each generation covering a half horizon of event time: H/2
 * slots numbered floor(ts / (H/2)). A probe goes to its generation; when
 * one of a later slot comes, the older generation is dropped and the
 * current one becomes the previous. So the evidence looked at is the union
 * of the two: everything of the last H/2 to H, and older evidence is
 * forgotten; decay follows event time, not arrival, and a probe older than
 * the previous generation counts nowhere (it is already forgotten).
 *
 * Sketch: a 256-bit linear-counting bitmap (Whang, Vander-Zanden, Taylor,
 * "A linear-time probabilistic counting algorithm for database
 * applications", ACM TODS 1990): a value sets bit (hash >> 56); with z of
 * the m = 256 bits still clear, the estimate is m ln(m / z). Standard
 * error about 4.6% at 64 values, 4.5% at 32; the union of two generations
 * is their OR, and the estimate is a function of the set alone, whatever
 * order the values came in. Thresholds (64 targets: horizontal, 32 ports:
 * vertical) are capped at WW_SLOW_THRESHOLD_MAX, well within the range the
 * bitmap counts (it saturates near m ln m = 1,420). A group is called once
 * per kind; its span starts as that of the evidence in the horizon at the
 * call (both generations' probes), then takes in every probe counted after
 * it, older or newer, so it does not depend on the order probes arrive in
 * within the horizon; probes and the largest estimates go on growing, and
 * a called group is never forgotten (it is a result). It keeps what a
 * report says of it once the scan detector has forgotten its source (idle
 * for an hour): the smallest nonzero protocol, the probe kinds and the
 * smallest nonzero os, order-independent, in the struct's padding.
 *
 * Admission: most sources of background radiation send one probe, or a few
 * to one host and port; they must not each cost a 300-byte group. A group
 * enters the table only once it shows a second distinct (target, port)
 * within the horizon, remembered in a direct-mapped table of 2^16 slots of
 * 16 bytes (1 MiB): 32 bits of the group's hash, 16 bits each of its last
 * target's and port's hashes and that probe's time. A slot taken by
 * another group is overwritten: a slow scanner loses its pending probe,
 * not its chance (it is admitted at its next two probes that meet). The
 * admitting group's slot probe is counted too (its address is not known:
 * the address sketch starts at the second).
 *
 * Table: groups in a dense array indexed by core/hash.h, as scan.c keeps
 * sources. A sweep every H/2 of event time forgets uncalled groups whose
 * two generations are both past; when max_groups (2^16) uncalled groups are
 * tracked and a new one comes, the least recently probed go until a
 * quarter is free. Memory: sizeof(struct grp) (272 bytes) + 11..21 bytes of
 * index per group, at most (2^16 + called groups) of them, the array
 * doubling as it grows (~18 MiB at 2^16 groups, up to twice that reserved
 * once called groups push it past; reached only by that many groups each
 * showing two distinct probes in H), plus the 1 MiB admission
 * table; nothing is allocated per probe. */
#include "detect/slow.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

#define BITS 256
#define ADMIT ((size_t)1 << 16)

struct sketch { uint64_t w[BITS / 64]; };

/* A probe touches the first 256 bytes (prefetched: four cache lines);
 * the last 16 only once the group is called. */
struct grp {
    struct ww_addr key;
    uint8_t kinds;             /* WW_SLOW_* called; nonzero: never forgotten */
    uint8_t dead;              /* marked by a sweep */
    uint8_t proto;             /* the smallest nonzero IP protocol probed (in padding) */
    uint16_t ztg, zpt;         /* fewest clear bits the union had: the largest estimates */
    int64_t gen;               /* the half-horizon slot of generation 0 */
    int64_t first[2], last[2]; /* each generation's probes (first > last: none) */
    struct { struct sketch tg, pt; } g[2]; /* targets, ports: generation 0, 1 */
    struct sketch ad;          /* addresses, since admission */
    struct ww_addr rep;
    uint16_t probe_mask, os;   /* probe kinds seen, the smallest nonzero os (in padding) */
    uint64_t probes;
    int64_t call_first, call_last;
};

_Static_assert(sizeof(struct grp) == 272, "the memory bound below: keep it true");
_Static_assert(offsetof(struct grp, os) + sizeof(uint16_t) <= 256, "a probe's fields in its first 256 bytes");

struct adm { uint32_t tag; uint16_t t, p; int64_t ts; };

struct ww_slow {
    struct ww_slow_opts o;
    int64_t half;
    unsigned zhosts, zports;   /* a union with at most this many clear bits is called */
    struct grp *ents;
    size_t n, cap, nlive;      /* groups, allocated, uncalled */
    struct ww_hash index;
    struct adm *adm;
    struct ww_sweep_clock clk;
    struct ww_slow_call *res;
};

/* Clear bits of the union of a and b (b may be NULL). */
static unsigned zeros(const struct sketch *a, const struct sketch *b)
{
    unsigned z = 0;
    for (unsigned i = 0; i < BITS / 64; i++)
        z += (unsigned)__builtin_popcountll(~(a->w[i] | (b ? b->w[i] : 0)));
    return z;
}

/* Linear counting: the values behind z clear bits. */
static uint64_t estimate(unsigned z)
{
    return (uint64_t)llround(BITS * log((double)BITS / (z ? z : 1)));
}

/* The most clear bits at which the estimate reaches thr: the hot path
 * compares bit counts, no logarithm. */
static unsigned zeros_at(unsigned thr)
{
    unsigned z = 0;
    while (z < BITS && estimate(z + 1) >= thr) z++;
    return z;
}

void ww_slow_opts_default(struct ww_slow_opts *o)
{
    o->horizon_us = 24 * 3600 * INT64_C(1000000);
    o->hosts = 64;
    o->ports = 32;
    o->max_groups = (size_t)1 << 16;
}

struct ww_slow *ww_slow_new(const struct ww_slow_opts *o)
{
    struct ww_slow *s = ww_calloc(1, sizeof *s);
    if (o) s->o = *o;
    else ww_slow_opts_default(&s->o);
    if (s->o.horizon_us < 2) s->o.horizon_us = 2;
    if (s->o.max_groups < 1) s->o.max_groups = 1;
    if (s->o.max_groups > UINT32_MAX / 4) s->o.max_groups = UINT32_MAX / 4;
    s->half = s->o.horizon_us / 2;
    s->zhosts = zeros_at(s->o.hosts);
    s->zports = zeros_at(s->o.ports);
    s->cap = 64;
    s->ents = ww_malloc(s->cap * sizeof *s->ents);
    ww_hash_init(&s->index, 2 * s->cap);
    s->adm = ww_calloc(ADMIT, sizeof *s->adm);
    return s;
}

static int64_t gen_of(const struct ww_slow *s, int64_t ts)
{
    return ts >= 0 ? ts / s->half : -((-ts + s->half - 1) / s->half);
}

/* gen_of(ts), the division spared while ts is in g's current slot. */
static int64_t gen_near(const struct ww_slow *s, const struct grp *g, int64_t ts)
{
    int64_t start = g->gen * s->half;
    return ts >= start && ts - start < s->half ? g->gen : gen_of(s, ts);
}

static int set_bit(struct sketch *k, unsigned i)
{
    uint64_t b = UINT64_C(1) << (i & 63), old = k->w[i >> 6];
    k->w[i >> 6] = old | b;
    return !(old & b);
}

static void clear_gen(struct grp *g, int k)
{
    memset(&g->g[k], 0, sizeof g->g[k]);
    g->first[k] = INT64_MAX;
    g->last[k] = INT64_MIN;
}

static void call(struct ww_slow *s, struct grp *g, unsigned kind)
{
    if (!g->kinds) {
        s->nlive--;
        g->call_first = g->first[0] < g->first[1] ? g->first[0] : g->first[1];
        g->call_last = g->last[0] > g->last[1] ? g->last[0] : g->last[1];
    }
    g->kinds |= (uint8_t)kind;
}

/* One probe into its generation; bits are the sketches' bit numbers. */
static void add(struct ww_slow *s, struct grp *g, int64_t ts, unsigned tbit, unsigned pbit,
                const struct ww_addr *src, uint64_t sh)
{
    int64_t gen = gen_near(s, g, ts);
    if (gen > g->gen) {
        if (gen == g->gen + 1) {
            g->g[1] = g->g[0];
            g->first[1] = g->first[0], g->last[1] = g->last[0];
        } else {
            clear_gen(g, 1);
        }
        clear_gen(g, 0);
        g->gen = gen;
    }
    int k = gen == g->gen ? 0 : gen == g->gen - 1 ? 1 : -1;
    if (k < 0) return; /* older than the horizon: forgotten */
    g->probes++;
    if (ts < g->first[k]) g->first[k] = ts;
    if (ts > g->last[k]) g->last[k] = ts;
    if (g->kinds && ts > g->call_last) g->call_last = ts;
    if (g->kinds && ts < g->call_first) g->call_first = ts;
    if (src) {
        set_bit(&g->ad, (unsigned)(sh >> 56));
        if (memcmp(src->b, g->rep.b, sizeof src->b) < 0) g->rep = *src;
    }
    if (set_bit(&g->g[k].tg, tbit)) {
        unsigned z = zeros(&g->g[0].tg, &g->g[1].tg);
        if (z < g->ztg) g->ztg = (uint16_t)z;
        if (z <= s->zhosts) call(s, g, WW_SLOW_HORIZONTAL);
    }
    if (set_bit(&g->g[k].pt, pbit)) {
        unsigned z = zeros(&g->g[0].pt, &g->g[1].pt);
        if (z < g->zpt) g->zpt = (uint16_t)z;
        if (z <= s->zports) call(s, g, WW_SLOW_VERTICAL);
    }
}

static int64_t last_probe(const struct grp *g)
{
    return g->last[0] > g->last[1] ? g->last[0] : g->last[1];
}

struct by_last { int64_t last; size_t idx; };

static int cmp_last(const void *a, const void *b)
{
    const struct by_last *x = a, *y = b;
    if (x->last != y->last) return x->last < y->last ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Forget uncalled groups with nothing in the horizon, then the least
 * recently probed until at most `keep` uncalled ones remain. */
static void sweep(struct ww_slow *s, size_t keep)
{
    int64_t now = gen_of(s, s->clk.now_us);
    size_t live = 0;
    for (size_t k = 0; k < s->n; k++) {
        struct grp *g = &s->ents[k];
        g->dead = !g->kinds && now - g->gen > 1;
        live += !g->kinds && !g->dead;
    }
    if (live > keep) {
        struct by_last *v = ww_malloc(live * sizeof *v);
        size_t m = 0;
        for (size_t k = 0; k < s->n; k++)
            if (!s->ents[k].kinds && !s->ents[k].dead) v[m++] = (struct by_last){last_probe(&s->ents[k]), k};
        qsort(v, m, sizeof *v, cmp_last);
        for (size_t j = 0; j < live - keep; j++) s->ents[v[j].idx].dead = 1;
        ww_free(v);
        live = keep;
    }
    size_t w = 0;
    for (size_t k = 0; k < s->n; k++)
        if (!s->ents[k].dead) s->ents[w++] = s->ents[k];
    s->n = w;
    s->nlive = live;
    ww_hash_clear(&s->index);
    for (size_t k = 0; k < s->n; k++)
        ww_hash_put(&s->index, ww_addr_hash(&s->ents[k].key), (uint32_t)k);
}

static int same_key(const void *ents, uint32_t i, const void *a)
{
    return ww_addr_eq(&((const struct grp *)ents)[i].key, a);
}

static struct grp *insert(struct ww_slow *s, const struct ww_addr *group, uint64_t gh,
                          const struct ww_addr *src, int64_t ts)
{
    if (s->nlive >= s->o.max_groups)
        sweep(s, s->o.max_groups - (s->o.max_groups + 3) / 4);
    if (s->n == s->cap) {
        s->cap *= 2;
        s->ents = ww_realloc(s->ents, s->cap * sizeof *s->ents);
    }
    struct grp *g = &s->ents[s->n];
    memset(g, 0, sizeof *g);
    g->key = *group;
    g->rep = *src;
    g->gen = gen_of(s, ts);
    g->ztg = g->zpt = BITS;
    clear_gen(g, 0);
    clear_gen(g, 1);
    ww_hash_add(&s->index, gh, (uint32_t)s->n++);
    s->nlive++;
    return g;
}

void ww_slow_prefetch(const struct ww_slow *s, uint64_t gh, int stage)
{
    if (stage == 0) {
        ww_hash_prefetch(&s->index, gh);
        __builtin_prefetch(&s->adm[gh & (ADMIT - 1)]);
        return;
    }
    uint32_t i = ww_hash_peek(&s->index, gh);
    if (i == WW_HASH_NONE) return;
    const char *g = (const char *)&s->ents[i];
    for (unsigned off = 0; off < 256; off += 64) __builtin_prefetch(g + off);
    __builtin_prefetch(g + 255); /* the array is 16-byte aligned: five lines at worst */
}

static void note(struct grp *g, uint8_t proto, unsigned probe, uint16_t os)
{
    if (proto && (!g->proto || proto < g->proto)) g->proto = proto;
    if (probe < 16) g->probe_mask |= (uint16_t)(1u << probe);
    if (os && (!g->os || os < g->os)) g->os = os;
}

void ww_slow_probe(struct ww_slow *s, const struct ww_addr *group, uint64_t gh,
                   const struct ww_addr *src, uint64_t sh, int64_t ts, uint64_t th, uint64_t ph,
                   uint8_t proto, unsigned probe, uint16_t os)
{
    int due;
    ts = ww_sweep_tick(&s->clk, ts, s->half, &due);
    if (due) sweep(s, SIZE_MAX);
    uint16_t t = (uint16_t)(th >> 48), p = (uint16_t)(ph >> 48);
    uint32_t i = ww_hash_find(&s->index, gh, same_key, s->ents, group);
    if (i != WW_HASH_NONE) {
        add(s, &s->ents[i], ts, t >> 8, p >> 8, src, sh);
        note(&s->ents[i], proto, probe, os);
        return;
    }
    struct adm *a = &s->adm[gh & (ADMIT - 1)];
    uint32_t tag = (uint32_t)(gh >> 32) | 1;
    if (a->tag == tag && (a->t != t || a->p != p) &&
        ts - a->ts < s->o.horizon_us && a->ts - ts < s->o.horizon_us) {
        struct grp *g = insert(s, group, gh, src, ts);
        if (a->ts <= ts) {
            add(s, g, a->ts, a->t >> 8, a->p >> 8, NULL, 0);
            add(s, g, ts, t >> 8, p >> 8, src, sh);
        } else {
            add(s, g, ts, t >> 8, p >> 8, src, sh);
            add(s, g, a->ts, a->t >> 8, a->p >> 8, NULL, 0);
        }
        note(g, proto, probe, os);
        a->tag = 0;
    } else if (a->tag != tag || a->t != t || a->p != p || ts > a->ts) {
        *a = (struct adm){tag, t, p, ts};
    }
}

size_t ww_slow_calls(struct ww_slow *s, const struct ww_slow_call **out)
{
    ww_free(s->res);
    s->res = ww_calloc(s->n - s->nlive + 1, sizeof *s->res);
    size_t m = 0;
    for (size_t k = 0; k < s->n; k++) {
        const struct grp *g = &s->ents[k];
        if (!g->kinds) continue;
        s->res[m++] = (struct ww_slow_call){
            .group = g->key, .rep = g->rep, .kinds = g->kinds, .probes = g->probes,
            .targets = estimate(g->ztg), .ports = estimate(g->zpt), .addresses = estimate(zeros(&g->ad, NULL)),
            .first_us = g->call_first, .last_us = g->call_last,
            .proto = g->proto, .probe_mask = g->probe_mask, .os = g->os};
    }
    *out = s->res;
    return m;
}

size_t ww_slow_groups(const struct ww_slow *s)
{
    return s->n;
}

size_t ww_slow_memory(const struct ww_slow *s)
{
    return sizeof *s + s->cap * sizeof *s->ents + ww_hash_bytes(&s->index) +
           ADMIT * sizeof *s->adm + (s->n - s->nlive) * sizeof *s->res;
}

void ww_slow_free(struct ww_slow *s)
{
    if (!s) return;
    ww_free(s->ents);
    ww_hash_release(&s->index);
    ww_free(s->adm);
    ww_free(s->res);
    ww_free(s);
}

/* slow.c -- slow scans over a long horizon, in bounded memory.
 *
 * The scan detector's windows (5 min) miss a source probing one host every
 * few minutes for a day: psad catches it by keeping every probe, which
 * costs memory without bound. Here each source group (scan.c's key: a
 * source, or its prefix) keeps, for the horizon H (24 h), two generations
 * of sketches of its distinct targets and of its distinct (proto, port)
 * values, each generation covering a half horizon of event time: H/2 slots
 * numbered floor(ts / (H/2)). A probe goes to its generation; when one of a
 * later slot comes, the older generation is dropped and the current one
 * becomes the previous. So the evidence looked at is the union of the two:
 * everything of the last H/2 to H, and older evidence is forgotten; decay
 * follows event time, not arrival, and a probe older than the previous
 * generation counts nowhere (it is already forgotten).
 *
 * Sketch: a 256-bit linear-counting bitmap (Whang, Vander-Zanden, Taylor,
 * "A linear-time probabilistic counting algorithm for database
 * applications", ACM TODS 1990): a value sets bit (hash >> 56); with z of
 * the m = 256 bits still clear, the estimate is m ln(m / z). Standard error
 * about 4.6% at 64 values, 4.5% at 32; the union of two generations is
 * their OR, and the estimate is a function of the set alone, whatever order
 * the values came in. The union's clear bits are counted as bits come (a
 * bit new to one generation and not in the other takes one away; a
 * generation dropped is counted once), not at every probe. Thresholds (64
 * targets: horizontal, 32 ports: vertical) are capped at
 * WW_SLOW_THRESHOLD_MAX, well within the range the bitmap counts (it
 * saturates near m ln m = 1,420). A group is called once per kind; its span
 * starts as that of the evidence in the horizon at the call (both
 * generations' probes), then takes in every probe counted after it, older
 * or newer, so it does not depend on the order probes arrive in within the
 * horizon; probes and the largest estimates go on growing, and a called
 * group is never forgotten (it is a result). It keeps what a report says of
 * it once the scan detector has forgotten its source (idle for an hour):
 * the smallest nonzero protocol, the probe kinds and the smallest nonzero
 * os, order-independent.
 *
 * Admission: most sources of background radiation send one probe, or a few
 * to one host and port; they must not each cost a 256-byte group. A group
 * enters the table only once it shows a second distinct (target, port)
 * within the horizon, remembered in a direct-mapped table of 2^16 slots of
 * 16 bytes (1 MiB): 32 bits of the group's hash, 16 bits each of its last
 * target's and port's hashes and that probe's time. A slot taken by another
 * group is overwritten: a slow scanner loses its pending probe, not its
 * chance (it is admitted at its next two probes that meet). The admitting
 * group's slot probe is counted too (its address is not known: the address
 * sketch starts at the second).
 *
 * Table: groups in a dense array indexed by core/hash.h, as scan.c keeps
 * sources. A sweep every H/2 of event time forgets uncalled groups whose
 * two generations are both past; when max_groups (2^16) uncalled groups are
 * tracked and a new one comes, the least recently probed go until a quarter
 * is free. The caller keeps where its group is (ww_slow_probe's answer: its
 * place, checked against the key, or "not tracked"), so most probes need no
 * index look-up, and the admission table is touched only for groups not
 * tracked. Memory: sizeof(struct grp) (256 bytes, four cache lines) +
 * 11..21 bytes of index per group, at most (2^16 + called groups) of them,
 * the array doubling as it grows (~17 MiB at 2^16 groups, up to twice that
 * reserved once called groups push it past; reached only by that many
 * groups each showing two distinct probes in H), plus the 1 MiB admission
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

/* A group is four cache lines (the array is aligned to them), and a probe
 * touches each once: the key, the generation and the span; the targets'
 * sketches of both generations (a bit set in one is tested in the other);
 * the ports'; the rest. dead is a kinds bit, and the per-generation span
 * (what a call is dated from) gives its room to the call's own span. */
struct grp {
    struct ww_addr key;
    uint8_t kinds;             /* WW_SLOW_* called; nonzero: never forgotten; DEAD: marked by a sweep */
    uint16_t ztg, zpt;         /* fewest clear bits the union had: the largest estimates */
    uint16_t zt;               /* clear bits of the union of the two generations' targets now */
    int64_t gen;               /* the half-horizon slot of generation 0 */
    union {
        struct { int64_t first[2], last[2]; }; /* uncalled: each generation's probes (first > last: none) */
        struct { int64_t call_first, call_last; }; /* called: its span */
    };
    struct { struct sketch tg, pt; } g[2]; /* targets, ports: generation 0, 1 */
    struct sketch ad;          /* addresses, since admission */
    struct ww_addr rep;
    uint8_t proto;             /* the smallest nonzero IP protocol probed */
    uint16_t probe_mask, os;   /* probe kinds seen, the smallest nonzero os */
    uint16_t zp;               /* clear bits of the union of the ports' sketches now */
    uint64_t probes;
};

#define DEAD 0x80
#define LINE 64
_Static_assert(sizeof(struct grp) == 4 * LINE, "four cache lines, and the memory bound below: keep it true");

struct adm { uint32_t tag; uint16_t t, p; int64_t ts; };

struct ww_slow {
    struct ww_slow_opts o;
    int64_t half;
    unsigned zhosts, zports;   /* a union with at most this many clear bits is called */
    struct grp *ents;          /* in raw, on a cache line */
    char *raw;
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

/* Room for twice the groups (64 at first), the array on a cache line. */
static void grow(struct ww_slow *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    char *raw = ww_malloc(cap * sizeof *s->ents + LINE - 1);
    struct grp *ents = (struct grp *)(((uintptr_t)raw + LINE - 1) & ~(uintptr_t)(LINE - 1));
    if (s->n) memcpy(ents, s->ents, s->n * sizeof *ents);
    ww_free(s->raw);
    s->raw = raw, s->ents = ents, s->cap = cap;
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
    grow(s);
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

static int has_bit(const struct sketch *k, unsigned i)
{
    return (int)(k->w[i >> 6] >> (i & 63)) & 1;
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
    if (g->kinds) return; /* the span is the call's */
    g->first[k] = INT64_MAX;
    g->last[k] = INT64_MIN;
}

static void call(struct ww_slow *s, struct grp *g, unsigned kind)
{
    if (!g->kinds) {
        s->nlive--;
        int64_t first = g->first[0] < g->first[1] ? g->first[0] : g->first[1];
        int64_t last = g->last[0] > g->last[1] ? g->last[0] : g->last[1];
        g->call_first = first, g->call_last = last;
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
            if (!g->kinds) g->first[1] = g->first[0], g->last[1] = g->last[0];
        } else {
            clear_gen(g, 1);
        }
        clear_gen(g, 0);
        g->gen = gen;
        g->zt = (uint16_t)zeros(&g->g[1].tg, NULL);
        g->zp = (uint16_t)zeros(&g->g[1].pt, NULL);
    }
    int k = gen == g->gen ? 0 : gen == g->gen - 1 ? 1 : -1;
    if (k < 0) return; /* older than the horizon: forgotten */
    g->probes++;
    if (g->kinds) {
        if (ts < g->call_first) g->call_first = ts;
        if (ts > g->call_last) g->call_last = ts;
    } else {
        if (ts < g->first[k]) g->first[k] = ts;
        if (ts > g->last[k]) g->last[k] = ts;
    }
    if (src) {
        set_bit(&g->ad, (unsigned)(sh >> 56));
        if (ww_addr_cmp(src, &g->rep) < 0) g->rep = *src;
    }
    /* A bit new to the union (not in the other generation) takes one from
     * its clear bits: the union's count, kept as it changes, is compared
     * (a bit already in the other generation changes nothing). */
    if (set_bit(&g->g[k].tg, tbit) && !has_bit(&g->g[!k].tg, tbit)) {
        unsigned z = --g->zt;
        if (z < g->ztg) g->ztg = (uint16_t)z;
        if (z <= s->zhosts) call(s, g, WW_SLOW_HORIZONTAL);
    }
    if (set_bit(&g->g[k].pt, pbit) && !has_bit(&g->g[!k].pt, pbit)) {
        unsigned z = --g->zp;
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
        if (!g->kinds && now - g->gen > 1) g->kinds = DEAD;
        live += !g->kinds;
    }
    if (live > keep) {
        struct by_last *v = ww_malloc(live * sizeof *v);
        size_t m = 0;
        for (size_t k = 0; k < s->n; k++)
            if (!s->ents[k].kinds) v[m++] = (struct by_last){last_probe(&s->ents[k]), k};
        qsort(v, m, sizeof *v, cmp_last);
        for (size_t j = 0; j < live - keep; j++) s->ents[v[j].idx].kinds = DEAD;
        ww_free(v);
        live = keep;
    }
    size_t w = 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->ents[k].kinds != DEAD) s->ents[w++] = s->ents[k];
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
    if (s->n == s->cap) grow(s);
    static const struct grp empty; /* copied: memset would be `rep stos` (see scan.c's insert) */
    struct grp *g = &s->ents[s->n];
    memcpy(g, &empty, sizeof *g);
    g->key = *group;
    g->rep = *src;
    g->gen = gen_of(s, ts);
    g->ztg = g->zpt = g->zt = g->zp = BITS;
    clear_gen(g, 0);
    clear_gen(g, 1);
    ww_hash_add(&s->index, gh, (uint32_t)s->n++);
    s->nlive++;
    return g;
}

void ww_slow_prefetch(const struct ww_slow *s, uint32_t ref, uint64_t gh, int stage)
{
    if (stage == 0) {
        ww_hash_prefetch(&s->index, gh);
        return;
    }
    if (ref == WW_SLOW_UNKNOWN) {
        uint32_t i = ww_hash_peek(&s->index, gh);
        ref = i == WW_HASH_NONE ? WW_SLOW_ABSENT : i + 1;
    }
    if (ref == WW_SLOW_ABSENT || ref - 1 >= s->n) {
        __builtin_prefetch(&s->adm[gh & (ADMIT - 1)]);
        return;
    }
    const char *g = (const char *)&s->ents[ref - 1];
    for (unsigned off = 0; off < sizeof(struct grp); off += LINE) __builtin_prefetch(g + off);
}

static void note(struct grp *g, uint8_t proto, unsigned probe, uint16_t os)
{
    if (proto && (!g->proto || proto < g->proto)) g->proto = proto;
    if (probe < 16) g->probe_mask |= (uint16_t)(1u << probe);
    if (os && (!g->os || os < g->os)) g->os = os;
}

/* The group's place: ref if it holds the group, else the index's answer. */
static uint32_t find(const struct ww_slow *s, uint32_t ref, const struct ww_addr *group, uint64_t gh)
{
    if (ref == WW_SLOW_ABSENT) return WW_HASH_NONE; /* sweeps only take groups away */
    if (ref != WW_SLOW_UNKNOWN && ref - 1 < s->n && ww_addr_eq(&s->ents[ref - 1].key, group))
        return ref - 1;
    return ww_hash_find(&s->index, gh, same_key, s->ents, group);
}

uint32_t ww_slow_probe(struct ww_slow *s, uint32_t ref, const struct ww_addr *group, uint64_t gh,
                       const struct ww_addr *src, uint64_t sh, int64_t ts, uint64_t th, uint64_t ph,
                       uint8_t proto, unsigned probe, uint16_t os)
{
    int due;
    ts = ww_sweep_tick(&s->clk, ts, s->half, &due);
    if (due) sweep(s, SIZE_MAX);
    uint16_t t = (uint16_t)(th >> 48), p = (uint16_t)(ph >> 48);
    uint32_t i = find(s, ref, group, gh);
    if (i != WW_HASH_NONE) {
        add(s, &s->ents[i], ts, t >> 8, p >> 8, src, sh);
        note(&s->ents[i], proto, probe, os);
        return i + 1;
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
        return (uint32_t)(g - s->ents) + 1;
    }
    if (a->tag != tag || a->t != t || a->p != p || ts > a->ts) *a = (struct adm){tag, t, p, ts};
    return WW_SLOW_ABSENT;
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
    return sizeof *s + s->cap * sizeof *s->ents + LINE - 1 + ww_hash_bytes(&s->index) +
           ADMIT * sizeof *s->adm + (s->n - s->nlive) * sizeof *s->res;
}

void ww_slow_free(struct ww_slow *s)
{
    if (!s) return;
    ww_free(s->raw);
    ww_hash_release(&s->index);
    ww_free(s->adm);
    ww_free(s->res);
    ww_free(s);
}

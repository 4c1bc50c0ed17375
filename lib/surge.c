/* surge.c -- per-port surge detection, online (see surge.h).
 *
 * A worm shows as many *new* sources on its port, growing bucket after
 * bucket; background shows as a steady, diurnal, bursty stream of sources,
 * many of which come back. So for every (port, proto) this module watches,
 * per time bucket (1 h by default):
 *   S  distinct sources, T distinct targets (ww_dcount), and
 *   N  new sources: not seen on this port within the baseline window
 *      (a global table of (source, port) -> last bucket seen).
 * The judged statistic X is N (or S with --surge-stat sources).
 *
 * Every source is new at first: while the seen table learns (the first
 * learn_us of the input, a day by default) buckets are counted but neither
 * judged nor folded into the baseline.
 *
 * Baseline (per port, O(1) memory, updated when a bucket closes): X's
 * expected value E is an exponentially weighted mean over the baseline window
 * (weight 1/min(n, W), so while the input is shorter than the window the
 * baseline is the plain mean of what there is), kept separately per hour of
 * day when buckets are an hour or less (diurnal cycle; used once a phase has
 * a day of samples); the spread is sqrt of the same kind of mean of
 * squared residuals against the expectation each bucket was judged by (so
 * the diurnal swing the phase means explain is not counted as noise),
 * floored at sqrt(E) (Poisson) and 1. A closed bucket
 * enters the baseline clipped at E + z_hold * spread (winsorized), so a
 * burst or an outbreak cannot drag the baseline up behind it. Empty buckets
 * count as zeros when the next event arrives.
 *
 * A surge is called at the event that makes it true, without waiting for
 * the bucket to close: X >= min_sources and z = (X - E) / spread >= z_jump
 * (7). Judging the bucket while it fills is what makes a fast worm visible
 * early: its sources pile up within the first minutes of the bucket in
 * which it crosses the line. (A "growth" test over rising buckets, after Zou
 * et al.'s trend idea, was tried and dropped: at thresholds low enough to
 * fire before the online test it also fired on the background's slow
 * hour-to-hour drifts; see docs/DETECTION.md.)
 * One heavy scanner is one source: it moves T, never S or N. A one-off
 * burst of a few sources, or the diurnal swing the phase means absorb, stays
 * under the guard. A surge lasts while closed buckets keep z >= z_hold; it is
 * reported with the numbers of the moment it was called, plus the ISC trend
 * score sqrt((S-s)^2/s + (T-t)^2/t) against the sources/targets baselines.
 *
 * Memory: a series is ~400 bytes per (port, proto) ever seen (at most
 * 131072), found by direct index; the seen table holds at most
 * seen_capacity entries of 16 bytes (64 MiB at the default 2^22), pruning
 * the longest-unseen pairs first when full. */
#include "surge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dcount.h"
#include "mem.h"

#define PHASES 24
#define HOUR_US (3600 * INT64_C(1000000))
#define DAY_US (24 * HOUR_US)

struct ewm { double mean, var; uint32_t n; };   /* weighted mean, residual var */

struct series {
    int64_t b;                      /* current bucket */
    struct ww_dcount src, tgt;      /* in the current bucket */
    uint64_t nnew;                  /* new sources in the current bucket */
    uint64_t nbuckets;              /* closed buckets of history */
    struct ewm x;                   /* judged statistic, all buckets */
    double phase_mean[PHASES];
    uint32_t phase_n[PHASES];
    struct ewm s, t;                /* sources and targets (for the ISC score) */
    double e, spread;               /* expectation for the current bucket */
    int surge;                      /* index+1 of the ongoing surge, 0 if none */
};

struct seen { uint64_t key; int64_t b; };

struct ww_surges {
    struct ww_surge_opts o;
    uint64_t window;                /* W: buckets in the baseline window */
    int started;
    int64_t learn_until;            /* buckets before this are not baseline */
    int phased;
    struct series *ser[131072];
    size_t nser;
    struct seen *seen;
    size_t seen_n, seen_cap;
    struct ww_surge *res;
    size_t nres, capres;
};

void ww_surge_opts_default(struct ww_surge_opts *o)
{
    o->bucket_us = HOUR_US;
    o->baseline_us = 30 * DAY_US;
    o->warmup_buckets = 6;
    o->min_sources = 10;
    o->z_jump = 7;
    o->z_hold = 3;
    o->stat = WW_SURGE_NEW;
    o->seen_capacity = 1u << 22;
    o->learn_us = DAY_US;
}

struct ww_surges *ww_surges_new(const struct ww_surge_opts *o)
{
    struct ww_surges *s = ww_calloc(1, sizeof *s);
    if (o) s->o = *o;
    else ww_surge_opts_default(&s->o);
    if (s->o.bucket_us < 1000000) s->o.bucket_us = 1000000;
    if (s->o.seen_capacity < 1024) s->o.seen_capacity = 1024;
    s->window = (uint64_t)(s->o.baseline_us / s->o.bucket_us);
    if (s->window < 1) s->window = 1;
    s->phased = s->o.bucket_us <= HOUR_US && HOUR_US % s->o.bucket_us == 0;
    s->seen_cap = 1024;
    s->seen = ww_calloc(s->seen_cap, sizeof *s->seen);
    return s;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - (a % b != 0 && a < 0);
}

static unsigned phase_of(const struct ww_surges *s, int64_t b)
{
    return (unsigned)(floor_div(b * s->o.bucket_us, HOUR_US) % PHASES + PHASES) % PHASES;
}

/* ---- the seen table: (source, port) -> last bucket ---- */

static void seen_put(struct seen *t, size_t cap, uint64_t key, int64_t b)
{
    size_t i = (size_t)key & (cap - 1);
    while (t[i].key && t[i].key != key) i = (i + 1) & (cap - 1);
    t[i].key = key;
    t[i].b = b;
}

/* Grow, or when at capacity keep the most recently seen half. */
static void seen_rebuild(struct ww_surges *s, int64_t now)
{
    size_t ncap = s->seen_cap;
    int64_t cutoff = now - (int64_t)s->window;
    if (2 * s->seen_cap <= s->o.seen_capacity) {
        ncap = 2 * s->seen_cap;
    } else { /* full: find a cutoff that keeps about half */
        int64_t lo = cutoff, hi = now;
        for (int it = 0; it < 40 && lo < hi; it++) {
            int64_t mid = lo + (hi - lo) / 2;
            size_t keep = 0;
            for (size_t i = 0; i < s->seen_cap; i++) keep += s->seen[i].key && s->seen[i].b >= mid;
            if (keep > s->seen_cap / 4) lo = mid + 1;
            else hi = mid;
        }
        cutoff = lo;
    }
    struct seen *nt = ww_calloc(ncap, sizeof *nt);
    size_t n = 0;
    for (size_t i = 0; i < s->seen_cap; i++)
        if (s->seen[i].key && s->seen[i].b >= cutoff) seen_put(nt, ncap, s->seen[i].key, s->seen[i].b), n++;
    ww_free(s->seen);
    s->seen = nt, s->seen_cap = ncap, s->seen_n = n;
}

/* 1 if (source, port) was not seen within the window before bucket b. */
static int seen_new(struct ww_surges *s, uint64_t key, int64_t b)
{
    key |= 1; /* 0 marks an empty slot */
    size_t i = (size_t)key & (s->seen_cap - 1);
    while (s->seen[i].key && s->seen[i].key != key) i = (i + 1) & (s->seen_cap - 1);
    if (s->seen[i].key) {
        int fresh = s->seen[i].b < b - (int64_t)s->window;
        if (b > s->seen[i].b) s->seen[i].b = b;
        return fresh;
    }
    if (4 * (s->seen_n + 1) > 3 * s->seen_cap) {
        seen_rebuild(s, b);
        return seen_new(s, key, b);
    }
    s->seen[i].key = key;
    s->seen[i].b = b;
    s->seen_n++;
    return 1;
}

/* ---- baselines ---- */

/* Add x; the residual is taken against e (the expectation x was judged by). */
static void ewm_add(struct ewm *m, double x, double e, uint64_t window)
{
    m->n++;
    double a = 1.0 / (double)(m->n < window ? m->n : window);
    double r = x - e;
    m->mean += a * (x - m->mean);
    m->var += a * (r * r - m->var);
}

static double floor_spread(double var, double e)
{
    double sd = sqrt(var > 0 ? var : 0), p = sqrt(e > 0 ? e : 0);
    if (sd < p) sd = p;
    return sd < 1 ? 1 : sd;
}

/* Expectation and spread of X for bucket b of series q. */
static void expect(const struct ww_surges *s, struct series *q, int64_t b)
{
    q->e = q->x.mean;
    if (s->phased) {
        unsigned ph = phase_of(s, b);
        uint64_t per_day = (uint64_t)(DAY_US / s->o.bucket_us) / PHASES;
        if (q->phase_n[ph] >= per_day) q->e = q->phase_mean[ph];
    }
    q->spread = floor_spread(q->x.var, q->e);
}

static double stat_x(const struct ww_surges *s, const struct series *q)
{
    return s->o.stat == WW_SURGE_SOURCES ? (double)ww_dcount_count(&q->src) : (double)q->nnew;
}

/* Fold closed bucket b (value x; S, T) of q into its baselines. */
static void fold(struct ww_surges *s, struct series *q, int64_t b, double x, double S, double T)
{
    expect(s, q, b);
    int warm = q->nbuckets >= s->o.warmup_buckets; /* clip only a known baseline */
    double cap = q->e + s->o.z_hold * q->spread;
    double xc = x < cap || !warm ? x : cap;
    if (b < s->learn_until) return; /* the seen table is still learning */
    if (q->nbuckets < s->window) q->nbuckets++;
    ewm_add(&q->x, xc, q->nbuckets > 1 ? q->e : xc, s->window);
    if (s->phased) {
        unsigned ph = phase_of(s, b);
        uint64_t wp = s->window / PHASES;
        q->phase_n[ph]++;
        double a = 1.0 / (double)(q->phase_n[ph] < wp ? q->phase_n[ph] : (wp ? wp : 1));
        q->phase_mean[ph] += a * (xc - q->phase_mean[ph]);
    }
    double sc = q->s.mean + s->o.z_hold * floor_spread(q->s.var, q->s.mean);
    double tc = q->t.mean + s->o.z_hold * floor_spread(q->t.var, q->t.mean);
    ewm_add(&q->s, S < sc || !warm ? S : sc, q->s.mean, s->window);
    ewm_add(&q->t, T < tc || !warm ? T : tc, q->t.mean, s->window);
}

/* Close q's current bucket and any empty ones up to (not incl.) bucket nb. */
static void roll(struct ww_surges *s, struct series *q, int64_t nb)
{
    double x = stat_x(s, q), S = (double)ww_dcount_count(&q->src), T = (double)ww_dcount_count(&q->tgt);
    expect(s, q, q->b);
    double z = (x - q->e) / q->spread;
    int elevated = z >= s->o.z_hold && q->nbuckets >= s->o.warmup_buckets;
    if (q->surge) {
        if (elevated) s->res[q->surge - 1].end_us = (q->b + 1) * s->o.bucket_us;
        else q->surge = 0;
    }
    fold(s, q, q->b, x, S, T);
    int64_t gap = nb - q->b - 1;
    if (gap > 0) {
        q->surge = 0;
        if (gap > (int64_t)s->window) gap = (int64_t)s->window;
        for (int64_t g = 1; g <= gap; g++) fold(s, q, nb - gap - 1 + g, 0, 0, 0);
    }
    ww_dcount_release(&q->src);
    ww_dcount_release(&q->tgt);
    q->nnew = 0;
    q->b = nb;
    expect(s, q, nb);
}

static void call(struct ww_surges *s, struct series *q, uint16_t port, uint8_t proto,
                 int64_t ts, double z)
{
    if (s->nres == s->capres) {
        s->capres = s->capres ? 2 * s->capres : 16;
        s->res = ww_realloc(s->res, s->capres * sizeof *s->res);
    }
    double S = (double)ww_dcount_count(&q->src), T = (double)ww_dcount_count(&q->tgt);
    double fs = q->s.mean < 1 ? 1 : q->s.mean, ft = q->t.mean < 1 ? 1 : q->t.mean;
    struct ww_surge *r = &s->res[s->nres++];
    *r = (struct ww_surge){
        .port = port, .proto = proto,
        .start_us = q->b * s->o.bucket_us, .alert_us = ts, .end_us = (q->b + 1) * s->o.bucket_us,
        .sources = (uint64_t)S, .new_sources = q->nnew, .targets = (uint64_t)T,
        .baseline_sources = q->s.mean, .baseline_targets = q->t.mean,
        .baseline_new = s->o.stat == WW_SURGE_NEW ? q->e : 0,
        .spread = q->spread, .score = z,
        .isc_score = sqrt((S - fs) * (S - fs) / fs + (T - ft) * (T - ft) / ft)};
    if (s->o.stat == WW_SURGE_SOURCES) r->baseline_sources = q->e;
    q->surge = (int)s->nres;
}

void ww_surges_event(struct ww_surges *s, const struct ww_event *ev)
{
    if (ev->proto != WW_PROTO_TCP && ev->proto != WW_PROTO_UDP) return;
    int64_t b = floor_div(ev->ts_us, s->o.bucket_us);
    if (!s->started) {
        s->started = 1;
        s->learn_until = s->o.stat == WW_SURGE_NEW
                       ? b + (s->o.learn_us + s->o.bucket_us - 1) / s->o.bucket_us : b;
    }
    size_t idx = (size_t)(ev->proto == WW_PROTO_UDP) << 16 | ev->dport;
    struct series *q = s->ser[idx];
    if (!q) {
        q = s->ser[idx] = ww_calloc(1, sizeof *q);
        s->nser++;
        q->b = b;
        expect(s, q, b);
    } else if (b > q->b) {
        roll(s, q, b);
    } else if (b < q->b) {
        b = q->b; /* late event: counts in the current bucket */
    }
    uint64_t ah = ww_addr_hash(&ev->src);
    ww_dcount_add(&q->tgt, ww_addr_hash(&ev->dst));
    int news = ww_dcount_add(&q->src, ah);
    if (seen_new(s, ww_hash64(ah ^ (idx * 0x9e3779b97f4a7c15ULL)), b)) {
        q->nnew++;
        news = 1;
    }
    if (!news || q->surge || q->nbuckets < s->o.warmup_buckets) return;
    double x = stat_x(s, q);
    if (x < s->o.min_sources) return;
    double z = (x - q->e) / q->spread;
    if (z < s->o.z_jump) return;
    call(s, q, ev->dport, ev->proto, ev->ts_us, z);
}

size_t ww_surges_results(struct ww_surges *s, const struct ww_surge **out)
{
    *out = s->res; /* appended as called: in alert order for time-ordered input */
    return s->nres;
}

size_t ww_surges_memory(const struct ww_surges *s)
{
    size_t m = sizeof *s + s->nser * sizeof(struct series) + s->seen_cap * sizeof *s->seen +
               s->capres * sizeof *s->res;
    for (size_t i = 0; i < 131072; i++)
        if (s->ser[i]) m += ww_dcount_bytes(&s->ser[i]->src) + ww_dcount_bytes(&s->ser[i]->tgt);
    return m;
}

void ww_surges_free(struct ww_surges *s)
{
    if (!s) return;
    for (size_t i = 0; i < 131072; i++) {
        if (!s->ser[i]) continue;
        ww_dcount_release(&s->ser[i]->src);
        ww_dcount_release(&s->ser[i]->tgt);
        ww_free(s->ser[i]);
    }
    ww_free(s->seen);
    ww_free(s->res);
    ww_free(s);
}

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
 * A surge also needs dispersion (Singh et al., OSDI 2004): the bucket's new
 * sources reach min_targets targets, no one target holds flood_share of
 * them (eight space-saving candidates find it; those holding two or more
 * together holding 60% of them are a flood on a few), and with pooled sensors
 * (struct ww_event's sensor) more than one sensor saw them. A target that
 * holds that share and flood_sources sources (and, where the port has a
 * baseline, as many as would make a surge) is a flood (struct ww_flood):
 * its sources leave the new-source count while it lasts. TCP answers
 * (SYN-ACK, RST) are backscatter and are not counted at all. A series born
 * after the learning period starts with the zero history it had, so a port
 * from nothing is judged at once. UDP source ports below the ephemeral
 * range are series of their own (Witty), dispersed over destination ports.
 * Each surge keeps a sample of its new sources (bottom-k by address hash,
 * with their OS: who they are, below) and its new sources per twelfth of a
 * bucket (slots) while it lasts; its kind, growth rate, doubling time and
 * population are fitted to them when results are read (see "a surge's
 * kind" below).
 * One heavy scanner is one source: it moves T, never S or N. A one-off
 * burst of a few sources, or the diurnal swing the phase means absorb, stays
 * under the guard. A surge lasts while closed buckets keep z >= z_hold; it is
 * reported with the numbers of the moment it was called, plus the ISC trend
 * score sqrt((S-s)^2/s + (T-t)^2/t) against the sources/targets baselines.
 *
 * Memory: a series is 1,016 bytes per (port, proto) ever seen (at most
 * 196608: TCP and UDP destination ports, UDP source ports; allocated 64 at
 * a time), found by direct index, plus its bucket's sample of new sources once it has one
 * past the warm-up (20 bytes a source: 80 bytes, kept from bucket to
 * bucket; up to WW_SURGE_SAMPLE, 5 KiB, in a busy bucket, given back at
 * its end), and the tables of its bucket's three distinct sets (sources,
 * targets, the new sources' targets), kept from bucket to bucket at the
 * size the last bucket needed, at most 2 KiB each; a surge is 5.7 KiB, most of it its sample; the seen table is a
 * core/hash.h index of at most seen_capacity slots over 3/4 as many
 * entries of 16 bytes (80 MiB at the default 2^22), pruning the
 * longest-unseen pairs first when full.
 *
 * Saved state (ww_surges_save/_load), so a restarted collector keeps its
 * baselines and its seen table. Every field is little-endian, written byte by
 * byte (i = signed, u = unsigned, f = IEEE 754 binary64; N = many):
 *
 *   header  "WWSG"  u32 version (3)  u64 body length  u64 FNV-1a 64 of the body
 *   body    options: i64 bucket_us, baseline_us, learn_us; u64 seen_capacity;
 *                    u32 warmup_buckets, min_sources; f64 z_jump, z_hold; u8 stat;
 *                    [2] u32 min_targets, f64 flood_share, u32 flood_sources, u8 sports
 *           u8 started, i64 learn_until, [2] i64 now, i64 latest bucket, u16 its first
 *               sensor, u8 its sensors, u8 the bucket before's sensors
 *           u32 N results, N x (99 bytes, more in version 2): u16 port, u8 proto, i64 start, alert,
 *               end, u64 sources, new_sources, targets, f64 baseline_sources,
 *               baseline_new, baseline_targets, spread, score, isc_score,
 *               [2] u8 side, u32 sensors, u64 new_targets, i64 slot_us,
 *               u32 n, n x u32 slot, [3] its sample
 *           [2] u32 N floods, N x: addr target (u8 family, 16 bytes), u16 port,
 *               u8 proto, i64 start, end, u64 sources, records
 *           u32 N series, by increasing index (2 << 16 | source port for
 *               UDP source ports, else udp << 16 | port), N x:
 *               u32 index, i64 bucket, u64 nnew, u64 nbuckets, u32 surge (0 or
 *               a result's number from 1), then x, s, t as (f64 mean, f64 var,
 *               u32 n), f64 phase_mean[24], u32 phase_n[24], then the bucket's
 *               source and target counters in core/dcount.h's encoding:
 *               u8 0, u8 n (<= 128), n x u64 member (exact, increasing),
 *               or u8 1, 4096 register bytes (HLL); [2] the new sources'
 *               targets (a counter), 2 x (u32 flood, u64 its target's hash,
 *               u64 its new sources), u16 sensor, u8 sensors, u16 source
 *               port candidate, u32 its vote, u32 its new sources, u32 last
 *               surge (0 or a result's number), 12 x u32 slot, 8 x candidate (u64 hash, addr, u32 n, err, i64 first,
 *               u64 records), [3] the bucket's sample (as kept: in arrival order,
 *               a max-heap by address hash once full)
 *           u64 N seen, N x (u64 key, i64 bucket) by increasing key
 *
 *           a sample: u32 n (<= WW_SURGE_SAMPLE), n x (addr, u16 os); a
 *               surge's in its order (address hash, then address; strictly)
 *
 * [2]: from version 2 on; a version 1 state loads with them empty.
 * [3]: from version 3 on (issue 17); older states load with empty samples.
 * Only what exists is written: no empty series, no empty seen slots. The
 * checksum catches torn and corrupt writes (it changes with any one byte);
 * past it the loader still checks every count against the bytes left before
 * allocating, and every value against its range (bucket starts within
 * +-2^62 us, registers <= 53, no repeated keys, no more seen entries than 3/4
 * of the table the options allow), so no input makes it read out of bounds,
 * allocate more than the fixed 1.5 MiB of struct ww_surges plus a few times
 * len (and 5.7 KiB per result record of at least 99 bytes), or build a
 * state the code above cannot run on. What is derived is not stored: the expectation and spread of the
 * current bucket, the window, the seen table's size and layout (the table
 * is rebuilt at the smallest size that holds its entries; growing only ever
 * keeps entries, so it prunes exactly when the saved one would have). */
#include "detect/surge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/bytes.h"
#include "core/dcount.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

#define PHASES 24

struct ewm { double mean, var; uint32_t n; };   /* weighted mean, residual var */

#define SLOTS 12   /* growth slots per bucket */
#define CANDS 8    /* heavy-target candidates per bucket (space saving) */
#define FLOODS 2   /* floods a series follows at once */
#define SER_MAX (3 << 16) /* series: TCP and UDP destination ports, UDP source ports */
#define SMP_KEEP 4 /* a bucket's sample starts with this room, and keeps it for the next bucket */
#define SER_CHUNK 64 /* series are allocated this many at a time */

/* A target the bucket's new sources converge on (Metwally et al.'s space
 * saving: CANDS counters, the smallest replaced, its count inherited as err);
 * its target's hash and its count of new sources are the series' cand_h[]
 * and cand_n[] of the same number. */
struct cand {
    struct ww_addr a;
    uint32_t err;                   /* overestimate in its count */
    int64_t first;                  /* its first new source's time */
    uint64_t rec;                   /* records to it while a candidate */
};

/* What an event or a new source reads comes first (SER_HOT bytes, six
 * cache lines, which ww_surges_prefetch brings in); what a bucket's close
 * reads, after. */
struct series {
    int64_t b;                      /* current bucket */
    struct ww_dcount src, tgt;      /* in the current bucket */
    struct ww_dcount ntgt;          /* targets of the bucket's new sources */
    uint64_t nnew;                  /* new sources in the current bucket */
    uint64_t nbuckets;              /* closed buckets of history */
    double e, spread;               /* expectation for the current bucket */
    int surge;                      /* index+1 of the ongoing surge, 0 if none */
    uint32_t spn, sphit;            /* its vote, and new sources from it since it led */
    uint16_t sens0;                 /* the first sensor of the bucket's new sources */
    uint16_t sp;                    /* their majority source port candidate (Boyer-Moore) */
    uint8_t nsens;                  /* sensors among them: 0, 1 or 2 (= more) */
    uint32_t nsmp, capsmp;          /* smp[0 .. nsmp), room for capsmp */
    struct {
        int i;                      /* index+1 of an ongoing flood, 0 if none */
        uint64_t h;                 /* its target's hash */
        uint64_t fresh;             /* its new sources in the current bucket */
    } fl[FLOODS];
    uint64_t cand_h[CANDS];         /* the candidates' target hashes; 0 = unused */
    uint32_t cand_n[CANDS];         /* their new sources counted (a new source reads
                                       these two and no struct cand) */
    uint32_t slot[SLOTS];           /* new sources per twelfth of the bucket */
    struct ww_surge_src *smp;       /* the bucket's new sources, bottom-k (a surge's
                                       sample, should one be called in it) */
    uint64_t smp_top;               /* the address hash of smp[0], the heap's top */
    int last;                       /* index+1 of the latest surge, kept after it ends */
    struct ewm x;                   /* judged statistic, all buckets */
    struct ewm s, t;                /* sources and targets (for the ISC score) */
    double phase_mean[PHASES];
    uint32_t phase_n[PHASES];
    struct cand cand[CANDS];
};
#define SER_HOT offsetof(struct series, last)

struct seen { uint64_t key; int64_t b; }; /* key: odd (see seen_new) */

struct ww_surges {
    struct ww_surge_opts o;
    uint64_t window;                /* W: buckets in the baseline window */
    int started;
    int64_t learn_until;            /* buckets before this are not baseline */
    int phased;                     /* buckets divide an hour: the baseline keeps 24 phases */
    int64_t per_hour;               /* buckets an hour, when phased */
    uint64_t per_day;               /* buckets a day per phase: a phase's mean is used from then */
    int64_t now_us;                 /* the latest event's time */
    int64_t sb;                     /* the latest event's bucket */
    int64_t last_b, last_lo;        /* the last event's bucket, its start in us (derived, not saved) */
    uint16_t sens0;                 /* the first sensor with an event in it */
    uint8_t nsens;                  /* sensors with events in it: 0, 1 or 2 (= more) */
    uint8_t nsens_prev;             /* the same for the bucket before */
    struct series *ser[SER_MAX];
    size_t nser;
    struct series *chunk[SER_MAX / SER_CHUNK]; /* where they are, SER_CHUNK a piece */
    struct seen *seen;              /* seen[0 .. seen_n), room for 3/4 of the slots */
    size_t seen_n;
    struct ww_hash seen_ix;         /* key -> seen entry */
    size_t seen_v;                  /* the table's size as it grows and prunes (by
                                       doubling); the index has this many slots or twice */
    int64_t seen_lo;                /* no entry's bucket is before this */
    struct ww_surge *res;
    size_t nres, capres;
    struct ww_flood *fl;
    size_t nfl, capfl;
    struct memo {                   /* hashes_of's: an event's, per slot among the 16 in flight */
        uint64_t w[4], k;           /* its addresses' words; families, port, proto */
        uint64_t ah, th, sk;        /* source and target hashes, the seen key of its dport series */
    } memo[16];
};

void ww_surge_opts_default(struct ww_surge_opts *o)
{
    o->bucket_us = WW_HOUR_US;
    o->baseline_us = 30 * WW_DAY_US;
    o->warmup_buckets = 6;
    o->min_sources = 10;
    o->z_jump = 7;
    o->z_hold = 3;
    o->stat = WW_SURGE_NEW;
    o->seen_capacity = 1u << 22;
    o->learn_us = WW_DAY_US;
    o->min_targets = 5;
    o->flood_share = 0.5;
    o->flood_sources = 100;
    o->sports = 1;
}

static void seen_alloc(struct ww_surges *s, size_t cap);
static uint64_t seen_hash(uint64_t key);
static uint64_t seen_key(uint64_t src_hash, size_t idx);

struct ww_surges *ww_surges_new(const struct ww_surge_opts *o)
{
    struct ww_surges *s = ww_calloc(1, sizeof *s);
    if (o) s->o = *o;
    else ww_surge_opts_default(&s->o);
    if (s->o.bucket_us < 1000000) s->o.bucket_us = 1000000;
    if (s->o.seen_capacity < 1024) s->o.seen_capacity = 1024;
    s->window = (uint64_t)(s->o.baseline_us / s->o.bucket_us);
    if (s->window < 1) s->window = 1;
    s->phased = s->o.bucket_us <= WW_HOUR_US && WW_HOUR_US % s->o.bucket_us == 0;
    s->per_hour = s->phased ? WW_HOUR_US / s->o.bucket_us : 1;
    s->per_day = (uint64_t)(WW_DAY_US / s->o.bucket_us) / PHASES;
    s->last_lo = INT64_MAX; /* no last bucket yet: only INT64_MAX itself is in */
    s->last_b = ww_floordiv(INT64_MAX, s->o.bucket_us); /* "it", and that is its bucket */
    seen_alloc(s, 1024);
    return s;
}

/* The hour of day of bucket b (phased only: a bucket divides the hour, so
 * its hour is b / per_hour, rounded down; no division at hourly buckets). */
static unsigned phase_of(const struct ww_surges *s, int64_t b)
{
    int64_t h = s->per_hour == 1 ? b : ww_floordiv(b, s->per_hour);
    return (unsigned)(h % PHASES + PHASES) % PHASES;
}

/* ---- the seen table: (source, port) -> last bucket ---- */

/* Keys are odd (bit 0 once marked an empty slot; saved states hold them
 * so), so the index hashes the bits above it. */
static uint64_t seen_hash(uint64_t key) { return key >> 1; }

static int same_seen(const void *seen, uint32_t i, const void *key)
{
    return ((const struct seen *)seen)[i].key == *(const uint64_t *)key;
}

static size_t seen_cap(const struct ww_surges *s) { return (size_t)s->seen_ix.mask + 1; }

/* Empty entries and index for a table of cap slots. */
static void seen_alloc(struct ww_surges *s, size_t cap)
{
    s->seen = ww_malloc(ww_hash_most(cap) * sizeof *s->seen);
    s->seen_n = 0;
    ww_hash_init(&s->seen_ix, cap);
    s->seen_v = cap;
    s->seen_lo = INT64_MAX;
}

static void seen_add(struct ww_surges *s, uint64_t key, int64_t b)
{
    if (b < s->seen_lo) s->seen_lo = b;
    s->seen[s->seen_n] = (struct seen){key, b};
    ww_hash_put(&s->seen_ix, seen_hash(key), (uint32_t)s->seen_n++);
}

/* Entries a rebuild keeps: seen at or after cutoff, with the key bits under
 * mask clear (mask 0: all of them). */
static int seen_kept(const struct seen *e, int64_t cutoff, uint64_t mask)
{
    return e->b >= cutoff && !(e->key & mask);
}

static size_t seen_keep(const struct ww_surges *s, int64_t cutoff, uint64_t mask)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->seen_n; i++) keep += seen_kept(&s->seen[i], cutoff, mask);
    return keep;
}

/* Grow, or when at capacity keep the most recently seen quarter. When more
 * than half the table was seen in the newest bucket (a flood of new pairs
 * that time cannot order), keep a hash-chosen half or less of it, so the
 * table always has room (it used to recurse without end there).
 * Growing doubles the size seen_v, and drops the pairs last seen before the
 * window (they count as new anyway); the index grows four-fold, so every
 * second growth finds room and, with nothing to drop, moves seen_v alone:
 * half the re-indexing that doubling the index cost (a fifth of the surge
 * detector's time on 2 M one-shot sources), the same entries kept. */
static void seen_rebuild(struct ww_surges *s, int64_t now)
{
    size_t cap = s->seen_v, ncap = cap, pcap = seen_cap(s);
    int64_t cutoff = now - (int64_t)s->window;
    uint64_t mask = 0;
    if (2 * cap <= s->o.seen_capacity) {
        ncap = 2 * cap;
        if (s->seen_lo < cutoff) { /* a bound (entries only move later): made exact */
            s->seen_lo = INT64_MAX;
            for (size_t i = 0; i < s->seen_n; i++)
                if (s->seen[i].b < s->seen_lo) s->seen_lo = s->seen[i].b;
        }
        if (ncap <= pcap && s->seen_lo >= cutoff) {
            s->seen_v = ncap;
            return;
        }
        if (ncap > pcap) pcap = 2 * ncap <= s->o.seen_capacity ? 2 * ncap : ncap;
    } else { /* full (and the index no larger): find a cutoff that keeps about a quarter */
        int64_t lo = cutoff, hi = now;
        for (int it = 0; it < 40 && lo < hi; it++) {
            int64_t mid = lo + (hi - lo) / 2;
            if (seen_keep(s, mid, 0) > cap / 4) lo = mid + 1;
            else hi = mid;
        }
        cutoff = lo;
        while (seen_keep(s, cutoff, mask) > cap / 2) mask = mask << 1 | 2;
    }
    /* in place: the kept entries move up in order, the array grows by
     * realloc (a large one is remapped, not copied), and only the index is
     * made anew, after the old one is freed: growing costs the new index
     * and nothing else at once (a second table beside the first had been
     * the peak of the one-shot-sources bench) */
    size_t n = s->seen_n, w = 0;
    s->seen_lo = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (seen_kept(&s->seen[i], cutoff, mask)) {
            if (s->seen[i].b < s->seen_lo) s->seen_lo = s->seen[i].b;
            s->seen[w++] = s->seen[i];
        }
    int grown = pcap != seen_cap(s);
    ww_hash_release(&s->seen_ix);
    if (grown) s->seen = ww_realloc(s->seen, ww_hash_most(pcap) * sizeof *s->seen);
    ww_hash_init(&s->seen_ix, pcap);
    /* tens of MiB looked up at random: huge pages miss the TLB less */
    ww_mem_huge(s->seen, ww_hash_most(pcap) * sizeof *s->seen);
    ww_mem_huge(s->seen_ix.slot, ww_hash_bytes(&s->seen_ix));
    s->seen_v = ncap;
    s->seen_n = 0;
    for (size_t i = 0; i < w; i++) ww_hash_put(&s->seen_ix, seen_hash(s->seen[i].key), (uint32_t)s->seen_n++);
}

/* The seen table's key of (source hash, series). */
static uint64_t seen_key(uint64_t src_hash, size_t idx)
{
    return ww_hash64(src_hash ^ (idx * 0x9e3779b97f4a7c15ULL)) | 1;
}

/* What the seen table says of a (source, port) in the port's bucket b. */
enum seen_was {
    SEEN_BUCKET, /* seen in b already: in the bucket's sets and sample as it is */
    SEEN_NEW,    /* not seen within the window before b: a new source */
    SEEN_WINDOW  /* seen within the window, not yet in b */
};

/* Looks (source, port) up and marks it seen in b. A series' buckets only
 * grow, so an entry never holds a bucket past its series' current one; one
 * that does (a loaded state made otherwise) is taken as seen in the window,
 * as before the bucket answer existed, and kept. */
static enum seen_was seen_new(struct ww_surges *s, uint64_t key, int64_t b)
{
    key |= 1;
    uint32_t i = ww_hash_find(&s->seen_ix, seen_hash(key), same_seen, s->seen, &key);
    if (i != WW_HASH_NONE) {
        struct seen *e = &s->seen[i];
        if (e->b == b) return SEEN_BUCKET;
        if (e->b > b) return SEEN_WINDOW;
        enum seen_was was = e->b < b - (int64_t)s->window ? SEEN_NEW : SEEN_WINDOW;
        e->b = b;
        return was;
    }
    if (s->seen_n + 1 > ww_hash_most(s->seen_v)) seen_rebuild(s, b); /* leaves room */
    seen_add(s, key, b);
    return SEEN_NEW;
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
        if (q->phase_n[ph] >= s->per_day) q->e = q->phase_mean[ph];
    }
    q->spread = floor_spread(q->x.var, q->e);
}

static double stat_x(const struct ww_surges *s, const struct series *q)
{
    return s->o.stat == WW_SURGE_SOURCES ? (double)ww_dcount_count(&q->src) : (double)q->nnew;
}

/* Fold closed bucket b of q, its values xc, S, T clipped already, into its
 * baselines (q->e: the expectation b was judged by). */
static void fold_in(struct ww_surges *s, struct series *q, int64_t b, double xc, double S, double T)
{
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
    ewm_add(&q->s, S, q->s.mean, s->window);
    ewm_add(&q->t, T, q->t.mean, s->window);
}

/* Fold closed bucket b (value x; S, T) of q into its baselines. */
static void fold(struct ww_surges *s, struct series *q, int64_t b, double x, double S, double T)
{
    expect(s, q, b);
    if (b < s->learn_until) return;
    int warm = q->nbuckets >= s->o.warmup_buckets; /* clip only a known baseline */
    double cap = q->e + s->o.z_hold * q->spread;
    double sc = q->s.mean + s->o.z_hold * floor_spread(q->s.var, q->s.mean);
    double tc = q->t.mean + s->o.z_hold * floor_spread(q->t.var, q->t.mean);
    fold_in(s, q, b, x < cap || !warm ? x : cap, S < sc || !warm ? S : sc, T < tc || !warm ? T : tc);
}

/* fold(s, q, b, 0, 0, 0) for an empty bucket, most of a sparse port's: a
 * zero is never above a clip that is not below zero (a spread is >= 1), so
 * where nothing is negative its spreads (five square roots) are not made;
 * q->spread is left for roll's expect. */
static void fold_empty(struct ww_surges *s, struct series *q, int64_t b)
{
    q->e = q->x.mean;
    if (s->phased) {
        unsigned ph = phase_of(s, b);
        if (q->phase_n[ph] >= s->per_day) q->e = q->phase_mean[ph];
    }
    if (s->o.z_hold >= 0 && q->e >= 0 && q->s.mean >= 0 && q->t.mean >= 0) fold_in(s, q, b, 0, 0, 0);
    else fold(s, q, b, 0, 0, 0);
}

/* Zero history for a series born at bucket b after the learning period:
 * the buckets since then had no event on its port, which is what folding
 * them would give (a port from nothing has a zero baseline and is judged
 * at once). */
static void zero_history(const struct ww_surges *s, struct series *q, int64_t b)
{
    if (b <= s->learn_until) return;
    int64_t k = b - s->learn_until;
    if (k > (int64_t)s->window) k = (int64_t)s->window;
    q->nbuckets = (uint64_t)k;
    q->x.n = q->s.n = q->t.n = (uint32_t)k;
    if (!s->phased) return;
    int64_t per = WW_HOUR_US / s->o.bucket_us, lo = b - k; /* buckets [lo, b) */
    int64_t days = k / (PHASES * per); /* whole days: per buckets to every phase */
    for (int ph = 0; days && ph < PHASES; ph++) q->phase_n[ph] += (uint32_t)(days * per);
    lo += days * PHASES * per; /* the rest hour by hour */
    for (int64_t h = ww_floordiv(lo, per); h <= ww_floordiv(b - 1, per); h++) {
        int64_t from = h * per > lo ? h * per : lo, to = (h + 1) * per < b ? (h + 1) * per : b;
        q->phase_n[phase_of(s, h * per)] += (uint32_t)(to - from);
    }
}

static void bucket_clear(struct series *q)
{
    ww_dcount_clear(&q->src);
    ww_dcount_clear(&q->tgt);
    ww_dcount_clear(&q->ntgt);
    q->nnew = 0;
    for (int i = 0; i < FLOODS; i++) q->fl[i].fresh = 0;
    q->nsens = 0;
    q->sp = 0, q->spn = q->sphit = 0;
    memset(q->slot, 0, sizeof q->slot);
    for (int i = 0; i < CANDS; i++) /* an unused one is all zero already: its lines not touched */
        if (q->cand_h[i] | q->cand_n[i]) q->cand[i] = (struct cand){0};
    memset(q->cand_h, 0, sizeof q->cand_h);
    memset(q->cand_n, 0, sizeof q->cand_n);
    q->nsmp = 0;
    if (q->capsmp > SMP_KEEP) { /* a busy bucket's: the next one starts small */
        ww_free(q->smp);
        q->smp = NULL, q->capsmp = 0;
    }
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
    for (int i = 0; i < FLOODS; i++) /* a crowd that left */
        if (q->fl[i].i && q->fl[i].fresh < s->o.min_sources) q->fl[i].i = 0;
    fold(s, q, q->b, x, S, T);
    int64_t gap = nb - q->b - 1;
    if (gap > 0) {
        q->surge = 0;
        for (int i = 0; i < FLOODS; i++) q->fl[i].i = 0;
        if (gap > (int64_t)s->window) gap = (int64_t)s->window;
        for (int64_t g = 1; g <= gap; g++) fold_empty(s, q, nb - gap - 1 + g);
    }
    bucket_clear(q);
    q->b = nb;
    expect(s, q, nb);
}

/* ---- a surge's sample of its new sources (bottom-k) ----
 *
 * The WW_SURGE_SAMPLE new sources with the smallest address hashes (ties
 * by address: a total order), each once, in that order: the same set
 * whatever order the sources came in (Broder's bottom-k sketch), and the
 * same addresses chosen in every surge a source is in. A source already
 * there keeps the smallest nonzero os (osdb.h: the best evidence). A
 * series samples its current bucket's new sources while no surge is on
 * (so a surge called in it starts with those from the bucket's start); a
 * surge's own sample takes them from then to its end. Every new source of
 * every port past its warm-up (where a surge may be called) passes the
 * series' sample, so it costs O(1) a source: each is appended until there
 * are WW_SURGE_SAMPLE, which then become a max-heap by (hash, address)
 * whose top (its hash kept) a smaller one replaces (rarely: k ln(n/k) times
 * in n); the call sorts it. A source new twice in one bucket (only
 * after the seen table pruned it) may take two places there; the call
 * keeps it once. The surge's own sample is kept sorted (a binary search a
 * new source, on the few ports surging). */

/* Sources in the sample's order: by address hash (hx, hy), then address. */
static int smp_before(uint64_t hx, const struct ww_surge_src *x, uint64_t hy, const struct ww_surge_src *y)
{
    return hx != hy ? hx < hy : memcmp(x->a.b, y->a.b, sizeof x->a.b) < 0;
}

static int smp_cmp(const void *x, const void *y)
{
    uint64_t hx = ww_addr_hash(&((const struct ww_surge_src *)x)->a);
    uint64_t hy = ww_addr_hash(&((const struct ww_surge_src *)y)->a);
    return smp_before(hx, x, hy, y) ? -1 : smp_before(hy, y, hx, x);
}

/* (a, its hash h, os) into the sample v[0 .. *n), which has room for one
 * more unless *n is WW_SURGE_SAMPLE; an a already there keeps the smaller
 * nonzero os. With only_os (a seen before), an a not there is not added. */
static void sample_add(struct ww_surge_src *v, uint32_t *n, const struct ww_addr *a, uint64_t h,
                       uint16_t os, int only_os)
{
    struct ww_surge_src e = {*a, os};
    uint32_t lo = 0, hi = *n;
    if (*n == WW_SURGE_SAMPLE && !smp_before(h, &e, ww_addr_hash(&v[*n - 1].a), &v[*n - 1]))
        lo = *n; /* most: no search */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (smp_before(h, &e, ww_addr_hash(&v[mid].a), &v[mid])) hi = mid;
        else lo = mid + 1;
    }
    if (lo && ww_addr_eq(&v[lo - 1].a, a)) { /* v[lo - 1] is the last not after a */
        if (os && (!v[lo - 1].os || os < v[lo - 1].os)) v[lo - 1].os = os;
        return;
    }
    if (lo == WW_SURGE_SAMPLE || only_os) return;
    uint32_t keep = *n < WW_SURGE_SAMPLE ? *n : WW_SURGE_SAMPLE - 1;
    memmove(v + lo + 1, v + lo, (keep - lo) * sizeof *v);
    v[lo] = e;
    *n = keep + 1;
}

_Static_assert(WW_SURGE_SAMPLE == SMP_KEEP * 64, "a bucket's sample grows 4, 16, 64, 256");

/* v[i] (its hash h) down the max-heap v[0 .. n). */
static void smp_down(struct ww_surge_src *v, uint32_t n, uint32_t i, uint64_t h)
{
    struct ww_surge_src e = v[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m = l;
        if (l >= n) break;
        uint64_t hm = ww_addr_hash(&v[l].a);
        if (l + 1 < n) {
            uint64_t hr = ww_addr_hash(&v[l + 1].a);
            if (smp_before(hm, &v[l], hr, &v[l + 1])) m = l + 1, hm = hr;
        }
        if (!smp_before(h, &e, hm, &v[m])) break;
        v[i] = v[m];
        i = m;
    }
    v[i] = e;
}

static void bucket_sample(struct series *q, const struct ww_addr *a, uint64_t h, uint16_t os)
{
    struct ww_surge_src e = {*a, os};
    if (q->nsmp == WW_SURGE_SAMPLE) {
        if (!smp_before(h, &e, q->smp_top, &q->smp[0])) return; /* most: not among the smallest */
        q->smp[0] = e;
        smp_down(q->smp, WW_SURGE_SAMPLE, 0, h);
        q->smp_top = ww_addr_hash(&q->smp[0].a);
        return;
    }
    if (q->nsmp == q->capsmp) { /* 4, 16, 64, 256: few reallocs for a busy bucket */
        q->capsmp = q->capsmp ? 4 * q->capsmp : SMP_KEEP;
        q->smp = ww_realloc(q->smp, q->capsmp * sizeof *q->smp);
    }
    q->smp[q->nsmp++] = e;
    if (q->nsmp < WW_SURGE_SAMPLE) return;
    for (uint32_t i = WW_SURGE_SAMPLE / 2; i-- > 0;) /* full: a heap from now on */
        smp_down(q->smp, WW_SURGE_SAMPLE, i, ww_addr_hash(&q->smp[i].a));
    q->smp_top = ww_addr_hash(&q->smp[0].a);
}

/* A source seen again in the bucket: its os lowered to os (nonzero) where
 * it sits in the bucket's sample (os is no part of the heap's order). */
static void bucket_lower(struct series *q, const struct ww_addr *a, uint16_t os)
{
    for (uint32_t i = 0; i < q->nsmp; i++)
        if (ww_addr_eq(&q->smp[i].a, a) && (!q->smp[i].os || os < q->smp[i].os)) q->smp[i].os = os;
}

/* The bucket's sample, sorted, each source once (its best os), into the
 * surge r called in it; the bucket's is done with (r takes the rest). */
static void sample_take(struct series *q, struct ww_surge *r)
{
    qsort(q->smp, q->nsmp, sizeof *q->smp, smp_cmp);
    r->nsample = 0;
    for (uint32_t i = 0; i < q->nsmp; i++) {
        struct ww_surge_src *last = r->nsample ? &r->sample[r->nsample - 1] : NULL;
        uint16_t os = q->smp[i].os;
        if (!last || !ww_addr_eq(&last->a, &q->smp[i].a)) r->sample[r->nsample++] = q->smp[i];
        else if (os && (!last->os || os < last->os)) last->os = os;
    }
    q->nsmp = 0;
}

static void call(struct ww_surges *s, struct series *q, uint16_t port, uint8_t proto,
                 uint8_t side, int64_t ts, double z)
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
        .isc_score = sqrt((S - fs) * (S - fs) / fs + (T - ft) * (T - ft) / ft),
        .side = side, .sensors = q->nsens, .new_targets = ww_dcount_count(&q->ntgt),
        .slot_us = s->o.bucket_us / SLOTS};
    if (s->o.stat == WW_SURGE_SOURCES) r->baseline_sources = q->e;
    unsigned k = (unsigned)((ts - r->start_us) / r->slot_us);
    if (k >= SLOTS) k = SLOTS - 1;
    memcpy(r->slots, q->slot, sizeof q->slot);
    r->nslots = k + 1;
    sample_take(q, r);
    q->surge = q->last = (int)s->nres;
}

/* The candidate holding target hash h (never 0), or -1: one pass over the
 * eight hashes, without a branch a hash (every event asks). */
static int cand_find(const struct series *q, uint64_t h)
{
    unsigned m = 0;
    for (int i = 0; i < CANDS; i++) m |= (unsigned)(q->cand_h[i] == h) << i;
    return m ? __builtin_ctz(m) : -1;
}

/* Count a new source's target (hash h, candidate c or -1) among the
 * bucket's heavy candidates: its number. Not one yet, it takes the place
 * of the first with the fewest. */
static int cand_add(struct series *q, int c, uint64_t h, const struct ww_event *ev)
{
    if (c < 0) {
        uint32_t least = q->cand_n[0];
        c = 0;
        for (int i = 1; i < CANDS; i++)
            if (q->cand_n[i] < least) least = q->cand_n[i], c = i;
        uint32_t err = q->cand_h[c] ? least : 0;
        q->cand_h[c] = h;
        q->cand_n[c] = err;
        q->cand[c] = (struct cand){.a = ev->dst, .err = err, .first = ev->ts_us};
    }
    q->cand_n[c]++;
    return c;
}

/* 1 if the bucket's new sources converge: one candidate target holds
 * flood_share of them, or the candidates that surely hold two or more (a
 * worm's random targets rarely do) hold 60% of them together: a flood on a
 * few targets */
static int converging(const struct ww_surges *s, const struct series *q)
{
    uint64_t top = 0, sure = 0;
    for (int i = 0; i < CANDS; i++) {
        uint64_t n = q->cand_n[i] - q->cand[i].err;
        if (q->cand_n[i] > top) top = q->cand_n[i];
        if (n >= 2) sure += n;
    }
    return top >= s->o.flood_share * (double)q->nnew || sure >= 0.6 * (double)q->nnew;
}

/* The bucket's top target as a flood, once enough sources converge on it
 * (and, on a port with a baseline, as many as would make a surge); its
 * sources leave the bucket's new sources, so they never count toward one. */
static void flood_check(struct ww_surges *s, struct series *q, uint16_t port, uint8_t proto,
                        int ci, int64_t ts)
{
    struct cand *c = &q->cand[ci];
    uint64_t n = q->cand_n[ci] - c->err;
    if (n < s->o.flood_sources || q->cand_n[ci] < s->o.flood_share * (double)q->nnew) return;
    if (q->nbuckets >= s->o.warmup_buckets && (stat_x(s, q) - q->e) / q->spread < s->o.z_jump) return;
    int k = 0; /* a free slot, else the one whose crowd is smallest now */
    for (int i = 1; i < FLOODS; i++)
        if (!q->fl[k].i ? 0 : !q->fl[i].i || q->fl[i].fresh < q->fl[k].fresh) k = i;
    if (s->nfl == s->capfl) {
        s->capfl = s->capfl ? 2 * s->capfl : 16;
        s->fl = ww_realloc(s->fl, s->capfl * sizeof *s->fl);
    }
    s->fl[s->nfl++] = (struct ww_flood){.target = c->a, .port = port, .proto = proto,
        .start_us = c->first, .end_us = ts, .sources = n, .records = c->rec};
    q->fl[k].i = (int)s->nfl;
    q->fl[k].h = q->cand_h[ci];
    q->fl[k].fresh = n;
    q->nnew -= n < q->nnew ? n : q->nnew;
    *c = (struct cand){0}; /* its sources left the count: so does it */
    q->cand_h[ci] = 0;
    q->cand_n[ci] = 0;
}

/* 1 if a UDP destination port's new sources come mostly from one watched
 * source port that surged within the baseline window: a Witty-like worm's
 * random destination ports, each reached by enough of its sources in the
 * end, are that worm, already called on its source port. */
static int explained(const struct ww_surges *s, const struct series *q, uint16_t port, uint8_t side,
                     uint8_t proto, int64_t ts)
{
    if (side != WW_SURGE_DPORT || proto != WW_PROTO_UDP || 2 * q->sphit < q->nnew) return 0;
    if (!q->sp || q->sp >= 32768 || q->sp == port) return 0;
    const struct series *sq = s->ser[(size_t)2 << 16 | q->sp];
    return sq && sq->last && s->res[sq->last - 1].end_us >= ts - s->o.baseline_us;
}

/* A new (zeroed) series as series idx: ports come by the ten thousand, so
 * they are allocated SER_CHUNK at a time, not one by one. */
static struct series *series_new(struct ww_surges *s, size_t idx)
{
    struct series **c = &s->chunk[s->nser / SER_CHUNK];
    if (!*c) *c = ww_calloc(SER_CHUNK, sizeof **c);
    return s->ser[idx] = &(*c)[s->nser++ % SER_CHUNK];
}

/* ev's source and target hashes and its destination port series' seen
 * key, made once for the three prefetch stages and the event that ask
 * again: a slot per event among the 16 in flight (analysis.c prefetches
 * 12 ahead), checked against the event's addresses, port and protocol. */
static const struct memo *hashes_of(struct ww_surges *s, const struct ww_event *ev)
{
    struct memo *m = &s->memo[(uintptr_t)ev / sizeof *ev % 16];
    uint64_t w[4], k = (uint64_t)ev->src.family << 32 | (uint64_t)ev->dst.family << 24 |
                       (uint64_t)ev->proto << 16 | ev->dport;
    memcpy(w, ev->src.b, 16);
    memcpy(w + 2, ev->dst.b, 16);
    if ((m->w[0] ^ w[0]) | (m->w[1] ^ w[1]) | (m->w[2] ^ w[2]) | (m->w[3] ^ w[3]) | (m->k ^ k)) {
        memcpy(m->w, w, sizeof w);
        m->k = k;
        m->ah = ww_addr_hash(&ev->src), m->th = ww_addr_hash(&ev->dst);
        m->sk = seen_key(m->ah, (size_t)(ev->proto == WW_PROTO_UDP) << 16 | ev->dport);
    }
    return m;
}

/* One event on series idx (a destination port, or a UDP source port). */
static void series_event(struct ww_surges *s, size_t idx, uint16_t port, uint8_t side,
                         const struct ww_event *ev, int64_t b, uint64_t ah, uint64_t th, uint64_t sk)
{
    struct series *q = s->ser[idx];
    if (!q) {
        q = series_new(s, idx);
        q->b = b;
        zero_history(s, q, b);
        expect(s, q, b);
    } else if (b > q->b) {
        roll(s, q, b);
    } else if (b < q->b) {
        b = q->b; /* late event: counts in the current bucket */
    }
    int64_t ts = ev->ts_us < b * s->o.bucket_us ? b * s->o.bucket_us : ev->ts_us;
    /* dispersion is over targets, or for a source port over destination
     * ports (Witty's one source port to many; Slammer's random source ports
     * to one are not it) */
    uint64_t dh = side == WW_SURGE_SPORT ? ww_hash64(ev->dport + 1u) : th, ch = dh | 1; /* 0: unused */
    struct ww_surge *r = q->surge ? &s->res[q->surge - 1] : NULL;
    unsigned k = 0;
    if (r) { /* the surge's growth: its slots run on while it lasts */
        int64_t at = (ts - r->start_us) / r->slot_us;
        k = at < WW_SURGE_SLOTS ? (unsigned)at : WW_SURGE_SLOTS;
        if (k < WW_SURGE_SLOTS && k >= r->nslots) r->nslots = k + 1;
    }
    /* a source the seen table has in this bucket already is in its source
     * set: adding it again would change nothing, so it is not; its OS may
     * still lower its place in the bucket's sample (bucket_lower below),
     * which a source seen only in the window before is not in */
    enum seen_was was = seen_new(s, sk, b);
    int isnew = was == SEEN_NEW;
    ww_dcount_add(&q->tgt, th);
    int news = was != SEEN_BUCKET && ww_dcount_add(&q->src, ah);
    struct ww_flood *f = NULL;
    int fi = 0;
    for (; fi < FLOODS && !f; fi++)
        if (q->fl[fi].i && q->fl[fi].h == ch) f = &s->fl[q->fl[fi].i - 1];
    if (f) { /* the flood's records and sources: never toward a surge */
        f->records += ev->count;
        if (ts > f->end_us) f->end_us = ts;
        if (isnew) {
            f->sources++;
            q->fl[fi - 1].fresh++;
            return;
        }
    }
    int c = f ? -1 : cand_find(q, ch);
    if (!f && isnew) c = cand_add(q, c, ch, ev);
    if (c >= 0) q->cand[c].rec += ev->count;
    if (isnew) {
        q->nnew++;
        news = 1;
        ww_dcount_add(&q->ntgt, dh);
        if (!q->nsens) q->sens0 = ev->sensor, q->nsens = 1;
        else if (q->nsens == 1 && ev->sensor != q->sens0) q->nsens = 2;
        if (!q->spn) q->sp = ev->sport, q->spn = 1, q->sphit = 1;
        else if (q->sp == ev->sport) q->spn++, q->sphit++;
        else q->spn--;
        q->slot[(ts - b * s->o.bucket_us) * SLOTS / s->o.bucket_us]++;
        if (r && k < WW_SURGE_SLOTS) r->slots[k]++;
        if (r) sample_add(r->sample, &r->nsample, &ev->src, ah, ev->os, 0);
        else if (q->nbuckets >= s->o.warmup_buckets) bucket_sample(q, &ev->src, ah, ev->os); /* a call may come */
        if (c >= 0 && side == WW_SURGE_DPORT) flood_check(s, q, port, ev->proto, c, ts);
    } else if (ev->os) { /* a source's os: the smallest nonzero of its events, whatever their order */
        if (r) sample_add(r->sample, &r->nsample, &ev->src, ah, ev->os, 1);
        else if (was == SEEN_BUCKET && q->nbuckets >= s->o.warmup_buckets) bucket_lower(q, &ev->src, ev->os);
    }
    if (!news || q->surge || q->nbuckets < s->o.warmup_buckets) return;
    double x = stat_x(s, q);
    if (x < s->o.min_sources) return;
    double z = (x - q->e) / q->spread;
    if (z < s->o.z_jump) return;
    /* dispersion: many targets, no one target taking the crowd, and with
     * pooled sensors more than one of them */
    if (ww_dcount_count(&q->ntgt) < s->o.min_targets) return;
    if (converging(s, q)) return;
    /* a source port's new sources also reach many addresses: reflectors
     * answering one victim from port 123 or 53 are not a worm */
    if (side == WW_SURGE_SPORT &&
        (double)ww_dcount_count(&q->tgt) < fmax(s->o.min_targets, (double)q->nnew / 2)) return;
    if ((s->nsens > 1 || s->nsens_prev > 1) && q->nsens < 2) return;
    if (explained(s, q, port, side, ev->proto, ts)) return;
    call(s, q, port, ev->proto, side, ts, z);
}

/* One stage of the prefetch of series idx for an event from source hash
 * ah to target th, dispersed over dh, its seen hash sh (ww_surges_prefetch). */
static void prefetch_series(const struct ww_surges *s, size_t idx, uint64_t ah, uint64_t th,
                            uint64_t dh, uint64_t sh, int stage)
{
    if (stage == 0) {
        ww_hash_prefetch(&s->seen_ix, sh);
        __builtin_prefetch(&s->ser[idx]);
        return;
    }
    const struct series *q = s->ser[idx];
    if (stage == 1) {
        uint32_t i = ww_hash_peek(&s->seen_ix, sh);
        if (i != WW_HASH_NONE) __builtin_prefetch(&s->seen[i]);
        for (uintptr_t p = (uintptr_t)q & ~(uintptr_t)63; q && p < (uintptr_t)q + SER_HOT; p += 64)
            __builtin_prefetch((const void *)p);
        return;
    }
    if (!q) return;
    ww_dcount_prefetch(&q->src, ah);
    ww_dcount_prefetch(&q->tgt, th);
    ww_dcount_prefetch(&q->ntgt, dh);
}

void ww_surges_prefetch(struct ww_surges *s, const struct ww_event *ev, int stage)
{
    if ((ev->proto != WW_PROTO_TCP && ev->proto != WW_PROTO_UDP) || ww_event_is_reply(ev)) return;
    size_t udp = ev->proto == WW_PROTO_UDP;
    const struct memo *m = hashes_of(s, ev);
    prefetch_series(s, udp << 16 | ev->dport, m->ah, m->th, m->th, seen_hash(m->sk), stage);
    if (udp && s->o.sports && ev->sport && ev->sport < 32768 && ev->sport != ev->dport) /* as below */
        prefetch_series(s, (size_t)2 << 16 | ev->sport, m->ah, m->th, ww_hash64(ev->dport + 1u),
                        seen_hash(seen_key(m->ah, (size_t)2 << 16 | ev->sport)), stage);
}

void ww_surges_event(struct ww_surges *s, const struct ww_event *ev)
{
    if (ev->proto != WW_PROTO_TCP && ev->proto != WW_PROTO_UDP) return;
    if (ww_event_is_reply(ev)) return; /* backscatter, not probes */
    int64_t b = ev->ts_us >= s->last_lo && (uint64_t)ev->ts_us - (uint64_t)s->last_lo < (uint64_t)s->o.bucket_us
              ? s->last_b : ww_floordiv(ev->ts_us, s->o.bucket_us); /* the last event's bucket: no division */
    s->last_b = b, s->last_lo = b * s->o.bucket_us;
    if (!s->started) {
        s->started = 1;
        s->learn_until = s->o.stat == WW_SURGE_NEW
                       ? b + (s->o.learn_us + s->o.bucket_us - 1) / s->o.bucket_us : b;
        s->now_us = ev->ts_us;
    }
    if (ev->ts_us > s->now_us) s->now_us = ev->ts_us;
    if (b > s->sb || !s->nsens) { /* sensors reporting now: pooled if two were */
        s->nsens_prev = b == s->sb + 1 ? s->nsens : 0;
        s->sb = b, s->nsens = 0;
    }
    if (b == s->sb) {
        if (!s->nsens) s->sens0 = ev->sensor, s->nsens = 1;
        else if (s->nsens == 1 && ev->sensor != s->sens0) s->nsens = 2;
    }
    size_t udp = ev->proto == WW_PROTO_UDP;
    const struct memo *m = hashes_of(s, ev);
    series_event(s, udp << 16 | ev->dport, ev->dport, WW_SURGE_DPORT, ev, b, m->ah, m->th, m->sk);
    /* Witty: one source port to random destination ports; ephemeral source
     * ports (every client's) and a port answering itself are not watched */
    if (udp && s->o.sports && ev->sport && ev->sport < 32768 && ev->sport != ev->dport)
        series_event(s, (size_t)2 << 16 | ev->sport, ev->sport, WW_SURGE_SPORT, ev, b, m->ah, m->th,
                     seen_key(m->ah, (size_t)2 << 16 | ev->sport));
}

/* ---- a surge's kind: the trend of its new sources ----
 *
 * A worm's new sources multiply (Zou, Gong, Towsley and Gao, CCS 2003: the
 * trend, not the level); a campaign's arrive as its bots first reach the
 * sensors and then thin out. Over the surge's closed slots (twelfths of a
 * bucket) the excess over the baseline's share is taken from the first slot
 * with an excess, k slots a point n_i (the fewest that hold 4 new sources on
 * average while 3 points remain: a slow worm's sparse slots are mostly
 * noise), smoothed over three points; the rise runs up to the smoothed peak.
 * Spreading: the rise spans at least three points and ln(n_i + 1)
 * grows along it with a least-squares slope more than twice its standard
 * error; the slope is the growth rate r, ln 2 / r the doubling time. The
 * population: Zou et al.'s discrete epidemic, n_i = b C_{i-1} (1 - C_{i-1}/N)
 * with C the cumulative new sources, is linear in C_{i-1} once divided by
 * it: a least-squares line through (C_{i-1}, n_i / C_{i-1}) over the points,
 * weighted by C (n / C's variance is about 1 / C), gives b (intercept) and
 * b / N (minus the slope), so N, and the
 * logistic's time to 95% of N from now. Before the curve bends (slope not
 * negative) N is not yet known: 0. */

/* Weighted least squares y = a + slope x (w NULL: equal weights); returns
 * a, the slope and its standard error. */
static double fit(const double *x, const double *y, const double *w, size_t n, double *slope, double *se)
{
    double sw = 0, mx = 0, my = 0, sxx = 0, sxy = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sw += wi, mx += wi * x[i], my += wi * y[i];
    }
    mx /= sw, my /= sw;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sxx += wi * (x[i] - mx) * (x[i] - mx), sxy += wi * (x[i] - mx) * (y[i] - my);
    }
    *slope = sxx > 0 ? sxy / sxx : 0;
    double a = my - *slope * mx;
    for (size_t i = 0; i < n; i++) {
        double d = y[i] - a - *slope * x[i];
        ss += (w ? w[i] : 1) * d * d;
    }
    *se = n > 2 && sxx > 0 ? sqrt(ss / (double)(n - 2) / sxx) : INFINITY;
    return a;
}

/* The points of n[0 .. span), k slots a point, into p; the log-linear
 * slope of the rise (first point to the peak of the three-point smoothing)
 * in *rate, its t statistic (slope / standard error; 0 if under three
 * points) in *t. Returns the number of points. */
static size_t rise(const double *n, size_t span, size_t k, double *p, double *rate, double *t)
{
    double sm[WW_SURGE_SLOTS], x[WW_SURGE_SLOTS], y[WW_SURGE_SLOTS];
    size_t g = span / k, peak = 0;
    for (size_t j = 0; j < g; j++) {
        p[j] = 0;
        for (size_t i = 0; i < k; i++) p[j] += n[j * k + i];
    }
    for (size_t i = 0; i < g; i++) {
        sm[i] = (p[i ? i - 1 : i] + p[i] + p[i + 1 < g ? i + 1 : i]) / 3;
        if (sm[i] > sm[peak]) peak = i;
    }
    size_t np = 0;
    for (size_t i = 0; i <= peak && i < g; i++, np++) x[np] = (double)i, y[np] = log(p[i] + 1);
    double se;
    *rate = *t = 0;
    if (np < 3) return g;
    fit(x, y, NULL, np, rate, &se);
    *t = se > 0 && isfinite(se) ? *rate / se : 0;
    return g;
}

static void growth(struct ww_surge *r, int64_t bucket_us, int64_t now_us)
{
    double n[WW_SURGE_SLOTS], p[WW_SURGE_SLOTS], best[WW_SURGE_SLOTS];
    double base = r->baseline_new * (double)r->slot_us / (double)bucket_us;
    size_t m = r->nslots ? r->nslots - 1 : 0; /* closed slots: the last one still fills */
    if (now_us >= r->start_us + (int64_t)r->nslots * r->slot_us) m = r->nslots;
    r->kind = WW_SURGE_CAMPAIGN;
    r->growth_per_hour = r->doubling_s = r->population = 0;
    r->saturation_us = 0;
    size_t on = m;
    double total = 0;
    for (size_t i = 0; i < m; i++) {
        n[i] = r->slots[i] > base ? r->slots[i] - base : 0;
        if (on == m && n[i] > 0) on = i;
        if (on < m) total += n[i];
    }
    if (on == m) return;
    /* few new sources a slot are mostly noise: slots are taken k at a time,
     * the fewest that hold 4 on average while 3 points remain; and a pattern
     * within the bucket (sources first seen early in each hour) can hide the
     * trend from one slot to the next, so whole buckets are tried too where
     * there are 4 of them: the rise is the steeper test of the two */
    static const size_t ks[] = {1, 2, 3, 4, 6, SLOTS};
    size_t span = m - on, k = 1, kb = 1, g = 0;
    for (size_t j = 0; j < sizeof ks / sizeof *ks && span / ks[j] >= 3; j++) {
        k = ks[j];
        if (total / (double)span * (double)k >= 4) break;
    }
    double best_t = 0, rate = 0, t, r0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass && (k == SLOTS || span / SLOTS < 4)) break;
        if (pass) k = SLOTS;
        size_t gp = rise(n + on, span, k, p, &r0, &t);
        if (pass && t <= best_t) break;
        best_t = t, rate = r0, g = gp, kb = k;
        memcpy(best, p, gp * sizeof *p);
    }
    if (best_t <= 2) return;
    double width = (double)kb * (double)r->slot_us; /* of a point, in us */
    r->kind = WW_SURGE_SPREADING;
    r->growth_per_hour = rate * (double)WW_HOUR_US / width;
    r->doubling_s = log(2) / rate * width / 1e6;
    double cum = 0, x[WW_SURGE_SLOTS], y[WW_SURGE_SLOTS], w[WW_SURGE_SLOTS], slope, se;
    size_t np = 0;
    for (size_t i = 0; i < g; i++) { /* n_i / C has variance ~ 1 / C: weighted by C */
        if (cum >= 1) x[np] = cum, y[np] = best[i] / cum, w[np++] = cum;
        cum += best[i];
    }
    if (np < 3) return;
    double b = fit(x, y, w, np, &slope, &se);
    if (slope >= 0 || b <= 0) return;
    double pop = -b / slope;
    if (pop < cum) pop = cum;
    if (pop > 1e10) return;
    int64_t at = r->start_us + (int64_t)(on + g * kb) * r->slot_us;
    double later = cum >= 0.95 * pop ? 0 : log(19 * (pop - cum) / cum) / b * width;
    if (!isfinite(later) || later > 1e17) return; /* beyond any use: unknown */
    r->population = pop;
    r->saturation_us = at + (int64_t)later;
}

size_t ww_surges_results(struct ww_surges *s, const struct ww_surge **out)
{
    for (size_t i = 0; i < s->nres; i++) growth(&s->res[i], s->o.bucket_us, s->now_us);
    *out = s->res; /* appended as called: in alert order for time-ordered input */
    return s->nres;
}

char *ww_surge_growth_text(const struct ww_surge *r, char *buf, size_t size)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < r->nslots; i++) total += r->slots[i];
    size_t n = 0;
    if (r->kind == WW_SURGE_SPREADING) {
        double min = r->doubling_s / 60;
        n = (size_t)snprintf(buf, size, "spreading: new sources doubling every %.*f %s",
                             min < 120 ? 0 : 1, min < 120 ? min : min / 60, min < 120 ? "min" : "h");
        if (r->population > 0 && n < size) {
            char t[40];
            n += (size_t)snprintf(buf + n, size - n, ", about %.0f sources expected by %s", r->population,
                                  ww_time_format(r->saturation_us, t, sizeof t));
        }
    } else {
        n = (size_t)snprintf(buf, size, "campaign: %llu new sources since the start, not growing",
                             (unsigned long long)total);
    }
    if (r->side == WW_SURGE_SPORT && n < size)
        snprintf(buf + n, size - n, "; from UDP source port %u to many destination ports (Witty-like)",
                 r->port);
    return buf;
}

size_t ww_surges_floods(struct ww_surges *s, const struct ww_flood **out)
{
    *out = s->fl;
    return s->nfl;
}

size_t ww_surges_memory(const struct ww_surges *s)
{
    size_t m = sizeof *s + (s->nser + SER_CHUNK - 1) / SER_CHUNK * SER_CHUNK * sizeof(struct series) +
               ww_hash_most(seen_cap(s)) * sizeof *s->seen + ww_hash_bytes(&s->seen_ix) +
               s->capres * sizeof *s->res + s->capfl * sizeof *s->fl;
    for (size_t i = 0; i < SER_MAX; i++)
        if (s->ser[i])
            m += ww_dcount_bytes(&s->ser[i]->src) + ww_dcount_bytes(&s->ser[i]->tgt) +
                 ww_dcount_bytes(&s->ser[i]->ntgt) + s->ser[i]->capsmp * sizeof *s->ser[i]->smp;
    return m;
}

void ww_surges_free(struct ww_surges *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nser; i++) {
        struct series *q = &s->chunk[i / SER_CHUNK][i % SER_CHUNK];
        ww_dcount_release(&q->src), ww_dcount_release(&q->tgt), ww_dcount_release(&q->ntgt);
        ww_free(q->smp);
    }
    for (size_t i = 0; i < s->nser; i += SER_CHUNK) ww_free(s->chunk[i / SER_CHUNK]);
    ww_free(s->seen);
    ww_hash_release(&s->seen_ix);
    ww_free(s->res);
    ww_free(s->fl);
    ww_free(s);
}

/* ---- saving and loading (the format is in the comment at the top) ---- */

#define SAVE_HEAD 24
#define SAVE_VERSION 3 /* 1 and 2 are still read: what later versions add starts empty */
#define SAVE_T_LIMIT (INT64_C(1) << 62) /* |bucket start| a loaded series may have, in us */
#define SAVE_RESULT 99                  /* bytes of one result record, at least */

struct rbuf { const unsigned char *p; size_t n, off; const char *err; };

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* The state is written into a buffer without a maximum (the state in
 * memory bounds its bytes), so an add never fails. */
static void put(struct ww_buf *w, uint64_t v, unsigned k) { ww_le_put(ww_buf_grow(w, k), v, k); }

static void put_f(struct ww_buf *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put(w, u, 8);
}

static void fail(struct rbuf *r, const char *why)
{
    if (!r->err) r->err = why;
}

/* k bytes at the cursor, or NULL (and an error) past the end or after one. */
static const unsigned char *take(struct rbuf *r, size_t k)
{
    if (r->err || r->n - r->off < k) {
        fail(r, "surge state: a count runs past the end");
        return NULL;
    }
    r->off += k;
    return r->p + r->off - k;
}

static uint64_t get(struct rbuf *r, unsigned k)
{
    const unsigned char *p = take(r, k);
    return p ? ww_le_get(p, k) : 0;
}

static int64_t get_i(struct rbuf *r)
{
    uint64_t v = get(r, 8);
    return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static double get_f(struct rbuf *r)
{
    uint64_t u = get(r, 8);
    double d;
    memcpy(&d, &u, sizeof d);
    if (!isfinite(d)) fail(r, "surge state: a number is not finite");
    return d;
}

/* Distinct counters in core/dcount.h's encoding (the same bytes as ever). */
static void put_dcount(struct ww_buf *w, const struct ww_dcount *dc)
{
    unsigned char b[WW_DCOUNT_ENC_MAX];
    ww_buf_add(w, b, ww_dcount_encode(dc, b));
}

static void get_dcount(struct rbuf *r, struct ww_dcount *dc)
{
    size_t used;
    if (r->err) return;
    if (ww_dcount_decode(dc, r->p + r->off, r->n - r->off, &used))
        fail(r, "surge state: bad distinct counter");
    else
        r->off += used;
}

static void put_addr(struct ww_buf *w, const struct ww_addr *a)
{
    put(w, a->family, 1);
    ww_buf_add(w, a->b, 16);
}

static void get_addr(struct rbuf *r, struct ww_addr *a)
{
    a->family = (uint8_t)get(r, 1);
    const unsigned char *p = take(r, 16);
    if (p) memcpy(a->b, p, 16);
    if (a->family != 0 && a->family != 4 && a->family != 6) fail(r, "surge state: bad address family");
}

/* A sample (version 3): u32 n, n x (addr, u16 os), in the order kept. */
static void put_sample(struct ww_buf *w, const struct ww_surge_src *v, uint32_t n)
{
    put(w, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        put_addr(w, &v[i].a);
        put(w, v[i].os, 2);
    }
}

/* A sample's count, checked against the most and the bytes left (19 an entry). */
static uint32_t get_sample_n(struct rbuf *r)
{
    uint64_t n = get(r, 4);
    if (!r->err && (n > WW_SURGE_SAMPLE || n > (r->n - r->off) / 19)) fail(r, "surge state: sample count out of range");
    return r->err ? 0 : (uint32_t)n;
}

/* Its n entries into v: addresses of a family, in the sample's strict
 * order (heap 0: a surge's), or as a bucket's (heap 1: a max-heap when
 * full), so that what the code above searches is as it keeps it. */
static void get_sample(struct rbuf *r, struct ww_surge_src *v, uint32_t n, int heap)
{
    for (uint32_t i = 0; i < n && !r->err; i++) {
        get_addr(r, &v[i].a);
        v[i].os = (uint16_t)get(r, 2);
        if (!v[i].a.family) fail(r, "surge state: bad address family");
        if (i && (heap ? n == WW_SURGE_SAMPLE && smp_cmp(&v[(i - 1) / 2], &v[i]) < 0
                       : smp_cmp(&v[i - 1], &v[i]) >= 0))
            fail(r, "surge state: sample out of order");
    }
}

static void put_ewm(struct ww_buf *w, const struct ewm *m)
{
    put_f(w, m->mean);
    put_f(w, m->var);
    put(w, m->n, 4);
}

static void get_ewm(struct rbuf *r, struct ewm *m)
{
    m->mean = get_f(r);
    m->var = get_f(r);
    m->n = (uint32_t)get(r, 4);
}

/* Sorts e[0..n) by key: LSD radix, a byte a pass (qsort took 3x as long);
 * tmp is scratch of n entries. After the eight passes the result is in e. */
static void sort_seen(struct seen *e, struct seen *tmp, size_t n)
{
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t at[257] = {0};
        for (size_t i = 0; i < n; i++) at[(e[i].key >> shift & 255) + 1]++;
        for (int d = 0; d < 256; d++) at[d + 1] += at[d];
        for (size_t i = 0; i < n; i++) tmp[at[e[i].key >> shift & 255]++] = e[i];
        struct seen *t = e;
        e = tmp, tmp = t;
    }
}

size_t ww_surges_save(const struct ww_surges *s, unsigned char **out)
{
    struct ww_buf w;
    ww_buf_init(&w, SIZE_MAX);
    ww_buf_grow(&w, SAVE_HEAD);
    put(&w, (uint64_t)s->o.bucket_us, 8);
    put(&w, (uint64_t)s->o.baseline_us, 8);
    put(&w, (uint64_t)s->o.learn_us, 8);
    put(&w, s->o.seen_capacity, 8);
    put(&w, s->o.warmup_buckets, 4);
    put(&w, s->o.min_sources, 4);
    put_f(&w, s->o.z_jump);
    put_f(&w, s->o.z_hold);
    put(&w, (uint64_t)s->o.stat, 1);
    put(&w, s->o.min_targets, 4);
    put_f(&w, s->o.flood_share);
    put(&w, s->o.flood_sources, 4);
    put(&w, (uint64_t)!!s->o.sports, 1);
    put(&w, (uint64_t)s->started, 1);
    put(&w, (uint64_t)s->learn_until, 8);
    put(&w, (uint64_t)s->now_us, 8);
    put(&w, (uint64_t)s->sb, 8);
    put(&w, s->sens0, 2);
    put(&w, s->nsens, 1);
    put(&w, s->nsens_prev, 1);
    put(&w, s->nres, 4);
    for (size_t i = 0; i < s->nres; i++) {
        const struct ww_surge *u = &s->res[i];
        put(&w, u->port, 2);
        put(&w, u->proto, 1);
        put(&w, (uint64_t)u->start_us, 8);
        put(&w, (uint64_t)u->alert_us, 8);
        put(&w, (uint64_t)u->end_us, 8);
        put(&w, u->sources, 8);
        put(&w, u->new_sources, 8);
        put(&w, u->targets, 8);
        put_f(&w, u->baseline_sources);
        put_f(&w, u->baseline_new);
        put_f(&w, u->baseline_targets);
        put_f(&w, u->spread);
        put_f(&w, u->score);
        put_f(&w, u->isc_score);
        put(&w, u->side, 1);
        put(&w, u->sensors, 4);
        put(&w, u->new_targets, 8);
        put(&w, (uint64_t)u->slot_us, 8);
        put(&w, u->nslots, 4);
        for (uint32_t k = 0; k < u->nslots; k++) put(&w, u->slots[k], 4);
        put_sample(&w, u->sample, u->nsample);
    }
    put(&w, s->nfl, 4);
    for (size_t i = 0; i < s->nfl; i++) {
        const struct ww_flood *f = &s->fl[i];
        put_addr(&w, &f->target);
        put(&w, f->port, 2);
        put(&w, f->proto, 1);
        put(&w, (uint64_t)f->start_us, 8);
        put(&w, (uint64_t)f->end_us, 8);
        put(&w, f->sources, 8);
        put(&w, f->records, 8);
    }
    put(&w, s->nser, 4);
    for (size_t i = 0, k = 0; k < s->nser; i++) {
        const struct series *q = s->ser[i];
        if (!q) continue;
        k++;
        put(&w, i, 4);
        put(&w, (uint64_t)q->b, 8);
        put(&w, q->nnew, 8);
        put(&w, q->nbuckets, 8);
        put(&w, (uint64_t)q->surge, 4);
        put_ewm(&w, &q->x);
        put_ewm(&w, &q->s);
        put_ewm(&w, &q->t);
        for (int ph = 0; ph < PHASES; ph++) put_f(&w, q->phase_mean[ph]);
        for (int ph = 0; ph < PHASES; ph++) put(&w, q->phase_n[ph], 4);
        put_dcount(&w, &q->src);
        put_dcount(&w, &q->tgt);
        put_dcount(&w, &q->ntgt);
        for (int j = 0; j < FLOODS; j++) {
            put(&w, (uint64_t)q->fl[j].i, 4);
            put(&w, q->fl[j].h, 8);
            put(&w, q->fl[j].fresh, 8);
        }
        put(&w, q->sens0, 2);
        put(&w, q->nsens, 1);
        put(&w, q->sp, 2);
        put(&w, q->spn, 4);
        put(&w, q->sphit, 4);
        put(&w, (uint64_t)q->last, 4);
        for (int j = 0; j < SLOTS; j++) put(&w, q->slot[j], 4);
        for (int j = 0; j < CANDS; j++) {
            const struct cand *c = &q->cand[j];
            put(&w, q->cand_h[j], 8);
            put_addr(&w, &c->a);
            put(&w, q->cand_n[j], 4);
            put(&w, c->err, 4);
            put(&w, (uint64_t)c->first, 8);
            put(&w, c->rec, 8);
        }
        put_sample(&w, q->smp, q->nsmp);
    }
    /* the seen table by key, so the bytes do not depend on its layout */
    size_t n = s->seen_n;
    struct seen *e = ww_malloc((2 * n + 1) * sizeof *e);
    memcpy(e, s->seen, n * sizeof *e);
    sort_seen(e, e + n, n);
    put(&w, n, 8);
    unsigned char *p = ww_buf_grow(&w, 16 * n);
    for (size_t i = 0; i < n; i++, p += 16) {
        ww_le_put64(p, e[i].key);
        ww_le_put64(p + 8, (uint64_t)e[i].b);
    }
    ww_free(e);
    unsigned char *h = (unsigned char *)w.p;
    size_t len = w.len;
    memcpy(h, "WWSG", 4);
    ww_le_put32(h + 4, SAVE_VERSION);
    ww_le_put64(h + 8, len - SAVE_HEAD);
    ww_le_put64(h + 16, fnv1a(h + SAVE_HEAD, len - SAVE_HEAD));
    *out = (unsigned char *)ww_buf_take(&w);
    return len;
}

/* The series part of a state: nser series in increasing index order. */
static void load_series(struct rbuf *r, struct ww_surges *s, unsigned version)
{
    uint64_t nser = get(r, 4);
    int64_t blim = SAVE_T_LIMIT / s->o.bucket_us;
    int64_t prev = -1;
    if (nser > SER_MAX) fail(r, "surge state: too many series");
    for (uint64_t k = 0; k < nser && !r->err; k++) {
        int64_t idx = (int64_t)get(r, 4);
        if (r->err || idx <= prev || idx >= SER_MAX) {
            fail(r, "surge state: series out of order");
            return;
        }
        prev = idx;
        struct series *q = series_new(s, (size_t)idx);
        q->b = get_i(r);
        q->nnew = get(r, 8);
        q->nbuckets = get(r, 8);
        uint64_t surge = get(r, 4);
        get_ewm(r, &q->x);
        get_ewm(r, &q->s);
        get_ewm(r, &q->t);
        for (int ph = 0; ph < PHASES; ph++) q->phase_mean[ph] = get_f(r);
        for (int ph = 0; ph < PHASES; ph++) q->phase_n[ph] = (uint32_t)get(r, 4);
        get_dcount(r, &q->src);
        get_dcount(r, &q->tgt);
        if (version >= 2) {
            get_dcount(r, &q->ntgt);
            for (int j = 0; j < FLOODS; j++) {
                uint64_t flood = get(r, 4);
                q->fl[j].h = get(r, 8);
                q->fl[j].fresh = get(r, 8);
                if (flood > s->nfl) fail(r, "surge state: series names a flood not called");
                q->fl[j].i = (int)(flood & 0x7fffffff);
            }
            q->sens0 = (uint16_t)get(r, 2);
            q->nsens = (uint8_t)get(r, 1);
            q->sp = (uint16_t)get(r, 2);
            q->spn = (uint32_t)get(r, 4);
            q->sphit = (uint32_t)get(r, 4);
            uint64_t last = get(r, 4);
            if (last > s->nres) fail(r, "surge state: series names a surge not called");
            q->last = (int)(last & 0x7fffffff);
            for (int j = 0; j < SLOTS; j++) q->slot[j] = (uint32_t)get(r, 4);
            for (int j = 0; j < CANDS; j++) {
                struct cand *c = &q->cand[j];
                q->cand_h[j] = get(r, 8);
                get_addr(r, &c->a);
                q->cand_n[j] = (uint32_t)get(r, 4);
                c->err = (uint32_t)get(r, 4);
                c->first = get_i(r);
                c->rec = get(r, 8);
                if (c->err > q->cand_n[j]) fail(r, "surge state: candidate count below its error");
                if (c->first < -SAVE_T_LIMIT || c->first > SAVE_T_LIMIT)
                    fail(r, "surge state: candidate time out of range");
                if (!q->cand_h[j] && !q->cand_n[j]) *c = (struct cand){0}; /* unused: as bucket_clear expects */
            }
            if (q->nsens > 2) fail(r, "surge state: bad sensor count");
        }
        if (version >= 3 && (q->nsmp = get_sample_n(r))) {
            for (q->capsmp = SMP_KEEP; q->capsmp < q->nsmp; q->capsmp *= 4) {}
            q->smp = ww_malloc(q->capsmp * sizeof *q->smp);
            get_sample(r, q->smp, q->nsmp, 1);
            q->smp_top = ww_addr_hash(&q->smp[0].a);
        }
        if (q->b < -blim || q->b > blim) fail(r, "surge state: series bucket out of range");
        if (q->nbuckets > s->window) fail(r, "surge state: more history than the window");
        if (surge > s->nres) fail(r, "surge state: series names a surge not called");
        q->surge = (int)(surge & 0x7fffffff);
        if (!r->err) expect(s, q, q->b);
    }
}

/* The seen table: n entries, at most 3/4 of the table the options allow.
 * It is rebuilt at the smallest size that holds them: growing from there
 * keeps every entry, so it prunes exactly when the saved table would have. */
static void load_seen(struct rbuf *r, struct ww_surges *s)
{
    uint64_t n = get(r, 8);
    size_t most = 1024, cap = 1024;
    while (2 * most <= s->o.seen_capacity) most *= 2;
    if (r->err || n > (r->n - r->off) / 16 || 4 * n > 3 * most) {
        fail(r, "surge state: seen count out of range");
        return;
    }
    while (n > ww_hash_most(cap)) cap *= 2;
    ww_free(s->seen);
    ww_hash_release(&s->seen_ix);
    seen_alloc(s, cap);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t key = get(r, 8);
        int64_t b = get_i(r);
        if (!(key & 1) ||
            ww_hash_find(&s->seen_ix, seen_hash(key), same_seen, s->seen, &key) != WW_HASH_NONE) {
            fail(r, "surge state: bad or repeated seen key");
            return;
        }
        seen_add(s, key, b);
    }
}

/* A state refused: the reason into the caller's buffer. */
static enum ww_err refuse(const char *why, char *err, size_t errlen)
{
    if (errlen) snprintf(err, errlen, "%s", why);
    return WW_ERR_PARSE;
}

enum ww_err ww_surges_load(const void *buf, size_t len, struct ww_surges **out, char *err, size_t errlen)
{
    const unsigned char *p = buf;
    struct rbuf r = {.err = "not a surge state (no WWSG header)"};
    if (len >= SAVE_HEAD && !memcmp(p, "WWSG", 4)) {
        r = (struct rbuf){p + SAVE_HEAD, len - SAVE_HEAD, 0, NULL};
        if (ww_le_get32(p + 4) < 1 || ww_le_get32(p + 4) > SAVE_VERSION) r.err = "surge state: unsupported version";
        else if (ww_le_get64(p + 8) != r.n) r.err = "surge state: truncated (length mismatch)";
        else if (ww_le_get64(p + 16) != fnv1a(r.p, r.n)) r.err = "surge state: checksum mismatch (torn or corrupt)";
    }
    struct ww_surge_opts o;
    o.bucket_us = get_i(&r);
    o.baseline_us = get_i(&r);
    o.learn_us = get_i(&r);
    uint64_t cap = get(&r, 8);
    o.seen_capacity = (size_t)cap;
    o.warmup_buckets = (unsigned)get(&r, 4);
    o.min_sources = (unsigned)get(&r, 4);
    o.z_jump = get_f(&r);
    o.z_hold = get_f(&r);
    uint64_t stat = get(&r, 1);
    o.stat = stat ? WW_SURGE_SOURCES : WW_SURGE_NEW;
    unsigned version = len >= SAVE_HEAD ? (unsigned)ww_le_get32(p + 4) : 0;
    struct ww_surge_opts d;
    ww_surge_opts_default(&d);
    o.min_targets = d.min_targets, o.flood_share = d.flood_share;
    o.flood_sources = d.flood_sources, o.sports = d.sports;
    if (version >= 2) {
        o.min_targets = (unsigned)get(&r, 4);
        o.flood_share = get_f(&r);
        o.flood_sources = (unsigned)get(&r, 4);
        o.sports = (int)get(&r, 1);
        if (o.flood_share < 0 || o.flood_share > 1 || o.sports > 1) fail(&r, "surge state: option out of range");
    }
    if (o.bucket_us < WW_SEC_US || o.bucket_us > INT64_C(1) << 50 || o.baseline_us < 0 ||
        o.baseline_us > SAVE_T_LIMIT || o.learn_us < 0 || o.learn_us > SAVE_T_LIMIT ||
        cap < 1024 || cap > UINT64_C(1) << 40 || stat > 1)
        fail(&r, "surge state: option out of range");
    if (r.err) return refuse(r.err, err, errlen);
    struct ww_surges *s = ww_surges_new(&o);
    s->started = (int)get(&r, 1);
    s->learn_until = get_i(&r);
    if (version >= 2) {
        s->now_us = get_i(&r);
        s->sb = get_i(&r);
        s->sens0 = (uint16_t)get(&r, 2);
        s->nsens = (uint8_t)get(&r, 1);
        s->nsens_prev = (uint8_t)get(&r, 1);
        if (s->nsens > 2 || s->nsens_prev > 2) fail(&r, "surge state: bad sensor count");
    }
    if (s->started > 1) fail(&r, "surge state: bad started flag");
    uint64_t nres = get(&r, 4);
    if (!r.err && nres > (r.n - r.off) / SAVE_RESULT) fail(&r, "surge state: result count out of range");
    if (!r.err && nres) s->res = ww_malloc(nres * sizeof *s->res);
    for (uint64_t i = 0; i < nres && !r.err; i++, s->nres++) {
        struct ww_surge *u = &s->res[i];
        *u = (struct ww_surge){0};
        u->port = (uint16_t)get(&r, 2);
        u->proto = (uint8_t)get(&r, 1);
        u->start_us = get_i(&r);
        u->alert_us = get_i(&r);
        u->end_us = get_i(&r);
        u->sources = get(&r, 8);
        u->new_sources = get(&r, 8);
        u->targets = get(&r, 8);
        u->baseline_sources = get_f(&r);
        u->baseline_new = get_f(&r);
        u->baseline_targets = get_f(&r);
        u->spread = get_f(&r);
        u->score = get_f(&r);
        u->isc_score = get_f(&r);
        u->slot_us = o.bucket_us / SLOTS;
        if (u->start_us < -SAVE_T_LIMIT || u->end_us > SAVE_T_LIMIT || u->start_us % o.bucket_us ||
            u->alert_us < u->start_us || u->end_us < u->alert_us)
            fail(&r, "surge state: result times out of range");
        if (version >= 2) {
            u->side = (uint8_t)get(&r, 1);
            u->sensors = (uint32_t)get(&r, 4);
            u->new_targets = get(&r, 8);
            u->slot_us = get_i(&r);
            u->nslots = (uint32_t)get(&r, 4);
            if (u->side > 1 || u->sensors > 2 || u->nslots > WW_SURGE_SLOTS || u->slot_us != o.bucket_us / SLOTS)
                fail(&r, "surge state: result out of range");
            for (uint32_t k = 0; k < u->nslots && k < WW_SURGE_SLOTS; k++) u->slots[k] = (uint32_t)get(&r, 4);
        }
        if (version >= 3) {
            u->nsample = get_sample_n(&r);
            get_sample(&r, u->sample, u->nsample, 0);
        }
    }
    s->capres = s->nres;
    uint64_t nfl = version >= 2 ? get(&r, 4) : 0;
    if (!r.err && nfl > (r.n - r.off) / 52) fail(&r, "surge state: flood count out of range");
    if (!r.err && nfl) s->fl = ww_malloc(nfl * sizeof *s->fl);
    for (uint64_t i = 0; i < nfl && !r.err; i++, s->nfl++) {
        struct ww_flood *f = &s->fl[i];
        get_addr(&r, &f->target);
        f->port = (uint16_t)get(&r, 2);
        f->proto = (uint8_t)get(&r, 1);
        f->start_us = get_i(&r);
        f->end_us = get_i(&r);
        f->sources = get(&r, 8);
        f->records = get(&r, 8);
        if (f->start_us < -SAVE_T_LIMIT || f->end_us > SAVE_T_LIMIT || f->end_us < f->start_us)
            fail(&r, "surge state: flood times out of range");
    }
    s->capfl = s->nfl;
    load_series(&r, s, version);
    load_seen(&r, s);
    if (!r.err && r.off != r.n) fail(&r, "surge state: trailing bytes");
    if (r.err) {
        ww_surges_free(s);
        return refuse(r.err, err, errlen);
    }
    *out = s;
    return WW_OK;
}

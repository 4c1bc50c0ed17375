/* scan.c -- per-source scan detection.
 *
 * Two detectors run side by side on every source address; whichever fires
 * first flags the source and names the method.
 *
 * Threshold (Zeek's policy/misc/scan.zeek; CrowdSec's iptables scan
 * scenario): within one window of window_us (5 min), >= vertical_ports (15)
 * distinct destination ports or >= horizontal_hosts (25) distinct targets.
 * Windows are epochs per source: one starts at the source's first event
 * after the previous epoch ended, and its sets start empty. An event more
 * than a window *before* the epoch start (pooled files out of order) also
 * starts a new epoch; one less than a window before it counts in it. The
 * windowed sets are ww_dcounts, exact at these sizes and never larger than
 * the threshold (the source is flagged as soon as one reaches it). As in
 * Zeek, which counts only unsuccessful connection attempts, events known to
 * have succeeded (ACCEPT/ALLOW in a log, an answered probe in a capture) do
 * not count towards the thresholds: a client making 150 allowed outbound
 * connections in the Windows Firewall corpus is browsing, not scanning.
 * Failures and unknown outcomes (logs that do not say) count.
 *
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast portscan
 * detection using sequential hypothesis testing", IEEE S&P 2004): each first
 * contact to a new host is a Bernoulli trial, successful with probability
 * theta0 (0.8) for a benign source and theta1 (0.2) for a scanner. The
 * log-likelihood ratio of "scanner" walks up by ln((1-theta1)/(1-theta0))
 * (+1.39) on a failure and down by ln(theta1/theta0) (-1.39) on a success;
 * at ln(beta/alpha) (+4.6, four failures) the source is a scanner, at
 * ln((1-beta)/(1-alpha)) (-4.6) it is benign for now: the walk restarts at 0.
 * A first contact is a target ww_dcount_add() calls new; events whose
 * outcome is unknown (most logs without an action) do not step the walk.
 *
 * Destination ports are keyed by (proto, port), so TCP 53 and UDP 53 differ
 * and an IP-protocol scan counts protocols; for ICMP the "port" is type and
 * code. Loopback and unspecified sources are never scanners and are ignored,
 * as are events to multicast/broadcast destinations (mDNS, SSDP, DHCP are
 * not scanning): they count nowhere, not even in probes. Nor do replies
 * (ww_event_is_reply: SYN-ACK, RST, ICMP echo reply and errors): arriving
 * unasked they are a DoS victim's backscatter (backscatter.c), and the
 * victim answering spoofed sources is no scanner. An ACK alone is no reply
 * (nmap's ACK scan), nor is an ICMP echo request (a ping sweep).
 *
 * Reported totals (probes, distinct targets and ports, first/last seen,
 * probe kinds, top 4 protocols by probes, kept with Space-Saving, Metwally
 * et al. 2005, should more than 4 appear) cover everything seen from the
 * source while it was tracked; so does its OS: the smallest nonzero match
 * (struct ww_event's os, detect/osdb.h) over its SYNs, the best evidence
 * whatever order they came in. The kind is judged from the totals when the
 * results are asked for: both thresholds reached = block, one = vertical or
 * horizontal, neither (a TRW catch) = vertical if ports > targets.
 *
 * Groups: sources are keyed by their address masked to their family's
 * prefix (ww_addr_group: v6_prefix 64, v4_prefix 32 = each address alone),
 * so a scanner rotating its address inside a /64 is one source to the
 * thresholds and to TRW. The entry keeps the smallest address seen (the
 * group's key is that address masked: one address field serves both, the
 * index's equality masks it) and a ww_dcount of the addresses' hashes; a
 * group is reported as its address while it showed one, else as its
 * prefix with the number of addresses.
 *
 * Slow scans (slow.c): every probe the thresholds count, from a group not
 * flagged, that is new in its window (a target or a port: a repeat within
 * the window would set the same sketch bits) also goes to the long-horizon
 * detector (24 h, two generations of sketches, an admission table so that
 * one-probe sources cost nothing there). The entry keeps where that
 * detector keeps its group (ww_slow_probe's answer), so a probe finds it
 * without a second look-up, and its prefetch follows the entry. Its calls
 * are reported with slow set, for the kinds (horizontal, vertical) the
 * group's fast call, if any, does not already cover.
 *
 * Table: sources live in a dense array `ents` that doubles as it fills;
 * `index` (core/hash.h) finds them by ww_addr_hash. Entries are removed
 * only by a sweep, which compacts the array and rebuilds the index:
 *   - every idle_us of event time (the latest timestamp seen), non-flagged
 *     sources idle for more than idle_us are forgotten;
 *   - when max_sources non-flagged sources are tracked and a new one comes,
 *     the idle ones go and, if that is not enough, the least recently seen
 *     until a quarter of max_sources is free (a selection, O(n) on average,
 *     every n/4 new sources: O(1) amortized per source).
 * Flagged sources are never forgotten (they are the results); their window
 * sets are released when they are flagged.
 *
 * Memory: 168 bytes per entry (struct src; the OS took 2 bytes of padding,
 * the addresses' counter the 16 bytes the top protocols' counts gave up, 32
 * bits each now, the long horizon's place the 2 the probe kinds' 16-bit
 * mask gave up and 2 of padding) + 11..21 bytes of index, plus the
 * ww_dcount tables of groups seen at >= 2 distinct targets, ports or
 * addresses (64 bytes at 2..6 values, up to 2 KiB at 128, then a 4.2 KiB
 * HLL, for each of 5 sets), plus the slow detector's (slow.c: 1 MiB while
 * no group shows two distinct probes, ~17 MiB at its 2^16 groups). A
 * one-shot source (the bulk of background radiation) costs ~180 bytes; with
 * max_sources = 2^20, the non-flagged part stays below ~2^20 * (180 + the
 * dcount tables of the busier sources); the entry array doubles as it
 * grows, so up to twice that is reserved. Hot path: no allocation except
 * amortized table growth and ww_dcount growth. */
#include "detect/scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dcount.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/wtime.h"

enum { M_NONE = 0, M_TRW, M_THRESHOLD };

struct src {
    struct ww_addr addr;  /* the smallest address seen; masked: the group's key */
    uint8_t method;       /* M_*; != M_NONE: flagged */
    uint8_t dead;         /* marked by a sweep */
    uint8_t nprotos;
    uint8_t proto[4];
    uint16_t probe_mask;  /* bit (1u << enum ww_probe) for each probe kind seen */
    uint16_t os;          /* smallest nonzero ev->os: order-independent (osdb.h) */
    uint32_t slow;        /* where the long horizon keeps the group (slow.h's ref) */
    int64_t first_us, last_us, epoch_us;
    uint64_t probes;
    uint32_t proto_probes[4]; /* saturating: a source's top protocols past 2^32 probes are all "many" */
    double llr;           /* TRW log-likelihood ratio */
    struct ww_dcount targets, ports;   /* whole input */
    struct ww_dcount wtargets, wports; /* this window (unflagged only) */
    struct ww_dcount addrs;            /* the group's addresses */
};
_Static_assert(sizeof(struct src) == 168, "the memory bound above: keep it true");
_Static_assert(WW_PROBE_COUNT <= 16, "probe_mask: a bit per probe kind");

/* A source's group as the index keys it: the address's words masked to
 * the group (ww_addr_group, by the masks made once: two ANDs) and their
 * hash, ww_addr_hash of the group. Every event makes one per prefetch
 * stage and one for itself: no address is built or copied. */
struct gkey { uint64_t w[2], h; };

struct ww_scan {
    struct ww_scan_opts o;
    double step_success, step_failure, eta1, eta0;
    struct src *ents;
    size_t n, cap;        /* entries in use, allocated */
    size_t nlive;         /* entries not flagged */
    struct ww_hash index; /* group -> entry */
    struct ww_slow *slow; /* NULL: no long horizon */
    uint64_t mask[2][2];  /* a group's bits, IPv4 [0] and IPv6 [1], as ww_addr_group masks */
    struct ww_sweep_clock clk;     /* event time; idle state swept as it passes */
    struct ww_scanner *res;
    size_t nres;
    struct memo { uint64_t w[2]; uint8_t family; struct gkey k; } memo[16]; /* key_memo's */
};

void ww_scan_opts_default(struct ww_scan_opts *o)
{
    o->window_us = 5 * 60 * INT64_C(1000000);
    o->vertical_ports = 15;
    o->horizontal_hosts = 25;
    o->trw_theta0 = 0.8;
    o->trw_theta1 = 0.2;
    o->trw_alpha = 0.01;
    o->trw_beta = 0.99;
    o->max_sources = (size_t)1 << 20;
    o->idle_us = 3600 * INT64_C(1000000);
    o->v4_prefix = 32;
    o->v6_prefix = 64;
    ww_slow_opts_default(&o->slow);
}

struct ww_scan *ww_scan_new(const struct ww_scan_opts *o)
{
    struct ww_scan *s = ww_calloc(1, sizeof *s);
    if (o) s->o = *o;
    else ww_scan_opts_default(&s->o);
    if (s->o.max_sources < 1) s->o.max_sources = 1;
    if (s->o.max_sources > UINT32_MAX / 4) s->o.max_sources = UINT32_MAX / 4;
    if (s->o.v4_prefix < 1 || s->o.v4_prefix > 32) s->o.v4_prefix = 32;
    if (s->o.v6_prefix < 1 || s->o.v6_prefix > 128) s->o.v6_prefix = 128;
    if (s->o.slow.horizon_us > 0) s->slow = ww_slow_new(&s->o.slow);
    for (int f = 0; f < 2; f++) {
        struct ww_addr ones, m;
        unsigned len;
        memset(ones.b, 0xff, sizeof ones.b);
        ones.family = f ? 6 : 4;
        ww_addr_group(&ones, s->o.v4_prefix, s->o.v6_prefix, &m, &len);
        memcpy(s->mask[f], m.b, sizeof m.b);
    }
    const struct ww_scan_opts *p = &s->o;
    s->step_success = log(p->trw_theta1 / p->trw_theta0);
    s->step_failure = log((1 - p->trw_theta1) / (1 - p->trw_theta0));
    s->eta1 = log(p->trw_beta / p->trw_alpha);
    s->eta0 = log((1 - p->trw_beta) / (1 - p->trw_alpha));
    for (int i = 0; i < 16; i++) s->memo[i].family = 0xff; /* no address's */
    s->cap = 64;
    s->ents = ww_malloc(s->cap * sizeof *s->ents);
    ww_hash_init(&s->index, 2 * s->cap);
    return s;
}

static void release_src(struct src *e)
{
    ww_dcount_release(&e->targets);
    ww_dcount_release(&e->ports);
    ww_dcount_release(&e->wtargets);
    ww_dcount_release(&e->wports);
    ww_dcount_release(&e->addrs);
}

static inline struct gkey key_of(const struct ww_scan *s, const struct ww_addr *a)
{
    const uint64_t *m = s->mask[a->family == 6];
    struct gkey k;
    memcpy(k.w, a->b, 16);
    k.w[0] &= m[0], k.w[1] &= m[1];
    k.h = ww_addr_hash_words(k.w[0], k.w[1]);
    return k;
}

/* key_of(ev's source), remembered for the stages and the event that ask
 * again: a slot per event among the 16 in flight (analysis.c prefetches
 * 12 ahead), checked against the source. */
static inline struct gkey key_memo(struct ww_scan *s, const struct ww_event *ev)
{
    struct memo *m = &s->memo[(uintptr_t)ev / sizeof *ev % 16];
    uint64_t w[2];
    memcpy(w, ev->src.b, 16);
    if (((m->w[0] ^ w[0]) | (m->w[1] ^ w[1])) || m->family != ev->src.family) {
        m->w[0] = w[0], m->w[1] = w[1], m->family = ev->src.family;
        m->k = key_of(s, &ev->src);
    }
    return m->k;
}

/* The group as an address (for the long horizon and the report), and its
 * prefix length. */
static struct ww_addr group_of(const struct ww_scan *s, const struct ww_addr *a, unsigned *len)
{
    struct gkey k = key_of(s, a);
    struct ww_addr g = *a;
    memcpy(g.b, k.w, 16);
    *len = a->family == 4 ? s->o.v4_prefix : s->o.v6_prefix;
    return g;
}

struct by_last { int64_t last_us; size_t idx; };

/* Seen before: last_us, then the entry's place (a total order). */
static int before(const struct by_last *x, const struct by_last *y)
{
    return x->last_us != y->last_us ? x->last_us < y->last_us : x->idx < y->idx;
}

static void swap(struct by_last *x, struct by_last *y)
{
    struct by_last t = *x;
    *x = *y, *y = t;
}

/* Puts the k least recently seen of v[0..n) first, in no order: Hoare's
 * selection (median of three, Lomuto's partition), O(n) on average where
 * sorting them all was O(n log n). Invariant: v[0..lo) precede v[lo..n)
 * and v[0..hi) precede v[hi..n). */
static void select_first(struct by_last *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (lo < k && k < hi && hi - lo > 1) {
        size_t m = lo + (hi - lo) / 2, st = lo;
        if (before(&v[m], &v[lo])) swap(&v[m], &v[lo]);
        if (before(&v[hi - 1], &v[lo])) swap(&v[hi - 1], &v[lo]);
        if (before(&v[m], &v[hi - 1])) swap(&v[m], &v[hi - 1]); /* the median is the pivot */
        for (size_t i = lo; i < hi - 1; i++)
            if (before(&v[i], &v[hi - 1])) swap(&v[i], &v[st++]);
        swap(&v[st], &v[hi - 1]);
        if (k <= st) hi = st;
        else lo = st + 1;
    }
}

static int idle(const struct ww_scan *s, const struct src *e)
{
    return !e->method && s->clk.now_us - e->last_us > s->o.idle_us;
}

#define PEND 16 /* survivors indexed this many behind their slot's prefetch */

/* Forget non-flagged sources idle > idle_us, then the least recently seen
 * until at most `keep` non-flagged ones remain. One pass forgets, moves the
 * survivors down and indexes them anew (each slot prefetched PEND
 * survivors before it is written); when the table is full, a pass before
 * it marks who goes (the idle, then the least recently seen of the rest,
 * which it gathers). */
static void sweep(struct ww_scan *s, size_t keep)
{
    int marked = s->nlive > keep;
    if (marked) {
        struct by_last *v = ww_malloc(s->nlive * sizeof *v);
        size_t m = 0;
        for (size_t k = 0; k < s->n; k++) {
            struct src *e = &s->ents[k];
            if (idle(s, e)) e->dead = 1;
            else if (!e->method) v[m++] = (struct by_last){e->last_us, k};
        }
        if (m > keep) {
            select_first(v, m, m - keep);
            for (size_t j = 0; j < m - keep; j++) s->ents[v[j].idx].dead = 1;
        }
        ww_free(v);
    }
    ww_hash_clear(&s->index); /* the survivors move: index them anew */
    uint64_t pend[PEND];      /* the hashes of the last PEND survivors, not indexed yet */
    size_t w = 0, live = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (k + 4 < s->n) __builtin_prefetch(&s->ents[k + 4]);
        struct src *e = &s->ents[k];
        if (marked ? e->dead : idle(s, e)) {
            release_src(e);
            continue;
        }
        live += !e->method;
        if (w != k) s->ents[w] = *e;
        uint64_t h = key_of(s, &s->ents[w].addr).h;
        ww_hash_prefetch(&s->index, h);
        if (w >= PEND) ww_hash_put(&s->index, pend[w % PEND], (uint32_t)(w - PEND));
        pend[w++ % PEND] = h;
    }
    for (size_t j = w > PEND ? w - PEND : 0; j < w; j++) ww_hash_put(&s->index, pend[j % PEND], (uint32_t)j);
    s->n = w;
    s->nlive = live;
}

/* Does entry i's group have key k (a struct gkey)? (ctx: the detector) */
static int same_group(const void *ctx, uint32_t i, const void *k)
{
    const struct ww_scan *s = ctx;
    const struct ww_addr *a = &s->ents[i].addr;
    const uint64_t *m = s->mask[a->family == 6], *w = ((const struct gkey *)k)->w;
    uint64_t x[2];
    memcpy(x, a->b, 16);
    return (((x[0] & m[0]) ^ w[0]) | ((x[1] & m[1]) ^ w[1])) == 0;
}

static inline uint32_t find(const struct ww_scan *s, const struct gkey *k)
{
    return ww_hash_find(&s->index, k->h, same_group, s, k);
}

static struct src *insert(struct ww_scan *s, const struct ww_addr *a, uint64_t h, int64_t ts)
{
    if (s->nlive >= s->o.max_sources)
        sweep(s, s->o.max_sources - (s->o.max_sources + 3) / 4);
    if (s->n == s->cap) {
        s->cap *= 2;
        s->ents = ww_realloc(s->ents, s->cap * sizeof *s->ents);
    }
    /* Copied from a zeroed entry, field by field: a compound literal is
     * written with `rep stos`, whose start-up costs more than the 168 bytes
     * (a tenth of the detector's time when every source is new). */
    static const struct src empty;
    struct src *e = &s->ents[s->n];
    memcpy(e, &empty, sizeof *e);
    e->addr = *a;
    e->first_us = e->last_us = e->epoch_us = ts;
    ww_hash_add(&s->index, h, (uint32_t)s->n++);
    s->nlive++;
    return e;
}

static void flag(struct ww_scan *s, struct src *e, uint8_t method)
{
    e->method = method;
    ww_dcount_release(&e->wtargets);
    ww_dcount_release(&e->wports);
    s->nlive--;
}

static uint32_t sat_add(uint32_t x, uint64_t c)
{
    return c >= UINT32_MAX - x ? UINT32_MAX : x + (uint32_t)c;
}

/* Space-Saving over 4 counters: exact while <= 4 protocols appear. */
static void proto_add(struct src *e, uint8_t proto, uint64_t c)
{
    unsigned i, min = 0;
    for (i = 0; i < e->nprotos; i++)
        if (e->proto[i] == proto) {
            e->proto_probes[i] = sat_add(e->proto_probes[i], c);
            return;
        }
    if (e->nprotos < 4) {
        e->proto[e->nprotos] = proto;
        e->proto_probes[e->nprotos++] = sat_add(0, c);
        return;
    }
    for (i = 1; i < 4; i++)
        if (e->proto_probes[i] < e->proto_probes[min]) min = i;
    e->proto[min] = proto;
    e->proto_probes[min] = sat_add(e->proto_probes[min], c);
}

/* The (proto, port) value a scanner's port sets count. */
static uint64_t port_hash(const struct ww_event *ev)
{
    uint64_t port = ev->dport;
    if (ev->proto == WW_PROTO_ICMP || ev->proto == WW_PROTO_ICMP6)
        port |= (uint64_t)ev->sport << 16;
    return ww_hash64((uint64_t)ev->proto << 32 | port);
}

void ww_scan_prefetch(struct ww_scan *s, const struct ww_event *ev, int stage)
{
    struct gkey k = key_memo(s, ev);
    if (stage == 0) {
        ww_hash_prefetch(&s->index, k.h);
        return;
    }
    if (stage == 1) {
        uint32_t i = ww_hash_peek(&s->index, k.h);
        if (i != WW_HASH_NONE) {
            __builtin_prefetch(&s->ents[i]);
            __builtin_prefetch(&s->ents[i].targets);
        } else if (s->slow) { /* a new entry: its long horizon group is looked up */
            ww_slow_prefetch(s->slow, WW_SLOW_UNKNOWN, k.h, 0);
        }
        return;
    }
    uint32_t i = find(s, &k);
    if (i == WW_HASH_NONE) {
        if (s->slow) ww_slow_prefetch(s->slow, WW_SLOW_UNKNOWN, k.h, 1);
        return;
    }
    const struct src *e = &s->ents[i];
    if (s->slow && !e->method) ww_slow_prefetch(s->slow, e->slow, k.h, 1); /* flagged: no long horizon */
    uint64_t th = ww_addr_hash(&ev->dst), ph = port_hash(ev);
    ww_dcount_prefetch(&e->targets, th);
    ww_dcount_prefetch(&e->ports, ph);
    if (!e->method) {
        ww_dcount_prefetch(&e->wtargets, th);
        ww_dcount_prefetch(&e->wports, ph);
    }
}

void ww_scan_event(struct ww_scan *s, const struct ww_event *ev)
{
    if (!ev->src.family || ww_addr_is_loopback(&ev->src) ||
        ww_addr_is_unspecified(&ev->src) || ww_addr_is_multicast(&ev->dst) ||
        ww_event_is_reply(ev))
        return;
    int due;
    int64_t ts = ww_sweep_tick(&s->clk, ev->ts_us, s->o.idle_us, &due); /* +-2^61 us: differences in range */
    if (due) sweep(s, SIZE_MAX);
    struct gkey k = key_memo(s, ev);
    uint32_t i = find(s, &k);
    struct src *e;
    if (i == WW_HASH_NONE) {
        e = insert(s, &ev->src, k.h, ts);
        ww_dcount_add(&e->addrs, ww_addr_hash(&ev->src));
    } else if (e = &s->ents[i], !ww_addr_eq(&ev->src, &e->addr)) { /* the smallest is counted already */
        if (ww_addr_cmp(&ev->src, &e->addr) < 0) e->addr = ev->src;
        ww_dcount_add(&e->addrs, ww_addr_hash(&ev->src));
    }

    uint64_t c = ev->count ? ev->count : 1;
    e->probes += c;
    if (ts < e->first_us) e->first_us = ts;
    if (ts > e->last_us) e->last_us = ts;
    e->probe_mask |= (uint16_t)(1u << ww_event_probe(ev));
    if (ev->os && (!e->os || ev->os < e->os)) e->os = ev->os;
    proto_add(e, ev->proto, c);
    uint64_t th = ww_addr_hash(&ev->dst), ph = port_hash(ev);
    int newtarget = ww_dcount_add(&e->targets, th);
    ww_dcount_add(&e->ports, ph);
    if (e->method) return;

    if (newtarget && ev->outcome != WW_OUTCOME_UNKNOWN) {
        e->llr += ev->outcome == WW_OUTCOME_SUCCESS ? s->step_success : s->step_failure;
        if (e->llr >= s->eta1) {
            flag(s, e, M_TRW);
            return;
        }
        if (e->llr <= s->eta0) e->llr = 0;
    }
    if (ev->outcome == WW_OUTCOME_SUCCESS) return; /* not a probe: see above */
    if (ts - e->epoch_us >= s->o.window_us || e->epoch_us - ts >= s->o.window_us) {
        ww_dcount_release(&e->wtargets);
        ww_dcount_release(&e->wports);
        e->epoch_us = ts;
    }
    int fresh = ww_dcount_add(&e->wtargets, th) | ww_dcount_add(&e->wports, ph);
    if (fresh && s->slow) {
        struct ww_addr g = ev->src;
        memcpy(g.b, k.w, 16);
        e->slow = ww_slow_probe(s->slow, e->slow, &g, k.h, &ev->src, ww_addr_hash(&ev->src), ts,
                                th, ph, ev->proto, ww_event_probe(ev), ev->os);
    }
    if (ww_dcount_count(&e->wports) >= s->o.vertical_ports ||
        ww_dcount_count(&e->wtargets) >= s->o.horizontal_hosts)
        flag(s, e, M_THRESHOLD);
}

static int cmp_scanner(const void *a, const void *b)
{
    const struct ww_scanner *x = a, *y = b;
    if (x->probes != y->probes) return x->probes > y->probes ? -1 : 1;
    if (x->first_us != y->first_us) return x->first_us < y->first_us ? -1 : 1;
    int c = memcmp(x->src.b, y->src.b, sizeof x->src.b);
    if (c) return c;
    if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
    return x->slow - y->slow;
}

/* src: the one address the group showed, else its prefix. */
static void set_src(const struct ww_scan *s, struct ww_scanner *r, const struct ww_addr *rep,
                    uint64_t addresses)
{
    unsigned len;
    struct ww_addr g = group_of(s, rep, &len);
    r->addresses = addresses ? addresses : 1;
    r->src = r->addresses > 1 ? g : *rep;
    r->prefix = r->addresses > 1 ? (uint8_t)len : 0;
}

/* A flagged entry's totals into r. */
static void totals(const struct ww_scan *s, struct ww_scanner *r, const struct src *e)
{
    set_src(s, r, &e->addr, ww_dcount_count(&e->addrs));
    r->probes = e->probes;
    r->targets = ww_dcount_count(&e->targets);
    r->ports = ww_dcount_count(&e->ports);
    r->first_us = e->first_us;
    r->last_us = e->last_us;
    r->probe_mask = e->probe_mask;
    r->os = e->os;
    r->nprotos = e->nprotos;
    for (unsigned i = 0; i < e->nprotos; i++) {  /* insertion sort, desc */
        unsigned j = i;
        for (; j > 0 && r->protos[j - 1].probes < e->proto_probes[i]; j--)
            r->protos[j] = r->protos[j - 1];
        r->protos[j].proto = e->proto[i];
        r->protos[j].probes = e->proto_probes[i];
    }
}

static unsigned kind_bits(const char *kind)
{
    return !strcmp(kind, "block") ? WW_SLOW_HORIZONTAL | WW_SLOW_VERTICAL
         : !strcmp(kind, "vertical") ? WW_SLOW_VERTICAL : WW_SLOW_HORIZONTAL;
}

static const char *kind_of(const struct ww_scan *s, const struct ww_scanner *r)
{
    int vert = r->ports >= s->o.vertical_ports, hor = r->targets >= s->o.horizontal_hosts;
    return vert && hor ? "block" : vert ? "vertical" : hor ? "horizontal"
         : r->ports > r->targets ? "vertical" : "horizontal";
}

size_t ww_scan_results(struct ww_scan *s, const struct ww_scanner **out)
{
    const struct ww_slow_call *calls = NULL;
    size_t ncalls = s->slow ? ww_slow_calls(s->slow, &calls) : 0;
    ww_free(s->res);
    s->res = ww_calloc(s->n - s->nlive + ncalls + 1, sizeof *s->res);
    s->nres = 0;
    for (size_t k = 0; k < s->n; k++) {
        const struct src *e = &s->ents[k];
        if (!e->method) continue;
        struct ww_scanner *r = &s->res[s->nres++];
        totals(s, r, e);
        r->method = e->method == M_TRW ? "trw" : "threshold";
        r->kind = kind_of(s, r);
    }
    for (size_t k = 0; k < ncalls; k++) {
        const struct ww_slow_call *c = &calls[k];
        struct gkey gk = key_of(s, &c->group);
        uint32_t i = find(s, &gk);
        const struct src *e = i == WW_HASH_NONE ? NULL : &s->ents[i];
        struct ww_scanner *r = &s->res[s->nres];
        unsigned kinds = c->kinds;
        if (e && e->method) {
            totals(s, r, e);
            kinds &= ~kind_bits(kind_of(s, r));
        }
        if (!kinds) continue; /* the fast call says it already */
        /* The fast entry's exact totals where it holds more (it may have
         * been forgotten while idle and made anew), else the sketches'. */
        if (e) totals(s, r, e);
        else /* forgotten while idle: what the slow group kept */
            *r = (struct ww_scanner){.first_us = c->first_us, .last_us = c->last_us,
                                     .probe_mask = c->probe_mask, .os = c->os,
                                     .nprotos = c->proto ? 1 : 0, .protos = {{c->proto, c->probes}}};
        if (!e || (r->addresses == 1 && c->addresses > 1)) set_src(s, r, &c->rep, c->addresses);
        if (c->probes > r->probes) r->probes = c->probes;
        if (c->targets > r->targets) r->targets = c->targets;
        if (c->ports > r->ports) r->ports = c->ports;
        if (c->first_us < r->first_us) r->first_us = c->first_us;
        if (c->last_us > r->last_us) r->last_us = c->last_us;
        r->kind = kinds == (WW_SLOW_HORIZONTAL | WW_SLOW_VERTICAL) ? "block"
                : kinds == WW_SLOW_VERTICAL ? "vertical" : "horizontal";
        r->method = "threshold";
        r->slow = 1;
        r->span_us = c->last_us - c->first_us;
        s->nres++;
    }
    qsort(s->res, s->nres, sizeof *s->res, cmp_scanner);
    *out = s->res;
    return s->nres;
}

char *ww_scanner_src(const struct ww_scanner *r, char *buf)
{
    if (!r->prefix) return ww_addr_format(&r->src, buf);
    struct ww_cidr c = {r->src, r->prefix};
    return ww_cidr_format(&c, buf);
}

size_t ww_scan_sources(const struct ww_scan *s)
{
    return s->n;
}

size_t ww_scan_memory(const struct ww_scan *s)
{
    size_t m = sizeof *s + s->cap * sizeof *s->ents + ww_hash_bytes(&s->index) +
               s->nres * sizeof *s->res;
    for (size_t k = 0; k < s->n; k++) /* counted when asked: the hot path keeps no tally */
        m += ww_dcount_bytes(&s->ents[k].targets) + ww_dcount_bytes(&s->ents[k].ports) +
             ww_dcount_bytes(&s->ents[k].wtargets) + ww_dcount_bytes(&s->ents[k].wports) +
             ww_dcount_bytes(&s->ents[k].addrs);
    return m + (s->slow ? ww_slow_memory(s->slow) : 0);
}

void ww_scan_free(struct ww_scan *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->n; k++) release_src(&s->ents[k]);
    ww_free(s->ents);
    ww_hash_release(&s->index);
    ww_slow_free(s->slow);
    ww_free(s->res);
    ww_free(s);
}

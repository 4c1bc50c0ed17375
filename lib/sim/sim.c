/* sim.c -- the simulated Internet behind `wormwatch simulate` (see sim.h).
 *
 * Time runs in minutes; each minute is cut into substeps short enough that
 * the worm grows at most ~2% per substep (Code Red defaults: 2 substeps of
 * 30 s; Slammer-like: ~250 of 0.24 s). Only what lands in monitored space is
 * ever generated: no probe to the rest of the address space exists.
 *
 * Worm (random-scanning SI, dI/dt = eta I (N - I) / 2^32; Staniford et al.
 * 2002, Zou et al. 2003). N vulnerable hosts sit at distinct random public
 * addresses (never in special-purpose space or a sensor block), kept sorted.
 * `perm` is a permutation of them whose prefix [0, I) is the infected set,
 * `pos` its inverse, so infecting a random uninfected host, or drawing a
 * random infected one, is O(1). Per substep [t0, t1) with I0 infected:
 *  - hits on sensor s ~ Poisson(eta (1-P) Ibar dt size_s / 2^32), Ibar the
 *    mean of the logistic over the substep; each hit: source a uniformly
 *    random infected host, target uniform in the block, time uniform in the
 *    substep. With local preference P, a sensor sharing a /16 with
 *    vulnerable hosts also gets Poisson(eta P I_g dt size_s / 2^16) hits from
 *    the I_g infected hosts of that /16 g.
 *  - new infections ~ Binomial(N - I0, p) with p chosen so that the mean
 *    follows the logistic solution exactly over the substep:
 *        p = I0 (1 - x) / (I0 + (N - I0) x),  x = exp(-r dt),  r = eta (1-P) N / 2^32
 *    and, with P > 0, Poisson(eta P dt W / 2^16) local ones, W = sum over
 *    /16s of I_g (V_g - I_g), each placed by a Fenwick tree over W's terms
 *    in a /16 chosen with probability I_g (V_g - I_g) / W. Per-/16 ranges of
 *    a second permutation (`gperm`) keep each /16's infected hosts first.
 *  - a hit list of K hosts (Staniford et al.'s hit-list scanning) is worked
 *    through by divide and conquer: the infected count doubles each second
 *    until the list is done.
 * Background radiation (calibration and sources in docs/DETECTION.md):
 *  - per-port classes of scanning sessions (worms and bots on 445, 135,
 *    139, ..., pings, a long tail of random ports). A session is one source
 *    scanning the Internet for a while; lambda, its expected hits on a /16,
 *    is lognormal (most sources send a probe or two, a few send thousands).
 *    It hits the monitored space Poisson(lambda M / 2^16) times (M monitored
 *    addresses; most sessions never show up). Session starts are Poisson per
 *    minute with a diurnal cycle and an hourly AR(1) lognormal burstiness.
 *    Sources come partly from a pool that recurs across days (botnets),
 *    partly fresh each time. Targets of one session are distinct (an
 *    affine walk a + i b mod M, gcd(b, M) = 1), times uniform over its life.
 *  - block sweeps (one source, one port, a whole sensor block in address
 *    order), vertical scans (one source, many ports of one host), one-hour
 *    bursts of one to three heavy sources on a random port, and backscatter
 *    (SYN-ACK/RST from DoS victims to random high ports).
 *  Background events go into a binary heap keyed (time, sequence); sessions
 *  are created a day before the start so the first hours are in steady state.
 * Scenarios (opts.scenarios, all from the worm's start T; each kind its own
 * stream, its events through the heap like the background's, made a minute
 * at a time): a campaign (a fixed set of sources, each scanning at a steady
 * rate: a Poisson stream of hits, each from a random member), a spoofed flood
 * (Poisson packets, each from a new random address, to one monitored
 * address), research scanners (every monitored address once within an hour
 * along an affine walk, at a constant rate, each probe from one of the
 * scanners' addresses), backscatter (a victim's replies to random spoofed
 * addresses: the sensors' share of its attack rate, in three bursts), a slow
 * scan (one nmap source, 22/tcp, a probe every slow_interval_us for 24 h,
 * each to a new monitored address along an affine walk), an IPv6 scanner
 * rotating inside a /64 (nmap -6 from a new random interface identifier per
 * probe, one probe a second to 300 distinct ports of one address of the
 * first sensor's IPv6 /64: the one IPv6 source of a run; its event keeps the
 * 64-bit identifier in struct sev's src and dst, so the heap's records stay
 * as small as before and emit makes the addresses). The
 * worm variants only change the worm: Witty-like probes go from its port to
 * random ports; a quiet port has every background event to it dropped at
 * bg_event, after the draws, so the rest of the background stays the same.
 * Stacks: every event keeps its source's role (a worm host, a background
 * host, a sweeping scanner, the campaign's bots, ...); emit gives a TCP SYN
 * the SYN of the stack sim/stack.h picks for that role and address, a pure
 * function drawing nothing, so the rest of a run is what it was without.
 * Output per substep: the worm's events plus the heap's events due before
 * t1, sorted by (time, sequence number) -- a total order, so every sensor's
 * events come out in time order and the whole run is reproducible.
 * Streams: sensors, hosts, worm and background draw from separate PRNG
 * streams, so the background is the same whatever the worm does. No
 * expression makes two draws (C leaves the order of function arguments
 * unspecified: gcc and clang would differ). */
#include "sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"
#include "out/write.h"
#include "sim/stack.h"

#define TWO32 4294967296.0
#define MAX_GROWTH 0.02      /* worm growth per substep */
#define MAX_SUBSTEPS 60000   /* per minute: 1 ms */

enum { ST_SENSORS = 1, ST_HOSTS, ST_WORM, ST_BACKGROUND, ST_POOL, ST_SCEN = 16 /* + kind */ };

const double ww_sim_milestones[WW_SIM_NMILESTONES] = {1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.5, 0.9, 0.99};

/* ------------------------------------------------------------------ PRNG */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ww_rng_seed(struct ww_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ww_rng_next(struct ww_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double ww_rng_uniform(struct ww_rng *r) { return (double)(ww_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t ww_rng_below(struct ww_rng *r, uint64_t n)
{
    /* Lemire's multiply-high; the bias (n / 2^64) is far below anything
       a simulation can see. */
    return (uint64_t)(((unsigned __int128)ww_rng_next(r) * n) >> 64);
}

double ww_rng_normal(struct ww_rng *r)
{
    double u, v, q;
    do {
        u = 2 * ww_rng_uniform(r) - 1;
        v = 2 * ww_rng_uniform(r) - 1;
        q = u * u + v * v;
    } while (q >= 1 || q == 0);
    return u * sqrt(-2 * log(q) / q);
}

uint64_t ww_rng_poisson(struct ww_rng *r, double mu)
{
    if (!(mu > 0)) return 0;
    if (mu < 10) { /* inversion by multiplication (Knuth) */
        double l = exp(-mu), p = 1;
        uint64_t k = 0;
        for (;;) {
            p *= ww_rng_uniform(r);
            if (p <= l) return k;
            k++;
        }
    }
    /* PTRS: Hoermann, "The transformed rejection method for generating
       Poisson random variables", Insurance: Math. and Econ. 12 (1993). */
    double slam = sqrt(mu), loglam = log(mu);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = ww_rng_uniform(r) - 0.5, v = ww_rng_uniform(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + mu + 0.43);
        if (us >= 0.07 && v <= vr) return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -mu + k * loglam - lgamma(k + 1))
            return (uint64_t)k;
    }
}

static double stirling_tail(double k)
{
    static const double tail[10] = {
        0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
        0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
        0.00925546218271273, 0.00833056343336287};
    if (k <= 9) return tail[(int)k];
    double kp1sq = (k + 1) * (k + 1);
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

uint64_t ww_rng_binomial(struct ww_rng *r, uint64_t n, double p)
{
    if (n == 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - ww_rng_binomial(r, n, 1 - p);
    double nd = (double)n;
    if (nd * p < 10) { /* waiting times: geometric gaps between successes */
        double lq = log1p(-p);
        uint64_t k = 0;
        double pos = 0;
        for (;;) {
            pos += floor(log(1 - ww_rng_uniform(r)) / lq) + 1;
            if (pos > nd) return k;
            k++;
        }
    }
    /* BTRS: Hoermann, "The generation of binomial random variates", J.
       Statist. Comput. Simul. 46 (1993). */
    double spq = sqrt(nd * p * (1 - p));
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = nd * p + 0.5, vr = 0.92 - 4.2 / b, rr = p / (1 - p);
    double alpha = (2.83 + 5.1 / b) * spq, m = floor((nd + 1) * p);
    for (;;) {
        double u = ww_rng_uniform(r) - 0.5, v = ww_rng_uniform(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + c);
        if (k < 0 || k > nd) continue;
        if (us >= 0.07 && v <= vr) return (uint64_t)k;
        v = log(v * alpha / (a / (us * us) + b));
        double ub = (m + 0.5) * log((m + 1) / (rr * (nd - m + 1))) +
                    (nd + 1) * log((nd - m + 1) / (nd - k + 1)) +
                    (k + 0.5) * log(rr * (nd - k + 1) / (k + 1)) +
                    stirling_tail(m) + stirling_tail(nd - m) - stirling_tail(k) -
                    stirling_tail(nd - k);
        if (v <= ub) return (uint64_t)k;
    }
}

static double lognormal(struct ww_rng *r, double median, double sigma)
{
    return median * exp(sigma * ww_rng_normal(r));
}

/* ------------------------------------------------------- address space */

static const struct { uint32_t base; uint8_t prefix; } reserved[] = {
    {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
    {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
    {0xc0586300, 24}, {0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24},
    {0xcb007100, 24}, {0xe0000000, 3},
};

static uint64_t block_size(uint8_t prefix) { return 1ULL << (32 - prefix); }

static int overlaps(uint32_t a, uint64_t asize, uint32_t b, uint64_t bsize)
{
    return (uint64_t)a < (uint64_t)b + bsize && (uint64_t)b < (uint64_t)a + asize;
}

int ww_sim_reserved(uint32_t a)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (overlaps(a, 1, reserved[i].base, block_size(reserved[i].prefix))) return 1;
    return 0;
}

static int block_reserved(uint32_t base, uint64_t size)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (overlaps(base, size, reserved[i].base, block_size(reserved[i].prefix))) return 1;
    return 0;
}

void ww_sim_opts_default(struct ww_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->start_us = 1154390400LL * WW_SEC_US; /* 2006-08-01T00:00:00Z */
    o->end_us = o->start_us + 10 * WW_DAY_US;
    o->worm_start_us = o->start_us + 7 * WW_DAY_US;
    o->worm_port = 139;
    o->worm_proto = WW_PROTO_TCP;
    o->vulnerable = 360000;
    o->scan_rate = 6;
    o->initial = 1;
    o->local_pref = 0;
    o->stop_infected = 2;
    o->background = 1;
    o->background_scale = 1;
    o->random_count = 16;
    o->random_prefix = 20;
    o->campaign_port = (struct ww_sim_port){23, WW_PROTO_TCP};   /* Mirai's telnet */
    o->flood_port = (struct ww_sim_port){80, WW_PROTO_TCP};
    o->scan_port = (struct ww_sim_port){8443, WW_PROTO_TCP};
    o->victim_port = (struct ww_sim_port){80, WW_PROTO_TCP};
    o->campaign_sources = 300;
    o->campaign_rate = 20;
    o->flood_rate = 100;
    o->flood_us = 10 * WW_MIN_US;
    o->attack_rate = 20000;
    o->scanner_sources = 60;
    o->slow_interval_us = 5 * WW_MIN_US;
    o->nranges = 2; /* two of the ranges Censys publishes for its scanners */
    o->ranges[0] = (struct ww_sim_sensor){0xa28e7d00, 24}; /* 162.142.125.0/24 */
    o->ranges[1] = (struct ww_sim_sensor){0xa75e8a00, 24}; /* 167.94.138.0/24 */
}

static const char *const scen_names[WW_SIM_NSCEN] = {
    "worm", "witty", "quiet-port", "campaign", "flood", "scanners", "backscatter", "slow-scan",
    "v6-rotation"};

const char *ww_sim_scenario_name(unsigned i) { return i < WW_SIM_NSCEN ? scen_names[i] : NULL; }

int ww_sim_worm_active(const struct ww_sim_opts *o)
{
    return o->worm_start_us < o->end_us && (!o->scenarios || (o->scenarios & WW_SCEN_WORMS));
}

/* A sensor spec refused: msg into the caller's buffer. */
static enum ww_err fail(char *err, size_t errlen, const char *msg)
{
    if (errlen) snprintf(err, errlen, "%s", msg);
    return WW_ERR_PARSE;
}

static enum ww_err parse_blocks(const char *spec, struct ww_sim_sensor *v, size_t max, size_t *n,
                                const char *what, char *err, size_t errlen);

enum ww_err ww_sim_parse_sensors(const char *spec, struct ww_sim_opts *o, char *err, size_t errlen)
{
    const char *x = strchr(spec, 'x');
    uint64_t n, len;
    if (x && !strchr(spec, '.')) { /* NxPREFIX */
        const char *p = x + 1;
        if (*p == '/') p++;
        if (ww_num_span(spec, (size_t)(x - spec), WW_SIM_MAXSENSORS, &n) || n == 0)
            return fail(err, errlen, "NxPREFIX needs N from 1 to 512");
        if (ww_num_span(p, strlen(p), 32, &len) || len < 8)
            return fail(err, errlen, "NxPREFIX needs a prefix length from 8 to 32");
        o->nsensors = 0;
        o->random_count = (unsigned)n;
        o->random_prefix = (uint8_t)len;
        return WW_OK;
    }
    size_t count = 0;
    enum ww_err rc = parse_blocks(spec, o->sensors, WW_SIM_MAXSENSORS, &count, "sensor", err, errlen);
    if (rc) return rc;
    o->nsensors = count;
    return WW_OK;
}

enum ww_err ww_sim_parse_ranges(const char *spec, struct ww_sim_opts *o, char *err, size_t errlen)
{
    size_t count = 0;
    enum ww_err rc = parse_blocks(spec, o->ranges, WW_SIM_MAXRANGES, &count, "range", err, errlen);
    if (rc) return rc;
    o->nranges = count;
    return WW_OK;
}

/* Comma-separated disjoint IPv4 network blocks into v[max]; `what` names
 * them in the errors ("sensor": at most 512 sensors). */
static enum ww_err parse_blocks(const char *spec, struct ww_sim_sensor *v, size_t max, size_t *n,
                                const char *what, char *err, size_t errlen)
{
    char why[96];
    uint64_t len;
    size_t count = 0;
    for (const char *p = spec; *p;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *slash = memchr(p, '/', (size_t)(end - p));
        struct ww_cidr c;
        struct ww_addr a;
        if (count == max) {
            snprintf(why, sizeof why, "at most %zu %ss", max, what);
            return fail(err, errlen, why);
        }
        enum ww_err rc = ww_cidr_parse(p, (size_t)(end - p), &c);
        if (rc == WW_ERR_PARSE || c.addr.family != 4)
            return fail(err, errlen, strcmp(what, "sensor")
                                         ? "ranges are IPv4 CIDR blocks (a.b.c.d/len)"
                                         : "sensors are IPv4 CIDR blocks (a.b.c.d/len) or NxPREFIX (16x/20)");
        if (rc || c.len < 8) {
            snprintf(why, sizeof why, "a %s's prefix length must be 8 to 32", what);
            return fail(err, errlen, why);
        }
        ww_addr_parse(p, (size_t)((slash ? slash : end) - p), &a); /* as written: parse clears host bits */
        if (!ww_addr_eq(&a, &c.addr)) {
            snprintf(why, sizeof why, "a %s block has host bits set (not a network address)", what);
            return fail(err, errlen, why);
        }
        len = c.len;
        uint32_t base = (uint32_t)a.b[12] << 24 | (uint32_t)a.b[13] << 16 |
                        (uint32_t)a.b[14] << 8 | a.b[15];
        for (size_t i = 0; i < count; i++)
            if (overlaps(base, block_size((uint8_t)len), v[i].base, block_size(v[i].prefix))) {
                snprintf(why, sizeof why, "%s blocks overlap", what);
                return fail(err, errlen, why);
            }
        v[count].base = base;
        v[count].prefix = (uint8_t)len;
        count++;
        p = *end ? end + 1 : end;
        if (*end && !*p) {
            snprintf(why, sizeof why, "empty %s after ','", what);
            return fail(err, errlen, why);
        }
    }
    if (!count) {
        snprintf(why, sizeof why, "no %ss given", what);
        return fail(err, errlen, why);
    }
    *n = count;
    return WW_OK;
}

/* ------------------------------------------------------------ the model */

/* A simulated event, compact (IPv4 only). */
struct sev {
    int64_t ts;
    uint64_t seq;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint16_t sensor;
    uint8_t proto, flags, kind; /* WW_SIM_BG, WW_SIM_WORMEV, ... */
    uint8_t role;               /* WW_SIM_ROLE_*: its source's stack (sim/stack.h) */
};

struct evbuf { struct sev *v; size_t n, cap; };

enum { SP_EPH = 0, SP_WIN, SP_SAME, SP_HIGH }; /* source ports: by OS, Windows, = dport, 1024-65535 */

/* A class of background scanning sessions. per_day, lam_*: as a /16 sees
 * them (sessions with at least one hit per day; hits per session). */
struct bg_class {
    uint8_t proto, flags, sport, nports; /* nports 0: a long-tail port per session */
    uint16_t ports[3];
    double per_day, lam_med, lam_sig, pps_med;
    double diurnal, peak_h, burst, pool;
};

#define TCP WW_PROTO_TCP
#define UDP WW_PROTO_UDP
#define ICMP WW_PROTO_ICMP
#define SYN WW_TH_SYN
static const struct bg_class classes[] = {
    /* proto flags sport n ports            /16/day lam   sig   pps  diur  peak burst pool */
    {TCP, SYN, SP_EPH, 3, {135, 139, 445},   900, 1.5, 1.8,  20, 0.30, 15, 0.25, 0.6},
    {TCP, SYN, SP_EPH, 1, {445, 0, 0},      2200, 1.4, 2.0,  10, 0.30, 16, 0.30, 0.6},
    {TCP, SYN, SP_EPH, 1, {135, 0, 0},      1900, 1.4, 2.0,  10, 0.30, 16, 0.30, 0.6},
    {TCP, SYN, SP_EPH, 1, {139, 0, 0},      1600, 1.4, 2.0,  10, 0.30, 16, 0.30, 0.6},
    {UDP, 0,   SP_SAME, 1, {137, 0, 0},      900, 0.6, 1.5,   5, 0.30, 15, 0.25, 0.6},
    {UDP, 0,   SP_HIGH, 1, {1434, 0, 0},     120,  60, 1.5, 300, 0.10, 12, 0.15, 0.8},
    {TCP, SYN, SP_EPH, 1, {80, 0, 0},        900, 1.0, 2.0,  10, 0.25, 17, 0.25, 0.5},
    {TCP, SYN, SP_EPH, 1, {1433, 0, 0},      450, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {22, 0, 0},        250, 2.0, 2.2,  50, 0.15, 14, 0.35, 0.5},
    {TCP, SYN, SP_EPH, 1, {23, 0, 0},        150, 1.0, 2.0,  20, 0.20, 14, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {3389, 0, 0},      150, 1.0, 2.0,  20, 0.20, 14, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 2, {8080, 3128, 0},   250, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.4},
    {UDP, 0,   SP_SAME, 1, {5060, 0, 0},      60, 3.0, 2.0,  50, 0.10, 15, 0.30, 0.4},
    {UDP, 0,   SP_HIGH, 2, {1026, 1027, 0},  300, 2.0, 1.5, 100, 0.20, 18, 0.30, 0.0},
    {TCP, SYN, SP_EPH, 1, {2967, 0, 0},      200, 1.0, 2.0,  20, 0.30, 16, 0.30, 0.6},
    {TCP, SYN, SP_EPH, 1, {4899, 0, 0},      120, 1.0, 2.0,  20, 0.30, 16, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {5900, 0, 0},      120, 1.0, 2.0,  20, 0.30, 16, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {1025, 0, 0},      200, 1.0, 2.0,  20, 0.30, 16, 0.30, 0.6},
    {TCP, SYN, SP_EPH, 1, {6129, 0, 0},       60, 1.0, 2.0,  20, 0.30, 16, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {25, 0, 0},        150, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {21, 0, 0},        100, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {3306, 0, 0},       60, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {10000, 0, 0},      50, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {TCP, SYN, SP_EPH, 1, {5000, 0, 0},       30, 1.0, 2.0,  20, 0.20, 15, 0.30, 0.5},
    {ICMP, 0,  SP_EPH, 1, {8, 0, 0},        1200, 2.0, 2.0,  50, 0.30, 15, 0.30, 0.6},
    {TCP, SYN, SP_EPH, 0, {0, 0, 0},        1500, 0.6, 1.8,  10, 0.20, 15, 0.30, 0.3},
    {UDP, 0,   SP_HIGH, 0, {0, 0, 0},        500, 0.6, 1.8,  10, 0.20, 15, 0.30, 0.3},
};
#define NCLASSES (sizeof classes / sizeof classes[0])
#define AR_RHO 0.95 /* hour-to-hour correlation of a class's log-rate */

/* Ports of the long tail that are more than random (old worms' backdoors,
 * proxies, P2P); the rest of the tail is uniform over 1..65535. */
static const uint16_t tail_ports[] = {
    21, 25, 53, 110, 111, 113, 143, 443, 1023, 1050, 1080, 2000, 2100, 2745, 3127,
    3128, 3306, 3410, 4444, 5554, 5800, 6000, 6101, 6588, 6667, 8000, 8081, 8888,
    9898, 9988, 10080, 12345, 17300, 27374, 32764, 41170};

/* Ports of whole-block sweeps, weights in percent. */
static const struct { uint16_t port; uint8_t weight; } sweep_ports[] = {
    {445, 25}, {22, 15}, {80, 12}, {139, 10}, {135, 10}, {1433, 8}, {3389, 7},
    {5900, 5}, {23, 5}, {3306, 3}};

/* Backscatter: the attacked service's port. */
static const uint16_t victim_ports[] = {80, 80, 80, 80, 443, 443, 6667, 25, 22, 53, 27015, 3724};

#define SWEEPS_PER_BLOCK_DAY 0.4  /* whole-block sweeps, per sensor block (<= /16) */
#define VERTICAL_PER_16_DAY 2.0   /* vertical scans per /16 of monitored space */
#define BURSTS_PER_DAY 1.0        /* one-hour bursts on a random port (Internet-wide) */
#define ATTACKS_PER_DAY 500.0     /* DoS attacks with random spoofed sources */
#define NSCANNERS 64              /* persistent heavy scanners */
#define POOL_RETURN_DAYS 4.0      /* a pool member scans about every 4 days */

struct local_pair { uint32_t sensor, group; };

struct ww_sim {
    struct ww_sim_opts o;
    /* sensors */
    size_t ns;
    struct ww_sim_sensor sensor[WW_SIM_MAXSENSORS];
    uint64_t cum[WW_SIM_MAXSENSORS + 1]; /* monitored index -> sensor */
    uint64_t M;                           /* monitored addresses */
    double sweep_w[WW_SIM_MAXSENSORS];    /* sweeps per day per sensor */
    double sweep_total;
    /* hosts */
    uint32_t N, I;
    uint32_t *addr, *perm, *pos;
    /* local preference: per-/16 groups (only if local_pref > 0) */
    int32_t *map16;                       /* /16 -> group or -1 */
    uint32_t G, *gstart, *gsize, *ginf, *gperm, *gpos, *hgroup;
    int64_t *fen;                         /* Fenwick tree over I_g (V_g - I_g) */
    int64_t W;
    uint32_t fen_top;
    struct local_pair *pairs;
    size_t npairs;
    /* worm state */
    struct ww_rng wrng;
    int worm_on, seeded;
    uint64_t hl_left;
    unsigned nsub;
    int64_t end, milestone[WW_SIM_NMILESTONES];
    /* background */
    struct ww_rng brng;
    double sessions_per_min[NCLASSES], ar[NCLASSES];
    uint32_t *pool, npool;
    uint32_t scanners[NSCANNERS];
    struct sev *heap;
    size_t hn, hcap;
    uint64_t seq;
    struct evbuf buf;
    /* scenarios: a stream per kind, the campaign's and the scanners'
       sources, the scanners' walk over the monitored space */
    struct ww_rng srng[WW_SIM_NKINDS];
    uint32_t *campaign, *scanner;
    uint64_t scan_a, scan_b, flood_idx, slow_a, slow_b, v6_a, v6_b;
    struct ww_sim_chosen chosen;
};

/* ---------------------------------------------------------- helpers */

static int in_sensor(const struct ww_sim *s, uint32_t a)
{
    for (size_t i = 0; i < s->ns; i++)
        if ((uint64_t)(a - s->sensor[i].base) < block_size(s->sensor[i].prefix)) return 1;
    return 0;
}

/* A random public address outside every sensor. */
static uint32_t public_addr(const struct ww_sim *s, struct ww_rng *r)
{
    for (;;) {
        uint32_t a = (uint32_t)(ww_rng_next(r) >> 32);
        if ((a & 0xff) == 0 || (a & 0xff) == 255) continue; /* not .0/.255 */
        if (!ww_sim_reserved(a) && !in_sensor(s, a)) return a;
    }
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) { uint64_t t = a % b; a = b; b = t; }
    return a;
}

/* An affine walk over n items: step b coprime with n, so a + i b mod n
 * visits distinct items for i < n. */
static void walk_init(struct ww_rng *r, uint64_t n, uint64_t *a, uint64_t *b)
{
    *a = ww_rng_below(r, n);
    *b = 1;
    if (n <= 2) return;
    do *b = 1 + ww_rng_below(r, n - 1); while (gcd64(*b, n) != 1);
}

static uint64_t walk(uint64_t a, uint64_t b, uint64_t i, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)b * i + a) % n);
}

/* Monitored index -> sensor and address. */
static void locate(const struct ww_sim *s, uint64_t idx, uint16_t *sensor, uint32_t *dst)
{
    size_t lo = 0, hi = s->ns; /* cum[lo] <= idx < cum[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->cum[mid] <= idx) lo = mid; else hi = mid;
    }
    *sensor = (uint16_t)lo;
    *dst = s->sensor[lo].base + (uint32_t)(idx - s->cum[lo]);
}

static unsigned initial_ttl(uint32_t a)
{
    struct ww_addr w;
    uint8_t v4[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    ww_addr_from_v4(&w, v4);
    return ww_write_initial_ttl(&w);
}

/* Source ports: Windows 2000/XP hand out 1025-5000, the others (Linux,
 * BSD) 32768-60999, by the source's operating system: the one whose initial
 * TTL the writers give it (write.h), so TTL and port range agree. */
static uint16_t ephemeral(struct ww_rng *r, uint32_t src, int kind)
{
    if (kind == SP_EPH && initial_ttl(src) != 128)
        return (uint16_t)(32768 + ww_rng_below(r, 28232));
    return (uint16_t)(1025 + ww_rng_below(r, 3976));
}

static void evbuf_push(struct evbuf *b, const struct sev *e)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4096;
        b->v = ww_realloc(b->v, b->cap * sizeof *b->v);
    }
    b->v[b->n++] = *e;
}

static int sev_less(const struct sev *a, const struct sev *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static int sev_cmp(const void *pa, const void *pb)
{
    const struct sev *a = pa, *b = pb;
    return sev_less(a, b) ? -1 : sev_less(b, a) ? 1 : 0;
}

/* ---------------------------------------------------------------- heap */

static void heap_push(struct ww_sim *s, const struct sev *e)
{
    if (s->hn == s->hcap) {
        s->hcap = s->hcap ? 2 * s->hcap : 65536;
        s->heap = ww_realloc(s->heap, s->hcap * sizeof *s->heap);
    }
    size_t i = s->hn++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!sev_less(e, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = *e;
}

static void heap_pop(struct ww_sim *s, struct sev *out)
{
    *out = s->heap[0];
    struct sev last = s->heap[--s->hn];
    size_t i = 0, n = s->hn;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && sev_less(&s->heap[c + 1], &s->heap[c])) c++;
        if (!sev_less(&s->heap[c], &last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n) s->heap[i] = last;
}

/* An event of that kind at monitored index idx (dropped outside the run). */
static void push_event(struct ww_sim *s, uint8_t kind, uint8_t role, int64_t ts, uint32_t src,
                       uint64_t idx, uint16_t sport, uint16_t dport, uint8_t proto, uint8_t flags)
{
    if (ts < s->o.start_us || ts >= s->end) return;
    struct sev e = {0};
    e.ts = ts;
    e.seq = s->seq++;
    e.src = src;
    locate(s, idx, &e.sensor, &e.dst);
    e.sport = sport;
    e.dport = dport;
    e.proto = proto;
    e.flags = flags;
    e.kind = kind;
    e.role = role;
    heap_push(s, &e);
}

/* A background event; none on the quiet-port worm's port (no draw is
 * skipped, so the rest of the background stays the same). */
static void bg_event(struct ww_sim *s, uint8_t role, int64_t ts, uint32_t src, uint64_t idx,
                     uint16_t sport, uint16_t dport, uint8_t proto, uint8_t flags)
{
    if ((s->o.scenarios & WW_SCEN_QUIET) && proto == s->o.worm_proto &&
        (dport == s->o.worm_port || (proto == WW_PROTO_UDP && sport == s->o.worm_port)))
        return;
    push_event(s, WW_SIM_BG, role, ts, src, idx, sport, dport, proto, flags);
}

/* -------------------------------------------------------------- setup */

/* LSD radix sort, two 16-bit digits. */
static void sort_u32(uint32_t *v, uint32_t n)
{
    uint32_t *tmp = ww_malloc((size_t)n * sizeof *tmp), *cnt = ww_malloc(65537 * sizeof *cnt);
    for (int shift = 0; shift < 32; shift += 16) {
        memset(cnt, 0, 65537 * sizeof *cnt);
        for (uint32_t i = 0; i < n; i++) cnt[(v[i] >> shift & 0xffff) + 1]++;
        for (uint32_t d = 0; d < 65536; d++) cnt[d + 1] += cnt[d];
        for (uint32_t i = 0; i < n; i++) tmp[cnt[v[i] >> shift & 0xffff]++] = v[i];
        memcpy(v, tmp, (size_t)n * sizeof *v);
    }
    ww_free(tmp);
    ww_free(cnt);
}

static void place_sensors(struct ww_sim *s)
{
    struct ww_rng r;
    ww_rng_seed(&r, s->o.seed, ST_SENSORS);
    if (s->o.nsensors) {
        s->ns = s->o.nsensors;
        memcpy(s->sensor, s->o.sensors, s->ns * sizeof s->sensor[0]);
    } else {
        uint8_t len = s->o.random_prefix;
        uint64_t size = block_size(len);
        s->ns = 0;
        while (s->ns < s->o.random_count) {
            uint32_t base = (uint32_t)(ww_rng_next(&r) >> 32) & ~(uint32_t)(size - 1);
            int bad = block_reserved(base, size);
            for (size_t i = 0; i < s->ns && !bad; i++)
                bad = overlaps(base, size, s->sensor[i].base, block_size(s->sensor[i].prefix));
            if (bad) continue;
            s->sensor[s->ns].base = base;
            s->sensor[s->ns].prefix = len;
            s->ns++;
        }
    }
    s->cum[0] = 0;
    s->sweep_total = 0;
    for (size_t i = 0; i < s->ns; i++) {
        uint64_t size = block_size(s->sensor[i].prefix);
        s->cum[i + 1] = s->cum[i] + size;
        s->sweep_w[i] = SWEEPS_PER_BLOCK_DAY * (size > 65536 ? (double)size / 65536 : 1.0);
        s->sweep_total += s->sweep_w[i];
    }
    s->M = s->cum[s->ns];
}

static void fen_add(struct ww_sim *s, uint32_t g, int64_t d)
{
    for (uint32_t i = g + 1; i <= s->G; i += i & (~i + 1)) s->fen[i] += d;
    s->W += d;
}

/* The group whose cumulative weight interval holds u (0 <= u < W). */
static uint32_t fen_find(const struct ww_sim *s, int64_t u)
{
    uint32_t p = 0;
    for (uint32_t step = s->fen_top; step; step >>= 1)
        if (p + step <= s->G && s->fen[p + step] <= u) {
            p += step;
            u -= s->fen[p];
        }
    return p;
}

/* Vulnerable hosts run Windows (TTL 128 in the writers' eyes). */
static uint32_t windows_addr(const struct ww_sim *s, struct ww_rng *r)
{
    uint32_t a;
    do a = public_addr(s, r); while (initial_ttl(a) != 128);
    return a;
}

static void place_hosts(struct ww_sim *s)
{
    struct ww_rng r;
    uint32_t n = s->N;
    ww_rng_seed(&r, s->o.seed, ST_HOSTS);
    s->addr = ww_malloc((size_t)n * sizeof *s->addr);
    for (uint32_t i = 0; i < n; i++) s->addr[i] = windows_addr(s, &r);
    for (;;) { /* distinct addresses: redraw duplicates until none is left */
        sort_u32(s->addr, n);
        int dup = 0;
        for (uint32_t i = 1; i < n; i++)
            if (s->addr[i] == s->addr[i - 1]) { s->addr[i] = windows_addr(s, &r); dup = 1; }
        if (!dup) break;
    }
    s->perm = ww_malloc((size_t)n * sizeof *s->perm);
    s->pos = ww_malloc((size_t)n * sizeof *s->pos);
    for (uint32_t i = 0; i < n; i++) s->perm[i] = s->pos[i] = i;
    if (!(s->o.local_pref > 0)) return;

    s->map16 = ww_malloc(65536 * sizeof *s->map16);
    for (size_t i = 0; i < 65536; i++) s->map16[i] = -1;
    s->gstart = ww_malloc((size_t)n * sizeof *s->gstart);
    s->gsize = ww_malloc((size_t)n * sizeof *s->gsize);
    s->hgroup = ww_malloc((size_t)n * sizeof *s->hgroup);
    s->G = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || s->addr[i] >> 16 != s->addr[i - 1] >> 16) {
            s->map16[s->addr[i] >> 16] = (int32_t)s->G;
            s->gstart[s->G] = i;
            s->gsize[s->G++] = 0;
        }
        s->hgroup[i] = s->G - 1;
        s->gsize[s->G - 1]++;
    }
    s->ginf = ww_calloc(s->G, sizeof *s->ginf);
    s->gperm = ww_malloc((size_t)n * sizeof *s->gperm);
    s->gpos = ww_malloc((size_t)n * sizeof *s->gpos);
    for (uint32_t i = 0; i < n; i++) s->gperm[i] = s->gpos[i] = i;
    s->fen = ww_calloc((size_t)s->G + 1, sizeof *s->fen);
    s->fen_top = 1;
    while (s->fen_top * 2 <= s->G) s->fen_top *= 2;
    s->pairs = ww_malloc(s->ns * sizeof *s->pairs);
    for (size_t i = 0; i < s->ns; i++) {
        /* Only a sensor inside a /16 can share it with vulnerable hosts (a
           /16 inside a sensor block holds none). */
        int32_t g = s->sensor[i].prefix >= 16 ? s->map16[s->sensor[i].base >> 16] : -1;
        if (g >= 0) s->pairs[s->npairs++] = (struct local_pair){(uint32_t)i, (uint32_t)g};
    }
}

/* Fraction of sessions with lognormal lambda (median m, sigma sg) that hit
 * f /16s' worth of addresses at least once: E[1 - exp(-f lambda)]. */
static double visible(double m, double sg, double f)
{
    double sum = 0, dz = 0.01;
    for (double z = -8; z <= 8; z += dz)
        sum += exp(-z * z / 2) * -expm1(-f * m * exp(sg * z));
    return sum * dz / sqrt(2 * M_PI);
}

static void setup_background(struct ww_sim *s)
{
    struct ww_rng r;
    double scale = s->o.background_scale, pooled = 0;
    ww_rng_seed(&s->brng, s->o.seed, ST_BACKGROUND);
    for (size_t c = 0; c < NCLASSES; c++) {
        const struct bg_class *k = &classes[c];
        double per_day = k->per_day * scale / visible(k->lam_med, k->lam_sig, 1.0);
        s->sessions_per_min[c] = per_day / 1440;
        pooled += per_day * k->pool;
        s->ar[c] = k->burst * ww_rng_normal(&s->brng); /* stationary start */
    }
    ww_rng_seed(&r, s->o.seed, ST_POOL);
    s->npool = (uint32_t)fmin(fmax(pooled * POOL_RETURN_DAYS, 1024), 1 << 24);
    s->pool = ww_malloc((size_t)s->npool * sizeof *s->pool);
    for (uint32_t i = 0; i < s->npool; i++) s->pool[i] = public_addr(s, &r);
    for (size_t i = 0; i < NSCANNERS; i++) s->scanners[i] = public_addr(s, &r);
}

/* ---------------------------------------------------------- scenarios */

#define SWEEP_US WW_HOUR_US        /* research scanners cover the sensors in an hour */
#define BURSTS 3                   /* backscatter: three bursts ... */
#define BURST_US (10 * WW_MIN_US)  /* ... of ten minutes ... */
#define BURST_GAP_US WW_HOUR_US    /* ... an hour apart */

/* Why the scenario options are inconsistent, or NULL. Only the scenarios
 * named are checked. */
static const char *scenario_check(const struct ww_sim_opts *o)
{
    unsigned sc = o->scenarios;
    uint64_t addrs = 0;
    for (size_t i = 0; i < o->nranges && i < WW_SIM_MAXRANGES; i++) addrs += block_size(o->ranges[i].prefix);
    if (sc >= 1u << WW_SIM_NSCEN) return "unknown scenario";
    if ((sc & WW_SCEN_WITTY) && o->worm_proto != WW_PROTO_UDP) return "a Witty-like worm is UDP";
    if ((sc & WW_SCEN_CAMPAIGN) && (o->campaign_sources < 1 || o->campaign_sources > 1000000))
        return "campaign sources must be 1 to 1000000";
    if ((sc & WW_SCEN_CAMPAIGN) && !(o->campaign_rate > 0 && o->campaign_rate <= 1e6))
        return "the campaign's scan rate must be above 0 and at most 1000000/s";
    if ((sc & WW_SCEN_FLOOD) && !(o->flood_rate > 0 && o->flood_rate <= 1e6))
        return "the flood's rate must be above 0 and at most 1000000/s";
    if ((sc & WW_SCEN_FLOOD) && o->flood_us < WW_SEC_US) return "the flood must last at least a second";
    if ((sc & WW_SCEN_BACKSCATTER) && !(o->attack_rate > 0 && o->attack_rate <= 1e9))
        return "the attack rate must be above 0 and at most 1000000000/s";
    if ((sc & WW_SCEN_BACKSCATTER) && o->victim_port.proto != WW_PROTO_TCP)
        return "the DoS victim's service is TCP";
    if ((sc & WW_SCEN_SCANNERS) && (!o->nranges || o->nranges > WW_SIM_MAXRANGES))
        return "research scanners need 1 to 64 ranges";
    if ((sc & WW_SCEN_SCANNERS) && (o->scanner_sources < 1 || o->scanner_sources > WW_SIM_MAXSCANNERS))
        return "research scanners must be 1 to 4096 addresses";
    if ((sc & WW_SCEN_SCANNERS) && o->scanner_sources > addrs / 2)
        return "research scanners may use at most half of their ranges' addresses";
    if ((sc & WW_SCEN_SLOW) && (o->slow_interval_us < WW_SEC_US || o->slow_interval_us > WW_SIM_SLOW_SPAN_US))
        return "the slow scan's interval must be 1 s to 24 h";
    return NULL;
}

/* A random address of the research scanners' ranges (each address as
 * likely). */
static uint32_t range_addr(const struct ww_sim_opts *o, struct ww_rng *r)
{
    uint64_t total = 0;
    for (size_t i = 0; i < o->nranges; i++) total += block_size(o->ranges[i].prefix);
    uint64_t u = ww_rng_below(r, total);
    size_t i = 0;
    while (u >= block_size(o->ranges[i].prefix)) u -= block_size(o->ranges[i++].prefix);
    return o->ranges[i].base + (uint32_t)u;
}

/* An IPv6 address of the /64 hi (host order) with interface identifier iid. */
static void v6_addr(struct ww_addr *w, uint64_t hi, uint64_t iid)
{
    uint8_t a[16];
    for (int i = 0; i < 8; i++) {
        a[i] = (uint8_t)(hi >> (56 - 8 * i));
        a[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    }
    ww_addr_from_v6(w, a);
}

#define V6_SRC_HI 0x20010db800770001ULL /* WW_SIM_V6_SRC */
#define V6_NET_HI 0x20010db801000000ULL /* WW_SIM_V6_NET */

/* Whether a scanner's address runs nmap (its stack as sim/stack.h picks it
 * for a scanner): the hiding scanners are nmap's. */
static int nmap_addr(const struct ww_addr *w)
{
    return !strncmp(ww_sim_stacks[ww_sim_stack_pick(WW_SIM_ROLE_SCANNER, w)].name, "nmap", 4);
}

static int nmap_v4(uint32_t a)
{
    struct ww_addr w;
    uint8_t v4[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    ww_addr_from_v4(&w, v4);
    return nmap_addr(&w);
}

/* The scenarios' streams and choices: the campaign's sources, the flooded
 * address, the research scanners' addresses (distinct) and their sweep, the
 * DoS victim, the slow scanner (an nmap address) and its walk, the rotating
 * scanner's target and its walk over the ports. */
static void setup_scenarios(struct ww_sim *s)
{
    unsigned sc = s->o.scenarios;
    for (int k = 0; k < WW_SIM_NKINDS; k++) {
        ww_rng_seed(&s->srng[k], s->o.seed, ST_SCEN + (uint64_t)k);
        s->chosen.first[k] = -1;
    }
    if (sc & WW_SCEN_CAMPAIGN) {
        s->campaign = ww_malloc((size_t)s->o.campaign_sources * sizeof *s->campaign);
        for (uint32_t i = 0; i < s->o.campaign_sources; i++)
            s->campaign[i] = public_addr(s, &s->srng[WW_SIM_CAMPAIGN]);
    }
    if (sc & WW_SCEN_FLOOD) {
        uint16_t sensor;
        s->flood_idx = ww_rng_below(&s->srng[WW_SIM_FLOOD], s->M);
        locate(s, s->flood_idx, &sensor, &s->chosen.flood_target);
    }
    if (sc & WW_SCEN_SCANNERS) {
        struct ww_rng *r = &s->srng[WW_SIM_SCANNERS];
        s->scanner = ww_malloc((size_t)s->o.scanner_sources * sizeof *s->scanner);
        for (uint32_t i = 0; i < s->o.scanner_sources;) {
            uint32_t a = range_addr(&s->o, r), j = 0;
            while (j < i && s->scanner[j] != a) j++;
            if (j == i) s->scanner[i++] = a;
        }
        s->chosen.scanners = s->scanner;
        s->chosen.nscanners = s->o.scanner_sources;
        walk_init(r, s->M, &s->scan_a, &s->scan_b);
    }
    if (sc & WW_SCEN_BACKSCATTER) s->chosen.victim = public_addr(s, &s->srng[WW_SIM_BACKSCATTER]);
    if (sc & WW_SCEN_SLOW) {
        struct ww_rng *r = &s->srng[WW_SIM_SLOW];
        do s->chosen.slow_src = public_addr(s, r);
        while (!nmap_v4(s->chosen.slow_src));
        walk_init(r, s->M, &s->slow_a, &s->slow_b);
        int64_t span = s->end - s->o.worm_start_us;
        if (span > WW_SIM_SLOW_SPAN_US) span = WW_SIM_SLOW_SPAN_US;
        uint64_t n = span > 0 ? (uint64_t)((span - 1) / s->o.slow_interval_us) + 1 : 0;
        s->chosen.slow_probes = (uint32_t)(n < s->M ? n : s->M);
    }
    if (sc & WW_SCEN_V6) {
        struct ww_rng *r = &s->srng[WW_SIM_V6];
        uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00};
        uint64_t host = ww_rng_next(r) | 1; /* not the subnet-router anycast */
        for (int i = 0; i < 8; i++) a[8 + i] = (uint8_t)(host >> (56 - 8 * i));
        ww_addr_from_v6(&s->chosen.v6_target, a);
        walk_init(r, 65535, &s->v6_a, &s->v6_b);
    }
}

/* [a, b): the part of minute [m, m + 1 min) inside [from, to); 0 if none. */
static int overlap(int64_t m, int64_t from, int64_t to, int64_t *a, int64_t *b)
{
    *a = m > from ? m : from;
    *b = m + WW_MIN_US < to ? m + WW_MIN_US : to;
    return *b > *a;
}

/* A probe's source port and flags: a SYN from the source's OS's ephemeral
 * range, or UDP from a random high port. */
static void probe_shape(struct ww_rng *r, uint32_t src, uint8_t proto, uint16_t *sport, uint8_t *flags)
{
    if (proto == WW_PROTO_TCP) {
        *sport = ephemeral(r, src, SP_EPH);
        *flags = WW_TH_SYN;
    } else {
        *sport = (uint16_t)(1024 + ww_rng_below(r, 64512));
        *flags = 0;
    }
}

/* The scenarios' events in minute [m, m + 1 min). */
static void scen_minute(struct ww_sim *s, int64_t m)
{
    const struct ww_sim_opts *o = &s->o;
    int64_t T = o->worm_start_us, a, b;
    uint16_t sport;
    uint8_t flags;
    if (m + WW_MIN_US <= T) return;
    if ((o->scenarios & WW_SCEN_CAMPAIGN) && overlap(m, T, INT64_MAX, &a, &b)) {
        /* every source scans the whole Internet at its own steady rate
           from T on: together a Poisson stream of hits on the sensors */
        struct ww_rng *r = &s->srng[WW_SIM_CAMPAIGN];
        double mean = o->campaign_sources * o->campaign_rate * (double)(b - a) / WW_SEC_US *
                      (double)s->M / TWO32;
        uint64_t n = ww_rng_poisson(r, mean);
        for (uint64_t i = 0; i < n; i++) {
            int64_t ts = a + (int64_t)ww_rng_below(r, (uint64_t)(b - a));
            uint32_t src = s->campaign[ww_rng_below(r, o->campaign_sources)];
            uint64_t idx = ww_rng_below(r, s->M);
            probe_shape(r, src, o->campaign_port.proto, &sport, &flags);
            push_event(s, WW_SIM_CAMPAIGN, WW_SIM_ROLE_CAMPAIGN, ts, src, idx, sport,
                       o->campaign_port.port, o->campaign_port.proto, flags);
        }
    }
    if ((o->scenarios & WW_SCEN_FLOOD) && overlap(m, T, T + o->flood_us, &a, &b)) {
        /* hping3 --rand-source -S: every packet from a new random address */
        struct ww_rng *r = &s->srng[WW_SIM_FLOOD];
        uint64_t n = ww_rng_poisson(r, o->flood_rate * (double)(b - a) / WW_SEC_US);
        for (uint64_t i = 0; i < n; i++) {
            int64_t ts = a + (int64_t)ww_rng_below(r, (uint64_t)(b - a));
            uint32_t src = public_addr(s, r);
            sport = (uint16_t)(1024 + ww_rng_below(r, 64512));
            push_event(s, WW_SIM_FLOOD, WW_SIM_ROLE_FLOOD, ts, src, s->flood_idx, sport,
                       o->flood_port.port, o->flood_port.proto,
                       o->flood_port.proto == WW_PROTO_TCP ? WW_TH_SYN : 0);
        }
    }
    if ((o->scenarios & WW_SCEN_SCANNERS) && overlap(m, T, T + SWEEP_US, &a, &b)) {
        /* a ZMap-style sweep: every monitored address once, in a permuted
           order at a constant rate, each probe from one of the addresses */
        struct ww_rng *r = &s->srng[WW_SIM_SCANNERS];
        double per_us = (double)s->M / SWEEP_US;
        uint64_t i = (uint64_t)ceil((double)(a - T) * per_us), stop = (uint64_t)ceil((double)(b - T) * per_us);
        for (; i < stop && i < s->M; i++) {
            uint32_t src = s->scanner[ww_rng_below(r, o->scanner_sources)];
            probe_shape(r, src, o->scan_port.proto, &sport, &flags);
            push_event(s, WW_SIM_SCANNERS, WW_SIM_ROLE_RESEARCH, T + (int64_t)((double)i / per_us), src,
                       walk(s->scan_a, s->scan_b, i, s->M), sport, o->scan_port.port,
                       o->scan_port.proto, flags);
        }
    }
    if (o->scenarios & WW_SCEN_SLOW) {
        /* nmap --scan-delay: probe i at T + i * interval, to the i-th
           address of the walk */
        struct ww_rng *r = &s->srng[WW_SIM_SLOW];
        int64_t I = o->slow_interval_us;
        uint64_t i = m > T ? (uint64_t)((m - T + I - 1) / I) : 0;
        for (; i < s->chosen.slow_probes && T + (int64_t)i * I < m + WW_MIN_US; i++) {
            uint32_t src = s->chosen.slow_src;
            probe_shape(r, src, WW_PROTO_TCP, &sport, &flags);
            push_event(s, WW_SIM_SLOW, WW_SIM_ROLE_SCANNER, T + (int64_t)i * I, src,
                       walk(s->slow_a, s->slow_b, i, s->M), sport, 22, WW_PROTO_TCP, flags);
        }
    }
    if ((o->scenarios & WW_SCEN_V6) && overlap(m, T, T + WW_SIM_V6_PROBES * WW_SEC_US, &a, &b)) {
        /* nmap -6 from a new address of the /64 per probe (an nmap stack
           for every address), a second apart, ports along a walk */
        struct ww_rng *r = &s->srng[WW_SIM_V6];
        for (uint64_t i = (uint64_t)((a - T + WW_SEC_US - 1) / WW_SEC_US); T + (int64_t)i * WW_SEC_US < b; i++) {
            struct ww_addr w;
            uint64_t iid;
            do {
                iid = ww_rng_next(r);
                v6_addr(&w, V6_SRC_HI, iid);
            } while (!nmap_addr(&w));
            struct sev e = {0};
            e.ts = T + (int64_t)i * WW_SEC_US;
            if (e.ts >= s->end) break;
            e.seq = s->seq++;
            e.src = (uint32_t)(iid >> 32);
            e.dst = (uint32_t)iid;
            e.sport = (uint16_t)(32768 + ww_rng_below(r, 28232));
            e.dport = (uint16_t)(1 + walk(s->v6_a, s->v6_b, i, 65535));
            e.proto = WW_PROTO_TCP;
            e.flags = WW_TH_SYN;
            e.kind = WW_SIM_V6;
            e.role = WW_SIM_ROLE_SCANNER;
            heap_push(s, &e);
        }
    }
    for (int k = 0; (o->scenarios & WW_SCEN_BACKSCATTER) && k < BURSTS; k++) {
        /* the victim answers spoofed SYNs: SYN-ACK from its service, RST
           once its backlog is full, now and then ICMP port unreachable;
           the sensors get their share of the random spoofed addresses */
        int64_t from = T + k * BURST_GAP_US;
        if (!overlap(m, from, from + BURST_US, &a, &b)) continue;
        struct ww_rng *r = &s->srng[WW_SIM_BACKSCATTER];
        uint64_t n = ww_rng_poisson(r, o->attack_rate * (double)(b - a) / WW_SEC_US * (double)s->M / TWO32);
        for (uint64_t i = 0; i < n; i++) {
            int64_t ts = a + (int64_t)ww_rng_below(r, (uint64_t)(b - a));
            uint64_t idx = ww_rng_below(r, s->M);
            double u = ww_rng_uniform(r);
            uint16_t dport = (uint16_t)(1024 + ww_rng_below(r, 64512));
            if (u < 0.95)
                push_event(s, WW_SIM_BACKSCATTER, WW_SIM_ROLE_HOST, ts, s->chosen.victim, idx,
                           o->victim_port.port, dport, WW_PROTO_TCP,
                           u < 0.8 ? WW_TH_SYN | WW_TH_ACK : WW_TH_RST | WW_TH_ACK);
            else /* type 3, code 3 */
                push_event(s, WW_SIM_BACKSCATTER, WW_SIM_ROLE_HOST, ts, s->chosen.victim, idx, 3, 3,
                           WW_PROTO_ICMP, 0);
        }
    }
}

enum ww_err ww_sim_new(const struct ww_sim_opts *o, struct ww_sim **out, char *err, size_t errlen)
{
    const char *w = NULL;
    if (o->end_us <= o->start_us) w = "the duration must be positive";
    else if (o->end_us - o->start_us > 3650 * WW_DAY_US) w = "at most ten years can be simulated";
    else if (o->worm_start_us < o->start_us) w = "the worm cannot start before the simulation";
    else if (o->worm_proto != WW_PROTO_TCP && o->worm_proto != WW_PROTO_UDP) w = "the worm's protocol must be tcp or udp";
    else if (o->vulnerable < 1 || o->vulnerable > 100000000) w = "vulnerable hosts must be 1 to 100000000";
    else if (!(o->scan_rate > 0) || o->scan_rate > 1e6) w = "the scan rate must be above 0 and at most 1000000/s";
    else if (o->initial < 1 || o->initial > o->vulnerable) w = "initially infected hosts must be 1 to the vulnerable hosts";
    else if (o->hitlist > o->vulnerable - o->initial) w = "the hit list is longer than the uninfected hosts";
    else if (!(o->local_pref >= 0 && o->local_pref <= 1)) w = "local preference is a fraction from 0 to 1";
    else if (!(o->background_scale >= 0 && o->background_scale <= 1000)) w = "the background scale must be 0 to 1000";
    else if (!(o->stop_infected > 0)) w = "the stopping fraction must be above 0";
    else if (!o->nsensors && (o->random_count < 1 || o->random_count > WW_SIM_MAXSENSORS ||
                              o->random_prefix < 8 || o->random_prefix > 32))
        w = "bad NxPREFIX sensors";
    else if (!o->nsensors && (double)o->random_count * (double)block_size(o->random_prefix) > 0.25 * TWO32)
        w = "random sensors may cover at most a quarter of the address space";
    else if (o->nsensors > WW_SIM_MAXSENSORS) w = "at most 512 sensors";
    else w = scenario_check(o);
    if (w) {
        if (errlen) snprintf(err, errlen, "%s", w);
        return WW_ERR_ARG;
    }
    struct ww_sim *s = ww_calloc(1, sizeof *s);
    s->o = *o;
    s->end = o->end_us;
    for (int i = 0; i < WW_SIM_NMILESTONES; i++) s->milestone[i] = -1;
    place_sensors(s);
    s->worm_on = ww_sim_worm_active(o);
    s->N = o->vulnerable;
    if (s->worm_on) {
        place_hosts(s);
        ww_rng_seed(&s->wrng, o->seed, ST_WORM);
        double vmax = 0;
        for (uint32_t g = 0; g < s->G; g++) vmax = fmax(vmax, s->gsize[g]);
        double r = o->scan_rate * ((1 - o->local_pref) * s->N / TWO32 + o->local_pref * vmax / 65536);
        s->nsub = (unsigned)fmin(fmax(ceil(60 * r / MAX_GROWTH), 1), MAX_SUBSTEPS);
        s->hl_left = o->hitlist;
    } else {
        s->nsub = 1;
    }
    if (o->background && o->background_scale > 0) setup_background(s);
    setup_scenarios(s);
    *out = s;
    return WW_OK;
}

size_t ww_sim_sensors(const struct ww_sim *s, const struct ww_sim_sensor **out)
{
    *out = s->sensor;
    return s->ns;
}

/* --------------------------------------------------------------- worm */

static void infect(struct ww_sim *s, uint32_t h)
{
    uint32_t p = s->pos[h], q = s->I, other = s->perm[q];
    s->perm[p] = other; s->pos[other] = p;
    s->perm[q] = h; s->pos[h] = q;
    s->I++;
    if (!s->fen) return;
    uint32_t g = s->hgroup[h];
    uint32_t gp = s->gpos[h], gq = s->gstart[g] + s->ginf[g], go = s->gperm[gq];
    s->gperm[gp] = go; s->gpos[go] = gp;
    s->gperm[gq] = h; s->gpos[h] = gq;
    int64_t before = (int64_t)s->ginf[g] * (s->gsize[g] - s->ginf[g]);
    s->ginf[g]++;
    fen_add(s, g, (int64_t)s->ginf[g] * (s->gsize[g] - s->ginf[g]) - before);
}

static void infect_random(struct ww_sim *s, uint64_t k)
{
    for (uint64_t i = 0; i < k && s->I < s->N; i++)
        infect(s, s->perm[s->I + ww_rng_below(&s->wrng, s->N - s->I)]);
}

static void worm_hit(struct ww_sim *s, int64_t a, int64_t t1, uint32_t src, uint32_t sensor,
                     uint32_t dst)
{
    struct sev e = {0};
    e.ts = a + (int64_t)ww_rng_below(&s->wrng, (uint64_t)(t1 - a));
    e.seq = s->seq++;
    e.src = src;
    e.dst = dst;
    e.sensor = (uint16_t)sensor;
    e.proto = s->o.worm_proto;
    e.dport = s->o.worm_port;
    if (s->o.scenarios & WW_SCEN_WITTY) { /* from its port to a random one */
        e.sport = s->o.worm_port;
        e.dport = (uint16_t)(1 + ww_rng_below(&s->wrng, 65535));
    } else if (e.proto == WW_PROTO_TCP) {
        e.flags = WW_TH_SYN;
        e.sport = ephemeral(&s->wrng, src, SP_WIN);
    } else {
        e.sport = (uint16_t)(1024 + ww_rng_below(&s->wrng, 64512));
    }
    e.kind = WW_SIM_WORMEV;
    e.role = WW_SIM_ROLE_WORM;
    evbuf_push(&s->buf, &e);
}

/* One substep [t0, t1): hits on the sensors from the I0 infected hosts,
 * then the new infections. */
static void worm_step(struct ww_sim *s, int64_t t0, int64_t t1)
{
    if (!s->worm_on || t1 <= s->o.worm_start_us) return;
    if (!s->seeded) {
        infect_random(s, s->o.initial);
        s->seeded = 1;
    }
    int64_t a = t0 > s->o.worm_start_us ? t0 : s->o.worm_start_us;
    double dt = (double)(t1 - a) / WW_SEC_US, R = s->o.scan_rate, P = s->o.local_pref;
    double N = s->N, I0 = s->I, r = R * (1 - P) * N / TWO32, rdt = r * dt;
    double ibar = rdt > 1e-12 ? N / rdt * log1p(I0 * expm1(rdt) / N) : I0;
    uint32_t i0 = s->I;

    for (size_t k = 0; k < s->ns; k++) {
        uint64_t size = block_size(s->sensor[k].prefix);
        uint64_t n = ww_rng_poisson(&s->wrng, R * (1 - P) * ibar * dt * (double)size / TWO32);
        for (uint64_t j = 0; j < n; j++) {
            uint32_t src = s->addr[s->perm[ww_rng_below(&s->wrng, i0)]];
            worm_hit(s, a, t1, src, (uint32_t)k,
                     s->sensor[k].base + (uint32_t)ww_rng_below(&s->wrng, size));
        }
    }
    for (size_t k = 0; k < s->npairs; k++) {
        const struct local_pair *lp = &s->pairs[k];
        uint32_t g = lp->group, ig = s->ginf[g];
        if (!ig) continue;
        uint64_t size = block_size(s->sensor[lp->sensor].prefix);
        uint64_t n = ww_rng_poisson(&s->wrng, R * P * ig * dt * (double)size / 65536);
        for (uint64_t j = 0; j < n; j++) {
            uint32_t src = s->addr[s->gperm[s->gstart[g] + ww_rng_below(&s->wrng, ig)]];
            worm_hit(s, a, t1, src, lp->sensor,
                     s->sensor[lp->sensor].base + (uint32_t)ww_rng_below(&s->wrng, size));
        }
    }

    if (s->hl_left) { /* hit list: the infected double each second */
        double more = floor(I0 * expm1(dt * M_LN2));
        uint64_t k = more >= (double)s->hl_left ? s->hl_left : more < 1 ? 1 : (uint64_t)more;
        infect_random(s, k);
        s->hl_left -= k;
    }
    if (s->I < s->N && rdt > 0) {
        double x = exp(-rdt), p = I0 * -expm1(-rdt) / (I0 + (N - I0) * x);
        infect_random(s, ww_rng_binomial(&s->wrng, (uint64_t)(N - I0), p));
    }
    if (s->fen && s->W > 0) {
        uint64_t k = ww_rng_poisson(&s->wrng, R * P * dt * (double)s->W / 65536);
        for (uint64_t j = 0; j < k && s->W > 0; j++) {
            uint32_t g = fen_find(s, (int64_t)ww_rng_below(&s->wrng, (uint64_t)s->W));
            infect(s, s->gperm[s->gstart[g] + s->ginf[g] +
                               ww_rng_below(&s->wrng, s->gsize[g] - s->ginf[g])]);
        }
    }
    for (int m = 0; m < WW_SIM_NMILESTONES; m++)
        if (s->milestone[m] < 0 && s->I >= ww_sim_milestones[m] * N) s->milestone[m] = t1;
}

/* --------------------------------------------------------- background */

static uint16_t tail_port(struct ww_rng *r, uint8_t proto)
{
    if (proto == WW_PROTO_TCP && ww_rng_uniform(r) < 0.4)
        return tail_ports[ww_rng_below(r, sizeof tail_ports / sizeof tail_ports[0])];
    return (uint16_t)(1 + ww_rng_below(r, 65535));
}

/* One session of class c starting in [m, m + 1 minute). */
static void bg_session(struct ww_sim *s, const struct bg_class *k, int64_t m)
{
    struct ww_rng *r = &s->brng;
    double lam = lognormal(r, k->lam_med, k->lam_sig);
    uint64_t hits = ww_rng_poisson(r, lam * (double)s->M / 65536);
    if (!hits) return;
    uint32_t src = k->pool > 0 && ww_rng_uniform(r) < k->pool
                       ? s->pool[ww_rng_below(r, s->npool)] : public_addr(s, r);
    int64_t start = m + (int64_t)ww_rng_below(r, (uint64_t)WW_MIN_US);
    double pps = lognormal(r, k->pps_med, 1.0);
    double dur = fmin(fmax(lam * 65536 / pps, 1), WW_DAY_S);
    uint16_t tail = k->nports ? 0 : tail_port(r, k->proto);
    uint64_t a, b;
    walk_init(r, s->M, &a, &b);
    for (uint64_t i = 0; i < hits; i++) {
        int64_t ts = start + (int64_t)(ww_rng_uniform(r) * dur * WW_SEC_US);
        uint16_t dport = k->nports ? k->ports[k->nports > 1 ? ww_rng_below(r, k->nports) : 0] : tail;
        uint16_t sport;
        if (k->proto == WW_PROTO_ICMP) sport = 8, dport = 0; /* echo request */
        else if (k->sport == SP_SAME) sport = dport;
        else if (k->sport == SP_HIGH) sport = (uint16_t)(1024 + ww_rng_below(r, 64512));
        else sport = ephemeral(r, src, k->sport);
        bg_event(s, WW_SIM_ROLE_HOST, ts, src, walk(a, b, i, s->M), sport, dport, k->proto, k->flags);
    }
}

static uint32_t scanner_src(struct ww_sim *s)
{
    struct ww_rng *r = &s->brng;
    return ww_rng_uniform(r) < 0.5 ? s->scanners[ww_rng_below(r, NSCANNERS)] : public_addr(s, r);
}

/* One source sweeps a whole sensor block (a /16 of a larger one) on one
 * port, in address order. */
static void bg_sweep(struct ww_sim *s, int64_t m)
{
    struct ww_rng *r = &s->brng;
    double u = ww_rng_uniform(r) * s->sweep_total;
    size_t k = 0;
    while (k + 1 < s->ns && u >= s->sweep_w[k]) u -= s->sweep_w[k++];
    uint64_t size = block_size(s->sensor[k].prefix), first = 0;
    if (size > 65536) {
        first = ww_rng_below(r, size / 65536) * 65536;
        size = 65536;
    }
    unsigned w = (unsigned)ww_rng_below(r, 100), i = 0;
    while (w >= sweep_ports[i].weight) w -= sweep_ports[i++].weight;
    uint16_t port = sweep_ports[i].port;
    uint32_t src = scanner_src(s);
    double pps = fmin(lognormal(r, 30, 1.2), 5000);
    int64_t t = m + (int64_t)ww_rng_below(r, (uint64_t)WW_MIN_US);
    for (uint64_t j = 0; j < size; j++)
        bg_event(s, WW_SIM_ROLE_SCANNER, t + (int64_t)((double)j / pps * WW_SEC_US), src,
                 s->cum[k] + first + j, ephemeral(r, src, SP_EPH), port, WW_PROTO_TCP, WW_TH_SYN);
}

/* One source probes many ports of one monitored host. */
static void bg_vertical(struct ww_sim *s, int64_t m)
{
    struct ww_rng *r = &s->brng;
    uint64_t idx = ww_rng_below(r, s->M), a, b;
    uint32_t src = scanner_src(s);
    uint64_t nports = (uint64_t)fmin(fmax(lognormal(r, 300, 1.2), 20), 65535);
    uint64_t range = ww_rng_uniform(r) < 0.5 ? nports : 65535; /* 1..n, or any */
    double pps = fmin(lognormal(r, 100, 1.0), 5000);
    int64_t t = m + (int64_t)ww_rng_below(r, (uint64_t)WW_MIN_US);
    walk_init(r, range, &a, &b);
    for (uint64_t j = 0; j < nports; j++)
        bg_event(s, WW_SIM_ROLE_SCANNER, t + (int64_t)((double)j / pps * WW_SEC_US), src, idx,
                 ephemeral(r, src, SP_EPH), (uint16_t)(1 + walk(a, b, j, range)), WW_PROTO_TCP,
                 WW_TH_SYN);
}

/* One to three heavy sources on one random port for an hour. */
static void bg_burst(struct ww_sim *s, int64_t m)
{
    struct ww_rng *r = &s->brng;
    uint8_t proto = ww_rng_uniform(r) < 0.8 ? WW_PROTO_TCP : WW_PROTO_UDP;
    uint16_t port = (uint16_t)(1024 + ww_rng_below(r, 64512));
    unsigned nsrc = 1 + (unsigned)ww_rng_below(r, 3);
    int64_t t = m + (int64_t)ww_rng_below(r, (uint64_t)WW_MIN_US);
    for (unsigned i = 0; i < nsrc; i++) {
        uint32_t src = public_addr(s, r);
        uint64_t hits = ww_rng_poisson(r, lognormal(r, 300, 1.0) * (double)s->M / 65536), a, b;
        walk_init(r, s->M, &a, &b);
        for (uint64_t j = 0; j < hits; j++) {
            int64_t ts = t + (int64_t)ww_rng_below(r, WW_HOUR_US);
            uint16_t sport = proto == WW_PROTO_TCP ? ephemeral(r, src, SP_EPH)
                                                   : (uint16_t)(1024 + ww_rng_below(r, 64512));
            bg_event(s, WW_SIM_ROLE_HOST, ts, src, walk(a, b, j, s->M), sport, port, proto,
                     proto == WW_PROTO_TCP ? WW_TH_SYN : 0);
        }
    }
}

/* Backscatter: a DoS victim answers floods with random spoofed sources. */
static void bg_backscatter(struct ww_sim *s, int64_t m)
{
    struct ww_rng *r = &s->brng;
    uint64_t hits = ww_rng_poisson(r, lognormal(r, 2, 2.2) * (double)s->M / 65536), a, b;
    if (!hits) return;
    uint32_t victim = public_addr(s, r);
    uint16_t vport = victim_ports[ww_rng_below(r, sizeof victim_ports / sizeof victim_ports[0])];
    double u = ww_rng_uniform(r);
    uint8_t flags = u < 0.6 ? WW_TH_SYN | WW_TH_ACK : u < 0.9 ? WW_TH_RST | WW_TH_ACK : WW_TH_RST;
    double dur = fmin(fmax(lognormal(r, 600, 1.5), 5), WW_DAY_S);
    int64_t t = m + (int64_t)ww_rng_below(r, (uint64_t)WW_MIN_US);
    walk_init(r, s->M, &a, &b);
    for (uint64_t j = 0; j < hits; j++) {
        int64_t ts = t + (int64_t)(ww_rng_uniform(r) * dur * WW_SEC_US);
        uint16_t dport = (uint16_t)(1024 + ww_rng_below(r, 64512));
        bg_event(s, WW_SIM_ROLE_HOST, ts, victim, walk(a, b, j, s->M), vport, dport, WW_PROTO_TCP, flags);
    }
}

static double poisson_rate(double per_day, double scale)
{
    return per_day * scale / 1440;
}

/* Everything of the background that starts in minute [m, m + 1 min);
 * minute_no counts from the beginning of the burn-in. */
static void bg_minute(struct ww_sim *s, int64_t m, uint64_t minute_no)
{
    struct ww_rng *r = &s->brng;
    double scale = s->o.background_scale;
    double hour = (double)(((m / WW_SEC_US) % WW_DAY_S + WW_DAY_S) % WW_DAY_S) / WW_HOUR_S;
    for (size_t c = 0; c < NCLASSES; c++) {
        const struct bg_class *k = &classes[c];
        if (minute_no % 60 == 0 && minute_no)
            s->ar[c] = AR_RHO * s->ar[c] + sqrt(1 - AR_RHO * AR_RHO) * k->burst * ww_rng_normal(r);
        double mod = (1 + k->diurnal * cos(2 * M_PI * (hour - k->peak_h) / 24)) *
                     exp(s->ar[c] - k->burst * k->burst / 2);
        uint64_t n = ww_rng_poisson(r, s->sessions_per_min[c] * mod);
        for (uint64_t i = 0; i < n; i++) bg_session(s, k, m);
    }
    uint64_t n = ww_rng_poisson(r, poisson_rate(s->sweep_total, scale));
    for (uint64_t i = 0; i < n; i++) bg_sweep(s, m);
    n = ww_rng_poisson(r, poisson_rate(VERTICAL_PER_16_DAY * (double)s->M / 65536, scale));
    for (uint64_t i = 0; i < n; i++) bg_vertical(s, m);
    n = ww_rng_poisson(r, poisson_rate(BURSTS_PER_DAY, scale));
    for (uint64_t i = 0; i < n; i++) bg_burst(s, m);
    n = ww_rng_poisson(r, poisson_rate(ATTACKS_PER_DAY, scale));
    for (uint64_t i = 0; i < n; i++) bg_backscatter(s, m);
}

/* ---------------------------------------------------------------- run */

static void emit(struct ww_sim *s, ww_sim_event_fn fn, void *ctx)
{
    struct evbuf *b = &s->buf;
    if (b->n > 1) qsort(b->v, b->n, sizeof *b->v, sev_cmp);
    for (size_t i = 0; fn && i < b->n; i++) {
        const struct sev *e = &b->v[i];
        struct ww_event ev;
        uint8_t v4[4];
        memset(&ev, 0, sizeof ev);
        ev.ts_us = e->ts;
        if (e->kind == WW_SIM_V6) {
            v6_addr(&ev.src, V6_SRC_HI, (uint64_t)e->src << 32 | e->dst);
            ev.dst = s->chosen.v6_target;
        } else {
            v4[0] = (uint8_t)(e->src >> 24); v4[1] = (uint8_t)(e->src >> 16);
            v4[2] = (uint8_t)(e->src >> 8); v4[3] = (uint8_t)e->src;
            ww_addr_from_v4(&ev.src, v4);
            v4[0] = (uint8_t)(e->dst >> 24); v4[1] = (uint8_t)(e->dst >> 16);
            v4[2] = (uint8_t)(e->dst >> 8); v4[3] = (uint8_t)e->dst;
            ww_addr_from_v4(&ev.dst, v4);
        }
        ev.sport = e->sport;
        ev.dport = e->dport;
        ev.proto = e->proto;
        ev.tcpflags = e->flags;
        ev.action = WW_ACTION_DROP;
        ev.count = 1;
        int stack = -1;
        if (e->proto == WW_PROTO_TCP && (e->flags & (WW_TH_SYN | WW_TH_ACK)) == WW_TH_SYN) {
            stack = (int)ww_sim_stack_pick(e->role, &ev.src);
            ww_sim_stack_fp((unsigned)stack, &ev.src, &ev.fp);
        }
        if (s->chosen.first[e->kind] < 0) s->chosen.first[e->kind] = e->ts;
        fn(ctx, e->sensor, e->kind, stack, &ev);
    }
    b->n = 0;
}

void ww_sim_run(struct ww_sim *s, ww_sim_event_fn on_event, ww_sim_truth_fn on_truth, void *ctx)
{
    int bg = s->pool != NULL;
    int64_t start = s->o.start_us;
    int64_t m = bg ? start - WW_DAY_US : start; /* background burn-in */
    for (uint64_t minute_no = 0; m < s->end; m += WW_MIN_US, minute_no++) {
        if (bg) bg_minute(s, m, minute_no);
        if (m < start) continue;
        if (s->o.scenarios) scen_minute(s, m);
        if (s->worm_on && !s->seeded && s->o.worm_start_us <= m) {
            infect_random(s, s->o.initial);
            s->seeded = 1;
        }
        if (on_truth) on_truth(ctx, m, s->I);
        for (unsigned k = 0; k < s->nsub; k++) {
            int64_t t0 = m + (int64_t)((double)k * WW_MIN_US / s->nsub);
            int64_t t1 = k + 1 == s->nsub ? m + WW_MIN_US : m + (int64_t)((double)(k + 1) * WW_MIN_US / s->nsub);
            if (t0 >= s->end) break;
            if (t1 > s->end) t1 = s->end;
            worm_step(s, t0, t1);
            while (s->hn && s->heap[0].ts < t1) {
                struct sev e;
                heap_pop(s, &e);
                evbuf_push(&s->buf, &e);
            }
            emit(s, on_event, ctx);
        }
        if (s->worm_on && s->I >= s->o.stop_infected * s->N && m + WW_MIN_US < s->end)
            s->end = m + WW_MIN_US;
    }
    if ((s->end - start) % WW_MIN_US == 0 && on_truth) on_truth(ctx, s->end, s->I);
}

int64_t ww_sim_end(const struct ww_sim *s) { return s->end; }
uint64_t ww_sim_infected(const struct ww_sim *s) { return s->I; }

const struct ww_sim_chosen *ww_sim_chosen(const struct ww_sim *s) { return &s->chosen; }

int64_t ww_sim_milestone(const struct ww_sim *s, unsigned i)
{
    return i < WW_SIM_NMILESTONES ? s->milestone[i] : -1;
}

void ww_sim_free(struct ww_sim *s)
{
    if (!s) return;
    ww_free(s->addr); ww_free(s->perm); ww_free(s->pos);
    ww_free(s->map16); ww_free(s->gstart); ww_free(s->gsize); ww_free(s->ginf);
    ww_free(s->gperm); ww_free(s->gpos); ww_free(s->hgroup); ww_free(s->fen);
    ww_free(s->pairs); ww_free(s->pool); ww_free(s->heap); ww_free(s->buf.v);
    ww_free(s->campaign); ww_free(s->scanner);
    ww_free(s);
}

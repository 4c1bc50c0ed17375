/* sim.c -- the simulator (lib/sim/sim.c) and the writers (lib/out/write_*.c):
 * the PRNG against its reference outputs, the samplers' means and variances,
 * the epidemic against the logistic solution, sensor hit rates against
 * their expectation, the background's daily volume, determinism, and every
 * writer's output read back by the project's own parsers and decoder (a
 * simulated SYN's fingerprint too). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/parse.h"
#include "ingest/decode.h"
#include "sim/sim.h"
#include "sim/stack.h"
#include "test.h"
#include "out/write.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

/* ---------------------------------------------------------------- PRNG */

static void test_rng(void)
{
    struct ww_rng r = {{1, 2, 3, 4}}, a, b;
    /* xoshiro256** reference outputs for state {1, 2, 3, 4} */
    CHECK(ww_rng_next(&r) == 11520ULL);
    CHECK(ww_rng_next(&r) == 0ULL);
    CHECK(ww_rng_next(&r) == 1509978240ULL);
    CHECK(ww_rng_next(&r) == 1215971899390074240ULL);
    /* splitmix64(0)'s first output seeds the first word */
    ww_rng_seed(&a, 0, 0);
    CHECK(a.s[0] == 0xe220a8397b1dcdafULL);

    ww_rng_seed(&a, 42, 3);
    ww_rng_seed(&b, 42, 3);
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= ww_rng_next(&a) == ww_rng_next(&b);
    CHECK(same);
    ww_rng_seed(&b, 42, 4);
    CHECK(ww_rng_next(&a) != ww_rng_next(&b));
    ww_rng_seed(&b, 43, 3);
    ww_rng_seed(&a, 42, 3);
    CHECK(ww_rng_next(&a) != ww_rng_next(&b));

    int ok = 1;
    double sum = 0, sq = 0;
    for (int i = 0; i < 100000; i++) {
        double u = ww_rng_uniform(&a);
        ok &= u >= 0 && u < 1;
        ok &= ww_rng_below(&a, 7) < 7;
        double z = ww_rng_normal(&a);
        sum += z, sq += z * z;
    }
    CHECK(ok);
    CHECK(ww_rng_below(&a, 0) == 0);
    CHECK(fabs(sum / 1e5) < 0.02);
    CHECK(fabs(sq / 1e5 - 1) < 0.03);
}

static void moments(int poisson, double mu, uint64_t n, double p, double *mean, double *var)
{
    struct ww_rng r;
    double s = 0, s2 = 0;
    const int k = 200000;
    ww_rng_seed(&r, 7, (uint64_t)(mu * 1000 + (double)n + p));
    for (int i = 0; i < k; i++) {
        double x = poisson ? (double)ww_rng_poisson(&r, mu) : (double)ww_rng_binomial(&r, n, p);
        s += x, s2 += x * x;
    }
    *mean = s / k;
    *var = s2 / k - *mean * *mean;
}

static void test_samplers(void)
{
    static const double mus[] = {0.05, 0.7, 4, 9.9, 10.5, 57, 3000, 2e6};
    for (size_t i = 0; i < sizeof mus / sizeof mus[0]; i++) {
        double mu = mus[i], m, v;
        moments(1, mu, 0, 0, &m, &v);
        /* the mean within 5 standard errors, the variance within 3% */
        if (fabs(m - mu) > 5 * sqrt(mu / 200000) || fabs(v / mu - 1) > 0.03)
            fprintf(stderr, "poisson(%g): mean %g var %g\n", mu, m, v);
        CHECK(fabs(m - mu) <= 5 * sqrt(mu / 200000));
        CHECK(fabs(v / mu - 1) <= 0.03);
    }
    static const struct { uint64_t n; double p; } bs[] = {
        {1, 0.5}, {20, 0.3}, {40, 0.2}, {1000, 0.3}, {100, 0.9}, {1000000, 0.01},
        {360000, 1e-5}, {50, 0.999}};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        double mu = (double)bs[i].n * bs[i].p, var = mu * (1 - bs[i].p), m, v;
        moments(0, 0, bs[i].n, bs[i].p, &m, &v);
        if (fabs(m - mu) > 5 * sqrt(var / 200000) || fabs(v / var - 1) > 0.03)
            fprintf(stderr, "binomial(%llu, %g): mean %g var %g\n", (unsigned long long)bs[i].n,
                    bs[i].p, m, v);
        CHECK(fabs(m - mu) <= 5 * sqrt(var / 200000));
        CHECK(fabs(v / var - 1) <= 0.03);
    }
    struct ww_rng r;
    ww_rng_seed(&r, 1, 1);
    CHECK(ww_rng_poisson(&r, 0) == 0);
    CHECK(ww_rng_poisson(&r, -1) == 0);
    CHECK(ww_rng_binomial(&r, 0, 0.5) == 0);
    CHECK(ww_rng_binomial(&r, 10, 0) == 0);
    CHECK(ww_rng_binomial(&r, 10, 1) == 10);
    int bounded = 1;
    for (int i = 0; i < 10000; i++) bounded &= ww_rng_binomial(&r, 30, 0.6) <= 30;
    CHECK(bounded);
}

/* ------------------------------------------------------------ sensors */

static void test_sensors(void)
{
    struct ww_sim_opts o;
    char why[128];
    ww_sim_opts_default(&o);
    CHECK_INT(o.random_count, 16);
    CHECK_INT(o.random_prefix, 20);
    CHECK_INT(ww_sim_parse_sensors("8x/24", &o, why, sizeof why), 0);
    CHECK_INT(o.random_count, 8);
    CHECK_INT(o.random_prefix, 24);
    CHECK_INT(o.nsensors, 0);
    CHECK_INT(ww_sim_parse_sensors("192.0.2.0/24,198.51.100.0/24,203.0.113.7", &o, why, sizeof why), 0);
    CHECK_INT(o.nsensors, 3);
    CHECK(o.sensors[0].base == 0xc0000200u && o.sensors[0].prefix == 24);
    CHECK(o.sensors[2].base == 0xcb007107u && o.sensors[2].prefix == 32);
    static const char *bad[] = {"192.0.2.1/24", "192.0.2.0/24,192.0.2.128/25", "0x/20", "16x/7",
                                "16x/33", "513x/24", "10.0.0.0/33", "10.0.0.0/4", "", "2001:db8::/32",
                                "192.0.2.0/24,", "x/20", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        enum ww_err rc = ww_sim_parse_sensors(bad[i], &o, why, sizeof why);
        if (rc != WW_ERR_PARSE) fprintf(stderr, "accepted bad sensors '%s'\n", bad[i]);
        CHECK(rc == WW_ERR_PARSE && why[0]);
    }
    CHECK(ww_sim_reserved(0x0a000001u));   /* 10.0.0.1 */
    CHECK(ww_sim_reserved(0xc0a80101u));   /* 192.168.1.1 */
    CHECK(ww_sim_reserved(0xe0000001u));   /* 224.0.0.1 */
    CHECK(ww_sim_reserved(0xffffffffu));
    CHECK(!ww_sim_reserved(0x08080808u));  /* 8.8.8.8 */
    CHECK(!ww_sim_reserved(0xc0000300u));  /* 192.0.3.0 */

    /* Random placement: aligned, disjoint, public. */
    ww_sim_opts_default(&o);
    o.background = 0;
    o.worm_start_us = o.end_us;
    CHECK_INT(ww_sim_parse_sensors("64x/16", &o, why, sizeof why), 0);
    struct ww_sim *s = NULL;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_OK);
    const struct ww_sim_sensor *sv;
    size_t n = ww_sim_sensors(s, &sv);
    CHECK_INT(n, 64);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        ok &= sv[i].prefix == 16 && (sv[i].base & 0xffff) == 0;
        ok &= !ww_sim_reserved(sv[i].base) && !ww_sim_reserved(sv[i].base + 0xffff);
        for (size_t j = 0; j < i; j++) ok &= sv[i].base != sv[j].base;
    }
    CHECK(ok);
    ww_sim_free(s);

    ww_sim_opts_default(&o);
    o.worm_start_us = o.start_us - 1;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
    ww_sim_opts_default(&o);
    o.end_us = o.start_us;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
    ww_sim_opts_default(&o);
    o.initial = 0;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
    ww_sim_opts_default(&o);
    o.vulnerable = 10, o.initial = 5, o.hitlist = 6;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
    ww_sim_opts_default(&o);
    o.local_pref = 1.5;
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
    ww_sim_opts_default(&o);
    o.worm_proto = WW_PROTO_ICMP;
    why[0] = 0;
    CHECK(ww_sim_new(&o, &s, why, sizeof why) == WW_ERR_ARG && why[0]);
}

/* ----------------------------------------------------- runs and counts */

#define MAXT 20000

struct tally {
    uint64_t events, worm, hash, bghash, kinds[WW_SIM_NKINDS];
    int64_t last_ts[WW_SIM_MAXSENSORS];
    int in_order, in_range, worm_shape, local_only;
    uint32_t want16; /* if nonzero: every worm source must be in this /16 (<< 16) */
    int64_t start, end;
    const struct ww_sim *sim;
    uint32_t *src445, *src139;
    size_t n445, n139, cap;
    uint64_t truth[MAXT];
    size_t ntruth;
    int truth_spaced;
    int64_t last_truth;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void on_ev(void *ctx, unsigned sensor, int kind, int stack, const struct ww_event *ev)
{
    struct tally *t = ctx;
    (void)stack;
    int worm = kind == WW_SIM_WORMEV;
    t->events++;
    t->worm += worm;
    t->kinds[kind]++;
    if (kind == WW_SIM_BG) {
        t->bghash = fnv(t->bghash, &ev->ts_us, 8);
        t->bghash = fnv(t->bghash, ev->src.b, 16);
        t->bghash = fnv(t->bghash, ev->dst.b, 16);
        t->bghash = fnv(t->bghash, &ev->dport, 2);
    }
    t->hash = fnv(t->hash, &sensor, sizeof sensor);
    t->hash = fnv(t->hash, &ev->ts_us, 8);
    t->hash = fnv(t->hash, ev->src.b, 16);
    t->hash = fnv(t->hash, ev->dst.b, 16);
    t->hash = fnv(t->hash, &ev->sport, 2);
    t->hash = fnv(t->hash, &ev->dport, 2);
    t->hash = fnv(t->hash, &ev->proto, 1);
    t->hash = fnv(t->hash, &ev->tcpflags, 1);
    if (ev->ts_us < t->last_ts[sensor]) t->in_order = 0;
    t->last_ts[sensor] = ev->ts_us;
    if (ev->ts_us < t->start || ev->ts_us >= t->end) t->in_range = 0;
    const struct ww_sim_sensor *sv;
    size_t ns = ww_sim_sensors(t->sim, &sv);
    uint32_t d = (uint32_t)ev->dst.b[12] << 24 | (uint32_t)ev->dst.b[13] << 16 |
                 (uint32_t)ev->dst.b[14] << 8 | ev->dst.b[15];
    if (sensor >= ns || ((d ^ sv[sensor].base) >> (32 - sv[sensor].prefix) && sv[sensor].prefix))
        t->in_range = 0;
    if (ev->src.family != 4 || ev->dst.family != 4 || ev->count != 1) t->in_range = 0;
    if (worm && (ev->dport != 139 || ev->proto != WW_PROTO_TCP || ev->tcpflags != WW_TH_SYN ||
                 ev->sport < 1025 || ev->sport > 5000))
        t->worm_shape = 0;
    if (worm && t->want16) {
        uint32_t s16 = (uint32_t)ev->src.b[12] << 24 | (uint32_t)ev->src.b[13] << 16;
        if (s16 != t->want16) t->local_only = 0;
    }
    if (t->src445 && ev->proto == WW_PROTO_TCP && (ev->dport == 445 || ev->dport == 139)) {
        if (t->n445 == t->cap || t->n139 == t->cap) return;
        uint32_t s = (uint32_t)ev->src.b[12] << 24 | (uint32_t)ev->src.b[13] << 16 |
                     (uint32_t)ev->src.b[14] << 8 | ev->src.b[15];
        if (ev->dport == 445) t->src445[t->n445++] = s;
        else t->src139[t->n139++] = s;
    }
}

static void on_truth(void *ctx, int64_t ts, uint64_t infected)
{
    struct tally *t = ctx;
    if (t->ntruth && ts - t->last_truth != 60 * US) t->truth_spaced = 0;
    t->last_truth = ts;
    if (t->ntruth < MAXT) t->truth[t->ntruth++] = infected;
}

static void tally_init(struct tally *t, const struct ww_sim_opts *o)
{
    memset(t, 0, sizeof *t);
    t->in_order = t->in_range = t->worm_shape = t->truth_spaced = t->local_only = 1;
    t->hash = t->bghash = 0xcbf29ce484222325ULL;
    t->start = o->start_us;
    t->end = o->end_us;
    for (size_t i = 0; i < WW_SIM_MAXSENSORS; i++) t->last_ts[i] = INT64_MIN;
}

/* Runs o into a fresh tally (t's want16 and source arrays are kept). */
static struct ww_sim *run(const struct ww_sim_opts *o, struct tally *t)
{
    char why[128];
    uint32_t want16 = t->want16, *a = t->src445, *b = t->src139;
    size_t cap = t->cap;
    tally_init(t, o);
    t->want16 = want16, t->src445 = a, t->src139 = b, t->cap = cap;
    struct ww_sim *s;
    if (ww_sim_new(o, &s, why, sizeof why)) {
        fprintf(stderr, "ww_sim_new: %s\n", why);
        return NULL;
    }
    t->sim = s;
    ww_sim_run(s, on_ev, on_truth, t);
    return s;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t distinct(uint32_t *v, size_t n)
{
    size_t k = 0;
    qsort(v, n, sizeof *v, cmp_u32);
    for (size_t i = 0; i < n; i++) k += i == 0 || v[i] != v[i - 1];
    return k;
}

/* The stochastic epidemic against the logistic solution with N large and
 * K moderate: I(t) = N / (1 + (N/K - 1) e^{-rt}), r = eta N / 2^32. */
static void test_epidemic(void)
{
    struct ww_sim_opts o;
    static struct tally t; /* large: not on the stack */
    ww_sim_opts_default(&o);
    o.background = 0;
    o.vulnerable = 1000000;
    o.initial = 1000;
    o.scan_rate = 100; /* r = 0.0233/s: doubles every 30 s */
    o.worm_start_us = o.start_us;
    o.end_us = o.start_us + 30 * 60 * US;
    ww_sim_parse_sensors("1x/24", &o, NULL, 0);
    struct ww_sim *s = run(&o, &t);
    CHECK(s != NULL);
    if (!s) return;
    CHECK_INT(t.ntruth, 31);
    CHECK(t.truth_spaced);
    CHECK_INT(t.truth[0], 1000);
    double N = 1e6, K = 1000, r = 100 * N / 4294967296.0, worst = 0;
    for (size_t m = 1; m < t.ntruth; m++) {
        double want = N / (1 + (N / K - 1) * exp(-r * 60.0 * (double)m));
        double err = fabs((double)t.truth[m] - want) / want;
        if (err > worst) worst = err;
    }
    if (worst > 0.03) fprintf(stderr, "epidemic: worst relative error %g\n", worst);
    CHECK(worst <= 0.03);
    CHECK(t.truth[30] > 990000);
    /* the 1% milestone, at the logistic's time to within a few seconds */
    double t1 = log((N / K - 1) / (1 / 0.01 - 1)) / r;
    int64_t m1 = ww_sim_milestone(s, 2);
    CHECK(m1 >= 0 && fabs((double)(m1 - o.start_us) / US - t1) < 3);
    CHECK(ww_sim_milestone(s, 0) >= o.start_us && ww_sim_milestone(s, 0) <= o.start_us + 60 * US);
    CHECK_INT(ww_sim_infected(s), t.truth[30]);
    ww_sim_free(s);

    /* Stop early at 5%: the run ends at the end of that minute. */
    o.stop_infected = 0.05;
    s = run(&o, &t);
    CHECK(s && ww_sim_end(s) < o.end_us && (ww_sim_end(s) - o.start_us) % (60 * US) == 0);
    CHECK(s && ww_sim_infected(s) >= 50000 && t.truth[t.ntruth - 1] == ww_sim_infected(s));
    ww_sim_free(s);

    /* A hit list of 10,000 is infected within seconds. */
    ww_sim_opts_default(&o);
    o.background = 0;
    o.worm_start_us = o.start_us;
    o.end_us = o.start_us + 2 * 60 * US;
    o.hitlist = 10000;
    s = run(&o, &t);
    CHECK(s && t.truth[1] >= 10001 && t.truth[1] < 10400); /* + ~1.5% random scanning */
    ww_sim_free(s);

    /* Local preference 1 with uniformly placed hosts: the worm stays in
       the /16s of its first victims. */
    ww_sim_opts_default(&o);
    o.background = 0;
    o.vulnerable = 2000000; /* ~31 per /16 */
    o.initial = 100;
    o.scan_rate = 200;
    o.local_pref = 1;
    o.worm_start_us = o.start_us;
    o.end_us = o.start_us + 6 * 3600 * US;
    s = run(&o, &t);
    CHECK(s && ww_sim_infected(s) > 1000 && ww_sim_infected(s) < 100 * 60);
    ww_sim_free(s);
}

/* All hosts infected from the start, so the hit rate is constant:
 * eta N size / 2^32 per second. */
static void test_hits(void)
{
    struct ww_sim_opts o;
    static struct tally t; /* large: not on the stack */
    ww_sim_opts_default(&o);
    o.background = 0;
    o.vulnerable = o.initial = 10000;
    o.scan_rate = 10;
    o.worm_start_us = o.start_us;
    o.end_us = o.start_us + 3600 * US;
    ww_sim_parse_sensors("1x/16", &o, NULL, 0);
    struct ww_sim *s = run(&o, &t);
    double want = 10.0 * 10000 * 65536 / 4294967296.0 * 3600; /* 5493.2 */
    CHECK(s && fabs((double)t.worm - want) < 4 * sqrt(want));
    CHECK_INT(t.events, t.worm);
    CHECK(t.in_order && t.in_range && t.worm_shape);
    ww_sim_free(s);

    /* Split over 16 /20s: the same total. */
    ww_sim_parse_sensors("16x/20", &o, NULL, 0);
    s = run(&o, &t);
    CHECK(s && fabs((double)t.worm - want) < 4 * sqrt(want));
    CHECK(t.in_order && t.in_range && t.worm_shape);
    ww_sim_free(s);

    /* Local preference 1, every host infected: a sensor sees only the hosts
       of its own /16 (~15 of a million uniformly placed ones), at
       eta * I_16 * size / 2^16 probes a second. */
    o.vulnerable = o.initial = 1000000;
    o.scan_rate = 1;
    o.local_pref = 1;
    ww_sim_parse_sensors("8.8.16.0/20", &o, NULL, 0);
    t.want16 = 0x08080000u;
    s = run(&o, &t);
    /* 5 to 40 hosts in the /16: 1100 to 9000 probes in the hour */
    CHECK(s && t.worm > 1000 && t.worm < 9000 && t.local_only && t.in_range && t.in_order);
    ww_sim_free(s);
    t.want16 = 0;
    o.local_pref = 0;
    o.vulnerable = o.initial = 10000;

    /* The worm starts after the end: background only, no truth growth. */
    o.worm_start_us = o.end_us;
    o.background = 0;
    s = run(&o, &t);
    CHECK(s && t.events == 0 && t.truth[t.ntruth - 1] == 0 && ww_sim_infected(s) == 0);
    ww_sim_free(s);
}

static void test_background(void)
{
    struct ww_sim_opts o;
    static struct tally t; /* large: not on the stack */
    ww_sim_opts_default(&o);
    o.end_us = o.start_us + 86400 * US;
    o.worm_start_us = o.end_us; /* no worm */
    static uint32_t a445[1 << 20], a139[1 << 20];
    char why[128];
    struct ww_sim *s = run(&o, &t);
    uint64_t h1 = t.hash, n1 = t.events;
    ww_sim_free(s);
    /* again, counting sources on 445 and 139 */
    struct tally *tp = &t;
    tp->src445 = a445, tp->src139 = a139, tp->cap = 1 << 20;
    s = run(&o, tp);
    CHECK(tp->hash == h1 && tp->events == n1); /* deterministic */
    CHECK(tp->in_order && tp->in_range);
    CHECK_INT(tp->worm, 0);
    size_t d445 = distinct(a445, tp->n445), d139 = distinct(a139, tp->n139);
    fprintf(stderr, "background, one day, 16x/20: %llu records, %zu sources on 445, %zu on 139\n",
            (unsigned long long)tp->events, d445, d139);
    CHECK(tp->events >= 150000 && tp->events <= 600000);
    CHECK(d445 >= 2000 && d445 <= 5000);
    CHECK(d139 >= 2000 && d139 <= 5000);
    CHECK_INT(tp->ntruth, 1441);
    ww_sim_free(s);
    tp->src445 = tp->src139 = NULL;

    /* Another seed, another day; the scale scales. */
    o.seed = 2;
    s = run(&o, &t);
    CHECK(t.hash != h1 && t.events > 100000);
    ww_sim_free(s);
    o.seed = 1;
    o.background_scale = 0.1;
    s = run(&o, &t);
    CHECK(t.events > n1 / 20 && t.events < n1 / 5);
    ww_sim_free(s);

    /* A /24 alone sees a small fraction of it. */
    o.background_scale = 1;
    ww_sim_parse_sensors("198.51.100.0/24", &o, why, sizeof why);
    s = run(&o, &t);
    CHECK(t.in_order && t.in_range && t.events > 100 && t.events < n1 / 50);
    ww_sim_free(s);
}

/* ------------------------------------------------------------ writers */

static void v4(struct ww_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
    uint8_t b[4] = {x, y, z, w};
    ww_addr_from_v4(a, b);
}

static int same_event(const struct ww_event *a, const struct ww_event *b, int64_t ts_unit)
{
    return a->ts_us / ts_unit == b->ts_us / ts_unit && ww_addr_eq(&a->src, &b->src) &&
           ww_addr_eq(&a->dst, &b->dst) && a->sport == b->sport && a->dport == b->dport &&
           a->proto == b->proto && a->tcpflags == b->tcpflags;
}

/* The scenarios come on top of the background without moving any of it,
 * each from the worm's start; a quiet port loses only its own records. */
static void test_scenarios(void)
{
    struct ww_sim_opts o;
    static struct tally t, u; /* zero: run() keeps their source arrays */
    ww_sim_opts_default(&o);
    o.end_us = o.start_us + 18 * 3600 * US;
    o.worm_start_us = o.end_us;
    CHECK_INT(ww_sim_parse_sensors("4x/20", &o, NULL, 0), WW_OK);
    struct ww_sim *s = run(&o, &t);
    CHECK(s && t.kinds[WW_SIM_BG] > 10000 && t.kinds[WW_SIM_BG] == t.events);
    ww_sim_free(s);

    o.worm_start_us = o.start_us + 12 * 3600 * US;
    o.scenarios = WW_SCEN_CAMPAIGN | WW_SCEN_FLOOD | WW_SCEN_SCANNERS | WW_SCEN_BACKSCATTER;
    o.attack_rate = 200000;
    s = run(&o, &u);
    CHECK(s && u.in_order && u.in_range);
    CHECK(u.bghash == t.bghash && u.kinds[WW_SIM_BG] == t.kinds[WW_SIM_BG]);
    CHECK_INT(u.kinds[WW_SIM_WORMEV], 0);
    CHECK_INT(u.kinds[WW_SIM_SCANNERS], 4 * 4096);          /* every address once */
    CHECK(u.kinds[WW_SIM_FLOOD] > 50000 && u.kinds[WW_SIM_FLOOD] < 70000); /* 100/s, 10 min */
    CHECK(u.kinds[WW_SIM_CAMPAIGN] > 100 && u.kinds[WW_SIM_BACKSCATTER] > 500);
    const struct ww_sim_chosen *c = s ? ww_sim_chosen(s) : NULL;
    for (int k = WW_SIM_CAMPAIGN; c && k <= WW_SIM_BACKSCATTER; k++) CHECK(c->first[k] >= o.worm_start_us);
    CHECK(c && c->nscanners == 60 && (c->scanners[0] >> 8 == 0xa28e7d || c->scanners[0] >> 8 == 0xa75e8a));
    ww_sim_free(s);

    o.scenarios = WW_SCEN_QUIET; /* the worm on 139/tcp, its background gone */
    s = run(&o, &u);
    CHECK(s && u.kinds[WW_SIM_BG] < t.kinds[WW_SIM_BG] && u.kinds[WW_SIM_WORMEV] > 0);
    ww_sim_free(s);

    o.scenarios = 1u << WW_SIM_NSCEN; /* no such scenario */
    char why[128];
    CHECK_INT(ww_sim_new(&o, &s, why, sizeof why), WW_ERR_ARG);
}

/* The hiding scanners' events, kept whole (at most 400 of each). */
struct hiding { struct ww_event slow[400], v6[400]; int slow_stack[400], v6_stack[400];
                unsigned slow_sensor[400], v6_sensor[400]; size_t nslow, nv6, other; uint64_t hash; };

static void on_hiding(void *ctx, unsigned sensor, int kind, int stack, const struct ww_event *ev)
{
    struct hiding *h = ctx;
    h->hash = fnv(h->hash, &sensor, sizeof sensor);
    h->hash = fnv(h->hash, ev, sizeof *ev);
    if (kind == WW_SIM_SLOW && h->nslow < 400) {
        h->slow_stack[h->nslow] = stack, h->slow_sensor[h->nslow] = sensor;
        h->slow[h->nslow++] = *ev;
    } else if (kind == WW_SIM_V6 && h->nv6 < 400) {
        h->v6_stack[h->nv6] = stack, h->v6_sensor[h->nv6] = sensor;
        h->v6[h->nv6++] = *ev;
    } else if (kind != WW_SIM_BG && kind != WW_SIM_SLOW && kind != WW_SIM_V6) {
        h->other++;
    }
}

static int addr_cmp(const void *a, const void *b) { return memcmp(a, b, sizeof(struct ww_addr)); }

static int u16_cmp(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static struct ww_sim *run_hiding(const struct ww_sim_opts *o, struct hiding *h)
{
    struct ww_sim *s;
    memset(h, 0, sizeof *h);
    h->hash = 0xcbf29ce484222325ULL;
    if (ww_sim_new(o, &s, NULL, 0)) return NULL;
    ww_sim_run(s, on_hiding, NULL, h);
    return s;
}

/* slow-scan: one nmap source, 22/tcp SYNs exactly an interval apart from
 * the start for 24 h, each to a new monitored address; v6-rotation: 300
 * SYNs a second apart from 300 distinct addresses of 2001:db8:77:1::/64 to
 * 300 distinct ports of one address of 2001:db8:100::/64, on sensor 0,
 * every source an nmap stack; both the same for a seed, other for another,
 * and the background unmoved. */
static void test_hiding(void)
{
    static struct hiding h, g;
    static struct tally t, u; /* zero: run() keeps their source arrays */
    struct ww_sim_opts o;
    ww_sim_opts_default(&o);
    o.end_us = o.start_us + 30 * 3600 * US;
    o.worm_start_us = o.start_us + 3 * 3600 * US;
    CHECK_INT(ww_sim_parse_sensors("4x/20", &o, NULL, 0), WW_OK);
    o.scenarios = 0;
    o.worm_start_us = o.end_us;
    struct ww_sim *s = run(&o, &t);
    ww_sim_free(s);
    o.worm_start_us = o.start_us + 3 * 3600 * US;
    o.scenarios = WW_SCEN_SLOW | WW_SCEN_V6;
    s = run(&o, &u);
    CHECK(s && u.bghash == t.bghash && u.kinds[WW_SIM_BG] == t.kinds[WW_SIM_BG]);
    CHECK(s && u.in_order);
    ww_sim_free(s);

    int64_t I[3] = {60 * US, 300 * US, 1800 * US};
    for (int k = 0; k < 3; k++) {
        o.slow_interval_us = I[k];
        s = run_hiding(&o, &h);
        CHECK(s != NULL);
        if (!s) return;
        const struct ww_sim_chosen *c = ww_sim_chosen(s);
        size_t want = (size_t)(24 * 3600 * US / I[k]);
        CHECK_INT(h.nslow, k == 0 ? 400 : want); /* 1440 at 1 min: the first 400 kept */
        CHECK_INT(c->slow_probes, want);
        CHECK_INT(h.other, 0);
        int ok = 1;
        struct ww_addr dsts[400];
        for (size_t i = 0; i < h.nslow; i++) {
            const struct ww_event *e = &h.slow[i];
            uint32_t a = (uint32_t)e->src.b[12] << 24 | (uint32_t)e->src.b[13] << 16 |
                         (uint32_t)e->src.b[14] << 8 | e->src.b[15];
            if (a != c->slow_src || e->dport != 22 || e->proto != WW_PROTO_TCP ||
                e->tcpflags != WW_TH_SYN || e->ts_us != o.worm_start_us + (int64_t)i * I[k] ||
                strncmp(ww_sim_stacks[h.slow_stack[i]].name, "nmap", 4) || !(e->fp.flags & WW_FP_SET))
                ok = 0;
            dsts[i] = e->dst;
        }
        CHECK(ok);
        qsort(dsts, h.nslow, sizeof dsts[0], addr_cmp);
        for (size_t i = 1; i < h.nslow; i++) CHECK(memcmp(&dsts[i - 1], &dsts[i], sizeof dsts[0]));

        CHECK_INT(h.nv6, WW_SIM_V6_PROBES);
        struct ww_addr srcs[400];
        uint16_t ports[400];
        ok = 1;
        for (size_t i = 0; i < h.nv6; i++) {
            const struct ww_event *e = &h.v6[i];
            static const uint8_t src64[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x77, 0x00, 0x01};
            static const uint8_t dst64[8] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00};
            if (e->src.family != 6 || memcmp(e->src.b, src64, 8) || e->dst.family != 6 ||
                memcmp(e->dst.b, dst64, 8) || memcmp(&e->dst, &c->v6_target, sizeof e->dst) ||
                h.v6_sensor[i] != 0 || e->proto != WW_PROTO_TCP || e->tcpflags != WW_TH_SYN ||
                e->ts_us != o.worm_start_us + (int64_t)i * US || !(e->fp.flags & WW_FP_V6) ||
                strncmp(ww_sim_stacks[h.v6_stack[i]].name, "nmap", 4))
                ok = 0;
            srcs[i] = e->src;
            ports[i] = e->dport;
        }
        CHECK(ok);
        qsort(srcs, h.nv6, sizeof srcs[0], addr_cmp);
        qsort(ports, h.nv6, sizeof ports[0], u16_cmp);
        for (size_t i = 1; i < h.nv6; i++) {
            CHECK(memcmp(&srcs[i - 1], &srcs[i], sizeof srcs[0]));
            CHECK(ports[i - 1] != ports[i] && ports[i - 1] > 0);
        }
        ww_sim_free(s);
    }
    s = run_hiding(&o, &g); /* the same seed: the same run */
    CHECK(s && g.hash == h.hash);
    ww_sim_free(s);
    o.seed = 2;
    s = run_hiding(&o, &g);
    CHECK(s && g.hash != h.hash);
    ww_sim_free(s);

    char why[128];
    o.slow_interval_us = 0;
    CHECK(ww_sim_new(&o, &s, why, sizeof why) == WW_ERR_ARG && why[0]);
}

static void test_writers(void)
{
    struct ww_event evs[9];
    memset(evs, 0, sizeof evs);
    for (int i = 0; i < 9; i++) {
        evs[i].ts_us = T0 * US + 1234567 + i * 1000003LL;
        evs[i].count = 1;
        evs[i].action = WW_ACTION_DROP;
        v4(&evs[i].src, 198, 51, 100, (uint8_t)(7 + i));
        v4(&evs[i].dst, 192, 0, 2, 1);
    }
    evs[0].proto = WW_PROTO_TCP, evs[0].tcpflags = WW_TH_SYN, evs[0].sport = 1800, evs[0].dport = 139;
    evs[1].proto = WW_PROTO_TCP, evs[1].tcpflags = WW_TH_SYN | WW_TH_ACK, evs[1].sport = 80, evs[1].dport = 40000;
    evs[2].proto = WW_PROTO_TCP, evs[2].tcpflags = WW_TH_RST, evs[2].sport = 80, evs[2].dport = 40001;
    evs[3].proto = WW_PROTO_UDP, evs[3].sport = 3333, evs[3].dport = 1434;
    evs[4].proto = WW_PROTO_ICMP, evs[4].sport = 8, evs[4].dport = 0;
    evs[5].proto = 47;
    evs[6].proto = WW_PROTO_TCP, evs[6].tcpflags = WW_TH_FIN | WW_TH_PSH | WW_TH_URG,
        evs[6].sport = 50000, evs[6].dport = 22;
    ww_addr_parse("2001:db8::7", 11, &evs[7].src);
    ww_addr_parse("2001:db8:1::1", 13, &evs[7].dst);
    evs[7].proto = WW_PROTO_TCP, evs[7].tcpflags = WW_TH_SYN, evs[7].sport = 51000, evs[7].dport = 445;
    evs[8].src = evs[7].src, evs[8].dst = evs[7].dst;
    evs[8].proto = WW_PROTO_ICMP6, evs[8].sport = 128, evs[8].dport = 0;

    char line[WW_WRITE_MAX];
    uint8_t rec[WW_WRITE_MAX];
    struct ww_parse_ctx ctx;
    ww_parse_ctx_init(&ctx);
    for (int i = 0; i < 9; i++) {
        struct ww_event back;
        const char *why = NULL;
        size_t n = ww_netfilter_format(&evs[i], "sensor-03", line, sizeof line);
        CHECK(n > 0 && line[n - 1] == '\n' && strlen(line) == n);
        enum ww_parse_rc rc = ww_parse_netfilter(&ctx, line, n - 1, &back, &why);
        if (rc != WW_PARSE_EVENT || !same_event(&evs[i], &back, 1))
            fprintf(stderr, "netfilter round trip %d failed (%s): %s", i, why ? why : "", line);
        CHECK(rc == WW_PARSE_EVENT && same_event(&evs[i], &back, 1));
        CHECK(back.action == WW_ACTION_DROP);

        n = ww_dshield_format(&evs[i], "3", line, sizeof line);
        rc = ww_parse_dshield(&ctx, line, n - 1, &back, &why);
        CHECK(rc == WW_PARSE_EVENT && same_event(&evs[i], &back, US));

        n = ww_pcap_format(&evs[i], rec, sizeof rec);
        CHECK(n > 16 + 14);
        struct ww_pkt p;
        uint32_t caplen = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 | (uint32_t)rec[10] << 16 |
                          (uint32_t)rec[11] << 24;
        uint32_t sec = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 |
                       (uint32_t)rec[3] << 24;
        uint32_t usec = (uint32_t)rec[4] | (uint32_t)rec[5] << 8 | (uint32_t)rec[6] << 16 |
                        (uint32_t)rec[7] << 24;
        CHECK(caplen == n - 16);
        CHECK((int64_t)sec * US + usec == evs[i].ts_us);
        CHECK(ww_pkt_decode(1, rec + 16, caplen, &p, &why) == WW_PKT_OK);
        CHECK(ww_addr_eq(&p.src, &evs[i].src) && ww_addr_eq(&p.dst, &evs[i].dst));
        CHECK(p.proto == evs[i].proto && p.sport == evs[i].sport && p.dport == evs[i].dport);
        CHECK(p.tcpflags == evs[i].tcpflags);
        if (evs[i].src.family == 4) { /* the IPv4 header checksum verifies */
            uint32_t sum = 0;
            for (int k = 0; k < 20; k += 2) sum += (uint32_t)rec[30 + k] << 8 | rec[31 + k];
            while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
            CHECK(sum == 0xffff);
        }
        CHECK(ww_pcap_format(&evs[i], rec, n - 1) == 0);
        CHECK(ww_netfilter_format(&evs[i], "sensor-03", line, 40) == 0);
    }
    /* The kernel's exact shape for a Windows SYN. */
    ww_netfilter_format(&evs[0], "sensor-03", line, sizeof line);
    static const char head[] = "2006-08-01T00:00:01.234567+00:00 sensor-03 kernel: DROP IN=eth0 OUT= MAC=";
    static const char tail[] = " RES=0x00 SYN URGP=0 \n";
    CHECK(strncmp(line, head, strlen(head)) == 0);
    CHECK(strstr(line, " SRC=198.51.100.7 DST=192.0.2.1 LEN=48 TOS=0x00 PREC=0x00 TTL=") != NULL);
    CHECK(strstr(line, " DF PROTO=TCP SPT=1800 DPT=139 WINDOW=") != NULL);
    size_t n = strlen(line);
    CHECK(n > strlen(tail) && strcmp(line + n - strlen(tail), tail) == 0);
    ww_netfilter_format(&evs[3], "h", line, sizeof line);
    CHECK(strstr(line, " LEN=404 ") && strstr(line, "PROTO=UDP SPT=3333 DPT=1434 LEN=384 \n"));
    ww_netfilter_format(&evs[7], "h", line, sizeof line);
    CHECK(strstr(line, "SRC=2001:0db8:0000:0000:0000:0000:0000:0007 DST=2001:0db8:0001:0000:") &&
          strstr(line, " LEN=68 TC=0 HOPLIMIT="));
    ww_netfilter_format(&evs[4], "h", line, sizeof line);
    CHECK(strstr(line, "LEN=60 ") && strstr(line, "PROTO=ICMP TYPE=8 CODE=0 ID="));
    /* Same event, same bytes. */
    char again[WW_WRITE_MAX];
    ww_netfilter_format(&evs[4], "h", again, sizeof again);
    CHECK_STR(again, line);

    uint8_t h[WW_PCAP_FILE_HEADER];
    ww_pcap_file_header(h);
    static const uint8_t want[WW_PCAP_FILE_HEADER] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
    CHECK(memcmp(h, want, sizeof h) == 0);
}

/* Simulated events written and read back. */
static struct ww_parse_ctx rt_ctx;
static int rt_ok = 1;
static uint64_t rt_n, rt_syns, rt_fp_bad;

static void on_rt(void *ctx, unsigned sensor, int worm, int stack, const struct ww_event *ev)
{
    char line[WW_WRITE_MAX];
    uint8_t rec[WW_WRITE_MAX];
    struct ww_event back;
    struct ww_pkt p;
    const char *why;
    (void)ctx, (void)sensor, (void)worm, (void)stack;
    rt_n++;
    size_t n = ww_netfilter_format(ev, "sensor-00", line, sizeof line);
    rt_ok &= n > 0 && ww_parse_netfilter(&rt_ctx, line, n - 1, &back, &why) == WW_PARSE_EVENT &&
             same_event(ev, &back, 1);
    /* a SYN's fingerprint (its source's stack, sim/stack.h) reads back whole */
    rt_syns += stack >= 0;
    rt_fp_bad += (stack >= 0) != !!(ev->fp.flags & WW_FP_SET) || memcmp(&back.fp, &ev->fp, sizeof ev->fp);
    n = ww_dshield_format(ev, "0", line, sizeof line);
    rt_ok &= n > 0 && ww_parse_dshield(&rt_ctx, line, n - 1, &back, &why) == WW_PARSE_EVENT &&
             same_event(ev, &back, US);
    n = ww_pcap_format(ev, rec, sizeof rec);
    rt_ok &= n > 16 && ww_pkt_decode(1, rec + 16, n - 16, &p, &why) == WW_PKT_OK &&
             p.proto == ev->proto && p.sport == ev->sport && p.dport == ev->dport &&
             ww_addr_eq(&p.src, &ev->src) && ww_addr_eq(&p.dst, &ev->dst);
    /* a capture sees the sequence numbers too (WW_FP_SEQ): a SYN's are
       quirk-free (seq not 0, ack 0) */
    if (p.fp.flags & WW_FP_SEQ) p.fp.flags ^= WW_FP_SEQ;
    else rt_fp_bad += stack >= 0;
    rt_fp_bad += n > 16 && memcmp(&p.fp, &ev->fp, sizeof ev->fp) != 0;
}

static void test_roundtrip_sim(void)
{
    struct ww_sim_opts o;
    struct ww_sim *s = NULL;
    ww_sim_opts_default(&o);
    o.end_us = o.start_us + 3 * 3600 * US;
    o.worm_start_us = o.start_us + 3600 * US;
    o.vulnerable = 20000;
    o.initial = 2000;
    ww_parse_ctx_init(&rt_ctx);
    CHECK_INT(ww_sim_new(&o, &s, NULL, 0), WW_OK);
    ww_sim_run(s, on_rt, NULL, NULL);
    CHECK(rt_n > 10000);
    CHECK(rt_ok);
    CHECK(rt_syns > 5000);
    CHECK_INT(rt_fp_bad, 0);
    ww_sim_free(s);
}

TEST_MAIN(
    test_rng();
    test_samplers();
    test_sensors();
    test_epidemic();
    test_hits();
    test_background();
    test_scenarios();
    test_hiding();
    test_writers();
    test_roundtrip_sim();
)

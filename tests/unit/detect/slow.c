/* slow.c -- the long horizon on its own: admission (one-probe groups cost
 * no entry), the linear-counting estimate, generations and decay by event
 * time, and the bound on groups tracked. */
#include <stdint.h>
#include <stdio.h>

#include "test.h"
#include "core/addr.h"
#include "detect/slow.h"

#define SEC INT64_C(1000000)
#define HOUR (3600 * SEC)
#define T0 (INT64_C(1700000000) * SEC)

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

/* Group g probes target t, port p at ts. */
static void probe(struct ww_slow *s, uint32_t g, uint32_t t, uint16_t p, int64_t ts)
{
    struct ww_addr a = v4(g), d = v4(t);
    uint64_t h = ww_addr_hash(&a);
    ww_slow_probe(s, WW_SLOW_UNKNOWN, &a, h, &a, h, ts, ww_addr_hash(&d), ww_hash64((uint64_t)6 << 32 | p), 6, 0, 0);
}

static void admission(void)
{
    struct ww_slow *s = ww_slow_new(NULL);
    /* 100,000 sources, one probe each, then again to the same host and port */
    for (uint32_t i = 0; i < 100000; i++) {
        probe(s, 0x0A000000u + i, 0xC0000201u, 23, T0 + i * SEC);
        probe(s, 0x0A000000u + i, 0xC0000201u, 23, T0 + i * SEC + 1);
    }
    CHECK_INT(ww_slow_groups(s), 0);
    CHECK(ww_slow_memory(s) < 2 * 1024 * 1024);
    /* a second distinct (target, port) admits, and the first probe counts */
    probe(s, 0xC633640Au, 0xC0000201u, 22, T0 + 300000 * SEC);
    CHECK_INT(ww_slow_groups(s), 0);
    probe(s, 0xC633640Au, 0xC0000202u, 22, T0 + 300300 * SEC);
    CHECK_INT(ww_slow_groups(s), 1);
    for (uint32_t i = 3; i <= 100; i++) probe(s, 0xC633640Au, 0xC0000200u + i, 22, T0 + (300000 + 300 * i) * SEC);
    const struct ww_slow_call *c;
    size_t n = ww_slow_calls(s, &c);
    CHECK_INT(n, 1);
    if (n) {
        CHECK_INT(c->kinds, WW_SLOW_HORIZONTAL);
        CHECK_INT(c->probes, 100);
        CHECK_INT(c->first_us, T0 + 300000 * SEC);
        CHECK_INT(c->last_us, T0 + (300000 + 300 * 100) * SEC);
        CHECK_INT(c->ports, 1);
        CHECK(c->targets >= 88 && c->targets <= 112);
    }
    ww_slow_free(s);
}

/* The estimate against the truth, seen through the call: a threshold of
 * 8..256 targets is reached at about that many (standard error 4-6%). */
static void estimate(void)
{
    struct ww_slow_opts o;
    ww_slow_opts_default(&o);
    o.hosts = 256; /* never called: the estimate is watched */
    double worst = 0;
    for (unsigned thr = 8; thr <= 256; thr *= 2) {
        for (uint32_t seed = 0; seed < 10; seed++) {
            o.hosts = thr;
            struct ww_slow *s = ww_slow_new(&o);
            uint32_t i;
            const struct ww_slow_call *c = NULL;
            for (i = 0; i < 2000 && !ww_slow_calls(s, &c); i++)
                probe(s, 0xC633640Au, seed << 20 | i * 2654435761u >> 12, 22, T0 + i * SEC);
            double err = ((double)i - thr) / thr;
            if (err < 0) err = -err;
            if (err > worst) worst = err;
            ww_slow_free(s);
        }
    }
    printf("slow: worst relative error of the call point, 8..256 targets: %.1f%%\n", worst * 100);
    CHECK(worst < 0.25);
}

static void decay(void)
{
    /* 50 hosts, then 50 others: together within the horizon they make 100 */
    for (int64_t gap = 1; gap <= 40; gap += 13) {
        struct ww_slow *s = ww_slow_new(NULL);
        for (uint32_t i = 0; i < 50; i++) probe(s, 1, 100 + i, 22, T0 + i * 60 * SEC);
        for (uint32_t i = 0; i < 50; i++) probe(s, 1, 200 + i, 22, T0 + gap * HOUR + i * 60 * SEC);
        const struct ww_slow_call *c;
        CHECK_INT(ww_slow_calls(s, &c), gap < 12); /* gaps 1: called; 14, 27, 40: forgotten */
        ww_slow_free(s);
    }
    /* a called group (never forgotten) forgets its evidence all the same:
     * 20 ports, then 20 others 30 h later, are no vertical scan (T0 is
     * 1.8 h before a half-horizon boundary: the evidence spans two) */
    for (int64_t gap = 2; gap <= 30; gap += 28) {
        struct ww_slow *s = ww_slow_new(NULL);
        for (uint32_t i = 0; i < 70; i++) probe(s, 1, 100 + i, (uint16_t)(i < 20 ? 1000 + i : 22), T0 + i * 200 * SEC);
        for (uint32_t i = 0; i < 20; i++) probe(s, 1, 100, (uint16_t)(2000 + i), T0 + gap * HOUR + i * 60 * SEC);
        const struct ww_slow_call *c;
        CHECK_INT(ww_slow_calls(s, &c), 1);
        CHECK_INT(c->kinds, gap == 2 ? WW_SLOW_HORIZONTAL | WW_SLOW_VERTICAL : WW_SLOW_HORIZONTAL);
        ww_slow_free(s);
    }
    /* a probe older than the horizon counts nowhere */
    struct ww_slow *s = ww_slow_new(NULL);
    for (uint32_t i = 0; i < 63; i++) probe(s, 1, 100 + i, 22, T0 + 30 * HOUR + i * SEC);
    probe(s, 1, 999, 22, T0);
    const struct ww_slow_call *c;
    CHECK_INT(ww_slow_calls(s, &c), 0);
    probe(s, 1, 998, 22, T0 + 31 * HOUR);
    CHECK_INT(ww_slow_calls(s, &c), 1);
    /* idle groups go at the next sweep (every half horizon) */
    probe(s, 2, 1, 22, T0 + 31 * HOUR);
    probe(s, 2, 2, 22, T0 + 31 * HOUR);
    CHECK_INT(ww_slow_groups(s), 2);
    probe(s, 3, 1, 22, T0 + 80 * HOUR);
    CHECK_INT(ww_slow_groups(s), 1); /* the called one stays */
    ww_slow_free(s);
}

static void bound(void)
{
    struct ww_slow_opts o;
    ww_slow_opts_default(&o);
    o.max_groups = 1000;
    struct ww_slow *s = ww_slow_new(&o);
    size_t most = 0;
    for (uint32_t i = 0; i < 20000; i++) {
        probe(s, 0x0A000000u + i, 1, 22, T0 + i * SEC);
        probe(s, 0x0A000000u + i, 2, 22, T0 + i * SEC);
        if (ww_slow_groups(s) > most) most = ww_slow_groups(s);
    }
    CHECK_INT(most, 1000);
    ww_slow_free(s);
}

/* A caller keeping each group's answer (ww_slow_probe's ref) finds the
 * same as one that never does, across sweeps that move and drop groups:
 * 10 groups probing a new host every 160 s for 3 days among 290 others
 * probing three hosts (at most 100 tracked). */
static void refs(void)
{
    struct ww_slow_opts o;
    ww_slow_opts_default(&o);
    o.max_groups = 100;
    o.hosts = 16;
    struct ww_slow *with = ww_slow_new(&o), *without = ww_slow_new(&o);
    uint32_t ref[300] = {0};
    int absent = 0, kept = 0;
    for (uint32_t i = 0; i < 60000; i++) {
        uint32_t g = i % 4 ? 10 + (i * 2654435761u >> 7) % 290 : i / 4 % 10, t = g < 10 ? i : (i >> 9) % 3;
        struct ww_addr a = v4(0x0A000000u + g), d = v4(0xC0000200u + t);
        uint64_t h = ww_addr_hash(&a), th = ww_addr_hash(&d), ph = ww_hash64((uint64_t)6 << 32 | 22);
        int64_t ts = T0 + i * 4 * SEC;
        uint32_t r = ww_slow_probe(with, ref[g], &a, h, &a, h, ts, th, ph, 6, 0, 0);
        absent += r == WW_SLOW_ABSENT;
        kept += r != WW_SLOW_ABSENT && r == ref[g];
        ref[g] = r;
        uint32_t r2 = ww_slow_probe(without, WW_SLOW_UNKNOWN, &a, h, &a, h, ts, th, ph, 6, 0, 0);
        if ((r == WW_SLOW_ABSENT) != (r2 == WW_SLOW_ABSENT)) CHECK_INT(r, r2); /* tracked alike */
    }
    CHECK(absent > 0 && kept > 0);
    CHECK_INT(ww_slow_groups(with), ww_slow_groups(without));
    const struct ww_slow_call *x, *y;
    size_t n = ww_slow_calls(with, &x), m = ww_slow_calls(without, &y);
    CHECK_INT(n, m);
    CHECK_INT(n, 10);
    for (size_t k = 0; k < n && k < m; k++) {
        CHECK(ww_addr_eq(&x[k].group, &y[k].group));
        CHECK_INT(x[k].kinds, y[k].kinds);
        CHECK_INT(x[k].probes, y[k].probes);
        CHECK_INT(x[k].targets, y[k].targets);
        CHECK_INT(x[k].first_us, y[k].first_us);
        CHECK_INT(x[k].last_us, y[k].last_us);
    }
    ww_slow_free(with);
    ww_slow_free(without);
}

static void run(void)
{
    refs();
    admission();
    estimate();
    decay();
    bound();
}

TEST_MAIN(run())

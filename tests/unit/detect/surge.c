/* surge.c -- the online surge detector: a real surge is called at the
 * event that makes it one; one heavy scanner,
 * steady traffic, a diurnal cycle and returning sources are not surges;
 * warm-up, the minimum count and the baseline window hold; a flood on one
 * target, crowds on few targets or one pooled sensor, and TCP answers are
 * not surges; a port from nothing is judged at once; a UDP source port is
 * watched (Witty); a surge's kind follows its growth; a surge's sample is
 * the bottom-k of its new sources from its bucket's start to its end, with
 * their OS, whatever their order; prefetch hints change nothing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "detect/analysis.h"
#include "core/addr.h"
#include "core/event.h"
#include "core/mem.h"
#include "detect/surge.h"

#define HOUR (INT64_C(3600) * 1000000)
#define T0 (INT64_C(1700000000) / 3600 / 24 * 24 * HOUR) /* midnight UTC */

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

static void add(struct ww_surges *s, uint32_t src, uint32_t dst, uint16_t port, int64_t ts)
{
    struct ww_event e = {.ts_us = ts, .src = v4(src), .dst = v4(dst), .sport = 1234,
                         .dport = port, .proto = WW_PROTO_TCP, .count = 1};
    ww_surges_event(s, &e);
}

/* n sources numbered from base, one probe each, spread over hour h */
static void hour(struct ww_surges *s, uint16_t port, int h, uint32_t base, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        add(s, 0x0A000000u + base + i, 0xC0000200u + i % 200, port,
            T0 + h * HOUR + (int64_t)i * (HOUR / (n + 1)));
}

static void jump(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 139, h, (uint32_t)h * 1000, 5); /* 5 new an hour */
    hour(s, 139, 48, 900000, 60);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].port, 139);
    CHECK_INT(sv[0].start_us, T0 + 48 * HOUR);
    /* baseline 5, spread sqrt(5): called at the 5 + 7 sqrt(5) = 20.7 -> 21st source */
    CHECK_INT(sv[0].new_sources, 21);
    CHECK_INT(sv[0].alert_us, T0 + 48 * HOUR + 20 * (HOUR / 61));
    CHECK(fabs(sv[0].baseline_new - 5) < 1e-9);
    CHECK(sv[0].score >= 7);
    /* the surge goes on while buckets stay up, and is not called twice */
    hour(s, 139, 49, 910000, 80);
    hour(s, 139, 50, 920000, 5);
    hour(s, 139, 51, 930000, 5);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].end_us, T0 + 50 * HOUR);
    ww_surges_free(s);
}

static void not_surges(void)
{
    const struct ww_surge *sv;
    /* one heavy scanner: 5000 targets in an hour is one source */
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 445, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 5000; i++) add(s, 0xC6336401u, 0x0B000000u + i, 445, T0 + 48 * HOUR + i);
    hour(s, 445, 49, 49000, 5);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
    /* returning sources: 200 an hour, all from one pool of 200 -- no new
     * sources after the first hour; with --surge-stat sources, steady too */
    for (int stat = 0; stat < 2; stat++) {
        struct ww_surge_opts o;
        ww_surge_opts_default(&o);
        o.stat = stat ? WW_SURGE_SOURCES : WW_SURGE_NEW;
        s = ww_surges_new(&o);
        for (int h = 0; h < 72; h++) hour(s, 22, h, 0, 200);
        CHECK_INT(ww_surges_results(s, &sv), 0);
        ww_surges_free(s);
    }
    /* a diurnal cycle, 20..100 new sources an hour, for 10 days */
    s = ww_surges_new(NULL);
    for (int h = 0; h < 240; h++) {
        double level = 60 + 40 * sin(2 * M_PI * (h % 24) / 24.0);
        hour(s, 23, h, (uint32_t)h * 1000, (uint32_t)level);
    }
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
}

static struct ww_surges *no_learning(void)
{
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    return ww_surges_new(&o);
}

static void guards(void)
{
    const struct ww_surge *sv;
    /* warm-up: 5 buckets of history < 6; with 6 it is called */
    struct ww_surges *s;
    for (int warm = 5; warm <= 6; warm++) {
        s = no_learning();
        for (int h = 0; h < warm; h++) hour(s, 80, h, (uint32_t)h * 1000, 2);
        hour(s, 80, warm, 90000, 100);
        CHECK_INT(ww_surges_results(s, &sv), warm == 6);
        ww_surges_free(s);
    }
    /* minimum count: 9 new sources on a silent port is not a surge, 10 is */
    for (uint32_t n = 9; n <= 10; n++) {
        s = no_learning();
        add(s, 1, 2, 8080, T0); /* one source, then silence: empty buckets are zeros */
        hour(s, 8080, 20, 1000, n);
        CHECK_INT(ww_surges_results(s, &sv), n == 10);
        ww_surges_free(s);
    }
    /* the baseline window is bounded: a busy period 4 windows ago is
     * forgotten with a 1-day window, not with the default 30 days */
    for (int day = 0; day < 2; day++) {
        struct ww_surge_opts o;
        ww_surge_opts_default(&o);
        if (day) o.baseline_us = 24 * HOUR;
        s = ww_surges_new(&o);
        for (int h = 0; h < 48; h++) hour(s, 25, h, (uint32_t)h * 1000, 200);
        for (int h = 48; h < 144; h++) hour(s, 25, h, (uint32_t)h * 1000, 2);
        hour(s, 25, 144, 900000, 400);
        CHECK_INT(ww_surges_results(s, &sv), day);
        ww_surges_free(s);
    }
}

static void ev_add(struct ww_surges *s, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                   uint8_t proto, uint8_t flags, uint16_t sensor, int64_t ts)
{
    struct ww_event e = {.ts_us = ts, .src = v4(src), .dst = v4(dst), .sport = sport, .dport = dport,
                         .proto = proto, .tcpflags = flags, .sensor = sensor, .count = 1};
    ww_surges_event(s, &e);
}

/* 300 spoofed sources on one target after two days of 5 new sources an
 * hour: a flood, not a surge; its records and sources are counted */
static void floods(void)
{
    const struct ww_surge *sv;
    const struct ww_flood *fv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 80, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 300; i++)
        ev_add(s, 0x50000000u + i * 7919, 0xC0000263u, 1234, 80, WW_PROTO_TCP, WW_TH_SYN, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    hour(s, 80, 48, 48000, 5);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    CHECK_INT(ww_surges_floods(s, &fv), 1);
    char b[WW_ADDR_STRLEN];
    CHECK_STR(ww_addr_format(&fv[0].target, b), "192.0.2.99");
    CHECK_INT(fv[0].port, 80);
    CHECK_INT(fv[0].sources, 300);
    CHECK_INT(fv[0].records, 300);
    CHECK_INT(fv[0].end_us, T0 + 48 * HOUR + 299 * 1000000);
    ww_surges_free(s);
    /* 60 new sources on 4 or on 8 targets converge (and are too few for a
     * flood); on 60 targets they are a surge */
    static const uint32_t nts[] = {4, 8, 60};
    for (size_t j = 0; j < 3; j++) {
        uint32_t nt = nts[j];
        s = ww_surges_new(NULL);
        for (int h = 0; h < 48; h++) hour(s, 139, h, (uint32_t)h * 1000, 5);
        for (uint32_t i = 0; i < 60; i++)
            add(s, 0x50000000u + i, 0xC0000200u + i % nt, 139, T0 + 48 * HOUR + 1000000 * (int64_t)i);
        CHECK_INT(ww_surges_results(s, &sv), nt == 60);
        CHECK_INT(ww_surges_floods(s, &fv), 0);
        ww_surges_free(s);
    }
}

/* what else converges: a second flood on the same port (ten minutes after
 * the first, on another target), and 400 sources on five targets */
static void more_floods(void)
{
    const struct ww_surge *sv;
    const struct ww_flood *fv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 80, h, (uint32_t)h * 1000, 5);
    for (uint32_t k = 0; k < 2; k++)
        for (uint32_t i = 0; i < 300; i++)
            ev_add(s, 0x50000000u + k * 1000 + i, 0xC0000263u + k, 1234, 80, WW_PROTO_TCP, WW_TH_SYN, 0,
                   T0 + 48 * HOUR + (int64_t)k * 600000000 + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    CHECK_INT(ww_surges_floods(s, &fv), 2);
    ww_surges_free(s);
    s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 80, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 400; i++)
        ev_add(s, 0x50000000u + i, 0xC0000263u + i % 5, 1234, 80, WW_PROTO_TCP, WW_TH_SYN, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
}

/* reflectors answering one victim from source port 123, to random ports:
 * no Witty-like worm */
static void reflection(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 53, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 300; i++)
        ev_add(s, 0x50000000u + i, 0xC0000263u, 123, (uint16_t)(1024 + i * 977 % 60000), WW_PROTO_UDP, 0, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
}

/* TCP answers (SYN-ACK, RST) from many new sources: backscatter, no surge */
static void replies(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 3000, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 200; i++) {
        ev_add(s, 0x50000000u + i, 0xC0000200u + i, 80, 3000, WW_PROTO_TCP, WW_TH_SYN | WW_TH_ACK, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
        ev_add(s, 0x60000000u + i, 0xC0000200u + i, 80, 3000, WW_PROTO_TCP, WW_TH_RST | WW_TH_ACK, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    }
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
}

/* a port silent until the outbreak: judged at once after the learning day,
 * against a zero baseline, at the minimum count */
static void from_nothing(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 139, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 30; i++)
        add(s, 0x50000000u + i, 0xC0000200u + i, 5555, T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].port, 5555);
    CHECK_INT(sv[0].new_sources, 10);
    CHECK(sv[0].baseline_new == 0);
    ww_surges_free(s);
    /* ... but not while the seen table learns (the first day) */
    s = ww_surges_new(NULL);
    for (int h = 0; h < 12; h++) hour(s, 139, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 30; i++)
        add(s, 0x50000000u + i, 0xC0000200u + i, 5555, T0 + 12 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 0);
    ww_surges_free(s);
}

/* pooled sensors: new sources seen by one sensor only are no surge; but
 * one sensor's log in two files one after the other (rotated: sensor 0,
 * then 1) is not pooled */
static void pooled(void)
{
    const struct ww_surge *sv0;
    struct ww_surges *s0 = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++)
        for (uint32_t i = 0; i < 5; i++)
            ev_add(s0, (uint32_t)h * 1000 + i, 0xC0000200u + i, 1234, 139, WW_PROTO_TCP, WW_TH_SYN,
                   (uint16_t)(h < 30 ? 0 : 1), T0 + h * HOUR + (int64_t)i * 60000000);
    for (uint32_t i = 0; i < 60; i++)
        ev_add(s0, 0x50000000u + i, 0xC0000200u + i, 1234, 139, WW_PROTO_TCP, WW_TH_SYN, 1,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s0, &sv0), 1);
    ww_surges_free(s0);
    const struct ww_surge *sv;
    for (int both = 0; both < 2; both++) {
        struct ww_surges *s = ww_surges_new(NULL);
        for (int h = 0; h < 48; h++)
            for (uint32_t i = 0; i < 5; i++)
                ev_add(s, (uint32_t)h * 1000 + i, 0xC0000200u + i, 1234, 139, WW_PROTO_TCP, WW_TH_SYN,
                       (uint16_t)(i % 2), T0 + h * HOUR + (int64_t)i * 60000000);
        for (uint32_t i = 0; i < 60; i++)
            ev_add(s, 0x50000000u + i, 0xC0000200u + i, 1234, 139, WW_PROTO_TCP, WW_TH_SYN,
                   (uint16_t)(both ? i % 2 : 1), T0 + 48 * HOUR + 1000000 * (int64_t)i);
        CHECK_INT(ww_surges_results(s, &sv), both);
        if (both) CHECK_INT(sv[0].sensors, 2);
        ww_surges_free(s);
    }
}

/* Witty: UDP from source port 4000 to random destination ports */
static void witty(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 53, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 40; i++)
        ev_add(s, 0x50000000u + i, 0xC0000200u + i, 4000, (uint16_t)(1024 + i * 977 % 60000), WW_PROTO_UDP, 0,
               0, T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].port, 4000);
    CHECK_INT(sv[0].proto, WW_PROTO_UDP);
    CHECK_INT(sv[0].side, WW_SURGE_SPORT);
    char t[160];
    CHECK(strstr(ww_surge_growth_text(&sv[0], t, sizeof t), "source port 4000") != NULL);
    /* its random destination ports, one of them reached by 15 of its
     * sources later: that is the same worm, not a surge of its own */
    for (uint32_t i = 0; i < 15; i++)
        ev_add(s, 0x50000000u + i, 0xC0000300u + i, 4000, 31337, WW_PROTO_UDP, 0, 0,
               T0 + 50 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    ww_surges_free(s);
    /* a shared source port to one destination port (Slammer's sources
     * colliding on a port): a surge on 1434, none on the source port */
    s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 53, h, (uint32_t)h * 1000, 5);
    for (uint32_t i = 0; i < 40; i++)
        ev_add(s, 0x50000000u + i, 0xC0000200u + i, 5000, 1434, WW_PROTO_UDP, 0, 0,
               T0 + 48 * HOUR + 1000000 * (int64_t)i);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].port, 1434);
    CHECK_INT(sv[0].side, WW_SURGE_DPORT);
    ww_surges_free(s);
}

/* new sources doubling every slot (5 minutes) from the outbreak: spreading,
 * doubling in about 5 minutes; 300 switched on at once and then trickling
 * in: a campaign */
static void kinds(void)
{
    const struct ww_surge *sv;
    for (int campaign = 0; campaign < 2; campaign++) {
        struct ww_surges *s = ww_surges_new(NULL);
        for (int h = 0; h < 48; h++) hour(s, 139, h, (uint32_t)h * 1000, 5);
        uint32_t id = 0;
        for (int slot = 0; slot < 12; slot++) {
            uint32_t n = campaign ? (slot == 0 ? 300u : slot < 3 ? 20u : 2u) : 1u << (slot < 9 ? slot : 9);
            for (uint32_t i = 0; i < n; i++, id++)
                add(s, 0x50000000u + id, 0xC0000000u + id, 139,
                    T0 + 48 * HOUR + slot * (HOUR / 12) + (int64_t)i * (HOUR / 12) / (n + 1));
        }
        add(s, 0x0A0A0A0Au, 0xC0000001u, 139, T0 + 49 * HOUR); /* closes the slots */
        CHECK_INT(ww_surges_results(s, &sv), 1);
        CHECK_INT(sv[0].kind, campaign ? WW_SURGE_CAMPAIGN : WW_SURGE_SPREADING);
        CHECK_INT(sv[0].nslots, 13); /* the 13th, in the next bucket, filling */
        if (!campaign) {
            CHECK(sv[0].doubling_s > 240 && sv[0].doubling_s < 420);
            CHECK(sv[0].growth_per_hour > 7 && sv[0].growth_per_hour < 10);
        } else {
            CHECK(sv[0].doubling_s == 0 && sv[0].population == 0);
        }
        char t[160];
        CHECK(strstr(ww_surge_growth_text(&sv[0], t, sizeof t), campaign ? "campaign" : "doubling every") != NULL);
        ww_surges_free(s);
    }
}

/* a slow worm: new sources doubling every two hours, at random times (a
 * few a slot, mostly noise one slot at a time): spreading, doubling in
 * about two hours */
static void slow_kind(void)
{
    const struct ww_surge *sv;
    struct ww_surges *s = ww_surges_new(NULL);
    for (int h = 0; h < 48; h++) hour(s, 139, h, (uint32_t)h * 1000, 5);
    uint32_t id = 0;
    for (int h = 0; h < 8; h++)
        for (uint32_t i = 0; i < (uint32_t)(12 * pow(2, h / 2.0)); i++, id++)
            add(s, 0x50000000u + id, 0xC0000000u + id, 139,
                T0 + (48 + h) * HOUR + (int64_t)(test_rand() % (uint64_t)HOUR));
    add(s, 0x0A0A0A0Au, 0xC0000001u, 139, T0 + 57 * HOUR);
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].kind, WW_SURGE_SPREADING);
    CHECK(sv[0].doubling_s > 60 * 60 && sv[0].doubling_s < 240 * 60);
    ww_surges_free(s);
}

/* Sources of the sample's test: address, hash, os. */
struct sv { struct ww_addr a; uint64_t h; uint16_t os; };

static int by_hash(const void *x, const void *y)
{
    const struct sv *a = x, *b = y;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return memcmp(a->a.b, b->a.b, 16);
}

/* The worm's new sources of hour h (48, 49) from 0x30000000: n of them,
 * their os from their number (0 for every fifth), in the given order. */
static void worm_hour(struct ww_surges *s, int h, uint32_t base, uint32_t n, int reverse, struct sv *all,
                      size_t *nall)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = reverse ? n - 1 - k : k, src = 0x30000000u + base + i * 7919u;
        struct ww_event e = {.ts_us = T0 + h * HOUR + (int64_t)k * (HOUR / (n + 1)), .src = v4(src),
                             .dst = v4(0xC0000200u + i % 200), .sport = 1234, .dport = 139,
                             .proto = WW_PROTO_TCP, .count = 1, .os = (uint16_t)(i % 5 ? 1 + i % 9 : 0)};
        ww_surges_event(s, &e);
        if (all) all[(*nall)++] = (struct sv){e.src, ww_addr_hash(&e.src), e.os};
    }
}

static void sample(void)
{
    static struct sv all[2000];
    const struct ww_surge *sv[2];
    struct ww_surges *s[2];
    size_t nall = 0;
    for (int run = 0; run < 2; run++) { /* the second: each hour's sources in reverse */
        s[run] = ww_surges_new(NULL);
        for (int h = 0; h < 48; h++) hour(s[run], 139, h, (uint32_t)h * 1000, 5);
        worm_hour(s[run], 48, 0, 600, run, run ? NULL : all, &nall);
        worm_hour(s[run], 49, 600 * 7919u, 400, run, run ? NULL : all, &nall);
        /* hour 50 ends the surge: its new sources came while it was on, and
         * are in its sample as in its slots; those after are not, whatever
         * their hashes */
        for (int h = 50; h < 54; h++) hour(s[run], 139, h, 800000u + (uint32_t)h * 1000, 5);
        for (uint32_t i = 0; i < 5 && !run; i++) {
            struct ww_addr a = v4(0x0A000000u + 850000u + i);
            all[nall++] = (struct sv){a, ww_addr_hash(&a), 0};
        }
        worm_hour(s[run], 54, 1000 * 7919u, 8, run, NULL, NULL);
        CHECK_INT(ww_surges_results(s[run], &sv[run]), 1);
    }
    CHECK_INT(sv[0][0].end_us, T0 + 50 * HOUR);
    CHECK(sv[0][0].new_sources < 30); /* called early in hour 48: most came after */
    qsort(all, nall, sizeof *all, by_hash);
    CHECK_INT(sv[0][0].nsample, WW_SURGE_SAMPLE);
    int same = 1, first = 0;
    for (size_t i = 0; i < WW_SURGE_SAMPLE; i++) {
        same &= ww_addr_eq(&sv[0][0].sample[i].a, &all[i].a) && sv[0][0].sample[i].os == all[i].os;
        same &= ww_addr_eq(&sv[0][0].sample[i].a, &sv[1][0].sample[i].a) &&
                sv[0][0].sample[i].os == sv[1][0].sample[i].os;
        uint32_t n = (uint32_t)((all[i].a.b[12] << 24 | all[i].a.b[13] << 16 | all[i].a.b[14] << 8 |
                                 all[i].a.b[15]) - 0x30000000u) / 7919u;
        first += n < sv[0][0].new_sources; /* from before the call */
    }
    CHECK(same);
    CHECK(first > 0);
    int later = 0; /* hour 54's that would have made the cut: the test is not vacuous */
    for (uint32_t i = 0; i < 8; i++) {
        struct ww_addr a = v4(0x30000000u + 1000 * 7919u + i * 7919u);
        later += ww_addr_hash(&a) < all[WW_SURGE_SAMPLE - 1].h;
    }
    CHECK(later > 0);
    CHECK_INT(sv[1][0].nsample, WW_SURGE_SAMPLE);
    ww_surges_free(s[0]);
    ww_surges_free(s[1]);
}

/* A source probing twice in the surging bucket, before the call and after
 * it: its os in the sample is the smaller nonzero of its two, whichever
 * came first. */
static void os_order(void)
{
    const struct ww_surge *sv[2];
    struct ww_surges *s[2];
    for (int run = 0; run < 2; run++) { /* the second: each source's two probes swapped */
        s[run] = ww_surges_new(NULL);
        for (int h = 0; h < 48; h++) hour(s[run], 139, h, (uint32_t)h * 1000, 5);
        for (uint32_t i = 0; i < 600; i++) {
            uint16_t os[2] = {(uint16_t)(i % 2 ? 0 : 5), (uint16_t)(i % 3 ? 3 + i % 4 : 0)};
            for (int k = 0; k < 2; k++) {
                struct ww_event e = {.ts_us = T0 + 48 * HOUR + (int64_t)(2 * i + k) * (HOUR / 1201),
                                     .src = v4(0x30000000u + i * 7919u), .dst = v4(0xC0000200u + i % 200),
                                     .sport = 1234, .dport = 139, .proto = WW_PROTO_TCP, .count = 1,
                                     .os = os[run ? 1 - k : k]};
                ww_surges_event(s[run], &e);
            }
        }
        CHECK_INT(ww_surges_results(s[run], &sv[run]), 1);
    }
    CHECK(sv[0][0].new_sources < 100); /* sources before the call and after it */
    CHECK_INT(sv[0][0].nsample, sv[1][0].nsample);
    int same = 1, wanted = 1;
    for (uint32_t j = 0; j < sv[0][0].nsample && j < sv[1][0].nsample; j++) {
        const struct ww_surge_src *x = &sv[0][0].sample[j];
        same &= ww_addr_eq(&x->a, &sv[1][0].sample[j].a) && x->os == sv[1][0].sample[j].os;
        uint32_t i = (uint32_t)((x->a.b[12] << 24 | x->a.b[13] << 16 | x->a.b[14] << 8 | x->a.b[15]) -
                                0x30000000u) / 7919u;
        uint16_t a = i % 2 ? 0 : 5, b = i % 3 ? (uint16_t)(3 + i % 4) : 0;
        wanted &= x->os == (!a ? b : !b ? a : a < b ? a : b);
    }
    CHECK(same);
    CHECK(wanted);
    ww_surges_free(s[0]);
    ww_surges_free(s[1]);
}

/* A surge called late in a busy bucket: the bucket's sample was full (a
 * heap) before the call, and is still the bottom-k of every new source
 * since the bucket's start; saved and loaded mid-bucket, the same. */
static void busy_sample(void)
{
    static struct sv all[1200];
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    const struct ww_surge *sv[2];
    struct ww_surges *s[2];
    size_t nall = 0;
    for (int run = 0; run < 2; run++) {
        s[run] = ww_surges_new(&o);
        for (int h = 0; h < 48; h++) hour(s[run], 445, h, (uint32_t)h * 1000, 300);
        for (uint32_t i = 0; i < 1000; i++) {
            if (run && i == 300) { /* mid-bucket, its sample a heap: saved and loaded */
                unsigned char *b;
                size_t len = ww_surges_save(s[run], &b);
                ww_surges_free(s[run]);
                s[run] = NULL;
                CHECK_INT(ww_surges_load(b, len, &s[run], NULL, 0), WW_OK);
                ww_free(b);
                if (!s[run]) return;
            }
            struct ww_addr a = v4(0x40000000u + i * 104729u);
            struct ww_event e = {.ts_us = T0 + 48 * HOUR + i * (HOUR / 1001), .src = a,
                                 .dst = v4(0xC0000200u + i % 200), .sport = 1234, .dport = 445,
                                 .proto = WW_PROTO_TCP, .count = 1, .os = (uint16_t)(1 + i % 3)};
            ww_surges_event(s[run], &e);
            if (!run) all[nall++] = (struct sv){a, ww_addr_hash(&a), e.os};
        }
        CHECK_INT(ww_surges_results(s[run], &sv[run]), 1);
    }
    CHECK(sv[0][0].new_sources > 300); /* called well after the sample filled */
    qsort(all, nall, sizeof *all, by_hash);
    int same = 1;
    for (size_t i = 0; i < WW_SURGE_SAMPLE; i++) {
        same &= ww_addr_eq(&sv[0][0].sample[i].a, &all[i].a) && sv[0][0].sample[i].os == all[i].os;
        same &= ww_addr_eq(&sv[0][0].sample[i].a, &sv[1][0].sample[i].a) &&
                sv[0][0].sample[i].os == sv[1][0].sample[i].os;
    }
    CHECK_INT(sv[0][0].nsample, WW_SURGE_SAMPLE);
    CHECK(same);
    ww_surges_free(s[0]);
    ww_surges_free(s[1]);
}

/* Prefetch hints change nothing: events given with the three stages of
 * hints as analysis.c gives them, from a buffer of 24 reused for every 24
 * events (the same places, other events), leave the very state (its saved
 * bytes) that the same events leave given one by one from one place
 * without hints: TCP and UDP (source ports too), answers among them,
 * returning and new sources, a heavy scanner, a surge and a flood called. */
static void hints(void)
{
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    struct ww_surges *with = ww_surges_new(&o), *without = ww_surges_new(&o);
    struct ww_event buf[24];
    uint32_t x = 1;
    for (uint32_t i = 0; i < 60000; i += 24) {
        for (uint32_t j = 0; j < 24; j++) {
            x = x * 1103515245u + 12345u;
            uint32_t r = x >> 8, k = i + j;
            int64_t h = k / 1000;
            static const uint16_t ports[] = {22, 80, 445, 1434, 53, 3389, 8080};
            struct ww_event *e = &buf[j];
            *e = (struct ww_event){.ts_us = T0 + (int64_t)k * (HOUR / 1000), .src = v4(0x0A000000u + r % 2000),
                                   .dst = v4(0xC0000200u + (r >> 4) % 200), .sport = (uint16_t)(1024 + r % 999),
                                   .dport = ports[(r >> 12) % 7], .proto = WW_PROTO_TCP, .count = 1,
                                   .tcpflags = WW_TH_SYN, .os = (uint16_t)(r % 3)};
            if (r % 5 == 0) e->proto = WW_PROTO_UDP, e->sport = (uint16_t)(r % 3 ? 4000 : 50000 + r % 9);
            if (r % 17 == 0) e->tcpflags = WW_TH_SYN | WW_TH_ACK; /* an answer, in TCP */
            if (r % 7 == 0) e->src = v4(0x0B000001u); /* one source, many targets and ports */
            if (h >= 40 && r % 2 == 0) e->src = v4(0x40000000u + k), e->dport = 445; /* a worm */
            if (h >= 50 && r % 2 == 1) e->src = v4(0x50000000u + k), e->dst = v4(0xC0000299u), e->dport = 80;
        }
        for (size_t j = 0; j < 24; j++) {
            WW_PREFETCH_STAGES(ww_surges_prefetch, with, buf, j, 24);
            ww_surges_event(with, &buf[j]);
            struct ww_event one = buf[j];
            ww_surges_event(without, &one);
        }
    }
    const struct ww_surge *sv;
    const struct ww_flood *fv;
    CHECK(ww_surges_results(with, &sv) > 0);
    CHECK(ww_surges_floods(with, &fv) > 0);
    unsigned char *a, *b;
    size_t na = ww_surges_save(with, &a), nb = ww_surges_save(without, &b);
    CHECK_INT(na, nb);
    CHECK(na == nb && !memcmp(a, b, na));
    ww_free(a);
    ww_free(b);
    ww_surges_free(with);
    ww_surges_free(without);
}

TEST_MAIN({
    hints();
    os_order();
    busy_sample();
    sample();
    slow_kind();
    jump();
    not_surges();
    guards();
    floods();
    more_floods();
    reflection();
    replies();
    from_nothing();
    pooled();
    witty();
    kinds();
})

/* surge.c -- the online surge detector: a real surge is called at the
 * event that makes it one; one heavy scanner,
 * steady traffic, a diurnal cycle and returning sources are not surges;
 * warm-up, the minimum count and the baseline window hold. */
#include <math.h>
#include <stdint.h>

#include "test.h"
#include "core/addr.h"
#include "core/event.h"
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

TEST_MAIN({
    jump();
    not_surges();
    guards();
})

/* test_ports.c -- per-port counts, ordering, and the surge detector:
 * a real surge, a heavy single scanner, steady traffic, warm-up, merging
 * of consecutive buckets, empty buckets as zero, input order. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "addr.h"
#include "event.h"
#include "ports.h"

#define HOUR (INT64_C(3600) * 1000000)
#define T0 (INT64_C(1700000000) / 3600 * HOUR) /* on an hour boundary */

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

static void add(struct ww_ports *p, uint32_t src, uint32_t dst, uint16_t port, uint8_t proto,
                int64_t ts, uint32_t count)
{
    struct ww_event e = {.ts_us = ts, .src = v4(src), .dst = v4(dst), .sport = 1234,
                         .dport = port, .proto = proto, .count = count};
    ww_ports_event(p, &e);
}

/* n distinct sources (numbered from base) each hitting one target in hour h */
static void hour(struct ww_ports *p, uint16_t port, int h, uint32_t base, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        add(p, 0x0A000000u + base + i, 0xC0000200u + i % 200, port, WW_PROTO_TCP,
            T0 + h * HOUR + (int64_t)i * 1000000, 1);
}

static void counts(void)
{
    struct ww_ports *p = ww_ports_new(NULL);
    add(p, 1, 100, 445, WW_PROTO_TCP, T0, 1);
    add(p, 1, 100, 445, WW_PROTO_TCP, T0 + 5, 1);
    add(p, 2, 101, 445, WW_PROTO_TCP, T0 + 6, 3);   /* a DShield count */
    add(p, 3, 100, 445, WW_PROTO_TCP, T0 + 7, 1);
    add(p, 1, 100, 53, WW_PROTO_UDP, T0, 10);
    add(p, 4, 100, 53, WW_PROTO_UDP, T0, 1);
    add(p, 5, 100, 22, WW_PROTO_TCP, T0, 7);
    add(p, 6, 100, 23, WW_PROTO_TCP, T0, 7);
    add(p, 7, 100, 445, WW_PROTO_UDP, T0, 1);
    add(p, 9, 100, 0, WW_PROTO_ICMP, T0, 1);        /* ignored */
    add(p, 0x7F000001u, 0xE00000FBu, 445, WW_PROTO_TCP, T0, 1); /* counted: stats */
    const struct ww_portstat *st;
    size_t n = ww_ports_stats(p, &st);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_INT(st[0].port, 445); CHECK_INT(st[0].proto, WW_PROTO_TCP);
        CHECK_INT(st[0].records, 7); CHECK_INT(st[0].sources, 4); CHECK_INT(st[0].targets, 3);
        CHECK_INT(st[1].port, 53); CHECK_INT(st[1].proto, WW_PROTO_UDP);
        CHECK_INT(st[1].records, 11); CHECK_INT(st[1].sources, 2); CHECK_INT(st[1].targets, 1);
        /* one source each: records desc (7, 7, 1), then port */
        CHECK_INT(st[2].port, 22); CHECK_INT(st[3].port, 23);
        CHECK_INT(st[4].port, 445); CHECK_INT(st[4].proto, WW_PROTO_UDP);
        CHECK_INT(st[4].records, 1);
    }
    int64_t start[4];
    uint64_t s[4], t[4], r[4];
    add(p, 1, 100, 445, WW_PROTO_TCP, T0 + 2 * HOUR + 1, 2);
    CHECK_INT(ww_ports_history(p, 445, WW_PROTO_TCP, start, s, t, r, 4), 3);
    CHECK_INT(start[0], T0); CHECK_INT(s[0], 4); CHECK_INT(t[0], 3); CHECK_INT(r[0], 7);
    CHECK_INT(start[1], T0 + HOUR); CHECK_INT(s[1], 0); CHECK_INT(r[1], 0);
    CHECK_INT(start[2], T0 + 2 * HOUR); CHECK_INT(s[2], 1); CHECK_INT(r[2], 2);
    CHECK_INT(ww_ports_history(p, 445, WW_PROTO_TCP, start, s, t, r, 2), 2);
    CHECK_INT(ww_ports_history(p, 9999, WW_PROTO_TCP, start, s, t, r, 4), 3);
    CHECK_INT(s[0] + s[1] + s[2], 0);
    CHECK(ww_ports_memory(p) > 0);
    ww_ports_free(p);
}

static size_t surges(struct ww_ports *p, const struct ww_surge **sv)
{
    return ww_ports_surges(p, sv);
}

static void surge_series(void)
{
    const struct ww_surge *sv;
    /* 20 hours of 5 sources/hour, then 60 sources in hour 20, then calm. */
    struct ww_ports *p = ww_ports_new(NULL);
    for (int h = 0; h < 20; h++) hour(p, 139, h, (uint32_t)h * 5, 5);
    hour(p, 139, 20, 100000, 60);
    for (int h = 21; h < 24; h++) hour(p, 139, h, (uint32_t)h * 5, 5);
    size_t n = surges(p, &sv);
    CHECK_INT(n, 1);
    if (n) {
        CHECK_INT(sv[0].port, 139);
        CHECK_INT(sv[0].proto, WW_PROTO_TCP);
        CHECK_INT(sv[0].start_us, T0 + 20 * HOUR);
        CHECK_INT(sv[0].end_us, T0 + 21 * HOUR);
        CHECK_INT(sv[0].sources, 60);
        CHECK_INT(sv[0].targets, 60);
        CHECK(sv[0].baseline_sources == 5.0);
        CHECK(sv[0].baseline_targets == 5.0);
        /* sqrt(55^2/5 * 2) */
        CHECK(sv[0].score > 34.78 && sv[0].score < 34.79);
    }
    /* A second, longer wave merges into one surge with the peak's numbers. */
    hour(p, 139, 24, 200000, 60);
    hour(p, 139, 25, 300000, 90);
    hour(p, 139, 26, 400000, 70);
    n = surges(p, &sv);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(sv[1].start_us, T0 + 24 * HOUR);
        CHECK_INT(sv[1].end_us, T0 + 27 * HOUR);
        CHECK_INT(sv[1].sources, 90);
    }
    ww_ports_free(p);

    /* One heavy scanner: 5000 targets in one hour, no surge, even with 20
     * other sources an hour (S = 21 meets min_sources, targets explode). */
    p = ww_ports_new(NULL);
    for (int h = 0; h < 20; h++) hour(p, 445, h, (uint32_t)h * 20, 20);
    hour(p, 445, 20, 9000, 20);
    for (uint32_t i = 0; i < 5000; i++)
        add(p, 0xC6336401u, 0x0B000000u + i, 445, WW_PROTO_TCP, T0 + 20 * HOUR + i, 1);
    CHECK_INT(surges(p, &sv), 0);
    ww_ports_free(p);
    /* ...and alone on a quiet port. */
    p = ww_ports_new(NULL);
    for (int h = 0; h < 20; h++) hour(p, 445, h, (uint32_t)h, 1);
    for (uint32_t i = 0; i < 5000; i++)
        add(p, 0xC6336401u, 0x0B000000u + i, 445, WW_PROTO_TCP, T0 + 20 * HOUR + i, 1);
    CHECK_INT(surges(p, &sv), 0);
    ww_ports_free(p);

    /* Steady 50 new sources an hour for 48 hours: nothing. */
    p = ww_ports_new(NULL);
    for (int h = 0; h < 48; h++) hour(p, 23, h, (uint32_t)h * 50, 50);
    CHECK_INT(surges(p, &sv), 0);
    ww_ports_free(p);
}

static void warmup(void)
{
    const struct ww_surge *sv;
    struct ww_ports_opts o;
    ww_ports_opts_default(&o);
    /* Two quiet hours then a burst: only 2 earlier buckets < warm-up of 3. */
    for (unsigned w = 2; w <= 3; w++) {
        o.warmup_buckets = w;
        struct ww_ports *p = ww_ports_new(&o);
        hour(p, 80, 0, 0, 5);
        hour(p, 80, 1, 10, 5);
        hour(p, 80, 2, 100, 60);
        size_t n = surges(p, &sv);
        CHECK_INT(n, w == 2);
        if (n) CHECK_INT(sv[0].start_us, T0 + 2 * HOUR);
        ww_ports_free(p);
    }
    /* Empty buckets count as zero, from the first bucket of the whole input:
     * port 8080 is silent until hour 10 (other ports were not). Events fed
     * in reverse time order give the same answer. */
    struct ww_ports *p = ww_ports_new(NULL);
    hour(p, 8080, 10, 0, 12);
    for (int h = 9; h >= 0; h--) hour(p, 22, h, (uint32_t)h * 3, 3);
    size_t n = surges(p, &sv);
    CHECK_INT(n, 1);
    if (n) {
        CHECK_INT(sv[0].port, 8080);
        CHECK_INT(sv[0].start_us, T0 + 10 * HOUR);
        CHECK(sv[0].baseline_sources == 0.0);
        /* s, t floored at 1: sqrt(2 * 11^2) */
        CHECK(sv[0].score > 15.55 && sv[0].score < 15.56);
    }
    ww_ports_free(p);
    /* Below min_sources (9 < 10) against a zero baseline: nothing. */
    p = ww_ports_new(NULL);
    hour(p, 8080, 10, 0, 9);
    hour(p, 22, 0, 0, 1);
    CHECK_INT(surges(p, &sv), 0);
    ww_ports_free(p);
    /* The baseline window is bounded: with baseline_buckets = 5, a burst
     * of 60 long ago does not lift the baseline of hour 20. */
    ww_ports_opts_default(&o);
    o.baseline_buckets = 5;
    p = ww_ports_new(&o);
    for (int h = 0; h < 20; h++) hour(p, 25, h, (uint32_t)h * 100, h == 3 ? 60 : 2);
    hour(p, 25, 20, 5000, 30);
    n = surges(p, &sv);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(sv[1].start_us, T0 + 20 * HOUR);
        CHECK(sv[1].baseline_sources == 2.0);
    }
    ww_ports_free(p);
}

static void run(void)
{
    counts();
    surge_series();
    warmup();
}

TEST_MAIN(run())

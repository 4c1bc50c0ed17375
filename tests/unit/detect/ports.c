/* ports.c -- per-port counts (ICMP under port 0), ordering and history. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "detect/analysis.h"
#include "core/addr.h"
#include "core/dcount.h"
#include "core/event.h"
#include "detect/ports.h"

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
    add(p, 9, 100, 3, WW_PROTO_ICMP, T0, 1);        /* code 3: counted as 0/icmp */
    add(p, 0x7F000001u, 0xE00000FBu, 445, WW_PROTO_TCP, T0, 1); /* counted: stats */
    const struct ww_portstat *st;
    size_t n = ww_ports_stats(p, &st);
    CHECK_INT(n, 6);
    if (n == 6) {
        CHECK_INT(st[0].port, 445); CHECK_INT(st[0].proto, WW_PROTO_TCP);
        CHECK_INT(st[0].records, 7); CHECK_INT(st[0].sources, 4); CHECK_INT(st[0].targets, 3);
        CHECK_INT(st[1].port, 53); CHECK_INT(st[1].proto, WW_PROTO_UDP);
        CHECK_INT(st[1].records, 11); CHECK_INT(st[1].sources, 2); CHECK_INT(st[1].targets, 1);
        /* one source each: records desc (7, 7, 1), then port */
        CHECK_INT(st[2].port, 22); CHECK_INT(st[3].port, 23);
        CHECK_INT(st[4].port, 0); CHECK_INT(st[4].proto, WW_PROTO_ICMP); /* no port */
        CHECK_INT(st[4].records, 1); CHECK_INT(st[4].sources, 1);
        CHECK_INT(st[5].port, 445); CHECK_INT(st[5].proto, WW_PROTO_UDP);
        CHECK_INT(st[5].records, 1);
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
    CHECK_INT(ww_ports_history(p, 0, WW_PROTO_ICMP, start, s, t, r, 4), 3);
    CHECK_INT(r[0], 1);
    CHECK_INT(ww_ports_history(p, 3, WW_PROTO_ICMP, start, s, t, r, 4), 3);
    CHECK_INT(r[0], 0); /* the code is not a port */
    CHECK(ww_ports_memory(p) > 0);
    ww_ports_free(p);
}

/* The totals are the union of the buckets' sets, whether or not the
 * bucket's set had the value already (then the total's add is skipped),
 * exact or HLL: the same counts as sets fed every value directly. */
static void totals_union(void)
{
    struct ww_ports *p = ww_ports_new(NULL);
    struct ww_dcount src = {0}, dst = {0}, b1 = {0};
    for (uint32_t i = 0; i < 3000; i++) {
        uint32_t s = i < 1000 ? i : i < 2000 ? 500 + i % 700 : i % 90; /* new, repeated, few */
        uint32_t d = 100000 + i % (i < 1000 ? 1000 : 60);
        int64_t ts = T0 + (int64_t)(i / 1000) * HOUR + i;
        add(p, s, d, 80, WW_PROTO_TCP, ts, 1);
        struct ww_addr a = v4(s), t = v4(d);
        ww_dcount_add(&src, ww_addr_hash(&a));
        ww_dcount_add(&dst, ww_addr_hash(&t));
        if (i >= 1000 && i < 2000) ww_dcount_add(&b1, ww_addr_hash(&a));
    }
    const struct ww_portstat *st;
    CHECK_INT(ww_ports_stats(p, &st), 1);
    CHECK_INT(st[0].records, 3000);
    CHECK_INT(st[0].sources, ww_dcount_count(&src));
    CHECK_INT(st[0].targets, ww_dcount_count(&dst));
    int64_t start[3];
    uint64_t s[3], t[3], r[3];
    CHECK_INT(ww_ports_history(p, 80, WW_PROTO_TCP, start, s, t, r, 3), 3);
    CHECK_INT(s[1], ww_dcount_count(&b1));
    CHECK_INT(s[2], 90); CHECK_INT(t[2], 60); CHECK_INT(r[2], 1000);
    ww_dcount_release(&src);
    ww_dcount_release(&dst);
    ww_dcount_release(&b1);
    ww_ports_free(p);
}

/* Prefetch hints change nothing: events given with the three stages of
 * hints as analysis.c gives them, from a buffer of 24 reused for every 24
 * events (a cell prefetched may be new, or made while hints are in
 * flight), count what events given without hints count: busy ports past
 * the exact sets (HLLs), quiet ones, ICMP, several buckets. */
static void hints(void)
{
    struct ww_ports *with = ww_ports_new(NULL), *without = ww_ports_new(NULL);
    struct ww_event buf[24];
    uint32_t x = 7;
    for (uint32_t i = 0; i < 30000; i += 24) {
        for (uint32_t j = 0; j < 24; j++) {
            x = x * 1103515245u + 12345u;
            uint32_t r = x >> 8, k = i + j;
            buf[j] = (struct ww_event){.ts_us = T0 + (int64_t)k * 500000, .src = v4(r % 4000),
                .dst = v4(100000 + (r >> 12) % 300), .sport = 1234,
                .dport = (uint16_t)(r % 3 ? 22 + r % 2 : (r >> 4) % 5000),
                .proto = r % 17 ? WW_PROTO_TCP : WW_PROTO_ICMP, .count = 1};
        }
        for (size_t j = 0; j < 24; j++) {
            WW_PREFETCH_STAGES(ww_ports_prefetch, with, buf, j, 24);
            ww_ports_event(with, &buf[j]);
            ww_ports_event(without, &buf[j]);
        }
    }
    const struct ww_portstat *a, *b;
    size_t n = ww_ports_stats(with, &a), m = ww_ports_stats(without, &b);
    CHECK_INT(n, m);
    CHECK(n > 1000);
    CHECK(n && a[0].sources > WW_DCOUNT_EXACT && a[0].targets > WW_DCOUNT_EXACT);
    for (size_t k = 0; k < n && k < m; k++) {
        CHECK_INT(a[k].port, b[k].port);
        CHECK_INT(a[k].proto, b[k].proto);
        CHECK_INT(a[k].records, b[k].records);
        CHECK_INT(a[k].sources, b[k].sources);
        CHECK_INT(a[k].targets, b[k].targets);
    }
    int64_t s1[8] = {0}, s2[8] = {0};
    uint64_t v[6][8] = {{0}};
    CHECK_INT(ww_ports_history(with, 22, WW_PROTO_TCP, s1, v[0], v[1], v[2], 8), 5);
    CHECK_INT(ww_ports_history(without, 22, WW_PROTO_TCP, s2, v[3], v[4], v[5], 8), 5);
    CHECK(!memcmp(s1, s2, sizeof s1) && !memcmp(v[0], v[3], sizeof v[0]) &&
          !memcmp(v[1], v[4], sizeof v[1]) && !memcmp(v[2], v[5], sizeof v[2]));
    ww_ports_free(with);
    ww_ports_free(without);
}

static void run(void)
{
    counts();
    totals_union();
    hints();
}

TEST_MAIN(run())

/* scan.c -- the scan detector: thresholds (vertical, horizontal,
 * block), windows (a success counted outside them), TRW, ignored sources, probe kinds, memory bound, and a
 * scanner's OS: the smallest nonzero match over its SYNs, in any order;
 * prefetch hints that change no finding. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "detect/analysis.h"
#include "core/addr.h"
#include "core/event.h"
#include "detect/scan.h"

#define SEC INT64_C(1000000)
#define T0 (INT64_C(1700000000) * SEC)

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

static struct ww_event ev(uint32_t src, uint32_t dst, uint16_t dport, int64_t ts)
{
    struct ww_event e = {.ts_us = ts, .src = v4(src), .dst = v4(dst), .sport = 40000,
                         .dport = dport, .proto = WW_PROTO_TCP, .tcpflags = WW_TH_SYN,
                         .count = 1};
    return e;
}

#define SRC 0xC633640Au /* 198.51.100.10 */
#define NET 0xC0000200u /* 192.0.2.0 */

static const struct ww_scanner *one(struct ww_scan *s, size_t *n)
{
    const struct ww_scanner *r;
    *n = ww_scan_results(s, &r);
    return *n ? r : NULL;
}

static void thresholds(void)
{
    size_t n;
    const struct ww_scanner *r;
    /* vertical: 20 ports on one host in 20 s */
    struct ww_scan *s = ww_scan_new(NULL);
    for (int p = 0; p < 20; p++) {
        struct ww_event e = ev(SRC, NET + 1, (uint16_t)(1000 + p), T0 + p * SEC);
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        char b[WW_ADDR_STRLEN];
        CHECK_STR(ww_addr_format(&r->src, b), "198.51.100.10");
        CHECK_STR(r->kind, "vertical");
        CHECK_STR(r->method, "threshold");
        CHECK_INT(r->probes, 20);
        CHECK_INT(r->ports, 20);
        CHECK_INT(r->targets, 1);
        CHECK_INT(r->first_us, T0);
        CHECK_INT(r->last_us, T0 + 19 * SEC);
        CHECK_INT(r->probe_mask, 1u << WW_PROBE_SYN);
        CHECK_INT(r->nprotos, 1);
        CHECK_INT(r->protos[0].proto, WW_PROTO_TCP);
        CHECK_INT(r->protos[0].probes, 20);
    }
    ww_scan_free(s);

    /* horizontal: port 445 on 30 hosts */
    s = ww_scan_new(NULL);
    for (uint32_t h = 0; h < 30; h++) {
        struct ww_event e = ev(SRC, NET + h, 445, T0 + h * SEC);
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK_STR(r->kind, "horizontal");
        CHECK_STR(r->method, "threshold");
        CHECK_INT(r->targets, 30);
        CHECK_INT(r->ports, 1);
    }
    ww_scan_free(s);

    /* block: 20 ports x 30 hosts */
    s = ww_scan_new(NULL);
    for (uint32_t h = 0; h < 30; h++)
        for (int p = 0; p < 20; p++) {
            struct ww_event e = ev(SRC, NET + h, (uint16_t)(20 + p), T0 + h * SEC);
            ww_scan_event(s, &e);
        }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK_STR(r->kind, "block");
        CHECK_INT(r->probes, 600);
        CHECK_INT(r->targets, 30);
        CHECK_INT(r->ports, 20);
    }
    ww_scan_free(s);

    /* below both thresholds: 14 ports; 24 hosts (another source) */
    s = ww_scan_new(NULL);
    for (int p = 0; p < 14; p++) {
        struct ww_event e = ev(SRC, NET + 1, (uint16_t)(1000 + p), T0 + p * SEC);
        ww_scan_event(s, &e);
    }
    for (uint32_t h = 0; h < 24; h++) {
        struct ww_event e = ev(SRC + 1, NET + h, 80, T0 + h * SEC);
        ww_scan_event(s, &e);
    }
    one(s, &n);
    CHECK_INT(n, 0);
    CHECK_INT(ww_scan_sources(s), 2);
    ww_scan_free(s);

    /* A success counts in the whole input, not in the window, whenever it
     * comes: 10 ports, an allowed one, then 4 (5) more are 14 (15) in the
     * window, 15 (16) in all: not flagged (flagged). Unknown outcomes, as
     * most logs give, to one host: no walk. */
    for (int more = 4; more <= 5; more++) {
        s = ww_scan_new(NULL);
        for (int p = 0; p < 10 + 1 + more; p++) {
            struct ww_event e = ev(SRC, NET + 1, (uint16_t)(1000 + p), T0 + p * SEC);
            if (p == 10) e.outcome = WW_OUTCOME_SUCCESS;
            ww_scan_event(s, &e);
        }
        r = one(s, &n);
        CHECK_INT(n, more == 5);
        if (r) CHECK_INT(r->ports, 16);
        ww_scan_free(s);
    }

    /* 40 ports and 40 hosts, one a minute: never 15/25 in one 5-min window;
     * over the long horizon, 40 ports are a slow vertical scan */
    for (int slow = 0; slow < 2; slow++) {
        struct ww_scan_opts o;
        ww_scan_opts_default(&o);
        if (!slow) o.slow.horizon_us = 0;
        s = ww_scan_new(&o);
        for (int i = 0; i < 40; i++) {
            struct ww_event e = ev(SRC, NET + (uint32_t)i, (uint16_t)(1000 + i), T0 + i * 60 * SEC);
            ww_scan_event(s, &e);
        }
        r = one(s, &n);
        CHECK_INT(n, slow);
        if (r) {
            CHECK(r->slow);
            CHECK_STR(r->kind, "vertical");
            CHECK_INT(r->span_us, 39 * 60 * SEC);
        }
        ww_scan_free(s);
    }
}

static void trw(void)
{
    size_t n;
    const struct ww_scanner *r;
    /* 4 failed first contacts: ln(4) * 4 = 5.5 >= ln(99) = 4.6 */
    struct ww_scan *s = ww_scan_new(NULL);
    for (uint32_t h = 0; h < 4; h++) {
        struct ww_event e = ev(SRC, NET + h, 23, T0 + h * 60 * SEC);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
        one(s, &n);
        CHECK_INT(n, h == 3);
    }
    r = one(s, &n);
    if (r) {
        CHECK_STR(r->method, "trw");
        CHECK_STR(r->kind, "horizontal"); /* 1 port, 4 targets */
        CHECK_INT(r->targets, 4);
    }
    /* Flagged first by TRW, then reaching 30 hosts: still trw, now horizontal by count. */
    for (uint32_t h = 4; h < 30; h++) {
        struct ww_event e = ev(SRC, NET + h, 23, T0 + 300 * SEC + h * SEC);
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK_STR(r->method, "trw");
        CHECK_STR(r->kind, "horizontal");
        CHECK_INT(r->targets, 30);
        CHECK_INT(r->probes, 30);
    }
    ww_scan_free(s);

    /* TRW with few targets and many ports calls it vertical. */
    s = ww_scan_new(NULL);
    for (uint32_t h = 0; h < 4; h++)
        for (uint16_t p = 0; p < 3; p++) {
            struct ww_event e = ev(SRC, NET + h, (uint16_t)(100 + h * 3 + p), T0 + h * SEC);
            e.outcome = WW_OUTCOME_FAILURE;
            ww_scan_event(s, &e);
        }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK_STR(r->method, "trw");
        CHECK_STR(r->kind, "vertical"); /* 12 ports > 4 targets */
    }
    ww_scan_free(s);

    /* Repeated failures to the same host, and unknown outcomes, do not walk. */
    s = ww_scan_new(NULL);
    for (int i = 0; i < 10; i++) {
        struct ww_event e = ev(SRC, NET + 1, 23, T0 + i * SEC);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
        e = ev(SRC + 1, NET + (uint32_t)i, 23, T0 + i * 60 * SEC);
        ww_scan_event(s, &e);
    }
    one(s, &n);
    CHECK_INT(n, 0);
    ww_scan_free(s);

    /* 30 successful first contacts in 30 s: never, by either method
     * (successes are not probes for the thresholds, as in Zeek). */
    s = ww_scan_new(NULL);
    for (uint32_t h = 0; h < 30; h++) {
        struct ww_event e = ev(SRC, NET + h, (uint16_t)(443 + h), T0 + h * SEC);
        e.outcome = WW_OUTCOME_SUCCESS;
        ww_scan_event(s, &e);
    }
    /* Benign verdicts reset the walk to 0 (after the 4th, 8th, ... 28th
     * success), so it stands at 2 * ln(1/4) = -2.77, not at 30 * ln(1/4):
     * 5 failures afterwards are not enough... */
    for (uint32_t h = 30; h < 35; h++) {
        struct ww_event e = ev(SRC, NET + h, 443, T0 + h * 60 * SEC);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
    }
    one(s, &n);
    CHECK_INT(n, 0);
    /* ... but a 6th is. */
    struct ww_event e4 = ev(SRC, NET + 99, 443, T0 + 40 * 60 * SEC);
    e4.outcome = WW_OUTCOME_FAILURE;
    ww_scan_event(s, &e4);
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) CHECK_STR(r->method, "trw");
    ww_scan_free(s);
}

static void ignored(void)
{
    size_t n;
    struct ww_scan *s = ww_scan_new(NULL);
    const char *srcs[] = {"127.0.0.1", "127.0.0.2", "0.0.0.0", "::1", "::"};
    for (size_t k = 0; k < 5; k++) {
        struct ww_addr a;
        CHECK_INT(ww_addr_parse(srcs[k], strlen(srcs[k]), &a), 0);
        for (int p = 0; p < 100; p++) {
            struct ww_event e = ev(0, NET + (uint32_t)p, (uint16_t)(1000 + p), T0 + p * SEC);
            e.src = a;
            e.outcome = WW_OUTCOME_FAILURE;
            ww_scan_event(s, &e);
        }
    }
    /* A host talking to 30 multicast groups on many ports is not scanning. */
    for (uint32_t g = 0; g < 30; g++) {
        struct ww_event e = ev(SRC, 0xE0000000u + g, (uint16_t)(5353 + g), T0 + g * SEC);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
    }
    for (int i = 0; i < 30; i++) {
        struct ww_event e = ev(SRC, 0xFFFFFFFFu, (uint16_t)(137 + i), T0 + i * SEC);
        ww_scan_event(s, &e);
    }
    one(s, &n);
    CHECK_INT(n, 0);
    CHECK_INT(ww_scan_sources(s), 0);
    ww_scan_free(s);
}

static void kinds(void)
{
    size_t n;
    const struct ww_scanner *r;
    struct ww_scan *s = ww_scan_new(NULL);
    for (int p = 0; p < 20; p++) {
        struct ww_event e = ev(SRC, NET + 1, (uint16_t)(1000 + p), T0 + p * SEC);
        ww_scan_event(s, &e);
    }
    for (int p = 0; p < 5; p++) {
        struct ww_event e = ev(SRC, NET + 1, (uint16_t)(2000 + p), T0 + 30 * SEC);
        e.proto = WW_PROTO_UDP;
        e.tcpflags = 0;
        e.count = 3; /* a DShield line standing for 3 records */
        ww_scan_event(s, &e);
    }
    struct ww_event e = ev(SRC, NET + 1, 0, T0 + 31 * SEC);
    e.proto = WW_PROTO_ICMP;
    e.sport = 8;
    e.tcpflags = 0;
    ww_scan_event(s, &e);
    e.tcpflags = WW_TH_FIN | WW_TH_PSH | WW_TH_URG;
    e.proto = WW_PROTO_TCP;
    e.sport = 40000;
    e.dport = 1000;
    ww_scan_event(s, &e);
    /* A second scanner with fewer probes sorts after the first. */
    for (int p = 0; p < 16; p++) {
        struct ww_event f = ev(SRC + 5, NET + 2, (uint16_t)(1 + p), T0 - 10 * SEC);
        ww_scan_event(s, &f);
    }
    r = one(s, &n);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(r[0].probes, 20 + 15 + 1 + 1);
        CHECK_INT(r[0].ports, 20 + 5 + 1);
        CHECK_INT(r[0].probe_mask, (1u << WW_PROBE_SYN) | (1u << WW_PROBE_UDP) |
                                   (1u << WW_PROBE_ICMP) | (1u << WW_PROBE_XMAS));
        CHECK_INT(r[0].nprotos, 3);
        CHECK_INT(r[0].protos[0].proto, WW_PROTO_TCP);
        CHECK_INT(r[0].protos[0].probes, 21);
        CHECK_INT(r[0].protos[1].proto, WW_PROTO_UDP);
        CHECK_INT(r[0].protos[1].probes, 15);
        CHECK_INT(r[0].protos[2].proto, WW_PROTO_ICMP);
        CHECK_INT(r[0].protos[2].probes, 1);
        CHECK_INT(r[1].probes, 16);
        CHECK_INT(r[1].first_us, T0 - 10 * SEC);
    }
    ww_scan_free(s);
}

static void memory(void)
{
    size_t n;
    struct ww_scan_opts o;
    ww_scan_opts_default(&o);
    o.max_sources = 100000;
    struct ww_scan *s = ww_scan_new(&o);
    /* One real scanner early on: it must survive all the churn. */
    for (int p = 0; p < 20; p++) {
        struct ww_event e = ev(SRC, NET + 1, (uint16_t)(1000 + p), T0);
        ww_scan_event(s, &e);
    }
    size_t maxsrc = 0, maxmem = 0;
    for (uint32_t i = 0; i < 2000000; i++) {
        /* 2M distinct one-shot sources, 1 ms apart (2000 s < idle_us). */
        struct ww_event e = ev(0x0A000000u + i, NET + (i & 255), 445, T0 + (int64_t)i * 1000);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
        if (ww_scan_sources(s) > maxsrc) maxsrc = ww_scan_sources(s);
        if ((i & 1023) == 0 && ww_scan_memory(s) > maxmem) maxmem = ww_scan_memory(s);
    }
    CHECK(maxsrc <= 100000 + 1);
    CHECK(maxsrc >= 100000);
    printf("scan: 2M one-shot sources, max tracked %zu, max memory %zu bytes\n", maxsrc, maxmem);
    CHECK(maxmem < 100000 * 256 * 2);
    const struct ww_scanner *r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) CHECK_INT(r->ports, 20);
    /* Idle expiry by event time: two hours later everything unflagged goes. */
    struct ww_event e = ev(SRC + 1, NET, 80, T0 + 3 * 3600 * SEC);
    ww_scan_event(s, &e);
    CHECK_INT(ww_scan_sources(s), 2); /* the scanner and the newcomer */
    ww_scan_free(s);
}

static void os(void)
{
    static const uint16_t m[] = {0, 0x3004, 0x1009, 0, 0x0007, 0x2001}; /* best: exact 7 */
    for (int order = 0; order < 2; order++) {
        struct ww_scan *s = ww_scan_new(NULL);
        for (unsigned p = 0; p < 30; p++) {
            struct ww_event e = ev(SRC, NET, (uint16_t)(1000 + p), T0 + p * SEC);
            e.os = m[(order ? 29 - p : p) % 6];
            ww_scan_event(s, &e);
        }
        struct ww_event e = ev(SRC + 1, NET, 80, T0); /* no fingerprint: none */
        for (unsigned p = 0; p < 30; p++, e.dport++) ww_scan_event(s, &e);
        const struct ww_scanner *r;
        CHECK_INT(ww_scan_results(s, &r), 2);
        for (int i = 0; i < 2; i++) CHECK_INT(r[i].os, ww_addr_eq(&r[i].src, &e.src) ? 0 : 7);
        ww_scan_free(s);
    }
}

static struct ww_addr v6(const char *text)
{
    struct ww_addr a;
    ww_addr_parse(text, strlen(text), &a);
    return a;
}

/* 2001:db8:77:1::/64's address number i (its low 16 bits). */
static struct ww_addr in64(uint32_t i)
{
    struct ww_addr a = v6("2001:db8:77:1::");
    a.b[14] = (uint8_t)(i >> 8), a.b[15] = (uint8_t)i;
    a.b[8] = 0x02; /* as SLAAC's privacy addresses: the high bits vary too */
    return a;
}

/* Past WW_DCOUNT_EXACT (128) values a ww_dcount is a HyperLogLog: 1.6%
 * standard error; 3% is two of them. */
static int near(uint64_t x, uint64_t want)
{
    uint64_t d = x > want ? x - want : want - x;
    return d * 100 <= want * 3;
}

static void grouping(void)
{
    size_t n;
    const struct ww_scanner *r;
    char b[WW_CIDR_STRLEN];
    /* 300 ports of one host, each from a new address of one /64 */
    struct ww_scan *s = ww_scan_new(NULL);
    for (uint32_t i = 0; i < 300; i++) {
        struct ww_event e = {.ts_us = T0 + i * SEC, .src = in64(300 - i), .dst = v6("2001:db8::1"),
                             .sport = 40000, .dport = (uint16_t)(1 + i), .proto = WW_PROTO_TCP,
                             .tcpflags = WW_TH_SYN, .count = 1};
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    CHECK_INT(ww_scan_sources(s), 1);
    if (r) {
        CHECK_STR(ww_scanner_src(r, b), "2001:db8:77:1::/64");
        CHECK_INT(r->prefix, 64);
        CHECK(near(r->addresses, 300));
        CHECK_STR(r->kind, "vertical");
        CHECK_INT(r->probes, 300);
        CHECK(near(r->ports, 300));
        CHECK(!r->slow);
    }
    ww_scan_free(s);

    /* one address of the /64 doing it all is reported as that address */
    s = ww_scan_new(NULL);
    for (uint32_t i = 0; i < 30; i++) {
        struct ww_event e = {.ts_us = T0 + i * SEC, .src = in64(7), .dst = v6("2001:db8::1"),
                             .sport = 40000, .dport = (uint16_t)(1 + i), .proto = WW_PROTO_TCP,
                             .tcpflags = WW_TH_SYN, .count = 1};
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK_STR(ww_scanner_src(r, b), "2001:db8:77:1:200::7");
        CHECK_INT(r->prefix, 0);
        CHECK_INT(r->addresses, 1);
    }
    ww_scan_free(s);

    /* IPv4: 30 addresses of one /24, one port each on one host: nothing by
     * default (each alone), one scanner at --v4-prefix 24 */
    for (int grouped = 0; grouped < 2; grouped++) {
        struct ww_scan_opts o;
        ww_scan_opts_default(&o);
        if (grouped) o.v4_prefix = 24;
        s = ww_scan_new(&o);
        for (uint32_t i = 0; i < 30; i++) {
            struct ww_event e = ev(SRC + 20 - i, NET + 1, (uint16_t)(1000 + i), T0 + i * SEC);
            ww_scan_event(s, &e);
        }
        r = one(s, &n);
        CHECK_INT(n, grouped);
        CHECK_INT(ww_scan_sources(s), grouped ? 1 : 30);
        if (r) {
            CHECK_STR(ww_scanner_src(r, b), "198.51.100.0/24");
            CHECK_INT(r->addresses, 30);
        }
        ww_scan_free(s);
    }
    /* at --v6-prefix 128 the rotating scanner is 300 one-probe sources */
    struct ww_scan_opts o;
    ww_scan_opts_default(&o);
    o.v6_prefix = 128;
    s = ww_scan_new(&o);
    for (uint32_t i = 0; i < 300; i++) {
        struct ww_event e = {.ts_us = T0 + i * SEC, .src = in64(i), .dst = v6("2001:db8::1"),
                             .sport = 40000, .dport = (uint16_t)(1 + i), .proto = WW_PROTO_TCP,
                             .tcpflags = WW_TH_SYN, .count = 1};
        ww_scan_event(s, &e);
    }
    one(s, &n);
    CHECK_INT(n, 0);
    CHECK_INT(ww_scan_sources(s), 300);
    ww_scan_free(s);
}

/* A horizontal scan of 22/tcp: `count` hosts, one probe every `gap`, from
 * start; order 1 reverses the probes within each 6 hours (pooled logs out
 * of order; the call comes before the earliest probes arrive). */
static struct ww_scan *sweep22(struct ww_scan *s, uint32_t src, uint32_t count, int64_t start,
                               int64_t gap, int order)
{
    uint32_t per = (uint32_t)(6 * 3600 * SEC / gap);
    if (per < 1) per = 1;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t j = i;
        if (order) {
            uint32_t base = i / per * per, len = count - base < per ? count - base : per;
            j = base + len - 1 - (i - base);
        }
        struct ww_event e = ev(src, NET + 1 + j, 22, start + (int64_t)j * gap);
        ww_scan_event(s, &e);
    }
    return s;
}

static void slow(void)
{
    size_t n;
    const struct ww_scanner *r;
    /* 288 hosts, one every 5 minutes for 24 h: slow, once; in either order */
    for (int order = 0; order < 2; order++) {
        struct ww_scan *s = sweep22(ww_scan_new(NULL), SRC, 288, T0, 300 * SEC, order);
        r = one(s, &n);
        CHECK_INT(n, 1);
        if (r) {
            CHECK(r->slow);
            CHECK_STR(r->kind, "horizontal");
            CHECK_STR(r->method, "threshold");
            CHECK_INT(r->probes, 288);
            /* reversed, the window's entry idles between blocks and is made
             * anew: its exact totals cover the last block; the sketches' 150
             * to 288 within the horizon are what is known */
            CHECK(order ? r->targets >= 140 : near(r->targets, 288));
            CHECK_INT(r->first_us, T0);
            CHECK_INT(r->span_us, 287 * 300 * SEC);
            CHECK_INT(r->addresses, 1);
        }
        ww_scan_free(s);
    }
    /* the same at full speed: the window calls it, the long horizon says nothing more */
    struct ww_scan *s = sweep22(ww_scan_new(NULL), SRC, 288, T0, SEC / 10, 0);
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK(!r->slow);
        CHECK_STR(r->kind, "horizontal");
    }
    ww_scan_free(s);
    /* slow for 8 h (called), then a burst the window calls: reported once, as the burst */
    s = sweep22(ww_scan_new(NULL), SRC, 100, T0, 300 * SEC, 0);
    for (uint32_t i = 0; i < 30; i++) {
        struct ww_event e = ev(SRC, NET + 1000 + i, 22, T0 + 100 * 300 * SEC + i * SEC);
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK(!r->slow);
        CHECK_STR(r->kind, "horizontal");
        CHECK(near(r->targets, 130));
    }
    ww_scan_free(s);
    /* 1 probe / 30 min for 24 h: 48 hosts, below 64; found at --slow-host-threshold 40 */
    for (int low = 0; low < 2; low++) {
        struct ww_scan_opts o;
        ww_scan_opts_default(&o);
        if (low) o.slow.hosts = 40;
        s = sweep22(ww_scan_new(&o), SRC, 48, T0, 1800 * SEC, 0);
        r = one(s, &n);
        CHECK_INT(n, low);
        if (r) CHECK(r->slow);
        ww_scan_free(s);
    }
    /* decay: 40 hosts, then 40 others: called when the second 40 come 2 h
     * after the first, not 30 h after (older evidence is forgotten) */
    for (int late = 0; late < 2; late++) {
        s = ww_scan_new(NULL);
        sweep22(s, SRC, 40, T0, 300 * SEC, 0);
        int64_t start2 = T0 + 40 * 300 * SEC + (late ? 30 : 2) * 3600 * SEC;
        for (uint32_t i = 0; i < 40; i++) {
            struct ww_event e = ev(SRC, NET + 100 + i, 22, start2 + (int64_t)i * 300 * SEC);
            ww_scan_event(s, &e);
        }
        r = one(s, &n);
        CHECK_INT(n, !late);
        ww_scan_free(s);
    }
    /* 80 SYNs to :22, one every 65 min (the window's entry forgotten idle
     * between them), then another source 5 h later, over a 5-day horizon:
     * the slow call still says tcp, SYN and the smallest os */
    struct ww_scan_opts o5;
    ww_scan_opts_default(&o5);
    o5.slow.horizon_us = 5 * 24 * 3600 * SEC;
    s = ww_scan_new(&o5);
    for (uint32_t i = 0; i < 80; i++) {
        struct ww_event e = ev(SRC, NET + 1 + i, 22, T0 + (int64_t)i * 65 * 60 * SEC);
        e.os = i == 40 ? 0x0007 : i % 3 ? 0x1009 : 0;
        ww_scan_event(s, &e);
    }
    struct ww_event other = ev(SRC + 1, NET, 80, T0 + 79 * 65 * 60 * SEC + 5 * 3600 * SEC);
    ww_scan_event(s, &other);
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        CHECK(r->slow);
        CHECK_STR(r->kind, "horizontal");
        CHECK_INT(r->nprotos, 1);
        CHECK_INT(r->protos[0].proto, WW_PROTO_TCP);
        CHECK_INT(r->protos[0].probes, 80);
        CHECK_INT(r->probe_mask, 1u << WW_PROBE_SYN);
        CHECK_INT(r->os, 7);
    }
    ww_scan_free(s);
    /* a /64 rotating slowly: one probe every 5 min, each from a new address */
    s = ww_scan_new(NULL);
    for (uint32_t i = 0; i < 288; i++) {
        struct ww_event e = {.ts_us = T0 + i * 300 * SEC, .src = in64(i), .dst = v6("2001:db8::1"),
                             .sport = 40000, .dport = 22, .proto = WW_PROTO_TCP,
                             .tcpflags = WW_TH_SYN, .count = 1};
        e.dst.b[15] = (uint8_t)i, e.dst.b[14] = (uint8_t)(i >> 8);
        ww_scan_event(s, &e);
    }
    r = one(s, &n);
    CHECK_INT(n, 1);
    if (r) {
        char b[WW_CIDR_STRLEN];
        CHECK(r->slow);
        CHECK_STR(ww_scanner_src(r, b), "2001:db8:77:1::/64");
        CHECK(near(r->addresses, 288));
    }
    ww_scan_free(s);
}

/* Prefetch hints change nothing: events given with the three stages of
 * hints as analysis.c gives them, from a buffer of 24 reused for every
 * 24 events (the same places, other sources), find what events given
 * without hints find: v4 sources and the addresses of two /64s, scanners
 * fast and slow among one-probe sources, the table kept small. */
static void hints(void)
{
    struct ww_scan_opts o;
    ww_scan_opts_default(&o);
    o.max_sources = 64;
    o.slow.hosts = 16;
    struct ww_scan *with = ww_scan_new(&o), *without = ww_scan_new(&o);
    struct ww_event buf[24];
    uint32_t x = 1;
    for (uint32_t i = 0; i < 40000; i += 24) {
        for (uint32_t j = 0; j < 24; j++) {
            x = x * 1103515245u + 12345u;
            uint32_t r = x >> 8, k = i + j;
            struct ww_event *e = &buf[j];
            *e = ev(r % 5 ? 0x0A000000u + r % 3000 : SRC + r % 4, NET + (r >> 4) % 200,
                    (uint16_t)(r % 7 ? 445 : 1 + (r >> 12) % 100), T0 + k * 20 * SEC);
            if (r % 11 == 0) e->src = in64(r >> 16);
            if (r % 13 == 0) e->src = v6("2001:db8:99::7"), e->src.b[15] = (uint8_t)r;
        }
        for (size_t j = 0; j < 24; j++) {
            WW_PREFETCH_STAGES(ww_scan_prefetch, with, buf, j, 24);
            ww_scan_event(with, &buf[j]);
            ww_scan_event(without, &buf[j]);
        }
    }
    const struct ww_scanner *a, *b;
    size_t n = ww_scan_results(with, &a), m = ww_scan_results(without, &b);
    CHECK_INT(n, m);
    CHECK(n > 3);
    int slow = 0, grouped = 0;
    for (size_t k = 0; k < n && k < m; k++) {
        char sa[WW_CIDR_STRLEN], sb[WW_CIDR_STRLEN];
        CHECK_STR(ww_scanner_src(&a[k], sa), ww_scanner_src(&b[k], sb));
        CHECK_STR(a[k].kind, b[k].kind);
        CHECK_INT(a[k].probes, b[k].probes);
        CHECK_INT(a[k].targets, b[k].targets);
        CHECK_INT(a[k].ports, b[k].ports);
        CHECK_INT(a[k].addresses, b[k].addresses);
        CHECK_INT(a[k].first_us, b[k].first_us);
        CHECK_INT(a[k].span_us, b[k].span_us);
        CHECK_INT(a[k].slow, b[k].slow);
        slow += a[k].slow, grouped += a[k].prefix != 0;
    }
    CHECK(slow > 0 && grouped > 0);
    ww_scan_free(with);
    ww_scan_free(without);
}

static void run(void)
{
    hints();
    os();
    thresholds();
    trw();
    ignored();
    kinds();
    memory();
    grouping();
    slow();
}

TEST_MAIN(run())

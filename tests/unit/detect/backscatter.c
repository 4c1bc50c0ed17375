/* backscatter.c -- replies told from probes (ww_event_is_reply), attacks
 * grouped by victim and protocol with a 5-minute gap, the minimum, counts,
 * order, the memory bound; and the scan detector never calling a victim a
 * scanner while an ACK scan and a ping sweep stay scans. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "core/event.h"
#include "detect/backscatter.h"
#include "detect/scan.h"

#define SEC INT64_C(1000000)
#define T0 (INT64_C(1700000000) * SEC)
#define VICTIM 0xCB007105u /* 203.0.113.5 */

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

static struct ww_event tcp(uint32_t src, uint32_t dst, uint8_t flags, int64_t ts)
{
    return (struct ww_event){.ts_us = ts, .src = v4(src), .dst = v4(dst), .sport = 80,
                             .dport = 40000, .proto = WW_PROTO_TCP, .tcpflags = flags,
                             .count = 1};
}

static struct ww_event icmp(uint8_t proto, uint16_t type, uint16_t code)
{
    return (struct ww_event){.ts_us = T0, .src = v4(VICTIM), .dst = v4(0x0A000001),
                             .sport = type, .dport = code, .proto = proto, .count = 1};
}

static void replies(void)
{
    static const struct { uint8_t flags; int reply; } t[] = {
        {WW_TH_SYN | WW_TH_ACK, 1}, {WW_TH_SYN | WW_TH_ACK | WW_TH_ECE, 1},
        {WW_TH_RST, 1}, {WW_TH_RST | WW_TH_ACK, 1}, {WW_TH_SYN, 0}, {WW_TH_ACK, 0},
        {WW_TH_FIN, 0}, {0, 0}, {WW_TH_FIN | WW_TH_PSH | WW_TH_URG, 0},
        {WW_TH_SYN | WW_TH_RST, 0}, {WW_TH_SYN | WW_TH_ACK | WW_TH_FIN, 0},
        {WW_TH_ACK | WW_TH_PSH, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct ww_event e = tcp(VICTIM, 1, t[i].flags, T0);
        if (ww_event_is_reply(&e) != t[i].reply) fprintf(stderr, "flags 0x%02x\n", t[i].flags);
        CHECK_INT(ww_event_is_reply(&e), t[i].reply);
    }
    static const struct { uint8_t proto; uint16_t type; int reply; } c[] = {
        {WW_PROTO_ICMP, 0, 1}, {WW_PROTO_ICMP, 3, 1}, {WW_PROTO_ICMP, 4, 1},
        {WW_PROTO_ICMP, 5, 1}, {WW_PROTO_ICMP, 11, 1}, {WW_PROTO_ICMP, 12, 1},
        {WW_PROTO_ICMP, 14, 1}, {WW_PROTO_ICMP, 16, 1}, {WW_PROTO_ICMP, 18, 1},
        {WW_PROTO_ICMP, 8, 0}, {WW_PROTO_ICMP, 13, 0}, {WW_PROTO_ICMP, 17, 0},
        {WW_PROTO_ICMP, 255, 0}, {WW_PROTO_ICMP, 1000, 0},
        {WW_PROTO_ICMP6, 1, 1}, {WW_PROTO_ICMP6, 2, 1}, {WW_PROTO_ICMP6, 3, 1},
        {WW_PROTO_ICMP6, 4, 1}, {WW_PROTO_ICMP6, 129, 1}, {WW_PROTO_ICMP6, 128, 0},
        {WW_PROTO_ICMP6, 135, 0}, {WW_PROTO_ICMP6, 0, 0},
        {WW_PROTO_UDP, 0, 0}, {WW_PROTO_UDP, 3, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct ww_event e = icmp(c[i].proto, c[i].type, 3);
        if (ww_event_is_reply(&e) != c[i].reply) fprintf(stderr, "proto %u type %u\n", c[i].proto, c[i].type);
        CHECK_INT(ww_event_is_reply(&e), c[i].reply);
    }
}

/* n SYN-ACKs from VICTIM to n distinct spoofed addresses, one every step */
static void flood(struct ww_backscatter *b, uint32_t victim, int n, int64_t from, int64_t step)
{
    for (int i = 0; i < n; i++) {
        struct ww_event e = tcp(victim, 0x0A000000u + (uint32_t)i * 7919, WW_TH_SYN | WW_TH_ACK,
                                from + i * step);
        ww_backscatter_event(b, &e);
    }
}

static void attacks(void)
{
    const struct ww_backscatter_attack *r;
    char s[WW_ADDR_STRLEN];
    struct ww_backscatter *b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 100, T0, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 1);
    CHECK_STR(ww_addr_format(&r[0].victim, s), "203.0.113.5");
    CHECK_INT(r[0].proto, WW_PROTO_TCP);
    CHECK_INT(r[0].start_us, T0);
    CHECK_INT(r[0].end_us, T0 + 99 * SEC);
    CHECK_INT(r[0].records, 100);
    CHECK_INT(r[0].targets, 100);
    /* probes from the same address count nowhere here */
    for (int i = 0; i < 100; i++) {
        struct ww_event e = tcp(VICTIM, 0x0A000000u + (uint32_t)i, WW_TH_SYN, T0 + i * SEC);
        ww_backscatter_event(b, &e);
    }
    CHECK_INT(ww_backscatter_results(b, &r), 1);
    CHECK_INT(r[0].records, 100);
    /* the same victim's ICMP unreachables are another attack (victim, proto) */
    for (int i = 0; i < 30; i++) {
        struct ww_event e = icmp(WW_PROTO_ICMP, 3, 3);
        e.ts_us = T0 + i * SEC;
        ww_backscatter_event(b, &e);
    }
    CHECK_INT(ww_backscatter_results(b, &r), 2);
    CHECK_INT(r[1].proto, WW_PROTO_ICMP);
    CHECK_INT(r[1].records, 30);
    CHECK_INT(r[1].targets, 1);
    ww_backscatter_free(b);

    /* the minimum: 24 replies are not reported, 25 are; count is records */
    b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 24, T0, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 0);
    flood(b, VICTIM, 1, T0 + 30 * SEC, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 1);
    CHECK_INT(r[0].records, 25);
    CHECK_INT(r[0].targets, 24); /* flood() sent the first target twice */
    struct ww_event e = tcp(VICTIM + 1, 1, WW_TH_RST | WW_TH_ACK, T0);
    e.count = 40;
    ww_backscatter_event(b, &e);
    CHECK_INT(ww_backscatter_results(b, &r), 2);
    CHECK_INT(r[0].records, 40);
    CHECK_INT(r[0].targets, 1);
    ww_backscatter_free(b);
}

static void gaps(void)
{
    const struct ww_backscatter_attack *r;
    /* quiet for 6 minutes: two attacks; for 4: one */
    struct ww_backscatter *b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 50, T0, SEC);
    flood(b, VICTIM, 60, T0 + 49 * SEC + 360 * SEC, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 2);
    CHECK_INT(r[0].records, 60);
    CHECK_INT(r[0].start_us, T0 + 409 * SEC);
    CHECK_INT(r[1].records, 50);
    CHECK_INT(r[1].end_us, T0 + 49 * SEC);
    ww_backscatter_free(b);

    b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 50, T0, SEC);
    flood(b, VICTIM, 60, T0 + 49 * SEC + 240 * SEC, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 1);
    CHECK_INT(r[0].records, 110);
    CHECK_INT(r[0].start_us, T0);
    CHECK_INT(r[0].end_us, T0 + 348 * SEC);
    ww_backscatter_free(b);

    /* slightly out of order (pooled files): a reply a minute before the start joins */
    b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 30, T0, SEC);
    struct ww_event e = tcp(VICTIM, 2, WW_TH_SYN | WW_TH_ACK, T0 - 60 * SEC);
    ww_backscatter_event(b, &e);
    CHECK_INT(ww_backscatter_results(b, &r), 1);
    CHECK_INT(r[0].start_us, T0 - 60 * SEC);
    CHECK_INT(r[0].records, 31);
    ww_backscatter_free(b);

    /* another victim's events move the clock: the quiet one is closed, still reported */
    b = ww_backscatter_new(NULL);
    flood(b, VICTIM, 30, T0, SEC);
    flood(b, VICTIM + 1, 30, T0 + 3600 * SEC, SEC);
    CHECK_INT(ww_backscatter_results(b, &r), 2);
    ww_backscatter_free(b);
}

static void bounded(void)
{
    const struct ww_backscatter_attack *r;
    struct ww_backscatter_opts o;
    ww_backscatter_opts_default(&o);
    o.max_victims = 64;
    o.max_attacks = 1000;
    struct ww_backscatter *b = ww_backscatter_new(&o);
    /* 5000 victims at once, each 30 replies: the table stays at 64 */
    size_t most = 0;
    for (int round = 0; round < 30; round++)
        for (uint32_t v = 0; v < 5000; v++) {
            struct ww_event e = tcp(0xC6336400u + v, 0x0A000000u + (uint32_t)round,
                                    WW_TH_SYN | WW_TH_ACK, T0 + round * SEC);
            ww_backscatter_event(b, &e);
            size_t m = ww_backscatter_memory(b);
            if (m > most) most = m;
        }
    CHECK(most < 64 * 1024 + 1000 * sizeof(struct ww_backscatter_attack) * 3);
    /* cut early, so none reached 25 records: nothing reported, nothing invented */
    CHECK_INT(ww_backscatter_results(b, &r), 0);
    ww_backscatter_free(b);

    /* more attacks than max_attacks: the rest counted as dropped */
    o.max_victims = 1 << 16;
    o.max_attacks = 10;
    b = ww_backscatter_new(&o);
    for (uint32_t v = 0; v < 20; v++) flood(b, 0xC6336400u + v, 30, T0 + v * 3600 * SEC, SEC);
    size_t n = ww_backscatter_results(b, &r);
    CHECK_INT(n, 11); /* 10 kept, the last still open */
    CHECK_INT(ww_backscatter_dropped(b), 9);
    ww_backscatter_free(b);
}

/* the victim of a SYN flood with spoofed sources answers 200 addresses:
 * no scanner; its RSTs and unreachables neither; an ACK scan and a ping
 * sweep from another source still are */
static void not_scanners(void)
{
    const struct ww_scanner *r;
    struct ww_scan *s = ww_scan_new(NULL);
    for (uint32_t i = 0; i < 200; i++) {
        struct ww_event e = tcp(VICTIM, 0x0A000000u + i, WW_TH_SYN | WW_TH_ACK, T0 + i * SEC / 10);
        e.outcome = WW_OUTCOME_FAILURE;
        ww_scan_event(s, &e);
        e.tcpflags = WW_TH_RST | WW_TH_ACK;
        ww_scan_event(s, &e);
        e = icmp(WW_PROTO_ICMP, 3, 3);
        e.dst = v4(0x0A000000u + i);
        ww_scan_event(s, &e);
    }
    CHECK_INT(ww_scan_results(s, &r), 0);
    for (uint32_t i = 0; i < 30; i++) {
        struct ww_event e = tcp(0xC6336407u, 0xC0000200u, WW_TH_ACK, T0 + i * SEC);
        e.dport = (uint16_t)(1000 + i);
        ww_scan_event(s, &e);
        e = icmp(WW_PROTO_ICMP, 8, 0);
        e.src = v4(0xC6336408u);
        e.dst = v4(0xC0000200u + i);
        ww_scan_event(s, &e);
    }
    CHECK_INT(ww_scan_results(s, &r), 2);
    ww_scan_free(s);
}

TEST_MAIN(replies(); attacks(); gaps(); bounded(); not_scanners())

/* analysis.c -- the pipeline: the same findings from 1, 2, 3 and 4 threads
 * (scanners, port statistics, surges, record count and span) over a seeded
 * stream of background, scanners and a worm, and ww_analysis_finish as the
 * sensor uses it: a barrier after which the detectors hold every event
 * given so far (here: mid-block, with more events after it). With p0f's
 * database (Debian's; SKIP naming it when it does not load) the SYNs'
 * fingerprints are matched before the detectors see them: the horizontal
 * scanner is nmap's SYN scan, the worm's sampled sources Windows XP, the
 * same whatever the threads; without it nothing is matched. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "test.h"
#include "core/addr.h"
#include "core/event.h"
#include "detect/analysis.h"
#include "detect/osdb.h"

#define SEC INT64_C(1000000)
#define T0 (INT64_C(1700000000) * SEC)
#define EVENTS 200000

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

/* Event k of the stream: three days of background from 3,000 sources on
 * 10 ports of a /24 (some UDP), a vertical and a horizontal scanner, and
 * in the last day a worm on 139/tcp whose sources grow. */
static struct ww_event event(uint64_t k)
{
    uint64_t r = test_rand();
    int64_t ts = T0 + (int64_t)(k * (3 * 86400 / (double)EVENTS) * SEC);
    struct ww_event e = {.ts_us = ts, .sport = (uint16_t)(1024 + r % 60000), .proto = WW_PROTO_TCP,
                         .tcpflags = WW_TH_SYN, .count = 1};
    uint32_t net = 0xC0000200u;
    if (k >= 10000 && k < 13000 && k % 3 == 0) { /* vertical: 1,000 ports in an hour */
        e.src = v4(0xC633640Au), e.dst = v4(net + 7), e.dport = (uint16_t)(k / 3 % 4000 + 1);
    } else if (k >= 50000 && k < 53000 && k % 3 == 1) { /* horizontal: the /24 on 445 */
        e.src = v4(0xCB00710Bu), e.dst = v4(net + (uint32_t)(k / 3 % 256)), e.dport = 445;
        e.fp = (struct ww_synfp){.flags = WW_FP_SET | WW_FP_OPTS, .ttl = 50, .win = 1024, .mss = 1460,
                                 .nopt = 1, .opt = {2}}; /* nmap -sS (its SYNs' usual TTL and window) */
    } else if (k > EVENTS * 2 / 3 && r % 5 == 0) { /* the worm */
        uint64_t grown = (k - EVENTS * 2 / 3) / 20 + 1;
        e.src = v4(0x0B000000u + (uint32_t)(r >> 20) % (uint32_t)grown), e.dst = v4(net + (uint32_t)(r >> 40) % 256);
        e.dport = 139;
        e.fp = (struct ww_synfp){.flags = WW_FP_SET | WW_FP_OPTS, .ttl = 117, .win = 65535, .mss = 1460,
                                 .nopt = 4, .opt = {2, 1, 1, 4}, .quirks = WW_FPQ_DF | WW_FPQ_ID_PLUS};
    } else {
        static const uint16_t ports[] = {22, 23, 80, 443, 445, 3389, 8080, 53, 123, 161};
        e.src = v4(0x50000000u + (uint32_t)(r >> 8) % 3000), e.dst = v4(net + (uint32_t)(r >> 32) % 256);
        e.dport = ports[(r >> 48) % 10];
        if (e.dport == 53 || e.dport == 123 || e.dport == 161) e.proto = WW_PROTO_UDP, e.tcpflags = 0;
    }
    return e;
}

struct found { size_t nsc, nports, nsurges; uint64_t records, port_records, sum; uint16_t scan_os, worm_os; };

/* What the analysis found, folded into a few numbers. */
static struct found found(struct ww_analysis *a)
{
    struct found f = {0};
    const struct ww_scanner *sc;
    const struct ww_portstat *ps;
    const struct ww_surge *su;
    f.nsc = ww_scan_results(a->scan, &sc);
    for (size_t i = 0; i < f.nsc; i++) {
        f.sum = f.sum * 31 + ww_addr_hash(&sc[i].src) + sc[i].probes + sc[i].targets + sc[i].ports + sc[i].os;
        struct ww_addr v = v4(0xCB00710Bu); /* the horizontal scanner */
        if (ww_addr_eq(&sc[i].src, &v)) f.scan_os = sc[i].os;
    }
    f.nports = ww_ports_stats(a->ports, &ps);
    for (size_t i = 0; i < f.nports; i++) {
        f.sum = f.sum * 31 + ps[i].port + ps[i].records + ps[i].sources + ps[i].targets;
        f.port_records += ps[i].records;
    }
    f.nsurges = ww_surges_results(a->surges, &su);
    for (size_t i = 0; i < f.nsurges; i++) {
        f.sum = f.sum * 31 + su[i].port + (uint64_t)su[i].alert_us + su[i].new_sources + su[i].nsample;
        for (uint32_t j = 0; j < su[i].nsample; j++)
            f.sum = f.sum * 31 + ww_addr_hash(&su[i].sample[j].a) + su[i].sample[j].os;
        if (su[i].port == 139 && su[i].nsample) f.worm_os = su[i].sample[0].os;
    }
    f.records = a->records;
    return f;
}

/* The whole stream through `threads` threads, with a finish part way. */
static struct found run(unsigned threads, struct found *mid, const struct ww_osdb *db)
{
    struct ww_analysis_opts o;
    struct ww_analysis a;
    ww_analysis_opts_default(&o);
    o.threads = threads;
    o.osdb = db;
    ww_analysis_init(&a, &o);
    test_rand_state = 42;
    for (uint64_t k = 0; k < EVENTS; k++) {
        struct ww_event e = event(k);
        ww_analysis_event(&a, &e);
        if (k == EVENTS / 2 + 123) { /* mid-block */
            ww_analysis_finish(&a);
            *mid = found(&a);
        }
    }
    ww_analysis_finish(&a);
    struct found f = found(&a);
    CHECK_INT(a.nthreads, threads < WW_ANALYSIS_THREADS_MAX ? threads : WW_ANALYSIS_THREADS_MAX);
    ww_analysis_release(&a);
    return f;
}

static void threads(const struct ww_osdb *db)
{
    struct found mid1, one = run(1, &mid1, db);
    CHECK_INT(one.records, EVENTS);
    CHECK(one.nsc >= 2);        /* both scanners */
    CHECK(one.nsurges >= 1);    /* the worm */
    CHECK(one.nports >= 11);
    CHECK_INT(mid1.records, EVENTS / 2 + 124); /* the barrier: every event so far counted ... */
    CHECK_INT(mid1.port_records, EVENTS / 2 + 124); /* ... and in the detectors */
    CHECK_INT(one.port_records, EVENTS);
    CHECK(mid1.nsc >= 2);
    for (unsigned t = 2; t <= 4; t++) {
        struct found mid, f = run(t, &mid, db);
        CHECK(!memcmp(&f, &one, sizeof f));
        CHECK(!memcmp(&mid, &mid1, sizeof mid));
    }
    struct found midx, many = run(1000, &midx, db); /* taken as the most */
    CHECK(!memcmp(&many, &one, sizeof many));
    const char *scan = ww_osdb_name(db, one.scan_os), *worm = ww_osdb_name(db, one.worm_os);
    if (!db) {
        CHECK(!one.scan_os && !one.worm_os);
        return;
    }
    CHECK(scan && !strcasecmp(scan, "nmap SYN scan") && WW_OS_KIND(one.scan_os) == WW_OS_EXACT);
    CHECK(worm && !strcmp(worm, "Windows XP"));
}

static void matched(void)
{
    struct ww_osdb *db = NULL;
    char err[256] = "";
    if (ww_osdb_load(WW_OSDB_DEFAULT, &db, err, sizeof err)) {
        static char why[300];
        snprintf(why, sizeof why, "p0f's database did not load (%s)", err);
        test_skipped = why;
        return;
    }
    threads(db);
    ww_osdb_free(db);
}

TEST_MAIN({
    threads(NULL);
    matched();
})

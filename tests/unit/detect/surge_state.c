/* surge_state.c -- saving and loading the surge detector's state.
 * A detector saved, freed and loaded again at many points of a stream (in
 * the middle of buckets and at their edges) calls exactly the surges, with
 * bit-equal numbers, and ends in exactly the state of one that ran without
 * a break -- with the default options, with a small seen table that must
 * prune, and with --surge-stat sources; a growing seen table drops what is
 * older than the window. The loader rejects empty, truncated,
 * corrupt and out-of-range bytes with a reason, and an empty state survives
 * a round trip byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "core/event.h"
#include "core/mem.h"
#include "detect/surge.h"

#define HOUR (INT64_C(3600) * 1000000)
#define T0 (INT64_C(1700000000) / 3600 / 24 * 24 * HOUR) /* midnight UTC */
#define HOURS 120

static struct ww_addr v4(uint32_t a)
{
    uint8_t b[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    struct ww_addr r;
    ww_addr_from_v4(&r, b);
    return r;
}

static int by_time(const void *a, const void *b)
{
    int64_t x = ((const struct ww_event *)a)->ts_us, y = ((const struct ww_event *)b)->ts_us;
    return (x > y) - (x < y);
}

/* Five days on five ports: a diurnal mix of returning and new sources (port
 * 80 busy enough that its counters turn into HyperLogLogs), a heavy scanner,
 * ICMP that is ignored, then from hour 100 a worm's new sources on 445. */
static struct ww_event *stream(size_t *n, uint32_t *nnew)
{
    static const struct { uint16_t port; uint8_t proto; uint32_t per_hour, pool; } P[] = {
        {22, WW_PROTO_TCP, 30, 200}, {80, WW_PROTO_TCP, 250, 400}, {445, WW_PROTO_TCP, 20, 100},
        {53, WW_PROTO_UDP, 15, 50}, {23, WW_PROTO_TCP, 40, 1000}};
    size_t cap = 1 << 16, k = 0;
    struct ww_event *ev = ww_malloc(cap * sizeof *ev);
    uint32_t fresh = 0;
    test_rand_state = 42;
    for (int h = 0; h < HOURS; h++) {
        size_t first = k;
        for (size_t p = 0; p < sizeof P / sizeof P[0]; p++) {
            uint32_t m = P[p].per_hour * (2 + (h % 24 > 8) + (h % 24 > 17)) / 3;
            if (P[p].port == 445 && h >= 100 && h < 104) m += 40u << (h - 100);
            for (uint32_t i = 0; i < m; i++) {
                if (k + 2 > cap) ev = ww_realloc(ev, (cap *= 2) * sizeof *ev);
                uint64_t r = test_rand();
                /* a quarter new sources (more in the worm's hours), else the pool */
                int isnew = r % 4 == 0 || (P[p].port == 445 && h >= 100 && h < 104 && i >= 20);
                uint32_t src = isnew ? 0x20000000u + fresh++ : 0x0A000000u + (uint32_t)p * 65536 +
                                                                (uint32_t)(r >> 8) % P[p].pool;
                ev[k++] = (struct ww_event){.ts_us = T0 + h * HOUR + (int64_t)((r >> 20) % (uint64_t)HOUR),
                    .src = v4(src), .dst = v4(0xC0000200u + (uint32_t)(r >> 40) % 512),
                    .sport = 40000, .dport = P[p].port, .proto = P[p].proto, .count = 1};
            }
        }
        /* one heavy scanner and one ping an hour */
        ev[k++] = (struct ww_event){.ts_us = T0 + h * HOUR + 5, .src = v4(0xC6336401u),
            .dst = v4(0x0B000000u + (uint32_t)h), .dport = 3389, .proto = WW_PROTO_TCP, .count = 1};
        ev[k++] = (struct ww_event){.ts_us = T0 + h * HOUR + 6, .src = v4(0xC6336402u),
            .dst = v4(0x0B000001u), .sport = 8, .proto = WW_PROTO_ICMP, .count = 1};
        qsort(ev + first, k - first, sizeof *ev, by_time);
    }
    *n = k;
    *nnew = fresh;
    return ev;
}

static struct ww_surges *reload(struct ww_surges *s)
{
    unsigned char *buf;
    char why[128];
    size_t len = ww_surges_save(s, &buf);
    ww_surges_free(s);
    enum ww_err rc = ww_surges_load(buf, len, &s, why, sizeof why);
    ww_free(buf);
    if (rc) {
        fprintf(stderr, "reload failed: %s\n", why);
        exit(1);
    }
    return s;
}

static int same_double(double a, double b) { return !memcmp(&a, &b, sizeof a); }

static int same_surge(const struct ww_surge *a, const struct ww_surge *b)
{
    return a->port == b->port && a->proto == b->proto && a->start_us == b->start_us &&
           a->alert_us == b->alert_us && a->end_us == b->end_us && a->sources == b->sources &&
           a->new_sources == b->new_sources && a->targets == b->targets &&
           same_double(a->baseline_sources, b->baseline_sources) &&
           same_double(a->baseline_new, b->baseline_new) &&
           same_double(a->baseline_targets, b->baseline_targets) &&
           same_double(a->spread, b->spread) && same_double(a->score, b->score) &&
           same_double(a->isc_score, b->isc_score);
}

/* Run the stream once straight and once with reloads; returns surges called. */
static size_t equivalence(const struct ww_surge_opts *o, const struct ww_event *ev, size_t n)
{
    struct ww_surges *a = ww_surges_new(o), *b = ww_surges_new(o);
    const struct ww_surge *ra, *rb;
    size_t reloads = 0;
    int64_t hour_seen = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t h = (ev[i].ts_us - T0) / HOUR;
        /* at a bucket's edge every 7 hours, and mid-bucket every 1009 events */
        if ((h != hour_seen && h % 7 == 3) || i % 1009 == 500) b = reload(b), reloads++;
        hour_seen = h;
        ww_surges_event(a, &ev[i]);
        ww_surges_event(b, &ev[i]);
        size_t na = ww_surges_results(a, &ra), nb = ww_surges_results(b, &rb);
        if (na != nb || (na && !same_surge(&ra[na - 1], &rb[nb - 1]))) {
            fprintf(stderr, "diverged at event %zu (%zu vs %zu surges)\n", i, na, nb);
            CHECK(0);
            break;
        }
    }
    CHECK(reloads > 30);
    size_t na = ww_surges_results(a, &ra), nb = ww_surges_results(b, &rb);
    CHECK_INT(nb, na);
    for (size_t i = 0; i < na && i < nb; i++) CHECK(same_surge(&ra[i], &rb[i]));
    /* and the end states are the same, byte for byte */
    unsigned char *ba, *bb;
    size_t la = ww_surges_save(a, &ba), lb = ww_surges_save(b, &bb);
    CHECK_INT(lb, la);
    CHECK(la == lb && !memcmp(ba, bb, la));
    ww_free(ba);
    ww_free(bb);
    ww_surges_free(a);
    ww_surges_free(b);
    return na;
}

static void equivalences(void)
{
    size_t n;
    uint32_t fresh;
    struct ww_event *ev = stream(&n, &fresh);
    struct ww_surge_opts o;
    const struct ww_surge *sv;

    /* defaults: the worm on 445 is called, and called the same after reloads */
    ww_surge_opts_default(&o);
    struct ww_surges *s = ww_surges_new(&o);
    for (size_t i = 0; i < n; i++) ww_surges_event(s, &ev[i]);
    size_t ns = ww_surges_results(s, &sv);
    CHECK(ns >= 1);
    int worm = 0;
    for (size_t i = 0; i < ns; i++)
        worm += sv[i].port == 445 && sv[i].start_us == T0 + 100 * HOUR;
    CHECK_INT(worm, 1);
    ww_surges_free(s);
    CHECK_INT(equivalence(&o, ev, n), ns);

    /* a seen table far too small for the stream: it grows, then prunes */
    CHECK(fresh > 4 * 2048);
    o.seen_capacity = 2048;
    o.bucket_us = HOUR / 2;
    o.baseline_us = 48 * HOUR;
    o.learn_us = 6 * HOUR;
    CHECK(equivalence(&o, ev, n) >= 1);

    /* all sources judged, not only new ones */
    ww_surge_opts_default(&o);
    o.stat = WW_SURGE_SOURCES;
    o.z_jump = 5;
    CHECK(equivalence(&o, ev, n) >= 1);
    ww_free(ev);
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void le_put(unsigned char *p, uint64_t v, unsigned k)
{
    for (unsigned i = 0; i < k; i++) p[i] = (unsigned char)(v >> 8 * i);
}

/* Make the header fit a (changed) body again: length and checksum. */
static void reseal(unsigned char *buf, size_t len)
{
    le_put(buf + 8, len - 24, 8);
    le_put(buf + 16, fnv1a(buf + 24, len - 24), 8);
}

/* Load a copy of exactly len bytes (so ASan sees any read past it). */
static struct ww_surges *load_copy(const unsigned char *buf, size_t len, char *why, size_t n)
{
    unsigned char *c = ww_malloc(len ? len : 1);
    memcpy(c, buf, len);
    struct ww_surges *s = NULL;
    ww_surges_load(c, len, &s, why, n);
    ww_free(c);
    return s;
}

static int rejected(const unsigned char *buf, size_t len)
{
    char why[128] = "";
    struct ww_surges *s = load_copy(buf, len, why, sizeof why);
    ww_surges_free(s);
    return !s && *why;
}

/* Where the first result's sample entries start in a saved state (0 if
 * none): past the header, the options (74 bytes), the clocks and sensors
 * (29), the result count and the result's fixed part up to its slots. */
static size_t sample_at(const unsigned char *buf, size_t len)
{
    size_t at = 24 + 74 + 29;
    uint32_t nres = (uint32_t)buf[at] | (uint32_t)buf[at + 1] << 8;
    at += 4 + 2 + 1 + 3 * 8 + 3 * 8 + 6 * 8 + 1 + 4 + 8 + 8;
    uint32_t nslots = buf[at];
    at += 4 + 4 * nslots;
    if (!nres || at + 4 + 2 * 19 > len || buf[at] < 2) return 0;
    return at + 4;
}

static void rejects(void)
{
    char why[128];
    struct ww_surges *none = NULL;
    CHECK_INT(ww_surges_load(NULL, 0, &none, why, sizeof why), WW_ERR_PARSE);
    CHECK_STR(why, "not a surge state (no WWSG header)");
    CHECK_INT(ww_surges_load("", 0, &none, NULL, 0), WW_ERR_PARSE);
    CHECK(!none);

    /* a small state with series, a surge and a seen table */
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    struct ww_surges *s = ww_surges_new(&o);
    for (int h = 0; h < 8; h++)
        for (uint32_t i = 0; i < (h < 7 ? 2u : 30u); i++) {
            struct ww_event e = {.ts_us = T0 + h * HOUR + i, .src = v4(0x0A000000u + (uint32_t)h * 100 + i),
                                 .dst = v4(0xC0000201u + i), .dport = (uint16_t)(80 + i % 2),
                                 .proto = i % 5 ? WW_PROTO_TCP : WW_PROTO_UDP, .count = 1};
            ww_surges_event(s, &e);
        }
    const struct ww_surge *sv;
    /* 80/tcp and 81/tcp: 80/tcp had no event before hour 7, a port from
     * nothing judged against a zero baseline */
    CHECK_INT(ww_surges_results(s, &sv), 2);
    unsigned char *buf;
    size_t len = ww_surges_save(s, &buf);
    ww_surges_free(s);
    CHECK(!rejected(buf, len)); /* the control: it loads */

    /* truncated at every length, as written and with the header made to fit */
    int all = 1;
    unsigned char *c = ww_malloc(len + 1);
    for (size_t k = 0; k < len; k++) all &= rejected(buf, k);
    CHECK(all);
    /* (each of these reaches the body parser, whose state costs 1.5 MiB: every
     * length through the options, results and first series, then a sample) */
    for (size_t k = 24; k < len; k += k < 600 ? 1 : 29) {
        memcpy(c, buf, k);
        reseal(c, k);
        all &= rejected(c, k);
    }
    CHECK(all);
    /* one flipped bit anywhere */
    for (size_t k = 0; k < len; k++) {
        memcpy(c, buf, len);
        c[k] ^= (unsigned char)(1u << k % 8);
        all &= rejected(c, len);
    }
    CHECK(all);
    memcpy(c, buf, len);
    c[len - 1] ^= 0x40;
    CHECK(!load_copy(c, len, why, sizeof why));
    CHECK_STR(why, "surge state: checksum mismatch (torn or corrupt)");
    /* wrong version, with the body intact */
    memcpy(c, buf, len);
    c[4] = 4;
    CHECK(!load_copy(c, len, why, sizeof why));
    CHECK_STR(why, "surge state: unsupported version");
    /* a surge's sample out of its order (the first surge's first two entries
     * swapped): refused, never searched as if sorted */
    size_t at = sample_at(buf, len);
    CHECK(at > 0);
    if (at) {
        memcpy(c, buf, len);
        memcpy(c + at, buf + at + 19, 19);
        memcpy(c + at + 19, buf + at, 19);
        reseal(c, len);
        CHECK(!load_copy(c, len, why, sizeof why));
        CHECK_STR(why, "surge state: sample out of order");
        memcpy(c, buf, len);
        c[at - 4] = 1, c[at - 3] = 1; /* its count: 257, past the most */
        reseal(c, len);
        CHECK(!load_copy(c, len, why, sizeof why));
        CHECK_STR(why, "surge state: sample count out of range");
    }
    /* sealed but wrong: an unknown --surge-stat, a 0 s bucket, a trailing byte */
    memcpy(c, buf, len);
    c[24 + 56] = 2;
    reseal(c, len);
    CHECK(!load_copy(c, len, why, sizeof why));
    CHECK_STR(why, "surge state: option out of range");
    memcpy(c, buf, len);
    memset(c + 24, 0, 8);
    reseal(c, len);
    CHECK(!load_copy(c, len, why, sizeof why));
    CHECK_STR(why, "surge state: option out of range");
    memcpy(c, buf, len);
    c[len] = 0;
    reseal(c, len + 1);
    CHECK(!load_copy(c, len + 1, why, sizeof why));
    CHECK_STR(why, "surge state: trailing bytes");
    ww_free(c);
    ww_free(buf);
}

static void empty(void)
{
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.min_sources = 6;
    o.z_jump = 4.5;
    struct ww_surges *s = ww_surges_new(&o), *t;
    unsigned char *b1, *b2;
    size_t l1 = ww_surges_save(s, &b1);
    CHECK_INT(l1, 147); /* header 24, options 74, flags, clocks and sensors 29, four counts 20 */
    char why[128] = "unset";
    t = NULL;
    CHECK_INT(ww_surges_load(b1, l1, &t, why, sizeof why), WW_OK);
    CHECK(t != NULL);
    CHECK_STR(why, "unset");
    if (!t) return;
    const struct ww_surge *sv;
    CHECK_INT(ww_surges_results(t, &sv), 0);
    size_t l2 = ww_surges_save(t, &b2);
    CHECK(l2 == l1 && !memcmp(b1, b2, l1));
    /* a version 2 state (before the samples) of it still loads: the same
     * body, so the same checksum */
    b1[4] = 2;
    struct ww_surges *v2 = NULL;
    CHECK_INT(ww_surges_load(b1, l1, &v2, why, sizeof why), WW_OK);
    ww_surges_free(v2);
    b1[4] = 3;
    /* the options and the learning came back: 6 new sources on a port that
     * sees 1 an hour are not judged in the first (learning) day, and are a
     * surge (z = 5) after it, where the defaults would want 10 and z = 7 */
    for (struct ww_surges *u = s; u; u = u == s ? t : NULL) {
        for (int h = 0; h <= 36; h++) {
            for (uint32_t i = 0; i < (h == 12 || h == 36 ? 6u : 1u); i++) {
                struct ww_event e = {.ts_us = T0 + h * HOUR + i, .src = v4(0x0A000000u + (uint32_t)h * 10 + i),
                                     .dst = v4(0xC0000200u + i), .dport = 25, .proto = WW_PROTO_TCP, .count = 1};
                ww_surges_event(u, &e);
            }
            if (h == 12) CHECK_INT(ww_surges_results(u, &sv), 0);
        }
        CHECK_INT(ww_surges_results(u, &sv), 1);
    }
    ww_free(b1);
    ww_free(b2);
    ww_surges_free(s);
    ww_surges_free(t);
}

/* A flood of new pairs in one bucket, more than the seen table holds: it
 * keeps a hash-chosen part and goes on (it used to recurse without end), and
 * the state still saves and loads. */
static void flood(void)
{
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    o.seen_capacity = 1024;
    struct ww_surges *s = ww_surges_new(&o);
    for (int h = 0; h <= 7; h++)
        for (uint32_t i = 0; i < (h < 7 ? 2u : 5000u); i++) {
            struct ww_event e = {.ts_us = T0 + h * HOUR + i, .src = v4(0x0A000000u + (uint32_t)h * 10000 + i),
                                 .dst = v4(0xC0000200u + i % 100), .dport = 80, .proto = WW_PROTO_TCP,
                                 .count = 1};
            ww_surges_event(s, &e);
        }
    const struct ww_surge *sv;
    CHECK_INT(ww_surges_results(s, &sv), 1);
    CHECK_INT(sv[0].new_sources, 12); /* baseline 2, spread sqrt(2): 2 + 7 sqrt(2) = 11.9 */
    unsigned char *buf;
    size_t len = ww_surges_save(s, &buf);
    /* the empty state, a result with its slots, a series (fixed part 681
     * bytes) with an HLL of sources and 100 targets, all of them reached by
     * new sources, and at most 3/4 of 1024 seen entries */
    CHECK(len <= 138 + (124 + 4 * 96 + 4 + 19 * 256) + (681 + 4 + 19 * 256) + (1 + 4096) +
                 2 * (2 + 8 * 100) + 768 * 16);
    ww_surges_free(s);
    s = NULL;
    CHECK_INT(ww_surges_load(buf, len, &s, NULL, 0), WW_OK);
    CHECK(s != NULL);
    ww_surges_free(s);
    ww_free(buf);
}

/* The seen table's growth drops the pairs last seen before the window,
 * also when its index already has room for the larger size (it grows four
 * times where the size doubles): 768 sources at hour 0 fill 1,024 slots;
 * one at hour 10 grows the table to 2,048 (dropping the 768, the index made
 * 4,096); 1,535 at hour 11 fill it; one at hour 20 grows it to 4,096 inside
 * that index, and drops the 1,536 all the same: one pair is left, the
 * saved state's last (its seen count, then one 16-byte entry). */
static void growth(void)
{
    struct ww_surge_opts o;
    ww_surge_opts_default(&o);
    o.learn_us = 0;
    o.baseline_us = 2 * HOUR;
    o.seen_capacity = 1u << 16;
    struct ww_surges *s = ww_surges_new(&o);
    static const struct { int hour; uint32_t n; } step[] = {{0, 768}, {10, 1}, {11, 1535}, {20, 1}};
    uint32_t a = 0;
    for (size_t k = 0; k < sizeof step / sizeof *step; k++)
        for (uint32_t i = 0; i < step[k].n; i++, a++) {
            struct ww_event e = {.ts_us = T0 + step[k].hour * HOUR + i, .src = v4(0x0A000000u + a),
                                 .dst = v4(0xC0000201u), .dport = 80, .proto = WW_PROTO_TCP, .count = 1};
            ww_surges_event(s, &e);
        }
    unsigned char *buf;
    size_t len = ww_surges_save(s, &buf);
    CHECK(len > 24 + 8 + 16);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | buf[len - 24 + i];
    CHECK_INT(n, 1);
    ww_free(buf);
    ww_surges_free(s);
}

TEST_MAIN({
    growth();
    flood();
    equivalences();
    rejects();
    empty();
})

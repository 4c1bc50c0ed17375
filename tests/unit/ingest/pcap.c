/* pcap.c -- lib/ingest/pcap.c (ww_pcap_open/next/close) on captures this
 * test builds in memory (fmemopen) with out/write.h's ww_pcap_* writers and
 * by hand: first contacts and their outcomes (SYN answered by SYN-ACK or
 * RST or nothing, UDP, echo, a stealth FIN), the answer timeout, the counts
 * (packets, bytes, bad packets; non-IP frames are not bad), a malformed
 * packet, a capture cut off mid-record (one bad packet; lenient and
 * strict), pcapng, nanosecond and big-endian pcap, and headers it refuses;
 * records longer than the snapshot length and captures longer than the
 * reader's block (the reader's own record loop, and libpcap after it); packets
 * far more than the reader holds ahead (decoded, not tracked yet), with a
 * bad one among them: the same events in the same order, lenient and
 * strict. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/err.h"
#include "ingest/input.h"
#include "ingest/pcap.h"
#include "out/write.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

struct cap { uint8_t b[65536]; size_t n; };

static void le16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, v), le16(p + 2, v >> 16); }

static void cap_start(struct cap *c)
{
    ww_pcap_file_header(c->b);
    c->n = WW_PCAP_FILE_HEADER;
}

static void cap_event(struct cap *c, const struct ww_event *ev)
{
    size_t n = ww_pcap_format(ev, c->b + c->n, sizeof c->b - c->n);
    CHECK(n > 0);
    c->n += n;
}

/* A record of raw frame bytes at T0 + us. */
static void cap_raw(struct cap *c, int64_t us, const uint8_t *frame, size_t len)
{
    le32(c->b + c->n, (uint32_t)(T0 + us / US));
    le32(c->b + c->n + 4, (uint32_t)(us % US));
    le32(c->b + c->n + 8, (uint32_t)len);
    le32(c->b + c->n + 12, (uint32_t)len);
    memcpy(c->b + c->n + 16, frame, len);
    c->n += 16 + len;
}

static struct ww_event ev4(int64_t us, uint8_t proto, uint8_t flags, int s, int d,
                           uint16_t sport, uint16_t dport)
{
    struct ww_event e;
    memset(&e, 0, sizeof e);
    uint8_t a[4] = {198, 51, 100, (uint8_t)s}, b[4] = {192, 0, 2, (uint8_t)d};
    ww_addr_from_v4(&e.src, a);
    ww_addr_from_v4(&e.dst, b);
    e.ts_us = T0 * US + us;
    e.proto = proto, e.tcpflags = flags, e.sport = sport, e.dport = dport, e.count = 1;
    return e;
}

/* The answer to e, `after` us later. */
static struct ww_event answer(const struct ww_event *e, int64_t after, uint8_t flags)
{
    struct ww_event r = *e;
    r.src = e->dst, r.dst = e->src, r.sport = e->dport, r.dport = e->sport;
    r.tcpflags = flags;
    r.ts_us += after;
    return r;
}

static uint64_t bad_n[8];
static char bad_why[8][128];
static size_t nbad;

static void on_bad(void *ctx, const char *file, uint64_t n, const char *why)
{
    (void)ctx;
    CHECK_STR(file, "mem.pcap");
    if (nbad < 8) bad_n[nbad] = n, snprintf(bad_why[nbad], sizeof bad_why[0], "%s", why);
    nbad++;
}

static struct ww_event got[256];
static struct ww_input_stats st;
static uint64_t err_line;
static char err[256];

/* Reads the capture: the number of events, then *rc_end its status at the
 * end (WW_OK, or WW_ERR_PARSE in strict mode). */
static size_t read_cap(const struct cap *c, const struct ww_input_opts *o, int *rc_end)
{
    memset(&st, 0, sizeof st);
    nbad = 0, err_line = 0, err[0] = 0;
    FILE *fp = fmemopen((void *)c->b, c->n, "rb");
    CHECK(fp != NULL);
    struct ww_pcap_reader *p = ww_pcap_open("mem.pcap", fp, o, &st, err, sizeof err);
    CHECK(p != NULL);
    if (!p) return 0;
    size_t n = 0;
    enum ww_err status = WW_OK, again = WW_OK;
    struct ww_event ev;
    while (ww_pcap_next(p, &ev, &status, &err_line, err, sizeof err)) {
        if (n < 256) got[n] = ev;
        n++;
    }
    *rc_end = (int)status;
    CHECK_INT(ww_pcap_next(p, &ev, &again, &err_line, err, sizeof err), 0); /* and stays there */
    CHECK_INT(again, status);
    ww_pcap_close(p);
    CHECK_INT(st.events, n);
    return n;
}

static void opts(struct ww_input_opts *o)
{
    ww_input_opts_init(o);
    o->on_bad = on_bad;
}

static void test_outcomes(void)
{
    struct ww_input_opts o;
    opts(&o);
    struct cap c;
    cap_start(&c);
    /* 1: SYN answered by SYN-ACK; 2: SYN answered by RST; 3: SYN unanswered;
     * 4: UDP answered; 5: echo answered; 6: a FIN probe; ARP between. */
    struct ww_event syn1 = ev4(0, WW_PROTO_TCP, WW_TH_SYN, 7, 1, 1800, 139);
    struct ww_event syn2 = ev4(1000, WW_PROTO_TCP, WW_TH_SYN, 7, 2, 1801, 445);
    struct ww_event syn3 = ev4(2000, WW_PROTO_TCP, WW_TH_SYN, 7, 3, 1802, 135);
    struct ww_event udp = ev4(3000, WW_PROTO_UDP, 0, 8, 1, 3333, 53);
    struct ww_event ping = ev4(4000, WW_PROTO_ICMP, 0, 9, 1, 8, 0);
    struct ww_event fin = ev4(5000, WW_PROTO_TCP, WW_TH_FIN, 10, 1, 4444, 22);
    struct ww_event a1 = answer(&syn1, 50000, WW_TH_SYN | WW_TH_ACK);
    struct ww_event a2 = answer(&syn2, 50000, WW_TH_RST | WW_TH_ACK);
    struct ww_event a4 = answer(&udp, 50000, 0);
    struct ww_event a5 = answer(&ping, 50000, 0);
    a5.sport = 0; /* echo reply */
    static const uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x0c, 1, 2, 3, 0x08, 0x06,
                                    0, 1, 8, 0, 6, 4, 0, 1};
    cap_event(&c, &syn1);
    cap_event(&c, &syn2);
    cap_event(&c, &syn3);
    cap_event(&c, &udp);
    cap_event(&c, &ping);
    cap_raw(&c, 4500, arp, sizeof arp);
    cap_event(&c, &fin);
    cap_event(&c, &a1);
    cap_event(&c, &a2);
    cap_event(&c, &a4);
    cap_event(&c, &a5);
    int rc;
    size_t n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 6);
    CHECK_INT(st.lines, 11);
    CHECK_INT(st.skipped, 0); /* ARP is not IP, not bad */
    CHECK_INT(nbad, 0);
    CHECK_INT(st.bytes, c.n - WW_PCAP_FILE_HEADER); /* each record's caplen + 16 */
    /* by (probe time) port: the outcome */
    static const struct { uint16_t dport; uint8_t outcome; int64_t us; } want[] = {
        {139, WW_OUTCOME_SUCCESS, 0}, {445, WW_OUTCOME_FAILURE, 1000}, {135, WW_OUTCOME_FAILURE, 2000},
        {53, WW_OUTCOME_SUCCESS, 3000}, {0, WW_OUTCOME_SUCCESS, 4000}, {22, WW_OUTCOME_UNKNOWN, 5000},
    };
    for (size_t k = 0; k < 6; k++) {
        int found = 0;
        for (size_t i = 0; i < n && i < 32; i++) {
            if (got[i].ts_us != T0 * US + want[k].us) continue;
            found = 1;
            CHECK_INT(got[i].dport, want[k].dport);
            CHECK_INT(got[i].outcome, want[k].outcome);
            CHECK_INT(got[i].count, 1);
        }
        CHECK(found);
    }
    /* The unanswered SYN is decided last (by the end of input), the rest when answered. */
    CHECK_INT(got[n - 1].dport, 135);
    CHECK_INT(got[0].dport, 22); /* a stealth probe is decided at once */
}

static void test_timeout(void)
{
    struct ww_input_opts o;
    opts(&o);
    o.flow_timeout_us = 1000000;
    struct cap c;
    cap_start(&c);
    struct ww_event s1 = ev4(0, WW_PROTO_TCP, WW_TH_SYN, 7, 1, 1800, 80);
    struct ww_event s2 = ev4(2500000, WW_PROTO_TCP, WW_TH_SYN, 7, 2, 1801, 80);
    struct ww_event late = answer(&s1, 2600000, WW_TH_SYN | WW_TH_ACK); /* after the timeout */
    cap_event(&c, &s1);
    cap_event(&c, &s2);
    cap_event(&c, &late);
    int rc;
    size_t n = read_cap(&c, &o, &rc);
    CHECK_INT(n, 2);
    CHECK_INT(got[0].ts_us, s1.ts_us);
    CHECK_INT(got[0].outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(got[1].ts_us, s2.ts_us);
}

static void test_bad_and_truncated(void)
{
    struct ww_input_opts o;
    opts(&o);
    struct cap c;
    cap_start(&c);
    struct ww_event syn = ev4(0, WW_PROTO_TCP, WW_TH_SYN, 7, 1, 1800, 139);
    struct ww_event ack = answer(&syn, 1000, WW_TH_SYN | WW_TH_ACK);
    struct ww_event syn2 = ev4(2000, WW_PROTO_TCP, WW_TH_SYN, 7, 2, 1801, 139);
    struct ww_event syn3 = ev4(3000, WW_PROTO_TCP, WW_TH_SYN, 7, 3, 1802, 139);
    /* Ethernet, IPv4, and 12 bytes of its header: malformed */
    uint8_t shortip[26] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45};
    cap_event(&c, &syn);
    cap_event(&c, &ack);
    cap_raw(&c, 1500, shortip, sizeof shortip);
    cap_event(&c, &syn2);
    size_t whole = c.n;
    cap_event(&c, &syn3);
    c.n -= 20; /* the last record cut off */
    int rc;

    /* lenient: the bad packet and the cut are one bad packet each */
    size_t n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 2);
    CHECK_INT(st.lines, 4);
    CHECK_INT(st.skipped, 2);
    CHECK_INT(nbad, 2);
    CHECK_INT(bad_n[0], 3);
    CHECK_STR(bad_why[0], "truncated IPv4 header");
    CHECK_INT(bad_n[1], 5);
    CHECK(!strncmp(bad_why[1], "truncated capture: ", 19));
    CHECK_INT(got[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(got[1].ts_us, syn2.ts_us);
    CHECK_INT(got[1].outcome, WW_OUTCOME_FAILURE);

    /* without the cut: one bad packet */
    struct cap c2 = c;
    c2.n = whole;
    n = read_cap(&c2, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 2);
    CHECK_INT(st.skipped, 1);

    /* strict: the events decided before the bad packet, then the error */
    o.strict = 1;
    n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, WW_ERR_PARSE);
    CHECK_INT(n, 1);
    CHECK_INT(got[0].dport, 139);
    CHECK_INT(got[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(err_line, 3);
    CHECK_STR(err, "truncated IPv4 header");
    CHECK_INT(st.lines, 3); /* nothing read after it */

    /* strict, cut only: syn2 still pending is flushed and delivered first */
    struct cap c3;
    cap_start(&c3);
    cap_event(&c3, &syn);
    cap_event(&c3, &syn2);
    cap_event(&c3, &syn3);
    c3.n -= 1;
    n = read_cap(&c3, &o, &rc);
    CHECK_INT(rc, WW_ERR_PARSE);
    CHECK_INT(n, 2);
    CHECK_INT(st.lines, 2);
    CHECK_INT(st.skipped, 1);
    CHECK_INT(err_line, 3);
    CHECK(!strncmp(err, "truncated capture: ", 19));
}

/* 30 SYNs, each answered two packets later (alternately SYN-ACK and RST),
 * a malformed packet after the 20th answer: every decision in packet order,
 * and in strict mode exactly the 20 decided before the bad packet. */
static void test_many_held(void)
{
    struct ww_input_opts o;
    opts(&o);
    struct cap c;
    cap_start(&c);
    uint8_t shortip[26] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45};
    struct ww_event syn[30];
    for (int i = 0; i < 30; i++) {
        syn[i] = ev4(i * 1000, WW_PROTO_TCP, WW_TH_SYN, 7, 1 + i % 5, (uint16_t)(2000 + i), 80);
        cap_event(&c, &syn[i]);
        if (i >= 2) {
            struct ww_event a = answer(&syn[i - 2], 900, i % 2 ? WW_TH_RST : WW_TH_SYN | WW_TH_ACK);
            a.ts_us = syn[i].ts_us + 500;
            cap_event(&c, &a);
        }
        if (i == 21) cap_raw(&c, i * 1000 + 700, shortip, sizeof shortip);
    }
    int rc;
    size_t n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 30);
    CHECK_INT(st.lines, 30 + 28 + 1);
    CHECK_INT(nbad, 1);
    CHECK_INT(bad_n[0], 22 + 20 + 1);
    for (int i = 0; i < 30; i++) {
        CHECK_INT(got[i].sport, 2000 + i); /* decided in probe order: answers, then the flush */
        CHECK_INT(got[i].outcome, i >= 28 || i % 2 ? WW_OUTCOME_FAILURE : WW_OUTCOME_SUCCESS);
    }
    o.strict = 1;
    n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, WW_ERR_PARSE);
    CHECK_INT(err_line, 43);
    /* 20 answered before the bad packet, then the flush: the two unanswered */
    CHECK_INT(n, 22);
    for (int i = 0; i < 22; i++) {
        CHECK_INT(got[i].sport, 2000 + i);
        CHECK_INT(got[i].outcome, i >= 20 || i % 2 ? WW_OUTCOME_FAILURE : WW_OUTCOME_SUCCESS);
    }
}

/* 50 SYNs answered at once (each event out before the next: the FIFO's
 * head moves on), then 100 never answered, decided together by the flush:
 * the FIFO grows past its 64 events with its head inside, and every event
 * still comes out in the order decided. */
static void test_fifo_wraps(void)
{
    struct ww_input_opts o;
    opts(&o);
    static struct cap c;
    cap_start(&c);
    for (int i = 0; i < 150; i++) {
        struct ww_event syn = ev4(i * 1000, WW_PROTO_TCP, WW_TH_SYN, 7, 1 + i % 5, (uint16_t)(2000 + i), 80);
        cap_event(&c, &syn);
        if (i < 50) {
            struct ww_event a = answer(&syn, 500, WW_TH_SYN | WW_TH_ACK);
            cap_event(&c, &a);
        }
    }
    int rc;
    size_t n = read_cap(&c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(n, 150);
    for (int i = 0; i < 150; i++) {
        CHECK_INT(got[i].sport, 2000 + i);
        CHECK_INT(got[i].outcome, i < 50 ? WW_OUTCOME_SUCCESS : WW_OUTCOME_FAILURE);
    }
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void be32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }

/* The records the reader takes itself (pcap.c own_next) and where it leaves
 * them to libpcap: a big-endian file, a record longer than the file's
 * snapshot length (libpcap keeps its first snaplen bytes and reads on),
 * and a capture of more than the reader's 1 MiB block (records split
 * across its refills). */
static void test_own_records(void)
{
    struct ww_input_opts o;
    opts(&o);
    struct cap c;
    int rc;
    struct ww_event syn1 = ev4(0, WW_PROTO_TCP, WW_TH_SYN, 7, 1, 1800, 139);
    struct ww_event syn2 = ev4(1000, WW_PROTO_TCP, WW_TH_SYN, 7, 2, 1801, 445);
    struct ww_event a1 = answer(&syn1, 500, WW_TH_SYN | WW_TH_ACK);

    /* big-endian: every header field byte-swapped, the same events */
    cap_start(&c);
    cap_event(&c, &syn1);
    cap_event(&c, &a1);
    cap_event(&c, &syn2);
    for (size_t at = 0; at < c.n;) {
        if (!at) {
            uint16_t maj = (uint16_t)(c.b[4] | c.b[5] << 8), min = (uint16_t)(c.b[6] | c.b[7] << 8);
            be32(c.b, rd32(c.b));
            c.b[4] = (uint8_t)(maj >> 8), c.b[5] = (uint8_t)maj, c.b[6] = (uint8_t)(min >> 8), c.b[7] = (uint8_t)min;
            for (int k = 8; k < 24; k += 4) be32(c.b + k, rd32(c.b + k));
            at = 24;
            continue;
        }
        uint32_t caplen = rd32(c.b + at + 8);
        for (int k = 0; k < 16; k += 4) be32(c.b + at + k, rd32(c.b + at + k));
        at += 16 + caplen;
    }
    CHECK_INT(read_cap(&c, &o, &rc), 2);
    CHECK_INT(rc, 0);
    CHECK_INT(got[0].sport, 1800);
    CHECK_INT(got[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(got[0].ts_us, syn1.ts_us);
    CHECK_INT(got[1].sport, 1801);
    CHECK_INT(got[1].outcome, WW_OUTCOME_FAILURE);

    /* snaplen 64: the SYN's record (62 bytes) is the reader's, the answer's
     * (74) libpcap's, cut to 64, and the SYN after it is read on */
    cap_start(&c);
    le32(c.b + 16, 64);
    cap_event(&c, &syn1);
    size_t at = c.n, synlen = at - WW_PCAP_FILE_HEADER; /* its record, header included */
    cap_event(&c, &a1);
    uint32_t flen = rd32(c.b + at + 8);
    CHECK(flen < 64);
    memset(c.b + c.n, 0, 74 - flen); /* a payload, past the headers */
    c.n += 74 - flen;
    le32(c.b + at + 8, 74), le32(c.b + at + 12, 74);
    cap_event(&c, &syn2);
    CHECK_INT(read_cap(&c, &o, &rc), 2);
    CHECK_INT(rc, 0);
    CHECK_INT(got[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(got[1].sport, 1801);
    CHECK_INT(st.lines, 3);
    CHECK_INT(synlen, 16 + 62);
    CHECK_INT(st.bytes, 2 * synlen + 16 + 64);

    /* 20,000 SYNs (1.4 MB), each its own flow */
    enum { NSYN = 20000 };
    size_t cap = WW_PCAP_FILE_HEADER + (size_t)NSYN * WW_WRITE_MAX, n = WW_PCAP_FILE_HEADER;
    uint8_t *big = malloc(cap);
    CHECK(big != NULL);
    if (!big) return;
    ww_pcap_file_header(big);
    for (int i = 0; i < NSYN; i++) {
        struct ww_event e = ev4(i, WW_PROTO_TCP, WW_TH_SYN, 7, 1 + i % 200, (uint16_t)(1024 + i / 200), 80);
        n += ww_pcap_format(&e, big + n, cap - n);
    }
    CHECK(n > (1u << 20) + 4096);
    memset(&st, 0, sizeof st);
    FILE *fp = fmemopen(big, n, "rb");
    struct ww_pcap_reader *p = ww_pcap_open("mem.pcap", fp, &o, &st, err, sizeof err);
    CHECK(p != NULL);
    enum ww_err status = WW_OK;
    struct ww_event ev;
    uint64_t events = 0, sum = 0, want = 0;
    while (p && ww_pcap_next(p, &ev, &status, &err_line, err, sizeof err)) {
        events++;
        sum += (uint64_t)ev.sport * 256 + ev.dst.b[15] + (uint64_t)(ev.ts_us - T0 * US) * 65536;
    }
    for (int i = 0; i < NSYN; i++)
        want += (uint64_t)(1024 + i / 200) * 256 + (uint64_t)(1 + i % 200) + (uint64_t)i * 65536;
    CHECK_INT(status, 0);
    CHECK_INT(events, NSYN);
    CHECK_INT(sum, want);
    CHECK_INT(st.lines, NSYN);
    CHECK_INT(st.bytes, n - WW_PCAP_FILE_HEADER);
    ww_pcap_close(p);
    free(big);
}

static void test_formats(void)
{
    struct ww_input_opts o;
    opts(&o);
    struct ww_event syn = ev4(123456, WW_PROTO_TCP, WW_TH_SYN, 7, 1, 1800, 139);
    uint8_t rec[WW_WRITE_MAX];
    size_t rn = ww_pcap_format(&syn, rec, sizeof rec), flen = rn - 16;
    int rc;

    /* nanosecond pcap: the stamp scaled to microseconds */
    struct cap c;
    cap_start(&c);
    static const uint8_t nsmagic[4] = {0x4d, 0x3c, 0xb2, 0xa1};
    memcpy(c.b, nsmagic, 4);
    memcpy(c.b + c.n, rec, rn);
    le32(c.b + c.n + 4, 123456789);
    c.n += rn;
    CHECK_INT(read_cap(&c, &o, &rc), 1);
    CHECK_INT(got[0].ts_us, T0 * US + 123456);

    /* pcapng: section header, interface (Ethernet), one enhanced packet */
    c.n = 0;
    uint8_t *b = c.b;
    le32(b, 0x0a0d0d0a), le32(b + 4, 28), le32(b + 8, 0x1a2b3c4d), le16(b + 12, 1), le16(b + 14, 0);
    memset(b + 16, 0xff, 8), le32(b + 24, 28);
    b += 28;
    le32(b, 1), le32(b + 4, 20), le16(b + 8, 1), le16(b + 10, 0), le32(b + 12, 65535), le32(b + 16, 20);
    b += 20;
    size_t padded = (flen + 3) & ~(size_t)3, blen = 32 + padded;
    uint64_t ts = (uint64_t)syn.ts_us;
    memset(b, 0, blen);
    le32(b, 6), le32(b + 4, (uint32_t)blen), le32(b + 8, 0);
    le32(b + 12, (uint32_t)(ts >> 32)), le32(b + 16, (uint32_t)ts);
    le32(b + 20, (uint32_t)flen), le32(b + 24, (uint32_t)flen);
    memcpy(b + 28, rec + 16, flen);
    le32(b + 28 + padded, (uint32_t)blen);
    c.n = 28 + 20 + blen;
    CHECK_INT(read_cap(&c, &o, &rc), 1);
    CHECK_INT(rc, 0);
    CHECK_INT(got[0].ts_us, syn.ts_us);
    CHECK_INT(got[0].dport, 139);
    CHECK_INT(st.bytes, flen + 16);

    /* refused: a link type we do not decode, and a header cut short */
    cap_start(&c);
    le32(c.b + 20, 105); /* IEEE 802.11 */
    FILE *fp = fmemopen(c.b, c.n, "rb");
    char e[256] = "";
    CHECK(ww_pcap_open("mem.pcap", fp, &o, &st, e, sizeof e) == NULL);
    CHECK(!strncmp(e, "unsupported link type 105 (", 27));
    fp = fmemopen(c.b, 12, "rb");
    e[0] = 0;
    CHECK(ww_pcap_open("mem.pcap", fp, &o, &st, e, sizeof e) == NULL);
    CHECK(e[0] != 0);
    /* an empty capture: no events, no error */
    cap_start(&c);
    CHECK_INT(read_cap(&c, &o, &rc), 0);
    CHECK_INT(rc, 0);
    CHECK_INT(st.lines, 0);
}

TEST_MAIN(
    test_outcomes();
    test_timeout();
    test_bad_and_truncated();
    test_many_held();
    test_fifo_wraps();
    test_formats();
    test_own_records();
)

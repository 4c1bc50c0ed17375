/* decode.c -- ww_pkt_decode on hand-built frames, and the pcap reader (via ww_input_file) on the
 * netns-nmap corpus capture (whole, and cut off mid-record). The corpus
 * numbers were counted independently with tcpdump -nr (see each CHECK). */
#include "test.h"
#include "core/err.h"
#include "ingest/input.h"
#include "core/mem.h"
#include "ingest/decode.h"
#include "core/synfp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- frame building ---- */

static uint8_t *put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return p + 2; }

static const uint8_t A4[4] = {192, 0, 2, 10}, B4[4] = {192, 0, 2, 50};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xaa, [15] = 0x10};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xaa, [15] = 0x50};

static uint8_t *eth(uint8_t *p, unsigned type)
{
    memset(p, 0xaa, 12);
    return put16(p + 12, type);
}

/* IPv4 header with `opt` 4-byte option words; payload length `pl`. */
static uint8_t *ip4(uint8_t *p, unsigned proto, const uint8_t *s, const uint8_t *d,
                    unsigned pl, unsigned opt, unsigned frag)
{
    unsigned hl = 20 + 4 * opt;
    memset(p, 0, hl);
    p[0] = (uint8_t)(0x40 | (hl / 4));
    put16(p + 2, hl + pl);
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = (uint8_t)proto;
    memcpy(p + 12, s, 4);
    memcpy(p + 16, d, 4);
    if (opt) memset(p + 20, 1, 4 * opt); /* NOPs */
    return p + hl;
}

static uint8_t *ip6(uint8_t *p, unsigned nh, const uint8_t *s, const uint8_t *d, unsigned pl)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    put16(p + 4, pl);
    p[6] = (uint8_t)nh;
    p[7] = 64;
    memcpy(p + 8, s, 16);
    memcpy(p + 24, d, 16);
    return p + 40;
}

static uint8_t *tcp(uint8_t *p, unsigned sp, unsigned dp, unsigned flags)
{
    memset(p, 0, 20);
    put16(p, sp);
    put16(p + 2, dp);
    p[12] = 0x50;
    p[13] = (uint8_t)flags;
    return p + 20;
}

static uint8_t *udp(uint8_t *p, unsigned sp, unsigned dp, unsigned pl)
{
    put16(p, sp);
    put16(p + 2, dp);
    put16(p + 4, 8 + pl);
    put16(p + 6, 0);
    return p + 8;
}

static const char *fmt(const struct ww_addr *a)
{
    static char b[4][WW_ADDR_STRLEN];
    static int k;
    k = (k + 1) & 3;
    return ww_addr_format(a, b[k]);
}

/* Decode a copy of exactly `len` bytes, so ASan sees any overread. */
static enum ww_pkt_rc dec(int lt, const uint8_t *f, size_t len, struct ww_pkt *p, const char **why)
{
    uint8_t *c = ww_malloc(len ? len : 1);
    memcpy(c, f, len);
    enum ww_pkt_rc rc = ww_pkt_decode(lt, c, len, p, why);
    ww_free(c);
    return rc;
}

/* Every strict prefix of a frame shorter than `need` must fail (BAD/SKIP);
 * none may crash. Returns how many prefixes decoded OK. */
static int prefixes(int lt, const uint8_t *f, size_t len, size_t need)
{
    int ok = 0;
    for (size_t n = 0; n < len; n++) {
        struct ww_pkt p;
        const char *why = NULL;
        enum ww_pkt_rc rc = dec(lt, f, n, &p, &why);
        if (rc == WW_PKT_OK) ok++;
        if (n < need) CHECK(rc != WW_PKT_OK);
        if (rc == WW_PKT_BAD) CHECK(why && *why);
    }
    return ok;
}

static void test_decode(void)
{
    uint8_t f[256], *q;
    struct ww_pkt p;
    const char *why;
    size_t n;

    /* Ethernet + 802.1ad + 802.1Q + IPv4 (one option word) + TCP SYN, padded */
    q = eth(f, 0x88a8);
    q = put16(q, 100); q = put16(q, 0x8100);
    q = put16(q, 200); q = put16(q, 0x0800);
    q = ip4(q, 6, A4, B4, 20, 1, 0x4000);
    q = tcp(q, 40523, 445, 0x02);
    n = (size_t)(q - f);
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_OK);
    CHECK_STR(fmt(&p.src), "192.0.2.10");
    CHECK_STR(fmt(&p.dst), "192.0.2.50");
    CHECK_INT(p.src.family, 4);
    CHECK_INT(p.sport, 40523);
    CHECK_INT(p.dport, 445);
    CHECK_INT(p.proto, 6);
    CHECK_INT(p.tcpflags, 0x02);
    CHECK_INT(p.has_inner, 0);
    CHECK_INT(prefixes(1, f, n, n), 0);
    memset(q, 0xee, 10); /* trailing garbage past the IP total length is ignored */
    CHECK_INT(dec(1, f, n + 10, &p, &why), WW_PKT_OK);
    CHECK_INT(p.dport, 445);

    /* IPv4 non-first fragment: SKIP; bad IHL: BAD */
    q = ip4(eth(f, 0x0800), 6, A4, B4, 20, 0, 0x0010);
    q = tcp(q, 1, 2, 0x02);
    n = (size_t)(q - f);
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_SKIP);
    f[14] = 0x44;
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_BAD);
    CHECK_STR(why, "bad IPv4 header length");
    f[14] = 0x4f; /* IHL 60 > what is there */
    CHECK_INT(dec(1, f, 40, &p, &why), WW_PKT_BAD);

    /* ARP and 802.3 frames: SKIP */
    q = eth(f, 0x0806);
    memset(q, 0, 28);
    CHECK_INT(dec(1, f, 42, &p, &why), WW_PKT_SKIP);
    eth(f, 0x0040);
    CHECK_INT(dec(1, f, 60, &p, &why), WW_PKT_SKIP);
    /* ethertype IPv4 with an IPv6 packet: BAD */
    q = ip6(eth(f, 0x0800), 59, A6, B6, 0);
    CHECK_INT(dec(1, f, (size_t)(q - f), &p, &why), WW_PKT_BAD);

    /* Linux SLL: IPv4 UDP */
    memset(f, 0, 16);
    put16(f + 14, 0x0800);
    q = ip4(f + 16, 17, B4, A4, 8, 0, 0);
    q = udp(q, 53, 33000, 0);
    n = (size_t)(q - f);
    CHECK_INT(dec(113, f, n, &p, &why), WW_PKT_OK);
    CHECK_STR(fmt(&p.src), "192.0.2.50");
    CHECK_INT(p.proto, 17);
    CHECK_INT(p.sport, 53);
    CHECK_INT(p.dport, 33000);
    CHECK_INT(prefixes(113, f, n, n), 0);
    put16(f + 14, 0x0806);
    CHECK_INT(dec(113, f, n, &p, &why), WW_PKT_SKIP);

    /* Linux SLL2: IPv6 UDP */
    memset(f, 0, 20);
    put16(f, 0x86dd);
    q = ip6(f + 20, 17, A6, B6, 8);
    q = udp(q, 49297, 161, 0);
    n = (size_t)(q - f);
    CHECK_INT(dec(276, f, n, &p, &why), WW_PKT_OK);
    CHECK_STR(fmt(&p.src), "2001:db8:aa::10");
    CHECK_STR(fmt(&p.dst), "2001:db8:aa::50");
    CHECK_INT(p.src.family, 6);
    CHECK_INT(p.proto, 17);
    CHECK_INT(p.dport, 161);
    CHECK_INT(prefixes(276, f, n, n), 0);

    /* raw IPv6 + hop-by-hop (8) + destination options (16) + TCP SYN-ACK */
    q = ip6(f, 0, B6, A6, 8 + 16 + 20);
    memset(q, 0, 24);
    q[0] = 60; q[1] = 0; q[2] = 5; q[3] = 2;    /* HBH: next = dest opts, router alert */
    q[8] = 6; q[9] = 1;                          /* dest opts: next = TCP, 16 bytes */
    q = tcp(q + 24, 443, 46708, 0x12);
    n = (size_t)(q - f);
    for (int lt = 0; lt < 3; lt++) {
        int lts[3] = {101, 12, 229};
        CHECK_INT(dec(lts[lt], f, n, &p, &why), WW_PKT_OK);
        CHECK_STR(fmt(&p.src), "2001:db8:aa::50");
        CHECK_INT(p.proto, 6);
        CHECK_INT(p.sport, 443);
        CHECK_INT(p.dport, 46708);
        CHECK_INT(p.tcpflags, 0x12);
    }
    CHECK_INT(prefixes(101, f, n, n), 0);
    CHECK_INT(dec(228, f, n, &p, &why), WW_PKT_BAD); /* LINKTYPE_IPV4 with IPv6 */

    /* IPv6 fragment header: first fragment decodes, later ones SKIP */
    q = ip6(f, 44, A6, B6, 8 + 20);
    memset(q, 0, 8);
    q[0] = 6;
    q = tcp(q + 8, 1000, 22, 0x02);
    n = (size_t)(q - f);
    CHECK_INT(dec(101, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.dport, 22);
    f[40 + 3] = 0x08; /* offset 1 */
    CHECK_INT(dec(101, f, n, &p, &why), WW_PKT_SKIP);

    /* AH then UDP; unknown protocol (GRE) has ports 0; no next header */
    q = ip6(f, 51, A6, B6, 16 + 8);
    memset(q, 0, 16);
    q[0] = 17; q[1] = 2; /* (2 + 2) * 4 = 16 bytes */
    q = udp(q + 16, 500, 500, 0);
    CHECK_INT(dec(101, f, (size_t)(q - f), &p, &why), WW_PKT_OK);
    CHECK_INT(p.proto, 17);
    CHECK_INT(p.sport, 500);
    q = ip4(f, 47, A4, B4, 4, 0, 0);
    memset(q, 0xff, 4);
    CHECK_INT(dec(101, f, 24, &p, &why), WW_PKT_OK);
    CHECK_INT(p.proto, 47);
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.dport, 0);
    ip6(f, 59, A6, B6, 0);
    CHECK_INT(dec(229, f, 40, &p, &why), WW_PKT_OK);
    CHECK_INT(p.proto, 59);

    /* ICMP port unreachable quoting a UDP probe (Ethernet) */
    q = ip4(eth(f, 0x0800), 1, B4, A4, 8 + 20 + 8, 0, 0);
    memset(q, 0, 8);
    q[0] = 3; q[1] = 3;
    q = ip4(q + 8, 17, A4, B4, 8, 0, 0);
    q = udp(q, 49297, 137, 0);
    n = (size_t)(q - f);
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.proto, 1);
    CHECK_INT(p.sport, 3);
    CHECK_INT(p.dport, 3);
    CHECK_INT(p.has_inner, 1);
    CHECK_INT(p.inner_proto, 17);
    CHECK_STR(fmt(&p.inner_src), "192.0.2.10");
    CHECK_STR(fmt(&p.inner_dst), "192.0.2.50");
    CHECK_INT(p.inner_sport, 49297);
    CHECK_INT(p.inner_dport, 137);
    /* cut anywhere before the ICMP header ends: not OK; cut inside the
     * quote: OK without inner, only the full quote has it */
    CHECK_INT(prefixes(1, f, n, 14 + 20 + 8), (int)(n - (14 + 20 + 8)));
    for (size_t k = 14 + 20 + 8; k < n; k++) {
        CHECK_INT(dec(1, f, k, &p, &why), WW_PKT_OK);
        CHECK_INT(p.has_inner, k >= n - 4); /* ports are the first 4 bytes */
    }

    /* ICMPv6 unreachable (raw) quoting a TCP SYN; echo request has no inner */
    q = ip6(f, 58, B6, A6, 8 + 40 + 8);
    memset(q, 0, 8);
    q[0] = 1; q[1] = 4;
    q = ip6(q + 8, 6, A6, B6, 20);
    put16(q, 60344); put16(q + 2, 199); memset(q + 4, 0, 4);
    n = (size_t)(q + 8 - f);
    CHECK_INT(dec(101, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.proto, 58);
    CHECK_INT(p.sport, 1);
    CHECK_INT(p.dport, 4);
    CHECK_INT(p.has_inner, 1);
    CHECK_INT(p.inner_proto, 6);
    CHECK_STR(fmt(&p.inner_src), "2001:db8:aa::10");
    CHECK_INT(p.inner_sport, 60344);
    CHECK_INT(p.inner_dport, 199);
    f[40] = 128;
    CHECK_INT(dec(101, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.sport, 128);
    CHECK_INT(p.has_inner, 0);

    /* BSD loopback: DLT_NULL little-endian AF_INET, DLT_LOOP big-endian AF_INET6 (24) */
    f[0] = 2; f[1] = f[2] = f[3] = 0;
    q = ip4(f + 4, 6, A4, B4, 20, 0, 0);
    q = tcp(q, 5, 6, 0x29);
    n = (size_t)(q - f);
    CHECK_INT(dec(0, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.tcpflags, 0x29);
    CHECK_INT(prefixes(0, f, n, n), 0);
    f[0] = f[1] = f[2] = 0; f[3] = 24;
    q = ip6(f + 4, 6, A6, B6, 20);
    q = tcp(q, 5, 6, 0x01);
    CHECK_INT(dec(108, f, (size_t)(q - f), &p, &why), WW_PKT_OK);
    CHECK_STR(fmt(&p.dst), "2001:db8:aa::50");
    f[3] = 7; /* AF 7: not IP */
    CHECK_INT(dec(108, f, (size_t)(q - f), &p, &why), WW_PKT_SKIP);

    CHECK_INT(dec(147, f, 60, &p, &why), WW_PKT_BAD);
    CHECK_STR(why, "unsupported link type");
    CHECK(ww_pkt_linktype_supported(276));
    CHECK(!ww_pkt_linktype_supported(147));
}

/* ---- the corpus capture ---- */

struct got {
    struct ww_event *ev;
    size_t n, cap;
    int bad_calls;
    uint64_t bad_line;
    char bad_why[256];
};

static void on_event(void *ctx, const struct ww_event *ev)
{
    struct got *g = ctx;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->ev = ww_realloc(g->ev, g->cap * sizeof *g->ev);
    }
    g->ev[g->n++] = *ev;
}

static void on_bad(void *ctx, const char *file, uint64_t line, const char *why)
{
    struct got *g = ctx;
    (void)file;
    g->bad_calls++;
    g->bad_line = line;
    snprintf(g->bad_why, sizeof g->bad_why, "%s", why);
}

static int run(const char *path, int strict, struct got *g, struct ww_input_stats *st,
               uint64_t *line)
{
    struct ww_input_opts o;
    char err[256] = "";
    ww_input_opts_init(&o);
    o.strict = strict;
    o.format = WW_FMT_PCAP; /* forced, so a non-capture is WW_ERR_FORMAT */
    o.on_event = on_event; o.event_ctx = g;
    o.on_bad = on_bad; o.bad_ctx = g;
    memset(g, 0, sizeof *g);
    memset(st, 0, sizeof *st);
    return ww_input_file(path, &o, st, NULL, line, err, sizeof err);
}

static const char *corpus(const char *rel)
{
    const char *path = corpus_path(rel);
    return access(path, R_OK) == 0 ? path : NULL;
}

static int is(const struct ww_addr *a, const char *text)
{
    struct ww_addr b;
    return ww_addr_parse(text, strlen(text), &b) == 0 && ww_addr_eq(a, &b);
}

static int ev_eq(const struct ww_event *a, const struct ww_event *b)
{
    return a->ts_us == b->ts_us && ww_addr_eq(&a->src, &b->src) && ww_addr_eq(&a->dst, &b->dst) &&
           a->sport == b->sport && a->dport == b->dport && a->proto == b->proto &&
           a->tcpflags == b->tcpflags && a->outcome == b->outcome && a->count == b->count;
}

static void test_corpus(void)
{
    if (!HAVE_CORPUS()) return;
    const char *path = corpus("netns-nmap/nmap_scans.pcap");
    CHECK(path != NULL);
    if (!path) return;
    struct got g;
    struct ww_input_stats st;
    uint64_t line = 0;
    CHECK_INT(run(path, 1, &g, &st, &line), WW_OK);
    CHECK_INT(st.lines, 1637);          /* tcpdump -nr | wc -l */
    CHECK_INT(st.skipped, 0);
    CHECK_INT(g.bad_calls, 0);
    CHECK_INT(st.events, g.n);
    /* tcpdump: .20 sends 30 SYNs to .50:443 on 30 distinct ports, 30 SYN-ACKs */
    int c20 = 0, c20ok = 0;
    /* .10: 600 SYN 5-tuples, SYN-ACK only for 443 (2); 14 UDP 5-tuples
     * (7 ports x 2 source ports, no answer); 202 XMAS (FIN PSH URG) tuples */
    int syn10 = 0, syn10ok = 0, syn10fail = 0, udp10 = 0, udp10fail = 0, xmas10 = 0, xmasunk = 0;
    /* 2001:db8:aa::10: connect scan of 1-200, 400 SYN 5-tuples, no answer */
    int v6 = 0, v6fail = 0, other = 0;
    for (size_t i = 0; i < g.n; i++) {
        const struct ww_event *e = &g.ev[i];
        CHECK_INT(e->count, 1);
        CHECK_INT(e->action, WW_ACTION_UNKNOWN);
        if (is(&e->src, "192.0.2.20")) {
            c20++;
            c20ok += e->outcome == WW_OUTCOME_SUCCESS && e->proto == 6 && e->tcpflags == 0x02 &&
                     e->dport == 443 && is(&e->dst, "192.0.2.50");
        } else if (is(&e->src, "192.0.2.10") && e->proto == 6 && e->tcpflags == 0x02) {
            syn10++;
            syn10ok += e->outcome == WW_OUTCOME_SUCCESS && e->dport == 443;
            syn10fail += e->outcome == WW_OUTCOME_FAILURE;
        } else if (is(&e->src, "192.0.2.10") && e->proto == 17) {
            udp10++;
            udp10fail += e->outcome == WW_OUTCOME_FAILURE;
        } else if (is(&e->src, "192.0.2.10") && e->proto == 6 && e->tcpflags == 0x29) {
            xmas10++;
            xmasunk += e->outcome == WW_OUTCOME_UNKNOWN;
        } else if (is(&e->src, "2001:db8:aa::10")) {
            v6++;
            v6fail += e->outcome == WW_OUTCOME_FAILURE && e->proto == 6 && e->tcpflags == 0x02 &&
                      e->dport >= 1 && e->dport <= 200;
        } else {
            other++;
        }
    }
    CHECK_INT(c20, 30);
    CHECK_INT(c20ok, 30);
    CHECK_INT(syn10, 600);
    CHECK_INT(syn10ok, 2);
    CHECK_INT(syn10fail, 598);
    CHECK_INT(udp10, 14);
    CHECK_INT(udp10fail, 14);
    CHECK_INT(xmas10, 202);
    CHECK_INT(xmasunk, 202);
    CHECK_INT(v6, 400);
    CHECK_INT(v6fail, 400);
    CHECK_INT(other, 0); /* neighbour/router discovery and MLD are not contacts */
    CHECK_INT(g.n, 1246);

    /* Cut the file mid-record: count the whole records before the cut. */
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = ww_malloc(1 << 20);
    size_t size = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    size_t cut = size / 2, off = 24, whole = 0;
    int64_t last_ts = 0;
    for (;;) {
        uint32_t incl = (uint32_t)buf[off + 8] | (uint32_t)buf[off + 9] << 8 |
                        (uint32_t)buf[off + 10] << 16 | (uint32_t)buf[off + 11] << 24;
        if (off + 16 + incl > cut) break;
        uint32_t sec = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
                       (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
        uint32_t usec = (uint32_t)buf[off + 4] | (uint32_t)buf[off + 5] << 8 |
                        (uint32_t)buf[off + 6] << 16 | (uint32_t)buf[off + 7] << 24;
        last_ts = (int64_t)sec * 1000000 + usec;
        off += 16 + incl;
        whole++;
    }
    if (off == cut) cut++; /* make sure the cut is inside a record */
    char tmp[] = "/tmp/ww_test_pkt_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, buf, cut), (long long)cut);
    close(fd);
    ww_free(buf);

    struct got t;
    CHECK_INT(run(tmp, 0, &t, &st, &line), WW_OK);
    CHECK_INT(st.lines, whole);
    CHECK_INT(st.skipped, 1);
    CHECK_INT(t.bad_calls, 1);
    CHECK_INT(t.bad_line, whole + 1);
    CHECK(!strncmp(t.bad_why, "truncated capture: ", 19));
    CHECK(t.n > 100);
    /* Every contact decided well before the cut is the same as in the full run. */
    size_t early_full = 0, early_cut = 0, same = 0;
    for (size_t i = 0; i < g.n; i++) early_full += g.ev[i].ts_us < last_ts - 3000000;
    for (size_t i = 0; i < t.n; i++) {
        if (t.ev[i].ts_us >= last_ts - 3000000) continue;
        early_cut++;
        for (size_t j = 0; j < g.n; j++)
            if (ev_eq(&t.ev[i], &g.ev[j])) { same++; break; }
    }
    CHECK(early_full > 100);
    CHECK_INT(early_cut, early_full);
    CHECK_INT(same, early_full);
    ww_free(t.ev);

    /* strict mode: the truncation is fatal, at the packet after the last whole one */
    CHECK_INT(run(tmp, 1, &t, &st, &line), WW_ERR_PARSE);
    CHECK_INT(line, whole + 1);
    CHECK_INT(st.lines, whole);
    CHECK(t.n > 100); /* what was read stays read */
    ww_free(t.ev);

    /* not a capture at all */
    fp = fopen(tmp, "wb");
    fputs("hello, world\n", fp);
    fclose(fp);
    CHECK_INT(run(tmp, 0, &t, &st, &line), WW_ERR_FORMAT);
    unlink(tmp);
    ww_free(g.ev);
}

/* A pcapng file (raw IPv4, nanosecond timestamps): SYN then SYN-ACK. */
static uint8_t *le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static void test_pcapng(void)
{
    uint8_t f[512], *q = f;
    q = le32(q, 0x0a0d0d0a); q = le32(q, 28); q = le32(q, 0x1a2b3c4d);   /* SHB */
    q = le32(q, 1); q = le32(q, 0xffffffff); q = le32(q, 0xffffffff); q = le32(q, 28);
    q = le32(q, 1); q = le32(q, 32); q = le32(q, 101 | 0u << 16); q = le32(q, 0); /* IDB */
    q = le32(q, 9 | 1u << 16); q = le32(q, 9); q = le32(q, 0); q = le32(q, 32);   /* if_tsresol 9 */
    for (int k = 0; k < 2; k++) {
        uint64_t ns = 1500000123ull + (uint64_t)k * 40000;
        q = le32(q, 6); q = le32(q, 32 + 40); q = le32(q, 0);                   /* EPB */
        q = le32(q, (uint32_t)(ns >> 32)); q = le32(q, (uint32_t)ns);
        q = le32(q, 40); q = le32(q, 40);
        uint8_t *pkt = ip4(q, 6, k ? B4 : A4, k ? A4 : B4, 20, 0, 0);
        tcp(pkt, k ? 22 : 5555, k ? 5555 : 22, k ? 0x12 : 0x02);
        q = le32(q + 40, 32 + 40);
    }
    char tmp[] = "/tmp/ww_test_pcapng_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, f, (size_t)(q - f)), (long long)(q - f));
    close(fd);
    struct got g;
    struct ww_input_stats st;
    uint64_t line = 0;
    CHECK_INT(run(tmp, 1, &g, &st, &line), WW_OK);
    CHECK_INT(st.lines, 2);
    CHECK_INT(st.bytes, 2 * (40 + 16));
    CHECK_INT(g.n, 1);
    if (g.n == 1) {
        CHECK_INT(g.ev[0].ts_us, 1500000);
        CHECK_INT(g.ev[0].dport, 22);
        CHECK_INT(g.ev[0].outcome, WW_OUTCOME_SUCCESS);
        CHECK(is(&g.ev[0].src, "192.0.2.10"));
    }
    unlink(tmp);
    ww_free(g.ev);
}

/* A SYN's fingerprint from hand-built headers: the IP header's ECN bits
 * (IPv4 TOS, IPv6 traffic class), IPv4 options, the flow label, a payload,
 * TCP options cut off by the capture (what was captured is read, with bad);
 * none on a SYN-ACK. */
static void test_fingerprint(void)
{
    uint8_t f[200], *q;
    struct ww_pkt p;
    const char *why;
    char t[WW_SYNFP_TEXT];
    static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};
    /* IPv4, one option word, TOS ECT(0), ID 7 without DF, 5 bytes of data */
    q = ip4(eth(f, 0x0800), 6, A4, B4, 24 + 5, 1, 0);
    f[14 + 1] = 2;
    put16(f + 14 + 4, 7);
    uint8_t *th = q;
    q = tcp(q, 1025, 139, WW_TH_SYN);
    th[12] = 0x60;
    put16(th + 14, 16384);
    th[4] = 1;
    memcpy(q, mss, 4);
    memset(q + 4, 'x', 5);
    size_t n = (size_t)(q + 9 - f);
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_OK);
    ww_synfp_format(&p.fp, t, sizeof t);
    CHECK_STR(t, "4:64:4:1460:16384,0:mss:ecn:+");
    /* ... captured up to the MSS's value: the option is cut, bad */
    CHECK_INT(dec(1, f, n - 5 - 2, &p, &why), WW_PKT_OK);
    ww_synfp_format(&p.fp, t, sizeof t);
    CHECK_STR(t, "4:64:4:0:16384,0:mss:ecn,bad:+");
    /* as a SYN-ACK: none */
    th[13] = WW_TH_SYN | WW_TH_ACK;
    CHECK_INT(dec(1, f, n, &p, &why), WW_PKT_OK);
    CHECK_INT(p.fp.flags, 0);
    /* IPv6: traffic class CE, a flow label, sequence number 0 */
    q = ip6(eth(f, 0x86dd), 6, A6, B6, 24);
    f[14 + 1] = 0x30 | 0x0a;
    f[14 + 3] = 0x01;
    th = q;
    q = tcp(q, 1025, 139, WW_TH_SYN);
    th[12] = 0x60;
    put16(th + 14, 28800);
    memcpy(q, mss, 4);
    CHECK_INT(dec(1, f, (size_t)(q + 4 - f), &p, &why), WW_PKT_OK);
    ww_synfp_format(&p.fp, t, sizeof t);
    CHECK_STR(t, "6:64:0:1460:28800,0:mss:ecn,flow,seq-:0");
}

TEST_MAIN({
    test_fingerprint();
    test_decode();
    test_corpus();
    test_pcapng();
})

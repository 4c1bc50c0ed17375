/* write_pcap.c -- lib/out/write_pcap.c: the file header's bytes; each
 * record's header, Ethernet, IPv4/IPv6 and TCP/UDP/ICMP/ICMPv6 fields read
 * back by offset and compared with ww_write_shape; every checksum verified
 * by a one's-complement sum written here (RFC 1071, with the pseudo-header
 * of RFC 793/768/4443); a whole file read back by libpcap and ingest's
 * decoder and capture reader (ww_pcap_open: first contacts); every buffer
 * size below a record's refused without a byte written. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "core/synfp.h"
#include "ingest/decode.h"
#include "ingest/input.h"
#include "ingest/pcap.h"
#include "out/write.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

static struct ww_event mk(const char *src, const char *dst, uint8_t proto, uint8_t flags,
                          uint16_t sport, uint16_t dport, int64_t us)
{
    struct ww_event e;
    memset(&e, 0, sizeof e);
    CHECK_INT(ww_addr_parse(src, strlen(src), &e.src), 0);
    CHECK_INT(ww_addr_parse(dst, strlen(dst), &e.dst), 0);
    e.ts_us = T0 * US + us;
    e.proto = proto, e.tcpflags = flags, e.sport = sport, e.dport = dport, e.count = 1;
    return e;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* One's-complement sum of n bytes, folded (0xffff = a correct checksum inside). */
static uint16_t ocsum(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) acc += i & 1 ? p[i] : (uint32_t)p[i] << 8;
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

static struct ww_event evs[10];
static size_t nevs;

static void events(void)
{
    nevs = 0;
    evs[nevs++] = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, WW_TH_SYN, 1800, 139, 1);
    evs[nevs++] = mk("192.0.2.1", "198.51.100.7", WW_PROTO_TCP, WW_TH_SYN | WW_TH_ACK, 139, 1800, 20000);
    evs[nevs++] = mk("198.51.100.8", "192.0.2.2", WW_PROTO_TCP, WW_TH_FIN | WW_TH_PSH | WW_TH_URG, 50000, 22, 30000);
    evs[nevs++] = mk("198.51.100.9", "192.0.2.3", WW_PROTO_UDP, 0, 3333, 1434, 40000);
    evs[nevs++] = mk("198.51.100.9", "192.0.2.3", WW_PROTO_UDP, 0, 3333, 4000, 40001);
    evs[nevs++] = mk("198.51.100.10", "192.0.2.4", WW_PROTO_ICMP, 0, 8, 0, 50000);
    evs[nevs++] = mk("198.51.100.10", "192.0.2.4", WW_PROTO_ICMP, 0, 3, 1, 50001);
    evs[nevs++] = mk("2001:db8::7", "2001:db8:1::1", WW_PROTO_TCP, WW_TH_SYN, 51000, 445, 60000);
    evs[nevs++] = mk("2001:db8::7", "2001:db8:1::1", WW_PROTO_ICMP6, 0, 128, 0, 70000);
    evs[nevs++] = mk("198.51.100.11", "192.0.2.5", 47, 0, 0, 0, 80000);
}

static void check_record(const struct ww_event *e, const uint8_t *r, size_t n)
{
    struct ww_write_shape sh;
    ww_write_shape(e, &sh);
    int v6 = e->src.family == 6;
    size_t iphl = v6 ? 40 : 20u + sh.ipoptlen;
    if (e->proto == WW_PROTO_TCP && sh.optlen % 4) { /* padded to whole words */
        sh.l4len = (uint16_t)(sh.l4len + 4 - sh.optlen % 4);
        sh.optlen = (uint8_t)(sh.optlen + 4 - sh.optlen % 4);
    }
    CHECK_INT(n, 16 + 14 + iphl + sh.l4len);
    CHECK_INT(le32(r), e->ts_us / US);
    CHECK_INT(le32(r + 4), e->ts_us % US);
    CHECK_INT(le32(r + 8), n - 16);
    CHECK_INT(le32(r + 12), n - 16);
    const uint8_t *eth = r + 16, *ip = eth + 14, *l4 = ip + iphl;
    CHECK(!memcmp(eth, sh.dmac, 6) && !memcmp(eth + 6, sh.smac, 6));
    CHECK_INT(be16(eth + 12), v6 ? 0x86dd : 0x0800);
    uint32_t pseudo;
    if (v6) {
        CHECK_INT(ip[0] >> 4, 6);
        CHECK_INT(be32(ip) & 0xfffff, sh.flow);
        CHECK_INT(be16(ip + 4), sh.l4len);
        CHECK_INT(ip[6], e->proto);
        CHECK_INT(ip[7], sh.ttl);
        CHECK(!memcmp(ip + 8, e->src.b, 16) && !memcmp(ip + 24, e->dst.b, 16));
        pseudo = ocsum(0, ip + 8, 32) + sh.l4len + e->proto;
    } else {
        CHECK_INT(ip[0], 0x40 | iphl / 4);
        CHECK_INT(be16(ip + 2), iphl + sh.l4len);
        CHECK_INT(be16(ip + 4), sh.ipid);
        CHECK_INT(be16(ip + 6), (sh.df ? 0x4000 : 0) | (sh.mbz ? 0x8000 : 0));
        CHECK_INT(ip[8], sh.ttl);
        CHECK_INT(ip[9], e->proto);
        CHECK(!memcmp(ip + 12, e->src.b + 12, 4) && !memcmp(ip + 16, e->dst.b + 12, 4));
        CHECK_INT(ocsum(0, ip, iphl), 0xffff);
        pseudo = ocsum(0, ip + 12, 8) + sh.l4len + e->proto;
    }
    switch (e->proto) {
    case WW_PROTO_TCP:
        CHECK_INT(be16(l4), e->sport);
        CHECK_INT(be16(l4 + 2), e->dport);
        CHECK_INT(be32(l4 + 4), sh.seq);
        CHECK_INT(be32(l4 + 8), sh.ack);
        CHECK_INT(l4[12] >> 4, (20 + sh.optlen) / 4);
        CHECK_INT(l4[12] & 15, sh.res);
        CHECK_INT(l4[13], sh.tcpflags);
        CHECK_INT(be16(l4 + 14), sh.window);
        CHECK_INT(be16(l4 + 18), sh.urgp);
        CHECK(!memcmp(l4 + 20, sh.opt, sh.optlen));
        if (!e->fp.flags && sh.optlen) CHECK(l4[20] == 2 && l4[21] == 4 && be16(l4 + 22) == 1460);
        if (!e->fp.flags && sh.optlen == 8)
            CHECK(l4[24] == 1 && l4[25] == 1 && l4[26] == 4 && l4[27] == 2);
        CHECK_INT(ocsum(pseudo, l4, sh.l4len), 0xffff);
        break;
    case WW_PROTO_UDP:
        CHECK_INT(be16(l4), e->sport);
        CHECK_INT(be16(l4 + 2), e->dport);
        CHECK_INT(be16(l4 + 4), sh.l4len);
        CHECK(be16(l4 + 6) != 0); /* 0 would mean "no checksum" */
        CHECK_INT(ocsum(pseudo, l4, sh.l4len), 0xffff);
        if (e->dport == 1434) CHECK(sh.l4len == 8 + 376 && l4[8] == 0x04);
        break;
    case WW_PROTO_ICMP:
    case WW_PROTO_ICMP6:
        CHECK_INT(l4[0], e->sport);
        CHECK_INT(l4[1], e->dport);
        CHECK_INT(ocsum(e->proto == WW_PROTO_ICMP6 ? pseudo : 0, l4, sh.l4len), 0xffff);
        if (sh.payload) {
            CHECK_INT(be32(l4 + 4), sh.echo);
            CHECK(sh.payload == 32 && !memcmp(l4 + 8, "abcdefghijklmnopqrstuvwabcdefghi", 32));
        }
        break;
    default:
        CHECK_INT(sh.l4len, 0);
    }
}

static void test_header(void)
{
    uint8_t h[WW_PCAP_FILE_HEADER];
    ww_pcap_file_header(h);
    static const uint8_t want[WW_PCAP_FILE_HEADER] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                                      0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
    CHECK(!memcmp(h, want, sizeof h));
}

static void test_records(void)
{
    events();
    uint8_t rec[WW_WRITE_MAX];
    for (size_t i = 0; i < nevs; i++) {
        size_t n = ww_pcap_format(&evs[i], rec, sizeof rec);
        CHECK(n > 16);
        check_record(&evs[i], rec, n);
        struct ww_pkt p;
        const char *why;
        CHECK_INT(ww_pkt_decode(1, rec + 16, n - 16, &p, &why), WW_PKT_OK);
        CHECK(ww_addr_eq(&p.src, &evs[i].src) && ww_addr_eq(&p.dst, &evs[i].dst));
        CHECK(p.proto == evs[i].proto && p.sport == evs[i].sport && p.dport == evs[i].dport);
        /* every size below the record's: 0, and not a byte written */
        long bad = 0;
        for (size_t size = 0; size < n; size++) {
            memset(rec, 0x5a, sizeof rec);
            bad += ww_pcap_format(&evs[i], rec, size) != 0;
            for (size_t k = 0; k < sizeof rec; k++) bad += rec[k] != 0x5a;
        }
        CHECK_INT(bad, 0);
        CHECK_INT(ww_pcap_format(&evs[i], rec, n), n);
    }
    /* a stamp before 1970 is written as 0; two families, or none: nothing */
    struct ww_event e = evs[0];
    e.ts_us = -5;
    CHECK(ww_pcap_format(&e, rec, sizeof rec) > 0);
    CHECK(le32(rec) == 0 && le32(rec + 4) == 0);
    e.dst = evs[7].dst;
    CHECK_INT(ww_pcap_format(&e, rec, sizeof rec), 0);
    memset(&e, 0, sizeof e);
    CHECK_INT(ww_pcap_format(&e, rec, sizeof rec), 0);
}

static void test_file(void)
{
    events();
    static uint8_t file[16384];
    size_t n = WW_PCAP_FILE_HEADER;
    ww_pcap_file_header(file);
    for (size_t i = 0; i < nevs; i++) n += ww_pcap_format(&evs[i], file + n, sizeof file - n);

    /* libpcap reads it: Ethernet, every record, stamps to the microsecond */
    char perr[PCAP_ERRBUF_SIZE];
    FILE *fp = fmemopen(file, n, "rb");
    pcap_t *pc = pcap_fopen_offline(fp, perr);
    CHECK(pc != NULL);
    if (pc) {
        CHECK_INT(pcap_datalink(pc), DLT_EN10MB);
        CHECK_INT(pcap_snapshot(pc), 65535);
        struct pcap_pkthdr *h;
        const u_char *d;
        size_t k = 0;
        while (pcap_next_ex(pc, &h, &d) == 1) {
            if (k < nevs) CHECK_INT((int64_t)h->ts.tv_sec * US + h->ts.tv_usec, evs[k].ts_us);
            CHECK_INT(h->caplen, h->len);
            k++;
        }
        CHECK_INT(k, nevs);
        pcap_close(pc);
    }

    /* ingest's capture reader: the first contacts. The SYN is answered
     * (success), the FIN probe has no outcome, the rest wait and fail. */
    struct ww_input_opts o;
    ww_input_opts_init(&o);
    fp = fmemopen(file, n, "rb");
    char err[256];
    struct ww_input_stats st = {0};
    struct ww_pcap_reader *r = ww_pcap_open("mem.pcap", fp, &o, &st, err, sizeof err);
    CHECK(r != NULL);
    if (!r) return;
    struct ww_event ev;
    uint64_t line;
    enum ww_err rc = WW_OK;
    int events = 0, syn_ok = 0, fin_unknown = 0, unasked = 0;
    while (ww_pcap_next(r, &ev, &rc, &line, err, sizeof err)) {
        events++;
        syn_ok += ev.dport == 139 && ev.outcome == WW_OUTCOME_SUCCESS;
        fin_unknown += ev.dport == 22 && ev.outcome == WW_OUTCOME_UNKNOWN;
        unasked += ev.proto == WW_PROTO_ICMP && ev.sport == 3 && ev.outcome == WW_OUTCOME_UNKNOWN;
    }
    CHECK_INT(rc, WW_OK);
    /* the SYN-ACK answers the SYN, no contact; the ICMP unreachable quotes
     * nothing: unasked (backscatter), a contact of its own */
    CHECK_INT(events, (int)nevs - 1);
    CHECK_INT(syn_ok, 1);
    CHECK_INT(fin_unknown, 1);
    CHECK_INT(unasked, 1);
    CHECK_INT(st.lines, nevs);
    CHECK_INT(st.skipped, 0);
    CHECK_INT(st.bytes, n - WW_PCAP_FILE_HEADER);
    ww_pcap_close(r);
}

/* A SYN's fingerprint survives the frame: decode(write(ev)).fp == ev.fp,
 * for stacks' layouts (whole words of options, as stacks send them) and
 * every quirk a header can carry, IPv4 options, a payload; a fingerprint
 * from a log (no options, no sequence numbers) comes back with those made
 * definite and the rest as it was. */
static void test_fingerprint(void)
{
    static const char *const fps[] = {
        "4:113:0:1460:65535,0:mss,nop,nop,sok:df,id+:0",
        "4:57:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0",
        "4:41:0:1460:1024,0:mss::0",
        "4:50:0:1460:3072,0:mss:id-,seq-,ack+:0",
        "4:64:0:1460:65535,3:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
        "4:64:4:536:8192,0:mss:df,ecn,0+,uptr+,pushf+:+",
        "4:64:0:0:512,0::ack+:0",
        "4:64:0:1460:65535,15:mss,nop,ws,?30,eol+1:df,opt+,exws:0",
        "6:57:0:1440:28800,7:mss,sok,ts,nop,ws:flow:0",
        "6:64:0:1460:1024,0:mss,nop,nop,ts:ecn,urgf+,ts1-,ts2+:0",
    };
    uint8_t rec[WW_WRITE_MAX];
    for (size_t i = 0; i < sizeof fps / sizeof fps[0] + 1; i++) {
        const char *want = i < sizeof fps / sizeof fps[0] ? fps[i] : "4:128:0:1460:8192,0:mss,nop,nop,sok:df,id+:0";
        const char *fp = i < sizeof fps / sizeof fps[0] ? fps[i] : "4:128:0:*:8192,*:*:df,id+,?seq:*";
        int v6 = fp[0] == '6';
        struct ww_event e = mk(v6 ? "2001:db8::7" : "198.51.100.7", v6 ? "2001:db8::1" : "203.0.113.9",
                               WW_PROTO_TCP, WW_TH_SYN, 3345, 139, 5);
        struct ww_pkt p;
        const char *why;
        char t[WW_SYNFP_TEXT];
        CHECK_INT(ww_synfp_parse(fp, strlen(fp), &e.fp), WW_OK);
        size_t n = ww_pcap_format(&e, rec, sizeof rec);
        CHECK(n > 16);
        check_record(&e, rec, n);
        CHECK_INT(ww_pkt_decode(1, rec + 16, n - 16, &p, &why), WW_PKT_OK);
        ww_synfp_format(&p.fp, t, sizeof t);
        CHECK_STR(t, want);
        if (fp == want) CHECK(!memcmp(&p.fp, &e.fp, sizeof e.fp));
    }
}

TEST_MAIN(
    test_header();
    test_records();
    test_file();
    test_fingerprint();
)

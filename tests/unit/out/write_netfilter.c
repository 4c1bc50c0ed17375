/* write_netfilter.c -- lib/out/write_netfilter.c: ww_netfilter_format's
 * whole line for each protocol family checked against one built here with
 * printf from ww_write_shape (so the cursor code is checked by other code),
 * round trips through ingest's ww_parse_netfilter (every TCP flag byte, v4
 * and v6, UDP, ICMP, ICMPv6, other protocols, each action, microsecond
 * stamps from 1970 to 9999), sniffing, and every buffer size up to the
 * line's (0, and nothing written past the size). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "core/synfp.h"
#include "ingest/format.h"
#include "ingest/parse.h"
#include "out/write.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

static struct ww_event mk(const char *src, const char *dst, uint8_t proto, uint8_t flags,
                          uint16_t sport, uint16_t dport)
{
    struct ww_event e;
    memset(&e, 0, sizeof e);
    CHECK_INT(ww_addr_parse(src, strlen(src), &e.src), 0);
    CHECK_INT(ww_addr_parse(dst, strlen(dst), &e.dst), 0);
    e.ts_us = (T0 + 1) * US + 234567;
    e.proto = proto, e.tcpflags = flags, e.sport = sport, e.dport = dport;
    e.count = 1, e.action = WW_ACTION_DROP;
    return e;
}

static int same(const struct ww_event *a, const struct ww_event *b)
{
    return a->ts_us == b->ts_us && ww_addr_eq(&a->src, &b->src) && ww_addr_eq(&a->dst, &b->dst) &&
           a->sport == b->sport && a->dport == b->dport && a->proto == b->proto &&
           a->tcpflags == b->tcpflags && a->action == b->action && b->count == 1;
}

static char *mac(const struct ww_write_shape *sh, int v6, char *b)
{
    snprintf(b, 64, "%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x:%s",
             sh->dmac[0], sh->dmac[1], sh->dmac[2], sh->dmac[3], sh->dmac[4], sh->dmac[5],
             sh->smac[0], sh->smac[1], sh->smac[2], sh->smac[3], sh->smac[4], sh->smac[5],
             v6 ? "86:dd" : "08:00");
    return b;
}

static void test_exact(void)
{
    char line[WW_WRITE_MAX], want[WW_WRITE_MAX], m[64];
    struct ww_write_shape sh;
    const char *stamp = "2006-08-01T00:00:01.234567+00:00";

    struct ww_event syn = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, WW_TH_SYN, 1800, 139);
    ww_write_shape(&syn, &sh);
    snprintf(want, sizeof want, "%s sensor-03 kernel: DROP IN=eth0 OUT= MAC=%s SRC=198.51.100.7 "
             "DST=192.0.2.1 LEN=48 TOS=0x00 PREC=0x00 TTL=%u ID=%u DF PROTO=TCP SPT=1800 DPT=139 "
             "WINDOW=%u RES=0x00 SYN URGP=0 \n", stamp, mac(&sh, 0, m), sh.ttl, sh.ipid, sh.window);
    CHECK_INT(ww_netfilter_format(&syn, "sensor-03", line, sizeof line), strlen(want));
    CHECK_STR(line, want);
    CHECK_INT(sh.optlen, 8);

    struct ww_event xmas = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, 0xff, 1800, 22);
    xmas.action = WW_ACTION_ACCEPT;
    ww_write_shape(&xmas, &sh);
    snprintf(want, sizeof want, "%s localhost kernel: ACCEPT IN=eth0 OUT= MAC=%s SRC=198.51.100.7 "
             "DST=192.0.2.1 LEN=44 TOS=0x00 PREC=0x00 TTL=%u ID=%u DF PROTO=TCP SPT=1800 DPT=22 "
             "WINDOW=%u RES=0x00 CWR ECE URG ACK PSH RST SYN FIN URGP=0 \n", stamp, mac(&sh, 0, m),
             sh.ttl, sh.ipid, sh.window);
    ww_netfilter_format(&xmas, NULL, line, sizeof line);
    CHECK_STR(line, want);
    ww_netfilter_format(&xmas, "", line, sizeof line);
    CHECK_STR(line, want);

    struct ww_event udp = mk("198.51.100.7", "192.0.2.1", WW_PROTO_UDP, 0, 3333, 1434);
    udp.action = WW_ACTION_UNKNOWN;
    ww_write_shape(&udp, &sh);
    snprintf(want, sizeof want, "%s h kernel: IN=eth0 OUT= MAC=%s SRC=198.51.100.7 DST=192.0.2.1 "
             "LEN=404 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=UDP SPT=3333 DPT=1434 LEN=384 \n",
             stamp, mac(&sh, 0, m), sh.ttl, sh.ipid);
    ww_netfilter_format(&udp, "h", line, sizeof line);
    CHECK_STR(line, want);

    struct ww_event ping = mk("198.51.100.7", "192.0.2.1", WW_PROTO_ICMP, 0, 8, 0);
    ww_write_shape(&ping, &sh);
    snprintf(want, sizeof want, "%s h kernel: DROP IN=eth0 OUT= MAC=%s SRC=198.51.100.7 DST=192.0.2.1 "
             "LEN=60 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=ICMP TYPE=8 CODE=0 ID=%u SEQ=%u \n",
             stamp, mac(&sh, 0, m), sh.ttl, sh.ipid, sh.echo >> 16, sh.echo & 0xffff);
    ww_netfilter_format(&ping, "h", line, sizeof line);
    CHECK_STR(line, want);
    struct ww_event unreach = mk("198.51.100.7", "192.0.2.1", WW_PROTO_ICMP, 0, 3, 3);
    ww_write_shape(&unreach, &sh);
    snprintf(want, sizeof want, "%s h kernel: DROP IN=eth0 OUT= MAC=%s SRC=198.51.100.7 DST=192.0.2.1 "
             "LEN=28 TOS=0x00 PREC=0x00 TTL=%u ID=%u PROTO=ICMP TYPE=3 CODE=3 \n",
             stamp, mac(&sh, 0, m), sh.ttl, sh.ipid);
    ww_netfilter_format(&unreach, "h", line, sizeof line);
    CHECK_STR(line, want);

    struct ww_event v6 = mk("2001:db8::7", "2001:db8:1::1", WW_PROTO_TCP, WW_TH_SYN | WW_TH_ACK, 445, 51000);
    ww_write_shape(&v6, &sh);
    snprintf(want, sizeof want, "%s h kernel: DROP IN=eth0 OUT= MAC=%s "
             "SRC=2001:0db8:0000:0000:0000:0000:0000:0007 DST=2001:0db8:0001:0000:0000:0000:0000:0001 "
             "LEN=64 TC=0 HOPLIMIT=%u FLOWLBL=0 PROTO=TCP SPT=445 DPT=51000 WINDOW=8192 RES=0x00 "
             "ACK SYN URGP=0 \n", stamp, mac(&sh, 1, m), sh.ttl);
    ww_netfilter_format(&v6, "h", line, sizeof line);
    CHECK_STR(line, want);

    struct ww_event gre = mk("2001:db8::7", "2001:db8:1::1", 47, 0, 0, 0);
    ww_write_shape(&gre, &sh);
    snprintf(want, sizeof want, "%s h kernel: DROP IN=eth0 OUT= MAC=%s "
             "SRC=2001:0db8:0000:0000:0000:0000:0000:0007 DST=2001:0db8:0001:0000:0000:0000:0000:0001 "
             "LEN=40 TC=0 HOPLIMIT=%u FLOWLBL=0 PROTO=47 \n", stamp, mac(&sh, 1, m), sh.ttl);
    ww_netfilter_format(&gre, "h", line, sizeof line);
    CHECK_STR(line, want);

    /* the same event gives the same bytes; the shape depends on the event */
    char again[WW_WRITE_MAX];
    ww_netfilter_format(&gre, "h", again, sizeof again);
    CHECK_STR(again, line);
    /* addresses of two families, or none: nothing */
    struct ww_event mixed = mk("198.51.100.7", "2001:db8::1", WW_PROTO_UDP, 0, 1, 2);
    CHECK_INT(ww_netfilter_format(&mixed, "h", line, sizeof line), 0);
    memset(&mixed, 0, sizeof mixed);
    CHECK_INT(ww_netfilter_format(&mixed, "h", line, sizeof line), 0);
}

static void test_roundtrip(void)
{
    struct ww_parse_ctx ctx;
    ww_parse_ctx_init(&ctx);
    char line[WW_WRITE_MAX];
    struct ww_event back;
    const char *why;
    long bad = 0, n = 0;
    static const char *const addrs[2][2] = {{"198.51.100.7", "192.0.2.1"},
                                            {"2001:db8:77::7", "fe80::1"}};
    static const uint8_t actions[3] = {WW_ACTION_DROP, WW_ACTION_ACCEPT, WW_ACTION_UNKNOWN};
    for (int fam = 0; fam < 2; fam++) {
        for (unsigned f = 0; f < 256; f++, n++) {
            struct ww_event e = mk(addrs[fam][0], addrs[fam][1], WW_PROTO_TCP, (uint8_t)f,
                                   (uint16_t)(f * 251), (uint16_t)(65535 - f));
            e.action = actions[f % 3];
            e.ts_us += (int64_t)f * 86400 * 3671 * US + f; /* up to the year 4500, microseconds */
            size_t len = ww_netfilter_format(&e, "sensor-01", line, sizeof line);
            int ok = len > 0 && ww_format_sniff((const unsigned char *)line, len) == WW_FMT_NETFILTER &&
                     ww_parse_netfilter(&ctx, line, len - 1, &back, &why) == WW_PARSE_EVENT &&
                     same(&e, &back);
            if (!ok) fprintf(stderr, "round trip failed: %s", line);
            bad += !ok;
        }
        static const uint8_t protos[] = {WW_PROTO_UDP, WW_PROTO_ICMP, 47, 132, 2, 0, 255};
        for (size_t i = 0; i < sizeof protos; i++) {
            for (unsigned t = 0; t < 256; t += 17, n++) {
                uint8_t p = protos[i] == WW_PROTO_ICMP && fam ? WW_PROTO_ICMP6 : protos[i];
                int ports = p == WW_PROTO_UDP || p == WW_PROTO_ICMP || p == WW_PROTO_ICMP6;
                struct ww_event e = mk(addrs[fam][0], addrs[fam][1], p, 0,
                                       ports ? (uint16_t)t : 0, ports ? (uint16_t)(t % 16) : 0);
                size_t len = ww_netfilter_format(&e, "s", line, sizeof line);
                int ok = len > 0 && ww_parse_netfilter(&ctx, line, len - 1, &back, &why) == WW_PARSE_EVENT &&
                         same(&e, &back);
                if (!ok) fprintf(stderr, "round trip failed: %s", line);
                bad += !ok;
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(n > 700);
    /* the ends of the calendar */
    struct ww_event e = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, WW_TH_SYN, 1, 2);
    e.ts_us = 0;
    ww_netfilter_format(&e, "h", line, sizeof line);
    CHECK(!strncmp(line, "1970-01-01T00:00:00.000000+00:00 h kernel: ", 43));
    e.ts_us = 253402300799LL * US + 999999;
    size_t len = ww_netfilter_format(&e, "h", line, sizeof line);
    CHECK(!strncmp(line, "9999-12-31T23:59:59.999999+00:00 h kernel: ", 43));
    CHECK(ww_parse_netfilter(&ctx, line, len - 1, &back, &why) == WW_PARSE_EVENT && same(&e, &back));
}

static void test_sizes(void)
{
    struct ww_event e = mk("2001:db8::7", "2001:db8:1::1", WW_PROTO_TCP, 0xff, 65535, 65535);
    char line[WW_WRITE_MAX], buf[WW_WRITE_MAX + 1];
    size_t n = ww_netfilter_format(&e, "a-rather-long-host-name.example.org", line, sizeof line);
    CHECK(n > 300 && n < WW_WRITE_MAX);
    long bad = 0;
    for (size_t size = 0; size <= n; size++) { /* no room for the NUL: 0 too */
        memset(buf, '#', sizeof buf);
        bad += ww_netfilter_format(&e, "a-rather-long-host-name.example.org", buf, size) != 0;
        for (size_t i = size; i < sizeof buf; i++) bad += buf[i] != '#';
    }
    CHECK_INT(bad, 0);
    CHECK_INT(ww_netfilter_format(&e, "a-rather-long-host-name.example.org", buf, n + 1), n);
    CHECK_STR(buf, line);
}

/* A SYN's fingerprint survives the line: parse(write(ev)).fp == ev.fp, for
 * stacks' layouts, every quirk a line can show, IPv4 options, a payload,
 * sequence numbers logged or not, a fingerprint without options. */
static void test_fingerprint(void)
{
    static const char *const fps[] = {
        "4:113:0:1460:65535,0:mss,nop,nop,sok:df,id+,?seq:0",          /* Windows XP */
        "4:57:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0",               /* Linux */
        "4:41:0:1460:1024,0:mss::0",                                    /* nmap -sS */
        "4:50:0:1460:3072,0:mss:id-,seq-,ack+:0",
        "4:64:0:1460:65535,3:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0", /* OpenBSD */
        "4:128:0:*:8192,*:*:df,id+,?seq:*",                             /* a log without options */
        "4:64:4:536:8192,0:mss:df,ecn,0+,uptr+,pushf+,?seq:+",
        "4:64:0:0:512,0::ack+:0",                                       /* hping3 */
        "4:64:0:1460:65535,15:mss,nop,ws,?30,eol+1:df,opt+,exws:0",
        "6:57:0:1440:28800,7:mss,sok,ts,nop,ws:flow:0",
        "6:64:0:1460:1024,0:mss,ts:ecn,urgf+,ts1-,ts2+,?seq:0",
        "6:255:0:*:1024,*:*:?seq:*",
    };
    struct ww_parse_ctx ctx;
    ww_parse_ctx_init(&ctx);
    for (size_t i = 0; i < sizeof fps / sizeof fps[0]; i++) {
        int v6 = fps[i][0] == '6';
        struct ww_event e = mk(v6 ? "2001:db8::7" : "198.51.100.7", v6 ? "2001:db8::1" : "203.0.113.9",
                               WW_PROTO_TCP, WW_TH_SYN, 3345, 139), back;
        char line[WW_WRITE_MAX], t[WW_SYNFP_TEXT];
        const char *why = NULL;
        CHECK_INT(ww_synfp_parse(fps[i], strlen(fps[i]), &e.fp), WW_OK);
        size_t len = ww_netfilter_format(&e, "fw", line, sizeof line);
        CHECK(len > 0);
        CHECK_INT(ww_parse_netfilter(&ctx, line, len - 1, &back, &why), WW_PARSE_EVENT);
        ww_synfp_format(&back.fp, t, sizeof t);
        if (strcmp(t, fps[i])) fprintf(stderr, "line: %s", line);
        CHECK_STR(t, fps[i]);
        CHECK(!memcmp(&back.fp, &e.fp, sizeof e.fp));
    }
}

TEST_MAIN(
    test_exact();
    test_roundtrip();
    test_sizes();
    test_fingerprint();
)

/* write_dshield.c -- lib/out/write_dshield.c: ww_dshield_format's exact
 * lines (DShield's own form, as its fwlogparser.py sends it: TCP flags as
 * letters in its order 12UAPRSF, protocols as numbers; ICMP type and code,
 * IPv6, the count, the user id), round trips through ingest's
 * ww_parse_dshield (every TCP flag byte, v4 and v6, counts, stamps to the
 * second from 1970 to 9999) and sniffing, years it cannot write, and
 * buffers too small. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "ingest/format.h"
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
    e.ts_us = (T0 + 1) * US + 999999; /* the fraction is not written */
    e.proto = proto, e.tcpflags = flags, e.sport = sport, e.dport = dport, e.count = 1;
    return e;
}

static const char *fmt(const struct ww_event *e, const char *userid)
{
    static char b[WW_WRITE_MAX];
    size_t n = ww_dshield_format(e, userid, b, sizeof b);
    CHECK_INT(n, strlen(b));
    return b;
}

static void test_exact(void)
{
    struct ww_event e = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, WW_TH_SYN, 1800, 139);
    CHECK_STR(fmt(&e, "3"), "2006-08-01 00:00:01 +00:00\t3\t1\t198.51.100.7\t1800\t192.0.2.1\t139\t6\tS\n");
    e.tcpflags = WW_TH_FIN | WW_TH_PSH | WW_TH_URG | WW_TH_ACK;
    e.count = 42;
    CHECK_STR(fmt(&e, NULL), "2006-08-01 00:00:01 +00:00\t0\t42\t198.51.100.7\t1800\t192.0.2.1\t139\t6\tUAPF\n");
    e.tcpflags = 0, e.count = 0; /* no flags: empty; count 0 stands for 1 */
    CHECK_STR(fmt(&e, "sensor 7"), "2006-08-01 00:00:01 +00:00\tsensor 7\t1\t198.51.100.7\t1800\t192.0.2.1\t139\t6\t\n");
    e = mk("2001:db8:0:0::7", "2001:DB8:1::1", WW_PROTO_UDP, WW_TH_SYN, 5353, 53);
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t2001:db8::7\t5353\t2001:db8:1::1\t53\t17\t\n");
    e = mk("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, WW_TH_SYN | WW_TH_ACK, 139, 4444); /* SYN-ACK */
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t139\t192.0.2.1\t4444\t6\tAS\n");
    e.tcpflags = 0xff; /* every flag, in fwlogparser.py's tcpflagmap order */
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t139\t192.0.2.1\t4444\t6\t12UAPRSF\n");
    e.proto = WW_PROTO_UDP; /* flags belong to TCP only */
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t139\t192.0.2.1\t4444\t17\t\n");
    e = mk("198.51.100.7", "192.0.2.1", WW_PROTO_ICMP, 0, 3, 13);
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t3\t192.0.2.1\t13\t1\t\n");
    e = mk("2001:db8::7", "ff02::1", WW_PROTO_ICMP6, 0, 135, 0);
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t2001:db8::7\t135\tff02::1\t0\t58\t\n");
    e = mk("198.51.100.7", "192.0.2.1", 47, 0, 0, 0);
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t0\t192.0.2.1\t0\t47\t\n");
    e = mk("::ffff:198.51.100.7", "192.0.2.1", 132, 0, 1, 2);
    CHECK_STR(fmt(&e, "0"), "2006-08-01 00:00:01 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\t132\t\n");
}

static void test_roundtrip(void)
{
    struct ww_parse_ctx ctx;
    ww_parse_ctx_init(&ctx);
    char line[WW_WRITE_MAX];
    struct ww_event back;
    const char *why;
    long bad = 0, n = 0;
    static const char *const addrs[2][2] = {{"198.51.100.7", "192.0.2.1"}, {"2001:db8:77::7", "fe80::1"}};
    static const uint8_t protos[] = {WW_PROTO_TCP, WW_PROTO_UDP, WW_PROTO_ICMP, 47, 132, 136, 255};
    for (int fam = 0; fam < 2; fam++) {
        for (size_t i = 0; i < sizeof protos; i++) {
            for (unsigned f = 0; f < 256; f++, n++) {
                uint8_t p = protos[i] == WW_PROTO_ICMP && fam ? WW_PROTO_ICMP6 : protos[i];
                struct ww_event e = mk(addrs[fam][0], addrs[fam][1], p,
                                       p == WW_PROTO_TCP ? (uint8_t)f : 0,
                                       (uint16_t)(f * 257), (uint16_t)(65535 - f));
                if (p == WW_PROTO_ICMP || p == WW_PROTO_ICMP6) e.sport = (uint16_t)f, e.dport = (uint16_t)(f % 16);
                e.count = 1 + f * 3921; /* up to 1e6, the parser's limit */
                e.ts_us = (T0 + (int64_t)f * 86400 * 3673 + f) * US + f;
                size_t len = ww_dshield_format(&e, "17", line, sizeof line);
                int ok = len > 0 && line[len - 1] == '\n' &&
                         ww_format_sniff((const unsigned char *)line, len) == WW_FMT_DSHIELD &&
                         ww_parse_dshield(&ctx, line, len - 1, &back, &why) == WW_PARSE_EVENT &&
                         back.ts_us == e.ts_us / US * US && ww_addr_eq(&back.src, &e.src) &&
                         ww_addr_eq(&back.dst, &e.dst) && back.sport == e.sport &&
                         back.dport == e.dport && back.proto == e.proto &&
                         back.tcpflags == e.tcpflags && back.count == e.count;
                if (!ok) fprintf(stderr, "round trip failed: %s", line);
                bad += !ok;
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(n, 2 * 7 * 256);
}

static void test_limits(void)
{
    struct ww_event e = mk("2001:db8:77:1:aaaa:bbbb:cccc:dddd", "2001:db8:77:1:aaaa:bbbb:cccc:eeee",
                           WW_PROTO_TCP, 0xff, 65535, 65535);
    char line[WW_WRITE_MAX], buf[WW_WRITE_MAX];
    size_t n = ww_dshield_format(&e, "a-long-user-id", line, sizeof line);
    CHECK(n > 100);
    long bad = 0;
    for (size_t size = 1; size <= n; size++) {
        bad += ww_dshield_format(&e, "a-long-user-id", buf, size) != 0;
        bad += strlen(buf) != size - 1 || strncmp(buf, line, size - 1); /* cut, terminated */
    }
    CHECK_INT(bad, 0);
    CHECK_INT(ww_dshield_format(&e, "a-long-user-id", buf, n + 1), n);
    CHECK_INT(ww_dshield_format(&e, "x", buf, 0), 0);
    /* the calendar's ends: 1970 and 9999 are written, year 10000 is not */
    e.ts_us = 0;
    CHECK(!strncmp(fmt(&e, "0"), "1970-01-01 00:00:00 +00:00\t", 27));
    e.ts_us = 253402300799LL * US;
    CHECK(!strncmp(fmt(&e, "0"), "9999-12-31 23:59:59 +00:00\t", 27));
    e.ts_us = 253402300800LL * US;
    CHECK_INT(ww_dshield_format(&e, "0", buf, sizeof buf), 0);
}

TEST_MAIN(
    test_exact();
    test_roundtrip();
    test_limits();
)

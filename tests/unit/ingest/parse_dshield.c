/* parse_dshield.c -- ww_parse_dshield and ww_dshield_format: real-shaped
 * psad/fail2ban lines, every rejection, and format-then-parse round trips. */
#include <string.h>
#include "ingest/parse.h"
#include "out/write.h"
#include "test.h"

#define T0 1154426407LL /* 2006-08-01T10:00:07Z */

static struct ww_parse_ctx ctx;
static struct ww_event ev;
static const char *why;

static enum ww_parse_rc feed(const char *line)
{
    why = NULL;
    return ww_parse_dshield(&ctx, line, strlen(line), &ev, &why);
}

static const char *src(void) { static char b[WW_ADDR_STRLEN]; return ww_addr_format(&ev.src, b); }
static const char *dst(void) { static char b[WW_ADDR_STRLEN]; return ww_addr_format(&ev.dst, b); }

static void test_good(void)
{
    ev.fp.flags = WW_FP_SET | WW_FP_OPTS, ev.fp.ttl = 9, ev.os = 7; /* what the last event left */
    CHECK_INT(feed("2006-08-01 12:00:07 +02:00\t12345\t1\t198.51.100.7\t4242\t192.0.2.1\t445\ttcp\tSYN"),
              WW_PARSE_EVENT);
    CHECK(ev.fp.flags == 0 && ev.fp.ttl == 0 && ev.os == 0); /* DShield lines carry no fingerprint */
    CHECK_INT(ev.ts_us, T0 * 1000000);
    CHECK_STR(src(), "198.51.100.7");
    CHECK_STR(dst(), "192.0.2.1");
    CHECK_INT(ev.sport, 4242);
    CHECK_INT(ev.dport, 445);
    CHECK_INT(ev.proto, WW_PROTO_TCP);
    CHECK_INT(ev.tcpflags, WW_TH_SYN);
    CHECK_INT(ev.count, 1);
    CHECK_INT(ev.action, WW_ACTION_UNKNOWN);
    CHECK_INT(ev.outcome, WW_OUTCOME_UNKNOWN);

    CHECK_INT(feed("2006-08-01 05:00:07 -0500\t0\t42\t198.51.100.7\t4242\t192.0.2.1\t1434\tUDP\t\r"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, T0 * 1000000);
    CHECK_INT(ev.proto, WW_PROTO_UDP);
    CHECK_INT(ev.count, 42);
    CHECK_INT(ev.dport, 1434);
    CHECK_INT(ev.tcpflags, 0);

    /* No zone: UTC. */
    CHECK_INT(feed("2006-08-01 10:00:07\tx\t1000000\t198.51.100.7\t1\t192.0.2.1\t2\t17\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, T0 * 1000000);
    CHECK_INT(ev.count, 1000000);
    CHECK_INT(ev.proto, WW_PROTO_UDP);

    /* ICMP echo request: type and code in the port fields. */
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t8\t192.0.2.1\t0\ticmp\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP);
    CHECK_INT(ev.sport, 8);
    CHECK_INT(ev.dport, 0);

    /* IPv6 XMAS probe, proto by number. */
    CHECK_INT(feed("2006-08-01 10:00:07 Z\t0\t3\t2001:DB8:0:0:0:0:0:7\t51000\t2001:db8:1::1\t139\t6\tFIN,PSH,URG"),
              WW_PARSE_EVENT);
    CHECK_STR(src(), "2001:db8::7");
    CHECK_STR(dst(), "2001:db8:1::1");
    CHECK_INT(ev.tcpflags, WW_TH_FIN | WW_TH_PSH | WW_TH_URG);
    CHECK_INT(ev.count, 3);
    CHECK_INT(ww_event_probe(&ev), WW_PROBE_XMAS);

    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tsyn,ack"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_SYN | WW_TH_ACK);
    /* words that begin with flag letters (R, S, F, A) are words all the same */
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tRST,ACK"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_RST | WW_TH_ACK);
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tFIN"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_FIN);
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tACK,PSH"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_ACK | WW_TH_PSH);
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, 0);
    CHECK_INT(ww_event_probe(&ev), WW_PROBE_NULL);
    /* GRE: no ports. */
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t\t192.0.2.1\t\t47\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 47);
    CHECK_INT(ev.sport, 0);

    /* DShield's own clients: letters SFAPRU12 in any order and case, the
     * protocol in capitals or as a number. */
    static const struct { const char *flags; uint8_t bits; } letters[] = {
        {"S", WW_TH_SYN}, {"SA", WW_TH_SYN | WW_TH_ACK}, {"AS", WW_TH_SYN | WW_TH_ACK},
        {"FPU", WW_TH_FIN | WW_TH_PSH | WW_TH_URG}, {"R", WW_TH_RST}, {"ra", WW_TH_RST | WW_TH_ACK},
        {"12UAPRSF", 0xff}, {"1", WW_TH_CWR}, {"2S", WW_TH_ECE | WW_TH_SYN},
    };
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++) {
        char line[160];
        snprintf(line, sizeof line, "2006-08-01 10:00:07 +00:00\t4711\t1\t198.51.100.7\t4444\t192.0.2.1\t139\t%s\t%s",
                 i % 2 ? "TCP" : "6", letters[i].flags);
        CHECK_INT(feed(line), WW_PARSE_EVENT);
        CHECK_INT(ev.proto, WW_PROTO_TCP);
        CHECK_INT(ev.tcpflags, letters[i].bits);
    }
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1434\t192.0.2.1\t1434\tUDP\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_UDP);
    CHECK_INT(feed("2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t8\t192.0.2.1\t0\tICMP\t"), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP);

    CHECK_INT(feed(""), WW_PARSE_SKIP);
    CHECK_INT(feed(" \r"), WW_PARSE_SKIP);
    CHECK_INT(feed("# psad DShield log"), WW_PARSE_SKIP);
}

static void test_bad(void)
{
    static const struct { const char *line, *why; } bad[] = {
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp", "fewer than 9 tab-separated fields"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN\t", "more than 9 tab-separated fields"},
        {"2006-08-01 10:00:07 +00:00 0 1 198.51.100.7 1 192.0.2.1 2 tcp SYN", "fewer than 9 tab-separated fields"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\txtp\tSYN", "unknown protocol"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\t256\t", "unknown protocol"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t70000\ttcp\tSYN", "bad destination port"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t-1\t192.0.2.1\t80\ttcp\tSYN", "bad source port"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t\t192.0.2.1\t80\ttcp\tSYN", "bad source port"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t300\t192.0.2.1\t0\ticmp\t", "bad ICMP type"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t3\t192.0.2.1\t256\ticmp\t", "bad ICMP code"},
        {"2006-08-01 10:00:07 +00:00\t0\t0\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "count not in 1..1000000"},
        {"2006-08-01 10:00:07 +00:00\t0\t1000001\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "count not in 1..1000000"},
        {"2006-08-01 10:00:07 +00:00\t0\t\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "count not in 1..1000000"},
        {"2006-08-32 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "bad time stamp"},
        {"2006-08-01 10:00 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "bad time stamp"},
        {"2006-08-01 10:00:07 +25:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "bad time stamp"},
        {"2006-08-01 10:00:07 +00:00 x\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "bad time stamp"},
        {"Aug  1 10:00:07\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN", "bad time stamp"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.777\t1\t192.0.2.1\t2\ttcp\tSYN", "bad source address"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t2001:db8::1::2\t2\ttcp\tSYN", "bad destination address"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN,BOGUS", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN,", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSX", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSS", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tS,A", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tS A", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYNACK", "bad TCP flags"},
        {"2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\tTCPX\tS", "unknown protocol"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(feed(bad[i].line), WW_PARSE_BAD);
        CHECK_STR(why, bad[i].why);
    }
    /* Bounded by len, not by a NUL. */
    char buf[96];
    const char *l = "2006-08-01 10:00:07 +00:00\t0\t1\t198.51.100.7\t1\t192.0.2.1\t2\ttcp\tSYN";
    memset(buf, '\t', sizeof buf);
    memcpy(buf, l, strlen(l));
    CHECK_INT(ww_parse_dshield(&ctx, buf, strlen(l), &ev, &why), WW_PARSE_EVENT);
    CHECK_INT(ww_parse_dshield(&ctx, buf, strlen(l) + 1, &ev, &why), WW_PARSE_BAD);
}

static void roundtrip(const char *s, const char *d, uint8_t proto, uint16_t sp, uint16_t dp,
                      uint8_t flags, uint32_t count)
{
    struct ww_event in = {0}, out;
    char buf[256];
    in.ts_us = T0 * 1000000;
    CHECK_INT(ww_addr_parse(s, strlen(s), &in.src), 0);
    CHECK_INT(ww_addr_parse(d, strlen(d), &in.dst), 0);
    in.proto = proto; in.sport = sp; in.dport = dp; in.tcpflags = flags; in.count = count;
    size_t n = ww_dshield_format(&in, "17", buf, sizeof buf);
    CHECK(n > 0 && buf[n - 1] == '\n' && strlen(buf) == n);
    CHECK_INT(ww_parse_dshield(&ctx, buf, n - 1, &out, &why), WW_PARSE_EVENT);
    CHECK(memcmp(&in.src, &out.src, sizeof in.src) == 0);
    CHECK(memcmp(&in.dst, &out.dst, sizeof in.dst) == 0);
    CHECK_INT(out.ts_us, in.ts_us);
    CHECK_INT(out.proto, proto);
    CHECK_INT(out.sport, sp);
    CHECK_INT(out.dport, dp);
    CHECK_INT(out.tcpflags, proto == WW_PROTO_TCP ? flags : 0);
    CHECK_INT(out.count, count);
}

static void test_format(void)
{
    struct ww_event e = {0};
    char buf[256];
    e.ts_us = T0 * 1000000 + 999999; /* whole seconds only */
    ww_addr_parse("198.51.100.7", 12, &e.src);
    ww_addr_parse("192.0.2.1", 9, &e.dst);
    e.proto = WW_PROTO_TCP; e.sport = 4242; e.dport = 445;
    e.tcpflags = WW_TH_FIN | WW_TH_PSH | WW_TH_URG; e.count = 2;
    CHECK_INT(ww_dshield_format(&e, NULL, buf, sizeof buf), 69);
    CHECK_STR(buf, "2006-08-01 10:00:07 +00:00\t0\t2\t198.51.100.7\t4242\t192.0.2.1\t445\t6\tUPF\n");
    e.proto = 47; e.count = 0;
    CHECK(ww_dshield_format(&e, "me", buf, sizeof buf) > 0);
    CHECK_STR(buf, "2006-08-01 10:00:07 +00:00\tme\t1\t198.51.100.7\t4242\t192.0.2.1\t445\t47\t\n");
    CHECK_INT(ww_dshield_format(&e, "me", buf, 20), 0);

    roundtrip("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, 51000, 445, WW_TH_SYN, 1);
    roundtrip("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, 0, 0, 0, 7);
    roundtrip("198.51.100.7", "192.0.2.1", WW_PROTO_TCP, 65535, 1, 0xff, 1000000);
    roundtrip("198.51.100.7", "192.0.2.1", WW_PROTO_UDP, 1434, 1434, 0, 3);
    roundtrip("198.51.100.7", "192.0.2.1", WW_PROTO_ICMP, 8, 0, 0, 1);
    roundtrip("2001:db8::7", "2001:db8:1::1", WW_PROTO_TCP, 1, 139, WW_TH_FIN, 1);
    roundtrip("2001:db8::7", "ff02::1", WW_PROTO_ICMP6, 128, 0, 0, 2);
    roundtrip("::ffff:192.0.2.9", "::", 47, 0, 0, 0, 1);
}

TEST_MAIN(
    memset(&ctx, 0, sizeof ctx);
    test_good();
    test_bad();
    test_format();
)

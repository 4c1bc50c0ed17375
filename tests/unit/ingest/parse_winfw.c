/* parse_winfw.c -- ww_parse_winfw on real pfirewall.log lines and the whole
 * corpus file (../shared/corpus/winfw/, counts checked independently with
 * awk), plus headers, time zones and malformed lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ingest/parse.h"
#include "test.h"

/* 2021-06-22T10:19:41Z; the corpus is a German home network (CEST, +02:00). */
#define T0 1624357181LL

static struct ww_parse_ctx ctx;
static struct ww_event ev;
static const char *why;

static enum ww_parse_rc feed(const char *line)
{
    why = NULL;
    return ww_parse_winfw(&ctx, line, strlen(line), &ev, &why);
}

static const char *src(void) { static char b[WW_ADDR_STRLEN]; return ww_addr_format(&ev.src, b); }
static const char *dst(void) { static char b[WW_ADDR_STRLEN]; return ww_addr_format(&ev.dst, b); }

static void reset(int tz_offset)
{
    memset(&ctx, 0, sizeof ctx);
    ctx.tz_fixed = 1;
    ctx.tz_offset = tz_offset;
}

static FILE *corpus(const char *rel) { return fopen(corpus_path(rel), "rb"); }

static void test_header(void)
{
    reset(7200);
    CHECK_INT(feed("#Version: 1.5"), WW_PARSE_SKIP);
    CHECK_INT(feed("#Software: Microsoft Windows Firewall"), WW_PARSE_SKIP);
    CHECK_INT(feed("#Time Format: Local"), WW_PARSE_SKIP);
    CHECK_INT(ctx.winfw_utc, 0);
    CHECK_INT(feed("#Fields: date time action protocol src-ip dst-ip src-port dst-port size "
                   "tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path"), WW_PARSE_SKIP);
    CHECK_INT(ctx.winfw_nfields, 17);
    static const uint8_t want[17] = {
        WW_WF_DATE, WW_WF_TIME, WW_WF_ACTION, WW_WF_PROTO, WW_WF_SRC, WW_WF_DST,
        WW_WF_SPORT, WW_WF_DPORT, WW_WF_IGNORE, WW_WF_TCPFLAGS, WW_WF_IGNORE,
        WW_WF_IGNORE, WW_WF_IGNORE, WW_WF_ICMPTYPE, WW_WF_ICMPCODE, WW_WF_IGNORE, WW_WF_IGNORE
    };
    CHECK(memcmp(ctx.winfw_fields, want, 17) == 0);
    CHECK_INT(feed(""), WW_PARSE_SKIP);
    CHECK_INT(feed("\r"), WW_PARSE_SKIP);
    CHECK_INT(feed("# a comment"), WW_PARSE_SKIP);
    CHECK_INT(feed("#Time Format: UTC\r"), WW_PARSE_SKIP);
    CHECK_INT(ctx.winfw_utc, 1);
    CHECK_INT(feed("#Fields:"), WW_PARSE_BAD);
    CHECK_STR(why, "#Fields: header names no columns");
    CHECK_INT(ctx.winfw_nfields, 17);
}

static void test_real_lines(void)
{
    reset(7200);
    CHECK_INT(feed("2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, T0 * 1000000);
    CHECK_STR(src(), "192.168.178.25");
    CHECK_INT(ev.src.family, 4);
    CHECK_STR(dst(), "224.0.0.251");
    CHECK_INT(ev.proto, WW_PROTO_UDP);
    CHECK_INT(ev.sport, 5353);
    CHECK_INT(ev.dport, 5353);
    CHECK_INT(ev.tcpflags, 0);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    CHECK_INT(ev.outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(ev.count, 1);

    CHECK_INT(feed("2021-06-22 12:19:41 DROP UDP fe80::f58b:f19a:db72:872b ff02::fb 5353 5353 93 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_STR(src(), "fe80::f58b:f19a:db72:872b");
    CHECK_INT(ev.src.family, 6);
    CHECK_STR(dst(), "ff02::fb");
    CHECK_INT(ev.dport, 5353);

    CHECK_INT(feed("2021-06-22 12:58:48 ALLOW TCP 2a01:110:20:10::4a9 2a01:110:3100:c:fe::18 52920 389 0 - 0 0 0 - - - SEND"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, (T0 + 39 * 60 + 7) * 1000000);
    CHECK_STR(src(), "2a01:110:20:10::4a9");
    CHECK_STR(dst(), "2a01:110:3100:c:fe::18");
    CHECK_INT(ev.proto, WW_PROTO_TCP);
    CHECK_INT(ev.sport, 52920);
    CHECK_INT(ev.dport, 389);
    CHECK_INT(ev.tcpflags, WW_TH_SYN); /* connection record: '-' = an attempt */
    CHECK_INT(ev.action, WW_ACTION_ACCEPT);
    CHECK_INT(ev.outcome, WW_OUTCOME_SUCCESS);

    CHECK_INT(feed("2021-06-22 12:54:55 ALLOW ICMP 192.168.178.51 52.98.77.82 - - 0 - - - - 8 0 - SEND"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP);
    CHECK_INT(ev.sport, 8);
    CHECK_INT(ev.dport, 0);
    CHECK_STR(dst(), "52.98.77.82");

    /* Windows writes ICMP for ICMPv6 too. */
    CHECK_INT(feed("2021-06-22 12:25:28 ALLOW ICMP :: ff02::1:ff7c:37f8 - - 0 - - - - 135 0 - SEND"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP6);
    CHECK_INT(ev.sport, 135);
    CHECK_STR(src(), "::");
    CHECK_STR(dst(), "ff02::1:ff7c:37f8");

    CHECK_INT(feed("2021-06-22 12:20:19 ALLOW 2 192.168.178.1 224.0.0.1 - - 0 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 2);
    CHECK_INT(ev.sport, 0);
    CHECK_INT(ev.dport, 0);

    CHECK_INT(feed("2021-06-22 12:48:21 INFO-EVENTS-LOST - - - - - - - - - - - - 7 -"), WW_PARSE_SKIP);
}

static void test_synthetic(void)
{
    reset(0);
    /* Before any header: the default field list; CRLF. */
    CHECK_INT(feed("2019-03-15 10:02:33 DROP TCP 203.0.113.9 10.0.0.10 51234 445 52 S 123456 0 64240 - - - RECEIVE\r"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_SYN);
    CHECK_INT(ev.dport, 445);
    CHECK_INT(ev.ts_us, 1552644153LL * 1000000);
    CHECK_INT(feed("2019-03-15 10:02:33 DROP TCP 203.0.113.9 10.0.0.10 51234 445 40 FPU 1 0 1024 - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_FIN | WW_TH_PSH | WW_TH_URG);
    CHECK_INT(feed("2019-03-15 10:02:33 DROP TCP 203.0.113.9 10.0.0.10 51234 445 40 AR 1 0 1024 - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_ACK | WW_TH_RST);
    CHECK_INT(feed("2019-03-15 10:02:33 DROP ICMPv6 2001:db8::1 2001:db8::2 - - 0 - - - - 128 0 - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP6);
    CHECK_INT(ev.sport, 128);
    /* IPv6 in other textual forms: expanded, upper case, v4-embedded, zone. */
    CHECK_INT(feed("2019-03-15 10:02:33 DROP UDP 2001:0DB8:0000:0000:0000:0000:0000:0001 "
                   "fe80::1%12 1 2 0 - - - - - - - RECEIVE"), WW_PARSE_EVENT);
    CHECK_STR(src(), "2001:db8::1");
    CHECK_STR(dst(), "fe80::1");
    CHECK_INT(feed("2019-03-15 10:02:33 DROP UDP ::ffff:192.0.2.1 64:ff9b::198.51.100.7 1 2 0 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_STR(dst(), "64:ff9b::c633:6407");

    /* A header in another order, with a column we do not know, UTC stamps. */
    CHECK_INT(feed("#Time Format: UTC"), WW_PARSE_SKIP);
    ctx.tz_offset = 3600; /* ignored: the log says UTC */
    CHECK_INT(feed("#Fields: src-ip dst-ip action protocol date time dst-port pid"), WW_PARSE_SKIP);
    CHECK_INT(ctx.winfw_nfields, 8);
    CHECK_INT(feed("198.51.100.7 192.0.2.1 ALLOW UDP 2020-02-29 23:59:59 137 4242"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1583020799LL * 1000000);
    CHECK_STR(src(), "198.51.100.7");
    CHECK_INT(ev.dport, 137);
    CHECK_INT(ev.sport, 0);
    CHECK_INT(feed("198.51.100.7 192.0.2.1 ALLOW UDP 2020-02-29 23:59:59 137"), WW_PARSE_BAD);
    CHECK_STR(why, "wrong number of columns for the #Fields: header");
    CHECK_INT(feed("#Fields: date time action protocol src-ip"), WW_PARSE_SKIP);
    CHECK_INT(feed("2020-02-29 23:59:59 ALLOW UDP 198.51.100.7"), WW_PARSE_BAD);
    CHECK_STR(why, "#Fields: header lacks date, time, action, protocol, src-ip or dst-ip");
}

static void test_local_time(void)
{
    /* No fixed offset: the system zone decides (here central Europe, DST). */
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    memset(&ctx, 0, sizeof ctx);
    CHECK_INT(feed("2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, T0 * 1000000);
    CHECK_INT(feed("2021-01-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - - - - - - - RECEIVE"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, (T0 - 151 * 86400 + 3600) * 1000000);
    unsetenv("TZ");
    tzset();
}

static void test_bad(void)
{
    static const struct { const char *line, *why; } bad[] = {
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 70000 73 - - - - - - - RECEIVE", "bad destination port"},
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 -1 53 73 - - - - - - - RECEIVE", "bad source port"},
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.256 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "bad source address"},
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.2 fe80:::1 5353 53 73 - - - - - - - RECEIVE", "bad destination address"},
        {"2021-06-22 12:19:41 DROP UDP - 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "bad source address"},
        {"2021-06-22 12:19:41 DROP XTP 192.168.178.2 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "unknown protocol"},
        {"2021-06-22 12:19:41 DROP 256 192.168.178.2 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "unknown protocol"},
        {"2021-06-22 12:19:41 DROP TCP 192.168.178.2 10.0.0.1 5353 53 73 SX 0 0 0 - - - RECEIVE", "bad tcpflags"},
        {"2021-06-22 12:19:41 DROP ICMP 192.168.178.2 10.0.0.1 - - 0 - - - - 300 0 - RECEIVE", "bad icmptype"},
        {"2021-06-22 12:19:41 DROP ICMP 192.168.178.2 10.0.0.1 - - 0 - - - - 3 x - RECEIVE", "bad icmpcode"},
        {"2021-06-31 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "date or time out of range"},
        {"2021-6-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "bad date"},
        {"2021-06-22 12:19 DROP UDP 192.168.178.25 224.0.0.251 5353 53 73 - - - - - - - RECEIVE", "bad time"},
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 53 73 - - - - - - - RECEIVE extra", "wrong number of columns for the #Fields: header"},
        {"2021-06-22 12:19:41 DROP UDP 192.168.178.25", "wrong number of columns for the #Fields: header"},
        {"hello world", "wrong number of columns for the #Fields: header"},
    };
    reset(0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(feed(bad[i].line), WW_PARSE_BAD);
        CHECK_STR(why, bad[i].why);
    }
    /* Not NUL-terminated: the parser must stop at len. */
    char buf[128];
    const char *l = "2021-06-22 12:19:41 DROP UDP 10.0.0.1 10.0.0.2 1 2 3 - - - - - - - RECEIVE";
    memcpy(buf, l, strlen(l));
    memset(buf + strlen(l), '7', sizeof buf - strlen(l));
    CHECK_INT(ww_parse_winfw(&ctx, buf, strlen(l), &ev, &why), WW_PARSE_EVENT);
    CHECK_INT(ww_parse_winfw(&ctx, buf, strlen(l) - 8, &ev, &why), WW_PARSE_BAD);
}

static void test_corpus(void)
{
    if (!HAVE_CORPUS()) return;
    FILE *f = corpus("winfw/BetaHydri_pfirewall.log");
    CHECK(f != NULL);
    if (!f) return;
    reset(7200);
    char line[4096];
    long lines = 0, events = 0, skips = 0, bad = 0, allow = 0, v6 = 0, tcp = 0, icmp6 = 0;
    long long dports = 0, sports = 0, types = 0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') n--;
        lines++;
        switch (ww_parse_winfw(&ctx, line, n, &ev, &why)) {
        case WW_PARSE_EVENT:
            events++;
            allow += ev.action == WW_ACTION_ACCEPT;
            v6 += ev.src.family == 6;
            tcp += ev.proto == WW_PROTO_TCP;
            icmp6 += ev.proto == WW_PROTO_ICMP6;
            if (ev.proto == WW_PROTO_TCP || ev.proto == WW_PROTO_UDP) dports += ev.dport, sports += ev.sport;
            else if (ev.proto == WW_PROTO_ICMP || ev.proto == WW_PROTO_ICMP6) types += ev.sport;
            if (ev.ts_us < first) first = ev.ts_us;
            if (ev.ts_us > last) last = ev.ts_us;
            break;
        case WW_PARSE_SKIP: skips++; break;
        case WW_PARSE_BAD: bad++; fprintf(stderr, "line %ld: %s\n", lines, why); break;
        }
    }
    fclose(f);
    /* awk: 16814 lines; 4 headers + 1 blank + 2 INFO-EVENTS-LOST skipped;
     * ALLOW 3672 UDP + 1366 TCP + 49 ICMP (46 of them IPv6) + 32 proto 2;
     * DROP 11688 UDP; 6995 records with IPv6 sources. */
    CHECK_INT(lines, 16814);
    CHECK_INT(events, 16807);
    CHECK_INT(skips, 7);
    CHECK_INT(bad, 0);
    CHECK_INT(allow, 3672 + 1366 + 49 + 32);
    CHECK_INT(tcp, 1366);
    CHECK_INT(icmp6, 46);
    CHECK_INT(v6, 6995);
    CHECK_INT(dports, 84153098);
    CHECK_INT(sports, 317342469);
    CHECK_INT(types, 6308);
    CHECK_INT(first, T0 * 1000000);
    CHECK_INT(last, (T0 + 39 * 60 + 8) * 1000000);
}

TEST_MAIN(
    test_header();
    test_real_lines();
    test_synthetic();
    test_local_time();
    test_bad();
    test_corpus();
)

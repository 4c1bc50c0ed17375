/* parse_netfilter.c -- ww_parse_netfilter: every timestamp form, every corpus
 * quirk, action words, bad lines, and exact EVENT/SKIP/BAD counts over the
 * real corpus files (../shared/corpus from the project root; CORPUS
 * overrides). Lines are parsed from buffers that are not NUL-terminated. */
#include <stdlib.h>
#include <time.h>

#include "ingest/parse.h"
#include "test.h"
#include "core/wtime.h"

static struct ww_event ev;
static const char *why;
static char abuf[WW_ADDR_STRLEN], bbuf[WW_ADDR_STRLEN], tbuf[40];

/* Parse s with garbage right after it, so reading past len would show. */
static int parse(struct ww_parse_ctx *ctx, const char *s)
{
    static char buf[4096];
    size_t n = strlen(s);
    memcpy(buf, s, n);
    memcpy(buf + n, " DPT=99999 SRC=x", 16);
    why = "";
    memset(&ev, 0xa5, sizeof ev);
    return ww_parse_netfilter(ctx, buf, n, &ev, &why);
}

static const char *src(void) { return ww_addr_format(&ev.src, abuf); }
static const char *dst(void) { return ww_addr_format(&ev.dst, bbuf); }
static const char *when(void) { return ww_time_format(ev.ts_us, tbuf, sizeof tbuf); }

static void fixed_ctx(struct ww_parse_ctx *c, int year)
{
    ww_parse_ctx_init(c);
    c->year = year;
    c->tz_fixed = 1;
    c->tz_offset = 0;
}

static const char *MAC = "MAC=23:87:fc:c6:24:58:00:21:3f:98:99:78:09:00";

static void test_bsd(void)
{
    struct ww_parse_ctx c;
    fixed_ctx(&c, 2024);
    /* psad ack_scan_1000_1150, line 1: the kernel's [uptime] is ignored */
    CHECK_INT(parse(&c, "Mar 15 20:55:15 linux kernel: [810294.788657] DROP IN=eth0 OUT= "
        "MAC=23:87:fc:c6:24:58:00:21:3f:98:99:78:09:00 SRC=192.168.10.55 DST=192.168.10.1 "
        "LEN=40 TOS=0x00 PREC=0x00 TTL=49 ID=53123 PROTO=TCP SPT=37933 DPT=1025 WINDOW=2048 "
        "RES=0x00 ACK URGP=0 "), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1710536115LL * 1000000);
    CHECK_STR(src(), "192.168.10.55");
    CHECK_STR(dst(), "192.168.10.1");
    CHECK_INT(ev.src.family, 4);
    CHECK_INT(ev.proto, WW_PROTO_TCP);
    CHECK_INT(ev.sport, 37933);
    CHECK_INT(ev.dport, 1025);
    CHECK_INT(ev.tcpflags, WW_TH_ACK);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    CHECK_INT(ev.outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(ev.count, 1);

    /* crowdsec: "Jun  8" with two spaces, tz_offset +02:00, no log prefix */
    fixed_ctx(&c, 2025);
    c.tz_offset = 7200;
    CHECK_INT(parse(&c, "Jun  8 14:34:33 sd-126005 kernel: [50028442.088484] IN=enp1s0 OUT= "
        "MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 DST=51.15.166.67 "
        "LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 "
        "RES=0x00 SYN URGP=0"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1749386073LL * 1000000);
    CHECK_INT(ev.tcpflags, WW_TH_SYN);
    CHECK_INT(ev.action, WW_ACTION_UNKNOWN);
    CHECK_INT(ev.outcome, WW_OUTCOME_UNKNOWN);
    /* ... and the same with one space, and a trailing '\r' */
    CHECK_INT(parse(&c, "Jun 8 14:34:33 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=UDP "
        "SPT=1 DPT=2 LEN=8\r"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1749386073LL * 1000000);
    CHECK_INT(ev.dport, 2);
    CHECK_INT(ev.proto, WW_PROTO_UDP);

    /* journalctl -k (short): the same shape */
    fixed_ctx(&c, 2026);
    CHECK_INT(parse(&c, "Nov 26 23:48:01 myhost kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:11 "
        "SRC=203.0.113.9 DST=198.51.100.2 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP "
        "SPT=40000 DPT=445 WINDOW=64240 RES=0x00 SYN URGP=0"), WW_PARSE_EVENT);
    CHECK_STR(when(), "2026-11-26T23:48:01Z");
    CHECK_INT(ev.dport, 445);
    CHECK_INT(ev.action, WW_ACTION_DROP);

    /* an invalid date */
    CHECK_INT(parse(&c, "Feb 30 10:00:00 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_BAD);
    CHECK_STR(why, "timestamp out of range");
    /* ... which leaves the inferred year alone */
    ww_parse_ctx_init(&c);
    c.tz_fixed = 1;
    c.now_us = 1795651200LL * 1000000; /* 2026-11-26 */
    CHECK_INT(parse(&c, "Feb 30 10:00:00 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_BAD);
    CHECK_INT(c.cur_year, 0);
    CHECK_INT(parse(&c, "Feb 28 10:00:00 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_EVENT);
    CHECK_STR(when(), "2026-02-28T10:00:00Z");
}

static void test_year_inference(void)
{
    struct ww_parse_ctx c;
    const char *tail = " h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2";
    char line[256];

    ww_parse_ctx_init(&c);
    c.tz_fixed = 1;
    c.now_us = 1767571200LL * 1000000; /* 2026-01-05T00:00:00Z */
    /* December read in January: last year; then the December->January wrap */
    snprintf(line, sizeof line, "Dec 20 20:10:01%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2025-12-20T20:10:01Z");
    CHECK_INT(c.cur_year, 2025);
    snprintf(line, sizeof line, "Dec 31 23:59:59%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2025-12-31T23:59:59Z");
    snprintf(line, sizeof line, "Jan  1 00:00:01%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2026-01-01T00:00:01Z");
    CHECK_INT(c.last_month, 1);
    /* a new file starts over, keeping the options */
    ww_parse_ctx_newfile(&c);
    CHECK_INT(c.cur_year, 0);
    CHECK_INT(c.last_month, 0);
    CHECK_INT(c.tz_fixed, 1);
    CHECK(c.now_us == 1767571200LL * 1000000);
    snprintf(line, sizeof line, "Jan  4 10:00:00%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2026-01-04T10:00:00Z");
    /* up to a day ahead of now is still this year (clock skew) ... */
    ww_parse_ctx_newfile(&c);
    c.now_us = 1795651200LL * 1000000; /* 2026-11-26T00:00:00Z */
    snprintf(line, sizeof line, "Nov 26 23:00:00%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2026-11-26T23:00:00Z");
    /* ... more than that is last year */
    ww_parse_ctx_newfile(&c);
    snprintf(line, sizeof line, "Nov 27 12:00:00%s", tail);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2025-11-27T12:00:00Z");
    /* an explicit year wins */
    ww_parse_ctx_newfile(&c);
    c.year = 2011;
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2011-11-27T12:00:00Z");
}

static void test_local_time(void)
{
    /* EST5EDT (set in main before anything is parsed): -4h in July, -5h in January */
    struct ww_parse_ctx c;
    ww_parse_ctx_init(&c);
    c.year = 2024;
    CHECK_INT(parse(&c, "Jul  4 12:00:00 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_EVENT);
    CHECK_STR(when(), "2024-07-04T16:00:00Z");
    CHECK_INT(parse(&c, "Jan  4 12:00:00 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_EVENT);
    CHECK_STR(when(), "2024-01-04T17:00:00Z");
}

static void test_rfc3339_epoch_dmesg(void)
{
    struct ww_parse_ctx c;
    fixed_ctx(&c, 0);
    /* psad syslog_time_fmt1.log line 1 */
    CHECK_INT(parse(&c, "2015-03-07T05:09:30.045015+02:00 servername kernel: DROP: IN=eth0 OUT= "
        "MAC=00:00:00:00:00:00:00:00:00:00:00:00:00:00 SRC=4.4.4.4 DST=1.2.3.4 LEN=40 TOS=0x00 "
        "PREC=0x00 TTL=228 ID=54321 PROTO=TCP SPT=58923 DPT=21 WINDOW=65535 RES=0x00 SYN URGP=0 "),
        WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1425697770LL * 1000000 + 45015);
    CHECK_STR(src(), "4.4.4.4");
    CHECK_INT(ev.dport, 21);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    /* journalctl -o short-iso */
    CHECK_INT(parse(&c, "2026-11-26T23:48:01+0000 myhost kernel: IN=eth0 OUT= SRC=10.0.0.1 "
        "DST=10.0.0.2 LEN=40 PROTO=TCP SPT=1 DPT=23 WINDOW=1 RES=0x00 SYN URGP=0"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1795736881LL * 1000000);
    /* rsyslog epoch prefixes */
    CHECK_INT(parse(&c, "1700000000.123456 host kernel: DROP IN=eth0 OUT= SRC=10.0.0.1 "
        "DST=10.0.0.2 PROTO=UDP SPT=5 DPT=137 LEN=8"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1700000000123456LL);
    CHECK_INT(ev.dport, 137);
    CHECK_INT(parse(&c, "@1700000000 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=UDP SPT=5 "
        "DPT=137 LEN=8"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1700000000LL * 1000000);
    /* up to the year 9999's last second, which every writer can stamp; past
     * it no time (fuzz_netfilter: a 12-digit stamp written back as 0000) */
    CHECK_INT(parse(&c, "@253402300799 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=UDP SPT=5 "
        "DPT=137 LEN=8"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 253402300799LL * 1000000);
    CHECK_INT(parse(&c, "@253402300800 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=UDP SPT=5 "
        "DPT=137 LEN=8"), WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    /* dmesg: boot time + uptime (netns-nmap/nft_kernel.dmesg line 1) */
    c.boot_us = 1700000000LL * 1000000;
    CHECK_INT(parse(&c, "[ 3320.054983] INPUT-DROP: IN=wwdb OUT= MAC=2a:a2:96:4e:6c:46:42:67:"
        "b0:23:70:4c:08:00 SRC=192.0.2.10 DST=192.0.2.50 LEN=44 TOS=0x00 PREC=0x00 TTL=49 "
        "ID=55745 PROTO=TCP SPT=40523 DPT=135 WINDOW=1024 RES=0x00 SYN URGP=0"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1700000000LL * 1000000 + 3320054983LL);
    CHECK_STR(src(), "192.0.2.10");
    CHECK_INT(ev.dport, 135);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    /* boot time + uptime past the year 9999: no time, as an epoch stamp */
    CHECK_INT(parse(&c, "[253402300000.000000] IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    c.boot_us = 0;
    CHECK_INT(parse(&c, "[253402300799.999999] IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 253402300799LL * 1000000 + 999999);
    CHECK_INT(parse(&c, "[    0.500000] IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"), WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 500000);
}

static void test_proxmox(void)
{
    struct ww_parse_ctx c;
    fixed_ctx(&c, 0);
    c.tz_offset = -5 * 3600; /* must not matter: the stamp has its own offset */
    CHECK_INT(parse(&c, "0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: IN=vmbr0.94 "
        "MAC=24:8a:07:9a:2a:f2:24:8a:07:50:2c:9e:08:00 SRC=10.3.94.11 DST=10.3.94.12 LEN=52 "
        "TOS=0x00 PREC=0xC0 TTL=255 ID=64317 DF PROTO=UDP SPT=49152 DPT=3784 LEN=32"),
        WW_PARSE_EVENT);
    CHECK_INT(ev.ts_us, 1655723354LL * 1000000);
    CHECK_STR(src(), "10.3.94.11");
    CHECK_INT(ev.proto, WW_PROTO_UDP);
    CHECK_INT(ev.sport, 49152);
    CHECK_INT(ev.dport, 3784);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    /* ACCEPT; flags after WINDOW= with no RES=; ACK=0 is a key, not a flag */
    CHECK_INT(parse(&c, "0 0 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 ACCEPT: IN=vmbr0.94 "
        "MAC=24:8a:07:9a:2a:f2:d4:af:f7:44:93:1f:08:00 SRC=10.3.95.34 DST=10.3.94.12 LEN=60 "
        "TOS=0x00 PREC=0x00 TTL=62 ID=64432 DF PROTO=TCP SPT=56386 DPT=8006 SEQ=2853565861 "
        "ACK=0 WINDOW=64240 SYN "), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_SYN);
    CHECK_INT(ev.action, WW_ACTION_ACCEPT);
    CHECK_INT(ev.outcome, WW_OUTCOME_SUCCESS);
    /* PVEFW-reject, IPv6 in compressed form */
    CHECK_INT(parse(&c, "101 1 tap101i0-IN 20/Jun/2022:13:13:32 +0200 PVEFW-reject: "
        "IN=fwbr101i0 OUT=fwbr101i0 PHYSIN=fwln101i0 PHYSOUT=tap101i0 MAC=24:8a:07:50:2c:ef:5e:"
        "29:c3:7c:13:a3:86:dd SRC=2a0a:1580::a DST=2a0a:1580::17 LEN=40 TC=0 FLOWLBL=634336 "
        "HOPLIMIT=64 PROTO=TCP SPT=59368 DPT=22 SEQ=3146558957 ACK=0 WINDOW=64800 SYN "),
        WW_PARSE_EVENT);
    CHECK_STR(src(), "2a0a:1580::a");
    CHECK_STR(dst(), "2a0a:1580::17");
    CHECK_INT(ev.action, WW_ACTION_DROP);
    CHECK_STR(when(), "2022-06-20T11:13:32Z");
    /* HOST-OUT: no IN= at all, the packet part starts at OUT= */
    CHECK_INT(parse(&c, "0 1 PVEFW-HOST-OUT 20/Jun/2022:13:16:23 +0200 REJECT: OUT=vmbr0.94 "
        "SRC=10.3.94.12 DST=10.3.94.10 LEN=60 TOS=0x10 PREC=0x00 TTL=64 ID=59156 DF PROTO=TCP "
        "SPT=49566 DPT=22 SEQ=708451139 ACK=0 WINDOW=64240 SYN "), WW_PARSE_EVENT);
    CHECK_STR(src(), "10.3.94.12");
    CHECK_INT(ev.dport, 22);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    /* a chain name but no verdict */
    CHECK_INT(parse(&c, "0 5 GROUP-security1-IN 20/Jun/2022:15:52:26 +0200 IN=fwbr101i0 "
        "OUT=fwbr101i0 SRC=10.3.95.34 DST=10.3.95.200 PROTO=TCP SPT=51606 DPT=22 SYN"),
        WW_PARSE_EVENT);
    CHECK_INT(ev.action, WW_ACTION_UNKNOWN);
}

static void test_quirks(void)
{
    struct ww_parse_ctx c;
    char line[1024];
    fixed_ctx(&c, 2024);
    /* crowdsec iptables-logs.log: "IN=enp.1s0" is a valid interface name */
    CHECK_INT(parse(&c, "Jun  8 14:34:33 sd-126005 kernel: [50028442.088484] IN=enp.1s0 OUT= "
        "MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 DST=51.15.166.67 "
        "LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 "
        "RES=0x00 SYN URGP=0"), WW_PARSE_EVENT);
    CHECK_STR(src(), "195.54.160.107");
    /* ... "XX=enp1s0 OUT=" is not */
    CHECK_INT(parse(&c, "Jun  8 14:34:33 sd-126005 kernel: [50028442.088484] XX=enp1s0 OUT= "
        "MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 DST=51.15.166.67 "
        "LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 "
        "RES=0x00 SYN URGP=0"), WW_PARSE_BAD);
    CHECK_STR(why, "packet part does not start with IN= or OUT=");
    /* psad ipv4_igmp: Shorewall glues the prefix to IN=; PROTO=2 (IGMP) */
    CHECK_INT(parse(&c, "Apr 24 12:06:50 localhost kernel: [ 3445.031964] Shorewall:wlan0_mac:DROP:"
        "IN=wlan0 OUT= MAC=02:00:5e:02:03:01:18:53:33:33:d6:41:03:00 SRC=192.168.10.55 "
        "DST=224.0.0.1 LEN=36 TOS=0x00 PREC=0xC0 TTL=1 ID=0 PROTO=2"), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 2);
    CHECK_INT(ev.sport, 0);
    CHECK_INT(ev.dport, 0);
    CHECK_INT(ev.tcpflags, 0);
    CHECK_STR(dst(), "224.0.0.1");
    CHECK_INT(ev.action, WW_ACTION_DROP);
    CHECK_STR(when(), "2024-04-24T12:06:50Z");
    /* psad ipv6_ms_sql_server_sig_match: grep's "file:" before the stamp */
    CHECK_INT(parse(&c, "ipv6_tcp_connect_nmap_default_scan:Mar 17 13:39:13 linux kernel: "
        "[956932.522957] DROP IN=eth0 OUT= MAC=00:13:46:3a:41:36:00:1b:b9:76:9c:e4:86:dd "
        "SRC=2001:0db8:0000:f101:0000:0000:0000:0002 DST=2001:0db8:0000:f101:0000:0000:0000:0001 "
        "LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=51397 DPT=1433 WINDOW=5760 RES=0x00 "
        "SYN URGP=0 "), WW_PARSE_EVENT);
    CHECK_STR(when(), "2024-03-17T13:39:13Z");
    CHECK_STR(src(), "2001:db8:0:f101::2");
    CHECK_STR(dst(), "2001:db8:0:f101::1");
    CHECK_INT(ev.src.family, 6);
    CHECK_INT(ev.dport, 1433);
    /* an IPv4-mapped source in an IPv6 packet is the IPv4 host (addr.h) */
    CHECK_INT(parse(&c, "Mar 17 13:39:13 linux kernel: DROP IN=eth0 OUT= "
        "SRC=0000:0000:0000:0000:0000:ffff:cb00:7132 DST=2001:0db8:0000:f101:0000:0000:0000:0001 "
        "LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=51397 DPT=445 WINDOW=5760 RES=0x00 "
        "SYN URGP=0 "), WW_PARSE_EVENT);
    CHECK_STR(src(), "203.0.113.50");
    CHECK_INT(ev.src.family, 4);
    CHECK_INT(parse(&c, "somefile:not a stamp IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"),
              WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    /* UniFi: no "kernel:", a quoted DESCR in the prefix */
    CHECK_INT(parse(&c, "Jun 13 23:29:15 UDMP-DTC [WAN_LOCAL-D-2147483647] DESCR=\"[WAN_LOCAL]"
        "Block All Traffic\" IN=eth8 OUT= MAC=74:ac:b9:1c:62:e5:00:17:10:2b:31:a9:08:00 "
        "SRC=192.168.1.1 DST=192.168.1.25 LEN=122 TOS=00 PREC=0x00 TTL=49 ID=45366 DF PROTO=UDP "
        "SPT=38451 DPT=54329 LEN=102 MARK=1a0000"), WW_PARSE_EVENT);
    CHECK_STR(src(), "192.168.1.1");
    CHECK_INT(ev.dport, 54329);
    CHECK_INT(ev.action, WW_ACTION_DROP);
    /* a syslog line that is not netfilter */
    CHECK_INT(parse(&c, "Jun 27 09:02:22 Dream-Machine-Pro Dream-Machine-Pro sshd[454008]: Failed "
        "keyboard-interactive/pam for invalid user asdasf from 192.168.1.2 port 5454 ssh2"),
        WW_PARSE_SKIP);
    /* IPv6 with extension-header noise (topera_ipv6_syn_scan_with_ip_opts line 1) */
    CHECK_INT(parse(&c, "Dec 20 20:10:01 rohan kernel: [  449.059230] DROP IN=eth0 OUT= "
        "MAC=00:1b:b9:76:9c:e4:00:13:46:3a:41:36:86:dd SRC=2012:1234:1234:0000:0000:0000:0000:0001 "
        "DST=2012:1234:1234:0000:0000:0000:0000:0002 LEN=132 TC=0 HOPLIMIT=64 FLOWLBL=0 OPT ( ) "
        "OPT ( ) OPT ( ) OPT ( ) OPT ( ) OPT ( ) OPT ( ) OPT ( ) OPT ( ) PROTO=TCP SPT=58537 "
        "DPT=1234 WINDOW=8192 RES=0x00 SYN URGP=0 "), WW_PARSE_EVENT);
    CHECK_STR(src(), "2012:1234:1234::1");
    CHECK_STR(dst(), "2012:1234:1234::2");
    CHECK_INT(ev.proto, WW_PROTO_TCP);
    CHECK_INT(ev.sport, 58537);
    CHECK_INT(ev.dport, 1234);
    CHECK_INT(ev.tcpflags, WW_TH_SYN);
    /* ICMPv6 neighbour solicitation */
    CHECK_INT(parse(&c, "Mar 17 13:39:13 linux kernel: [956932.482127] DROP IN=eth0 OUT= "
        "MAC=33:33:ff:00:00:01:00:1b:b9:76:9c:e4:86:dd SRC=2001:0db8:0000:f101:0000:0000:0000:0002 "
        "DST=ff02:0000:0000:0000:0000:0001:ff00:0001 LEN=72 TC=0 HOPLIMIT=255 FLOWLBL=0 "
        "PROTO=ICMPv6 TYPE=135 CODE=22 "), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP6);
    CHECK_INT(ev.sport, 135);
    CHECK_INT(ev.dport, 22);
    CHECK_STR(dst(), "ff02::1:ff00:1");
    /* ICMP echo: the second ID= and SEQ= are ignored */
    CHECK_INT(parse(&c, "Mar 23 21:29:27 linux kernel: [1503546.179768] ICMP IN=eth0 OUT= "
        "MAC=23:87:fc:c6:24:58:00:21:3f:98:99:78:09:00 SRC=192.168.10.55 DST=192.168.10.1 LEN=28 "
        "TOS=0x00 PREC=0x00 TTL=64 ID=18443 PROTO=ICMP TYPE=8 CODE=0 ID=2158 SEQ=512"),
        WW_PARSE_EVENT);
    CHECK_INT(ev.proto, WW_PROTO_ICMP);
    CHECK_INT(ev.sport, 8);
    CHECK_INT(ev.dport, 0);
    CHECK_INT(ev.action, WW_ACTION_UNKNOWN);
    /* ICMP error with the quoted packet: its fields must not leak out */
    CHECK_INT(parse(&c, "Mar 23 21:29:27 fw kernel: [1.000000] REJECT IN=eth0 OUT= SRC=203.0.113.5 "
        "DST=198.51.100.1 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 "
        "[SRC=198.51.100.1 DST=203.0.113.5 LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=2 PROTO=UDP "
        "SPT=53 DPT=40000 LEN=8 ] "), WW_PARSE_EVENT);
    CHECK_STR(src(), "203.0.113.5");
    CHECK_STR(dst(), "198.51.100.1");
    CHECK_INT(ev.proto, WW_PROTO_ICMP);
    CHECK_INT(ev.sport, 3);
    CHECK_INT(ev.dport, 3);
    /* XMAS flags; null scan; outgoing "IN= OUT=eth0" */
    CHECK_INT(parse(&c, "Mar 15 20:57:55 linux kernel: [810454.796629] DROP INVALID IN=eth0 OUT= "
        "SRC=192.168.10.55 DST=192.168.10.1 LEN=40 PROTO=TCP SPT=43347 DPT=1025 WINDOW=1024 "
        "RES=0x00 URG PSH FIN URGP=0 "), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, WW_TH_URG | WW_TH_PSH | WW_TH_FIN);
    CHECK_INT(parse(&c, "Mar 16 21:22:27 linux kernel: [898326.372250] DROP INVALID IN=eth0 OUT= "
        "SRC=192.168.10.55 DST=192.168.10.1 LEN=40 PROTO=TCP SPT=52836 DPT=1025 WINDOW=1024 "
        "RES=0x00 URGP=0 "), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, 0);
    CHECK_INT(parse(&c, "Mar 16 21:23:59 linux kernel: [898418.211047] IN= OUT=eth0 SRC=192.168.10.1 "
        "DST=192.168.10.55 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 "
        "ID=11552 SEQ=1 "), WW_PARSE_EVENT);
    CHECK_STR(src(), "192.168.10.1");
    /* nmap protocol scan: bare headers have no ports */
    CHECK_INT(parse(&c, "Mar 15 20:58:59 linux kernel: [810518.886753] DROP IN=eth0 OUT= "
        "SRC=192.168.10.55 DST=192.168.10.1 LEN=20 TOS=0x00 PREC=0x00 TTL=40 ID=40147 "
        "PROTO=UDPLITE INCOMPLETE [0 bytes] "), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 136);
    CHECK_INT(ev.sport, 0);
    CHECK_INT(parse(&c, "Mar 15 20:59:04 linux kernel: [810523.507536] DROP IN=eth0 OUT= "
        "SRC=192.168.10.55 DST=192.168.10.1 LEN=20 TTL=52 ID=48031 PROTO=58 "), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 58);
    CHECK_INT(ev.sport, 0);
    CHECK_INT(parse(&c, "Mar 15 20:59:04 linux kernel: DROP IN=eth0 OUT= SRC=192.168.10.55 "
        "DST=192.168.10.1 PROTO=ESP INCOMPLETE [0 bytes] "), WW_PARSE_EVENT);
    CHECK_INT(ev.proto, 50);
    /* a long MAC= (whole link header) is fine up to 128 bytes */
    snprintf(line, sizeof line, "Mar 15 20:59:04 h kernel: IN=e OUT= MAC=%s%s SRC=1.2.3.4 "
             "DST=5.6.7.8 PROTO=2", MAC + 4, ":00:11:22:33:44:55:66:77:88:99");
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    /* journalctl boot separators and blank lines */
    CHECK_INT(parse(&c, "-- Boot 0123456789abcdef --"), WW_PARSE_SKIP);
    CHECK_INT(parse(&c, ""), WW_PARSE_SKIP);
    CHECK_INT(parse(&c, "  \r"), WW_PARSE_SKIP);
}

static void test_actions(void)
{
    static const struct { const char *prefix; int action; } cases[] = {
        {"[UFW BLOCK] ", WW_ACTION_DROP}, {"[UFW ALLOW] ", WW_ACTION_ACCEPT},
        {"[UFW AUDIT] ", WW_ACTION_UNKNOWN}, {"INPUT-DROP: ", WW_ACTION_DROP},
        {"PVEFW-reject: ", WW_ACTION_DROP}, {"IPTABLES-DROP: ", WW_ACTION_DROP},
        {"Shorewall:wlan0_mac:DROP:", WW_ACTION_DROP}, {"Shorewall:net2fw:ACCEPT:", WW_ACTION_ACCEPT},
        {"DROP INVALID ", WW_ACTION_DROP}, {"ICMP ", WW_ACTION_UNKNOWN}, {"", WW_ACTION_UNKNOWN},
        {"fw-accepted ", WW_ACTION_ACCEPT}, {"denied: ", WW_ACTION_DROP},
        {"BLOCKED ", WW_ACTION_DROP}, {"pass ", WW_ACTION_ACCEPT}, {"Allowed ", WW_ACTION_ACCEPT},
        {"REJECTED ", WW_ACTION_DROP}, {"dropped ", WW_ACTION_DROP}, {"deny ", WW_ACTION_DROP},
        {"DROPS ", WW_ACTION_UNKNOWN}, {"PASSWORD ", WW_ACTION_UNKNOWN},
        {"NEW-ACCEPT then DROP ", WW_ACTION_DROP},
    };
    struct ww_parse_ctx c;
    char line[512];
    fixed_ctx(&c, 2024);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, "Mar 11 20:35:11 host kernel: [1.5] %sIN=eth0 OUT= "
                 "SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=2 RES=0x00 SYN URGP=0", cases[i].prefix);
        CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
        if (ev.action != cases[i].action)
            fprintf(stderr, "prefix \"%s\"\n", cases[i].prefix);
        CHECK_INT(ev.action, cases[i].action);
        CHECK_INT(ev.outcome, cases[i].action == WW_ACTION_ACCEPT ? WW_OUTCOME_SUCCESS
                              : cases[i].action == WW_ACTION_DROP ? WW_OUTCOME_FAILURE
                              : WW_OUTCOME_UNKNOWN);
    }
    /* the host name is not part of the prefix */
    CHECK_INT(parse(&c, "Mar 11 20:35:11 drop-box kernel: IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 "
        "PROTO=2"), WW_PARSE_EVENT);
    CHECK_INT(ev.action, WW_ACTION_UNKNOWN);
}

static void test_bad(void)
{
    static const struct { const char *pkt, *why; } cases[] = {
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=70000 SYN", "DPT out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=65536 DPT=7 SYN", "SPT out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=abc SYN", "DPT is not a number"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT= SYN", "DPT is not a number"},
        /* numbers: past the maximum at any length, a non-digit anywhere first */
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=99999999999999999999999 SYN", "DPT out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=99999999999999999999999x SYN", "DPT is not a number"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=-1 DPT=2 SYN", "SPT is not a number"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=+1 DPT=2 SYN", "SPT is not a number"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=ICMP TYPE=8 CODE=0256", "CODE out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=ICMP TYPE=8 CODE=0x1", "CODE is not a number"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=65536", "PROTO out of range"},
        {"SRC=999.1.1.1 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=2", "SRC is not an IP address"},
        {"SRC=1.2.3.4 DST=5.6.7 PROTO=TCP SPT=1 DPT=2", "DST is not an IP address"},
        {"SRC=1.2.3.4 DST=5.6.7.8 LEN=40 TTL=3 SPT=1 DPT=2", "missing PROTO"},
        {"DST=5.6.7.8 PROTO=2", "missing SRC"},
        {"SRC=1.2.3.4 PROTO=2", "missing DST"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP FRAG:1480", "missing SPT"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=UDP SPT=4", "missing DPT"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=ICMP INCOMPLETE [4 bytes]", "missing TYPE"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=ICMP TYPE=8", "missing CODE"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=ICMP TYPE=256 CODE=0", "TYPE out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=300", "PROTO out of range"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=FOO", "unknown PROTO"},
        {"SRC=1.2.3.4 DST=2001:db8::1 PROTO=2", "SRC and DST address families differ"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=2 SYN URGP=0 PROTO=2", "repeated PROTO"},
        {"SRC=1.2.3.4 DST=5.6.7.8 SRC=1.2.3.5 PROTO=2", "repeated SRC"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=UDP SPT=1 DPT=2 DPT=3", "repeated DPT"},
        {"SRC=1.2.3.4 DST=5.6.7.8 PROTO=2 X=01234567890123456789012345678901234567890123456789"
         "01234567890123456789012345678901234567890123456789", "value longer than 64 bytes"},
    };
    struct ww_parse_ctx c;
    char line[512];
    fixed_ctx(&c, 2024);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, "Mar 11 20:35:11 host kernel: IN=eth0 OUT= %s", cases[i].pkt);
        CHECK_INT(parse(&c, line), WW_PARSE_BAD);
        CHECK_STR(why, cases[i].why);
    }
    /* leading zeros are digits: within the maximum at any length */
    CHECK_INT(parse(&c, "Mar 11 20:35:11 host kernel: IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 "
                        "PROTO=TCP SPT=0000000000000000000080 DPT=065535 SYN"), WW_PARSE_EVENT);
    CHECK_INT(ev.sport, 80);
    CHECK_INT(ev.dport, 65535);
    /* a 130-byte MAC= is too long even for MAC (which may reach 128) */
    char mac[256] = "Mar 11 20:35:11 h kernel: IN=e OUT= MAC=";
    size_t n = strlen(mac);
    for (int i = 0; i < 130; i++) mac[n++] = 'a';
    memcpy(mac + n, " SRC=1.2.3.4 DST=5.6.7.8 PROTO=2", 33);
    CHECK_INT(parse(&c, mac), WW_PARSE_BAD);
    CHECK_STR(why, "value longer than 64 bytes");
    /* no timestamp */
    CHECK_INT(parse(&c, "IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 DPT=2 SYN"),
              WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    CHECK_INT(parse(&c, "kernel: DROP IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"), WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    CHECK_INT(parse(&c, "12 IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2"), WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    /* binary garbage (with NULs, so it goes through the length, not strlen) */
    static const char garbage[] = "\x00\xff\x1b[31mIN=\x00SRC=\x80\x81 DST=\xfe PROTO=\x01\x02";
    why = "";
    CHECK_INT(ww_parse_netfilter(&c, garbage, sizeof garbage - 1, &ev, &why), WW_PARSE_BAD);
    CHECK_STR(why, "line has no timestamp");
    static const char garbage2[] = "Mar 11 20:35:11 \x00\x01 IN=\xff SRC=\x00 DST=1.2.3.4 PROTO=2";
    CHECK_INT(ww_parse_netfilter(&c, garbage2, sizeof garbage2 - 1, &ev, &why), WW_PARSE_BAD);
    CHECK_STR(why, "SRC is not an IP address");
    /* every prefix of a good line is handled without reading past it */
    const char *good = "2015-03-07T05:09:30.045015+02:00 servername kernel: DROP: IN=eth0 OUT= "
        "SRC=4.4.4.4 DST=1.2.3.4 LEN=40 PROTO=TCP SPT=58923 DPT=21 WINDOW=65535 RES=0x00 SYN URGP=0";
    size_t glen = strlen(good);
    int events = 0;
    for (size_t k = 0; k <= glen; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, good, k);
        events += ww_parse_netfilter(&c, copy, k, &ev, &why) == WW_PARSE_EVENT;
        free(copy);
    }
    /* from "DPT=21" on; "DPT=2" is an event too (with the wrong port, as it should) */
    CHECK_INT(events, (int)(glen - (size_t)(strstr(good, "DPT=21") - good)) - 4);
}

/* Exact counts over the real corpus. */
static const char *corpus_dir(void)
{
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", corpus_path(""));
    dir[strlen(dir) - 1] = 0; /* drop the trailing '/' */
    FILE *f = fopen(corpus_path("psad/syn_sweep"), "rb");
    if (!f) return NULL;
    fclose(f);
    return dir;
}

/* The fast paths (issue 16): the BSD stamp's hour reused from the line
 * before, the kernel's address forms read directly, protocol names and
 * flag words compared as words. Each must answer as the general path does. */
static void test_fast_paths(void)
{
    struct ww_parse_ctx c;
    const char *pkt = " h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=2";
    char line[256];
    fixed_ctx(&c, 2024);
    static const struct { const char *stamp, *when; } hour[] = {
        {"Mar 11 20:35:11", "2024-03-11T20:35:11Z"},
        {"Mar 11 20:35:11.250000", "2024-03-11T20:35:11Z"}, /* and 250000 us */
        {"Mar 11 20:59:59", "2024-03-11T20:59:59Z"},
        {"Mar 11 20:00:00", "2024-03-11T20:00:00Z"},
        {"Mar 11 20:60:00", NULL}, /* no such minute: the hour is not reused */
        {"Mar 11 20:05:61", NULL},
        {"Mar 11 21:00:00", "2024-03-11T21:00:00Z"},
        {"Mar 11 20:35:11", "2024-03-11T20:35:11Z"},
        {"Mar  1 20:35:11", "2024-03-01T20:35:11Z"},
        {"Mar 1 20:35:12", "2024-03-01T20:35:12Z"},
        {"Feb 30 20:35:11", NULL},
        {"Feb 30 20:35:12", NULL},
    };
    for (size_t i = 0; i < sizeof hour / sizeof hour[0]; i++) {
        snprintf(line, sizeof line, "%s%s", hour[i].stamp, pkt);
        if (hour[i].when) {
            CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
            CHECK_STR(when(), hour[i].when);
            CHECK_INT(ev.ts_us % WW_SEC_US, i == 1 ? 250000 : 0);
        } else {
            CHECK_INT(parse(&c, line), WW_PARSE_BAD);
            CHECK_STR(why, "timestamp out of range");
        }
    }
    /* the same hour under other options is another time */
    snprintf(line, sizeof line, "Mar 11 20:35:11%s", pkt);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2024-03-11T20:35:11Z");
    c.tz_offset = 3600;
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2024-03-11T19:35:11Z");
    c.year = 2023;
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2023-03-11T19:35:11Z");
    c.tz_fixed = 0; /* EST5EDT: DST began on 2023-03-12 */
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2023-03-12T01:35:11Z");
    snprintf(line, sizeof line, "Mar 12 20:35:11%s", pkt);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(when(), "2023-03-13T00:35:11Z");

    static const struct { const char *addrs, *src, *dst; int family; const char *why; } addr[] = {
        {"SRC=0.0.0.0 DST=255.255.255.255", "0.0.0.0", "255.255.255.255", 4, NULL},
        {"SRC=10.0.0.1 DST=100.200.10.9", "10.0.0.1", "100.200.10.9", 4, NULL},
        {"SRC=010.0.0.1 DST=5.6.7.8", NULL, NULL, 0, "SRC is not an IP address"},
        {"SRC=1.2.3.4 DST=256.6.7.8", NULL, NULL, 0, "DST is not an IP address"},
        {"SRC=1.2.3.4.5 DST=5.6.7.8", NULL, NULL, 0, "SRC is not an IP address"},
        {"SRC=1.2.3. DST=5.6.7.8", NULL, NULL, 0, "SRC is not an IP address"},
        {"SRC=1.2.3.4 DST=5.6.7.1234", NULL, NULL, 0, "DST is not an IP address"},
        {"SRC=2001:0DB8:0000:0000:0000:0000:0000:0001 DST=fe80:0000:0000:0000:0a00:27ff:fe4e:66a1",
         "2001:db8::1", "fe80::a00:27ff:fe4e:66a1", 6, NULL},
        {"SRC=2001:0db8:0000:0000:0000:0000:0000:000g DST=2001:db8::1", NULL, NULL, 0,
         "SRC is not an IP address"},
        {"SRC=2001:0db8:0000:0000:0000:0000:0000.0001 DST=2001:db8::1", NULL, NULL, 0,
         "SRC is not an IP address"},
        {"SRC=2001:db8:0:0:0:0:0:1 DST=2001:0db8:0000:0000:0000:0000:0000:0002", "2001:db8::1",
         "2001:db8::2", 6, NULL},
        {"SRC=2001:0db8::0000:0000:0000:0000:1234 DST=2001:db8::2", "2001:db8::1234", "2001:db8::2", 6,
         NULL},
        /* the mapped form in full is the IPv4 host, but its text is IPv6 */
        {"SRC=0000:0000:0000:0000:0000:ffff:c000:020e DST=::ffff:5.6.7.8", "192.0.2.14", "5.6.7.8", 4,
         NULL},
        {"SRC=0000:0000:0000:0000:0000:ffff:c000:020e DST=5.6.7.8", NULL, NULL, 0,
         "SRC and DST address families differ"},
    };
    for (size_t i = 0; i < sizeof addr / sizeof addr[0]; i++) {
        snprintf(line, sizeof line, "Mar 11 20:35:11 h kernel: IN=e OUT= %s PROTO=2", addr[i].addrs);
        if (addr[i].src) {
            CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
            CHECK_STR(src(), addr[i].src);
            CHECK_STR(dst(), addr[i].dst);
            CHECK_INT(ev.src.family, addr[i].family);
            CHECK_INT(ev.dst.family, addr[i].family);
        } else {
            CHECK_INT(parse(&c, line), WW_PARSE_BAD);
            CHECK_STR(why, addr[i].why);
        }
    }

    static const struct { const char *proto; int num; } protos[] = {
        {"TCP SPT=1 DPT=2", 6}, {"tcp SPT=1 DPT=2", 6}, {"UDP SPT=1 DPT=2", 17},
        {"ICMP TYPE=8 CODE=0", 1}, {"ICMPv6 TYPE=128 CODE=0", 58}, {"icmpv6 TYPE=128 CODE=0", 58},
        {"IcMp TYPE=8 CODE=0", 1}, {"TCPX", -1}, {"UD", -1},
    };
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        snprintf(line, sizeof line, "Mar 11 20:35:11 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=%s",
                 protos[i].proto);
        if (protos[i].num < 0) {
            CHECK_INT(parse(&c, line), WW_PARSE_BAD);
            CHECK_STR(why, "unknown PROTO");
        } else {
            CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
            CHECK_INT(ev.proto, protos[i].num);
        }
    }
    CHECK_INT(parse(&c, "Mar 11 20:35:11 h kernel: IN=e OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=1 "
                        "DPT=2 CWR ECE URG ACK PSH RST SYN FIN SYNX syn DF"), WW_PARSE_EVENT);
    CHECK_INT(ev.tcpflags, 0xff);
}

/* The SYN fingerprint (core/synfp.h) of a line, as text ("" for none). */
static const char *fptext(void)
{
    static char t[WW_SYNFP_TEXT];
    ww_synfp_format(&ev.fp, t, sizeof t);
    return t;
}

static void test_fingerprint(void)
{
    struct ww_parse_ctx c;
    fixed_ctx(&c, 2026);
    const char *pre = "Mar 11 20:35:11 fw kernel: DROP IN=eth1 OUT= ";
    char line[1024];
    /* Linux's SYN, logged with --log-tcp-options (the kernel's line) */
    snprintf(line, sizeof line, "%s%s SRC=10.0.0.2 DST=10.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=63 "
             "ID=4321 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0 "
             "OPT (020405B40402080A0012D6870000000001030307) ", pre, MAC);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:63:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+,?seq:0");
    /* nmap -sS: no DF, ID 0 is id-; with --log-tcp-sequence: SEQ and ACK */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=41 "
             "ID=0 PROTO=TCP SPT=56247 DPT=139 SEQ=0 ACK=77 WINDOW=1024 RES=0x00 SYN URGP=0 "
             "OPT (020405B4) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:41:0:1460:1024,0:mss:id-,seq-,ack+:0");
    /* without options: a LEN that leaves 20 bytes of TCP had none (hping3) */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 "
             "ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=512 RES=0x00 SYN URGP=0 ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:64:0:0:512,0::?seq:0");
    /* ... a longer one did not say: `*` (and CE, ECE, CWR, URG, PSH, URGP) */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=48 TOS=0x00 PREC=0x00 TTL=128 "
             "ID=9 CE DF PROTO=TCP SPT=1 DPT=2 WINDOW=65535 RES=0x00 CWR ECE URG PSH SYN URGP=1 ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:128:0:*:65535,*:*:df,id+,ecn,0+,urgf+,pushf+,?seq:*");
    /* IP options before PROTO=, payload after the options, uptr+, RES */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=58 TOS=0x00 PREC=0x00 TTL=64 "
             "ID=0 DF OPT (94040000) PROTO=TCP SPT=1 DPT=2 WINDOW=8192 RES=0x04 SYN URGP=5 "
             "OPT (02040218) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:64:4:536:8192,0:mss:df,ecn,uptr+,?seq:+");
    /* IPv6: HOPLIMIT, TC's ECN bits, the flow label */
    snprintf(line, sizeof line, "%s SRC=2001:0db8:0000:0000:0000:0000:0000:0002 "
             "DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=80 TC=1 HOPLIMIT=57 FLOWLBL=123 "
             "PROTO=TCP SPT=1 DPT=2 WINDOW=28800 RES=0x00 SYN URGP=0 "
             "OPT (0204058C0402080A0000000000000000010303070000) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "6:57:0:1420:28800,7:mss,sok,ts,nop,ws,eol+1:ecn,flow,ts1-,?seq:0");
    /* (HEX) is TCP options only right after OPT, the first such, never an
     * empty one: later words in parentheses change nothing */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=48 TOS=0x00 PREC=0x00 TTL=41 "
             "ID=0 PROTO=TCP SPT=56247 DPT=139 WINDOW=1024 RES=0x00 SYN URGP=0 "
             "OPT (020405B4) T0 () (0204FFFF) OPT (02040218) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:41:0:1460:1024,0:mss:id-,?seq:+");
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=41 "
             "ID=0 PROTO=TCP SPT=56247 DPT=139 WINDOW=1024 RES=0x00 SYN URGP=0 OPT () (020405B4) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_STR(fptext(), "4:41:0:*:1024,*:*:id-,?seq:*");
    /* only a SYN without ACK has one */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=64 "
             "ID=0 DF PROTO=TCP SPT=1 DPT=2 WINDOW=8192 RES=0x00 ACK SYN URGP=0 OPT (020405B4) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_EVENT);
    CHECK_INT(ev.fp.flags, 0);
    /* bad values on a SYN are named */
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=64 "
             "ID=0 DF PROTO=TCP SPT=1 DPT=2 WINDOW=8192 RES=0x00 SYN URGP=0 OPT (020405B) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_BAD);
    CHECK_STR(why, "TCP OPT (...) is not whole bytes of hex, at most 40");
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=64 "
             "ID=0 DF PROTO=TCP SPT=1 DPT=2 WINDOW=8192 RES=0x00 SYN URGP=0 OPT (020405BX) ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_BAD);
    CHECK_STR(why, "TCP OPT (...) is not hexadecimal");
    snprintf(line, sizeof line, "%s SRC=10.0.0.2 DST=10.0.0.1 LEN=44 TOS=0x00 PREC=0x00 TTL=300 "
             "ID=0 DF PROTO=TCP SPT=1 DPT=2 WINDOW=8192 RES=0x00 SYN URGP=0 ", pre);
    CHECK_INT(parse(&c, line), WW_PARSE_BAD);
    CHECK_STR(why, "TTL is not a number up to 255");

    /* the real corpus: psad's nmap -sS lines with OPT (020405B4) */
    if (!HAVE_CORPUS()) return;
    FILE *f = fopen(corpus_path("psad/syn_scan_1000_1500"), "rb");
    CHECK(f != NULL);
    if (!f) return;
    int syns = 0, nmap = 0;
    ww_parse_ctx_init(&c);
    c.tz_fixed = 1;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        if (ww_parse_netfilter(&c, line, n, &ev, &why) != WW_PARSE_EVENT) continue;
        if (ev.proto != WW_PROTO_TCP || (ev.tcpflags & (WW_TH_SYN | WW_TH_ACK)) != WW_TH_SYN) continue;
        syns++;
        if ((ev.fp.flags & WW_FP_OPTS) && ev.fp.nopt == 1 && ev.fp.opt[0] == 2 && ev.fp.mss == 1460 &&
            !(ev.fp.flags & WW_FP_PAYLOAD) && !(ev.fp.quirks & ~(uint32_t)WW_FPQ_ID_MINUS))
            nmap++;
    }
    fclose(f);
    CHECK(syns > 1000);
    CHECK_INT(nmap, syns);
}

static void test_corpus(void)
{
    static const struct { const char *file; int event, skip, bad; } files[] = {
        {"psad/ack_scan_1000_1150", 302, 0, 0},
        {"psad/fin_scan_1000_1150", 302, 0, 0},
        {"psad/fwknop_spa_pkt", 1, 0, 0},
        {"psad/invalid_icmp_type_code", 5, 0, 0},
        {"psad/ipv4_igmp", 4, 0, 0},
        {"psad/ipv4_valid_ping", 5, 0, 0},
        {"psad/ipv6_invalid_icmp6_type_code", 2, 0, 0},
        {"psad/ipv6_ms_sql_server_sig_match", 1, 0, 0},
        {"psad/ipv6_ping_scan", 2, 0, 0},
        {"psad/ipv6_tcp_connect_nmap_default_scan", 1009, 0, 0},
        {"psad/mirai_default_credentials_scan", 11, 0, 0},
        {"psad/ms_sql_server_sig_match", 2, 0, 0},
        {"psad/null_scan_1000_1150", 303, 0, 0},
        {"psad/proto_scan", 510, 0, 0},
        {"psad/reputation_scan", 7, 0, 0},
        {"psad/syn_scan_1000_1500", 1002, 0, 0},
        {"psad/syn_scan_1000_1500_localhost", 1002, 0, 0},
        {"psad/syn_scan_1000_1500_multi_dst", 4008, 0, 0},
        {"psad/syn_scan_1000_1500_zeroip", 1002, 0, 0},
        {"psad/syn_sweep", 12, 0, 0},
        {"psad/syslog_time_fmt1.log", 6, 0, 0},
        {"psad/topera_ipv6_syn_scan_no_ip_opts", 1058, 0, 0},
        {"psad/topera_ipv6_syn_scan_with_ip_opts", 1046, 0, 0},
        {"psad/udp_scan_1000_1150", 302, 0, 0},
        {"psad/xmas_scan_1000_1150", 302, 0, 0},
        {"crowdsec-hub/iptables-logs.log", 3, 0, 1},
        {"crowdsec-hub/iptables-scan-multi-port.log", 49, 0, 0},
        {"crowdsec-hub/proxmox-iptables.log", 10, 0, 0},
        {"crowdsec-hub/unifi-logs.log", 3, 1, 0},
        {"netns-nmap/nft_kernel.dmesg", 1238, 0, 0},
    };
    if (!HAVE_CORPUS()) return;
    const char *dir = corpus_dir();
    CHECK(dir != NULL);
    if (!dir) return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].file);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)size + 1);
        size_t got = fread(buf, 1, (size_t)size, f);
        fclose(f);
        CHECK_INT(got, size);

        struct ww_parse_ctx c;
        ww_parse_ctx_init(&c);
        c.tz_fixed = 1;
        c.now_us = 1795651200LL * 1000000; /* 2026-11-26 */
        int n[3] = {0, 0, 0}, sane = 1;
        for (char *p = buf, *end = buf + got; p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) nl = end;
            int rc = ww_parse_netfilter(&c, p, (size_t)(nl - p), &ev, &why);
            n[rc]++;
            if (rc == WW_PARSE_EVENT &&
                (ev.count != 1 || ev.src.family == 0 || ev.src.family != ev.dst.family ||
                 ev.ts_us <= 0))
                sane = 0;
            p = nl + 1;
        }
        free(buf);
        if (n[0] != files[i].event || n[1] != files[i].skip || n[2] != files[i].bad)
            fprintf(stderr, "%s: %d/%d/%d events/skips/bad\n", files[i].file, n[0], n[1], n[2]);
        CHECK_INT(n[WW_PARSE_EVENT], files[i].event);
        CHECK_INT(n[WW_PARSE_SKIP], files[i].skip);
        CHECK_INT(n[WW_PARSE_BAD], files[i].bad);
        CHECK(sane);
    }
}

TEST_MAIN(
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    test_bsd();
    test_year_inference();
    test_local_time();
    test_rfc3339_epoch_dmesg();
    test_proxmox();
    test_quirks();
    test_actions();
    test_bad();
    test_fingerprint();
    test_fast_paths();
    test_corpus();
)

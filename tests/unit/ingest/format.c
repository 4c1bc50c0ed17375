/* format.c -- the format registry: ww_format_sniff on the first 4096 bytes
 * of every kind of corpus file (../shared/corpus/) and on small literals;
 * format names; the table's rows; ww_lines (sniffing the first non-empty
 * line, counting lines, events and bad lines, overlong lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ingest/format.h"
#include "test.h"

static FILE *corpus(const char *rel) { return fopen(corpus_path(rel), "rb"); }

static int sniff_file(const char *rel)
{
    unsigned char buf[4096];
    FILE *f = corpus(rel);
    CHECK(f != NULL);
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return (int)ww_format_sniff(buf, n);
}

static int sniff(const char *s) { return (int)ww_format_sniff((const unsigned char *)s, strlen(s)); }

static void test_corpus(void)
{
    if (!HAVE_CORPUS()) return;
    CHECK_INT(sniff_file("winfw/BetaHydri_pfirewall.log"), WW_FMT_WINFW);
    CHECK_INT(sniff_file("netns-nmap/nmap_scans.pcap"), WW_FMT_PCAP);
    CHECK_INT(sniff_file("netns-nmap/nft_kernel.dmesg"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("psad/syn_scan_1000_1500"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("psad/topera_ipv6_syn_scan_no_ip_opts"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("psad/syslog_time_fmt1.log"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("psad/fwknop_spa_pkt"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("crowdsec-hub/proxmox-iptables.log"), WW_FMT_NETFILTER);
    CHECK_INT(sniff_file("crowdsec-hub/unifi-logs.log"), WW_FMT_NETFILTER);
}

static void test_literals(void)
{
    static const unsigned char pcap_le[] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    static const unsigned char pcap_be[] = {0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4};
    static const unsigned char pcap_ns_le[] = {0x4d, 0x3c, 0xb2, 0xa1};
    static const unsigned char pcap_ns_be[] = {0xa1, 0xb2, 0x3c, 0x4d};
    static const unsigned char pcapng[] = {0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a};
    static const unsigned char binary[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0};
    CHECK_INT(ww_format_sniff(pcap_le, sizeof pcap_le), WW_FMT_PCAP);
    CHECK_INT(ww_format_sniff(pcap_be, sizeof pcap_be), WW_FMT_PCAP);
    CHECK_INT(ww_format_sniff(pcap_ns_le, sizeof pcap_ns_le), WW_FMT_PCAP);
    CHECK_INT(ww_format_sniff(pcap_ns_be, sizeof pcap_ns_be), WW_FMT_PCAP);
    CHECK_INT(ww_format_sniff(pcapng, sizeof pcapng), WW_FMT_PCAP);
    CHECK_INT(ww_format_sniff(pcap_le, 3), WW_FMT_NETFILTER); /* too short for a magic: text */
    CHECK_INT(ww_format_sniff(binary, sizeof binary), WW_FMT_AUTO);

    CHECK_INT(sniff("#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n"), WW_FMT_WINFW);
    CHECK_INT(sniff("#Software: Microsoft Windows Firewall\n"), WW_FMT_WINFW);
    CHECK_INT(sniff("#Fields: date time action protocol src-ip dst-ip\n"), WW_FMT_WINFW);
    CHECK_INT(sniff("\xEF\xBB\xBF#Version: 1.5\n"), WW_FMT_WINFW);
    CHECK_INT(sniff("2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - - - - - - - RECEIVE\n"),
              WW_FMT_WINFW);

    CHECK_INT(sniff("2006-08-01 12:00:07 +02:00\t0\t1\t198.51.100.7\t4242\t192.0.2.1\t445\ttcp\tSYN\n"), WW_FMT_DSHIELD);
    CHECK_INT(sniff("# DShield\n\n2006-08-01 12:00:07 -0500\t0\t1\t198.51.100.7\t8\t192.0.2.1\t0\ticmp\t\r\n"),
              WW_FMT_DSHIELD);
    CHECK_INT(sniff("2006-08-01 12:00:07 +02:00\t0\t1\t198.51.100.7\t4242\t192.0.2.1\t445\ttcp"), WW_FMT_NETFILTER);

    CHECK_INT(sniff("Mar 11 20:35:11 linux kernel: [463490.251762] DROP IN=eth1 OUT= SRC=192.168.10.55 "
                    "DST=192.168.10.1 LEN=44 PROTO=TCP SPT=56247 DPT=1025 SYN URGP=0\n"), WW_FMT_NETFILTER);
    CHECK_INT(sniff("Mar 11 20:35:11 linux sshd[1]: Accepted publickey\nsomething else\n"), WW_FMT_NETFILTER);
    CHECK_INT(sniff(""), WW_FMT_NETFILTER);
    CHECK_INT(sniff("hello\0world"), WW_FMT_NETFILTER); /* strlen stops at the NUL */
    CHECK_INT(ww_format_sniff((const unsigned char *)"text\0\1\2", 7), WW_FMT_AUTO);
    /* A later decisive line wins over earlier undecided ones. */
    CHECK_INT(sniff("Mar 11 20:35:11 linux sshd[1]: hi\n2006-08-01 12:00:07\t0\t1\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\tSYN\n"),
              WW_FMT_DSHIELD);
}

static void test_names(void)
{
    static const char *names[] = {"auto", "netfilter", "winfw", "dshield", "pcap"};
    enum ww_format got = WW_FMT_NETFILTER;
    for (int f = WW_FMT_AUTO; f <= WW_FMT_PCAP; f++) {
        CHECK_STR(ww_format_name((enum ww_format)f), names[f]);
        CHECK_INT(ww_format_from_name(names[f], &got), WW_OK);
        CHECK_INT(got, f);
    }
    CHECK_INT(ww_format_from_name("pcapng", &got), WW_OK);
    CHECK_INT(got, WW_FMT_PCAP);
    CHECK_INT(ww_format_from_name("iptables", &got), WW_ERR_FORMAT);
    CHECK_INT(ww_format_from_name("", &got), WW_ERR_FORMAT);
    CHECK_INT(ww_format_from_name(NULL, &got), WW_ERR_FORMAT);
    CHECK_STR(ww_format_name((enum ww_format)99), "?");
}

static void test_table(void)
{
    CHECK(ww_format_get(WW_FMT_AUTO) == NULL);
    CHECK(ww_format_get((enum ww_format)99) == NULL);
    for (int f = WW_FMT_NETFILTER; f <= WW_FMT_PCAP; f++) {
        const struct ww_format_type *t = ww_format_get((enum ww_format)f);
        CHECK(t != NULL);
        if (!t) continue;
        CHECK_INT(t->id, f);
        CHECK_STR(t->name, ww_format_name((enum ww_format)f));
        /* text formats parse lines and sniff lines; captures only their head */
        CHECK_INT(!!t->parse, f != WW_FMT_PCAP);
        CHECK_INT(!!t->reset, f != WW_FMT_PCAP);
        CHECK_INT(!!t->sniff_line, f != WW_FMT_PCAP);
        CHECK_INT(!!t->sniff_head, f == WW_FMT_PCAP);
    }
    CHECK(ww_format_get(WW_FMT_DSHIELD)->parse == ww_parse_dshield);
    CHECK(ww_format_get(WW_FMT_WINFW)->parse == ww_parse_winfw);
    CHECK(ww_format_get(WW_FMT_NETFILTER)->parse == ww_parse_netfilter);
}

#define NF "Mar 11 20:35:11 fw kernel: DROP IN=eth0 OUT= SRC=198.51.100.7 DST=192.0.2.1 " \
           "LEN=44 PROTO=TCP SPT=4242 DPT=445 SYN URGP=0"
#define DS "2006-08-01 12:00:07 +02:00\t0\t1\t198.51.100.7\t4242\t192.0.2.1\t445\ttcp\tSYN"

static enum ww_parse_rc feed(struct ww_lines *l, const char *line, struct ww_event *ev)
{
    const char *why = NULL;
    enum ww_parse_rc rc = ww_lines_parse(l, line, strlen(line), ev, &why);
    if (rc == WW_PARSE_BAD) CHECK(why != NULL);
    return rc;
}

static void test_lines(void)
{
    struct ww_input_stats st = {0};
    struct ww_lines l;
    struct ww_event ev;
    /* sniffed: blank lines decide nothing, the first non-empty line does */
    ww_lines_init(&l, WW_FMT_AUTO, NULL, &st);
    CHECK(l.type == NULL);
    CHECK_INT(feed(&l, "", &ev), WW_PARSE_SKIP);
    CHECK(l.type == NULL);
    CHECK_INT(feed(&l, DS, &ev), WW_PARSE_EVENT);
    CHECK(l.type == ww_format_get(WW_FMT_DSHIELD));
    CHECK_INT(ev.dport, 445);
    CHECK_INT(feed(&l, DS "\r", &ev), WW_PARSE_EVENT); /* '\r' dropped */
    CHECK_INT(feed(&l, "2006-08-01 12:00:07 +02:00\tx", &ev), WW_PARSE_BAD);
    CHECK_INT(st.lines, 4);
    CHECK_INT(st.events, 2);
    CHECK_INT(st.skipped, 1);
    /* undecided (a pcap's magic, words) is netfilter */
    struct ww_input_stats st2 = {0};
    ww_lines_init(&l, WW_FMT_AUTO, NULL, &st2);
    CHECK_INT(feed(&l, "Mar 11 20:35:11 linux sshd[1]: Accepted publickey", &ev), WW_PARSE_SKIP);
    CHECK(l.type == ww_format_get(WW_FMT_NETFILTER));
    CHECK_INT(feed(&l, NF, &ev), WW_PARSE_EVENT);
    /* given: no sniffing; an overlong line is bad without being read past
     * the limit; a caller's own bad line */
    struct ww_input_stats st3 = {0};
    struct ww_parse_ctx opts;
    ww_parse_ctx_init(&opts);
    opts.year = 2020;
    ww_lines_init(&l, WW_FMT_NETFILTER, &opts, &st3);
    CHECK_INT(l.pctx.year, 2020);
    CHECK_INT(feed(&l, DS, &ev), WW_PARSE_BAD);
    CHECK_INT(feed(&l, NF, &ev), WW_PARSE_EVENT);
    const char *why = NULL;
    CHECK_INT(ww_lines_parse(&l, NF, WW_INPUT_MAXLINE + 1, &ev, &why), WW_PARSE_BAD);
    CHECK_STR(why, "line longer than 64 KiB");
    ww_lines_bad(&l);
    CHECK_INT(st3.lines, 4);
    CHECK_INT(st3.events, 1);
    CHECK_INT(st3.skipped, 3);
    /* a capture format given for text lines: netfilter */
    ww_lines_init(&l, WW_FMT_PCAP, NULL, &st3);
    CHECK(l.type == ww_format_get(WW_FMT_NETFILTER));
}

TEST_MAIN(
    test_corpus();
    test_literals();
    test_names();
    test_table();
    test_lines();
)

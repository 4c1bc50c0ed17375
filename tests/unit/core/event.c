/* event.c -- lib/core/event.c: probe kinds from protocol and flags (ECN
 * bits ignored), the port an event counts under, protocol names both ways,
 * and TCP flag words both ways (a buffer too small is cut at a whole word). */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "core/event.h"

static enum ww_probe probe(uint8_t proto, uint8_t flags)
{
    struct ww_event ev;
    memset(&ev, 0, sizeof ev);
    ev.proto = proto;
    ev.tcpflags = flags;
    return ww_event_probe(&ev);
}

static void test_probe(void)
{
    enum { F = WW_TH_FIN, S = WW_TH_SYN, R = WW_TH_RST, P = WW_TH_PSH, A = WW_TH_ACK,
           U = WW_TH_URG, E = WW_TH_ECE, C = WW_TH_CWR };
    CHECK_INT(probe(WW_PROTO_TCP, S), WW_PROBE_SYN);
    CHECK_INT(probe(WW_PROTO_TCP, S | E | C), WW_PROBE_SYN); /* an ECN-setup SYN */
    CHECK_INT(probe(WW_PROTO_TCP, F), WW_PROBE_FIN);
    CHECK_INT(probe(WW_PROTO_TCP, 0), WW_PROBE_NULL);
    CHECK_INT(probe(WW_PROTO_TCP, E), WW_PROBE_NULL);
    CHECK_INT(probe(WW_PROTO_TCP, F | P | U), WW_PROBE_XMAS);
    CHECK_INT(probe(WW_PROTO_TCP, A), WW_PROBE_ACK);
    CHECK_INT(probe(WW_PROTO_TCP, S | A), WW_PROBE_SYNACK);
    CHECK_INT(probe(WW_PROTO_TCP, R), WW_PROBE_RST);
    CHECK_INT(probe(WW_PROTO_TCP, R | A), WW_PROBE_RST);
    CHECK_INT(probe(WW_PROTO_TCP, P | A), WW_PROBE_OTHER_TCP);
    CHECK_INT(probe(WW_PROTO_TCP, F | A), WW_PROBE_OTHER_TCP);
    CHECK_INT(probe(WW_PROTO_TCP, F | S | R | P | A | U), WW_PROBE_RST);
    CHECK_INT(probe(WW_PROTO_UDP, S), WW_PROBE_UDP); /* flags mean nothing off TCP */
    CHECK_INT(probe(WW_PROTO_ICMP, 0), WW_PROBE_ICMP);
    CHECK_INT(probe(WW_PROTO_ICMP6, 0), WW_PROBE_ICMP);
    CHECK_INT(probe(47, 0), WW_PROBE_PROTO);
    CHECK_INT(probe(0, S), WW_PROBE_PROTO);

    static const char *const names[WW_PROBE_COUNT] = {
        "SYN", "FIN", "NULL", "XMAS", "ACK", "SYNACK", "RST", "TCP", "UDP", "ICMP", "PROTO"};
    for (int p = 0; p < WW_PROBE_COUNT; p++) CHECK_STR(ww_probe_name((enum ww_probe)p), names[p]);
    CHECK_STR(ww_probe_name(WW_PROBE_COUNT), "?");
}

static void test_port(void)
{
    struct ww_event ev;
    memset(&ev, 0, sizeof ev);
    ev.sport = 3, ev.dport = 1;
    ev.proto = WW_PROTO_TCP;
    CHECK_INT(ww_event_port(&ev), 1);
    ev.proto = WW_PROTO_UDP;
    CHECK_INT(ww_event_port(&ev), 1);
    ev.proto = 132;
    CHECK_INT(ww_event_port(&ev), 1);
    ev.proto = WW_PROTO_ICMP; /* type 3 code 1: host unreachable, not port 1 */
    CHECK_INT(ww_event_port(&ev), 0);
    ev.proto = WW_PROTO_ICMP6;
    CHECK_INT(ww_event_port(&ev), 0);
}

static void test_proto_names(void)
{
    CHECK_STR(ww_proto_name(6), "tcp");
    CHECK_STR(ww_proto_name(17), "udp");
    CHECK_STR(ww_proto_name(1), "icmp");
    CHECK_STR(ww_proto_name(58), "icmp6");
    CHECK_STR(ww_proto_name(132), "sctp");
    CHECK_STR(ww_proto_name(136), "udplite");
    CHECK(ww_proto_name(47) == NULL);
    CHECK(ww_proto_name(0) == NULL);

    static const struct { const char *s; int want; } t[] = {
        {"tcp", 6}, {"TCP", 6}, {"Udp", 17}, {"icmp", 1}, {"ICMPv6", 58}, {"icmp6", 58},
        {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136}, {"gre", 47}, {"esp", 50},
        {"ah", 51}, {"igmp", 2}, {"6", 6}, {"0", 0}, {"255", 255}, {"047", 47},
        {"256", -1}, {"6a", -1}, {"-6", -1}, {"tcpx", -1}, {"tc", -1}, {"", -1},
        {"1234567890", -1}, {"ipv6-icmpx", -1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        CHECK_INT(ww_proto_from_name(t[i].s, strlen(t[i].s)), t[i].want);
    CHECK_INT(ww_proto_from_name("tcp,udp", 3), 6); /* bounded by len */
    CHECK_INT(ww_proto_from_name("17/udp", 2), 17);
    /* every name given back is taken back */
    for (int p = 0; p < 256; p++) {
        const char *n = ww_proto_name((uint8_t)p);
        if (n) CHECK_INT(ww_proto_from_name(n, strlen(n)), p);
    }
}

static void test_flags(void)
{
    char b[64];
    CHECK_STR(ww_tcpflags_format(WW_TH_SYN, ' ', b, sizeof b), "SYN");
    CHECK_STR(ww_tcpflags_format(WW_TH_FIN | WW_TH_PSH | WW_TH_URG, ' ', b, sizeof b), "URG PSH FIN");
    CHECK_STR(ww_tcpflags_format(WW_TH_SYN | WW_TH_ACK, ',', b, sizeof b), "ACK,SYN");
    CHECK_STR(ww_tcpflags_format(0xff, ',', b, sizeof b), "CWR,ECE,URG,ACK,PSH,RST,SYN,FIN");
    CHECK_STR(ww_tcpflags_format(0, ' ', b, sizeof b), "");
    /* too small: whole words only, always terminated */
    CHECK_STR(ww_tcpflags_format(0xff, ',', b, 9), "CWR,ECE");
    CHECK_STR(ww_tcpflags_format(0xff, ',', b, 4), "");
    memcpy(b, "zz", 3);
    ww_tcpflags_format(0xff, ',', b, 0);
    CHECK_STR(b, "zz");

    static const char *const words[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    for (int i = 0; i < 8; i++) CHECK_INT(ww_tcpflag_from_word(words[i], 3), 1 << i);
    CHECK_INT(ww_tcpflag_from_word("syn", 3), 0); /* the kernel writes them in capitals */
    CHECK_INT(ww_tcpflag_from_word("SYNX", 4), 0);
    CHECK_INT(ww_tcpflag_from_word("SY", 2), 0);
    CHECK_INT(ww_tcpflag_from_word("RES", 3), 0);
    /* format then parse, every flag set */
    for (unsigned f = 0; f < 256; f++) {
        unsigned back = 0;
        ww_tcpflags_format((uint8_t)f, ' ', b, sizeof b);
        for (char *p = b; *p; p += p[3] ? 4 : 3) back |= ww_tcpflag_from_word(p, 3);
        CHECK_INT(back, f);
    }
}

TEST_MAIN(
    test_probe();
    test_port();
    test_proto_names();
    test_flags();
)

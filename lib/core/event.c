/* event.c -- names and classification for struct ww_event (see event.h).
 *
 * Probe kinds follow nmap's and psad's vocabulary: a TCP packet is named by
 * its flags (SYN alone, FIN alone, none = NULL, FIN+PSH+URG = XMAS, ACK
 * alone); ECE/CWR are ignored so ECN-capable SYNs stay SYNs.
 *
 * The port an event counts under (ww_event_port) is one rule for every
 * per-port table, analyze's (ports.c) and the collector's (store_sqlite.c):
 * every event counts, under (port, proto); ICMP and ICMPv6 have no port, so
 * they count under port 0 (their dport holds the ICMP code, which is not a
 * port: a ping is 0/icmp whatever its code, never 3/icmp). */
#include "core/event.h"

#include <string.h>
#include <strings.h>

enum ww_probe ww_event_probe(const struct ww_event *ev)
{
    if (ev->proto == WW_PROTO_UDP) return WW_PROBE_UDP;
    if (ev->proto == WW_PROTO_ICMP || ev->proto == WW_PROTO_ICMP6) return WW_PROBE_ICMP;
    if (ev->proto != WW_PROTO_TCP) return WW_PROBE_PROTO;
    uint8_t f = ev->tcpflags & (uint8_t)~(WW_TH_ECE | WW_TH_CWR);
    switch (f) {
    case WW_TH_SYN: return WW_PROBE_SYN;
    case WW_TH_FIN: return WW_PROBE_FIN;
    case 0: return WW_PROBE_NULL;
    case WW_TH_FIN | WW_TH_PSH | WW_TH_URG: return WW_PROBE_XMAS;
    case WW_TH_ACK: return WW_PROBE_ACK;
    case WW_TH_SYN | WW_TH_ACK: return WW_PROBE_SYNACK;
    }
    if (f & WW_TH_RST) return WW_PROBE_RST;
    return WW_PROBE_OTHER_TCP;
}

/* Replies as Moore, Voelker and Savage ("Inferring Internet Denial-of-
 * Service Activity", USENIX Security 2001, table 1) list them: what a host
 * sends back to a spoofed source. TCP: SYN-ACK (to a SYN), RST or RST-ACK
 * (to a SYN on a closed port, or to anything else). ICMP: echo reply (0),
 * unreachable (3), source quench (4), redirect (5), time exceeded (11),
 * parameter problem (12), timestamp, information and mask replies (14, 16,
 * 18). ICMPv6: unreachable (1), packet too big (2), time exceeded (3),
 * parameter problem (4), echo reply (129). Echo and other requests are not
 * replies: a ping sweep is a scan. */
int ww_event_is_reply(const struct ww_event *ev)
{
    uint8_t f = ev->tcpflags & (uint8_t)~(WW_TH_ECE | WW_TH_CWR);
    switch (ev->proto) {
    case WW_PROTO_TCP:
        return f == (WW_TH_SYN | WW_TH_ACK) || ((f & WW_TH_RST) && !(f & WW_TH_SYN));
    case WW_PROTO_ICMP:
        return ev->sport < 32 && (UINT32_C(0x55839) >> ev->sport & 1);
    case WW_PROTO_ICMP6:
        return (ev->sport >= 1 && ev->sport <= 4) || ev->sport == 129;
    }
    return 0;
}

uint16_t ww_event_port(const struct ww_event *ev)
{
    return ev->proto == WW_PROTO_ICMP || ev->proto == WW_PROTO_ICMP6 ? 0 : ev->dport;
}

const char *ww_probe_name(enum ww_probe p)
{
    static const char *names[WW_PROBE_COUNT] = {
        "SYN", "FIN", "NULL", "XMAS", "ACK", "SYNACK", "RST", "TCP", "UDP", "ICMP", "PROTO"
    };
    return (unsigned)p < WW_PROBE_COUNT ? names[p] : "?";
}

const char *ww_proto_name(uint8_t proto)
{
    switch (proto) {
    case WW_PROTO_TCP: return "tcp";
    case WW_PROTO_UDP: return "udp";
    case WW_PROTO_ICMP: return "icmp";
    case WW_PROTO_ICMP6: return "icmp6";
    case 132: return "sctp";
    case 136: return "udplite";
    }
    return NULL;
}

int ww_proto_from_name(const char *s, size_t len)
{
    static const struct { const char *name; int num; } names[] = {
        {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"icmp6", 58},
        {"ipv6-icmp", 58}, {"sctp", 132}, {"udplite", 136}, {"gre", 47},
        {"esp", 50}, {"ah", 51}, {"igmp", 2},
    };
    if (len == 0 || len > 9) return -1;
    if (s[0] >= '0' && s[0] <= '9') {
        int v = 0;
        for (size_t i = 0; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
            if (v > 255) return -1;
        }
        return v;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && !strncasecmp(s, names[i].name, len))
            return names[i].num;
    return -1;
}

static const struct { const char *word; uint8_t bit; } flagwords[] = {
    {"CWR", WW_TH_CWR}, {"ECE", WW_TH_ECE}, {"URG", WW_TH_URG}, {"ACK", WW_TH_ACK},
    {"PSH", WW_TH_PSH}, {"RST", WW_TH_RST}, {"SYN", WW_TH_SYN}, {"FIN", WW_TH_FIN},
};

char *ww_tcpflags_format(uint8_t flags, char sep, char *buf, size_t size)
{
    size_t n = 0;
    if (size) buf[0] = 0;
    for (size_t i = 0; i < 8; i++) {
        if (!(flags & flagwords[i].bit)) continue;
        if (n + 5 > size) break;
        if (n) buf[n++] = sep;
        memcpy(buf + n, flagwords[i].word, 3);
        n += 3;
        buf[n] = 0;
    }
    return buf;
}

uint8_t ww_tcpflag_from_word(const char *s, size_t len)
{
#define W3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
    if (len != 3) return 0;
    switch (W3((unsigned char)s[0], (unsigned char)s[1], (unsigned char)s[2])) { /* the parsers' hot path */
    case W3('C', 'W', 'R'): return WW_TH_CWR;
    case W3('E', 'C', 'E'): return WW_TH_ECE;
    case W3('U', 'R', 'G'): return WW_TH_URG;
    case W3('A', 'C', 'K'): return WW_TH_ACK;
    case W3('P', 'S', 'H'): return WW_TH_PSH;
    case W3('R', 'S', 'T'): return WW_TH_RST;
    case W3('S', 'Y', 'N'): return WW_TH_SYN;
    case W3('F', 'I', 'N'): return WW_TH_FIN;
    }
    return 0;
#undef W3
}

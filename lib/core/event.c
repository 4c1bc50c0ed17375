/* event.c -- names and classification for struct ww_event (see event.h).
 *
 * The classifiers every detector asks per event (ww_event_probe,
 * ww_event_is_reply, ww_event_port) are inline in event.h, with their
 * rules. */
#include "core/event.h"

#include <string.h>
#include <strings.h>

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

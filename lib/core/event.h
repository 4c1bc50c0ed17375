/* event.h -- struct ww_event, the one normalized record.
 *
 * Every parser (netfilter, Windows Firewall, DShield, pcap) produces these;
 * every detector, store and report consumes them. Nothing else crosses the
 * boundary, so a new input format is a new parser and nothing more.
 * An event is a fixed-size value with no pointers: parsers fill a caller's
 * struct and allocate nothing.
 *
 * For ICMP/ICMPv6, sport holds the type and dport the code (as DShield does).
 * `count` is how many identical records this one stands for (DShield TSV's
 * count column); it is 1 everywhere else. A TCP SYN carries its stack's
 * fingerprint (core/synfp.h) when the input shows it. */
#ifndef WW_EVENT_H
#define WW_EVENT_H
#include <stdint.h>
#include "core/addr.h"
#include "core/synfp.h"

enum { WW_PROTO_ICMP = 1, WW_PROTO_TCP = 6, WW_PROTO_UDP = 17, WW_PROTO_ICMP6 = 58 };

/* TCP flag bits, as in the TCP header's 13th byte. */
enum {
    WW_TH_FIN = 0x01, WW_TH_SYN = 0x02, WW_TH_RST = 0x04, WW_TH_PSH = 0x08,
    WW_TH_ACK = 0x10, WW_TH_URG = 0x20, WW_TH_ECE = 0x40, WW_TH_CWR = 0x80
};

/* What the firewall did with the packet, when the log says so. */
enum ww_action { WW_ACTION_UNKNOWN = 0, WW_ACTION_ACCEPT, WW_ACTION_DROP };

/* The outcome of a first contact, when known (pcap: answered or not; logs:
 * ACCEPT = success, DROP/REJECT = failure). TRW runs on these. */
enum ww_outcome { WW_OUTCOME_UNKNOWN = 0, WW_OUTCOME_SUCCESS, WW_OUTCOME_FAILURE };

/* Probe kinds, derived from proto and TCP flags (ww_event_probe()). */
enum ww_probe {
    WW_PROBE_SYN = 0, WW_PROBE_FIN, WW_PROBE_NULL, WW_PROBE_XMAS, WW_PROBE_ACK,
    WW_PROBE_SYNACK, WW_PROBE_RST, WW_PROBE_OTHER_TCP, WW_PROBE_UDP,
    WW_PROBE_ICMP, WW_PROBE_PROTO, WW_PROBE_COUNT
};

struct ww_event {
    int64_t ts_us;        /* microseconds since 1970-01-01T00:00:00Z */
    struct ww_addr src;
    struct ww_addr dst;
    uint16_t sport;       /* ICMP: type */
    uint16_t dport;       /* ICMP: code */
    uint8_t proto;        /* IP protocol number */
    uint8_t tcpflags;     /* WW_TH_* (TCP only) */
    uint8_t action;       /* enum ww_action */
    uint8_t outcome;      /* enum ww_outcome */
    uint16_t sensor;      /* which sensor saw it: the file in analyze, the key in the
                             collector (low 16 bits); 0 if one or unknown */
    uint32_t count;       /* records this event stands for, >= 1 */
    uint16_t os;          /* fp's match in p0f's database (detect/osdb.h), filled by
                             whoever holds the database (analysis.c, the collector's
                             writer) after parsing; 0: none */
    struct ww_synfp fp;   /* a TCP SYN's fingerprint (fp.flags 0: none) */
};

/* The classifiers below run for every event in every detector: inline.
 *
 * Probe kinds follow nmap's and psad's vocabulary: a TCP packet is named by
 * its flags (SYN alone, FIN alone, none = NULL, FIN+PSH+URG = XMAS, ACK
 * alone); ECE/CWR are ignored so ECN-capable SYNs stay SYNs. */
static inline enum ww_probe ww_event_probe(const struct ww_event *ev)
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

/* 1 if the event is a reply: arriving unasked, it is a DoS victim's
 * backscatter (detect/backscatter.h), never a probe. Replies as Moore,
 * Voelker and Savage ("Inferring Internet Denial-of-Service Activity",
 * USENIX Security 2001, table 1) list them: what a host sends back to a
 * spoofed source. TCP: SYN-ACK (to a SYN), RST or RST-ACK (to a SYN on a
 * closed port, or to anything else). ICMP: echo reply (0), unreachable
 * (3), source quench (4), redirect (5), time exceeded (11), parameter
 * problem (12), timestamp, information and mask replies (14, 16, 18).
 * ICMPv6: unreachable (1), packet too big (2), time exceeded (3), parameter
 * problem (4), echo reply (129). Echo and other requests are not replies:
 * a ping sweep is a scan. */
static inline int ww_event_is_reply(const struct ww_event *ev)
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

/* The destination port the event counts under in per-port statistics, one
 * rule for analyze's (ports.c) and the collector's (store_sqlite.c): every
 * event counts, under (port, proto); ICMP and ICMPv6 have no port, so they
 * count under port 0 (their dport holds the ICMP code, which is not a port:
 * a ping is 0/icmp whatever its code, never 3/icmp). */
static inline uint16_t ww_event_port(const struct ww_event *ev)
{
    return ev->proto == WW_PROTO_ICMP || ev->proto == WW_PROTO_ICMP6 ? 0 : ev->dport;
}

const char *ww_probe_name(enum ww_probe p);         /* "SYN", "XMAS", "UDP", ... */
const char *ww_proto_name(uint8_t proto);            /* "tcp", "udp", "icmp", "icmp6"; NULL if unnamed */
int ww_proto_from_name(const char *s, size_t len);   /* "tcp"/"TCP"/"6" -> 6; -1 if unknown */
/* Flags as netfilter words joined by `sep` ("SYN", "FIN PSH URG"); "" if none. */
char *ww_tcpflags_format(uint8_t flags, char sep, char *buf, size_t size);
/* One netfilter flag word ("SYN", "ACK", ...) to its bit, 0 if not a flag. */
uint8_t ww_tcpflag_from_word(const char *s, size_t len);

/* Where events go: a callback with the caller's context. */
typedef void (*ww_event_fn)(void *ctx, const struct ww_event *ev);

/* How much input became events, counted the same by every reader (files,
 * captures, the sensor's followed logs, the collector's batches). */
struct ww_input_stats {
    uint64_t lines;    /* text lines, or packets for captures */
    uint64_t events;   /* events emitted (before count expansion) */
    uint64_t skipped;  /* bad lines/packets */
    uint64_t bytes;    /* bytes read */
};

#endif

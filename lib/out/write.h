/* write.h -- events out: netfilter LOG lines, classic pcap records and
 * DShield TSV lines.
 *
 * An event holds addresses, ports, protocol and flags, not a whole packet.
 * The writers make up the rest -- TTL, IP ID, window, options, payload,
 * MAC addresses -- as a pure function of the event (struct ww_write_shape),
 * so the netfilter line and the pcap frame of one event describe the same
 * packet, and the same event always gives the same bytes. The made-up values
 * are plausible for 2006-era hosts: TTL from an initial 128 (Windows), 64 or
 * 255 minus 6-25 hops, fixed per source; SYNs carry MSS, NOP, NOP, SACK-OK
 * (48-byte IPv4 packets, as Windows XP sends them); UDP payload sizes of the
 * well-known probes (Slammer's 376 bytes on 1434, a NetBIOS node status
 * query on 137, Messenger spam on 1026/1027); ICMP echo carries Windows
 * ping's 32 bytes. A TCP SYN whose event carries a fingerprint (ev->fp,
 * core/synfp.h) is that SYN instead: its TTL, window, DF and IP ID, IPv4
 * option length, flow label, flags, urgent pointer, sequence numbers and
 * TCP options make the quirks it has, so reading either output back gives
 * the fingerprint again (ww_write_shape_syn). Both writers fill a caller's
 * buffer, allocate nothing, and return 0 if it is too small. */
#ifndef WW_WRITE_H
#define WW_WRITE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/event.h"

/* Enough for any line or record these writers make. */
#define WW_WRITE_MAX 1024

/* `STAMP HOST kernel: [DROP |ACCEPT ]IN=eth0 OUT= MAC=... SRC=... ...\n`,
 * the kernel's nf_log format (net/netfilter/nf_log_syslog.c), with an
 * RFC 3339 UTC stamp with microseconds (so the year is in the line). IPv6
 * addresses are written fully expanded, as the kernel prints them. */
size_t ww_netfilter_format(const struct ww_event *ev, const char *host, char *buf,
                           size_t size);

/* Classic pcap (tcpdump) file header: little-endian, microsecond stamps,
 * snaplen 65535, LINKTYPE_ETHERNET. */
#define WW_PCAP_FILE_HEADER 24
void ww_pcap_file_header(uint8_t out[WW_PCAP_FILE_HEADER]);
/* One record (16-byte header + Ethernet/IPv4 or IPv6/TCP, UDP or ICMP frame
 * with correct checksums). */
size_t ww_pcap_format(const struct ww_event *ev, uint8_t *buf, size_t size);

/* ---- the packet behind an event (shared by both writers) ---- */

struct ww_write_shape {
    uint8_t ttl, df, optlen;   /* optlen: TCP option bytes (8 on a SYN) */
    uint16_t ipid, window;
    uint16_t l4len;            /* transport header + options + payload */
    uint16_t payload;
    uint32_t seq, ack, echo;   /* echo: ICMP id << 16 | seq */
    uint8_t dmac[6], smac[6];
    uint8_t opt[40];           /* the TCP options, optlen bytes */
    uint8_t tcpflags;          /* the TCP flags: the event's (with URG, PSH a fingerprint has) */
    uint8_t res;               /* TCP reserved bits and NS (byte 12's low nibble) */
    uint8_t mbz;               /* IPv4's reserved flag bit (the log's CE, p0f's 0+) */
    uint8_t ipoptlen;          /* IPv4 option bytes (NOPs), a multiple of 4 */
    uint8_t logseq, logopt;    /* the log line shows SEQ=/ACK=, OPT (...) of TCP */
    uint16_t urgp;
    uint32_t flow;             /* IPv6 flow label */
};

static inline uint64_t ww_write_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 31; h *= 0x7fb5d329728ea185ULL; h ^= h >> 27;
    return h;
}

static inline uint64_t ww_write_addr_hash(const struct ww_addr *a)
{
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | a->b[i];
        lo = lo << 8 | a->b[i + 8];
    }
    return ww_write_mix(ww_write_mix(0, hi), lo);
}

/* The source's operating system, as its initial TTL: 128 (Windows, 70%),
 * 64 (Linux and the BSDs, 25%) or 255 (5%). */
static inline unsigned ww_write_initial_ttl(const struct ww_addr *src)
{
    unsigned k = (unsigned)(ww_write_addr_hash(src) % 20);
    return k < 14 ? 128 : k < 19 ? 64 : 255;
}

/* A SYN's shape from its fingerprint fp (flags WW_FP_SET): what the
 * fingerprint says replaces what was made up; what it does not know (the
 * options of a log line without them, sequence numbers not logged) stays
 * made up, and the log line then does not show it either. */
static inline void ww_write_shape_syn(const struct ww_synfp *fp, struct ww_write_shape *sh)
{
    uint32_t q = fp->quirks;
    sh->ttl = fp->ttl;
    sh->window = fp->win;
    sh->df = (q & WW_FPQ_DF) != 0;
    if (sh->df ? !(q & WW_FPQ_ID_PLUS) : (q & WW_FPQ_ID_MINUS) != 0) sh->ipid = 0;
    else if (!sh->ipid) sh->ipid = 1;
    sh->mbz = (q & WW_FPQ_ZERO_PLUS) != 0;
    sh->ipoptlen = (uint8_t)(fp->olen > 40 ? 40 : (fp->olen + 3) / 4 * 4);
    sh->flow = q & WW_FPQ_FLOW ? (sh->seq & 0xfffff) | 1 : 0;
    if (q & WW_FPQ_URGF_PLUS) sh->tcpflags |= WW_TH_URG;
    if (q & WW_FPQ_PUSHF_PLUS) sh->tcpflags |= WW_TH_PSH;
    if ((q & WW_FPQ_ECN) && !(sh->tcpflags & (WW_TH_ECE | WW_TH_CWR))) sh->res = 1; /* NS */
    sh->urgp = (q & WW_FPQ_UPTR_PLUS) && !(q & WW_FPQ_URGF_PLUS) ? 1 : 0;
    if (!sh->seq) sh->seq = 1;
    sh->logseq = (fp->flags & WW_FP_SEQ) != 0;
    if (sh->logseq) {
        if (q & WW_FPQ_SEQ_MINUS) sh->seq = 0;
        if (q & WW_FPQ_ACK_PLUS) sh->ack = (sh->seq ^ 0x5bd1e995) | 1;
    }
    if (fp->flags & WW_FP_OPTS) {
        sh->optlen = (uint8_t)ww_synfp_option_bytes(fp, sh->opt);
        sh->logopt = 1;
        sh->payload = fp->flags & WW_FP_PAYLOAD ? 1 : 0;
    }
    sh->l4len = (uint16_t)(20 + sh->optlen + sh->payload);
}

static inline void ww_write_shape(const struct ww_event *ev, struct ww_write_shape *sh)
{
    static const uint16_t win_window[3] = {64240, 65535, 16384};
    uint64_t hs = ww_write_addr_hash(&ev->src), hd = ww_write_addr_hash(&ev->dst), he;
    unsigned ttl0 = ww_write_initial_ttl(&ev->src);
    he = ww_write_mix(ww_write_mix(hs ^ hd, (uint64_t)ev->ts_us),
                      (uint64_t)ev->sport << 24 | (uint64_t)ev->dport << 8 | ev->proto);
    sh->ttl = (uint8_t)(ttl0 - 6 - (hs >> 8) % 20);
    sh->ipid = (uint16_t)he;
    sh->seq = (uint32_t)(he >> 16);
    sh->ack = 0;
    sh->echo = (uint32_t)(hs >> 32 & 0xffff0000) | (uint32_t)(he >> 48);
    sh->df = 0;
    sh->optlen = 0;
    sh->window = 0;
    sh->payload = 0;
    sh->tcpflags = ev->tcpflags;
    sh->res = sh->mbz = sh->ipoptlen = sh->logseq = sh->logopt = 0;
    sh->urgp = 0;
    sh->flow = 0;
    if (ev->proto == WW_PROTO_TCP) {
        int syn = ev->tcpflags & WW_TH_SYN, ack = ev->tcpflags & WW_TH_ACK;
        sh->df = 1;
        static const uint8_t syn_opt[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2}; /* MSS 1460 NOP NOP SOK */
        if (syn && !ack) {
            sh->optlen = 8;
            sh->window = ttl0 == 128 ? win_window[(hs >> 40) % 3] : ttl0 == 64 ? 5840 : 4128;
        } else if (syn) {
            sh->optlen = 4;
            sh->window = 8192;
        } else if (!(ev->tcpflags & WW_TH_RST)) {
            sh->window = (uint16_t)(1024 + (hs >> 40) % 64512);
        }
        memcpy(sh->opt, syn_opt, sizeof syn_opt);
        if (ack) sh->ack = (uint32_t)(he >> 24);
        sh->l4len = (uint16_t)(20 + sh->optlen);
        if (syn && !ack && (ev->fp.flags & WW_FP_SET)) ww_write_shape_syn(&ev->fp, sh);
    } else if (ev->proto == WW_PROTO_UDP) {
        switch (ev->dport) {
        case 1434: sh->payload = 376; break;  /* Slammer */
        case 137: sh->payload = 50; break;    /* NetBIOS node status query */
        case 53: sh->payload = 29; break;
        case 161: sh->payload = 40; break;
        case 5060: sh->payload = 420; break;  /* SIP OPTIONS */
        case 1026: case 1027: case 1028: sh->payload = 520; break; /* Messenger spam */
        default: sh->payload = (uint16_t)(8 + (he >> 40) % 56); break;
        }
        sh->l4len = (uint16_t)(8 + sh->payload);
    } else if (ev->proto == WW_PROTO_ICMP || ev->proto == WW_PROTO_ICMP6) {
        unsigned t = ev->sport;
        int echo = ev->proto == WW_PROTO_ICMP ? (t == 8 || t == 0) : (t == 128 || t == 129);
        sh->payload = echo ? 32 : 0;
        sh->l4len = (uint16_t)(8 + sh->payload);
    } else {
        sh->l4len = 0;
    }
    sh->dmac[0] = 0x52; sh->dmac[1] = 0x54; sh->dmac[2] = 0x00;
    sh->dmac[3] = (uint8_t)(hd >> 8); sh->dmac[4] = (uint8_t)(hd >> 16); sh->dmac[5] = (uint8_t)(hd >> 24);
    sh->smac[0] = 0x00; sh->smac[1] = 0x00; sh->smac[2] = 0x0c;
    sh->smac[3] = ev->dst.b[12]; sh->smac[4] = ev->dst.b[13]; sh->smac[5] = 0x01;
}

/* Writes one event as a DShield TSV line (with '\n') into buf; returns the
 * length, or 0 if it does not fit. userid is written verbatim ("0" if NULL). */
size_t ww_dshield_format(const struct ww_event *ev, const char *userid,
                         char *buf, size_t size);

#endif

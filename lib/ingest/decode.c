/* pkt_decode.c -- one captured frame to a struct ww_pkt (see pkt.h).
 *
 * The decoder walks down the layers with a (pointer, length) pair that only
 * ever shrinks: each layer checks that its fixed header fits in what is left
 * before reading a byte of it, then hands the rest to the next layer. Nothing
 * is allocated and nothing is copied but the fields we keep.
 *
 *   link     Ethernet (+ any number of 802.1Q/802.1ad tags), Linux SLL
 *            (16 bytes, protocol at 14), SLL2 (20 bytes, protocol at 0),
 *            raw IP (version nibble decides), BSD loopback (a 4-byte address
 *            family in host (DLT_NULL) or network (DLT_LOOP) byte order).
 *   network  IPv4: IHL honoured; the total length trims link-layer padding;
 *            non-first fragments carry no transport header -> SKIP.
 *            IPv6: hop-by-hop, routing, destination options, AH and the
 *            fragment header are skipped (a non-first fragment -> SKIP).
 *   transport TCP (ports, flags byte), UDP (ports), ICMP/ICMPv6 (type and
 *            code as the ports). Any other protocol: proto only, ports 0.
 *            A TCP SYN without ACK: its fingerprint (syn_fp) from the IP
 *            header's TTL, ID, flags, ECN bits, options length (IPv4) or
 *            traffic class and flow label (IPv6), and the TCP header's
 *            window, sequence and acknowledgment numbers, flags, urgent
 *            pointer and options (as many of them as were captured), the
 *            payload judged by the IP header's length, as p0f does.
 *   ICMP errors (v4 unreachable 3 / time exceeded 11, v6 unreachable 1 /
 *            time exceeded 3) quote the offending packet: its IP header and
 *            at least 8 bytes of transport, enough for the ports. The quote
 *            goes through the same IP walk into the inner_* fields; a quote
 *            too short for that leaves has_inner = 0 (best effort, not BAD).
 *
 * A frame too short for a header it claims is WW_PKT_BAD with a static
 * reason; a well-formed frame that is not IP (ARP, LLDP, ...) is SKIP. */
#include "ingest/decode.h"

#include <string.h>

/* LINKTYPE_/DLT_ numbers, kept here so the decoder needs no pcap.h. */
enum {
    LT_NULL = 0, LT_EN10MB = 1, LT_RAW_12 = 12, LT_RAW_14 = 14, LT_RAW = 101,
    LT_LOOP = 108, LT_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229, LT_SLL2 = 276
};

enum { ET_IPV4 = 0x0800, ET_IPV6 = 0x86dd, ET_VLAN = 0x8100, ET_QINQ = 0x88a8,
       ET_QINQ_OLD = 0x9100 };

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The result of the IP walk: addresses, protocol, and the transport bytes. */
struct l3 {
    struct ww_addr *src, *dst; /* where the addresses go: the packet's own, or the quote's */
    uint8_t proto;
    const uint8_t *l4;
    size_t l4len;
    const uint8_t *iph;  /* the IP header (its version in the first nibble) */
    size_t l4claim;      /* transport bytes as the IP header counts them */
};
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define BAD(msg) do { *why = (msg); return WW_PKT_BAD; } while (0)

static enum ww_pkt_rc ipv4(const uint8_t *p, size_t len, struct l3 *o, const char **why)
{
    if (len < 20) BAD("truncated IPv4 header");
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < 20) BAD("bad IPv4 header length");
    if (ihl > len) BAD("truncated IPv4 options");
    size_t tot = rd16(p + 2);
    if (tot < ihl) BAD("bad IPv4 total length");
    if (tot < len) len = tot; /* drop link-layer padding; a short snaplen keeps len */
    ww_addr_from_v4(o->src, p + 12);
    ww_addr_from_v4(o->dst, p + 16);
    o->proto = p[9];
    if (rd16(p + 6) & 0x1fff) { *why = "IPv4 non-first fragment"; return WW_PKT_SKIP; }
    o->l4 = p + ihl;
    o->l4len = len - ihl;
    o->iph = p;
    o->l4claim = tot - ihl;
    return WW_PKT_OK;
}

static enum ww_pkt_rc ipv6(const uint8_t *p, size_t len, struct l3 *o, const char **why)
{
    if (len < 40) BAD("truncated IPv6 header");
    size_t plen = rd16(p + 4);
    if (plen && plen < len - 40) len = 40 + plen; /* plen 0: jumbogram, keep all */
    ww_addr_from_v6(o->src, p + 8);
    ww_addr_from_v6(o->dst, p + 24);
    uint8_t nh = p[6];
    size_t off = 40;
    for (;;) {
        size_t hl;
        if (nh == 0 || nh == 43 || nh == 60) {         /* hop-by-hop, routing, dest opts */
            if (len - off < 8) BAD("truncated IPv6 extension header");
            hl = ((size_t)p[off + 1] + 1) * 8;
        } else if (nh == 51) {                          /* AH: length in 4-byte units - 2 */
            if (len - off < 8) BAD("truncated IPv6 AH header");
            hl = ((size_t)p[off + 1] + 2) * 4;
        } else if (nh == 44) {                          /* fragment */
            if (len - off < 8) BAD("truncated IPv6 fragment header");
            hl = 8;
            if (rd16(p + off + 2) & 0xfff8) {
                o->proto = p[off];
                *why = "IPv6 non-first fragment";
                return WW_PKT_SKIP;
            }
        } else {
            break;
        }
        if (hl > len - off) BAD("truncated IPv6 extension header");
        nh = p[off];
        off += hl;
    }
    o->proto = nh;
    o->l4 = p + off;
    o->l4len = len - off;
    o->iph = p;
    o->l4claim = plen && 40 + plen >= off ? 40 + plen - off : len - off;
    return WW_PKT_OK;
}

static enum ww_pkt_rc ip(const uint8_t *p, size_t len, struct l3 *o, const char **why)
{
    if (len < 1) BAD("truncated IP header");
    switch (p[0] >> 4) {
    case 4: return ipv4(p, len, o, why);
    case 6: return ipv6(p, len, o, why);
    default: BAD("bad IP version");
    }
}

/* Decode the packet quoted by an ICMP error into the inner_* fields. */
static void quote(const uint8_t *p, size_t len, struct ww_pkt *out)
{
    struct l3 in = {.src = &out->inner_src, .dst = &out->inner_dst};
    const char *why;
    if (ip(p, len, &in, &why) != WW_PKT_OK) return;
    switch (in.proto) {
    case WW_PROTO_TCP: case WW_PROTO_UDP: case 132: /* SCTP */ case 136: /* UDP-Lite */
        if (in.l4len < 4) return;
        out->inner_sport = rd16(in.l4);
        out->inner_dport = rd16(in.l4 + 2);
        break;
    case WW_PROTO_ICMP: case WW_PROTO_ICMP6:
        if (in.l4len < 2) return;
        out->inner_sport = in.l4[0];
        out->inner_dport = in.l4[1];
        break;
    default:
        break;
    }
    out->inner_proto = in.proto;
    out->has_inner = 1;
}

/* The fingerprint of the TCP SYN p[0..len) (len >= 20) under n's IP header. */
static void syn_fp(const struct l3 *n, const uint8_t *p, size_t len, struct ww_synfp *fp)
{
    const uint8_t *ip = n->iph;
    uint32_t q = 0;
    uint8_t fl = p[13];
    if (ip[0] >> 4 == 4) {
        fp->flags = WW_FP_SET | WW_FP_SEQ;
        fp->ttl = ip[8];
        fp->olen = (uint8_t)((ip[0] & 15) * 4 - 20);
        if (ip[6] & 0x40) q |= rd16(ip + 4) ? WW_FPQ_DF | WW_FPQ_ID_PLUS : WW_FPQ_DF;
        else if (!rd16(ip + 4)) q |= WW_FPQ_ID_MINUS;
        if (ip[6] & 0x80) q |= WW_FPQ_ZERO_PLUS;
        if (ip[1] & 3) q |= WW_FPQ_ECN;
    } else {
        fp->flags = WW_FP_SET | WW_FP_SEQ | WW_FP_V6;
        fp->ttl = ip[7];
        if ((ip[1] & 15) | ip[2] | ip[3]) q |= WW_FPQ_FLOW;
        if (ip[1] >> 4 & 3) q |= WW_FPQ_ECN; /* traffic class's low bits */
    }
    fp->win = rd16(p + 14);
    if ((fl & (WW_TH_ECE | WW_TH_CWR)) || (p[12] & 15)) q |= WW_FPQ_ECN;
    if (!rd32(p + 4)) q |= WW_FPQ_SEQ_MINUS;
    if (rd32(p + 8)) q |= WW_FPQ_ACK_PLUS; /* no ACK flag on this SYN */
    if (fl & WW_TH_URG) q |= WW_FPQ_URGF_PLUS;
    else if (rd16(p + 18)) q |= WW_FPQ_UPTR_PLUS;
    if (fl & WW_TH_PSH) q |= WW_FPQ_PUSHF_PLUS;
    fp->quirks = q;
    size_t doff = (size_t)(p[12] >> 4) * 4;
    if (doff < 20) return; /* a header too short to hold options: not judged */
    ww_synfp_options(fp, p + 20, (doff < len ? doff : len) - 20);
    if (n->l4claim > doff) fp->flags |= WW_FP_PAYLOAD;
}

static enum ww_pkt_rc transport(const struct l3 *n, struct ww_pkt *out, const char **why)
{
    const uint8_t *p = n->l4;
    size_t len = n->l4len;
    out->proto = n->proto;
    switch (n->proto) {
    case WW_PROTO_TCP:
        if (len < 20) BAD("truncated TCP header");
        out->sport = rd16(p);
        out->dport = rd16(p + 2);
        out->tcpflags = p[13];
        if ((p[13] & (WW_TH_SYN | WW_TH_ACK)) == WW_TH_SYN) syn_fp(n, p, len, &out->fp);
        break;
    case WW_PROTO_UDP:
        if (len < 8) BAD("truncated UDP header");
        out->sport = rd16(p);
        out->dport = rd16(p + 2);
        break;
    case WW_PROTO_ICMP:
    case WW_PROTO_ICMP6:
        if (len < 8) BAD("truncated ICMP header");
        out->sport = p[0];
        out->dport = p[1];
        if (n->proto == WW_PROTO_ICMP ? (p[0] == 3 || p[0] == 11) : (p[0] == 1 || p[0] == 3))
            quote(p + 8, len - 8, out);
        break;
    default:
        break;
    }
    return WW_PKT_OK;
}

/* From an ethertype at p[-2..-1] on: VLAN tags, then IPv4/IPv6. */
static enum ww_pkt_rc ether(uint16_t type, const uint8_t *p, size_t len,
                            struct l3 *n, const char **why)
{
    while (type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD) {
        if (len < 4) BAD("truncated VLAN tag");
        type = rd16(p + 2);
        p += 4;
        len -= 4;
    }
    if (type == ET_IPV4 || type == ET_IPV6) {
        if (len < 1 || (p[0] >> 4) != (type == ET_IPV4 ? 4 : 6))
            BAD(len < 1 ? "truncated IP header" : "IP version does not match ethertype");
        return ip(p, len, n, why);
    }
    *why = "not IP";
    return WW_PKT_SKIP;
}

int ww_pkt_linktype_supported(int linktype)
{
    switch (linktype) {
    case LT_NULL: case LT_EN10MB: case LT_RAW_12: case LT_RAW_14: case LT_RAW:
    case LT_LOOP: case LT_SLL: case LT_IPV4: case LT_IPV6: case LT_SLL2:
        return 1;
    default:
        return 0;
    }
}

enum ww_pkt_rc ww_pkt_decode(int linktype, const uint8_t *f, size_t len,
                             struct ww_pkt *out, const char **why)
{
    struct l3 n = {.src = &out->src, .dst = &out->dst}; /* written in place: no copy */
    enum ww_pkt_rc rc;
    /* Copied from a zeroed packet: a memset of this size is `rep stos`,
     * whose start-up was 5% of reading a capture (as scan.c's insert). */
    static const struct ww_pkt empty;
    memcpy(out, &empty, sizeof *out);
    *why = "";
    switch (linktype) {
    case LT_EN10MB:
        if (len < 14) BAD("truncated Ethernet header");
        if (rd16(f + 12) < 0x0600) { *why = "802.3 length field, not IP"; return WW_PKT_SKIP; }
        rc = ether(rd16(f + 12), f + 14, len - 14, &n, why);
        break;
    case LT_SLL:
        if (len < 16) BAD("truncated Linux SLL header");
        rc = ether(rd16(f + 14), f + 16, len - 16, &n, why);
        break;
    case LT_SLL2:
        if (len < 20) BAD("truncated Linux SLL2 header");
        rc = ether(rd16(f), f + 20, len - 20, &n, why);
        break;
    case LT_RAW_12: case LT_RAW_14: case LT_RAW:
        rc = ip(f, len, &n, why);
        break;
    case LT_IPV4: case LT_IPV6:
        if (len >= 1 && (f[0] >> 4) != (linktype == LT_IPV4 ? 4 : 6))
            BAD("IP version does not match link type");
        rc = ip(f, len, &n, why);
        break;
    case LT_NULL: case LT_LOOP: {
        if (len < 4) BAD("truncated loopback header");
        /* AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD,
         * OpenBSD), 28 (FreeBSD), 30 (macOS). DLT_NULL is in the writer's
         * byte order, so accept either. */
        uint32_t be = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
        uint32_t le = (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[1] << 8 | f[0];
        uint32_t af = be < le ? be : le;
        if (af != 2 && af != 10 && af != 24 && af != 28 && af != 30) {
            *why = "not IP";
            return WW_PKT_SKIP;
        }
        if (len < 5) BAD("truncated IP header");
        if ((f[4] >> 4) != (af == 2 ? 4 : 6)) BAD("IP version does not match address family");
        rc = ip(f + 4, len - 4, &n, why);
        break;
    }
    default:
        BAD("unsupported link type");
    }
    if (rc != WW_PKT_OK) return rc;
    return transport(&n, out, why);
}

/* write_pcap.c -- one event as a classic pcap record (see write.h).
 *
 * File format (tcpdump's, https://www.tcpdump.org/manpages/pcap-savefile.5.html):
 * a 24-byte header (magic a1b2c3d4, version 2.4, snaplen, link type), then
 * per packet a 16-byte record header (seconds, microseconds, captured and
 * original length) and the frame. Everything is written little-endian byte
 * by byte, so the file is the same on any host (readers take either order
 * from the magic).
 * Frame: Ethernet II (dst, src, ethertype 0800/86dd), IPv4 (20 bytes, DF on
 * TCP, header checksum) or IPv6 (40 bytes), then TCP (20 bytes + options:
 * MSS 1460, NOP, NOP, SACK-permitted on a SYN; MSS on a SYN-ACK), UDP or
 * ICMP/ICMPv6 (echo id/seq and Windows ping's payload), with the transport
 * checksum over the pseudo-header (RFC 793, 768, 792, 4443). Other
 * protocols: an IP header and nothing after it. The rest of each packet
 * (TTL, IP ID, sequence numbers, payload sizes, a fingerprinted SYN's
 * options, IPv4 options as NOPs, flags, flow label) comes from
 * ww_write_shape(), the same as in the netfilter line. TCP options that are
 * not a multiple of 4 bytes are padded with zeros (EOL), as the header's
 * length needs. */
#include "out/write.h"

#include <string.h>

#define LINKTYPE_ETHERNET 1

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

void ww_pcap_file_header(uint8_t out[WW_PCAP_FILE_HEADER])
{
    le32(out, 0xa1b2c3d4);
    le16(out + 4, 2);
    le16(out + 6, 4);
    le32(out + 8, 0);        /* thiszone */
    le32(out + 12, 0);       /* sigfigs */
    le32(out + 16, 65535);   /* snaplen */
    le32(out + 20, LINKTYPE_ETHERNET);
}

/* One's-complement sum of n bytes (RFC 1071), folded later. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

size_t ww_pcap_format(const struct ww_event *ev, uint8_t *buf, size_t size)
{
    static const char ping[] = "abcdefghijklmnopqrstuvwabcdefghi"; /* Windows ping */
    struct ww_write_shape sh;
    int v6 = ev->src.family == 6;
    if ((ev->src.family != 4 && ev->src.family != 6) || ev->dst.family != ev->src.family) return 0;
    ww_write_shape(ev, &sh);
    if (ev->proto == WW_PROTO_TCP && sh.optlen % 4) { /* pad to whole words */
        unsigned pad = 4 - sh.optlen % 4;
        if (sh.optlen + pad > sizeof sh.opt) return 0;
        memset(sh.opt + sh.optlen, 0, pad);
        sh.optlen = (uint8_t)(sh.optlen + pad);
        sh.l4len = (uint16_t)(sh.l4len + pad);
    }
    size_t iphl = v6 ? 40 : 20u + sh.ipoptlen, frame = 14 + iphl + sh.l4len, total = 16 + frame;
    if (total > size) return 0;
    memset(buf, 0, total);

    int64_t secs = ev->ts_us >= 0 ? ev->ts_us / 1000000 : 0;
    le32(buf, (uint32_t)secs);
    le32(buf + 4, (uint32_t)(ev->ts_us >= 0 ? ev->ts_us % 1000000 : 0));
    le32(buf + 8, (uint32_t)frame);
    le32(buf + 12, (uint32_t)frame);

    uint8_t *eth = buf + 16, *ip = eth + 14, *l4 = ip + iphl;
    memcpy(eth, sh.dmac, 6);
    memcpy(eth + 6, sh.smac, 6);
    be16(eth + 12, v6 ? 0x86dd : 0x0800);

    uint8_t proto = ev->proto;
    uint32_t pseudo; /* pseudo-header sum for the transport checksum */
    if (v6) {
        be32(ip, 0x60000000 | (sh.flow & 0xfffff));
        be16(ip + 4, sh.l4len);
        ip[6] = proto;
        ip[7] = sh.ttl;
        memcpy(ip + 8, ev->src.b, 16);
        memcpy(ip + 24, ev->dst.b, 16);
        pseudo = sum16(0, ip + 8, 32) + sh.l4len + proto;
    } else {
        ip[0] = (uint8_t)(0x40 | iphl / 4);
        be16(ip + 2, (uint16_t)(iphl + sh.l4len));
        be16(ip + 4, sh.ipid);
        be16(ip + 6, (uint16_t)((sh.df ? 0x4000 : 0) | (sh.mbz ? 0x8000 : 0)));
        memset(ip + 20, 1, sh.ipoptlen); /* NOPs */
        ip[8] = sh.ttl;
        ip[9] = proto;
        memcpy(ip + 12, ev->src.b + 12, 4);
        memcpy(ip + 16, ev->dst.b + 12, 4);
        be16(ip + 10, fold(sum16(0, ip, iphl)));
        pseudo = sum16(0, ip + 12, 8) + sh.l4len + proto;
    }

    switch (proto) {
    case WW_PROTO_TCP:
        be16(l4, ev->sport);
        be16(l4 + 2, ev->dport);
        be32(l4 + 4, sh.seq);
        be32(l4 + 8, sh.ack);
        l4[12] = (uint8_t)((20 + sh.optlen) / 4 << 4 | (sh.res & 15));
        l4[13] = sh.tcpflags;
        be16(l4 + 14, sh.window);
        be16(l4 + 18, sh.urgp);
        memcpy(l4 + 20, sh.opt, sh.optlen);
        be16(l4 + 16, fold(sum16(pseudo, l4, sh.l4len)));
        break;
    case WW_PROTO_UDP: {
        be16(l4, ev->sport);
        be16(l4 + 2, ev->dport);
        be16(l4 + 4, sh.l4len);
        if (ev->dport == 1434 && sh.payload) l4[8] = 0x04; /* Slammer's first byte */
        uint16_t cs = fold(sum16(pseudo, l4, sh.l4len));
        be16(l4 + 6, cs ? cs : 0xffff); /* 0 means "no checksum" */
        break;
    }
    case WW_PROTO_ICMP:
    case WW_PROTO_ICMP6:
        l4[0] = (uint8_t)ev->sport;
        l4[1] = (uint8_t)ev->dport;
        if (sh.payload) {
            be32(l4 + 4, sh.echo);
            memcpy(l4 + 8, ping, sh.payload);
        }
        be16(l4 + 2, fold(proto == WW_PROTO_ICMP6 ? sum16(pseudo, l4, sh.l4len)
                                                  : sum16(0, l4, sh.l4len)));
        break;
    default:
        break;
    }
    return total;
}

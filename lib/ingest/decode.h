/* decode.h -- captured frames to struct ww_pkt (the first-contact tracker
 * that turns those into events is flows.h).
 *
 * ww_pkt_decode() is masscan's preprocess_frame habit: it fills a caller's
 * struct ww_pkt from one captured frame, bounds-checking before every read,
 * allocating nothing. Link types: Ethernet (with 802.1Q/802.1ad VLAN tags),
 * Linux cooked SLL and SLL2, raw IP (DLT_RAW and LINKTYPE_IPV4/IPV6), BSD
 * loopback (DLT_NULL). Network: IPv4 and IPv6 (extension headers skipped).
 * Transport: TCP, UDP, ICMP, ICMPv6; for ICMP errors, the quoted packet's
 * addresses, protocol and ports are decoded too (to fail a pending probe).
 * A TCP SYN without ACK gets its fingerprint (core/synfp.h) from its IP
 * and TCP headers: all of p0f's fields. */
#ifndef WW_DECODE_H
#define WW_DECODE_H
#include <stddef.h>
#include <stdint.h>
#include "core/event.h"

struct ww_pkt {
    struct ww_addr src, dst;
    uint16_t sport, dport;   /* ICMP: type, code */
    uint8_t proto;
    uint8_t tcpflags;
    /* ICMP/ICMPv6 errors: the packet it quotes (valid if has_inner) */
    uint8_t has_inner;
    uint8_t inner_proto;
    struct ww_addr inner_src, inner_dst;
    uint16_t inner_sport, inner_dport;
    struct ww_synfp fp;      /* a TCP SYN without ACK: its fingerprint (else flags 0) */
};

enum ww_pkt_rc { WW_PKT_OK = 0, WW_PKT_SKIP, WW_PKT_BAD };

/* linktype is a LINKTYPE_/DLT_ value as pcap_datalink() returns it.
 * WW_PKT_SKIP: well-formed but not IP (ARP, ...); WW_PKT_BAD: truncated or
 * malformed (*why says how). */
enum ww_pkt_rc ww_pkt_decode(int linktype, const uint8_t *frame, size_t caplen,
                             struct ww_pkt *out, const char **why);
/* 1 if ww_pkt_decode() knows this link type, else 0. */
int ww_pkt_linktype_supported(int linktype);

#endif

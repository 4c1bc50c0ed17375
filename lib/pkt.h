/* pkt.h -- packets to events: a decoder and a first-contact tracker.
 *
 * ww_pkt_decode() is masscan's preprocess_frame habit: it fills a caller's
 * struct ww_pkt from one captured frame, bounds-checking before every read,
 * allocating nothing. Link types: Ethernet (with 802.1Q/802.1ad VLAN tags),
 * Linux cooked SLL and SLL2, raw IP (DLT_RAW and LINKTYPE_IPV4/IPV6), BSD
 * loopback (DLT_NULL). Network: IPv4 and IPv6 (extension headers skipped).
 * Transport: TCP, UDP, ICMP, ICMPv6; for ICMP errors, the quoted packet's
 * addresses, protocol and ports are decoded too (to fail a pending probe).
 *
 * struct ww_flows turns decoded packets into events: one event per first
 * contact (a new 5-tuple in the initiator's direction), carrying its outcome:
 *   TCP SYN answered by SYN-ACK          -> success
 *   TCP SYN answered by RST, or ICMP unreachable, or no answer within the
 *   timeout (or by end of input)          -> failure
 *   UDP answered by UDP from the target   -> success; ICMP unreachable or
 *                                            silence -> failure
 *   ICMP echo answered by echo reply      -> success, else failure
 *   stealth TCP probes (FIN, NULL, XMAS, lone ACK) -> outcome unknown
 * Answers (SYN-ACK, RST, ICMP errors, replies) and the rest of an existing
 * flow produce no events. Events are emitted when the outcome is decided, so
 * they can be up to `timeout` out of time order.
 * Memory: a fixed open-addressing table sized at creation; when it is full,
 * the least recently active finished flow is forgotten, and only if every
 * entry is still pending is the oldest pending probe decided (failure). */
#ifndef WW_PKT_H
#define WW_PKT_H
#include <stddef.h>
#include <stdint.h>
#include "event.h"

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
};

enum ww_pkt_rc { WW_PKT_OK = 0, WW_PKT_SKIP, WW_PKT_BAD };

/* linktype is a LINKTYPE_/DLT_ value as pcap_datalink() returns it.
 * WW_PKT_SKIP: well-formed but not IP (ARP, ...); WW_PKT_BAD: truncated or
 * malformed (*why says how). */
enum ww_pkt_rc ww_pkt_decode(int linktype, const uint8_t *frame, size_t caplen,
                             struct ww_pkt *out, const char **why);
/* 1 if ww_pkt_decode() knows this link type, else 0. */
int ww_pkt_linktype_supported(int linktype);

typedef void (*ww_event_fn)(void *ctx, const struct ww_event *ev);

struct ww_flows;
/* capacity: max tracked flows (rounded up to a power of two);
 * timeout_us: how long a probe waits for an answer. */
struct ww_flows *ww_flows_new(size_t capacity, int64_t timeout_us,
                              ww_event_fn emit, void *emit_ctx);
/* Feed one decoded packet captured at ts_us (may emit events). */
void ww_flows_packet(struct ww_flows *f, int64_t ts_us, const struct ww_pkt *p);
/* Decide everything still pending (end of input): failures. */
void ww_flows_flush(struct ww_flows *f);
void ww_flows_free(struct ww_flows *f);

#endif

/* flows.h -- first contacts from decoded packets (decode.h), as events.
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
 * Memory: at most `capacity` flows (64 bytes each, and 8 to 16 of index);
 * when that many are tracked, the least recently active finished flow is
 * forgotten, and only if every entry is still pending is the oldest pending
 * probe decided (failure). */
#ifndef WW_FLOWS_H
#define WW_FLOWS_H
#include <stddef.h>
#include <stdint.h>
#include "ingest/decode.h"

struct ww_flows;
/* capacity: max tracked flows (rounded up to a power of two);
 * timeout_us: how long a probe waits for an answer. */
struct ww_flows *ww_flows_new(size_t capacity, int64_t timeout_us,
                              ww_event_fn emit, void *emit_ctx);
/* Feed one decoded packet captured at ts_us (may emit events). */
void ww_flows_packet(struct ww_flows *f, int64_t ts_us, const struct ww_pkt *p);
/* A hint that p comes soon: starts loading what its look-up reads (TCP,
 * UDP and other protocols; ICMP looks up other keys). Feeding packets a few
 * behind their hints hides the memory latency of a large table. Returns
 * the packet's key hash, for ww_flows_packet_hashed. */
uint64_t ww_flows_prefetch(const struct ww_flows *f, const struct ww_pkt *p);
/* ww_flows_packet for a packet whose hint returned hash (not hashed again). */
void ww_flows_packet_hashed(struct ww_flows *f, int64_t ts_us, const struct ww_pkt *p, uint64_t hash);
/* Decide everything still pending (end of input): failures. */
void ww_flows_flush(struct ww_flows *f);
void ww_flows_free(struct ww_flows *f);

#endif

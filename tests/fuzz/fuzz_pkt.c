/* fuzz_pkt.c -- libFuzzer harness for ww_pkt_decode and struct ww_flows.
 * Input: byte 0 picks a supported link type, the rest is one frame. A frame
 * that decodes goes into a small tracker, followed by its mirror image (the
 * same packet from the other side, as a SYN-ACK for TCP) and, when it is an
 * ICMP error, a probe matching its quote, so the answer paths run too. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "ingest/decode.h"
#include "ingest/flows.h"

static const int linktypes[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};

static void sink(void *ctx, const struct ww_event *ev)
{
    size_t *n = ctx;
    if (ev->count == 1) (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int lt = linktypes[data[0] % (sizeof linktypes / sizeof *linktypes)];
    struct ww_pkt p;
    const char *why = NULL;
    enum ww_pkt_rc rc = ww_pkt_decode(lt, data + 1, size - 1, &p, &why);
    if (rc == WW_PKT_BAD && (!why || !*why)) __builtin_trap();
    if (rc != WW_PKT_OK) return 0;

    size_t events = 0;
    struct ww_flows *f = ww_flows_new(4, 1000, sink, &events);
    if (p.has_inner) {
        struct ww_pkt q;
        memset(&q, 0, sizeof q);
        q.proto = p.inner_proto;
        q.src = p.inner_src;
        q.dst = p.inner_dst;
        q.sport = p.inner_sport;
        q.dport = p.inner_dport;
        q.tcpflags = WW_TH_SYN;
        ww_flows_packet(f, 1, &q);
    }
    ww_flows_packet(f, 2, &p);
    struct ww_pkt r = p;
    r.src = p.dst;
    r.dst = p.src;
    r.sport = p.dport;
    r.dport = p.sport;
    r.tcpflags = WW_TH_SYN | WW_TH_ACK;
    ww_flows_packet(f, 3, &r);
    ww_flows_packet(f, 5000, &p);
    ww_flows_flush(f);
    ww_flows_free(f);
    if (events > 4) __builtin_trap(); /* at most one event per packet fed */
    return 0;
}

/* fuzz_pkt.c -- libFuzzer harness for ww_pkt_decode and struct ww_flows.
 * Input: byte 0 picks a supported link type, the rest is one frame. A frame
 * that decodes goes into a small tracker, followed by its mirror image (the
 * same packet from the other side, as a SYN-ACK for TCP) and, when it is an
 * ICMP error, a probe matching its quote, so the answer paths run too. A
 * SYN's fingerprint must come back from the frame ww_pcap_format writes
 * for it wherever a frame can say it all (options seen -- a data offset
 * below 5 words leaves them unjudged --, not bad, one window scale,
 * options that rebuild to whole words, addresses of the packet's IP
 * version: an IPv6 packet between IPv4-mapped addresses is written as IPv4). */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/synfp.h"
#include "ingest/decode.h"
#include "ingest/flows.h"
#include "out/write.h"

static void fp_round_trip(const struct ww_pkt *p)
{
    const struct ww_synfp *fp = &p->fp;
    uint8_t opt[40], rec[WW_WRITE_MAX];
    int ws = 0;
    for (unsigned i = 0; i < fp->nopt; i++) ws += fp->opt[i] == 3;
    if (!(fp->flags & WW_FP_OPTS) || (fp->quirks & WW_FPQ_BAD) || ws > 1 ||
        ww_synfp_option_bytes(fp, opt) % 4 || !(fp->flags & WW_FP_V6) != (p->src.family == 4) ||
        p->src.family != p->dst.family)
        return;
    struct ww_event ev;
    memset(&ev, 0, sizeof ev);
    ev.src = p->src, ev.dst = p->dst, ev.sport = p->sport, ev.dport = p->dport;
    ev.proto = p->proto, ev.tcpflags = p->tcpflags, ev.count = 1, ev.fp = *fp;
    size_t n = ww_pcap_format(&ev, rec, sizeof rec);
    struct ww_pkt back;
    const char *why;
    if (n < 16 || ww_pkt_decode(1, rec + 16, n - 16, &back, &why) != WW_PKT_OK) __builtin_trap();
    if (memcmp(&back.fp, fp, sizeof *fp)) __builtin_trap();
}

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
    if (p.fp.flags) fp_round_trip(&p);

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

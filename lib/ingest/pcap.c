/* pcap.c -- pcap and pcapng captures to events (see pcap.h).
 *
 * libpcap reads the file (both formats, timestamps scaled to microseconds)
 * from the FILE* the caller opened; we pull packets with pcap_next_ex() (no
 * callbacks, no longjmp), decode each with ww_pkt_decode() and feed it to a
 * struct ww_flows, whose decided first contacts are the events. One packet
 * can decide several probes (timeouts), so decided events wait in a small
 * FIFO that grows only when a packet decides more than it holds.
 * Counting: st->lines = packets, st->bytes = caplen + 16 (the record header)
 * per packet, st->skipped = malformed packets. A capture cut off mid-record
 * (pcap_next_ex() fails) counts as one more bad packet, reported as
 * "truncated capture: ..."; what was read before it stays read, and only
 * strict mode turns it (like any bad packet) into WW_ERR_PARSE. At the end
 * the tracker is flushed, so probes still waiting become failures; in strict
 * mode the events decided before the bad packet are delivered first. */
#include "ingest/pcap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

struct ww_pcap_reader {
    const char *name;
    const struct ww_input_opts *o;
    pcap_t *pc;
    int linktype;
    struct ww_flows *flows;
    struct ww_event *q;        /* FIFO of decided events */
    size_t qcap, qhead, qlen;
    uint64_t packets;
    int done;                  /* input exhausted and flushed */
    int err;                   /* pending error, returned once q is empty */
};

static void on_flow_event(void *ctx, const struct ww_event *ev)
{
    struct ww_pcap_reader *p = ctx;
    if (p->qlen == p->qcap) {
        size_t ncap = p->qcap ? 2 * p->qcap : 64;
        struct ww_event *nq = ww_malloc(ncap * sizeof *nq);
        for (size_t i = 0; i < p->qlen; i++) nq[i] = p->q[(p->qhead + i) % p->qcap];
        ww_free(p->q);
        p->q = nq, p->qcap = ncap, p->qhead = 0;
    }
    p->q[(p->qhead + p->qlen++) % p->qcap] = *ev;
}

struct ww_pcap_reader *ww_pcap_open(const char *name, void *fp, const struct ww_input_opts *o,
                                    char *errbuf, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!pc) {
        fclose(fp); /* libpcap leaves it open on failure */
        snprintf(errbuf, errlen, "%s", perr);
        return NULL;
    }
    int lt = pcap_datalink(pc);
    if (!ww_pkt_linktype_supported(lt)) {
        const char *ltname = pcap_datalink_val_to_name(lt);
        snprintf(errbuf, errlen, "unsupported link type %d (%s)", lt, ltname ? ltname : "?");
        pcap_close(pc);
        return NULL;
    }
    struct ww_pcap_reader *p = ww_calloc(1, sizeof *p);
    p->name = name, p->o = o, p->pc = pc, p->linktype = lt;
    p->flows = ww_flows_new(o->flow_capacity ? o->flow_capacity : 1u << 20,
                            o->flow_timeout_us > 0 ? o->flow_timeout_us : 3000000,
                            on_flow_event, p);
    return p;
}

/* A bad packet: count, report; in strict mode remember the error and stop. */
static void bad(struct ww_pcap_reader *p, struct ww_input_stats *st, uint64_t n,
                const char *why, uint64_t *err_line, char *errbuf, size_t errlen)
{
    st->skipped++;
    if (p->o->on_bad) p->o->on_bad(p->o->bad_ctx, p->name, n, why);
    if (!p->o->strict) return;
    *err_line = n;
    snprintf(errbuf, errlen, "%s", why);
    p->err = WW_ERR_PARSE;
}

int ww_pcap_next(struct ww_pcap_reader *p, struct ww_event *ev, struct ww_input_stats *st,
                 uint64_t *err_line, char *errbuf, size_t errlen)
{
    while (!p->qlen) {
        if (p->done) return p->err ? -p->err : 0;
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(p->pc, &h, &data);
        if (r == 1) {
            uint64_t n = ++p->packets;
            st->lines++;
            st->bytes += (uint64_t)h->caplen + 16;
            struct ww_pkt pk;
            const char *why;
            enum ww_pkt_rc prc = ww_pkt_decode(p->linktype, data, h->caplen, &pk, &why);
            if (prc == WW_PKT_OK)
                ww_flows_packet(p->flows, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, &pk);
            else if (prc == WW_PKT_BAD)
                bad(p, st, n, why, err_line, errbuf, errlen);
            if (!p->err) continue;
        } else if (r == PCAP_ERROR) {
            char why[PCAP_ERRBUF_SIZE + 32];
            snprintf(why, sizeof why, "truncated capture: %s", pcap_geterr(p->pc));
            bad(p, st, p->packets + 1, why, err_line, errbuf, errlen);
        }
        ww_flows_flush(p->flows); /* end of input, or a strict stop */
        p->done = 1;
    }
    *ev = p->q[p->qhead];
    p->qhead = (p->qhead + 1) % p->qcap;
    p->qlen--;
    st->events++;
    return 1;
}

void ww_pcap_close(struct ww_pcap_reader *p)
{
    if (!p) return;
    ww_flows_free(p->flows);
    pcap_close(p->pc);
    ww_free(p->q);
    ww_free(p);
}

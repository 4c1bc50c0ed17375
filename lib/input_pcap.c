/* input_pcap.c -- pcap and pcapng captures to events (see input.h).
 *
 * libpcap reads the file (both formats, timestamps scaled to microseconds)
 * from the FILE* the caller opened; we pull packets with pcap_next_ex() (no
 * callbacks, no longjmp), decode each with ww_pkt_decode() and feed it to a
 * struct ww_flows, whose decided first contacts are the events.
 * Counting: st->lines = packets, st->bytes = caplen + 16 (the record header)
 * per packet, st->skipped = malformed packets. A capture cut off mid-record
 * (pcap_next_ex() fails) counts as one more bad packet, reported as
 * "truncated capture: ..."; what was read before it stays read, and only
 * strict mode turns it (like any bad packet) into WW_ERR_PARSE. At the end
 * the tracker is flushed, so probes still waiting become failures. */
#include "input.h"

#include <pcap/pcap.h>
#include <stdio.h>

#include "err.h"

#define PROGRESS_EVERY 65536

struct sink {
    struct ww_input_opts *o;
    struct ww_input_stats *st;
};

static void on_flow_event(void *ctx, const struct ww_event *ev)
{
    struct sink *s = ctx;
    s->st->events++;
    if (s->o->on_event) s->o->on_event(s->o->event_ctx, ev);
}

/* A bad packet: count, report, and in strict mode say stop (returns 1). */
static int bad(struct ww_input_opts *o, struct ww_input_stats *st, const char *name,
               uint64_t n, const char *why, uint64_t *err_line, char *errbuf, size_t errlen)
{
    st->skipped++;
    if (o->on_bad) o->on_bad(o->bad_ctx, name, n, why);
    if (!o->strict) return 0;
    if (err_line) *err_line = n;
    if (errbuf && errlen) snprintf(errbuf, errlen, "%s", why);
    return 1;
}

int ww_input_pcap(const char *name, void *fp, struct ww_input_opts *o,
                  struct ww_input_stats *st, uint64_t *err_line,
                  char *errbuf, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!pc) {
        fclose(fp); /* libpcap leaves it open on failure */
        if (errbuf && errlen) snprintf(errbuf, errlen, "%s", perr);
        return WW_ERR_FORMAT;
    }
    int lt = pcap_datalink(pc);
    if (!ww_pkt_linktype_supported(lt)) {
        const char *ltname = pcap_datalink_val_to_name(lt);
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "unsupported link type %d (%s)", lt, ltname ? ltname : "?");
        pcap_close(pc);
        return WW_ERR_FORMAT;
    }

    struct sink sink = {o, st};
    struct ww_flows *flows = ww_flows_new(o->flow_capacity ? o->flow_capacity : 1u << 20,
                                          o->flow_timeout_us > 0 ? o->flow_timeout_us : 3000000,
                                          on_flow_event, &sink);
    int rc = WW_OK;
    uint64_t n = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int r;
    while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
        n++;
        st->lines++;
        st->bytes += (uint64_t)h->caplen + 16;
        if (o->on_progress && n % PROGRESS_EVERY == 0) o->on_progress(o->progress_ctx, st->bytes);
        struct ww_pkt p;
        const char *why;
        enum ww_pkt_rc prc = ww_pkt_decode(lt, data, h->caplen, &p, &why);
        if (prc == WW_PKT_OK) {
            ww_flows_packet(flows, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, &p);
        } else if (prc == WW_PKT_BAD &&
                   bad(o, st, name, n, why, err_line, errbuf, errlen)) {
            rc = WW_ERR_PARSE;
            break;
        }
    }
    if (r == PCAP_ERROR) {
        char why[PCAP_ERRBUF_SIZE + 32];
        snprintf(why, sizeof why, "truncated capture: %s", pcap_geterr(pc));
        if (bad(o, st, name, n + 1, why, err_line, errbuf, errlen)) rc = WW_ERR_PARSE;
    }
    ww_flows_flush(flows);
    ww_flows_free(flows);
    pcap_close(pc);
    return rc;
}

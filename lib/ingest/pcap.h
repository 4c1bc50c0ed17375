/* pcap.h -- captures to events. One function takes a packet of a pcap_t,
 * whether it reads a file (the capture reader behind struct ww_reader) or a
 * live interface (the sensor): decoded (decode.h), tracked into first
 * contacts (flows.h), counted (struct ww_input_stats: lines = packets,
 * bytes = caplen + 16 per packet, skipped = malformed packets, events =
 * first contacts decided). See pcap.c. */
#ifndef WW_PCAP_H
#define WW_PCAP_H
#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "core/err.h"
#include "ingest/input.h"

struct ww_capture;

/* Takes pc, which must have a supported link type (ww_pkt_linktype_supported);
 * decided events go to emit. st: the counters filled (the caller's). */
struct ww_capture *ww_capture_new(pcap_t *pc, size_t flow_capacity, int64_t flow_timeout_us,
                                  ww_event_fn emit, void *emit_ctx, struct ww_input_stats *st);
/* One packet: WW_PARSE_EVENT when it was tracked (events may have been
 * emitted), WW_PARSE_SKIP when it is not IP, WW_PARSE_BAD (counted, *why). */
enum ww_parse_rc ww_capture_packet(struct ww_capture *c, const struct pcap_pkthdr *h,
                                   const u_char *data, const char **why);
/* Decide every probe still pending (end of input): failures. */
void ww_capture_flush(struct ww_capture *c);
void ww_capture_free(struct ww_capture *c); /* closes its pcap_t */

/* Live: opens ifname (headers only: snaplen 262; promiscuous; a kernel ring
 * of buffer_bytes, 0: libpcap's default (2 MiB); ring blocks handed over when
 * full or after 100 ms; non-blocking; 65,536 tracked flows, 3 s answer
 * timeout). WW_OK and *out, or WW_ERR_IO / WW_ERR_FORMAT (link type) with the
 * reason, naming ifname, in err. */
enum ww_err ww_capture_open_live(const char *ifname, size_t buffer_bytes, ww_event_fn emit,
                                 void *emit_ctx, struct ww_input_stats *st,
                                 struct ww_capture **out, char *err, size_t errlen);
/* Live: the descriptor to poll(2) for packets, or -1. */
int ww_capture_fd(const struct ww_capture *c);
/* Live: the kernel's counters since the open: packets it received for the
 * capture (the dropped ones too), dropped because the ring was full, dropped
 * by the interface. 64-bit as long as it is called at least every 2^32
 * packets. WW_ERR_IO with libpcap's reason in err. */
struct ww_capture_stats {
    uint64_t recv, drop, ifdrop;
};
enum ww_err ww_capture_stats(struct ww_capture *c, struct ww_capture_stats *out, char *err,
                             size_t errlen);
/* Live: the packets there are now, at most max, never waiting. Bad packets
 * go to on_bad (name, packet number, reason) if not NULL. *n = packets read.
 * WW_ERR_IO with libpcap's reason in err when the capture fails. */
enum ww_err ww_capture_dispatch(struct ww_capture *c, int max, ww_bad_fn on_bad, void *bad_ctx,
                                const char *name, int *n, char *err, size_t errlen);

/* The file reader behind ww_reader (input.c). fp is owned by it; st is the
 * reader's counters. */
struct ww_pcap_reader;
struct ww_pcap_reader *ww_pcap_open(const char *name, void *fp, const struct ww_input_opts *o,
                                    struct ww_input_stats *st, char *errbuf, size_t errlen);
/* As ww_reader_next: 1 and *ev, or 0 at the end, with *status WW_OK or
 * WW_ERR_PARSE (strict: *err_line and errbuf set). */
int ww_pcap_next(struct ww_pcap_reader *p, struct ww_event *ev, enum ww_err *status,
                 uint64_t *err_line, char *errbuf, size_t errlen);
void ww_pcap_close(struct ww_pcap_reader *p);

#endif

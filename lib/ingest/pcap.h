/* pcap.h -- the capture reader behind struct ww_reader (pcap.c): pcap and
 * pcapng files through libpcap, decoded and tracked into first contacts. */
#ifndef WW_PCAP_H
#define WW_PCAP_H
#include <stddef.h>
#include <stdint.h>
#include "ingest/input.h"

/* The pcap reader behind ww_reader (pcap.c). fp is owned by it. */
struct ww_pcap_reader;
struct ww_pcap_reader *ww_pcap_open(const char *name, void *fp, const struct ww_input_opts *o,
                                    char *errbuf, size_t errlen);
/* As ww_reader_next; st is updated; on error *err_line/errbuf are set. */
int ww_pcap_next(struct ww_pcap_reader *p, struct ww_event *ev, struct ww_input_stats *st,
                 uint64_t *err_line, char *errbuf, size_t errlen);
void ww_pcap_close(struct ww_pcap_reader *p);

#endif

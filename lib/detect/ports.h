/* ports.h -- per-port statistics: records, distinct sources and targets per
 * time bucket and in total. See ports.c; surges are in surge.h. */
#ifndef WW_PORTS_H
#define WW_PORTS_H
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

struct ww_ports_opts {
    int64_t bucket_us;          /* default 1 h (at least 1 s) */
};

void ww_ports_opts_default(struct ww_ports_opts *o);

struct ww_portstat { uint16_t port; uint8_t proto; uint64_t records, sources, targets; };

struct ww_ports;

struct ww_ports *ww_ports_new(const struct ww_ports_opts *o); /* NULL o = defaults */
/* Counts ev under (ww_event_port(ev), proto): every protocol, ICMP as port 0; records += ev->count */
void ww_ports_event(struct ww_ports *p, const struct ww_event *ev);
/* A hint: ev comes soon. Stage 0 (furthest ahead) brings in its cell's
 * index slot, 1 the cell, 2 where its source and target go in the cell's
 * sets and in its port's total's (the busy ports' sets are HLLs, 4 KiB
 * each, that the other detectors' steps push out of the cache). */
void ww_ports_prefetch(const struct ww_ports *p, const struct ww_event *ev, int stage);
/* Arrays below are owned by p and valid until the next call of the same function or free. */
size_t ww_ports_stats(struct ww_ports *p, const struct ww_portstat **out);  /* sorted by sources desc, then records desc, then port */
/* Per bucket for one port, from the input's first bucket to its last (empty
 * buckets give zero rows): fills up to max (start_us, sources, targets,
 * records) rows; returns the number filled. */
size_t ww_ports_history(struct ww_ports *p, uint16_t port, uint8_t proto, int64_t *start_us, uint64_t *sources, uint64_t *targets, uint64_t *records, size_t max);
size_t ww_ports_memory(const struct ww_ports *p);
void ww_ports_free(struct ww_ports *p);

#endif

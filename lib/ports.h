/* ports.h -- per-port statistics (records, distinct sources and targets per
 * time bucket and in total) and surge detection after the Internet Storm
 * Center's trend score. See ports.c. */
#ifndef WW_PORTS_H
#define WW_PORTS_H
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ww_ports_opts {
    int64_t bucket_us;          /* default 1 h (at least 1 s) */
    unsigned baseline_buckets;  /* default 720 (30 days of hours; the ISC's 30-day baseline) */
    unsigned warmup_buckets;    /* default 3: no surge judged before this many earlier buckets exist */
    unsigned min_sources;       /* default 10: minimum-count guard */
    double min_score;           /* default 4 */
};

void ww_ports_opts_default(struct ww_ports_opts *o);

struct ww_portstat { uint16_t port; uint8_t proto; uint64_t records, sources, targets; };

struct ww_surge {
    uint16_t port; uint8_t proto;
    int64_t start_us, end_us;   /* first surging bucket's start, last one's end */
    uint64_t sources, targets;  /* of the peak bucket (most sources) */
    double baseline_sources, baseline_targets, score; /* of the peak bucket; baselines unfloored means */
};

struct ww_ports;

struct ww_ports *ww_ports_new(const struct ww_ports_opts *o); /* NULL o = defaults */
void ww_ports_event(struct ww_ports *p, const struct ww_event *ev);   /* TCP and UDP only (others ignored); records += ev->count */
/* Arrays below are owned by p and valid until the next call of the same function or free. */
size_t ww_ports_stats(struct ww_ports *p, const struct ww_portstat **out);  /* sorted by sources desc, then records desc, then port */
size_t ww_ports_surges(struct ww_ports *p, const struct ww_surge **out);    /* computed over all buckets seen, sorted by start */
/* Per bucket for one port, from the input's first bucket to its last (empty
 * buckets give zero rows): fills up to max (start_us, sources, targets,
 * records) rows; returns the number filled. */
size_t ww_ports_history(struct ww_ports *p, uint16_t port, uint8_t proto, int64_t *start_us, uint64_t *sources, uint64_t *targets, uint64_t *records, size_t max);
size_t ww_ports_memory(const struct ww_ports *p);
void ww_ports_free(struct ww_ports *p);

#endif

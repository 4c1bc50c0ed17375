/* scan.h -- per-source scan detection: thresholds in a time window (Zeek's
 * scan.zeek) and Threshold Random Walk (Jung et al. 2004). See scan.c. */
#ifndef WW_SCAN_H
#define WW_SCAN_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/event.h"
#include "detect/slow.h"

struct ww_scan_opts {
    int64_t window_us;          /* default 5 min (Zeek scan.zeek: 15 ports or 25 hosts in 5 min) */
    unsigned vertical_ports;    /* default 15 (Zeek; CrowdSec's iptables scan scenario: 15 distinct ports) */
    unsigned horizontal_hosts;  /* default 25 (Zeek) */
    double trw_theta0, trw_theta1, trw_alpha, trw_beta; /* 0.8, 0.2, 0.01, 0.99 (Jung et al., IEEE S&P 2004) */
    size_t max_sources;         /* default 1<<20: tracked non-scanner sources */
    int64_t idle_us;            /* default 1 h: forget idle sources not flagged */
    unsigned v4_prefix, v6_prefix; /* sources grouped per prefix: 32 (off), 64 (1..32, 1..128) */
    struct ww_slow_opts slow;   /* the long horizon (slow.h); horizon_us 0 = off */
};

void ww_scan_opts_default(struct ww_scan_opts *o);

struct ww_scanner {
    struct ww_addr src;   /* one address, or a prefix of `prefix` bits */
    uint8_t prefix;       /* 0: src is the one address its group showed */
    uint8_t slow;         /* called over the long horizon (slow.h), not in a window */
    uint64_t addresses;   /* distinct source addresses in the group */
    int64_t span_us;      /* slow: from the first probe counted to the last */
    const char *kind;     /* "vertical" | "horizontal" | "block" */
    const char *method;   /* "trw" | "threshold" */
    uint64_t probes;      /* records (sum of event counts) */
    uint64_t targets, ports;  /* distinct, whole input */
    int64_t first_us, last_us;
    uint32_t probe_mask;  /* bit (1u << enum ww_probe) for each probe kind seen */
    uint16_t os;          /* the smallest nonzero os (detect/osdb.h) of its SYNs, 0 if none */
    uint8_t nprotos;
    struct { uint8_t proto; uint64_t probes; } protos[4]; /* by probes desc */
};

struct ww_scan;

struct ww_scan *ww_scan_new(const struct ww_scan_opts *o); /* NULL o = defaults */
void ww_scan_event(struct ww_scan *s, const struct ww_event *ev);
/* A hint: ev comes soon. Stage 0 (furthest ahead) brings in its source's
 * index slot, 1 its entry (or, for a new one, the long horizon's index
 * slot), 2 (nearest) the slots of the entry's distinct counters that the
 * event will touch and its long-horizon group. */
void ww_scan_prefetch(struct ww_scan *s, const struct ww_event *ev, int stage);
/* Scanners found (at most one per group and kind: a slow call only for a
 * kind its group's fast call does not cover), sorted by probes descending; array owned by s, valid until the next call or free. */
size_t ww_scan_results(struct ww_scan *s, const struct ww_scanner **out);
/* A scanner's src as reported: its address, or its prefix in CIDR text
 * (2001:db8:77:1::/64); buf >= WW_CIDR_STRLEN. */
char *ww_scanner_src(const struct ww_scanner *r, char *buf);
size_t ww_scan_sources(const struct ww_scan *s);      /* sources tracked now */
size_t ww_scan_memory(const struct ww_scan *s);       /* bytes in use (approx.) */
void ww_scan_free(struct ww_scan *s);

#endif

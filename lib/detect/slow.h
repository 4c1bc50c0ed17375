/* slow.h -- slow scans: distinct targets and ports per source group over a
 * long horizon (hours to days) in bounded memory; the scan detector (scan.h)
 * feeds it the probes it counts and reports its calls. See slow.c. */
#ifndef WW_SLOW_H
#define WW_SLOW_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define WW_SLOW_THRESHOLD_MAX 256 /* the sketches' estimates are good to ~4 x this */

struct ww_slow_opts {
    int64_t horizon_us;   /* default 24 h; 0 = off */
    unsigned hosts;       /* distinct targets within the horizon: horizontal (default 64) */
    unsigned ports;       /* distinct ports within the horizon: vertical (default 32) */
    size_t max_groups;    /* groups tracked, not called (default 1 << 16) */
};

enum { WW_SLOW_HORIZONTAL = 1, WW_SLOW_VERTICAL = 2 };

struct ww_slow_call {
    struct ww_addr group;        /* the group (a masked address: the caller's key) */
    struct ww_addr rep;          /* the smallest address seen since admission */
    unsigned kinds;              /* WW_SLOW_* reached */
    uint64_t probes;             /* counted since admission */
    uint64_t targets, ports;     /* estimates, the most within the horizon */
    uint64_t addresses;          /* estimate, since admission */
    int64_t first_us, last_us;   /* first probe within the horizon at the call, last probe */
    uint8_t proto;               /* the smallest nonzero IP protocol of its probes */
    uint16_t probe_mask;         /* bit (1u << enum ww_probe) for each probe kind seen */
    uint16_t os;                 /* the smallest nonzero os (detect/osdb.h), 0 if none */
};

struct ww_slow;

void ww_slow_opts_default(struct ww_slow_opts *o);
struct ww_slow *ww_slow_new(const struct ww_slow_opts *o); /* NULL o = defaults */
/* Where a caller's group is: ww_slow_probe's answer, kept by the caller
 * for the group's next probe, which then needs no index look-up. Any
 * other value is a hint (the group's place), checked against its key. */
#define WW_SLOW_UNKNOWN 0u        /* not known: looked up */
#define WW_SLOW_ABSENT UINT32_MAX /* not tracked, and only this caller's probes of it could add it */

/* A probe of group (gh its hash) from src (sh its hash) at ts to a target and
 * a port (their hashes th, ph: ww_addr_hash and the scan detector's), of IP
 * protocol proto, kind probe (enum ww_probe) and os (0: none): what a report
 * says of the group when the scan detector has forgotten its source. ref:
 * what the group's last probe returned, or WW_SLOW_UNKNOWN. Returns where
 * the group is now (WW_SLOW_ABSENT: not tracked). */
uint32_t ww_slow_probe(struct ww_slow *s, uint32_t ref, const struct ww_addr *group, uint64_t gh,
                       const struct ww_addr *src, uint64_t sh, int64_t ts, uint64_t th, uint64_t ph,
                       uint8_t proto, unsigned probe, uint16_t os);
/* A hint: a probe of group gh, whose last probe returned ref, comes soon.
 * Stage 0 brings in its index slot (wanted while ref is unknown), 1 its
 * group, or the admission slot of a group not tracked. */
void ww_slow_prefetch(const struct ww_slow *s, uint32_t ref, uint64_t gh, int stage);
/* The groups called, in the order they were first tracked; array owned by s,
 * valid until the next call or free. */
size_t ww_slow_calls(struct ww_slow *s, const struct ww_slow_call **out);
size_t ww_slow_groups(const struct ww_slow *s);   /* groups tracked now */
size_t ww_slow_memory(const struct ww_slow *s);   /* bytes in use */
void ww_slow_free(struct ww_slow *s);

#endif

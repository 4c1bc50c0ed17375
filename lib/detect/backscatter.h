/* backscatter.h -- a DoS victim's replies to spoofed packets, grouped into
 * attacks (Moore, Voelker and Savage, USENIX Security 2001). See
 * backscatter.c for the method, the thresholds and the memory bound. */
#ifndef WW_BACKSCATTER_H
#define WW_BACKSCATTER_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/event.h"

struct ww_backscatter_opts {
    int64_t gap_us;          /* default 5 min: a quiet victim's attack ends (Moore et al.) */
    uint64_t min_records;    /* default 25: smaller attacks are not reported */
    size_t max_victims;      /* default 1<<16: victims with an attack in progress */
    size_t max_attacks;      /* default 1<<16: attacks kept for the results */
};

void ww_backscatter_opts_default(struct ww_backscatter_opts *o);

/* One attack: the victim's replies of one protocol, no gap longer than
 * gap_us between them. */
struct ww_backscatter_attack {
    struct ww_addr victim;   /* the replies' source */
    uint8_t proto;           /* WW_PROTO_TCP, _ICMP, _ICMP6 */
    int64_t start_us, end_us;
    uint64_t records;        /* sum of event counts */
    uint64_t targets;        /* distinct addresses the replies went to */
};

struct ww_backscatter;

struct ww_backscatter *ww_backscatter_new(const struct ww_backscatter_opts *o); /* NULL = defaults */
/* Takes every event; only replies (ww_event_is_reply) count. */
void ww_backscatter_event(struct ww_backscatter *b, const struct ww_event *ev);
/* The attacks, those still open included, by records descending; array
 * owned by b, valid until the next call or free. */
size_t ww_backscatter_results(struct ww_backscatter *b, const struct ww_backscatter_attack **out);
/* Attacks not kept because max_attacks were (0 normally). */
uint64_t ww_backscatter_dropped(const struct ww_backscatter *b);
size_t ww_backscatter_memory(const struct ww_backscatter *b); /* bytes in use (approx.) */
void ww_backscatter_free(struct ww_backscatter *b);

#endif

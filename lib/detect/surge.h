/* surge.h -- per-port surge detection, online, in time order.
 * See surge.c for the method and docs/DETECTION.md for why. */
#ifndef WW_SURGE_H
#define WW_SURGE_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"

enum ww_surge_stat { WW_SURGE_NEW = 0, WW_SURGE_SOURCES };
enum ww_surge_kind { WW_SURGE_CAMPAIGN = 0, WW_SURGE_SPREADING }; /* zero: not shown to grow */
enum ww_surge_side { WW_SURGE_DPORT = 0, WW_SURGE_SPORT }; /* which port surged */
#define WW_SURGE_SLOTS 96   /* growth slots kept per surge, 12 per bucket */

struct ww_surge_opts {
    int64_t bucket_us;       /* default 1 h */
    int64_t baseline_us;     /* default 30 d: the ISC's 30-day baseline */
    unsigned warmup_buckets; /* default 6: no surge judged before this much history */
    unsigned min_sources;    /* default 10: minimum-count guard */
    double z_jump;           /* default 7: called when a bucket gets this far above */
    double z_hold;           /* default 3: a surge lasts while buckets stay this far */
    enum ww_surge_stat stat; /* default WW_SURGE_NEW: sources new to the port */
    size_t seen_capacity;    /* default 1<<22 (source, port) pairs remembered */
    int64_t learn_us;        /* default 1 d: with WW_SURGE_NEW, the first stretch of
                                input only fills the seen table */
    unsigned min_targets;    /* default 5: distinct targets the new sources must reach */
    double flood_share;      /* default 0.5: one target with this share of the new
                                sources is a flood, not a surge */
    unsigned flood_sources;  /* default 100: sources on one target a flood needs */
    int sports;              /* default 1: UDP source ports are watched too (Witty) */
};
void ww_surge_opts_default(struct ww_surge_opts *o);

/* One of a surge's new sources, as sampled (issue 17: the OS, country and
 * AS mix of a surge's sources): its address and its SYN's match in p0f's
 * database (struct ww_event's os, 0 if none). */
struct ww_surge_src {
    struct ww_addr a;
    uint16_t os;
};
#define WW_SURGE_SAMPLE 256

struct ww_surge {
    uint16_t port;
    uint8_t proto;
    int64_t start_us;          /* start of the first surging bucket */
    int64_t alert_us;          /* the event at which it was called */
    int64_t end_us;            /* end of the last surging bucket seen */
    uint64_t sources, new_sources, targets;   /* in the bucket when called */
    double baseline_sources, baseline_new, baseline_targets; /* expected */
    double spread;             /* the baseline's spread (of the judged statistic) */
    double score;              /* z = (X - expected) / spread, X the judged statistic */
    double isc_score;          /* sqrt((S-s)^2/s + (T-t)^2/t) */
    uint8_t side;              /* enum ww_surge_side: port is the destination or the
                                  (UDP) source port */
    uint8_t kind;              /* enum ww_surge_kind, from the growth so far */
    uint32_t sensors;          /* sensors the new sources reached when called (>= 2: many) */
    uint64_t new_targets;      /* distinct targets of the new sources when called
                                  (destination ports for a source-port surge) */
    int64_t slot_us;           /* width of a growth slot (bucket / 12) */
    uint32_t nslots;           /* slots[0 .. nslots) from start_us, the last one filling */
    uint32_t slots[WW_SURGE_SLOTS]; /* new sources per slot */
    double growth_per_hour;    /* r fitted to the new sources per slot: they grow as e^(r t) */
    double doubling_s;         /* ln 2 / r (spreading), else 0 */
    double population;         /* spreading: sources expected at saturation, 0 = not yet known */
    int64_t saturation_us;     /* spreading: when 95% of them will have been seen, 0 = unknown */
    uint32_t nsample;          /* sample[0 .. nsample): the new sources from the surge's start
                                  to its end whose address hashes are the WW_SURGE_SAMPLE
                                  smallest (bottom-k: the same whatever the order) */
    struct ww_surge_src sample[WW_SURGE_SAMPLE];
};

/* Many sources converging on one target and port: a flood, never a surge. */
struct ww_flood {
    struct ww_addr target;
    uint16_t port;
    uint8_t proto;
    int64_t start_us, end_us;  /* first and last event to the target counted */
    uint64_t sources, records; /* distinct sources and records to the target */
};

struct ww_surges;
struct ww_surges *ww_surges_new(const struct ww_surge_opts *o); /* NULL = defaults */
/* Events should come in time order (ww_input_files merges); one older than
 * its port's current bucket counts in the current bucket. */
void ww_surges_event(struct ww_surges *s, const struct ww_event *ev);
/* A hint: ev comes soon. Stage 0 (furthest ahead) brings in its seen slot
 * and the series pointer, 1 the series, 2 the slots of the series'
 * distinct counters. */
void ww_surges_prefetch(struct ww_surges *s, const struct ww_event *ev, int stage);
/* Surges called so far, by alert time; owned by s, valid until the next call. */
size_t ww_surges_results(struct ww_surges *s, const struct ww_surge **out);
/* The surge's kind and growth in words, into buf ("spreading: new sources
 * doubling every 41 min, about 12000 sources expected by 2006-08-05T03:00Z";
 * "campaign: 480 new sources, not growing"; a source-port surge adds "from
 * UDP source port 4000 to many destination ports (Witty-like)"). */
char *ww_surge_growth_text(const struct ww_surge *r, char *buf, size_t size);

/* Floods called so far, in the order called; owned by s, valid until the next call. */
size_t ww_surges_floods(struct ww_surges *s, const struct ww_flood **out);
size_t ww_surges_memory(const struct ww_surges *s);
void ww_surges_free(struct ww_surges *s);

/* Persistence, so a collector can restart without losing its baselines.
 * ww_surges_save writes the whole state (options, every series with its
 * current bucket's counters and its baselines, the seen table, the surges
 * called so far) into a new buffer (*out, ww_malloc'd; the caller ww_free's
 * it) and returns its length. The bytes are a function of the state alone.
 * ww_surges_load rebuilds a state that goes on exactly as the saved one
 * would have: WW_OK and the state in *out, or WW_ERR_PARSE with the reason
 * in err (*out untouched) when the bytes are not a valid state. It reads only buf[0..len) and allocates
 * in proportion to len (beyond the state's fixed 1.5 MiB). The format is in
 * surge.c. */
size_t ww_surges_save(const struct ww_surges *s, unsigned char **out);
enum ww_err ww_surges_load(const void *buf, size_t len, struct ww_surges **out, char *err, size_t errlen);

#endif

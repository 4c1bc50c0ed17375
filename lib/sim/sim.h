/* sim.h -- a simulated Internet: a random-scanning worm and background
 * radiation, as a set of sensors (dark address blocks) would log them.
 *
 * The engine produces struct ww_event values (IPv4, but for the v6-rotation
 * scenario's probes to the first sensor's IPv6 /64) through a callback,
 * each with the index of the sensor that saw it, in time order (a TCP SYN
 * with its source's SYN fingerprint: sim/stack.h), plus one
 * ground-truth row (infected hosts) per simulated minute. It writes nothing
 * itself: cli/cmd_simulate.c turns events into files through lib/out/write.h.
 * Everything is a deterministic function of the options (the seed
 * included): its own PRNG (xoshiro256** seeded through splitmix64), no
 * time(), no hash-table iteration. See sim.c for the model and
 * docs/DETECTION.md ("The simulated Internet") for the calibration. */
#ifndef WW_SIM_H
#define WW_SIM_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"

#define WW_SIM_MAXSENSORS 512
#define WW_SIM_MAXRANGES 64      /* research scanners' published ranges */
#define WW_SIM_MAXSCANNERS 4096  /* research scanners' addresses */

/* ---- PRNG and samplers (exposed for tests) ---- */

struct ww_rng { uint64_t s[4]; };

/* Seeds one independent stream: splitmix64 over (seed, stream). */
void ww_rng_seed(struct ww_rng *r, uint64_t seed, uint64_t stream);
uint64_t ww_rng_next(struct ww_rng *r);           /* xoshiro256** */
double ww_rng_uniform(struct ww_rng *r);          /* [0, 1), 53 bits */
uint64_t ww_rng_below(struct ww_rng *r, uint64_t n); /* [0, n); 0 if n == 0 */
double ww_rng_normal(struct ww_rng *r);           /* N(0, 1), polar method */
/* Poisson(mean): inversion below 10, Hoermann's PTRS (1993) above. */
uint64_t ww_rng_poisson(struct ww_rng *r, double mean);
/* Binomial(n, p): waiting times when n*min(p,1-p) < 10, else Hoermann's
 * BTRS (1993). */
uint64_t ww_rng_binomial(struct ww_rng *r, uint64_t n, double p);

/* ---- options ---- */

struct ww_sim_sensor {
    uint32_t base;   /* network address, host order */
    uint8_t prefix;  /* 8..32 */
};

struct ww_sim_opts {
    uint64_t seed;               /* default 1 */
    int64_t start_us;            /* default 2006-08-01T00:00:00Z */
    int64_t end_us;              /* default start + 10 days */
    int64_t worm_start_us;       /* default start + 7 days; >= end: no worm */
    uint16_t worm_port;          /* default 139 */
    uint8_t worm_proto;          /* default TCP (or UDP) */
    uint32_t vulnerable;         /* N, default 360000 */
    double scan_rate;            /* probes/s per infected host, default 6 */
    uint32_t initial;            /* infected at worm start, default 1 */
    uint32_t hitlist;            /* infected right after by a hit list, default 0 */
    double local_pref;           /* share of probes to the host's own /16, default 0 */
    double stop_infected;        /* end the run at the minute this share is
                                    infected; default 2 (never) */
    int background;              /* default 1 */
    double background_scale;     /* multiplies every background rate, default 1 */
    /* sensors: explicit blocks (nsensors > 0), or `random_count` random
       blocks of `random_prefix` (default 16 x /20) */
    size_t nsensors;
    struct ww_sim_sensor sensors[WW_SIM_MAXSENSORS];
    unsigned random_count;
    uint8_t random_prefix;
    /* scenarios (WW_SCEN_* bits; 0: the worm alone, as before), all from
       worm_start_us; see "the scenarios" below */
    unsigned scenarios;
    struct ww_sim_port { uint16_t port; uint8_t proto; } campaign_port, flood_port,
        scan_port, victim_port;
    uint32_t campaign_sources;   /* default 300 */
    double campaign_rate;        /* probes/s per source, default 20 */
    double flood_rate;           /* packets/s to the target, default 100 */
    int64_t flood_us;            /* default 10 minutes */
    double attack_rate;          /* spoofed packets/s at the victim, default 20000 */
    uint32_t scanner_sources;    /* default 60 */
    int64_t slow_interval_us;    /* the slow scan's gap between probes, default 5 min */
    size_t nranges;
    struct ww_sim_sensor ranges[WW_SIM_MAXRANGES]; /* default Censys' two /24s */
};

/* ---- the scenarios ----
 * What besides (or instead of) the classic worm happens at worm_start_us T.
 * Each has its own PRNG stream, so the background is the same with or
 * without them, and without any (scenarios == 0) a run is what it was. */
enum {
    WW_SCEN_WORM = 1 << 0,        /* the worm above */
    WW_SCEN_WITTY = 1 << 1,       /* the worm, Witty-like: UDP from source port
                                     worm_port (4000) to random ports */
    WW_SCEN_QUIET = 1 << 2,       /* the worm, on a port the background never uses */
    WW_SCEN_CAMPAIGN = 1 << 3,    /* campaign_sources switch on at T and hold */
    WW_SCEN_FLOOD = 1 << 4,       /* spoofed SYN flood on one monitored address */
    WW_SCEN_SCANNERS = 1 << 5,    /* research scanners from `ranges` sweep the sensors in an hour */
    WW_SCEN_BACKSCATTER = 1 << 6, /* a DoS victim's replies: three 10-minute bursts */
    WW_SCEN_SLOW = 1 << 7,        /* one source, 22/tcp on distinct hosts, a probe every
                                     slow_interval_us for 24 h */
    WW_SCEN_V6 = 1 << 8,          /* an IPv6 scanner rotating inside WW_SIM_V6_SRC: 300
                                     probes, one a second, to 300 ports of one address of
                                     the first sensor's IPv6 /64 WW_SIM_V6_NET */
    WW_SCEN_WORMS = WW_SCEN_WORM | WW_SCEN_WITTY | WW_SCEN_QUIET,
};
#define WW_SIM_NSCEN 9
/* The name of scenario bit 1 << i ("worm", "witty", "quiet-port", "campaign",
 * "flood", "scanners", "backscatter", "slow-scan", "v6-rotation"); NULL past
 * the last. */
const char *ww_sim_scenario_name(unsigned i);
/* Whether the run has a worm (the classic one or a variant) before the end. */
int ww_sim_worm_active(const struct ww_sim_opts *o);
/* What an event is (the event callback's `kind`). */
enum { WW_SIM_BG = 0, WW_SIM_WORMEV, WW_SIM_CAMPAIGN, WW_SIM_FLOOD, WW_SIM_SCANNERS,
       WW_SIM_BACKSCATTER, WW_SIM_SLOW, WW_SIM_V6, WW_SIM_NKINDS };
/* The v6-rotation scenario: its scanner's /64 (a new random interface
 * identifier per probe), the first sensor's IPv6 /64 (dual stack: its events
 * go to sensor 0), the probes and their gap. */
#define WW_SIM_V6_SRC "2001:db8:77:1::/64"
#define WW_SIM_V6_NET "2001:db8:100::/64"
#define WW_SIM_V6_PROBES 300
#define WW_SIM_SLOW_SPAN_US WW_DAY_US /* the slow scan's length */
/* What the scenarios chose (ground truth), host-order addresses. */
struct ww_sim_chosen {
    uint32_t flood_target, victim;
    const uint32_t *scanners;
    uint32_t nscanners;
    uint32_t slow_src;            /* the slow scanner */
    uint32_t slow_probes;         /* its probes in the run */
    struct ww_addr v6_target;     /* the v6-rotation scanner's target */
    int64_t first[WW_SIM_NKINDS]; /* each kind's first event written; -1 none */
};

void ww_sim_opts_default(struct ww_sim_opts *o);
/* "16x/20" or "192.0.2.0/24,198.51.100.0/24" into o. WW_OK, or WW_ERR_PARSE
 * with the reason in err. */
enum ww_err ww_sim_parse_sensors(const char *spec, struct ww_sim_opts *o, char *err, size_t errlen);
/* "162.142.125.0/24,167.94.138.0/24" into o->ranges, likewise. */
enum ww_err ww_sim_parse_ranges(const char *spec, struct ww_sim_opts *o, char *err, size_t errlen);
/* 1 if a.b.c.d is in special-purpose space (RFC 6890: 0/8, 10/8, 100.64/10,
 * 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24,
 * 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/3). */
int ww_sim_reserved(uint32_t a);

/* ---- the run ---- */

struct ww_sim;

/* Called for each event in time order (ties in generation order); `kind`
 * is WW_SIM_BG (0) for background, WW_SIM_WORMEV (1) for a worm probe, or
 * the scenario's WW_SIM_* kind. A TCP SYN (without ACK) carries its
 * source's SYN fingerprint in ev->fp, and `stack` is that source's stack
 * (an index into ww_sim_stacks, sim/stack.h); -1 for any other event. */
typedef void (*ww_sim_event_fn)(void *ctx, unsigned sensor, int kind, int stack,
                                const struct ww_event *ev);
/* Called at start and every 60 s after, up to the end: infected hosts at
 * that instant. */
typedef void (*ww_sim_truth_fn)(void *ctx, int64_t ts_us, uint64_t infected);

/* Validates the options, places the sensors and the vulnerable hosts: WW_OK
 * and the sim in *out, or WW_ERR_ARG with the reason in err if the options
 * are inconsistent. */
enum ww_err ww_sim_new(const struct ww_sim_opts *o, struct ww_sim **out, char *err, size_t errlen);
/* The sensor blocks in use (chosen ones for NxPREFIX). */
size_t ww_sim_sensors(const struct ww_sim *s, const struct ww_sim_sensor **out);
/* Runs the whole span once. Either callback may be NULL. */
void ww_sim_run(struct ww_sim *s, ww_sim_event_fn on_event, ww_sim_truth_fn on_truth,
                void *ctx);

/* After the run: */
int64_t ww_sim_end(const struct ww_sim *s);        /* end of the run (earlier with stop_infected) */
uint64_t ww_sim_infected(const struct ww_sim *s);  /* infected at the end */
#define WW_SIM_NMILESTONES 8
extern const double ww_sim_milestones[WW_SIM_NMILESTONES]; /* 1e-4 .. 0.99 */
/* When the infected share first reached ww_sim_milestones[i]; -1 if never. */
int64_t ww_sim_milestone(const struct ww_sim *s, unsigned i);
/* The scenarios' choices (valid from ww_sim_new; `first` after the run). */
const struct ww_sim_chosen *ww_sim_chosen(const struct ww_sim *s);
void ww_sim_free(struct ww_sim *s);

#endif

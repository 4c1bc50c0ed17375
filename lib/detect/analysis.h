/* analysis.h -- the analysis pipeline: events in, the detectors fed.
 *
 * struct ww_analysis owns the detectors -- per-source scan detection
 * (scan.h), per-port statistics (ports.h), port surges (surge.h) and DoS
 * backscatter (backscatter.h) -- each one optional, and the run's record
 * count and time span. Every event goes through ww_analysis_event() to each
 * detector that is on, in time order as ww_input_files() merges them.
 * `wormwatch analyze` runs them all over its inputs; the sensor runs the
 * scan detector alone over what it reads, for its local findings. With
 * p0f's database (opts.osdb), an event carrying a SYN's fingerprint gets
 * its match (struct ww_event's os) here, on the caller's thread, before any
 * detector sees it.
 *
 * Events are taken in blocks (4,096): the detectors see them when a block
 * is full or at ww_analysis_finish(), which must come before the results
 * are read from the detectors themselves (and may come any number of
 * times: the sensor reads its scanners as it goes). Threads
 * (opts.threads): with 1, every detector runs on the caller's thread. With
 * more, the workers run the detectors over the blocks while the caller
 * (which also reads and parses) fills the next, and the caller helps when
 * they fall behind: any thread runs any detector's next block (analysis.c).
 * Each detector still sees every event, one at a time, in the very same
 * order, so the findings are the same whatever the number of threads. */
#ifndef WW_ANALYSIS_H
#define WW_ANALYSIS_H
#include <stdint.h>
#include "core/event.h"
#include "detect/backscatter.h"
#include "detect/known.h"
#include "detect/osdb.h"
#include "detect/ports.h"
#include "detect/scan.h"
#include "detect/surge.h"

enum { WW_ANALYSIS_SCAN = 1, WW_ANALYSIS_PORTS = 2, WW_ANALYSIS_SURGE = 4,
       WW_ANALYSIS_BACKSCATTER = 8,
       WW_ANALYSIS_ALL = 15 };

#define WW_ANALYSIS_THREADS_MAX 4 /* the caller's and three workers */

/* How a detector's prefetch stages run ahead of its events (analysis.c's
 * run, and the unit tests that check hints change nothing): when event i
 * of n is due, stage 0 for the one 3 AHEAD on, 1 for 2 AHEAD, 2 for AHEAD. */
#define WW_PREFETCH_AHEAD 4
#define WW_PREFETCH_STAGES(fn, d, b, i, n) do { \
        if ((i) + 3 * WW_PREFETCH_AHEAD < (n)) fn((d), &(b)[(i) + 3 * WW_PREFETCH_AHEAD], 0); \
        if ((i) + 2 * WW_PREFETCH_AHEAD < (n)) fn((d), &(b)[(i) + 2 * WW_PREFETCH_AHEAD], 1); \
        if ((i) + WW_PREFETCH_AHEAD < (n)) fn((d), &(b)[(i) + WW_PREFETCH_AHEAD], 2); \
    } while (0)

struct ww_analysis_opts {
    unsigned detectors;          /* WW_ANALYSIS_* bits: which run */
    unsigned threads;            /* 1 (default) .. WW_ANALYSIS_THREADS_MAX; more is taken as the most */
    struct ww_scan_opts scan;
    struct ww_ports_opts ports;
    struct ww_surge_opts surge;
    const struct ww_known *known; /* borrowed; NULL = none */
    const struct ww_osdb *osdb;   /* borrowed; NULL = no OS fingerprints matched */
    struct ww_backscatter_opts backscatter;
};

/* All detectors, each with its defaults; one thread. */
void ww_analysis_opts_default(struct ww_analysis_opts *o);

struct ww_pipe;                  /* analysis.c: the blocks and the workers */

struct ww_analysis {
    struct ww_scan *scan;        /* NULL for a detector that is off */
    struct ww_ports *ports;
    struct ww_surges *surges;
    const struct ww_known *known;
    const struct ww_osdb *osdb;
    struct ww_synfp last_fp;     /* the last fingerprint matched, and its match */
    uint16_t last_os;
    struct ww_backscatter *backscatter;
    uint64_t records;            /* sum of event counts */
    int64_t first_us, last_us;   /* time span of the events (if records) */
    struct ww_pipe *pipe;        /* the blocks (and workers) */
    /* After ww_analysis_finish, CPU seconds up to then: each thread's that
     * ran (the caller's first), the caller's outside the detectors (reading,
     * parsing, the OS match) and each detector's, by the bit number of its
     * WW_ANALYSIS_* (0 scan, 1 ports, 2 surges, 3 backscatter), on whichever
     * thread it ran. */
    unsigned nthreads;
    double thread_cpu_s[WW_ANALYSIS_THREADS_MAX];
    double reading_cpu_s;
    double detector_cpu_s[4];
};

void ww_analysis_init(struct ww_analysis *a, const struct ww_analysis_opts *o);
void ww_analysis_event(struct ww_analysis *a, const struct ww_event *ev);
/* Hands on the events given so far and waits until every detector has
 * taken them: the detectors are complete and may be read until the next
 * event. The workers wait for more (the sensor finishes at every round). */
void ww_analysis_finish(struct ww_analysis *a);
/* Finishes (if not yet) and frees the detectors. */
void ww_analysis_release(struct ww_analysis *a);

#endif

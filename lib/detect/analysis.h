/* analysis.h -- the analysis pipeline: events in, the detectors fed.
 *
 * struct ww_analysis owns the three detectors -- per-source scan detection
 * (scan.h), per-port statistics (ports.h), port surges (surge.h) and DoS
 * backscatter (backscatter.h) -- each
 * one optional, and the run's record count and time span. Every event goes
 * through ww_analysis_event() to each detector that is on, in time order as
 * ww_input_files() merges them. `wormwatch analyze` runs them all over its
 * inputs; the sensor runs the scan detector alone over what it reads, for
 * its local findings. The results are read from the detectors themselves. */
#ifndef WW_ANALYSIS_H
#define WW_ANALYSIS_H
#include <stdint.h>
#include "core/event.h"
#include "detect/backscatter.h"
#include "detect/known.h"
#include "detect/ports.h"
#include "detect/scan.h"
#include "detect/surge.h"

enum { WW_ANALYSIS_SCAN = 1, WW_ANALYSIS_PORTS = 2, WW_ANALYSIS_SURGE = 4,
       WW_ANALYSIS_BACKSCATTER = 8,
       WW_ANALYSIS_ALL = 15 };

struct ww_analysis_opts {
    unsigned detectors;          /* WW_ANALYSIS_* bits: which run */
    struct ww_scan_opts scan;
    struct ww_ports_opts ports;
    struct ww_surge_opts surge;
    const struct ww_known *known; /* borrowed; NULL = none */
    struct ww_backscatter_opts backscatter;
};

/* All detectors, each with its defaults. */
void ww_analysis_opts_default(struct ww_analysis_opts *o);

struct ww_analysis {
    struct ww_scan *scan;        /* NULL for a detector that is off */
    struct ww_ports *ports;
    struct ww_surges *surges;
    const struct ww_known *known;
    struct ww_backscatter *backscatter;
    uint64_t records;            /* sum of event counts */
    int64_t first_us, last_us;   /* time span of the events (if records) */
};

void ww_analysis_init(struct ww_analysis *a, const struct ww_analysis_opts *o);
void ww_analysis_event(struct ww_analysis *a, const struct ww_event *ev);
void ww_analysis_release(struct ww_analysis *a);

#endif

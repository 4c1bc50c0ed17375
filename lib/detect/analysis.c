/* analysis.c -- one event to every detector that is on (see analysis.h).
 * Nothing is kept here but the detectors and three numbers; the event is
 * passed on by pointer, never copied. */
#include "detect/analysis.h"

#include <string.h>

void ww_analysis_opts_default(struct ww_analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    o->detectors = WW_ANALYSIS_ALL;
    ww_scan_opts_default(&o->scan);
    ww_ports_opts_default(&o->ports);
    ww_surge_opts_default(&o->surge);
    ww_backscatter_opts_default(&o->backscatter);
}

void ww_analysis_init(struct ww_analysis *a, const struct ww_analysis_opts *o)
{
    memset(a, 0, sizeof *a);
    if (o->detectors & WW_ANALYSIS_SCAN) a->scan = ww_scan_new(&o->scan);
    if (o->detectors & WW_ANALYSIS_PORTS) a->ports = ww_ports_new(&o->ports);
    if (o->detectors & WW_ANALYSIS_SURGE) a->surges = ww_surges_new(&o->surge);
    if (o->detectors & WW_ANALYSIS_BACKSCATTER) a->backscatter = ww_backscatter_new(&o->backscatter);
    a->known = o->known;
}

/* A known scanner's events never count toward a surge (known.h). */
static void to_surges(struct ww_analysis *a, const struct ww_event *ev)
{
    if (!ww_known_label(a->known, &ev->src)) ww_surges_event(a->surges, ev);
}

void ww_analysis_event(struct ww_analysis *a, const struct ww_event *ev)
{
    if (!a->records || ev->ts_us < a->first_us) a->first_us = ev->ts_us;
    if (!a->records || ev->ts_us > a->last_us) a->last_us = ev->ts_us;
    a->records += ev->count;
    if (a->scan) ww_scan_event(a->scan, ev);
    if (a->ports) ww_ports_event(a->ports, ev);
    if (a->surges) to_surges(a, ev);
    if (a->backscatter) ww_backscatter_event(a->backscatter, ev);
}

void ww_analysis_release(struct ww_analysis *a)
{
    ww_scan_free(a->scan);
    ww_ports_free(a->ports);
    ww_surges_free(a->surges);
    ww_backscatter_free(a->backscatter);
    memset(a, 0, sizeof *a);
}

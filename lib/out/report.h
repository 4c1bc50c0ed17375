/* report.h -- the analysis report, for people (text) and scripts (JSON).
 *
 * A report is a plain view over what the detectors found; the caller fills
 * struct ww_report and picks a writer. Writers print to the caller's FILE*
 * (the library never chooses stdout itself). The JSON shape is the contract's
 * `analyze --format json` (shared/CONTRACT.md); the text form fits 80 columns.
 * The OS, country and AS of a scanner, and the mix of a surge's sources,
 * are there when the databases are (struct ww_report's osdb and geo), and
 * null otherwise; input.enrichment says which were. */
#ifndef WW_REPORT_H
#define WW_REPORT_H
#include <jansson.h>
#include <stdio.h>
#include "core/event.h"
#include "detect/backscatter.h"
#include "detect/geo.h"
#include "detect/known.h"
#include "detect/mix.h"
#include "detect/osdb.h"
#include "detect/ports.h"
#include "detect/scan.h"
#include "detect/surge.h"

struct ww_report {
    const char *const *files;
    size_t nfiles;
    struct ww_input_stats input;
    uint64_t records;          /* sum of event counts */
    int64_t first_us, last_us; /* time span of the events (0 if none) */
    int64_t bucket_us;
    const struct ww_scanner *scanners;
    size_t nscanners;
    const struct ww_known *known; /* labels scanners (`label`); NULL = none */
    /* who the sources are (issue 17): a scanner's os names its label, geo
     * its country and AS, and a surge's sample its mix (detect/mix.h);
     * NULL = not available, which the report says (input.enrichment) */
    const struct ww_osdb *osdb;
    const struct ww_geo *geo;
    const char *osdb_path, *geoip_path, *asn_path; /* the files, as given */
    const struct ww_portstat *ports;
    size_t nports;
    const struct ww_surge *surges;
    size_t nsurges;
    const struct ww_flood *floods;
    size_t nfloods;
    const struct ww_backscatter_attack *backscatter;
    size_t nbackscatter;
    /* optional: one port's buckets (analyze --history PORT/PROTO) */
    uint16_t hist_port;
    uint8_t hist_proto;
    size_t nhist;
    const int64_t *hist_start;
    const uint64_t *hist_sources, *hist_targets, *hist_records;
};

/* Both return WW_OK or WW_ERR_IO (write failed). top: rows per table in text. */
int ww_report_json(FILE *out, const struct ww_report *r);
/* Who a surge's sources are, in the one shape analyze's report and the
 * collector's API share: sets "os_mix", "countries" and "asns" on o, each
 * {"sampled", "known", ("distinct", "top_share",) "rows"} or null where
 * m->has lacks that database; a row's "share" is of the sampled sources
 * that have one (m's *_known). match (NULL: none): each OS row's kind. */
void ww_mix_json(json_t *o, const struct ww_mix *m, const char *const match[WW_MIX_TOP]);
int ww_report_text(FILE *out, const struct ww_report *r, size_t top);

/* "tcp,udp" and "SYN,XMAS" for one scanner, into buf. */
char *ww_scanner_protos(const struct ww_scanner *s, char *buf, size_t size);
char *ww_scanner_flags(const struct ww_scanner *s, char *buf, size_t size);

#endif

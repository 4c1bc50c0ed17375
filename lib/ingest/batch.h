/* batch.h -- a collector submission body (DShield TSV or NDJSON) to events.
 *
 * The whole body is parsed before anything is stored: the first bad line
 * stops the parse with its 1-based number and a reason, so the caller can
 * reject the batch whole. Besides being well formed, every event must be
 * dated from 1970-01-01T00:00:00Z (UTC, after its zone offset) up to
 * latest_us, which the collector sets to its clock plus a tolerance: one
 * line dated 2100 would otherwise become every query's "latest day". Events
 * go into a caller-owned growable array that is reused across batches
 * (ww_batch_parse() empties it first). */
#ifndef WW_BATCH_H
#define WW_BATCH_H
#include <stddef.h>
#include <stdint.h>
#include "core/event.h"

enum ww_batch_fmt { WW_BATCH_TSV = 0, WW_BATCH_NDJSON };

struct ww_batch {
    struct ww_event *ev;
    size_t n, cap;
    size_t max;          /* hard maximum of events; 0 = none */
    int64_t latest_us;   /* events dated later are refused; 0 = no limit */
    char why[128];       /* a reason that quotes the line (its time) */
};

/* "text/tab-separated-values" (also text/plain, application/octet-stream and
 * application/x-www-form-urlencoded, what `curl --data-binary` sends) -> TSV,
 * "application/x-ndjson" (also "application/json") -> NDJSON; parameters
 * after ';' are ignored; NULL -> TSV. -1 if unsupported. */
int ww_batch_fmt_from_type(const char *content_type);

/* WW_OK with b->n >= 1 events; WW_ERR_PARSE with *line (0 for the body as a
 * whole, e.g. no events) and *why set (a static string, or b->why, valid
 * until the next parse); WW_ERR_LIMIT past b->max. */
int ww_batch_parse(struct ww_batch *b, enum ww_batch_fmt fmt, const char *body,
                   size_t len, uint64_t *line, const char **why);
void ww_batch_release(struct ww_batch *b);

#endif

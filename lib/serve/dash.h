/* dash.h -- the collector's web dashboard: HTML pages and static assets.
 *
 * Pure rendering: no sockets. `serve` calls ww_dash_render() for every GET
 * or HEAD whose path is not under /api/ and not /metrics, and sends the
 * page with WW_DASH_CSP, X-Content-Type-Options: nosniff and
 * Referrer-Policy: no-referrer. Pages are rendered from the JSON API alone
 * (ww_api_get), so the dashboard shows exactly what API users see.
 *
 *   /              overview: infocon, surges, alerts, top ports, sensors (?date=)
 *   /port/{p}      one port: chart (?date=, ?days=1..90, ?by=hour|day), its
 *                  surges hour by hour, their new sources, the heaviest sources
 * /, /port/{p}: one day, ?date= or by default the clock's, or the latest
 * day with data when the clock's day has none (the page says so).
 *   /ip/{addr}     one source: counts, kinds, timeline, ports
 *   /sensors       every sensor key, its last submission, silent or not
 *   /alerts        every surge alert, newest first
 *   /assets/...    the files of web/, compiled in at build time
 * Anything else is a 404 page. */
#ifndef WW_DASH_H
#define WW_DASH_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define WW_DASH_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; " \
    "frame-ancestors 'none'"

/* A sensor without a submission for this long is shown as silent. */
#define WW_DASH_SILENT_S 3600

struct ww_dash_page {
    unsigned status;          /* 200, 400, 404 or 500 */
    const char *content_type; /* static string */
    char *body;
    size_t len;
    int body_static;          /* 1: body points into embedded assets, do not free */
};

/* path: the decoded URL path ("/port/139"); query: the raw query string
 * after '?' (percent-encoded; NULL or "" for none); now_us: the clock for
 * "today" and "silent". Fills *out and returns WW_OK, a 404 page included;
 * WW_ERR_IO if the page could not be written (out of memory), WW_ERR_ARG if
 * dash.c asked emit() for a format it lacks (a bug): *out is then empty. */
int ww_dash_render(struct ww_store *st, const char *path, const char *query, int64_t now_us,
                   struct ww_dash_page *out);
void ww_dash_page_free(struct ww_dash_page *p);

/* The embedded files of web/, generated at build time by cmake/embed.cmake:
 * path is "/assets/" + the file's path under web/. */
struct ww_dash_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
};
extern const struct ww_dash_asset ww_dash_assets[];
extern const size_t ww_dash_nassets;

#endif

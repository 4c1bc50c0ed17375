/* api.h -- the collector's read-only JSON API, answered in-process.
 *
 * One function maps a GET path with its query string ("/api/v1/porthistory/
 * 139?from=2026-01-01&by=hour") to the store query and its JSON. `serve`
 * answers HTTP with it, the dashboard renders its pages from it, and
 * `report --db` queries a store file with it: three users, one meaning for
 * every URL. */
#ifndef WW_API_H
#define WW_API_H
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "store/store.h"

/* Returns the JSON (never NULL) and sets *status: 200, 400 (bad argument),
 * 404 (no such endpoint, or nothing known by that name), 503 (the store
 * cannot write, so its figures may miss acknowledged batches: retry).
 * Errors are {"error": "..."}. now_us: the clock "today" and
 * "active" are judged by. */
json_t *ww_api_get(struct ww_store *st, const char *url, int64_t now_us, unsigned *status);

/* The value of key in a query string "a=1&b=2" (percent-decoding into buf);
 * NULL if absent; a value too long for buf comes back as "\x01", which no
 * argument parser accepts. */
const char *ww_api_arg(const char *query, const char *key, char *buf, size_t buflen);

/* Writes s percent-encoded (all but RFC 3986 unreserved characters): a
 * query value or a path segment for the URLs above. */
void ww_api_urlenc(FILE *f, const char *s);

#endif

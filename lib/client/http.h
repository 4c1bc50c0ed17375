/* http.h -- the HTTP client side of the collector's API (libcurl):
 * `report --url`, `block --url` and the sensor talk to a collector with it.
 * Only http and https; answers are capped. */
#ifndef WW_HTTP_H
#define WW_HTTP_H
#include <stddef.h>
#include <jansson.h>

/* The same API over HTTP: GET base + path from a running collector (libcurl,
 * 30 s timeout, http/https only, answers up to 64 MiB). Returns the JSON
 * body whatever the status (errors are {"error": ...}) with *status set,
 * or NULL with a reason in err when there is no JSON answer. */
json_t *ww_http_get(const char *base, const char *path, long *status, char *err, size_t errlen);

#endif

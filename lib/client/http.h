/* http.h -- the HTTP client side of the collector's API (libcurl), the one
 * client wormwatch has: `report --url` and `block --url` GET from a
 * collector, the sensor POSTs its batches to one. Only http and https (a
 * URL naming file:, ftp: or any other scheme fails); every request is timed
 * out; answers are capped. See http.c. */
#ifndef WW_HTTP_H
#define WW_HTTP_H
#include <stddef.h>
#include <jansson.h>
#include "core/err.h"

/* The same API over HTTP: GET base + path from a running collector (libcurl,
 * 30 s timeout, http/https only, answers up to 64 MiB). Returns the JSON
 * body whatever the status (errors are {"error": ...}) with *status set,
 * or NULL with a reason in err when there is no JSON answer. */
json_t *ww_http_get(const char *base, const char *path, long *status, char *err, size_t errlen);

/* A client that keeps its connection between requests (the sensor's). */
struct ww_http;
struct ww_http *ww_http_new(void);
void ww_http_free(struct ww_http *h);

/* POST body (len bytes) to base + path (path "": to base exactly), with the extra header lines given
 * (NULL-terminated; "Name:" alone removes one libcurl would send); 30 s
 * timeout, 5 s to connect; the answer's body is read and discarded. WW_OK
 * when an HTTP answer came, whatever its status (*status); WW_ERR_IO with
 * libcurl's reason in err when none did. */
enum ww_err ww_http_post(struct ww_http *h, const char *base, const char *path,
                         const char *const *headers, const char *body, size_t len,
                         long *status, char *err, size_t errlen);

#endif

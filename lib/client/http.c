/* http.c -- GET a collector's JSON API over HTTP (see http.h). The body is
 * collected into one growing buffer, capped at 64 MiB, and parsed by jansson
 * whatever the status, since errors are JSON too. */
#include "client/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"

struct body { char *p; size_t n; };

static size_t on_data(char *d, size_t sz, size_t nm, void *ctx)
{
    struct body *b = ctx;
    size_t len = sz * nm;
    if (b->n + len > (64u << 20)) return 0;
    b->p = ww_realloc(b->p, b->n + len + 1);
    memcpy(b->p + b->n, d, len);
    b->n += len;
    b->p[b->n] = '\0';
    return len;
}

json_t *ww_http_get(const char *base, const char *path, long *status, char *err, size_t errlen)
{
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    size_t n = bl + strlen(path) + 1;
    char *url = ww_malloc(n);
    snprintf(url, n, "%.*s%s", (int)bl, base, path);
    struct body b = {0};
    json_t *j = NULL;
    *status = 0;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "%s: cannot start libcurl", url);
        ww_free(url);
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK) snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    else if (!b.p || !(j = json_loads(b.p, 0, NULL)))
        snprintf(err, errlen, "%s: HTTP %ld, answer is not JSON", url, *status);
    curl_easy_cleanup(c);
    ww_free(b.p);
    ww_free(url);
    return j;
}

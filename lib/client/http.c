/* http.c -- a collector's API over HTTP (see http.h).
 *
 * Both requests are set up by one function (url, timeout, the protocols
 * allowed), so GET and POST cannot differ in what they permit. The URL is
 * base + path with base's trailing slashes dropped (base alone, as given,
 * for an empty path: a webhook's URL). A GET's body is
 * collected into a core/buf.h buffer, capped at 64 MiB, and parsed by jansson
 * whatever the status, since errors are JSON too; a POST's answer is read
 * and dropped (its status is what counts). A POST client keeps its CURL
 * handle, and so its connection, from one request to the next. */
#include "client/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

struct ww_http {
    CURL *curl;
};

#define BODY_MAX ((size_t)64 << 20)

static size_t on_data(char *d, size_t sz, size_t nm, void *ctx)
{
    return ww_buf_add(ctx, d, sz * nm) ? 0 : sz * nm; /* 0: past the cap, curl stops */
}

static size_t on_discard(char *d, size_t sz, size_t nm, void *ctx)
{
    (void)d, (void)ctx;
    return sz * nm;
}

/* base + path, base's trailing slashes dropped (base as it is when path is
 * empty); ww_free it */
static char *join(const char *base, const char *path)
{
    size_t bl = strlen(base);
    while (*path && bl && base[bl - 1] == '/') bl--;
    size_t n = bl + strlen(path) + 1;
    char *url = ww_malloc(n);
    snprintf(url, n, "%.*s%s", (int)bl, base, path);
    return url;
}

/* What every request has: its URL, a timeout, http and https only. */
static void setup(CURL *c, const char *url)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}

json_t *ww_http_get(const char *base, const char *path, long *status, char *err, size_t errlen)
{
    char *url = join(base, path);
    struct ww_buf b;
    json_t *j = NULL;
    ww_buf_init(&b, BODY_MAX);
    *status = 0;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "%s: cannot start libcurl", url);
        ww_free(url);
        return NULL;
    }
    setup(c, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK) snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    else if (!b.p || !(j = json_loads(b.p, 0, NULL)))
        snprintf(err, errlen, "%s: HTTP %ld, answer is not JSON", url, *status);
    curl_easy_cleanup(c);
    ww_buf_reset(&b);
    ww_free(url);
    return j;
}

struct ww_http *ww_http_new(void)
{
    struct ww_http *h = ww_calloc(1, sizeof *h);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h->curl = curl_easy_init();
    return h;
}

void ww_http_free(struct ww_http *h)
{
    if (!h) return;
    curl_easy_cleanup(h->curl);
    curl_global_cleanup();
    ww_free(h);
}

enum ww_err ww_http_post(struct ww_http *h, const char *base, const char *path,
                         const char *const *headers, const char *body, size_t len,
                         long *status, char *err, size_t errlen)
{
    *status = 0;
    if (!h->curl) {
        snprintf(err, errlen, "cannot start libcurl");
        return WW_ERR_IO;
    }
    char *url = join(base, path);
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++) hl = curl_slist_append(hl, headers[i]);
    curl_easy_reset(h->curl);
    setup(h->curl, url);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_discard);
    CURLcode rc = curl_easy_perform(h->curl);
    if (rc == CURLE_OK) curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
    else snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hl);
    ww_free(url);
    return rc == CURLE_OK ? WW_OK : WW_ERR_IO;
}

/* api.c -- the collector's read-only JSON API (api.h).
 *
 * Routing is a flat list of prefixes; each endpoint validates its path part
 * and query arguments, then calls one store query. Arguments are parsed
 * strictly (whole-string numbers, YYYY-MM-DD dates) and a bad one is a 400
 * naming it. The store answers {"error": ...} when the request names
 * nothing it knows (an address never seen): that becomes a 404; it answers
 * nothing while it cannot write (its figures may be stale): a 503.
 * ww_api_fetch is the client side, for `report` and `block`. */
#include "serve/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/mem.h"
#include "core/wtime.h"

#define DAY_US 86400000000LL

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const char *ww_api_arg(const char *query, const char *key, char *buf, size_t buflen)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        if (!end) end = p + strlen(p);
        if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = 0;
            for (const char *v = p + klen + 1; v < end; v++) {
                int c = *v;
                if (c == '+') c = ' ';
                else if (c == '%' && end - v >= 3 && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
                    c = hexval(v[1]) << 4 | hexval(v[2]);
                    v += 2;
                }
                if (n + 2 >= buflen) { /* too long: a value no parser accepts */
                    memcpy(buf, "\x01", 2);
                    return buf;
                }
                buf[n++] = (char)c;
            }
            buf[n] = '\0';
            return buf;
        }
        p = *end ? end + 1 : end;
    }
    return NULL;
}

void ww_api_urlenc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            fputc(c, f);
        else
            fprintf(f, "%%%02X", c);
    }
}

static int whole_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+' || *s == ' ') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

/* An optional argument: absent or empty -> dflt. */
static int arg_uint(const char *q, const char *key, unsigned long long max,
                    unsigned long long dflt, unsigned long long *out)
{
    char buf[32];
    const char *v = ww_api_arg(q, key, buf, sizeof buf);
    if (!v || !*v) { *out = dflt; return 0; }
    return whole_uint(v, max, out);
}

static int arg_day(const char *q, const char *key, int64_t dflt, int64_t *day)
{
    char s[32];
    if (!ww_api_arg(q, key, s, sizeof s) || !*s) { *day = dflt; return 0; }
    return ww_parse_date(s, strlen(s), day);
}

static json_t *fail(unsigned *status, unsigned code, const char *msg)
{
    *status = code;
    return json_pack("{s:s}", "error", msg);
}

json_t *ww_api_get(struct ww_store *st, const char *url, int64_t now_us, unsigned *status)
{
    char path[512];
    const char *qm = strchr(url, '?'), *q = qm ? qm + 1 : "", *rest;
    size_t plen = qm ? (size_t)(qm - url) : strlen(url);
    if (plen >= sizeof path) return fail(status, 404, "no such endpoint");
    memcpy(path, url, plen);
    path[plen] = '\0';
    int64_t today = now_us / DAY_US, day, from, to;
    unsigned long long limit, port;
    json_t *j;

#define UNDER(prefix) (!strncmp(path, prefix, sizeof(prefix) - 1) && (rest = path + sizeof(prefix) - 1))
    if (UNDER("/api/v1/port/")) {
        if (whole_uint(rest, 65535, &port)) return fail(status, 400, "port must be 0..65535");
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        j = ww_store_port(st, (int)port, day);
    } else if (UNDER("/api/v1/porthistory/")) {
        char by[8];
        int hourly = 0;
        if (whole_uint(rest, 65535, &port)) return fail(status, 400, "port must be 0..65535");
        if (arg_day(q, "to", today, &to) || arg_day(q, "from", to - 29, &from))
            return fail(status, 400, "from, to: expected YYYY-MM-DD");
        if (from > to || to - from > 3660)
            return fail(status, 400, "from must not be after to, and at most 10 years before it");
        if (ww_api_arg(q, "by", by, sizeof by) && *by) {
            if (!strcmp(by, "hour")) hourly = 1;
            else if (strcmp(by, "day")) return fail(status, 400, "by: day or hour");
        }
        if (hourly && to - from > 92) return fail(status, 400, "by=hour: at most 93 days");
        j = ww_store_porthistory(st, (int)port, from, to, hourly);
    } else if (UNDER("/api/v1/topports/")) {
        if (strcmp(rest, "records") && strcmp(rest, "sources") && strcmp(rest, "targets"))
            return fail(status, 404, "topports/{records|sources|targets}");
        if (arg_uint(q, "limit", 10000, 10, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        j = ww_store_topports(st, rest, (int)limit, day);
    } else if (!strcmp(path, "/api/v1/sources")) {
        char pbuf[8];
        int p = -1;
        if (arg_uint(q, "limit", 10000, 10, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (ww_api_arg(q, "port", pbuf, sizeof pbuf) && *pbuf) {
            if (whole_uint(pbuf, 65535, &port)) return fail(status, 400, "port must be 0..65535");
            p = (int)port;
        }
        j = ww_store_sources(st, (int)limit, p, now_us);
    } else if (UNDER("/api/v1/ip/")) {
        struct ww_addr a;
        if (ww_addr_parse(rest, strlen(rest), &a)) return fail(status, 400, "bad address");
        j = ww_store_ip(st, &a);
    } else if (!strcmp(path, "/api/v1/infocon")) {
        j = ww_store_infocon(st, now_us);
    } else if (!strcmp(path, "/api/v1/alerts")) {
        if (arg_uint(q, "limit", 10000, 100, &limit)) return fail(status, 400, "limit must be 0..10000");
        j = ww_store_alerts(st, (int)limit);
    } else if (!strcmp(path, "/api/v1/sensors")) {
        j = ww_store_sensors(st, now_us);
    } else {
        return fail(status, 404, "no such endpoint");
    }
#undef UNDER
    if (!j) { /* the store cannot write: its figures would miss acknowledged batches */
        char why[160], msg[300];
        ww_store_status(st, why, sizeof why);
        snprintf(msg, sizeof msg, "the store cannot write (%s): its figures may miss"
                 " acknowledged batches; retry later", *why ? why : "unknown reason");
        return fail(status, 503, msg);
    }
    *status = json_object_get(j, "error") ? 404 : 200;
    return j;
}

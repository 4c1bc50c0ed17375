/* plan.c -- see plan.h. Sources and alerts are JSON arrays of objects whose
 * "src" is an address or a prefix in CIDR text (a group of rotating
 * addresses, "2001:db8:77:1::/64") and whose "port" is a port; the same
 * readers serve analyze's "scanners"/"surges" and the collector's
 * "sources"/"alerts". A network is kept exactly as given (host bits past
 * the prefix cleared, nothing widened or merged: block.h decides what the
 * kernel gets). Ports are kept once each, as ranges of one. Every failure
 * stops the gathering at the first bad entry. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "respond/plan.h"
#include "client/http.h"
#include "core/err.h"
#include "core/mem.h"

static void push(struct ww_cidr **v, size_t *n, size_t *cap, const struct ww_cidr *c)
{
    if (*n == *cap) *v = ww_realloc(*v, (*cap = *cap * 2 + 16) * sizeof **v);
    (*v)[(*n)++] = *c;
}

int ww_plan_allow(struct ww_plan *p, const char *list)
{
    const char *s = list;
    for (;;) {
        size_t n = strcspn(s, ",");
        struct ww_cidr c;
        if (ww_cidr_parse(s, n, &c)) return WW_ERR_PARSE;
        push(&p->allow, &p->nallow, &p->capallow, &c);
        if (!s[n]) return WW_OK;
        s += n + 1;
    }
}

int ww_plan_list(struct ww_plan *p, const char *path, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    char line[256];
    unsigned long no = 0;
    int rc = WW_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        no++;
        size_t n = strcspn(line, "#\r\n");
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%lu: line too long", path, no);
            rc = WW_ERR_PARSE;
            break;
        }
        char *s = line;
        while (n && (*s == ' ' || *s == '\t')) s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        if (!n) continue;
        struct ww_cidr c;
        if (ww_cidr_parse(s, n, &c)) {
            snprintf(err, errlen, "%s:%lu: not an address or CIDR: '%.*s'", path, no, (int)n, s);
            rc = WW_ERR_PARSE;
        } else {
            push(&p->nets, &p->nnets, &p->capnets, &c);
        }
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = WW_ERR_IO;
    }
    if (f != stdin) fclose(f);
    return rc;
}

/* Adds the "src" of every object in arr; what names the place. */
static int take_srcs(struct ww_plan *p, json_t *arr, const char *what, char *err, size_t errlen)
{
    size_t i;
    json_t *o;
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "%s: no array of sources", what);
        return WW_ERR_PARSE;
    }
    json_array_foreach(arr, i, o) {
        const char *src = json_string_value(json_object_get(o, "src"));
        struct ww_cidr c;
        if (!src || ww_cidr_parse(src, strlen(src), &c)) {
            snprintf(err, errlen, "%s[%zu].src: not an address or CIDR: '%.64s'", what, i, src ? src : "(missing)");
            return WW_ERR_PARSE;
        }
        push(&p->nets, &p->nnets, &p->capnets, &c);
    }
    return WW_OK;
}

/* Adds the "port" of every object in arr, once each. */
static int take_ports(struct ww_plan *p, json_t *arr, const char *what, char *err, size_t errlen)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        json_int_t port = json_integer_value(json_object_get(o, "port"));
        if (port < 1 || port > 65535) {
            snprintf(err, errlen, "%s[%zu].port: not a port", what, i);
            return WW_ERR_PARSE;
        }
        int seen = 0;
        for (size_t k = 0; k < p->nports; k++) seen |= p->ports[k].lo == port;
        if (seen) continue;
        if (p->nports == WW_BLOCK_MAX_PORTS) {
            snprintf(err, errlen, "%s: more than %d ports", what, WW_BLOCK_MAX_PORTS);
            return WW_ERR_LIMIT;
        }
        p->ports[p->nports].lo = p->ports[p->nports].hi = (uint16_t)port;
        p->nports++;
    }
    return WW_OK;
}

int ww_plan_analyze(struct ww_plan *p, const char *path, int surging, char *err, size_t errlen)
{
    json_error_t e;
    json_t *j = strcmp(path, "-") ? json_load_file(path, 0, &e) : json_loadf(stdin, 0, &e);
    if (!j) {
        if (e.line > 0) snprintf(err, errlen, "%s:%d: not analyze JSON: %s", path, e.line, e.text);
        else snprintf(err, errlen, "%s: %s", path, e.text);
        return WW_ERR_PARSE;
    }
    char what[2][1100];
    snprintf(what[0], sizeof what[0], "%.1024s: scanners", path);
    snprintf(what[1], sizeof what[1], "%.1024s: surges", path);
    int rc = take_srcs(p, json_object_get(j, "scanners"), what[0], err, errlen);
    if (!rc && surging) rc = take_ports(p, json_object_get(j, "surges"), what[1], err, errlen);
    json_decref(j);
    return rc;
}

/* GET base + path into *out: a 200 answer's JSON. */
static int get(const char *base, const char *path, json_t **out, char *err, size_t errlen)
{
    long status;
    if (!(*out = ww_http_get(base, path, &status, err, errlen))) return WW_ERR_IO;
    if (status == 200) return WW_OK;
    snprintf(err, errlen, "%s%s: HTTP status %ld", base, path, status);
    json_decref(*out);
    *out = NULL;
    return WW_ERR_IO;
}

int ww_plan_collector(struct ww_plan *p, const char *url, unsigned long long limit, int surging,
                      char *err, size_t errlen)
{
    char path[64];
    json_t *src, *al = NULL;
    snprintf(path, sizeof path, "/api/v1/sources?limit=%llu", limit);
    int rc = get(url, path, &src, err, errlen);
    if (!rc) rc = take_srcs(p, json_object_get(src, "sources"), "collector sources", err, errlen);
    if (!rc && surging) {
        snprintf(path, sizeof path, "/api/v1/alerts?limit=%llu", limit);
        rc = get(url, path, &al, err, errlen);
        if (!rc) rc = take_ports(p, json_object_get(al, "alerts"), "collector alerts", err, errlen);
    }
    json_decref(src);
    json_decref(al);
    return rc;
}

void ww_plan_opts(const struct ww_plan *p, struct ww_block_opts *o)
{
    o->allow = p->allow;
    o->nallow = p->nallow;
    o->ports = p->ports;
    o->nports = p->nports;
}

void ww_plan_release(struct ww_plan *p)
{
    ww_free(p->nets);
    ww_free(p->allow);
    memset(p, 0, sizeof *p);
}

/* api.c -- the collector's read-only JSON API (api.h).
 *
 * Routing is a flat list of prefixes; each endpoint validates its path part
 * and query arguments, calls one store query and builds the JSON from its
 * rows (store.h): the store knows no JSON, the API's shape is all here,
 * and so are the judgements made from figures alike for every engine (a
 * source's scanner kinds, the infocon level). Arguments are parsed
 * strictly (whole-string numbers, YYYY-MM-DD dates) and a bad one is a 400
 * naming it. A request naming nothing the store knows (an address never
 * seen) is a 404, as is a query the store could not run; while the store
 * cannot write (its figures may be stale) every query is a 503. Dates
 * default to the clock's day; /api/v1/span says where the data is, so that
 * the dashboard and `report` can anchor at it, and infocon, alerts and
 * sources take the day to answer as of. */
#include "serve/api.h"

#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"
#include "detect/geo.h"
#include "detect/mix.h"
#include "detect/osdb.h"
#include "out/report.h"

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
                else if (c == '%' && end - v >= 3 && ww_hexval(v[1]) >= 0 && ww_hexval(v[2]) >= 0) {
                    c = ww_hexval(v[1]) << 4 | ww_hexval(v[2]);
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

/* An optional argument: absent or empty -> dflt. */
static int arg_uint(const char *q, const char *key, uint64_t max, uint64_t dflt, uint64_t *out)
{
    char buf[32];
    const char *v = ww_api_arg(q, key, buf, sizeof buf);
    if (!v || !*v) { *out = dflt; return WW_OK; }
    return ww_num_str(v, max, out);
}

static int arg_day(const char *q, const char *key, int64_t dflt, int64_t *day)
{
    char s[32];
    if (!ww_api_arg(q, key, s, sizeof s) || !*s) { *day = dflt; return WW_OK; }
    return ww_parse_date(s, strlen(s), day) ? WW_ERR_ARG : WW_OK;
}

/* An instant: RFC 3339, or YYYY-MM-DD for the day's start; absent -> dflt. */
static int arg_time(const char *q, const char *key, int64_t dflt, int64_t *us)
{
    char s[48];
    int64_t day;
    if (!ww_api_arg(q, key, s, sizeof s) || !*s) { *us = dflt; return WW_OK; }
    if (!ww_parse_date(s, strlen(s), &day)) { *us = day * WW_DAY_US; return WW_OK; }
    return ww_parse_rfc3339(s, strlen(s), us) ? WW_OK : WW_ERR_ARG;
}

/* "As of the end of day": the last microsecond of it, or now if earlier
 * (today, or a day to come, is judged by the clock). */
static int64_t as_of(int64_t day, int64_t now_us)
{
    int64_t end = (day + 1) * WW_DAY_US - 1;
    return end < now_us ? end : now_us;
}

static json_t *fail(unsigned *status, unsigned code, const char *msg)
{
    *status = code;
    return json_pack("{s:s}", "error", msg);
}

/* ---- JSON from the store's rows ---- */

static json_t *jdate(int64_t day)
{
    char buf[32];
    return json_string(ww_date_format(day, buf, sizeof buf));
}

static json_t *jtime(int64_t us)
{
    char buf[40];
    return json_string(ww_time_format(us, buf, sizeof buf));
}

static json_t *jproto(int proto)
{
    const char *p = ww_proto_name((uint8_t)proto);
    return p ? json_string(p) : json_integer(proto);
}

/* {key: v, records, sources, targets, sensors} */
static json_t *counts(const char *key, json_t *v, const struct ww_store_agg *a)
{
    return json_pack("{s:o,s:I,s:I,s:I,s:I}", key, v, "records", (json_int_t)a->records,
                     "sources", (json_int_t)a->sources, "targets", (json_int_t)a->targets,
                     "sensors", (json_int_t)a->sensors);
}

static json_t *j_port(const struct ww_store_rows *r, int port, int64_t day)
{
    json_t *data = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(data, counts("proto", jproto(r->agg[i].proto), &r->agg[i]));
    return json_pack("{s:i,s:o,s:o}", "port", port, "date", jdate(day), "data", data);
}

static json_t *j_porthistory(const struct ww_store_rows *r, int port, int64_t from, int64_t to,
                             int hourly)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(rows, hourly ? counts("time", jtime(r->agg[i].t * WW_HOUR_US), &r->agg[i])
                                           : counts("date", jdate(r->agg[i].t), &r->agg[i]));
    return json_pack("{s:i,s:o,s:o,s:s,s:o}", "port", port, "from", jdate(from), "to", jdate(to),
                     "by", hourly ? "hour" : "day", hourly ? "hours" : "days", rows);
}

static json_t *j_topports(const struct ww_store_rows *r, const char *by, int64_t day)
{
    json_t *ports = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(ports, json_pack("{s:i,s:o,s:I,s:I,s:I}", "port", r->agg[i].port,
            "proto", jproto(r->agg[i].proto), "records", (json_int_t)r->agg[i].records,
            "sources", (json_int_t)r->agg[i].sources, "targets", (json_int_t)r->agg[i].targets));
    return json_pack("{s:s,s:o,s:o}", "by", by, "date", jdate(day), "ports", ports);
}

/* Which enrichment databases the collector has (issue 17): where a field
 * is null, this says whether it is unknown or unavailable. */
static json_t *j_enrichment(struct ww_store *st)
{
    int g = ww_geo_has(ww_store_geo(st));
    return json_pack("{s:b,s:b,s:b}", "os", ww_store_osdb(st) != NULL,
                     "country", (g & WW_GEO_COUNTRY) != 0, "asn", (g & WW_GEO_ASN) != 0);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* A source: its figures (those of its group: src its one address, or its
 * prefix once it showed more; prefix the group's, null for a group of one
 * address by the options; addresses the distinct ones it showed); its OS as stored (p0f's label and the kind of
 * match); its country and AS looked up now (null when unknown or without
 * the database: the answer's `enrichment` says which). */
static json_t *j_src(struct ww_store *st, const struct ww_store_src *s)
{
    json_t *j = json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "src", s->src,
                          "prefix", str_or_null(s->prefix),
                          "addresses", (json_int_t)(s->addresses ? s->addresses : 1),
                          "records", (json_int_t)s->records, "targets", (json_int_t)s->targets,
                          "ports", (json_int_t)s->ports, "sensors", (json_int_t)s->sensors,
                          "first_seen", jtime(s->first_us), "last_seen", jtime(s->last_us));
    if (s->label) json_object_set_new(j, "label", json_string(s->label)); /* a known scanner */
    struct ww_geoinfo gi;
    memset(&gi, 0, sizeof gi);
    struct ww_cidr c; /* a group: its prefix's network */
    if (ww_store_geo(st) && !ww_cidr_parse(s->src, strlen(s->src), &c)) ww_geo_lookup(ww_store_geo(st), &c.addr, &gi);
    json_object_set_new(j, "os", str_or_null(s->os));
    json_object_set_new(j, "os_match", *s->os ? json_string(ww_os_kind_name(s->os_match)) : json_null());
    json_object_set_new(j, "country", str_or_null(gi.country));
    json_object_set_new(j, "asn", gi.asn ? json_integer(gi.asn) : json_null());
    json_object_set_new(j, "as_org", str_or_null(gi.as_org));
    return j;
}

static json_t *j_sources(struct ww_store *st, const struct ww_store_rows *r, int port)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) json_array_append_new(arr, j_src(st, &r->src[i]));
    json_t *j = port < 0 ? json_pack("{s:o}", "sources", arr)
                         : json_pack("{s:i,s:o}", "port", port, "sources", arr);
    json_object_set_new(j, "enrichment", j_enrichment(st));
    return j;
}

static json_t *j_ip(struct ww_store *st, const struct ww_store_ip *ip)
{
    json_t *j = j_src(st, &ip->src), *kinds = json_array(), *ports = json_array(), *days = json_array();
    /* the scan detectors' thresholds (lib/detect/scan.h, after Zeek), over all time */
    if (ip->src.targets >= 25) json_array_append_new(kinds, json_string("horizontal"));
    if (ip->src.ports >= 15) json_array_append_new(kinds, json_string("vertical"));
    for (size_t i = 0; i < ip->nports; i++)
        json_array_append_new(ports, json_pack("{s:i,s:o,s:I}", "port", ip->ports[i].port,
                              "proto", jproto(ip->ports[i].proto),
                              "records", (json_int_t)ip->ports[i].records));
    for (size_t i = 0; i < ip->ndays; i++)
        json_array_append_new(days, json_pack("{s:o,s:I}", "date", jdate(ip->days[i].day),
                                              "records", (json_int_t)ip->days[i].records));
    json_object_set_new(j, "kinds", kinds);
    json_object_set_new(j, "by_port", ports);
    json_object_set_new(j, "days", days);
    json_object_set_new(j, "enrichment", j_enrichment(st));
    return j;
}

/* An alert's surge hour by hour (ww_store_growth) from its start to its
 * last surging hour, or the hour in progress (the first
 * WW_STORE_GROWTH_HOURS of it), with the totals so far beside the figures
 * of the moment it was called. */
static int add_growth(struct ww_store *st, json_t *o, const struct ww_store_alert *a)
{
    struct ww_store_rows g;
    int64_t h0 = a->start_us / WW_HOUR_US, h1 = a->end_us / WW_HOUR_US;
    if (h1 < h0) h1 = h0;
    if (h1 - h0 >= WW_STORE_GROWTH_HOURS) h1 = h0 + WW_STORE_GROWTH_HOURS - 1;
    int rc = ww_store_growth(st, a->port, a->proto, h0, h1, &g);
    json_t *hours = json_array();
    int64_t so_far = 0, new_so_far = 0;
    for (size_t i = 0; !rc && i < g.n; i++) {
        const struct ww_store_growth *x = &g.growth[i];
        json_array_append_new(hours, json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:b}",
            "time", jtime(x->hour * WW_HOUR_US), "records", (json_int_t)x->records,
            "sources", (json_int_t)x->sources, "new_sources", (json_int_t)x->new_sources,
            "sources_so_far", (json_int_t)x->sources_so_far, "new_so_far", (json_int_t)x->new_so_far,
            "in_progress", x->in_progress));
        so_far = x->sources_so_far;
        new_so_far = x->new_so_far;
    }
    ww_store_rows_free(&g);
    json_object_set_new(o, "sources_so_far", json_integer(so_far));
    json_object_set_new(o, "new_so_far", json_integer(new_so_far));
    json_object_set_new(o, "growth", hours);
    return rc;
}

/* What the surge is (surge.h): kind, side, reach and growth. Null where
 * unknown (an alert stored before they existed, a figure not fitted yet). */
static void add_kind(json_t *o, const struct ww_store_alert *a)
{
    json_t *nb = json_array();
    for (size_t i = 0; i < a->nbuckets; i++) json_array_append_new(nb, json_integer(a->new_per_bucket[i]));
    json_object_set_new(o, "kind", *a->kind ? json_string(a->kind) : json_null());
    json_object_set_new(o, "side", *a->side ? json_string(a->side) : json_null());
    json_object_set_new(o, "sensors", json_integer(a->sensors));
    json_object_set_new(o, "new_targets", json_integer(a->new_targets));
    json_object_set_new(o, "new_per_bucket", nb);
    json_object_set_new(o, "growth_per_hour", json_real(a->growth_per_hour));
    json_object_set_new(o, "doubling_minutes", a->doubling_s > 0 ? json_real(a->doubling_s / 60) : json_null());
    json_object_set_new(o, "population_estimate",
                        a->population > 0 ? json_integer((json_int_t)(a->population + 0.5)) : json_null());
    json_object_set_new(o, "saturation", a->saturation_us > 0 ? jtime(a->saturation_us) : json_null());
}

static json_t *j_floods(const struct ww_store_rows *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct ww_store_flood *f = &r->flood[i];
        json_array_append_new(arr, json_pack("{s:s,s:i,s:o,s:o,s:o,s:I,s:I}", "target", f->target,
            "port", f->port, "proto", jproto(f->proto), "start", jtime(f->start_us),
            "end", jtime(f->end_us), "sources", (json_int_t)f->sources,
            "records", (json_int_t)f->records));
    }
    return json_pack("{s:o}", "floods", arr);
}

/* Who a surge's new sources are (issue 17), from its sample: the OS rows as
 * the writer named them (stored), countries and ASes looked up now; in
 * analyze's shape (out/report.h's ww_mix_json), null where unavailable (no
 * database, no sample): the answer's enrichment says which. */
static int add_mix(struct ww_store *st, json_t *o, const struct ww_store_alert *a)
{
    struct ww_mix mix;
    memset(&mix, 0, sizeof mix);
    const struct ww_geo *g = ww_store_geo(st);
    if (a->sampled && ww_geo_has(g)) {
        struct ww_surge_src s[WW_SURGE_SAMPLE];
        struct ww_addr addr[WW_SURGE_SAMPLE];
        size_t n = 0;
        int rc = ww_store_alert_sample(st, a->port, a->proto, a->start_us, addr, &n);
        if (rc && rc != WW_ERR_ARG) return rc;
        for (size_t i = 0; i < n; i++) s[i] = (struct ww_surge_src){.a = addr[i]};
        ww_mix_of(s, n, NULL, g, &mix);
        if (!n) mix.has = 0;
    }
    mix.n = a->sampled;
    if (a->os_has) {
        mix.has |= WW_MIX_OS;
        mix.os_known = a->os_known;
        for (size_t i = 0; i < a->nos && i < WW_MIX_TOP; i++, mix.nos++) {
            snprintf(mix.os[i].name, sizeof mix.os[i].name, "%s", a->os[i].name);
            mix.os[i].n = a->os[i].n;
        }
    }
    ww_mix_json(o, &mix, NULL);
    return WW_OK;
}

/* The alerts of r: raised by end_us, on port (if >= 0), at most limit;
 * each with its sources' mix; with growth, with its growth too. */
static json_t *j_alerts_of(struct ww_store *st, int growth, const struct ww_store_rows *r,
                           int64_t end_us, int port, size_t limit, int *rc)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n && json_array_size(arr) < limit; i++) {
        const struct ww_store_alert *a = &r->alert[i];
        if (a->alert_us > end_us || (port >= 0 && a->port != port)) continue;
        json_t *o = json_pack("{s:i,s:o,s:o,s:o,s:o,s:I,s:I,s:f,s:f,s:s}",
            "port", a->port, "proto", jproto(a->proto), "start", jtime(a->start_us),
            "alert", jtime(a->alert_us), "end", jtime(a->end_us),
            "sources", (json_int_t)a->sources, "new_sources", (json_int_t)a->new_sources,
            "baseline_new", a->baseline_new, "score", a->score, "explanation", a->explanation);
        add_kind(o, a);
        if (!*rc) *rc = add_mix(st, o, a);
        /* the hourly aggregates count destination ports: a source port's surge has none */
        if (growth && !*rc && strcmp(a->side, "source")) *rc = add_growth(st, o, a);
        json_array_append_new(arr, o);
    }
    return arr;
}

/* From the active alerts: green: none; yellow: one port, z < 20; orange:
 * 2-3 ports, or one at z >= 20; red: 4 or more ports. */
static json_t *j_infocon(struct ww_store *st, int growth, const struct ww_store_rows *r,
                         int64_t at_us, int *rc)
{
    int ports[8], nports = 0;
    double maxz = 0;
    for (size_t i = 0; i < r->n; i++) {
        int p = r->alert[i].port << 8 | r->alert[i].proto, seen = 0;
        for (int k = 0; k < nports && k < 8; k++) seen |= ports[k] == p;
        if (!seen) { if (nports < 8) ports[nports] = p; nports++; }
        if (r->alert[i].score > maxz) maxz = r->alert[i].score;
    }
    const char *level;
    char reason[160];
    if (nports == 0) {
        level = "green";
        snprintf(reason, sizeof reason, "no active surges");
    } else if (nports >= 4) {
        level = "red";
        snprintf(reason, sizeof reason, "surges on %d ports in the last 24 h", nports);
    } else if (nports >= 2 || maxz >= 20) {
        level = "orange";
        snprintf(reason, sizeof reason, nports >= 2 ? "surges on %d ports in the last 24 h"
                 : "a surge on %d port at z >= 20 in the last 24 h", nports);
    } else {
        level = "yellow";
        snprintf(reason, sizeof reason, "a surge on one port in the last 24 h");
    }
    return json_pack("{s:s,s:s,s:o,s:o}", "level", level, "reason", reason, "as_of", jtime(at_us),
                     "active", j_alerts_of(st, growth, r, INT64_MAX, -1, (size_t)-1, rc));
}

/* {"first", "last", "today"}: the days with data (null, null if none). */
static json_t *j_span(int64_t first, int64_t last, int64_t today)
{
    return json_pack("{s:o,s:o,s:o}", "first", first < 0 ? json_null() : jdate(first),
                     "last", last < 0 ? json_null() : jdate(last), "today", jdate(today));
}

/* Whether the query asks for growth=1 (anything else but absent, 0 or
 * empty is a 400). */
static int arg_growth(const char *q, int *growth)
{
    uint64_t v;
    if (arg_uint(q, "growth", 1, 0, &v)) return WW_ERR_ARG;
    *growth = (int)v;
    return WW_OK;
}

/* {date, backscatter: [{victim, proto, start, end, records, targets}]}:
 * start and end are the day's first and last reply */
static json_t *j_backscatter(const struct ww_store_rows *r, int64_t day)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct ww_store_bsc *b = &r->bsc[i];
        json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:I,s:I}", "victim", b->victim,
            "proto", jproto(b->proto), "start", jtime(b->first_us), "end", jtime(b->last_us),
            "records", (json_int_t)b->records, "targets", (json_int_t)b->targets));
    }
    return json_pack("{s:o,s:o}", "date", jdate(day), "backscatter", a);
}

static json_t *jtime_or_null(int64_t us)
{
    return us == INT64_MIN ? json_null() : jtime(us);
}

/* Each sensor with its event time (watermark; stale: silent past the
 * lateness, holding nothing; holding: buckets wait for it), and the
 * collector's event time: frontier, release point, lateness, late events. */
static json_t *j_sensors(const struct ww_store_rows *r, const struct ww_store_time *t)
{
    json_t *arr = json_array();
    int64_t minute = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct ww_store_sensor *s = &r->sensor[i];
        json_t *o = json_pack("{s:s,s:o,s:b,s:o,s:I,s:I,s:I}",
            "name", s->name, "created", jtime(s->created_us), "revoked", s->revoked,
            "last_seen", s->last_us ? jtime(s->last_us) : json_null(),
            "events_hour", (json_int_t)s->events_hour, "events_day", (json_int_t)s->events_day,
            "batches", (json_int_t)s->batches_day);
        json_object_set_new(o, "last_submission", s->last_us ? jtime(s->last_us) : json_null());
        json_object_set_new(o, "watermark", jtime_or_null(s->wm_us));
        json_object_set_new(o, "stale", json_boolean(s->stale));
        json_object_set_new(o, "holding", json_boolean(s->holding));
        json_object_set_new(o, "late_events", json_integer(s->late));
        json_array_append_new(arr, o);
        minute += s->events_minute;
    }
    return json_pack("{s:o,s:f,s:o,s:o,s:I,s:I,s:I,s:I,s:I}", "sensors", arr,
                     "events_per_second", (double)minute / 60.0,
                     "frontier", jtime_or_null(t->frontier_us),
                     "release_point", jtime_or_null(t->release_us),
                     "lateness_s", (json_int_t)(t->lateness_us / 1000000),
                     "late_events", (json_int_t)t->late, "waiting_events", (json_int_t)t->waiting,
                     "forced_events", (json_int_t)t->forced, "stale", (json_int_t)t->stale);
}

json_t *ww_api_get(struct ww_store *st, const char *url, int64_t now_us, unsigned *status)
{
    char path[512];
    const char *qm = strchr(url, '?'), *q = qm ? qm + 1 : "", *rest;
    size_t plen = qm ? (size_t)(qm - url) : strlen(url);
    if (plen >= sizeof path) return fail(status, 404, "no such endpoint");
    memcpy(path, url, plen);
    path[plen] = '\0';
    int64_t today = now_us / WW_DAY_US, day, from, to;
    uint64_t limit, port;
    struct ww_store_rows r = {0};
    json_t *j = NULL;
    int rc = WW_OK;

#define UNDER(prefix) (!strncmp(path, prefix, sizeof(prefix) - 1) && (rest = path + sizeof(prefix) - 1))
    if (UNDER("/api/v1/port/")) {
        if (ww_num_str(rest, 65535, &port)) return fail(status, 400, "port must be 0..65535");
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (!(rc = ww_store_port(st, (int)port, day, &r))) j = j_port(&r, (int)port, day);
    } else if (UNDER("/api/v1/porthistory/")) {
        char by[8];
        int hourly = 0;
        if (ww_num_str(rest, 65535, &port)) return fail(status, 400, "port must be 0..65535");
        if (arg_day(q, "to", today, &to) || arg_day(q, "from", to - 29, &from))
            return fail(status, 400, "from, to: expected YYYY-MM-DD");
        if (from > to || to - from > 3660)
            return fail(status, 400, "from must not be after to, and at most 10 years before it");
        if (ww_api_arg(q, "by", by, sizeof by) && *by) {
            if (!strcmp(by, "hour")) hourly = 1;
            else if (strcmp(by, "day")) return fail(status, 400, "by: day or hour");
        }
        if (hourly && to - from > 92) return fail(status, 400, "by=hour: at most 93 days");
        if (!(rc = ww_store_porthistory(st, (int)port, from, to, hourly, &r)))
            j = j_porthistory(&r, (int)port, from, to, hourly);
    } else if (UNDER("/api/v1/topports/")) {
        static const char *const bys[] = {"records", "sources", "targets"};
        enum ww_store_by by = WW_STORE_BY_RECORDS;
        while (by <= WW_STORE_BY_TARGETS && strcmp(rest, bys[by])) by++;
        if (by > WW_STORE_BY_TARGETS) return fail(status, 404, "topports/{records|sources|targets}");
        if (arg_uint(q, "limit", 10000, 10, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (!(rc = ww_store_topports(st, by, (int)limit, day, &r))) j = j_topports(&r, bys[by], day);
    } else if (!strcmp(path, "/api/v1/sources")) {
        char pbuf[8];
        int p = -1;
        int64_t t0, t1;
        if (arg_uint(q, "limit", 10000, 10, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (ww_api_arg(q, "port", pbuf, sizeof pbuf) && *pbuf) {
            if (ww_num_str(pbuf, 65535, &port)) return fail(status, 400, "port must be 0..65535");
            p = (int)port;
        }
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (arg_time(q, "first_from", INT64_MIN, &t0) || arg_time(q, "first_to", INT64_MAX, &t1))
            return fail(status, 400, "first_from, first_to: expected RFC 3339 or YYYY-MM-DD");
        if (t0 != INT64_MIN || t1 != INT64_MAX) { /* the sources new in [t0, t1] */
            int64_t total = 0;
            if (p < 0) return fail(status, 400, "first_from, first_to: need port");
            if (!(rc = ww_store_new_sources(st, p, t0, t1, (int)limit, &r, &total))) {
                j = j_sources(st, &r, p);
                json_object_set_new(j, "total", json_integer(total));
            }
        } else if (!(rc = ww_store_sources(st, (int)limit, p, as_of(day, now_us), &r))) {
            j = j_sources(st, &r, p);
        }
    } else if (UNDER("/api/v1/ip/")) {
        struct ww_cidr c; /* an address, or a group's prefix (2001:db8:77:1::/64) */
        struct ww_store_ip ip;
        if (ww_cidr_parse(rest, strlen(rest), &c)) return fail(status, 400, "bad address or prefix");
        if (!(rc = ww_store_ip_prefix(st, &c, &ip))) j = j_ip(st, &ip);
        else if (rc == WW_ERR_ARG) return fail(status, 404, "address not seen");
    } else if (!strcmp(path, "/api/v1/infocon")) {
        int growth;
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (arg_growth(q, &growth)) return fail(status, 400, "growth: 0 or 1");
        int64_t at = as_of(day, now_us);
        if (!(rc = ww_store_active(st, at, &r))) j = j_infocon(st, growth, &r, at, &rc);
    } else if (!strcmp(path, "/api/v1/alerts")) {
        char pbuf[8];
        int p = -1, growth;
        if (arg_uint(q, "limit", 10000, 100, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (arg_day(q, "end", INT64_MAX / WW_DAY_US - 1, &day))
            return fail(status, 400, "end: expected YYYY-MM-DD");
        if (ww_api_arg(q, "port", pbuf, sizeof pbuf) && *pbuf) {
            if (ww_num_str(pbuf, 65535, &port)) return fail(status, 400, "port must be 0..65535");
            p = (int)port;
        }
        if (arg_growth(q, &growth)) return fail(status, 400, "growth: 0 or 1");
        int filtered = p >= 0 || day < INT64_MAX / WW_DAY_US - 1;
        /* filters apply to the newest 10,000 alerts */
        if (!(rc = ww_store_alerts(st, filtered ? 10000 : (int)limit, &r)))
            j = json_pack("{s:o,s:o}", "alerts", j_alerts_of(st, growth, &r,
                          (day + 1) * WW_DAY_US - 1, p, limit ? (size_t)limit : 20, &rc),
                          "enrichment", j_enrichment(st));
    } else if (!strcmp(path, "/api/v1/floods")) {
        if (arg_uint(q, "limit", 10000, 20, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (arg_day(q, "date", INT64_MIN, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (!(rc = ww_store_floods(st, (int)limit, day, &r))) j = j_floods(&r);
    } else if (!strcmp(path, "/api/v1/backscatter")) {
        if (arg_uint(q, "limit", 10000, 100, &limit)) return fail(status, 400, "limit must be 0..10000");
        if (arg_day(q, "date", today, &day)) return fail(status, 400, "date: expected YYYY-MM-DD");
        if (!(rc = ww_store_backscatter(st, day, (int)limit, &r))) j = j_backscatter(&r, day);
    } else if (!strcmp(path, "/api/v1/span")) {
        int64_t first, last;
        if (!(rc = ww_store_span(st, now_us, &first, &last))) j = j_span(first, last, today);
    } else if (!strcmp(path, "/api/v1/sensors")) {
        struct ww_store_time t;
        if (!(rc = ww_store_sensors(st, now_us, &r)) && !(rc = ww_store_time(st, &t)))
            if ((j = j_sensors(&r, &t))) json_object_set_new(j, "enrichment", j_enrichment(st));
    } else {
        return fail(status, 404, "no such endpoint");
    }
#undef UNDER
    ww_store_rows_free(&r);
    if (rc) json_decref(j); /* a growth query failed after the JSON was begun */
    if (rc == WW_ERR_IO) { /* the store cannot write: its figures would miss acknowledged batches */
        char why[160], msg[300];
        ww_store_status(st, why, sizeof why);
        snprintf(msg, sizeof msg, "the store cannot write (%s): its figures may miss"
                 " acknowledged batches; retry later", *why ? why : "unknown reason");
        return fail(status, 503, msg);
    }
    if (rc) return fail(status, 404, "store query failed");
    *status = 200;
    return j;
}

/* dash.c -- the dashboard's pages (dash.h), rendered server-side as HTML.
 *
 * Every page is built from the JSON API (ww_api_get), never from the store
 * directly, so the dashboard cannot show what the API would not. Tables are
 * complete HTML, readable without JavaScript; web/dash.js then polls the
 * same API URLs every 10 s and rebuilds them in place, and draws the charts.
 * The two sides share one description per table, written into the page:
 *
 *   <table data-api="/api/v1/alerts?limit=10" data-key="alerts"
 *          data-cols="port:port,start:time,score:dec">
 *
 * data-api is the URL, data-key the array in its answer, data-cols the
 * column keys with how to show each (the same "kinds" in cell() here and in
 * dash.js). Blocks of single values work the same way with data-field.
 *
 * Escaping is structural: all output goes through emit(), whose %s always
 * HTML-escapes (text and attribute values alike: & < > " ' all become
 * entities) and whose %u percent-encodes a URL path segment; raw text needs
 * %r, used only with string literals of this file. The CSP (dash.h) allows
 * no inline script or style, so the page carries no JavaScript or style of
 * its own: only attributes and links to /assets/. */
#include "serve/dash.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/addr.h"
#include "serve/api.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"

struct page {
    FILE *f;
    char *buf;
    size_t len;
    struct ww_store *st;
    int64_t now;
    unsigned status;
    int rc;                       /* WW_ERR_ARG once emit() met a bad format */
    /* the day shown (pick_day): */
    int64_t today, first, last;   /* the clock's day; the data's first and latest (-1: none) */
    int64_t day;                  /* shown */
    int chosen;                   /* by ?date= */
    char date[11];                /* day as YYYY-MM-DD */
    json_t *enrich;               /* the answer being shown's "enrichment" (borrowed), or NULL */
};

struct col { const char *key, *kind, *label; };

/* ---- output: the only way text reaches a page ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* %s escaped text, %u URL path segment, %r raw (literals only),
 * %i int, %I long long, %f double (one decimal), %% a percent sign. */
static void emit(struct page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *c = fmt; *c; c++) {
        if (*c != '%') { fputc(*c, p->f); continue; }
        switch (*++c) {
        case 's': esc(p->f, va_arg(ap, const char *)); break;
        case 'u': ww_api_urlenc(p->f, va_arg(ap, const char *)); break;
        case 'r': fputs(va_arg(ap, const char *), p->f); break;
        case 'i': fprintf(p->f, "%d", va_arg(ap, int)); break;
        case 'I': fprintf(p->f, "%lld", va_arg(ap, long long)); break;
        case 'f': fprintf(p->f, "%.1f", va_arg(ap, double)); break;
        case '%': fputc('%', p->f); break;
        default: /* a bad format is a bug in this file: the page fails */
            p->rc = WW_ERR_ARG;
            va_end(ap);
            return;
        }
    }
    va_end(ap);
}

/* ---- values ---- */

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "2026-11-27T13:00:00Z" -> "2026-11-27 13:00" (the column says UTC);
 * anything else is shown as it is. dash.js time() does the same. */
static void put_time(struct page *p, const char *t)
{
    if (t && strlen(t) >= 16 && t[10] == 'T' && t[13] == ':') {
        char s[17];
        memcpy(s, t, 16);
        s[10] = ' ';
        s[16] = '\0';
        emit(p, "%s", s);
    } else {
        emit(p, "%s", t ? t : "");
    }
}

static void put_num(struct page *p, json_t *v, int decimals)
{
    if (json_is_integer(v) && !decimals) emit(p, "%I", (long long)json_integer_value(v));
    else if (json_is_number(v) && decimals) emit(p, "%f", json_number_value(v));
    else if (json_is_number(v)) emit(p, "%I", (long long)(json_number_value(v) + 0.5));
    else if (json_is_string(v)) emit(p, "%s", json_string_value(v));
}

/* "reporting", "silent", "never" or "revoked" (dash.js sensorState()). */
static const char *sensor_state(struct page *p, json_t *row)
{
    int64_t seen;
    const char *ls = jstr(row, "last_seen");
    if (json_is_true(json_object_get(row, "revoked"))) return "revoked";
    if (!ls || !ww_parse_rfc3339(ls, strlen(ls), &seen)) return "never";
    return p->now - seen > (int64_t)WW_DASH_SILENT_S * WW_SEC_US ? "silent" : "reporting";
}

/* "stale" (silent past the allowed lateness), "holding" (buckets wait for
 * it), "in time", or "" when the API does not say (dash.js lateness()). */
static const char *lateness(json_t *row)
{
    json_t *stale = json_object_get(row, "stale"), *holding = json_object_get(row, "holding");
    if (json_is_true(stale)) return "stale";
    if (json_is_true(holding)) return "holding";
    return json_is_boolean(stale) || json_is_boolean(holding) ? "in time" : "";
}

/* seconds as "36 h", "2 d", "90 s" (dash.js duration()) */
static void put_duration(struct page *p, long long s)
{
    if (s >= 86400 && s % 86400 == 0) emit(p, "%I d", s / 86400);
    else if (s >= 3600 && s % 3600 == 0) emit(p, "%I h", s / 3600);
    else if (s >= 60 && s % 60 == 0) emit(p, "%I min", s / 60);
    else emit(p, "%I s", s);
}

/* Who a source is (issue 17): kind "os" (p0f's label, the kind of match
 * when not exact), "country", "asn" ("AS64500 Example Org"); "unavailable"
 * when the collector has no database for it (the answer's enrichment),
 * "-" when unknown (dash.js who()). */
static void put_who(struct page *p, json_t *row, const char *kind)
{
    json_t *v = json_object_get(row, kind);
    const char *m = jstr(row, "os_match");
    if (!strcmp(kind, "os") && json_is_string(v))
        emit(p, "%s%r%s%r", json_string_value(v), m && strcmp(m, "exact") ? " (" : "",
             m && strcmp(m, "exact") ? m : "", m && strcmp(m, "exact") ? ")" : "");
    else if (!strcmp(kind, "asn") && json_is_integer(v))
        emit(p, "AS%I%r%s", (long long)json_integer_value(v), jstr(row, "as_org") ? " " : "",
             jstr(row, "as_org"));
    else if (json_is_string(v))
        emit(p, "%s", json_string_value(v));
    else if (json_is_false(json_object_get(p->enrich, kind)))
        emit(p, "<span class=\"unavailable\">unavailable</span>");
    else
        emit(p, "-");
}

static void cell(struct page *p, json_t *row, const struct col *c)
{
    json_t *v = json_object_get(row, c->key);
    const char *k = c->kind;
    if (!strcmp(k, "num")) put_num(p, v, 0);
    else if (!strcmp(k, "os") || !strcmp(k, "country") || !strcmp(k, "asn")) put_who(p, row, k);
    else if (!strcmp(k, "pct")) { if (json_is_number(v)) emit(p, "%f%%", 100 * json_number_value(v)); }
    else if (!strcmp(k, "dec")) put_num(p, v, 1);
    else if (!strcmp(k, "time")) put_time(p, json_string_value(v));
    else if (!strcmp(k, "port")) {
        int port = (int)json_integer_value(v);
        const char *proto = jstr(row, "proto");
        emit(p, "<a href=\"/port/%i\">%i%r%s</a>", port, port, proto ? "/" : "", proto);
    } else if (!strcmp(k, "ip")) {
        const char *a = json_string_value(v);
        emit(p, "<a href=\"/ip/%u\">%s</a>", a, a);
    } else if (!strcmp(k, "state")) {
        const char *s = sensor_state(p, row);
        emit(p, "<span class=\"state-%s\">%s</span>", s, s);
    } else if (!strcmp(k, "lateness")) { /* absent before the collector judged by event time */
        const char *l = lateness(row);
        if (*l) emit(p, "<span class=\"late-%s\">%s</span>", l, l);
    } else if (!strcmp(k, "kind")) { /* a surge's kind, and its side when a source port */
        const char *side = jstr(row, "side");
        emit(p, "%s%r", json_string_value(v), side && !strcmp(side, "source") ? ", UDP source port" : "");
    } else if (!strcmp(k, "spark")) {
        emit(p, "<span class=\"spark\" data-port=\"%I\"></span>",
             (long long)json_integer_value(v));
    } else if (json_is_array(v)) { /* list */
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) emit(p, "%r%s", i ? ", " : "", json_string_value(x));
        if (!json_array_size(v)) emit(p, "none");
    } else if (json_is_number(v)) {
        put_num(p, v, json_is_real(v));
    } else {
        emit(p, "%s", json_string_value(v));
    }
}

/* j's value at a key path: "alerts" or "alerts.0.growth" (dash.js at()). */
static json_t *at(json_t *j, const char *path)
{
    char key[64];
    while (j && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), path);
        if (json_is_array(j)) j = json_array_get(j, strtoul(key, NULL, 10));
        else j = json_object_get(j, key);
        path += n + (path[n] == '.');
    }
    return j;
}

/* ---- API access and the shared table ---- */

static json_t *api(struct page *p, const char *url)
{
    unsigned status;
    json_t *j = ww_api_get(p->st, url, p->now, &status);
    if (status != 200 && !json_object_get(j, "error")) /* keep the promise: error set */
        json_object_set_new(j, "error", json_string("query failed"));
    return j;
}

/* A table of j[key] (fetched from url, refreshed from it by dash.js); with
 * port >= 0 only rows for that port. */
static void table(struct page *p, const char *url, json_t *j, const char *key,
                  const struct col *cols, size_t ncols, int port, const char *label,
                  const char *empty)
{
    int cards = !strcmp(key, "alerts") || !strcmp(key, "active");
    p->enrich = json_object_get(j, "enrichment");
    emit(p, "<div class=\"scroll\"><table%r data-api=\"%s\" data-key=\"%s\" data-cols=\"",
         cards ? " class=\"cards\"" : "", url, key);
    for (size_t i = 0; i < ncols; i++)
        emit(p, "%r%s:%s", i ? "," : "", cols[i].key, cols[i].kind);
    emit(p, "\"");
    if (port >= 0) emit(p, " data-port=\"%i\"", port);
    if (empty) emit(p, " data-empty=\"%s\"", empty);
    emit(p, " aria-label=\"%s\"><thead><tr>", label);
    for (size_t i = 0; i < ncols; i++)
        emit(p, "<th scope=\"col\" class=\"k-%s\">%s</th>", cols[i].kind, cols[i].label);
    emit(p, "</tr></thead><tbody>");
    json_t *arr = at(j, key), *row;
    size_t i, shown = 0;
    json_array_foreach(arr, i, row) {
        if (port >= 0 && json_integer_value(json_object_get(row, "port")) != port) continue;
        emit(p, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            emit(p, "<td class=\"k-%s\" data-label=\"%s\">", cols[c].kind, cols[c].label);
            cell(p, row, &cols[c]);
            emit(p, "</td>");
        }
        emit(p, "</tr>");
        shown++;
    }
    if (!shown)
        emit(p, "<tr><td colspan=\"%i\" class=\"none\">%s</td></tr>", (int)ncols,
             json_object_get(j, "error") ? jstr(j, "error") : empty ? empty : "none");
    emit(p, "</tbody></table></div>\n");
}

#define TABLE(p, url, j, key, cols, port, label) \
    table(p, url, j, key, cols, sizeof cols / sizeof cols[0], port, label, NULL)

static const struct col alert_cols[] = {
    {"port", "port", "Port"}, {"kind", "kind", "Kind"}, {"start", "time", "Start (UTC)"},
    {"alert", "time", "Alerted (UTC)"}, {"end", "time", "Last surging until (UTC)"},
    {"sources", "num", "Sources when called"}, {"new_sources", "num", "New when called"},
    {"baseline_new", "dec", "Baseline (new per hour)"}, {"score", "dec", "Score (z)"},
    {"explanation", "text", "Explanation"},
};
/* with growth=1: what the surge has brought so far beside the moment it was called */
static const struct col alert_grown[] = {
    {"port", "port", "Port"}, {"kind", "kind", "Kind"}, {"start", "time", "Start (UTC)"},
    {"end", "time", "Last surging until (UTC)"}, {"sources", "num", "Sources when called"},
    {"sources_so_far", "num", "Sources so far"}, {"new_so_far", "num", "New to the port so far"},
    {"score", "dec", "Score (z)"}, {"explanation", "text", "Explanation"},
};
static const struct col flood_cols[] = {
    {"target", "text", "Target"}, {"port", "port", "Port"}, {"start", "time", "Start (UTC)"},
    {"end", "time", "Last seen (UTC)"}, {"sources", "num", "Sources"}, {"records", "num", "Records"},
};
static const struct col growth_cols[] = {
    {"time", "time", "Hour (UTC)"}, {"sources", "num", "Sources"},
    {"new_sources", "num", "New to the port"}, {"new_so_far", "num", "New so far"},
    {"sources_so_far", "num", "Sources so far"}, {"records", "num", "Records"},
};
static const struct col top_cols[] = {
    {"port", "port", "Port"}, {"sources", "num", "Sources"}, {"records", "num", "Records"},
    {"targets", "num", "Targets"}, {"port", "spark", "Sources per hour against the port's own median"},
};
static const struct col source_cols[] = {
    {"src", "ip", "Source"}, {"addresses", "num", "Addresses"}, {"records", "num", "Records"},
    {"targets", "num", "Targets"}, {"ports", "num", "Ports"}, {"sensors", "num", "Sensors"},
    {"first_seen", "time", "First seen (UTC)"}, {"last_seen", "time", "Last seen (UTC)"},
    {"os", "os", "OS"}, {"country", "country", "Country"}, {"asn", "asn", "AS"},
    {"label", "text", "Known scanner"},
};
/* a surge's new sources by OS, country and AS (its alert's sample) */
static const struct col mix_os_cols[] = {
    {"os", "text", "OS"}, {"sources", "num", "Sampled sources"}, {"share", "pct", "Share"},
};
static const struct col mix_cc_cols[] = {
    {"country", "text", "Country"}, {"sources", "num", "Sampled sources"}, {"share", "pct", "Share"},
};
static const struct col mix_as_cols[] = {
    {"asn", "num", "AS"}, {"as_org", "text", "Organisation"}, {"sources", "num", "Sampled sources"},
    {"share", "pct", "Share"},
};
static const struct col sensor_cols[] = {
    {"name", "text", "Name"}, {"last_seen", "time", "Last submission (UTC)"},
    {"watermark", "time", "Latest event (UTC)"},
    {"events_hour", "num", "Events, last hour"}, {"events_day", "num", "Events, last day"},
    {"batches", "num", "Batches"}, {"created", "time", "Created (UTC)"},
    {"last_seen", "state", "Status"}, {"stale", "lateness", "Event time"},
};
static const struct col portday_cols[] = {
    {"proto", "text", "Protocol"}, {"records", "num", "Records"}, {"sources", "num", "Sources"},
    {"targets", "num", "Targets"}, {"sensors", "num", "Sensors"},
};
static const struct col history_cols[] = {
    {"date", "text", "Date (UTC)"}, {"records", "num", "Records"}, {"sources", "num", "Sources"},
    {"targets", "num", "Targets"}, {"sensors", "num", "Sensors"},
};
static const struct col backscatter_cols[] = {
    {"victim", "text", "Victim"}, {"proto", "text", "Protocol"}, {"records", "num", "Replies"},
    {"targets", "num", "Targets"}, {"start", "time", "First (UTC)"}, {"end", "time", "Last (UTC)"},
};
static const struct col byport_cols[] = {{"port", "port", "Port"}, {"records", "num", "Records"}};
static const struct col ipday_cols[] = {{"date", "text", "Date (UTC)"}, {"records", "num", "Records"}};

/* ---- page frame ---- */

static void head(struct page *p, const char *title, const char *nav)
{
    static const char *const links[][2] = {{"/", "Overview"}, {"/alerts", "Alerts"},
                                           {"/sensors", "Sensors"}};
    emit(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s - wormwatch</title>"
            "<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">"
            "<link rel=\"stylesheet\" href=\"/assets/vendor/uplot/uPlot.min.css\">"
            "<link rel=\"stylesheet\" href=\"/assets/dash.css\">"
            "<script src=\"/assets/vendor/uplot/uPlot.iife.min.js\" defer></script>"
            "<script src=\"/assets/dash.js\" defer></script></head>\n"
            "<body data-silent=\"%i\"><a class=\"skip\" href=\"#main\">Skip to content</a>"
            "<header><nav aria-label=\"Main\"><a class=\"brand\" href=\"/\">wormwatch</a>",
         title, WW_DASH_SILENT_S);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        emit(p, " <a href=\"%s\"%r>%s</a>", links[i][0],
             nav && !strcmp(nav, links[i][0]) ? " aria-current=\"page\"" : "", links[i][1]);
    emit(p, "</nav></header>\n<main id=\"main\" tabindex=\"-1\">\n");
}

static void foot(struct page *p)
{
    char now[40];
    ww_time_format(p->now - p->now % WW_SEC_US, now, sizeof now);
    emit(p, "</main>\n<footer>All times are UTC. <span id=\"status\">Rendered ");
    put_time(p, now);
    emit(p, " UTC</span>; the page refreshes itself every 10 s.</footer></body></html>\n");
}

static void message(struct page *p, unsigned status, const char *title, const char *text,
                    const char *what)
{
    p->status = status;
    head(p, title, NULL);
    emit(p, "<h1>%s</h1><p class=\"error\">%s <code>%s</code></p>"
            "<p><a href=\"/\">Back to the overview</a></p>\n", title, text, what);
    foot(p);
}

/* ---- the day a page shows ---- */

/* ?date=, else the clock's day, or the latest day with data when the
 * clock's day has none (a collector fed old logs, or sensors silent since):
 * the page then says so (day_nav). 0, or -1 with a 400 page written. */
static int pick_day(struct page *p, const char *query, const char *title)
{
    char arg[16];
    json_t *sp = api(p, "/api/v1/span");
    const char *f = jstr(sp, "first"), *l = jstr(sp, "last");
    p->today = p->now / WW_DAY_US;
    p->first = p->last = -1;
    if (f && l && (ww_parse_date(f, strlen(f), &p->first) || ww_parse_date(l, strlen(l), &p->last)))
        p->first = p->last = -1;
    json_decref(sp);
    const char *d = ww_api_arg(query, "date", arg, sizeof arg);
    p->chosen = d && *d;
    if (p->chosen && ww_parse_date(d, strlen(d), &p->day)) {
        message(p, 400, title, "Dates are YYYY-MM-DD (UTC), not", d);
        return -1;
    }
    if (!p->chosen) p->day = p->last >= 0 && p->last < p->today ? p->last : p->today;
    ww_date_format(p->day, p->date, sizeof p->date);
    return 0;
}

/* What day this is, and links to the days before and after it (base: the
 * page's path; keep: its other arguments, "" or "days=7&by=hour"). */
static void day_nav(struct page *p, const char *base, const char *keep)
{
    char d[11], t[11];
    ww_date_format(p->today, t, sizeof t);
    emit(p, "<nav class=\"day\" aria-label=\"Day\"><p>Showing <strong id=\"day\">%s</strong>", p->date);
    if (!p->chosen && p->day != p->today)
        emit(p, ", the latest day with data: the clock says %s (UTC), and no sensor has "
                "reported events dated since.", t);
    else if (p->day == p->today)
        emit(p, " (today, UTC).");
    else if (p->last >= 0 && p->day > p->last)
        emit(p, ": no data after %s.", ww_date_format(p->last, d, sizeof d));
    else
        emit(p, " (UTC).");
    if (p->first >= 0 && p->day > p->first) {
        ww_date_format(p->day - 1 < p->last ? p->day - 1 : p->last, d, sizeof d);
        emit(p, " <a rel=\"prev\" href=\"%s?date=%s%r%s\">&larr; %s</a>", base, d, *keep ? "&amp;" : "",
             keep, d);
    }
    if (p->last >= 0 && p->day < p->last) {
        ww_date_format(p->day + 1 > p->first ? p->day + 1 : p->first, d, sizeof d);
        emit(p, " <a rel=\"next\" href=\"%s?date=%s%r%s\">%s &rarr;</a>", base, d, *keep ? "&amp;" : "",
             keep, d);
    }
    if (p->chosen && p->day != (p->last >= 0 && p->last < p->today ? p->last : p->today))
        emit(p, " <a href=\"%s%r%s\">latest</a>", base, *keep ? "?" : "", keep);
    emit(p, "</p></nav>\n");
}

/* What "targets" are: the sensors pseudonymize destination addresses. */
static void targets_note(struct page *p)
{
    emit(p, "<p class=\"note\">Targets are distinct destination addresses as the sensors sent "
            "them. Sensors pseudonymize them with a per-deployment key (Crypto-PAn, "
            "prefix-preserving), so distinct targets and shared prefixes are kept while the real "
            "addresses are not.</p>\n");
}

/* ---- pages ---- */

/* The day's DoS victims, seen by the replies they sent to spoofed sources */
static void backscatter_section(struct page *p)
{
    char url[96];
    snprintf(url, sizeof url, "/api/v1/backscatter?limit=10&date=%s", p->date);
    json_t *j = api(p, url);
    emit(p, "<h2>Backscatter, %s (UTC)</h2>\n", p->date);
    TABLE(p, url, j, "backscatter", backscatter_cols, -1, "Backscatter");
    emit(p, "<p class=\"note\">SYN-ACKs, RSTs and ICMP replies the sensors received unasked: a "
            "denial-of-service victim answering the spoofed sources of a flood (Moore, Voelker "
            "and Savage, 2001). The victim is no scanner, and these replies raise no surge.</p>\n");
    json_decref(j);
}

/* The floods of url's answer: many sources on one target, told apart from
 * worms and never alerts. */
static void floods(struct page *p, const char *url, const char *h)
{
    json_t *j = api(p, url);
    emit(p, "<%r id=\"floods\">Floods: many sources, one target &mdash; not worms</%r>\n"
            "<p class=\"note\">Sources converging on one address and port (a denial of service, "
            "often from spoofed addresses) rather than spreading over many targets as a worm's do: "
            "reported here, never as surges.</p>\n", h, h);
    TABLE(p, url, j, "floods", flood_cols, -1, "Floods");
    json_decref(j);
}

static void overview(struct page *p, const char *query)
{
    static const char *const levels[] = {"green", "yellow", "orange", "red"};
    char url[128], from[11];
    if (pick_day(p, query, "Overview")) return;
    snprintf(url, sizeof url, "/api/v1/infocon?date=%s&growth=1", p->date);
    json_t *inf = api(p, url);
    const char *level = jstr(inf, "level"), *cls = "unknown";
    for (size_t i = 0; i < 4; i++)
        if (level && !strcmp(level, levels[i])) cls = levels[i];
    head(p, "Overview", "/");
    day_nav(p, "/", "");
    emit(p, "<section class=\"infocon level-%s\" data-api=\"%s\">"
            "<h1>Infocon: <span data-field=\"level\" data-fmt=\"level\">%s</span></h1>"
            "<p><span data-field=\"reason\">%s</span> (as of <span data-field=\"as_of\" "
            "data-fmt=\"time\">", cls, url, level ? level : "unknown",
         jstr(inf, "reason") ? jstr(inf, "reason") : jstr(inf, "error"));
    put_time(p, jstr(inf, "as_of"));
    emit(p, "</span> UTC)</p></section>\n<h2>Active surges</h2>\n");
    TABLE(p, url, inf, "active", alert_grown, -1, "Active surges");
    json_decref(inf);

    snprintf(url, sizeof url, "/api/v1/alerts?limit=10&end=%s&growth=1", p->date);
    json_t *al = api(p, url);
    emit(p, "<h2>Recent alerts</h2>\n");
    TABLE(p, url, al, "alerts", alert_grown, -1, "Recent alerts");
    emit(p, "<p><a href=\"/alerts\">Every alert</a></p>\n");
    json_decref(al);
    snprintf(url, sizeof url, "/api/v1/floods?limit=10&date=%s", p->date);
    floods(p, url, "h2");

    snprintf(url, sizeof url, "/api/v1/topports/sources?limit=10&date=%s", p->date);
    json_t *top = api(p, url);
    /* sparklines: hourly, over the week (or the data's span, if shorter) to the day */
    int64_t f = p->day - 6;
    if (p->first >= 0 && p->first > f && p->first <= p->day) f = p->first;
    ww_date_format(f, from, sizeof from);
    emit(p, "<h2>Top ports by sources, %s (UTC)</h2>\n", p->date);
    emit(p, "<div class=\"sparks\" data-spark-from=\"%s\" data-spark-to=\"%s\">", from, p->date);
    TABLE(p, url, top, "ports", top_cols, -1, "Top ports by sources");
    emit(p, "</div><p class=\"note\">Sparklines: sources per hour, %s to %s, each divided by its "
            "port's own median hour, on one logarithmic scale shared by every row (the grey line "
            "is the median; <span id=\"spark-scale\">the top is the largest multiple</span>): a "
            "port at its usual level stays flat, one under attack climbs.</p>\n", from, p->date);
    targets_note(p);
    json_decref(top);
    backscatter_section(p);

    json_t *se = api(p, "/api/v1/sensors"), *row;
    size_t i, live = 0, all = 0, stale = 0, judged = 0;
    json_array_foreach(json_object_get(se, "sensors"), i, row) {
        if (json_is_true(json_object_get(row, "revoked"))) continue;
        all++;
        live += !strcmp(sensor_state(p, row), "reporting");
        stale += json_is_true(json_object_get(row, "stale"));
        judged += json_is_boolean(json_object_get(row, "stale"));
    }
    emit(p, "<h2>Sensors</h2>\n<p data-api=\"/api/v1/sensors\"><span data-field=\"sensors\" "
            "data-fmt=\"reporting\">%I of %I</span> sensors reporting (a submission in the "
            "last hour)", (long long)live, (long long)all);
    if (judged) /* the collector judges by event time: say who is stale */
        emit(p, "; <span data-field=\"sensors\" data-fmt=\"stale\">%I stale</span> (silent "
                "past the allowed lateness)", (long long)stale);
    emit(p, "; <span data-field=\"events_per_second\" data-fmt=\"dec\">%f</span> "
            "events per second. <a href=\"/sensors\">Sensors</a></p>\n",
         json_number_value(json_object_get(se, "events_per_second")));
    json_decref(se);
    foot(p);
}

/* "netbios-ssn (tcp)", from /etc/services (getservbyport_r: thread-safe). */
static void service_names(struct page *p, int port)
{
    static const char *const protos[] = {"tcp", "udp", "sctp"};
    int any = 0;
    for (size_t i = 0; i < 3; i++) {
        struct servent se, *res = NULL;
        char buf[1024];
        if (getservbyport_r(htons((uint16_t)port), protos[i], &se, buf, sizeof buf, &res) || !res)
            continue;
        emit(p, "%r<span class=\"svc\">%s</span> (%s)", any ? ", " : "", res->s_name, protos[i]);
        any = 1;
    }
    if (!any) emit(p, "none known");
}

/* The newest surge's new sources by OS, country and AS, from the sample its
 * alert keeps; "unavailable" where the collector has no database. */
static void surge_mix(struct page *p, const char *url, json_t *j)
{
    json_t *a = json_array_get(json_object_get(j, "alerts"), 0), *en = json_object_get(j, "enrichment");
    json_t *m = json_object_get(a, "os_mix");
    long long n = (long long)json_integer_value(json_object_get(json_is_object(m) ? m
                      : json_object_get(a, "countries"), "sampled"));
    emit(p, "<h3>Who the new sources are</h3>\n<p class=\"note\">");
    if (n) emit(p, "A sample of the surge's new sources (%I; up to 256, the same whatever order "
                   "their events came in)", n);
    else emit(p, "No sample of the surge's new sources was kept with this alert");
    emit(p, ": their OS as p0f names it from their SYNs, when the alert was stored; their "
            "country and AS now.</p>\n<div class=\"mix\">");
    static const char *const why[] = {"unavailable: the collector has no p0f database",
                                      "unavailable: the collector has no --geoip database",
                                      "unavailable: the collector has no --asn database"};
    table(p, url, j, "alerts.0.os_mix.rows", mix_os_cols, 3, -1, "New sources by OS",
          json_is_false(json_object_get(en, "os")) && !json_is_object(m) ? why[0] : NULL);
    table(p, url, j, "alerts.0.countries.rows", mix_cc_cols, 3, -1, "New sources by country",
          json_is_false(json_object_get(en, "country")) ? why[1] : NULL);
    table(p, url, j, "alerts.0.asns.rows", mix_as_cols, 4, -1, "New sources by AS",
          json_is_false(json_object_get(en, "asn")) ? why[2] : NULL);
    emit(p, "</div>\n");
}

static void port_page(struct page *p, const char *rest, const char *query)
{
    char arg[8], url[192], from[11], title[16], opt[32], keep[32];
    unsigned long v = 0;
    size_t n = strlen(rest);
    for (size_t i = 0; i < n && n <= 5; i++)
        v = rest[i] >= '0' && rest[i] <= '9' ? v * 10 + (unsigned)(rest[i] - '0') : 99999;
    if (n < 1 || n > 5 || v > 65535) {
        message(p, 404, "No such port", "Ports are numbers from 0 to 65535, not", rest);
        return;
    }
    int port = (int)v;
    snprintf(title, sizeof title, "Port %d", port);
    if (pick_day(p, query, title)) return;
    /* the range: ?days=1..90, else the data's span up to the day (at most 30 days) */
    uint64_t days = 0;
    const char *a = ww_api_arg(query, "days", arg, sizeof arg);
    int chosen = a && !ww_num_str(a, 90, &days) && days >= 1;
    if (!chosen) {
        days = p->first >= 0 && p->first <= p->day ? (uint64_t)(p->day - p->first + 1) : 30;
        if (days > 30) days = 30;
    }
    a = ww_api_arg(query, "by", arg, sizeof arg);
    const char *by = a && !strcmp(a, "day") ? "day" : "hour";
    ww_date_format(p->day - (int64_t)days + 1, from, sizeof from);

    head(p, title, NULL);
    emit(p, "<h1>Port %i</h1>\n<p>Service (from /etc/services): ", port);
    service_names(p, port);
    emit(p, "</p>\n");
    snprintf(keep, sizeof keep, "%s%llu&by=%s", chosen ? "days=" : "", (unsigned long long)days, by);
    snprintf(url, sizeof url, "/port/%d", port);
    day_nav(p, url, chosen ? keep : !strcmp(by, "day") ? "by=day" : "");
    emit(p, "<nav class=\"range\" aria-label=\"Chart range\">Range:");
    emit(p, " <a href=\"/port/%i?date=%s&amp;by=%s\"%r>the data's span</a>", port, p->date, by,
         chosen ? "" : " aria-current=\"true\"");
    static const int ranges[] = {1, 7, 30, 90};
    for (size_t i = 0; i < 4; i++) {
        snprintf(opt, sizeof opt, ranges[i] == 1 ? "%d day" : "%d days", ranges[i]);
        emit(p, " <a href=\"/port/%i?date=%s&amp;days=%i&amp;by=%s\"%r>%s</a>", port, p->date,
             ranges[i], by, chosen && (int)days == ranges[i] ? " aria-current=\"true\"" : "", opt);
    }
    emit(p, " &middot; Buckets:");
    for (int h = 1; h >= 0; h--) {
        emit(p, " <a href=\"/port/%i?date=%s", port, p->date);
        if (chosen) emit(p, "&amp;days=%I", (long long)days);
        emit(p, "&amp;by=%r\"%r>%r</a>", h ? "hour" : "day",
             !strcmp(by, h ? "hour" : "day") ? " aria-current=\"true\"" : "", h ? "per hour" : "per day");
    }
    emit(p, "</nav>\n<figure><div class=\"chart\" id=\"chart\" data-chart=\"port\" data-port=\"%i\" "
            "data-from=\"%s\" data-to=\"%s\" data-by=\"%s\"></div><figcaption>Records, sources and "
            "targets on port %i per %s (UTC), %s to %s; surge alerts shaded red.</figcaption>"
            "</figure>\n", port, from, p->date, by, port, by, from, p->date);

    snprintf(url, sizeof url, "/api/v1/port/%d?date=%s", port, p->date);
    json_t *j = api(p, url);
    emit(p, "<h2>%s (UTC)</h2>\n", p->date);
    TABLE(p, url, j, "data", portday_cols, -1, p->date);
    targets_note(p);
    json_decref(j);

    /* its surges up to the day, newest first, each with how it grew */
    snprintf(url, sizeof url, "/api/v1/alerts?limit=20&port=%d&end=%s&growth=1", port, p->date);
    j = api(p, url);
    emit(p, "<h2>Surge alerts on port %i</h2>\n", port);
    json_t *al;
    size_t ai;
    json_array_foreach(json_object_get(j, "alerts"), ai, al)
        if (jstr(al, "side") && !strcmp(jstr(al, "side"), "source")) break;
    if (ai < json_array_size(json_object_get(j, "alerts")))
        emit(p, "<p class=\"note witty\">A surge here was of UDP <em>source</em> port %i: new "
                "sources sending from it to many destination ports, as the Witty worm did from "
                "port 4000 (March 2004). The charts and tables below count destination port %i."
                "</p>\n", port, port);
    TABLE(p, url, j, "alerts", alert_grown, -1, "Surge alerts");
    json_t *last = json_array_get(json_object_get(j, "alerts"), 0);
    json_t *hours = json_object_get(last, "growth");
    if (last && json_array_size(hours)) {
        emit(p, "<h3>The surge from ");
        put_time(p, jstr(last, "start"));
        emit(p, " UTC, hour by hour</h3>\n<p class=\"note\">New to the port: not seen on it in the "
                "30 days before the surge. Distinct counts past 128 are estimates (about 1.6%%); "
                "an hour not judged yet counts as the surge's while it goes on.</p>\n");
        TABLE(p, url, j, "alerts.0.growth", growth_cols, -1, "Surge growth");
        /* its new sources: first seen from its start to the end of its last hour */
        char t0[40], t1[40];
        int64_t t;
        const char *lt = jstr(json_array_get(hours, json_array_size(hours) - 1), "time");
        snprintf(t0, sizeof t0, "%s", jstr(last, "start"));
        if (lt && ww_parse_rfc3339(lt, strlen(lt), &t)) {
            ww_time_format(t + WW_HOUR_US - WW_SEC_US, t1, sizeof t1);
            json_t *ns;
            snprintf(url, sizeof url, "/api/v1/sources?limit=20&port=%d&first_from=%s&first_to=%s",
                     port, t0, t1);
            ns = api(p, url);
            emit(p, "<h2>New sources in the surge</h2>\n<p class=\"note\"><span data-api=\"%s\">"
                    "<span data-field=\"total\" data-fmt=\"num\">%I</span></span> sources first "
                    "seen (by any sensor, on any port) from ", url,
                 (long long)json_integer_value(json_object_get(ns, "total")));
            put_time(p, t0);
            emit(p, " to ");
            put_time(p, t1);
            emit(p, " UTC that reached port %i; the first 20, earliest first (records: on this "
                    "port).</p>\n", port);
            TABLE(p, url, ns, "sources", source_cols, -1, "New sources");
            json_decref(ns);
        }
    }
    if (last) {
        snprintf(url, sizeof url, "/api/v1/alerts?limit=20&port=%d&end=%s&growth=1", port, p->date);
        surge_mix(p, url, j);
    }
    json_decref(j);

    snprintf(url, sizeof url, "/api/v1/sources?limit=20&port=%d&date=%s", port, p->date);
    j = api(p, url);
    emit(p, "<h2>Heaviest sources on port %i</h2>\n<p class=\"note\">By records on this port over "
            "the 30 days with data to %s (mostly steady background scanners).</p>\n", port, p->date);
    TABLE(p, url, j, "sources", source_cols, -1, "Top sources");
    json_decref(j);

    snprintf(url, sizeof url, "/api/v1/porthistory/%d?from=%s&to=%s", port, from, p->date);
    j = api(p, url);
    emit(p, "<details><summary>Per day, as a table</summary>\n");
    TABLE(p, url, j, "days", history_cols, -1, "Per day");
    emit(p, "</details>\n");
    json_decref(j);
    foot(p);
}

/* A source: an address (the page of the group holding it) or a group's
 * prefix (2001:db8:77:1::/64), as /api/v1/ip/ takes them. */
static void ip_page(struct page *p, const char *rest)
{
    struct ww_cidr c;
    char addr[WW_CIDR_STRLEN], url[96];
    if (ww_cidr_parse(rest, strlen(rest), &c)) {
        message(p, 400, "Not an address", "This is not an IPv4 or IPv6 address or prefix:", rest);
        return;
    }
    ww_cidr_format(&c, addr);
    snprintf(url, sizeof url, "/api/v1/ip/%s", addr);
    json_t *j = api(p, url);
    if (json_object_get(j, "error")) {
        json_decref(j);
        message(p, 404, "Never seen", "No sensor has reported this source:", addr);
        return;
    }
    static const struct col facts[] = {
        {"first_seen", "time", "First seen (UTC)"}, {"last_seen", "time", "Last seen (UTC)"},
        {"prefix", "ip", "Group (prefix)"}, {"addresses", "num", "Addresses"},
        {"records", "num", "Records"}, {"ports", "num", "Ports"}, {"targets", "num", "Targets"},
        {"sensors", "num", "Seen by sensors"}, {"kinds", "list", "Scanner kinds"},
        {"os", "os", "OS (p0f)"}, {"country", "country", "Country"}, {"asn", "asn", "AS"},
        {"label", "text", "Known scanner"},
    };
    head(p, addr, NULL);
    emit(p, "<h1>Source <span class=\"addr\">%s</span></h1>\n<dl class=\"facts\" data-api=\"%s\">",
         addr, url);
    p->enrich = json_object_get(j, "enrichment");
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        json_t *v = json_object_get(j, facts[i].key);
        if (!v || (json_is_null(v) && !strcmp(facts[i].key, "prefix")))
            continue; /* label: only a known scanner's; prefix: only a group's */
        emit(p, "<div><dt>%s</dt><dd data-field=\"%s\" data-fmt=\"%s\">", facts[i].label,
             facts[i].key, facts[i].kind);
        cell(p, j, &facts[i]);
        emit(p, "</dd></div>");
    }
    emit(p, "</dl>\n<figure><div class=\"chart\" id=\"chart\" data-chart=\"ip\" data-src=\"%s\">"
            "</div><figcaption>Timeline: records from this source per day (UTC).</figcaption>"
            "</figure>\n<h2>Ports</h2>\n", url);
    TABLE(p, url, j, "by_port", byport_cols, -1, "Ports");
    emit(p, "<details><summary>Per day, as a table</summary>\n");
    TABLE(p, url, j, "days", ipday_cols, -1, "Per day");
    emit(p, "</details>\n");
    json_decref(j);
    foot(p);
}

static void sensors_page(struct page *p)
{
    json_t *j = api(p, "/api/v1/sensors");
    head(p, "Sensors", "/sensors");
    emit(p, "<h1>Sensors</h1>\n<p data-api=\"/api/v1/sensors\"><span data-field=\"events_per_second\" "
            "data-fmt=\"dec\">%f</span> events per second from all sensors. A sensor is "
            "<em>silent</em> after an hour without a submission.</p>\n",
         json_number_value(json_object_get(j, "events_per_second")));
    if (json_object_get(j, "frontier")) { /* the collector judges by event time */
        emit(p, "<p data-api=\"/api/v1/sensors\">Event time: the latest event any sensor reported "
                "is dated <span data-field=\"frontier\" data-fmt=\"time\">");
        put_time(p, jstr(j, "frontier"));
        emit(p, "</span>; hours before <span data-field=\"release_point\" data-fmt=\"time\">");
        put_time(p, jstr(j, "release_point"));
        emit(p, "</span> are judged. A sensor may be <span data-field=\"lateness_s\" "
                "data-fmt=\"duration\">");
        put_duration(p, json_integer_value(json_object_get(j, "lateness_s")));
        emit(p, "</span> behind before buckets stop waiting for it (it is then <em>stale</em>; "
                "while they wait, it is <em>holding</em> them); <span data-field=\"late_events\" "
                "data-fmt=\"num\">%I</span> events came later than that: stored and counted, "
                "but judged hours are not judged again.</p>\n",
             (long long)json_integer_value(json_object_get(j, "late_events")));
    }
    TABLE(p, "/api/v1/sensors", j, "sensors", sensor_cols, -1, "Sensors");
    json_decref(j);
    foot(p);
}

static void alerts_page(struct page *p)
{
    json_t *j = api(p, "/api/v1/alerts?limit=10000");
    head(p, "Alerts", "/alerts");
    emit(p, "<h1>Surge alerts</h1>\n<p>Every surge alert, newest first. The baseline is how many "
            "sources new to the port an hour was expected to bring; the score how many spreads "
            "above it the hour was. The kind: <em>spreading</em>, new sources that keep "
            "multiplying (a worm), or <em>campaign</em>, many sources switched on at once and "
            "not growing (a botnet); the explanation says why.</p>\n");
    TABLE(p, "/api/v1/alerts?limit=10000", j, "alerts", alert_cols, -1, "Surge alerts");
    json_decref(j);
    floods(p, "/api/v1/floods?limit=1000", "h2");
    foot(p);
}

static const char *asset_type(const char *path)
{
    static const char *const types[][2] = {
        {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"}, {".png", "image/png"}, {".html", "text/html; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i][0])) return types[i][1];
    return "text/plain; charset=utf-8";
}

int ww_dash_render(struct ww_store *st, const char *path, const char *query, int64_t now_us,
                   struct ww_dash_page *out)
{
    *out = (struct ww_dash_page){0};
    if (!strncmp(path, "/assets/", 8)) {
        for (size_t i = 0; i < ww_dash_nassets; i++) {
            if (strcmp(path, ww_dash_assets[i].path)) continue;
            *out = (struct ww_dash_page){200, asset_type(path), (char *)ww_dash_assets[i].data,
                                         ww_dash_assets[i].len, 1};
            return WW_OK;
        }
    }
    struct page p = {.st = st, .now = now_us, .status = 200};
    p.f = open_memstream(&p.buf, &p.len);
    if (!p.f) return WW_ERR_IO; /* out of memory */
    if (!query) query = "";
    if (!strcmp(path, "/")) overview(&p, query);
    else if (!strncmp(path, "/port/", 6)) port_page(&p, path + 6, query);
    else if (!strncmp(path, "/ip/", 4)) ip_page(&p, path + 4);
    else if (!strcmp(path, "/sensors")) sensors_page(&p);
    else if (!strcmp(path, "/alerts")) alerts_page(&p);
    else message(&p, 404, "Not found", "There is no page at", path);
    if (fclose(p.f) && !p.rc) p.rc = WW_ERR_IO;
    if (p.rc) {
        free(p.buf);
        return p.rc;
    }
    /* open_memstream's buffer is malloc'd; hand over a ww_malloc'd copy so
     * ww_dash_page_free (and the caller) deal with one allocator */
    out->body = ww_malloc(p.len + 1);
    memcpy(out->body, p.buf, p.len + 1);
    free(p.buf);
    out->len = p.len;
    out->status = p.status;
    out->content_type = "text/html; charset=utf-8";
    return WW_OK;
}

void ww_dash_page_free(struct ww_dash_page *p)
{
    if (!p->body_static) ww_free(p->body);
    p->body = NULL;
    p->len = 0;
}

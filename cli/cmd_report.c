/* cmd_report.c -- `wormwatch report`: ask a store what the sensors saw.
 *
 * Two back ends, one output: with --db the store (lib/store/store.h) is opened and
 * queried directly; with --collector URL the same question is a libcurl GET
 * of the matching /api/v1/ path on a running collector. Either way the answer
 * is the API's JSON object, printed as is (--format json) or as a table for
 * people (text): a source with its OS, country and AS, an alert with who
 * its new sources are, "unavailable" said where the answering side has no
 * database (the API's enrichment). Without --date, "today" is the latest day with data when
 * the clock's day has none (a store of old logs), and the report says so. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "client/http.h"
#include "detect/geo.h"
#include "serve/api.h"
#include "store/store.h"
#include "core/wtime.h"

static const char usage[] =
    "usage: wormwatch report [--db FILE | --collector URL] [--format text|json]\n"
    "                        [--date YYYY-MM-DD] [--days N] [--by records|sources|targets]\n"
    "                        [--limit N] [--geoip FILE] [--asn FILE] QUERY\n"
    "QUERY: topports | porthistory PORT | port PORT | sources | alerts | floods | infocon |\n"
    "       ip ADDR\n"
    "  --db FILE          query a store file (default $XDG_DATA_HOME/wormwatch/wormwatch.db)\n"
    "  --collector URL    query a running collector (e.g. http://127.0.0.1:8080)\n"
    "  --format F         text (default) or json (the API's JSON)\n"
    "  --date D           day for topports/port/sources/infocon, last day of porthistory\n"
    "                     (default today, UTC, or the latest day with data if today has none)\n"
    "  --days N           porthistory span in days (default 30)\n"
    "  --by K             topports order: records (default), sources or targets\n"
    "  --limit N          rows for topports, sources, alerts, floods (default 10)\n"
    "  --geoip FILE       with --db: MaxMind country database for sources' and surges'\n"
    "                     countries (a collector answers with its own)\n"
    "  --asn FILE         with --db: MaxMind ASN database for their autonomous systems\n";

static long long I(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }
static const char *S(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_string(v)) return json_string_value(v);
    static char num[24];
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
    return num;
}

/* A source's OS, country and AS ("-" where unknown). */
static void who(json_t *r, char *buf, size_t len)
{
    json_t *os = json_object_get(r, "os"), *cc = json_object_get(r, "country");
    json_t *asn = json_object_get(r, "asn"), *org = json_object_get(r, "as_org");
    int k = snprintf(buf, len, "%s", json_is_string(os) ? json_string_value(os) : "-");
    if (json_is_string(os) && json_is_string(json_object_get(r, "os_match")) &&
        strcmp(json_string_value(json_object_get(r, "os_match")), "exact"))
        k += snprintf(buf + k, len - (size_t)k, " (%s)", S(r, "os_match"));
    k += snprintf(buf + k, len - (size_t)k, "  %s", json_is_string(cc) ? json_string_value(cc) : "-");
    if (json_is_integer(asn))
        snprintf(buf + k, len - (size_t)k, "  AS%lld%s%s", (long long)json_integer_value(asn),
                 json_is_string(org) ? " " : "", json_is_string(org) ? json_string_value(org) : "");
    else
        snprintf(buf + k, len - (size_t)k, "  -");
}

/* What the answer's enrichment says is missing, as a line; "" if nothing. */
static void unavailable(json_t *j)
{
    json_t *e = json_object_get(j, "enrichment");
    if (!e) return;
    const char *name[] = {"os", "country", "asn"}, *said[] = {"OS (no p0f database)",
        "country (no --geoip database)", "AS (no --asn database)"};
    int first = 1;
    for (int i = 0; i < 3; i++)
        if (json_is_false(json_object_get(e, name[i]))) {
            printf("%s%s", first ? "unavailable: " : ", ", said[i]);
            first = 0;
        }
    if (!first) printf("\n");
}

/* "91% Windows XP, 6% Linux 2.2.x-3.x; 6 countries (70% US); 41 ASes
 * (largest 12%)": an alert's mix, from its sample; "" when none. */
static void mix_line(json_t *r)
{
    json_t *os = json_object_get(r, "os_mix"), *cc = json_object_get(r, "countries");
    json_t *as = json_object_get(r, "asns"), *row;
    size_t i;
    if (!json_is_object(os) && !json_is_object(cc) && !json_is_object(as)) return;
    printf("    new sources (%lld sampled):", I(json_is_object(os) ? os : json_is_object(cc) ? cc : as,
                                               "sampled"));
    if (json_is_object(os)) {
        json_array_foreach(json_object_get(os, "rows"), i, row) {
            if (i == 3) break;
            printf("%s %.0f%% %s", i ? "," : "", 100 * json_real_value(json_object_get(row, "share")),
                   S(row, "os"));
        }
        if (!json_array_size(json_object_get(os, "rows"))) printf(" no OS known");
        printf(";");
    }
    if (json_is_object(cc)) {
        printf(" %lld countries", I(cc, "distinct"));
        row = json_array_get(json_object_get(cc, "rows"), 0);
        if (row) printf(" (%.0f%% %s)", 100 * json_real_value(json_object_get(row, "share")), S(row, "country"));
        printf(";");
    }
    if (json_is_object(as))
        printf(" %lld ASes (the largest %.0f%%)", I(as, "distinct"),
               100 * json_real_value(json_object_get(as, "top_share")));
    printf("\n");
}

static void print_text(const char *q, json_t *j)
{
    size_t i;
    json_t *r;
    if (!strcmp(q, "topports")) {
        printf("top ports by %s on %s\n%-6s %-5s %10s %10s %10s\n", S(j, "by"), S(j, "date"),
               "port", "proto", "records", "sources", "targets");
        json_array_foreach(json_object_get(j, "ports"), i, r)
            printf("%-6lld %-5s %10lld %10lld %10lld\n", I(r, "port"), S(r, "proto"),
                   I(r, "records"), I(r, "sources"), I(r, "targets"));
    } else if (!strcmp(q, "porthistory")) {
        printf("port %lld from %s to %s\n%-10s %10s %10s %10s %8s\n", I(j, "port"), S(j, "from"),
               S(j, "to"), "date", "records", "sources", "targets", "sensors");
        json_array_foreach(json_object_get(j, "days"), i, r)
            printf("%-10s %10lld %10lld %10lld %8lld\n", S(r, "date"), I(r, "records"),
                   I(r, "sources"), I(r, "targets"), I(r, "sensors"));
    } else if (!strcmp(q, "port")) {
        printf("port %lld on %s\n%-5s %10s %10s %10s %8s\n", I(j, "port"), S(j, "date"), "proto",
               "records", "sources", "targets", "sensors");
        json_array_foreach(json_object_get(j, "data"), i, r)
            printf("%-5s %10lld %10lld %10lld %8lld\n", S(r, "proto"), I(r, "records"),
                   I(r, "sources"), I(r, "targets"), I(r, "sensors"));
    } else if (!strcmp(q, "sources") || !strcmp(q, "ip")) {
        printf("%-39s %10s %8s %6s %7s  %-20s  %-20s  %s\n", "source", "records", "targets", "ports",
               "sensors", "first seen", "last seen", "os  country  as");
        json_t *arr = json_object_get(j, "sources");
        if (!arr) { arr = json_array(); json_array_append(arr, j); } else json_incref(arr);
        json_array_foreach(arr, i, r) {
            char w[256];
            who(r, w, sizeof w);
            printf("%-39s %10lld %8lld %6lld %7lld  %-20s  %-20s  %s\n", S(r, "src"), I(r, "records"),
                   I(r, "targets"), I(r, "ports"), I(r, "sensors"), S(r, "first_seen"),
                   S(r, "last_seen"), w);
        }
        json_decref(arr);
        unavailable(j);
    } else if (!strcmp(q, "alerts")) {
        json_array_foreach(json_object_get(j, "alerts"), i, r) { /* the kind is in the explanation */
            printf("%s  %lld/%s  %-9s  %s\n", S(r, "alert"), I(r, "port"), S(r, "proto"),
                   json_is_string(json_object_get(r, "kind")) ? S(r, "kind") : "-",
                   S(r, "explanation"));
            mix_line(r);
        }
        if (!json_array_size(json_object_get(j, "alerts"))) printf("no alerts\n");
        else unavailable(j);
    } else if (!strcmp(q, "floods")) {
        printf("floods: many sources, one target -- not worms\n%-20s  %-20s  %-39s %-11s %8s %10s\n",
               "start", "end", "target", "port", "sources", "records");
        json_array_foreach(json_object_get(j, "floods"), i, r) {
            char port[24];
            snprintf(port, sizeof port, "%lld/%s", I(r, "port"), S(r, "proto"));
            printf("%-20s  %-20s  %-39s %-11s %8lld %10lld\n", S(r, "start"), S(r, "end"),
                   S(r, "target"), port, I(r, "sources"), I(r, "records"));
        }
        if (!json_array_size(json_object_get(j, "floods"))) printf("no floods\n");
    } else {
        printf("infocon %s: %s\n", S(j, "level"), S(j, "reason"));
        json_array_foreach(json_object_get(j, "active"), i, r) {
            printf("  %lld/%s  %s\n", I(r, "port"), S(r, "proto"), S(r, "explanation"));
            mix_line(r);
        }
    }
}

/* The API's answer to path, from the collector at url or the store st. */
static json_t *fetch(const char *url, struct ww_store *st, const char *path)
{
    if (url) {
        char err[2300];
        long status;
        json_t *j = ww_http_get(url, path, &status, err, sizeof err);
        if (!j) ww_warn("%s", err);
        return j;
    }
    unsigned code;
    return ww_api_get(st, path, ww_now_us(), &code);
}

static int run(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_report;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'}, {"collector", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'}, {"date", required_argument, NULL, 'D'},
        {"days", required_argument, NULL, 'n'}, {"by", required_argument, NULL, 'b'},
        {"limit", required_argument, NULL, 'l'}, {"geoip", required_argument, NULL, 'G'},
        {"asn", required_argument, NULL, 'A'}, {0}};
    const char *geoip = NULL, *asnf = NULL;
    const char *db = NULL, *url = NULL, *format = "text", *date = NULL, *by = "records";
    unsigned long long days = 30, limit = 10;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'c': url = optarg; break;
        case 'f': format = optarg; break;
        case 'D': date = optarg; break;
        case 'b': by = optarg; break;
        case 'G': geoip = optarg; break;
        case 'A': asnf = optarg; break;
        case 'n':
            if (ww_parse_uint(optarg, 3660, &days) || days == 0)
                return ww_usage_error(cmd, "--days: not a number in 1..3660: %s", optarg);
            break;
        case 'l':
            if (ww_parse_uint(optarg, 10000, &limit) || limit == 0)
                return ww_usage_error(cmd, "--limit: not a number in 1..10000: %s", optarg);
            break;
        default: return WW_EXIT_USAGE;
        }
    }
    if (db && url) return ww_usage_error(cmd, "--db and --collector exclude each other");
    if (url && (geoip || asnf))
        return ww_usage_error(cmd, "--geoip and --asn go with --db (a collector uses its own)");
    if (strcmp(format, "text") && strcmp(format, "json"))
        return ww_usage_error(cmd, "--format: text or json, not '%s'", format);
    if (strcmp(by, "records") && strcmp(by, "sources") && strcmp(by, "targets"))
        return ww_usage_error(cmd, "--by: records, sources or targets, not '%s'", by);
    if (optind >= argc) return ww_usage_error(cmd, "expected a query");
    const char *q = argv[optind], *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    static const char *const one[] = {"topports", "sources", "alerts", "floods", "infocon"};
    static const char *const two[] = {"porthistory", "port", "ip"};
    int want = 0;
    for (size_t i = 0; i < 5; i++) if (!strcmp(q, one[i])) want = 1;
    for (size_t i = 0; i < 3; i++) if (!strcmp(q, two[i])) want = 2;
    if (!want) return ww_usage_error(cmd, "unknown query '%s'", q);
    if (argc - optind != want)
        return ww_usage_error(cmd, want == 1 ? "%s takes no argument" : "%s takes one argument", q);
    int64_t day = (int64_t)(time(NULL) / 86400);
    if (date && ww_parse_date(date, strlen(date), &day))
        return ww_usage_error(cmd, "--date: expected YYYY-MM-DD, got '%s'", date);
    unsigned long long port = 0;
    struct ww_addr addr;
    if (want == 2 && strcmp(q, "ip") && ww_parse_uint(arg, 65535, &port))
        return ww_usage_error(cmd, "not a port: '%s'", arg);
    if (!strcmp(q, "ip") && ww_addr_parse(arg, strlen(arg), &addr))
        return ww_usage_error(cmd, "not an address: '%s'", arg);

    /* one URL for both ways: a collector answers it over HTTP, a store file
     * through lib/serve/api.c, so the two can never disagree */
    struct ww_store *st = NULL;
    struct ww_geo *geo = NULL;
    char *file = NULL;
    if (geoip || asnf) {
        char err[1024];
        if (ww_geo_open(geoip, asnf, &geo, err, sizeof err)) {
            ww_warn("%s", err);
            return WW_EXIT_FAIL;
        }
    }
    if (url) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
    } else {
        file = db ? (char *)db : ww_store_default_path();
        char err[512];
        if (ww_store_open(file, &st, err, sizeof err)) {
            ww_warn("%s", err);
            if (!db) ww_free(file);
            ww_geo_close(geo);
            return WW_EXIT_FAIL;
        }
        ww_store_enrich(st, NULL, geo);
    }
    /* "today" without --date: the latest day with data if today has none */
    char note[160] = "";
    if (!date) {
        json_t *sp = fetch(url, st, "/api/v1/span");
        if (!sp) { /* no collector there: said once */
            if (url) curl_global_cleanup();
            ww_store_close(st);
            ww_geo_close(geo);
            return WW_EXIT_FAIL;
        }
        const char *last = json_string_value(json_object_get(sp, "last"));
        const char *today = json_string_value(json_object_get(sp, "today"));
        int64_t l;
        if (last && today && strcmp(last, today) < 0 && !ww_parse_date(last, strlen(last), &l)) {
            day = l;
            snprintf(note, sizeof note, "Showing %s, the latest day with data (the clock says %s UTC,"
                     " and no events are dated since).", last, today);
        }
        json_decref(sp);
    }
    char path[256], d1[16], d0[16];
    ww_date_format(day, d1, sizeof d1);
    ww_date_format(day - (int64_t)days + 1, d0, sizeof d0);
    if (!strcmp(q, "topports"))
        snprintf(path, sizeof path, "/api/v1/topports/%s?limit=%llu&date=%s", by, limit, d1);
    else if (!strcmp(q, "porthistory"))
        snprintf(path, sizeof path, "/api/v1/porthistory/%llu?from=%s&to=%s", port, d0, d1);
    else if (!strcmp(q, "port"))
        snprintf(path, sizeof path, "/api/v1/port/%llu?date=%s", port, d1);
    else if (!strcmp(q, "sources"))
        snprintf(path, sizeof path, "/api/v1/sources?limit=%llu&date=%s", limit, d1);
    else if (!strcmp(q, "alerts")) snprintf(path, sizeof path, "/api/v1/alerts?limit=%llu", limit);
    else if (!strcmp(q, "floods")) snprintf(path, sizeof path, "/api/v1/floods?limit=%llu", limit);
    else if (!strcmp(q, "infocon")) snprintf(path, sizeof path, "/api/v1/infocon?date=%s", d1);
    else {
        char a[WW_ADDR_STRLEN];
        snprintf(path, sizeof path, "/api/v1/ip/%s", ww_addr_format(&addr, a));
    }
    json_t *j = fetch(url, st, path);
    if (url) curl_global_cleanup();
    ww_store_close(st);
    ww_geo_close(geo);
    if (file && !db) ww_free(file);
    if (!j) return WW_EXIT_FAIL;
    /* the alerts, floods and a source's summary are not of a day */
    if (*note && (!strcmp(q, "alerts") || !strcmp(q, "floods") || !strcmp(q, "ip"))) *note = '\0';
    int status = WW_EXIT_OK;
    json_t *e = json_object_get(j, "error");
    if (json_is_string(e)) {
        ww_warn("%s", json_string_value(e));
        status = WW_EXIT_FAIL;
    } else if (!strcmp(format, "json")) {
        char *s = json_dumps(j, JSON_COMPACT);
        if (*note) ww_warn("%s", note); /* standard output stays the JSON */
        printf("%s\n", s);
        free(s);
    } else {
        if (*note) printf("%s\n", note);
        print_text(q, j);
    }
    json_decref(j);
    return status;
}

const struct ww_command ww_cmd_report = {
    .name = "report",
    .run = run,
    .summary = "query a store or a collector: top ports, history, sources, alerts, floods, infocon",
    .usage = usage,
};

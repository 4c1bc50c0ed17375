/* api.c -- lib/serve/api.c: ww_api_get on a small SQLite store made in a
 * mkdtemp directory ($TMPDIR or /tmp, removed at the end): every endpoint's
 * 200 with a few figures, each argument's 400, and the 404s (no such
 * endpoint, an address never seen, a path too long); ww_api_arg's
 * decoding and ww_api_urlenc. The store is used only through
 * ww_store_open, ww_store_key_add, ww_store_submit and ww_store_close
 * (the first key of a new store is sensor 1); the 503 of a store that
 * cannot write is tests/unit/store's and tests/e2e/disk_full.sh's. A second
 * store holds history (test_history): two and a half days of 2006 with a
 * surge on 139/tcp, read with today's clock: /api/v1/span, and the day,
 * end, port, growth and first_from/first_to arguments. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "core/addr.h"
#include "core/err.h"
#include "core/event.h"
#include "core/wtime.h"
#include "serve/api.h"
#include "store/store.h"

#define DAY_US 86400000000LL

static struct ww_store *st;
static int64_t now;
static char today[16], yesterday[16];
static json_t *j;

/* GET url: the status; the answer stays in j until the next call. */
static unsigned get(const char *url)
{
    unsigned status = 0;
    json_decref(j);
    j = ww_api_get(st, url, now, &status);
    CHECK(j != NULL);
    return status;
}

static const char *error(void) { return json_string_value(json_object_get(j, "error")); }

static json_t *at(const char *key, size_t i) { return json_array_get(json_object_get(j, key), i); }
static long long num(json_t *o, const char *key) { return json_integer_value(json_object_get(o, key)); }
static const char *str(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static void event(struct ww_event *e, const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
    memset(e, 0, sizeof e[0]);
    CHECK_INT(ww_addr_parse(src, strlen(src), &e->src), 0);
    CHECK_INT(ww_addr_parse(dst, strlen(dst), &e->dst), 0);
    e->ts_us = now;
    e->sport = proto == WW_PROTO_ICMP ? 8 : 40000;
    e->dport = dport;
    e->proto = proto;
    e->count = 1;
}

static void fill(void)
{
    char secret[65];
    CHECK_INT(ww_store_key_add(st, "sensor-a", secret), WW_OK);
    struct ww_event ev[7];
    event(&ev[0], "203.0.113.5", "10.1.0.1", WW_PROTO_TCP, 139);
    event(&ev[1], "203.0.113.5", "10.1.0.2", WW_PROTO_TCP, 139);
    event(&ev[2], "203.0.113.5", "10.1.0.3", WW_PROTO_TCP, 139);
    event(&ev[3], "2001:db8::1", "10.1.0.1", WW_PROTO_TCP, 139);
    event(&ev[4], "203.0.113.5", "10.1.0.1", WW_PROTO_TCP, 445);
    event(&ev[5], "198.51.100.9", "10.1.0.9", WW_PROTO_UDP, 1434);
    event(&ev[6], "198.51.100.10", "10.1.0.9", WW_PROTO_ICMP, 0);
    int dup = -1;
    CHECK_INT(ww_store_submit(st, 1, "batch-1", ev, 7, &dup), WW_OK);
    CHECK_INT(dup, 0);
}

static void test_200(void)
{
    char url[256];
    CHECK_INT(get("/api/v1/port/139"), 200);
    CHECK_INT(num(j, "port"), 139);
    CHECK_STR(str(j, "date"), today);
    CHECK_INT(json_array_size(json_object_get(j, "data")), 1);
    json_t *d = at("data", 0);
    CHECK_STR(str(d, "proto"), "tcp");
    CHECK_INT(num(d, "records"), 4);
    CHECK_INT(num(d, "sources"), 2);
    CHECK_INT(num(d, "targets"), 3);
    CHECK_INT(num(d, "sensors"), 1);
    snprintf(url, sizeof url, "/api/v1/port/139?date=%s", yesterday);
    CHECK_INT(get(url), 200);
    CHECK_INT(json_array_size(json_object_get(j, "data")), 0);
    CHECK_INT(get("/api/v1/port/0?date="), 200); /* empty: today; ICMP counts under port 0 */
    CHECK_STR(str(at("data", 0), "proto"), "icmp");

    CHECK_INT(get("/api/v1/porthistory/139"), 200);
    CHECK_STR(str(j, "by"), "day");
    CHECK_STR(str(j, "to"), today);
    CHECK_INT(json_array_size(json_object_get(j, "days")), 1);
    CHECK_STR(str(at("days", 0), "date"), today);
    CHECK_INT(num(at("days", 0), "records"), 4);
    snprintf(url, sizeof url, "/api/v1/porthistory/139?from=%s&to=%s&by=hour", today, today);
    CHECK_INT(get(url), 200);
    CHECK_STR(str(j, "by"), "hour");
    CHECK_INT(json_array_size(json_object_get(j, "hours")), 1);
    CHECK_INT(num(at("hours", 0), "sources"), 2);

    CHECK_INT(get("/api/v1/topports/records"), 200);
    CHECK_STR(str(j, "by"), "records");
    CHECK_INT(json_array_size(json_object_get(j, "ports")), 4);
    CHECK_INT(num(at("ports", 0), "port"), 139);
    CHECK_INT(get("/api/v1/topports/targets?limit=2"), 200);
    CHECK_INT(json_array_size(json_object_get(j, "ports")), 2);
    CHECK_INT(num(at("ports", 0), "targets"), 3);

    CHECK_INT(get("/api/v1/sources"), 200);
    CHECK_STR(str(at("sources", 0), "src"), "203.0.113.5");
    CHECK_INT(num(at("sources", 0), "records"), 4);
    CHECK_INT(num(at("sources", 0), "ports"), 2);
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 4);
    CHECK_INT(get("/api/v1/sources?port=1434&limit=5"), 200);
    CHECK_INT(num(j, "port"), 1434);
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 1);
    CHECK_STR(str(at("sources", 0), "src"), "198.51.100.9");

    CHECK_INT(get("/api/v1/ip/203.0.113.5"), 200);
    CHECK_STR(str(j, "src"), "203.0.113.5");
    CHECK_INT(num(j, "records"), 4);
    CHECK_INT(num(j, "targets"), 3);
    CHECK_INT(json_array_size(json_object_get(j, "by_port")), 2);
    CHECK_INT(num(at("by_port", 0), "port"), 139);
    CHECK_INT(num(at("by_port", 0), "records"), 3);
    CHECK_INT(json_array_size(json_object_get(j, "kinds")), 0);
    CHECK_INT(get("/api/v1/ip/2001:0db8:0:0::1"), 200); /* any spelling of it */
    CHECK_STR(str(j, "src"), "2001:db8::1");

    CHECK_INT(get("/api/v1/infocon"), 200);
    CHECK_STR(str(j, "level"), "green");
    CHECK_INT(get("/api/v1/alerts?limit=3"), 200);
    CHECK(json_is_array(json_object_get(j, "alerts")));
    CHECK_INT(get("/api/v1/sensors"), 200);
    CHECK_INT(json_array_size(json_object_get(j, "sensors")), 1);
    CHECK_STR(str(at("sensors", 0), "name"), "sensor-a");
    CHECK(json_is_string(json_object_get(at("sensors", 0), "last_seen")));
}

static void test_400(void)
{
    static const struct { const char *url, *why; } bad[] = {
        {"/api/v1/port/70000", "port must be 0..65535"},
        {"/api/v1/port/-1", "port must be 0..65535"},
        {"/api/v1/port/+1", "port must be 0..65535"},
        {"/api/v1/port/13x", "port must be 0..65535"},
        {"/api/v1/port/", "port must be 0..65535"},
        {"/api/v1/port/139?date=2026-13-01", "date: expected YYYY-MM-DD"},
        {"/api/v1/port/139?date=yesterday", "date: expected YYYY-MM-DD"},
        {"/api/v1/porthistory/99999", "port must be 0..65535"},
        {"/api/v1/porthistory/139?from=2026-1-1", "from, to: expected YYYY-MM-DD"},
        {"/api/v1/porthistory/139?from=2026-02-01&to=2026-01-01",
         "from must not be after to, and at most 10 years before it"},
        {"/api/v1/porthistory/139?from=2000-01-01&to=2026-01-01",
         "from must not be after to, and at most 10 years before it"},
        {"/api/v1/porthistory/139?by=minute", "by: day or hour"},
        {"/api/v1/porthistory/139?from=2026-01-01&to=2026-06-01&by=hour", "by=hour: at most 93 days"},
        {"/api/v1/topports/records?limit=10001", "limit must be 0..10000"},
        {"/api/v1/topports/sources?limit=%2B5", "limit must be 0..10000"},
        {"/api/v1/topports/sources?limit=1%200", "limit must be 0..10000"},
        {"/api/v1/topports/sources?date=2026-02-30", "date: expected YYYY-MM-DD"},
        {"/api/v1/sources?limit=x", "limit must be 0..10000"},
        {"/api/v1/sources?port=65536", "port must be 0..65535"},
        {"/api/v1/sources?limit=1000000000000000000000000000000000000000", "limit must be 0..10000"},
        {"/api/v1/ip/203.0.113.256", "bad address or prefix"},
        {"/api/v1/ip/2001:db8::/129", "bad address or prefix"},
        {"/api/v1/ip/", "bad address or prefix"},
        {"/api/v1/alerts?limit=-1", "limit must be 0..10000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned s = get(bad[i].url);
        if (s != 400) fprintf(stderr, "%s: %u\n", bad[i].url, s);
        CHECK_INT(s, 400);
        CHECK_STR(error(), bad[i].why);
    }
    /* the edges that are allowed */
    CHECK_INT(get("/api/v1/port/65535"), 200);
    CHECK_INT(get("/api/v1/topports/records?limit=10000"), 200);
    CHECK_INT(get("/api/v1/topports/records?limit=0"), 200);
    CHECK_INT(get("/api/v1/porthistory/139?from=2026-01-01&to=2026-04-03&by=hour"), 200);
}

static void test_404(void)
{
    static const char *const urls[] = {"/api/v1/nope", "/api/v1/sources/", "/api/v1/infocon/x",
                                       "/api/v2/infocon", "/", "", "/api/v1/topports/ports"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        CHECK_INT(get(urls[i]), 404);
        CHECK(error() != NULL);
    }
    CHECK_INT(get("/api/v1/nope"), 404);
    CHECK_STR(error(), "no such endpoint");
    CHECK_INT(get("/api/v1/ip/198.51.100.200"), 404);
    CHECK_STR(error(), "address not seen");
    char longurl[600] = "/api/v1/ip/";
    memset(longurl + 11, '1', sizeof longurl - 12);
    longurl[sizeof longurl - 1] = 0;
    CHECK_INT(get(longurl), 404);
    CHECK_STR(error(), "no such endpoint");
}

static void test_args(void)
{
    char b[16];
    CHECK_STR(ww_api_arg("a=1&b=2", "b", b, sizeof b), "2");
    CHECK_STR(ww_api_arg("a=1&b=2", "a", b, sizeof b), "1");
    CHECK_STR(ww_api_arg("x=%41+b%2c%zz%4", "x", b, sizeof b), "A b,%zz%4");
    CHECK_STR(ww_api_arg("ab=1&a=", "a", b, sizeof b), "");
    CHECK(ww_api_arg("ab=1", "a", b, sizeof b) == NULL);
    CHECK(ww_api_arg("a", "a", b, sizeof b) == NULL);
    CHECK(ww_api_arg("", "a", b, sizeof b) == NULL);
    CHECK(ww_api_arg(NULL, "a", b, sizeof b) == NULL);
    CHECK_STR(ww_api_arg("a=12345678901234", "a", b, sizeof b), "12345678901234");
    CHECK_STR(ww_api_arg("a=123456789012345", "a", b, sizeof b), "\x01"); /* too long */

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ww_api_urlenc(f, "2001:db8::1 a/b?c=d&e~f_g.h-i\xc3\xbc");
    ww_api_urlenc(f, NULL);
    fclose(f);
    CHECK_STR(out, "2001%3Adb8%3A%3A1%20a%2Fb%3Fc%3Dd%26e~f_g.h-i%C3%BC");
    free(out);
}

/* 2006-08-01 00:00 to 08-03 20:00 on 139/tcp: the same 20 sources every
 * hour and 5 new ones, but 300, 600 and 1,200 new from 08-03 12:00 (a
 * surge, which the store's detector calls); on 445/tcp 5 new an hour. */
#define H2006 ((int64_t)1154390400 / 3600) /* 2006-08-01T00:00:00Z, as an hour */
#define SURGE_H (H2006 + 60)                /* 2006-08-03T12:00:00Z */
static void fill_history(void)
{
    char secret[65];
    CHECK_INT(ww_store_key_add(st, "sensor-2006", secret), WW_OK);
    static struct ww_event ev[1300];
    uint32_t next = 0;
    for (int64_t h = H2006; h < H2006 + 68; h++) {
        int fresh = h == SURGE_H ? 300 : h == SURGE_H + 1 ? 600 : h == SURGE_H + 2 ? 1200 : 5;
        int n = 20 + fresh + 5;
        for (int i = 0; i < n; i++) {
            char src[32];
            if (i < 20) snprintf(src, sizeof src, "200.0.0.%d", i); /* back every hour */
            else snprintf(src, sizeof src, "100.%u.%u.%u", next >> 16 & 255, next >> 8 & 255, next & 255), next++;
            char dst[32]; /* many targets: on one, the crowd would be a flood */
            snprintf(dst, sizeof dst, "10.1.%d.%d", i / 250, i % 250 + 1);
            event(&ev[i], src, dst, WW_PROTO_TCP, i < n - 5 ? 139 : 445);
            ev[i].ts_us = h * 3600000000LL + (int64_t)i * 3600000000LL / n;
        }
        char id[32];
        int dup = -1;
        snprintf(id, sizeof id, "h%lld", (long long)h);
        CHECK_INT(ww_store_submit(st, 1, id, ev, (size_t)n, &dup), WW_OK);
    }
}

static void test_history(void)
{
    CHECK_INT(get("/api/v1/span"), 200);
    CHECK_STR(str(j, "first"), "2006-08-01");
    CHECK_STR(str(j, "last"), "2006-08-03");
    CHECK_STR(str(j, "today"), today);

    /* infocon: green now, yellow as of the day of the surge */
    CHECK_INT(get("/api/v1/infocon"), 200);
    CHECK_STR(str(j, "level"), "green");
    CHECK_INT(get("/api/v1/infocon?date=2006-08-03&growth=1"), 200);
    CHECK_STR(str(j, "level"), "yellow");
    CHECK_STR(str(j, "as_of"), "2006-08-03T23:59:59Z");
    CHECK_INT(num(at("active", 0), "port"), 139);
    CHECK(json_is_array(json_object_get(at("active", 0), "growth")));
    CHECK_INT(get("/api/v1/infocon?date=2006-08-01"), 200);
    CHECK_STR(str(j, "level"), "green");

    /* alerts: up to a day, on a port, and how the surge grew */
    CHECK_INT(get("/api/v1/alerts?end=2006-08-02"), 200);
    CHECK_INT(json_array_size(json_object_get(j, "alerts")), 0);
    CHECK_INT(get("/api/v1/alerts?port=445"), 200);
    CHECK_INT(json_array_size(json_object_get(j, "alerts")), 0);
    CHECK_INT(get("/api/v1/alerts?end=2006-08-03&port=139&growth=1"), 200);
    CHECK_INT(json_array_size(json_object_get(j, "alerts")), 1);
    json_t *a = at("alerts", 0), *g = json_object_get(a, "growth");
    CHECK_STR(str(a, "start"), "2006-08-03T12:00:00Z");
    CHECK_INT(json_array_size(g), 3); /* 12:00, 13:00, 14:00; 15:00 was judged quiet */
    CHECK_STR(str(json_array_get(g, 0), "time"), "2006-08-03T12:00:00Z");
    CHECK_STR(str(json_array_get(g, 2), "time"), "2006-08-03T14:00:00Z");
    CHECK(json_is_false(json_object_get(json_array_get(g, 2), "in_progress")));
    long long h0 = num(json_array_get(g, 0), "new_sources"), so_far = num(a, "new_so_far");
    long long s0 = num(json_array_get(g, 0), "sources");
    CHECK(h0 >= 290 && h0 <= 310);               /* past 128: HLL, 1.6% */
    CHECK(s0 >= 310 && s0 <= 330);               /* and the 20 that come back every hour */
    CHECK(so_far >= 2100 * 97 / 100 && so_far <= 2100 * 103 / 100);
    CHECK(num(a, "sources_so_far") >= so_far * 97 / 100);
    CHECK(num(a, "sources_so_far") > num(a, "sources")); /* grown since it was called */
    CHECK_INT(num(json_array_get(g, 2), "new_so_far"), so_far);
    CHECK(num(a, "new_sources") <= h0);                  /* called part way into its first hour */
    CHECK_INT(get("/api/v1/alerts?port=139"), 200);      /* growth only when asked */
    CHECK(json_object_get(at("alerts", 0), "growth") == NULL);

    /* the sources new in the surge, earliest first */
    CHECK_INT(get("/api/v1/sources?port=139&limit=3&first_from=2006-08-03T12:00:00Z"
                  "&first_to=2006-08-03T14:59:59Z"), 200);
    CHECK_INT(num(j, "total"), 2100);
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 3);
    CHECK(!strncmp(str(at("sources", 0), "first_seen"), "2006-08-03T12:0", 15));
    CHECK(strcmp(str(at("sources", 0), "first_seen"), str(at("sources", 2), "first_seen")) < 0);
    CHECK_INT(num(at("sources", 0), "records"), 1);
    CHECK_INT(get("/api/v1/sources?port=445&first_from=2006-08-03&first_to=2006-08-03T12:59:59Z"), 200);
    CHECK_INT(num(j, "total"), 13 * 5);
    CHECK_INT(get("/api/v1/sources?port=139&first_from=2006-08-01&first_to=2006-08-01T00:59:59Z"), 200);
    CHECK_INT(num(j, "total"), 20 + 5);
    /* the top sources of a day */
    CHECK_INT(get("/api/v1/sources?limit=1"), 200); /* the latest day with data: one back every hour */
    CHECK(!strncmp(str(at("sources", 0), "src"), "200.0.0.", 8));
    CHECK_INT(num(at("sources", 0), "records"), 68);
    CHECK_INT(get("/api/v1/sources?limit=1&date=2006-07-31"), 200); /* none yet that day */
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 0);

    static const struct { const char *url, *why; } bad[] = {
        {"/api/v1/infocon?date=2006-8-3", "date: expected YYYY-MM-DD"},
        {"/api/v1/infocon?growth=yes", "growth: 0 or 1"},
        {"/api/v1/alerts?end=tomorrow", "end: expected YYYY-MM-DD"},
        {"/api/v1/alerts?port=65536", "port must be 0..65535"},
        {"/api/v1/alerts?growth=2", "growth: 0 or 1"},
        {"/api/v1/sources?first_from=2006-08-03", "first_from, first_to: need port"},
        {"/api/v1/sources?port=139&first_to=noon", "first_from, first_to: expected RFC 3339 or YYYY-MM-DD"},
        {"/api/v1/sources?date=2006-08-32", "date: expected YYYY-MM-DD"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned s = get(bad[i].url);
        if (s != 400) fprintf(stderr, "%s: %u\n", bad[i].url, s);
        CHECK_INT(s, 400);
        CHECK_STR(error(), bad[i].why);
    }
}

static void run(void)
{
    const char *t = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/ww_test_api.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/store.db", dir);
    char err[256];
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    if (!st) exit(1);
    /* the real clock: the store dates batches by it */
    now = ww_now_us();
    ww_date_format(now / DAY_US, today, sizeof today);
    ww_date_format(now / DAY_US - 1, yesterday, sizeof yesterday);
    fill();
    test_200();
    test_400();
    test_404();
    test_args();
    CHECK_INT(get("/api/v1/span"), 200); /* a store of today: today */
    CHECK_STR(str(j, "first"), today);
    CHECK_STR(str(j, "last"), today);
    ww_store_close(st);

    char old[320];
    snprintf(old, sizeof old, "%s/old.db", dir);
    CHECK_INT(ww_store_open(old, &st, err, sizeof err), WW_OK);
    if (!st) exit(1);
    CHECK_INT(get("/api/v1/span"), 200); /* empty */
    CHECK(json_is_null(json_object_get(j, "first")) && json_is_null(json_object_get(j, "last")));
    fill_history();
    test_history();
    json_decref(j);
    ww_store_close(st);
    static const char *const left[] = {"", "-wal", "-shm", "-journal", "-lock"};
    for (int db = 0; db < 2; db++) {
        for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
            char p[340];
            snprintf(p, sizeof p, "%s%s", db ? old : path, left[i]);
            CHECK(unlink(p) == 0 || errno == ENOENT);
        }
    }
    CHECK_INT(rmdir(dir), 0);
}

TEST_MAIN(run())

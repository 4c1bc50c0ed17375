/* store.c -- the SQLite store on a temporary database: keys, batches
 * (duplicate ids), exact aggregates, exact-then-HLL distinct counts, the
 * queries' rows and the API's JSON of them (lib/serve/api.c), infocon,
 * hostile strings, and a 90-day history timing; the writer's lock file (one
 * writer, removed at a clean close, safe against a close racing an open);
 * the --db schemes; notices (one per alert, across a crash and a restart)
 * and notify cursors. Every file lives in one mkdtemp directory ($TMPDIR
 * or /tmp), removed at the end. */
#include <stdarg.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve/api.h"
#include "store/store.h"
#include "store/store_int.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/hll.h"
#include "detect/osdb.h"
#include "detect/surge.h"
#include "test.h"
#include "core/wtime.h"

static struct ww_event ev(int64_t ts, uint32_t src, uint32_t dst, int dport, int proto)
{
    struct ww_event e = {0};
    uint8_t s[4] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src};
    uint8_t d[4] = {(uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst};
    ww_addr_from_v4(&e.src, s);
    ww_addr_from_v4(&e.dst, d);
    e.ts_us = ts;
    e.dport = (uint16_t)dport;
    e.sport = 40000;
    e.proto = (uint8_t)proto;
    e.tcpflags = WW_TH_SYN;
    e.count = 1;
    return e;
}

/* The notices by kind: floods counted, the last one's body kept. */
struct kinds { int flood, surge; char flood_body[512]; };
static int count_kinds(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body)
{
    struct kinds *k = ctx;
    (void)id, (void)created_us;
    if (!strcmp(kind, "flood")) {
        k->flood++;
        snprintf(k->flood_body, sizeof k->flood_body, "%s", body);
    }
    k->surge += !strcmp(kind, "surge");
    return 0;
}

static long long jint(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* A day as YYYY-MM-DD, in one of four buffers (for a few in one call). */
static const char *D(int64_t day)
{
    static char buf[4][16];
    static int i;
    i = (i + 1) % 4;
    return ww_date_format(day, buf[i], sizeof buf[i]);
}

/* The API's answer to the URL, with now_us as "now"; NULL if its status is
 * not want. */
static json_t *api(struct ww_store *st, int64_t now_us, unsigned want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static json_t *api(struct ww_store *st, int64_t now_us, unsigned want, const char *fmt, ...)
{
    char url[512];
    unsigned status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url, sizeof url, fmt, ap);
    va_end(ap);
    json_t *j = ww_api_get(st, url, now_us, &status);
    CHECK(j != NULL);
    if (status == want) return j;
    json_decref(j);
    return NULL;
}

static int listed;
static void on_key(void *ctx, const char *name, int64_t created, int revoked, int64_t last_seen)
{
    (void)ctx; (void)created; (void)last_seen;
    if (!strcmp(name, "alpha")) listed += revoked ? 10 : 1;
}

static char tdir[256];

/* A private directory for every file of this test. */
static void tmp_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tdir, sizeof tdir, "%s/ww_test_store.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tdir)) {
        perror(tdir);
        exit(1);
    }
}

static void tpath(char *path, size_t n, const char *name)
{
    snprintf(path, n, "%s/%s", tdir, name);
}

/* A new store at tdir/FILE (its path left in path) with one sensor key,
 * NAME; the sensor's id in *id. */
static struct ww_store *open_keyed(char *path, size_t n, const char *file, const char *name,
                                   int64_t *id)
{
    char err[256], secret[65], got[65];
    struct ww_store *st = NULL;
    tpath(path, n, file);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_key_add(st, name, secret), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, id, got), WW_OK);
    return st;
}

/* Removes the directory and whatever the stores left in it. */
static void tmp_done(void)
{
    DIR *d = opendir(tdir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", tdir, e->d_name);
            CHECK_INT(unlink(p), 0);
        }
    if (d) closedir(d);
    CHECK_INT(rmdir(tdir), 0);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static double secs(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void run(void)
{
    char path[512];
    tpath(path, sizeof path, "store.db");
    struct ww_store *st;
    char err[256];
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);

    /* keys */
    char secret[65], secret2[65], name[65];
    int64_t id = 0, id2 = 0;
    CHECK_INT(ww_store_key_add(st, "alpha", secret), WW_OK);
    CHECK_INT(strlen(secret), 64);
    CHECK_INT(ww_store_key_add(st, "alpha", secret2), WW_ERR_ARG);
    CHECK_INT(ww_store_key_add(st, "x'); DROP TABLE keys;--", secret2), WW_ERR_ARG); /* space */
    CHECK_INT(ww_store_key_add(st, "b');DROP-TABLE-keys;--", secret2), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, &id, name), WW_OK);
    CHECK(id > 0);
    CHECK_STR(name, "alpha");
    CHECK_INT(ww_store_key_check(st, secret2, &id2, name), WW_OK);
    CHECK_STR(name, "b');DROP-TABLE-keys;--");
    CHECK(id2 != id);
    char wrong[65];
    memcpy(wrong, secret, 65);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    CHECK_INT(ww_store_key_check(st, wrong, &id2, name), WW_ERR_ARG);
    CHECK_INT(ww_store_key_check(st, "", &id2, name), WW_ERR_ARG);
    CHECK_INT(ww_store_key_revoke(st, "nobody"), WW_ERR_ARG);
    CHECK_INT(ww_store_key_revoke(st, "b');DROP-TABLE-keys;--"), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret2, &id2, name), WW_ERR_ARG);
    listed = 0;
    CHECK_INT(ww_store_key_list(st, on_key, NULL), WW_OK);
    CHECK_INT(listed, 1);

    /* a batch: 2006-08-04, port 139/tcp: 3 records from 2 sources to 3 targets */
    int64_t day = ww_days_from_civil(2006, 8, 4);
    int64_t t0 = day * 86400000000LL + 3600000000LL * 5;
    struct ww_event b[5] = {
        ev(t0, 0x0a000001, 0xc0a80001, 139, WW_PROTO_TCP),
        ev(t0 + 1000000, 0x0a000001, 0xc0a80002, 139, WW_PROTO_TCP),
        ev(t0 + 2000000, 0x0a000002, 0xc0a80003, 139, WW_PROTO_TCP),
        ev(t0 + 3000000, 0x0a000002, 0xc0a80003, 445, WW_PROTO_TCP),
        ev(t0 + 4000000, 0x0a000003, 0xc0a80003, 53, WW_PROTO_UDP),
    };
    b[4].count = 7;
    int dup = -1;
    CHECK_INT(ww_store_submit(st, id, "batch-1", b, 5, &dup), WW_OK);
    CHECK_INT(dup, 0);
    CHECK_INT(ww_store_submit(st, id, "batch-1", b, 5, &dup), WW_OK);
    CHECK_INT(dup, 1);
    json_t *j = api(st, 0, 200, "/api/v1/port/139?date=%s", D(day));
    CHECK_STR(json_string_value(json_object_get(j, "date")), "2006-08-04");
    json_t *row = json_array_get(json_object_get(j, "data"), 0);
    CHECK_STR(json_string_value(json_object_get(row, "proto")), "tcp");
    CHECK_INT(jint(row, "records"), 3);
    CHECK_INT(jint(row, "sources"), 2);
    CHECK_INT(jint(row, "targets"), 3);
    CHECK_INT(jint(row, "sensors"), 1);
    json_decref(j);
    /* the same batch id from another sensor is another batch */
    int64_t id3;
    char secret3[65];
    CHECK_INT(ww_store_key_add(st, "gamma", secret3), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret3, &id3, name), WW_OK);
    CHECK_INT(ww_store_submit(st, id3, "batch-1", b, 1, &dup), WW_OK);
    CHECK_INT(dup, 0);
    j = api(st, 0, 200, "/api/v1/port/139?date=%s", D(day));
    row = json_array_get(json_object_get(j, "data"), 0);
    CHECK_INT(jint(row, "records"), 4);
    CHECK_INT(jint(row, "sources"), 2);
    CHECK_INT(jint(row, "sensors"), 2);
    json_decref(j);

    /* topports by records: 53/udp (7), 139 (4), 445 (1) */
    j = api(st, 0, 200, "/api/v1/topports/records?limit=10&date=%s", D(day));
    json_t *ports = json_object_get(j, "ports");
    CHECK_INT(json_array_size(ports), 3);
    CHECK_INT(jint(json_array_get(ports, 0), "port"), 53);
    CHECK_INT(jint(json_array_get(ports, 1), "port"), 139);
    CHECK_INT(jint(json_array_get(ports, 2), "port"), 445);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/topports/sources?limit=1&date=%s", D(day));
    CHECK_INT(jint(json_array_get(json_object_get(j, "ports"), 0), "port"), 139);
    json_decref(j);
    j = api(st, 0, 404, "/api/v1/topports/'; DROP TABLE agg_day; --?date=%s", D(day));
    CHECK(json_object_get(j, "error") != NULL);
    json_decref(j);
    struct ww_store_rows r;
    CHECK_INT(ww_store_topports(st, (enum ww_store_by)7, 1, day, &r), WW_ERR_ARG);
    ww_store_rows_free(&r);
    CHECK_INT(ww_store_topports(st, WW_STORE_BY_TARGETS, 10, day, &r), WW_OK);
    CHECK_INT(r.n, 3);
    CHECK(r.n == 3 && r.agg[0].targets == 3 && r.agg[0].port == 139 && r.agg[0].proto == WW_PROTO_TCP);
    ww_store_rows_free(&r);
    CHECK(r.n == 0 && r.agg == NULL);

    /* ip summary */
    struct ww_addr a;
    CHECK_INT(ww_addr_parse("10.0.0.2", 8, &a), 0);
    j = api(st, 0, 200, "/api/v1/ip/10.0.0.2");
    CHECK_STR(json_string_value(json_object_get(j, "src")), "10.0.0.2");
    CHECK_INT(jint(j, "records"), 2);
    CHECK_INT(jint(j, "targets"), 1);
    CHECK_INT(jint(j, "ports"), 2);
    CHECK_INT(jint(j, "sensors"), 1);
    CHECK_STR(json_string_value(json_object_get(j, "first_seen")), "2006-08-04T05:00:02Z");
    CHECK_STR(json_string_value(json_object_get(j, "last_seen")), "2006-08-04T05:00:03Z");
    json_decref(j);
    CHECK_INT(ww_addr_parse("10.9.9.9", 8, &a), 0);
    struct ww_store_ip ip;
    CHECK_INT(ww_store_ip(st, &a, &ip), WW_ERR_ARG);
    j = api(st, 0, 404, "/api/v1/ip/10.9.9.9");
    CHECK_STR(json_string_value(json_object_get(j, "error")), "address not seen");
    json_decref(j);
    j = api(st, (day + 1) * 86400000000LL, 200, "/api/v1/sources?limit=10");
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "sources"), 0), "src")), "10.0.0.3");
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 3);
    json_decref(j);

    /* distinct counts: exact to 128, then HLL within 2% */
    int64_t day2 = day + 1, t2 = day2 * 86400000000LL;
    struct ww_event *big = ww_malloc(1000 * sizeof *big);
    for (int i = 0; i < 128; i++) big[i] = ev(t2, 0x0b000000u + (uint32_t)i, 0xc0a80001, 80, WW_PROTO_TCP);
    CHECK_INT(ww_store_submit(st, id, "d-1", big, 128, &dup), WW_OK);
    j = api(st, 0, 200, "/api/v1/port/80?date=%s", D(day2));
    CHECK_INT(jint(json_array_get(json_object_get(j, "data"), 0), "sources"), 128);
    json_decref(j);
    uint32_t next = 128;
    for (int k = 0; k < 50; k++) {
        char bid[32];
        for (int i = 0; i < 1000; i++)
            big[i] = ev(t2 + i, 0x0b000000u + next++, 0xc0a80001, 80, WW_PROTO_TCP);
        snprintf(bid, sizeof bid, "d-%d", k + 2);
        CHECK_INT(ww_store_submit(st, id, bid, big, 1000, &dup), WW_OK);
    }
    j = api(st, 0, 200, "/api/v1/port/80?date=%s", D(day2));
    long long n80 = jint(json_array_get(json_object_get(j, "data"), 0), "sources");
    /* the store's estimate is exactly a HyperLogLog's of the same hashes
     * (nothing lost in blob round trips); its error is HLL's (1.6% s.d.) */
    struct ww_hll *ref = ww_hll_new();
    for (uint32_t i = 0; i < next; i++) {
        struct ww_event e = ev(0, 0x0b000000u + i, 0, 0, 0);
        ww_hll_add(ref, ww_addr_hash(&e.src));
    }
    CHECK_INT(n80, ww_hll_count(ref));
    ww_hll_free(ref);
    CHECK(n80 > 50128 * 0.95 && n80 < 50128 * 1.05);
    CHECK_INT(jint(json_array_get(json_object_get(j, "data"), 0), "records"), 50128);
    printf("distinct 50128 sources estimated as %lld\n", n80);
    json_decref(j);

    /* porthistory ranges */
    j = api(st, 0, 200, "/api/v1/porthistory/139?from=%s&to=%s", D(day - 3), D(day + 3));
    CHECK_INT(json_array_size(json_object_get(j, "days")), 1);
    CHECK_STR(json_string_value(json_object_get(j, "from")), "2006-08-01");
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/porthistory/139?from=%s&to=%s", D(day + 1), D(day + 3));
    CHECK_INT(json_array_size(json_object_get(j, "days")), 0);
    json_decref(j);

    /* infocon with no alerts */
    j = api(st, t2, 200, "/api/v1/infocon");
    CHECK_STR(json_string_value(json_object_get(j, "level")), "green");
    json_decref(j);
    FILE *mf = tmpfile();
    CHECK_INT(ww_store_metrics(st, mf), WW_OK);
    fclose(mf);

    /* surge: hourly background of a few new sources on 5000/tcp for 2 days,
     * then a burst; the alert table and infocon see it */
    int64_t t3 = (day + 10) * 86400000000LL;
    uint32_t s3 = 0x0c000000;
    for (int h = 0; h < 72; h++) {
        char bid[32];
        int nn = h < 70 ? 3 + h % 2 : 400;
        for (int i = 0; i < nn; i++)
            big[i] = ev(t3 + h * 3600000000LL + i * 1000, s3++, 0xc0a80001u + (uint32_t)i % 64, 5000,
                        WW_PROTO_TCP); /* many targets: on one, a flood */
        snprintf(bid, sizeof bid, "s-%d", h);
        CHECK_INT(ww_store_submit(st, id, bid, big, (size_t)nn, &dup), WW_OK);
        if (h == 60) { /* a flood: 300 sources on one target and port within 5 minutes */
            for (int i = 0; i < 300; i++)
                big[i] = ev(t3 + h * 3600000000LL + i * 1000000LL, 0x0c800000u + (uint32_t)i, 0xc0a80909,
                            6000, WW_PROTO_TCP);
            CHECK_INT(ww_store_submit(st, id, "flood-60", big, 300, &dup), WW_OK);
        }
    }
    j = api(st, 0, 200, "/api/v1/floods?date=%s", D(day + 12));
    json_t *fl = json_array_get(json_object_get(j, "floods"), 0);
    CHECK_INT(json_array_size(json_object_get(j, "floods")), 1);
    CHECK_STR(json_string_value(json_object_get(fl, "target")), "192.168.9.9");
    CHECK_INT(jint(fl, "port"), 6000);
    CHECK_STR(json_string_value(json_object_get(fl, "proto")), "tcp");
    CHECK(jint(fl, "sources") >= 100 && jint(fl, "sources") <= 300 && jint(fl, "records") >= jint(fl, "sources"));
    CHECK_STR(json_string_value(json_object_get(fl, "start")), "2006-08-16T12:00:01Z");
    CHECK_STR(json_string_value(json_object_get(fl, "end")), "2006-08-16T12:04:59Z");
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/floods?date=%s", D(day + 11));
    CHECK_INT(json_array_size(json_object_get(j, "floods")), 0);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/alerts?port=6000");
    CHECK_INT(json_array_size(json_object_get(j, "alerts")), 0); /* never an alert */
    json_decref(j);
    struct kinds nk = {0};
    CHECK_INT(ww_store_notices(st, 0, 1000, count_kinds, &nk), WW_OK);
    CHECK_INT(nk.flood, 2); /* and 128+ sources on 80 to one address, above */
    CHECK(strstr(nk.flood_body, "\"target\":\"192.168.9.9\",\"port\":6000,\"proto\":\"tcp\"") != NULL);
    j = api(st, 0, 200, "/api/v1/alerts?limit=10");
    json_t *al = json_object_get(j, "alerts");
    CHECK(json_array_size(al) >= 1);
    CHECK_INT(jint(json_array_get(al, 0), "port"), 5000);
    printf("alert: %s\n", json_string_value(json_object_get(json_array_get(al, 0), "explanation")));
    { /* what the surge is: its kind (in words too), side, reach and growth */
        json_t *a0 = json_array_get(al, 0);
        const char *kind = json_string_value(json_object_get(a0, "kind")), *x;
        char words[32];
        CHECK(kind && (!strcmp(kind, "spreading") || !strcmp(kind, "campaign")));
        snprintf(words, sizeof words, "; %s: ", kind ? kind : "?");
        x = json_string_value(json_object_get(a0, "explanation"));
        CHECK(x && strstr(x, words));
        CHECK_STR(json_string_value(json_object_get(a0, "side")), "destination");
        CHECK(json_is_integer(json_object_get(a0, "sensors")) && json_is_integer(json_object_get(a0, "new_targets")));
        CHECK(json_is_array(json_object_get(a0, "new_per_bucket")));
        CHECK(json_is_real(json_object_get(a0, "growth_per_hour")));
        CHECK(json_object_get(a0, "doubling_minutes") && json_object_get(a0, "population_estimate") &&
              json_object_get(a0, "saturation"));
    }
    json_decref(j);
    j = api(st, t3 + 72 * 3600000000LL, 200, "/api/v1/infocon");
    const char *lvl = json_string_value(json_object_get(j, "level"));
    CHECK(lvl && (!strcmp(lvl, "yellow") || !strcmp(lvl, "orange")));
    json_decref(j);
    j = api(st, t3 + 200 * 3600000000LL, 200, "/api/v1/infocon");
    CHECK_STR(json_string_value(json_object_get(j, "level")), "green");
    json_decref(j);

    /* reopen: everything is still there */
    ww_store_close(st);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_key_check(st, secret, &id2, name), WW_OK);
    CHECK_INT(ww_store_submit(st, id, "batch-1", b, 5, &dup), WW_OK);
    CHECK_INT(dup, 1);

    /* 90 days x 1000 ports pre-filled, then a 90-day history query */
    int64_t d0 = day + 100;
    for (int d = 0; d < 90; d++) {
        char bid[32];
        for (int i = 0; i < 1000; i++)
            big[i] = ev((d0 + d) * 86400000000LL + i, 0x0d000000u + (uint32_t)i, 0xc0a80001, 1000 + i, WW_PROTO_TCP);
        snprintf(bid, sizeof bid, "h-%d", d);
        CHECK_INT(ww_store_submit(st, id, bid, big, 1000, &dup), WW_OK);
    }
    CHECK_INT(ww_store_alerts(st, 1, &r), WW_OK); /* waits for the writer: time the query alone */
    ww_store_rows_free(&r);
    double t = secs();
    j = api(st, 0, 200, "/api/v1/porthistory/1500?from=%s&to=%s", D(d0), D(d0 + 89));
    printf("90-day port history over 90x1000 day rows: %.3f ms\n", (secs() - t) * 1e3);
    CHECK_INT(json_array_size(json_object_get(j, "days")), 90);
    CHECK_INT(jint(json_array_get(json_object_get(j, "days"), 0), "records"), 1);
    json_decref(j);
    ww_free(big);
    ww_store_close(st);
}

/* ---- the views the dashboard needs ---- */

static void run_views(void)
{
    char path[512];
    struct ww_store *st;
    int64_t id, dup;
    int d;
    st = open_keyed(path, sizeof path, "views.db", "s1", &id);
    /* 10.0.0.1 scans 30 hosts on 139 over two hours of 2006-08-04, and
     * 20 ports of one host the next day; 10.0.0.2 hits 139 once */
    int64_t day = ww_days_from_civil(2006, 8, 4), t0 = day * 86400000000LL;
    struct ww_event e[60];
    size_t n = 0;
    for (int i = 0; i < 30; i++)
        e[n++] = ev(t0 + (i < 20 ? 0 : 3600000000LL) + i, 0x0a000001, 0xc0a80000u + (uint32_t)i, 139, WW_PROTO_TCP);
    for (int i = 0; i < 20; i++)
        e[n++] = ev(t0 + 86400000000LL + i, 0x0a000001, 0xc0a80001, 1000 + i, WW_PROTO_TCP);
    e[n++] = ev(t0 + 5, 0x0a000002, 0xc0a80001, 139, WW_PROTO_TCP);
    CHECK_INT(ww_store_submit(st, id, "v-1", e, n, &d), WW_OK);
    (void)dup;

    json_t *j = api(st, 0, 200, "/api/v1/porthistory/139?from=%s&to=%s&by=hour", D(day), D(day + 1));
    json_t *hours = json_object_get(j, "hours");
    CHECK_INT(json_array_size(hours), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(hours, 0), "time")), "2006-08-04T00:00:00Z");
    CHECK_INT(jint(json_array_get(hours, 0), "records"), 21);
    CHECK_INT(jint(json_array_get(hours, 0), "sources"), 2);
    CHECK_INT(jint(json_array_get(hours, 1), "records"), 10);
    CHECK_STR(json_string_value(json_object_get(j, "by")), "hour");
    json_decref(j);

    int64_t then = (day + 2) * 86400000000LL; /* "now" for the sources queries */
    j = api(st, then, 200, "/api/v1/sources?limit=10&port=139");
    json_t *src = json_object_get(j, "sources");
    CHECK_INT(json_array_size(src), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(src, 0), "src")), "10.0.0.1");
    CHECK_INT(jint(json_array_get(src, 0), "records"), 30); /* on 139 */
    CHECK_INT(jint(json_array_get(src, 0), "ports"), 21);   /* in all */
    json_decref(j);
    j = api(st, then, 200, "/api/v1/sources?limit=10&port=22");
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 0);
    json_decref(j);

    struct ww_addr a;
    ww_addr_parse("10.0.0.1", 8, &a);
    struct ww_store_ip ip;
    CHECK_INT(ww_store_ip(st, &a, &ip), WW_OK);
    CHECK_STR(ip.src.src, "10.0.0.1");
    CHECK_INT(ip.nports, 21);
    CHECK_INT(ip.ndays, 2);
    CHECK(ip.ndays == 2 && ip.days[0].day == day && ip.days[1].records == 20);
    j = api(st, 0, 200, "/api/v1/ip/10.0.0.1");
    CHECK_INT(jint(j, "records"), 50);
    json_t *kinds = json_object_get(j, "kinds");
    CHECK_INT(json_array_size(kinds), 2);
    CHECK_STR(json_string_value(json_array_get(kinds, 0)), "horizontal");
    CHECK_STR(json_string_value(json_array_get(kinds, 1)), "vertical");
    json_t *bp = json_object_get(j, "by_port");
    CHECK_INT(json_array_size(bp), 21);
    CHECK_INT(jint(json_array_get(bp, 0), "port"), 139);
    CHECK_INT(jint(json_array_get(bp, 0), "records"), 30);
    json_t *days = json_object_get(j, "days");
    CHECK_INT(json_array_size(days), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(days, 0), "date")), "2006-08-04");
    CHECK_INT(jint(json_array_get(days, 0), "records"), 30);
    CHECK_INT(jint(json_array_get(days, 1), "records"), 20);
    json_decref(j);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    j = api(st, (int64_t)now.tv_sec * 1000000, 200, "/api/v1/sensors");
    json_t *s0 = json_array_get(json_object_get(j, "sensors"), 0);
    CHECK_STR(json_string_value(json_object_get(s0, "name")), "s1");
    CHECK_INT(jint(s0, "events_hour"), 51);
    CHECK_INT(jint(s0, "events_day"), 51);
    CHECK_INT(jint(s0, "batches"), 1);
    CHECK(json_real_value(json_object_get(j, "events_per_second")) > 0.8);
    json_decref(j);

    /* an event dated far ahead (in a store from before the collector refused
     * them) hides nothing: sources ranks days up to now's only */
    struct ww_event fut = ev((day + 30000) * 86400000000LL, 0x0a000009, 0xc0a80001, 139, WW_PROTO_TCP);
    CHECK_INT(ww_store_submit(st, id, "future", &fut, 1, &d), WW_OK);
    j = api(st, then, 200, "/api/v1/sources?limit=10");
    src = json_object_get(j, "sources");
    CHECK_INT(json_array_size(src), 1); /* day + 1: 10.0.0.1's 20 ports */
    CHECK_STR(json_string_value(json_object_get(json_array_get(src, 0), "src")), "10.0.0.1");
    json_decref(j);
    j = api(st, then, 200, "/api/v1/sources?limit=10&port=139");
    src = json_object_get(j, "sources");
    CHECK_INT(json_array_size(src), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(src, 0), "src")), "10.0.0.1");
    json_decref(j);
    j = api(st, (day + 30000) * 86400000000LL, 200, "/api/v1/sources?limit=10&port=139"); /* once that day comes */
    src = json_object_get(j, "sources");
    CHECK_INT(json_array_size(src), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(src, 0), "src")), "10.0.0.9");
    json_decref(j);
    ww_store_close(st);
}

/* ---- recovery: a crash (a child that _exits without closing) and a clean
 * restart, each mid-stream, end with the same counts and the same surge
 * alerts as a store that ran straight through ---- */

#define HOURS 80
static size_t hour_batch(int h, struct ww_event *out)
{
    int64_t t0 = ww_days_from_civil(2006, 8, 1) * 86400000000LL + h * 3600000000LL;
    size_t n = 0;
    for (int i = 0; i < 4 + h % 3; i++) /* background: a few new sources an hour */
        out[n++] = ev(t0 + i * 1000000, 0x0e000000u + (uint32_t)(h * 16 + i), 0xc0a80001, 139, WW_PROTO_TCP);
    for (int i = 0; i < 5; i++) /* regulars on 80 */
        out[n++] = ev(t0 + i * 7000000, 0x0f000000u + (uint32_t)i, 0xc0a80002, 80, WW_PROTO_TCP);
    if (h >= HOURS - 3) /* the worm */
        for (int i = 0; i < 60 * (h - HOURS + 4); i++)
            out[n++] = ev(t0 + 600000000 + i * 100000, 0x10000000u + (uint32_t)(h * 1000 + i),
                          0xc0a80100u + (uint32_t)i % 200, 139, WW_PROTO_TCP); /* many targets */
    return n;
}

static void feed(struct ww_store *st, int64_t id, int from, int to)
{
    struct ww_event *e = ww_malloc(400 * sizeof *e);
    for (int h = from; h < to; h++) {
        char bid[32];
        int dup;
        snprintf(bid, sizeof bid, "r-%d", h);
        CHECK_INT(ww_store_submit(st, id, bid, e, hour_batch(h, e), &dup), WW_OK);
        CHECK_INT(dup, 0);
    }
    ww_free(e);
}

/* The alerts (but when each surge last surged) and 139's history, as text. */
static char *outcome(struct ww_store *st)
{
    struct ww_store_rows a, h;
    CHECK_INT(ww_store_alerts(st, 10, &a), WW_OK);
    CHECK_INT(ww_store_porthistory(st, 139, 0, 20000, 0, &h), WW_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t i = 0; i < a.n; i++) /* explanation has the numbers too */
        fprintf(f, "alert %d/%d %lld %lld %s\n", a.alert[i].port, a.alert[i].proto,
                (long long)a.alert[i].start_us, (long long)a.alert[i].alert_us,
                a.alert[i].explanation);
    for (size_t i = 0; i < h.n; i++)
        fprintf(f, "day %lld %lld %lld %lld %lld\n", (long long)h.agg[i].t,
                (long long)h.agg[i].records, (long long)h.agg[i].sources,
                (long long)h.agg[i].targets, (long long)h.agg[i].sensors);
    fclose(f);
    ww_store_rows_free(&a);
    ww_store_rows_free(&h);
    return text;
}

static void store_path(char *path, size_t n, const char *tag)
{
    char name[64];
    snprintf(name, sizeof name, "recovery_%s.db", tag);
    tpath(path, n, name);
}

static void store_rm(const char *path)
{
    const char *ext[] = {"", "-wal", "-shm", "-lock"};
    char p[600];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        unlink(p);
    }
}

static int64_t fresh(const char *path, struct ww_store **st)
{
    char err[256], secret[65], name[65];
    int64_t id = 0;
    store_rm(path);
    CHECK_INT(ww_store_open(path, st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_key_add(*st, "r", secret), WW_OK);
    CHECK_INT(ww_store_key_check(*st, secret, &id, name), WW_OK);
    return id;
}

static void run_recovery(void)
{
    char pa[512], pb[512], pc[512], err[256];
    struct ww_store *st;
    store_path(pa, sizeof pa, "a");
    store_path(pb, sizeof pb, "b");
    store_path(pc, sizeof pc, "c");

    int64_t id = fresh(pa, &st);
    feed(st, id, 0, HOURS);
    char *want = outcome(st);
    ww_store_close(st);
    CHECK(strstr(want, "alert 139/6 ") != NULL); /* the worm was called */

    /* crash mid-stream: the child's batches are committed, its aggregates
     * and surge state only partly flushed or not at all */
    id = fresh(pb, &st);
    ww_store_close(st);
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_INT(ww_store_open(pb, &st, err, sizeof err), WW_OK);
        feed(st, id, 0, HOURS - 10);
        _exit(test_failures != 0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(ww_store_open(pb, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    feed(st, id, HOURS - 10, HOURS);
    char *got = outcome(st);
    CHECK_STR(got, want);
    free(got);
    /* a second writer on the same store is refused while this one runs */
    struct ww_store *other;
    CHECK_INT(ww_store_open(pb, &other, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(other, NULL, err, sizeof err), WW_ERR_LIMIT);
    ww_store_close(other);
    ww_store_close(st);

    /* clean restart mid-stream: state saved at close, loaded at start */
    id = fresh(pc, &st);
    feed(st, id, 0, HOURS - 2);
    ww_store_close(st);
    CHECK_INT(ww_store_open(pc, &st, err, sizeof err), WW_OK);
    feed(st, id, HOURS - 2, HOURS);
    got = outcome(st);
    CHECK_STR(got, want);
    free(got);
    ww_store_close(st);
    free(want);
    store_rm(pa);
    store_rm(pb);
    store_rm(pc);
}

/* ---- notices (serve --notify): one per alert, written with it, none
 * again when a crash or a restart makes the writer store the alerts anew;
 * targets' cursors ---- */

struct seen { int n; int64_t last; char kind[32], body[1024]; };

static int on_notice(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body)
{
    struct seen *s = ctx;
    CHECK(id > s->last);
    CHECK(created_us > 0);
    s->last = id;
    s->n++;
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    snprintf(s->body, sizeof s->body, "%s", body);
    return 0;
}

static int stop_at_one(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body)
{
    (void)kind, (void)created_us, (void)body;
    *(int64_t *)ctx = id;
    return 1;
}

static void run_notices(void)
{
    char path[512], err[256];
    struct ww_store *st;
    struct ww_store_rows a;
    store_path(path, sizeof path, "notices");
    int64_t id = fresh(path, &st);
    ww_store_close(st);
    /* a crash after the alert was raised, its flush maybe done, maybe not */
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
        feed(st, id, 0, HOURS - 1);
        _exit(test_failures != 0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    feed(st, id, HOURS - 1, HOURS);
    CHECK_INT(ww_store_alerts(st, 10, &a), WW_OK); /* waits for the writer's flush */
    struct seen s = {0};
    CHECK_INT(ww_store_notices(st, 0, 100, on_notice, &s), WW_OK);
    CHECK(a.n >= 1);
    CHECK_INT(s.n, a.n);           /* one per alert: not lost, not doubled */
    CHECK_STR(s.kind, "surge");
    CHECK(strstr(s.body, "\"port\":139,\"proto\":\"tcp\",\"start\":\"2006-08-0") != NULL);
    CHECK(strstr(s.body, "\"explanation\":\"port 139/tcp: ") != NULL);
    ww_store_rows_free(&a);
    ww_store_close(st);
    /* a clean restart rewrites every alert (their ends): no notice more */
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_alerts(st, 10, &a), WW_OK);
    ww_store_rows_free(&a);
    int64_t count, last;
    CHECK_INT(ww_store_notices_pending(st, 0, &count, &last), WW_OK);
    CHECK_INT(count, s.n);
    CHECK_INT(last, s.last);
    CHECK_INT(ww_store_notices_pending(st, last, &count, &last), WW_OK);
    CHECK_INT(count, 0);
    /* paging: after an id, and a walk the callback stops */
    int64_t first = 0;
    CHECK_INT(ww_store_notices(st, 0, 100, stop_at_one, &first), WW_OK);
    CHECK(first >= 1 && first <= s.last);
    struct seen rest = {0};
    CHECK_INT(ww_store_notices(st, first, 100, on_notice, &rest), WW_OK);
    CHECK_INT(rest.n, s.n - 1);
    /* cursors: none until set, then kept across a reopen */
    int64_t cur = -1;
    CHECK_INT(ww_store_notify_cursor(st, "http://hooks.example/x", &cur), WW_ERR_ARG);
    CHECK_INT(ww_store_notify_cursor_set(st, "http://hooks.example/x", first), WW_OK);
    CHECK_INT(ww_store_notify_cursor_set(st, "mailto:ops@example.org", 7), WW_OK);
    ww_store_close(st);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_notify_cursor(st, "http://hooks.example/x", &cur), WW_OK);
    CHECK_INT(cur, first);
    CHECK_INT(ww_store_notify_cursor(st, "mailto:ops@example.org", &cur), WW_OK);
    CHECK_INT(cur, 7);
    ww_store_close(st);
    store_rm(path);
}

/* ---- ICMP has no port: the collector counts it under port 0, as analyze
 * does (ww_event_port), whatever its code (which the event's dport holds) */

static void run_icmp(void)
{
    char path[512];
    struct ww_store *st;
    int64_t id = 0;
    int dup;
    st = open_keyed(path, sizeof path, "icmp.db", "i", &id);
    int64_t day = ww_days_from_civil(2006, 8, 4), t0 = day * 86400000000LL;
    struct ww_event e[4] = {
        ev(t0, 0x0a000001, 0xc0a80001, 0, WW_PROTO_ICMP),     /* echo request, code 0 */
        ev(t0 + 1, 0x0a000001, 0xc0a80002, 2, WW_PROTO_ICMP), /* code 2 */
        ev(t0 + 2, 0x0a000002, 0xc0a80002, 3, WW_PROTO_ICMP), /* code 3 */
        ev(t0 + 3, 0x0a000002, 0xc0a80002, 3, WW_PROTO_TCP),  /* a real port 3 */
    };
    for (int i = 0; i < 3; i++) e[i].sport = 8, e[i].tcpflags = 0;
    CHECK_INT(ww_store_submit(st, id, "icmp-1", e, 4, &dup), WW_OK);
    json_t *j = api(st, 0, 200, "/api/v1/port/0?date=%s", D(day));
    json_t *row = json_array_get(json_object_get(j, "data"), 0);
    CHECK_INT(json_array_size(json_object_get(j, "data")), 1);
    CHECK_STR(json_string_value(json_object_get(row, "proto")), "icmp");
    CHECK_INT(jint(row, "records"), 3);
    CHECK_INT(jint(row, "sources"), 2);
    CHECK_INT(jint(row, "targets"), 2);
    json_decref(j);
    for (int p = 2; p <= 3; p++) { /* codes are not ports: only tcp on 3 */
        j = api(st, 0, 200, "/api/v1/port/%d?date=%s", p, D(day));
        json_t *data = json_object_get(j, "data");
        for (size_t i = 0; i < json_array_size(data); i++)
            CHECK_STR(json_string_value(json_object_get(json_array_get(data, i), "proto")), "tcp");
        CHECK_INT(json_array_size(data), p == 3);
        json_decref(j);
    }
    j = api(st, 0, 200, "/api/v1/topports/records?limit=10&date=%s", D(day));
    json_t *ports = json_object_get(j, "ports");
    CHECK_INT(json_array_size(ports), 2);
    CHECK_INT(jint(json_array_get(ports, 0), "port"), 0);
    CHECK_STR(json_string_value(json_object_get(json_array_get(ports, 0), "proto")), "icmp");
    json_decref(j);
    struct ww_addr a;
    CHECK_INT(ww_addr_parse("10.0.0.2", 8, &a), 0);
    j = api(st, 0, 200, "/api/v1/ip/10.0.0.2"); /* icmp and 3/tcp: two "ports" */
    CHECK_INT(jint(j, "ports"), 2);
    json_t *bp = json_object_get(j, "by_port");
    CHECK_INT(json_array_size(bp), 2);
    for (size_t i = 0; i < json_array_size(bp); i++) {
        json_t *x = json_array_get(bp, i);
        const char *pr = json_string_value(json_object_get(x, "proto"));
        CHECK(pr && (!strcmp(pr, "icmp") ? jint(x, "port") == 0 : jint(x, "port") == 3));
    }
    json_decref(j);
    ww_store_close(st);
}

/* ---- an IPv4 host written as ::ffff:a.b.c.d is the same host: one row on
 * disk, whichever form each batch used and across restarts; the API answers
 * alike for both forms ---- */

static void run_mapped(void)
{
    char path[512], err[256];
    struct ww_store *st;
    int64_t id = 0;
    int dup;
    st = open_keyed(path, sizeof path, "mapped.db", "m", &id);
    int64_t day = ww_days_from_civil(2006, 8, 4), t0 = day * 86400000000LL;
    const char *form[2] = {"::ffff:203.0.113.50", "203.0.113.50"};
    for (int k = 0; k < 2; k++) { /* one batch in each form, a restart between */
        struct ww_event e[3];
        for (int i = 0; i < 3; i++) {
            e[i] = ev(t0 + k * 1000 + i, 0, 0xc0a80001 + (uint32_t)i, 445, WW_PROTO_TCP);
            CHECK_INT(ww_addr_parse(form[k], strlen(form[k]), &e[i].src), 0);
        }
        char bid[16];
        snprintf(bid, sizeof bid, "m-%d", k);
        CHECK_INT(ww_store_submit(st, id, bid, e, 2 + (size_t)k, &dup), WW_OK); /* 2, then 3 */
        ww_store_close(st);
        CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    }
    sqlite3_stmt *s;
    CHECK_INT(sqlite3_prepare_v2(sq(st)->rdb, "SELECT count(*), max(src) FROM srcs", -1, &s, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(s), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(s, 0), 1);
    CHECK_STR((const char *)sqlite3_column_text(s, 1), "203.0.113.50");
    sqlite3_finalize(s);
    json_t *j[2];
    for (int k = 0; k < 2; k++) {
        char url[64];
        unsigned status;
        snprintf(url, sizeof url, "/api/v1/ip/%s", form[k]);
        j[k] = ww_api_get(st, url, t0, &status);
        CHECK_INT(status, 200);
        CHECK_STR(json_string_value(json_object_get(j[k], "src")), "203.0.113.50");
        CHECK_INT(jint(j[k], "records"), 5);
        CHECK_INT(jint(j[k], "targets"), 3);
    }
    CHECK(json_equal(j[0], j[1]));
    json_decref(j[0]);
    json_decref(j[1]);
    struct ww_store_rows r;
    CHECK_INT(ww_store_sources(st, 10, -1, t0 + 86400000000LL, &r), WW_OK);
    CHECK_INT(r.n, 1);
    CHECK(r.n == 1 && r.src[0].records == 5 && !strcmp(r.src[0].src, "203.0.113.50"));
    ww_store_rows_free(&r);
    ww_store_close(st);
}

/* ---- sources grouped per prefix (issue 18) ---- */

/* n events of tcp/22 from src at t0 + i, batch bid */
static void submit_from(struct ww_store *st, int64_t id, const char *bid, int64_t t0,
                        const char *const *src, size_t n)
{
    struct ww_event e[8];
    int dup;
    for (size_t i = 0; i < n; i++) {
        e[i] = ev(t0 + (int64_t)i, 0, 0xc0a80001 + (uint32_t)i, 22, WW_PROTO_TCP);
        CHECK_INT(ww_addr_parse(src[i], strlen(src[i]), &e[i].src), 0);
    }
    CHECK_INT(ww_store_submit(st, id, bid, e, n, &dup), WW_OK);
}

static void run_groups(void)
{
    char path[512], err[256];
    struct ww_store *st;
    int64_t id = 0;
    st = open_keyed(path, sizeof path, "groups.db", "g", &id);
    int64_t t0 = ww_days_from_civil(2026, 1, 15) * 86400000000LL;
    /* a store from before grouping: each address its own row, no addresses kept */
    struct ww_store_opts o = {.v6_prefix = 128};
    CHECK_INT(ww_store_start(st, &o, err, sizeof err), WW_OK);
    const char *lone[] = {"2001:db8:77:1::5", "2001:db8:77:1::5"};
    submit_from(st, id, "old", t0, lone, 2);
    ww_store_close(st);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE srcs SET naddr = NULL, addrs = NULL, rep = NULL", NULL, NULL,
                           NULL), SQLITE_OK);
    sqlite3_close(db);

    /* the defaults (/64): the old row is read as a group of one */
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    struct ww_addr a;
    struct ww_store_ip ip;
    CHECK_INT(ww_addr_parse("2001:db8:77:1::5", 16, &a), 0);
    CHECK_INT(ww_store_ip(st, &a, &ip), WW_OK);
    CHECK_STR(ip.src.src, "2001:db8:77:1::5");
    CHECK_STR(ip.src.prefix, "");
    CHECK_INT(ip.src.addresses, 1);
    CHECK_INT(ip.src.records, 2);

    /* new events: the group's row, its smallest address whatever the order */
    const char *rot[] = {"2001:db8:77:1::9", "2001:db8:77:1::7", "2001:db8:77:1::6", "2001:db8:77:1::9"};
    submit_from(st, id, "new1", t0 + 100, rot, 4);
    const char *one[] = {"2001:db8:88:1::3", "2001:db8:88:1::3"};
    submit_from(st, id, "new2", t0 + 200, one, 2);
    CHECK_INT(ww_store_ip(st, &a, &ip), WW_OK); /* ::5's group now has a row */
    CHECK_STR(ip.src.src, "2001:db8:77:1::/64");
    CHECK_STR(ip.src.prefix, "2001:db8:77:1::/64");
    CHECK_INT(ip.src.addresses, 3);
    CHECK_INT(ip.src.records, 4);
    CHECK_INT(ip.src.ports, 1);
    struct ww_cidr c;
    CHECK_INT(ww_cidr_parse("2001:db8:77:1::/64", 18, &c), 0);
    CHECK_INT(ww_store_ip_prefix(st, &c, &ip), WW_OK);
    CHECK_INT(ip.src.addresses, 3);
    CHECK_INT(ww_cidr_parse("2001:db8:77::/48", 16, &c), 0);
    CHECK_INT(ww_store_ip_prefix(st, &c, &ip), WW_ERR_ARG);
    CHECK_INT(ww_addr_parse("2001:db8:88:1::77", 17, &a), 0);
    CHECK_INT(ww_store_ip(st, &a, &ip), WW_OK);
    CHECK_STR(ip.src.src, "2001:db8:88:1::3"); /* one address: named by it */
    CHECK_STR(ip.src.prefix, "2001:db8:88:1::/64");
    CHECK_INT(ip.src.addresses, 1);
    struct ww_store_rows r;
    CHECK_INT(ww_store_sources(st, 10, -1, t0 + 86400000000LL, &r), WW_OK);
    CHECK_INT(r.n, 2);
    CHECK(r.n == 2 && !strcmp(r.src[0].src, "2001:db8:77:1::/64") && r.src[0].addresses == 3);
    CHECK(r.n == 2 && !strcmp(r.src[1].src, "2001:db8:88:1::3") && r.src[1].addresses == 1);
    ww_store_rows_free(&r);
    ww_store_close(st);
    /* the smallest address stored, the same after a restart */
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT rep, naddr FROM srcs WHERE src = '2001:db8:77:1::/64'", -1,
                                 &s, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(s), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "2001:db8:77:1::6");
    CHECK_INT(sqlite3_column_int(s, 1), 3);
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* ---- faults: SQLite's own I/O paths made to fail on demand. A VFS over
 * the default one fails writes (SQLITE_FULL, as a full disk does) of the
 * WAL (commits, flushes) or of the main database file (in WAL mode only
 * checkpoints write it); a progress handler on the writer's connection
 * interrupts its aggregate reads (an apply after the 200). Nothing
 * acknowledged may be lost, a query must not answer stale figures, and the
 * store must resume by itself ---- */

enum { F_DB = 1, F_WAL = 2 };
static volatile int fail_write, fail_loads;
static sqlite3_vfs *real_vfs, faulty;
struct ffile { sqlite3_file base; int kind; };
#define REAL(f) ((sqlite3_file *)((struct ffile *)(f) + 1))
#define KIND(f) (((struct ffile *)(f))->kind)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{ return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int f_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{ return fail_write & KIND(f) ? SQLITE_FULL : REAL(f)->pMethods->xWrite(REAL(f), b, n, o); }
static int f_truncate(sqlite3_file *f, sqlite3_int64 n)
{ return fail_write & KIND(f) ? SQLITE_IOERR_TRUNCATE : REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int f_sync(sqlite3_file *f, int fl) { return REAL(f)->pMethods->xSync(REAL(f), fl); }
static int f_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int f_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int f_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int f_reserved(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int f_fcntl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_devchar(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int f_shmmap(sqlite3_file *f, int i, int sz, int ext, void volatile **p)
{ return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, ext, p); }
static int f_shmlock(sqlite3_file *f, int off, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), off, n, fl); }
static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shmunmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int f_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p) { return REAL(f)->pMethods->xFetch(REAL(f), o, n, p); }
static int f_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }
static const sqlite3_io_methods f_methods = {
    3, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock, f_reserved,
    f_fcntl, f_sector, f_devchar, f_shmmap, f_shmlock, f_shmbarrier, f_shmunmap, f_fetch, f_unfetch};

static int f_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    f->pMethods = NULL;
    int rc = real_vfs->xOpen(real_vfs, name, REAL(f), flags, out);
    if (REAL(f)->pMethods) {
        KIND(f) = flags & SQLITE_OPEN_MAIN_DB ? F_DB : flags & SQLITE_OPEN_WAL ? F_WAL : 0;
        f->pMethods = &f_methods;
    }
    return rc;
}

/* Progress handler: interrupts the writer's reads of aggregate rows. */
static int loads_fail(void *db)
{
    if (!fail_loads) return 0;
    for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s; s = sqlite3_next_stmt(db, s))
        if (sqlite3_stmt_busy(s) && !strncmp(sqlite3_sql(s), "SELECT records", 14)) return 1;
    return 0;
}

/* n events on port from sources base.. (one each), dated day */
static struct ww_event *fbatch(int64_t day, uint32_t base, int port, int n)
{
    struct ww_event *e = ww_malloc((size_t)n * sizeof *e);
    for (int i = 0; i < n; i++)
        e[i] = ev(day * 86400000000LL + i, base + (uint32_t)i, 0xc0a80001, port, WW_PROTO_TCP);
    return e;
}

static long long frecords(struct ww_store *st, int port, int64_t day) /* -1: no answer */
{
    struct ww_store_rows r;
    int rc = ww_store_port(st, port, day, &r);
    long long n = rc == WW_ERR_IO ? -1 : r.n ? r.agg[0].records : 0;
    CHECK(rc == WW_OK || rc == WW_ERR_IO);
    ww_store_rows_free(&r);
    return n;
}

/* Waits (5 s at most) for the store to answer port's records; -1 if not. */
static long long fresumed(struct ww_store *st, int port, int64_t day)
{
    for (int i = 0; i < 100; i++) {
        long long n = frecords(st, port, day);
        if (n >= 0) return n;
        usleep(50000);
    }
    return -1;
}

static int fsubmit(struct ww_store *st, int64_t id, const char *bid, const struct ww_event *e, int n)
{
    int dup, rc;
    for (int i = 0; i < 100; i++) { /* refused for a moment after a failed write */
        if ((rc = ww_store_submit(st, id, bid, e, (size_t)n, &dup)) == WW_OK) return dup;
        usleep(50000);
    }
    return -1;
}

static long long wal_size(const char *path)
{
    char wal[600];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &sb) ? 0 : (long long)sb.st_size;
}

static void run_faults(void)
{
    char path[512], err[256], why[160];
    struct ww_store *st;
    int64_t id = 0;
    int dup;
    real_vfs = sqlite3_vfs_find(NULL);
    faulty = *real_vfs;
    faulty.zName = "ww-faulty";
    faulty.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile;
    faulty.xOpen = f_open;
    CHECK_INT(sqlite3_vfs_register(&faulty, 1), SQLITE_OK);
    st = open_keyed(path, sizeof path, "faults.db", "f", &id);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    int64_t day = ww_days_from_civil(2006, 8, 4);
    struct ww_event *a = fbatch(day, 0x0c000000, 7001, 100), *b = fbatch(day, 0x0c001000, 7002, 100),
                    *c = fbatch(day, 0x0c002000, 7002, 50), *d = fbatch(day, 0x0c003000, 7003, 300),
                    *e1 = fbatch(day, 0x0c004000, 7004, 80), *e2 = fbatch(day, 0x0c005000, 7004, 120);

    /* the log append fails: nothing stored, the store says why, the batch
     * is new when sent again */
    fail_write = F_WAL;
    CHECK_INT(ww_store_submit(st, id, "a", a, 100, &dup), WW_ERR_IO);
    CHECK_INT(ww_store_status(st, why, sizeof why), WW_ERR_IO);
    CHECK_STR(why, "database or disk is full");
    fail_write = 0;
    CHECK_INT(fsubmit(st, id, "a", a, 100), 0);
    CHECK_INT(frecords(st, 7001, day), 100);

    /* acknowledged, then the flush fails: no stale answer, no new batch;
     * then it resumes by itself, with everything */
    CHECK_INT(ww_store_submit(st, id, "b", b, 100, &dup), WW_OK);
    fail_write = F_WAL;
    CHECK_INT(frecords(st, 7002, day), -1);
    CHECK_INT(ww_store_status(st, why, sizeof why), WW_ERR_IO);
    json_t *j = api(st, 0, 503, "/api/v1/port/7002?date=%s", D(day));
    CHECK_STR(json_string_value(json_object_get(j, "error")), "the store cannot write (database or"
              " disk is full): its figures may miss acknowledged batches; retry later");
    json_decref(j);
    CHECK_INT(ww_store_submit(st, id, "c", c, 50, &dup), WW_ERR_IO);
    usleep(1200000); /* failed flushes retried meanwhile */
    fail_write = 0;
    CHECK_INT(fresumed(st, 7002, day), 100);
    CHECK_INT(fsubmit(st, id, "c", c, 50), 0);
    CHECK_INT(frecords(st, 7002, day), 150);
    CHECK_INT(ww_store_status(st, why, sizeof why), WW_OK);

    /* a checkpoint that fails midway (writes of the main file fail, after a
     * failed write asked for one): the store writes on, the WAL stays whole,
     * and is truncated once the checkpoint can run */
    fail_write = F_DB | F_WAL;
    CHECK_INT(ww_store_submit(st, id, "d", d, 300, &dup), WW_ERR_IO);
    fail_write = F_DB;
    CHECK_INT(fsubmit(st, id, "d", d, 300), 0);
    CHECK_INT(fresumed(st, 7003, day), 300);
    CHECK(wal_size(path) > 0);
    fail_write = 0;
    for (int i = 0; i < 160 && wal_size(path) > 0; i++) usleep(50000);
    CHECK_INT(wal_size(path), 0);
    CHECK_INT(frecords(st, 7003, day), 300);

    /* reading an aggregate row fails while a batch is applied (after its
     * 200), with the entries of an earlier batch still dirty: the cache is
     * rebuilt from the log, each batch counted once */
    CHECK_INT(ww_store_submit(st, id, "e1", e1, 80, &dup), WW_OK);
    pthread_mutex_lock(&sq(st)->wlock);
    sqlite3_progress_handler(sq(st)->db, 1, loads_fail, sq(st)->db);
    pthread_mutex_unlock(&sq(st)->wlock);
    fail_loads = 1;
    CHECK_INT(ww_store_submit(st, id, "e2", e2, 120, &dup), WW_OK);
    CHECK_INT(frecords(st, 7004, day), -1);
    CHECK_INT(ww_store_status(st, why, sizeof why), WW_ERR_IO);
    fail_loads = 0;
    CHECK_INT(fresumed(st, 7004, day), 200);
    pthread_mutex_lock(&sq(st)->wlock);
    sqlite3_progress_handler(sq(st)->db, 0, NULL, NULL);
    pthread_mutex_unlock(&sq(st)->wlock);
    struct ww_addr x;
    CHECK_INT(ww_addr_parse("12.0.80.5", 9, &x), 0); /* one of e2's */
    struct ww_store_ip ip;
    CHECK_INT(ww_store_ip(st, &x, &ip), WW_OK);
    CHECK_INT(ip.src.records, 1);

    /* and after a restart: every acknowledged batch exactly once */
    ww_store_close(st);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    CHECK_INT(frecords(st, 7001, day), 100);
    CHECK_INT(frecords(st, 7002, day), 150);
    CHECK_INT(frecords(st, 7003, day), 300);
    CHECK_INT(frecords(st, 7004, day), 200);
    j = api(st, (day + 1) * 86400000000LL, 200, "/api/v1/sources?limit=10000");
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 4 * 32); /* top 32 of 4 ports, once */
    json_decref(j);
    static const char *const one_of_each[] = {"12.0.0.99", "12.0.16.7", "12.0.32.49", "12.0.48.0",
                                              "12.0.64.79", "12.0.80.119"};
    for (int i = 0; i < 6; i++) {
        CHECK_INT(ww_addr_parse(one_of_each[i], strlen(one_of_each[i]), &x), 0);
        CHECK_INT(ww_store_ip(st, &x, &ip), WW_OK);
        CHECK_INT(ip.src.records, 1);
    }
    ww_store_close(st);
    sqlite3_vfs_unregister(&faulty);
    sqlite3_vfs_register(real_vfs, 1);
    ww_free(a), ww_free(b), ww_free(c), ww_free(d), ww_free(e1), ww_free(e2);
}

/* ---- --db: a path or sqlite:PATH is SQLite; an engine not built is
 * refused, saying so ---- */

static void run_schemes(void)
{
    char path[512], spec[600], err[256], secret[65], name[65];
    struct ww_store *st;
    int64_t id;
    tpath(path, sizeof path, "scheme.db");
    snprintf(spec, sizeof spec, "sqlite:%s", path);
    CHECK_INT(ww_store_open(spec, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_key_add(st, "s", secret), WW_OK);
    ww_store_close(st);
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK); /* the same file */
    CHECK_INT(ww_store_key_check(st, secret, &id, name), WW_OK);
    CHECK_STR(name, "s");
    ww_store_close(st);
    st = (struct ww_store *)&st;
    /* the ClickHouse engine by its scheme: a URL of the wrong form is
     * refused before any connection (tests/e2e/clickhouse_*.sh: real ones) */
    CHECK_INT(ww_store_open("clickhouse://nohost/ww", &st, err, sizeof err), WW_ERR_ARG);
    CHECK(st == NULL);
    CHECK_STR(err, "clickhouse://nohost/ww: expected clickhouse://HOST:PORT/DATABASE"
                   "[?cluster=NAME[&shards=HOST:PORT,...]] (a database of letters, digits, _)");
}

/* ---- the writer's lock file ---- */

/* One writer at a time; the lock file is there while it writes and gone
 * after it closes cleanly; a store that never wrote, or was refused, leaves
 * it alone. */
static void run_lock(void)
{
    char path[512], lock[520], err[256];
    struct ww_store *a, *b;
    tpath(path, sizeof path, "lock.db");
    snprintf(lock, sizeof lock, "%s-lock", path);
    CHECK_INT(ww_store_open(path, &a, err, sizeof err), WW_OK);
    CHECK(!exists(lock)); /* opening takes nothing */
    CHECK_INT(ww_store_start(a, NULL, err, sizeof err), WW_OK);
    CHECK(exists(lock));
    CHECK_INT(ww_store_open(path, &b, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(b, NULL, err, sizeof err), WW_ERR_LIMIT);
    CHECK(strstr(err, "another process is already writing") != NULL);
    ww_store_close(b);
    CHECK(exists(lock)); /* the refused one does not remove the holder's */
    CHECK_INT(ww_store_open(path, &b, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(b, NULL, err, sizeof err), WW_ERR_LIMIT); /* still held */
    ww_store_close(b);
    ww_store_close(a);
    CHECK(!exists(lock));
    /* a reader that never starts the writer creates no lock file */
    CHECK_INT(ww_store_open(path, &b, err, sizeof err), WW_OK);
    struct ww_store_rows r;
    CHECK_INT(ww_store_alerts(b, 1, &r), WW_OK);
    ww_store_rows_free(&r);
    ww_store_close(b);
    CHECK(!exists(lock));
    /* after a crash the lock file stays, unlocked: the next writer takes it */
    pid_t pid = fork();
    if (pid == 0) {
        int ok = ww_store_open(path, &a, err, sizeof err) == WW_OK &&
                 ww_store_start(a, NULL, err, sizeof err) == WW_OK;
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(exists(lock));
    CHECK_INT(ww_store_open(path, &a, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(a, NULL, err, sizeof err), WW_OK);
    ww_store_close(a);
    CHECK(!exists(lock));
}

/* Processes taking and releasing the lock as fast as they can: a release
 * unlinking the lock file while another process is between its open() and
 * flock() must never let two of them hold it at once. Each holder creates
 * an O_EXCL marker while it holds the lock; finding it there is an overlap. */
#define RACERS 4
#define ROUNDS 20000
static void run_lock_race(void)
{
    char lock[520], mark[520];
    tpath(lock, sizeof lock, "race.db-lock");
    tpath(mark, sizeof mark, "race.db-holder");
    pid_t pid[RACERS];
    for (int i = 0; i < RACERS; i++) {
        if ((pid[i] = fork()) != 0) continue;
        int wins = 0, overlaps = 0, fd;
        for (int r = 0; r < ROUNDS; r++) {
            if (store_lock_take(lock, &fd, NULL, 0) != WW_OK) continue;
            int m = open(mark, O_CREAT | O_EXCL | O_WRONLY, 0600);
            if (m < 0) {
                overlaps++;
            } else {
                close(m);
                wins++;
                unlink(mark);
            }
            store_lock_release(lock, fd);
        }
        _exit(overlaps ? 2 : wins ? 0 : 1);
    }
    int held = 0;
    for (int i = 0; i < RACERS; i++) {
        int status;
        waitpid(pid[i], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 2); /* never two holders */
        held += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK(held >= 1);
    CHECK(!exists(lock));
}

/* Space-Saving with its error: a late key inherits the lightest count as
 * err, and ranks by what it is guaranteed; blobs round-trip exactly. */
static void run_tally(void)
{
    struct tally t = {.cap = 2};
    uint8_t a[17], b[17], c[17];
    tally_key_int(a, 1);
    tally_key_int(b, 2);
    tally_key_int(c, 3);
    tally_add(&t, a, 5, 0);
    tally_add(&t, b, 1, 0);
    tally_add(&t, c, 1, 0); /* replaces b: c = 2, err = 1 */
    tally_add(&t, c, 1, 0);
    tally_sort(&t);
    CHECK_INT(t.n, 2);
    CHECK_INT(tally_key_int_value(t.e[0].k), 1);
    CHECK_INT(t.e[0].c - t.e[0].err, 5);
    CHECK_INT(tally_key_int_value(t.e[1].k), 3);
    CHECK_INT(t.e[1].c, 3);
    CHECK_INT(t.e[1].err, 1);
    unsigned char buf[TALLY_ENTRY * 2];
    size_t len = tally_encode(&t, buf);
    CHECK_INT(len, 2 * TALLY_ENTRY);
    struct tally u = {.cap = 2};
    tally_decode(&u, buf, len);
    CHECK_INT(u.n, 2);
    CHECK_INT(u.e[1].c, 3);
    CHECK_INT(u.e[1].err, 1);
    tally_decode(&u, buf, len - 1); /* a torn blob adds nothing */
    CHECK_INT(u.e[0].c, 5);
    /* a timeline keeps the newest keys */
    struct tally d = {.cap = 2, .recent = 1};
    tally_add(&d, b, 1, 0);
    tally_add(&d, c, 1, 0);
    tally_add(&d, a, 9, 0); /* older than all kept: dropped */
    tally_sort(&d);
    CHECK_INT(tally_key_int_value(d.e[0].k) + tally_key_int_value(d.e[1].k), 5);
    tally_free(&t);
    tally_free(&u);
    tally_free(&d);
}

/* ---- issue 14: what a surge is, in words; floods; the log's forms ---- */

static void run_kinds(void)
{
    char t[512];
    int64_t b[WW_STORE_BUCKETS];
    int64_t day = 13362; /* 2006-08-02 */
    struct ww_surge r = {.port = 139, .proto = WW_PROTO_TCP, .start_us = day * WW_DAY_US + 16 * WW_HOUR_US,
                         .sources = 60, .new_sources = 57, .baseline_new = 2, .spread = 1.5, .score = 36.7,
                         .kind = WW_SURGE_SPREADING, .doubling_s = 41 * 60, .population = 12345,
                         .saturation_us = (day + 3) * WW_DAY_US + 3 * WW_HOUR_US, .new_targets = 340,
                         .sensors = 2, .slot_us = 5 * WW_MIN_US, .nslots = 30};
    for (int i = 0; i < 30; i++) r.slots[i] = 1;
    store_alert_explain(&r, t, sizeof t);
    printf("spreading: %s\n", t);
    CHECK(strstr(t, "port 139/tcp: 57 sources new to the port in the hour from 2006-08-02T16:00:00Z") == t);
    CHECK(strstr(t, "; the new sources reached 340 targets from more than one sensor; spreading: new sources "
                    "doubling every 41 min, about 12345 sources expected by 2006-08-05T03:00:00Z") != NULL);
    CHECK(!strstr(t, "Witty"));
    CHECK_INT(store_alert_buckets(&r, b), 3); /* 12 slots a bucket: 12, 12, 6 */
    CHECK_INT(b[0], 12);
    CHECK_INT(b[1], 12);
    CHECK_INT(b[2], 6);
    r.doubling_s = 3 * 3600;
    r.population = r.saturation_us = 0;
    store_alert_explain(&r, t, sizeof t);
    CHECK(strstr(t, "; spreading: new sources doubling every 3.0 h") && !strstr(t, "expected"));
    /* a campaign: 480 of 590 new sources within two 5-minute slots */
    r.kind = WW_SURGE_CAMPAIGN;
    r.nslots = 24;
    for (int i = 0; i < 24; i++) r.slots[i] = i == 3 ? 200 : i == 4 ? 280 : 5;
    store_alert_explain(&r, t, sizeof t);
    printf("campaign: %s\n", t);
    CHECK(strstr(t, "; campaign: 590 new sources since the start, not growing") != NULL);
    CHECK_INT(store_alert_buckets(&r, b), 2);
    CHECK_INT(b[0], 200 + 280 + 10 * 5);
    r.nslots = 0; /* no growth slots yet */
    CHECK_INT(store_alert_buckets(&r, b), 0);
    /* a UDP source-port surge */
    r.port = 4000;
    r.proto = WW_PROTO_UDP;
    r.side = WW_SURGE_SPORT;
    store_alert_explain(&r, t, sizeof t);
    printf("sport: %s\n", t);
    CHECK(strstr(t, "; the new sources reached 340 destination ports from more than one sensor; campaign: ") != NULL);
    CHECK(strstr(t, "; from UDP source port 4000 to many destination ports (Witty-like)") != NULL);
    /* never past the buffer */
    CHECK(store_alert_explain(&r, t, 40) == 39 && strlen(t) == 39);
}

/* Form 2 keeps the source port and the TCP flags, form 3 (LOG_FMT) a
 * SYN's fingerprint too; form-1 and form-2 rows (older stores') still read,
 * without them; no other form does. */
static void run_log_forms(void)
{
    struct ww_event e = ev(1154534400000000LL, 0x0a000001, 0xc0a80001, 445, WW_PROTO_TCP), d;
    e.sport = 4000;
    e.tcpflags = WW_TH_SYN | WW_TH_ACK;
    e.count = 7;
    unsigned char b[2 * LOG_EVENT_MAX];
    size_t len = log_encode_event(&e, b), off = 0;
    CHECK_INT(len, 18 + 5 + 5 + 1); /* no fingerprint: its flags byte, 0 */
    len += log_encode_event(&e, b + len);
    CHECK_INT(log_decode_event(LOG_FMT, b, len, &off, &d), WW_OK);
    CHECK_INT(d.sport, 4000);
    CHECK_INT(d.tcpflags, WW_TH_SYN | WW_TH_ACK);
    CHECK_INT(d.dport, 445);
    CHECK_INT(d.count, 7);
    CHECK(d.ts_us == e.ts_us && ww_addr_eq(&d.src, &e.src) && ww_addr_eq(&d.dst, &e.dst));
    CHECK_INT(log_decode_event(LOG_FMT, b, len, &off, &d), WW_OK);
    CHECK_INT(off, len);
    CHECK_INT(log_decode_event(LOG_FMT, b, len, &off, &d), WW_ERR_PARSE); /* at the end */
    off = 0;
    CHECK_INT(log_decode_event(4, b, len, &off, &d), WW_ERR_PARSE);
    CHECK_INT(log_decode_event(LOG_FMT, b, 20, &off, &d), WW_ERR_PARSE); /* torn */
    /* form 3 keeps a SYN's fingerprint whole, so a replay matches it again */
    struct ww_event f = e;
    f.fp = (struct ww_synfp){.flags = WW_FP_SET | WW_FP_OPTS, .ttl = 113, .win = 65535,
                             .mss = 1460, .quirks = WW_FPQ_DF | WW_FPQ_ID_PLUS, .nopt = 4,
                             .opt = {2, 1, 1, 4}};
    f.os = 77; /* the match is not kept: the writer matches again */
    unsigned char fb[2 * LOG_EVENT_MAX];
    size_t flen = log_encode_event(&f, fb);
    CHECK_INT(flen, 18 + 5 + 5 + 14 + 4);
    off = 0;
    CHECK_INT(log_decode_event(LOG_FMT, fb, flen, &off, &d), WW_OK);
    CHECK_INT(off, flen);
    CHECK(!memcmp(&d.fp, &f.fp, sizeof f.fp));
    CHECK_INT(d.os, 0);
    for (size_t cut = 28; cut < flen; cut++) { /* a torn fingerprint is no event */
        off = 0;
        CHECK_INT(log_decode_event(LOG_FMT, fb, cut, &off, &d), WW_ERR_PARSE);
    }
    fb[28 + 13] = WW_SYNFP_OPTS + 1; /* more option kinds than a fingerprint holds */
    off = 0;
    CHECK_INT(log_decode_event(LOG_FMT, fb, flen, &off, &d), WW_ERR_PARSE);
    /* form 2 (a store before issue 17): the same without the fingerprint */
    off = 0;
    CHECK_INT(log_decode_event(2, b, 28, &off, &d), WW_OK);
    CHECK_INT(off, 28);
    CHECK_INT(d.sport, 4000);
    CHECK_INT(d.fp.flags, 0);
    /* form 1: ts, count, dport, proto, src, dst */
    unsigned char o[] = {0x00, 0x00, 0xcb, 0xfc, 0x0a, 0x1a, 0x04, 0x00, 3, 0, 0, 0, 0xbd, 0x01, 6,
                         4, 10, 0, 0, 1, 4, 192, 168, 0, 1};
    off = 0;
    CHECK_INT(log_decode_event(1, o, sizeof o, &off, &d), WW_OK);
    CHECK_INT(off, sizeof o);
    CHECK_INT(d.dport, 445);
    CHECK_INT(d.proto, WW_PROTO_TCP);
    CHECK_INT(d.count, 3);
    CHECK_INT(d.sport, 0);
    CHECK_INT(d.tcpflags, 0);
    CHECK(ww_addr_eq(&d.src, &e.src) && ww_addr_eq(&d.dst, &e.dst));
}

/* A store as written before issue 14 (no log.fmt, alerts without kind,
 * no floods) opens, gains them, and replays its form-1 log row. */
static void run_migrate(void)
{
    char path[512], err[256];
    sqlite3 *db;
    tpath(path, sizeof path, "old.db");
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
        "CREATE TABLE meta(k TEXT PRIMARY KEY, v); INSERT INTO meta VALUES('version', 2);"
        "CREATE TABLE keys(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, hash BLOB NOT NULL,"
        " created INTEGER, revoked INTEGER, last_seen INTEGER, wm INTEGER, birth INTEGER);"
        "INSERT INTO keys VALUES(1, 'old', x'00', 0, 0, 0, NULL, NULL);"
        "CREATE TABLE log(id INTEGER PRIMARY KEY AUTOINCREMENT, sensor INTEGER, data BLOB);"
        "INSERT INTO log(sensor, data) VALUES(1, x'0000cbfc0a1a040003000000bd0106040a000001'"
        " || x'04c0a80001');"
        "CREATE TABLE alerts(id INTEGER PRIMARY KEY, port INTEGER, proto INTEGER, start INTEGER,"
        " alert INTEGER, end INTEGER, sources INTEGER, new_sources INTEGER, baseline_new REAL,"
        " score REAL, explanation TEXT, UNIQUE(port, proto, start));"
        "INSERT INTO alerts(port, proto, start, alert, end, sources, new_sources, baseline_new,"
        " score, explanation) VALUES(80, 6, 0, 0, 0, 50, 40, 1, 9, 'old');",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct ww_store *st = NULL;
    CHECK_INT(ww_store_open(path, &st, err, sizeof err), WW_OK);
    if (!st) {
        printf("old store: %s\n", err);
        return;
    }
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    json_t *j = api(st, 0, 200, "/api/v1/port/445?date=2006-08-02");
    CHECK_INT(jint(json_array_get(json_object_get(j, "data"), 0), "records"), 3);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/alerts");
    json_t *a = json_array_get(json_object_get(j, "alerts"), 0);
    CHECK_STR(json_string_value(json_object_get(a, "explanation")), "old");
    CHECK(json_is_null(json_object_get(a, "kind")) && json_is_null(json_object_get(a, "side")));
    CHECK(json_is_null(json_object_get(a, "doubling_minutes")));
    CHECK_INT(json_array_size(json_object_get(a, "new_per_bucket")), 0);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/floods");
    CHECK(json_is_array(json_object_get(j, "floods")) && !json_array_size(json_object_get(j, "floods")));
    json_decref(j);
    json_decref(api(st, 0, 400, "/api/v1/floods?date=2006-13-01"));
    json_decref(api(st, 0, 400, "/api/v1/floods?limit=x"));
    char *m = NULL;
    size_t mlen = 0;
    FILE *mf = open_memstream(&m, &mlen);
    CHECK_INT(ww_store_metrics(st, mf), WW_OK);
    fclose(mf);
    CHECK(strstr(m, "\nwormwatch_store_floods 0\n") != NULL);
    free(m);
    ww_store_close(st);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "SELECT fmt FROM log; SELECT kind, saturation FROM alerts;"
                               " SELECT target FROM floods", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store_rm(path);
}

/* ---- backscatter: a victim's replies per protocol and day, alike in
 * whatever order batches come, and after a crash replays them from the log
 * (which keeps the TCP flags and ICMP types that tell a reply) ---- */

#define VICTIM 0xcb007105u /* 203.0.113.5 */

/* batch b of 3: SYN-ACKs (and on b 2 port unreachables) from VICTIM to
 * distinct spoofed addresses, a probe from it, an ordinary probe to it */
static size_t bsc_batch(int b, int64_t t0, struct ww_event *e)
{
    size_t n = 0;
    for (uint32_t i = 0; i < 100; i++) {
        e[n] = ev(t0 + (b * 100 + (int64_t)i) * 1000000, VICTIM, 0x0a000000u + (uint32_t)b * 1000 + i,
                  40000 + (int)i, WW_PROTO_TCP);
        e[n].sport = 80;
        e[n++].tcpflags = WW_TH_SYN | WW_TH_ACK;
    }
    if (b == 2)
        for (uint32_t i = 0; i < 30; i++) {
            e[n] = ev(t0 + 86400000000LL + i, VICTIM, 0x0b000000u + i, 3, WW_PROTO_ICMP);
            e[n].sport = 3;
            e[n].tcpflags = 0;
            e[n++].count = 2;
        }
    e[n++] = ev(t0 + b, VICTIM, 0x0c000001u, 445, WW_PROTO_TCP); /* a SYN: no reply */
    e[n++] = ev(t0 + b, 0x0c000001u, VICTIM, 80, WW_PROTO_TCP);
    return n;
}

static char *bsc_dump(struct ww_store *st, int64_t day)
{
    char *s = NULL;
    for (int d = 0; d < 2; d++) {
        json_t *j = api(st, 0, 200, "/api/v1/backscatter?date=%s", D(day + d));
        char *one = j ? json_dumps(j, JSON_SORT_KEYS) : NULL;
        size_t n = (s ? strlen(s) : 0) + (one ? strlen(one) : 4) + 2;
        char *both = ww_malloc(n);
        snprintf(both, n, "%s%s\n", s ? s : "", one ? one : "null");
        free(one);
        ww_free(s);
        s = both;
        json_decref(j);
    }
    return s;
}

static void run_backscatter(void)
{
    char pa[512], pb[512], pc[512], err[256];
    struct ww_store *st;
    struct ww_event *e = ww_malloc(200 * sizeof *e);
    int64_t day = ww_days_from_civil(2026, 1, 15), t0 = day * 86400000000LL, id;
    int dup;
    store_path(pa, sizeof pa, "bsc_a");
    store_path(pb, sizeof pb, "bsc_b");
    store_path(pc, sizeof pc, "bsc_c");

    id = fresh(pa, &st);
    for (int b = 0; b < 3; b++) {
        char bid[16];
        snprintf(bid, sizeof bid, "b%d", b);
        CHECK_INT(ww_store_submit(st, id, bid, e, bsc_batch(b, t0, e), &dup), WW_OK);
    }
    json_t *j = api(st, 0, 200, "/api/v1/backscatter?date=%s", D(day));
    json_t *a = json_object_get(j, "backscatter");
    CHECK_STR(json_string_value(json_object_get(j, "date")), D(day));
    CHECK_INT(json_array_size(a), 1);
    json_t *x = json_array_get(a, 0);
    CHECK_STR(json_string_value(json_object_get(x, "victim")), "203.0.113.5");
    CHECK_STR(json_string_value(json_object_get(x, "proto")), "tcp");
    CHECK_INT(jint(x, "records"), 300);
    CHECK(jint(x, "targets") >= 294 && jint(x, "targets") <= 306); /* HLL past 128: +-2% */
    CHECK_STR(json_string_value(json_object_get(x, "start")), "2026-01-15T00:00:00Z");
    CHECK_STR(json_string_value(json_object_get(x, "end")), "2026-01-15T00:04:59Z");
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/backscatter?date=%s&limit=5", D(day + 1));
    x = json_array_get(json_object_get(j, "backscatter"), 0);
    CHECK_STR(json_string_value(json_object_get(x, "proto")), "icmp");
    CHECK_INT(jint(x, "records"), 60); /* count 2 each */
    CHECK_INT(jint(x, "targets"), 30);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/backscatter?date=%s&limit=0", D(day));
    CHECK_INT(json_array_size(json_object_get(j, "backscatter")), 0);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/backscatter?date=%s", D(day + 5));
    CHECK_INT(json_array_size(json_object_get(j, "backscatter")), 0);
    json_decref(j);
    json_decref(api(st, 0, 400, "/api/v1/backscatter?date=2026-13-01"));
    json_decref(api(st, 0, 400, "/api/v1/backscatter?limit=x"));
    /* the victim's replies are in the port figures, not in its own as a
     * source: there, only its 3 SYNs to 445, no scanner kind */
    j = api(st, 0, 200, "/api/v1/port/40000?date=%s", D(day));
    CHECK_INT(jint(json_array_get(json_object_get(j, "data"), 0), "records"), 3);
    CHECK_INT(jint(json_array_get(json_object_get(j, "data"), 0), "sources"), 1);
    json_decref(j);
    j = api(st, 0, 200, "/api/v1/ip/203.0.113.5");
    CHECK_INT(jint(j, "records"), 3);
    CHECK_INT(jint(j, "targets"), 1);
    CHECK_INT(json_array_size(json_object_get(j, "kinds")), 0);
    json_decref(j);
    j = api(st, t0 + 2 * 86400000000LL, 200, "/api/v1/sources?date=%s", D(day));
    json_t *srcs = json_object_get(j, "sources");
    CHECK_INT(json_array_size(srcs), 2); /* the victim and 12.0.0.1, 3 SYNs each */
    for (size_t i = 0; i < json_array_size(srcs); i++)
        CHECK_INT(jint(json_array_get(srcs, i), "records"), 3);
    json_decref(j);
    char *want = bsc_dump(st, day);
    ww_store_close(st);

    /* the batches in the other order: the same figures */
    id = fresh(pb, &st);
    for (int b = 2; b >= 0; b--) {
        char bid[16];
        snprintf(bid, sizeof bid, "b%d", b);
        CHECK_INT(ww_store_submit(st, id, bid, e, bsc_batch(b, t0, e), &dup), WW_OK);
    }
    char *got = bsc_dump(st, day);
    CHECK_STR(got, want);
    ww_free(got);
    ww_store_close(st);

    /* a crash before the aggregates are written: replayed from the log */
    id = fresh(pc, &st);
    ww_store_close(st);
    int before = test_failures; /* the child's own checks decide its status */
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_INT(ww_store_open(pc, &st, err, sizeof err), WW_OK);
        for (int b = 0; b < 3; b++) {
            char bid[16];
            snprintf(bid, sizeof bid, "b%d", b);
            CHECK_INT(ww_store_submit(st, id, bid, e, bsc_batch(b, t0, e), &dup), WW_OK);
        }
        _exit(test_failures != before);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(ww_store_open(pc, &st, err, sizeof err), WW_OK);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    got = bsc_dump(st, day);
    CHECK_STR(got, want);
    ww_free(got);
    ww_store_close(st);
    ww_free(want);
    ww_free(e);
    store_rm(pa);
    store_rm(pb);
    store_rm(pc);
}

/* ---- who is scanning (issue 17): a source's OS from its SYNs' fingerprints,
 * matched by the writer with p0f's database, the best match whatever the
 * order, the same after a crash's replay, kept as text without the
 * database ---- */

/* The source's "os" and "os_match" on /ip/ as "OS (kind)", "-" if null. */
static void ip_os(struct ww_store *st, const char *addr, char *out, size_t n)
{
    json_t *j = api(st, 1154534400000000LL, 200, "/api/v1/ip/%s", addr);
    json_t *os = j ? json_object_get(j, "os") : NULL, *m = j ? json_object_get(j, "os_match") : NULL;
    snprintf(out, n, "%s (%s)", json_is_string(os) ? json_string_value(os) : "-",
             json_is_string(m) ? json_string_value(m) : "-");
    json_decref(j);
}

static void run_os(void)
{
    char err[512], pa[512], pb[512], got[128], want[128];
    struct ww_osdb *db;
    if (ww_osdb_load(NULL, &db, err, sizeof err)) {
        static char why[600];
        snprintf(why, sizeof why, "sources' OS: p0f's database does not load (%s)", err);
        test_skipped = why;
        return;
    }
    store_path(pa, sizeof pa, "os_a");
    store_path(pb, sizeof pb, "os_b");
    const int64_t t0 = 1154534400000000LL;
    /* Windows XP's SYN (p0f: *:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0),
     * and the same stack seen in a log without its options (a guess) */
    struct ww_event xp = ev(t0, 0x0a000001, 0xc0a80001, 445, WW_PROTO_TCP);
    xp.fp = (struct ww_synfp){.flags = WW_FP_SET | WW_FP_OPTS, .ttl = 113, .win = 65535, .mss = 1460,
                              .quirks = WW_FPQ_DF | WW_FPQ_ID_PLUS, .nopt = 4, .opt = {2, 1, 1, 4}};
    struct ww_event guess = xp;
    guess.ts_us += 1000000;
    guess.fp = (struct ww_synfp){.flags = WW_FP_SET, .ttl = 113, .win = 65535,
                                 .quirks = WW_FPQ_DF | WW_FPQ_ID_PLUS};
    uint16_t mx = ww_osdb_match(db, &xp.fp);
    CHECK(mx != 0);
    snprintf(want, sizeof want, "%s (%s)", mx ? ww_osdb_name(db, mx) : "?", ww_os_kind_name(mx));
    int dup;
    struct ww_store *st;
    /* the better match wins, whichever comes first */
    int64_t id = fresh(pa, &st);
    ww_store_enrich(st, db, NULL);
    struct ww_event two[2] = {guess, xp};
    CHECK_INT(ww_store_submit(st, id, "b1", two, 2, &dup), WW_OK);
    ip_os(st, "10.0.0.1", got, sizeof got);
    CHECK_STR(got, want);
    ww_store_close(st);
    /* the other order, across a crash: the child's batches are replayed
     * from the log (its fingerprints in it) and matched again */
    id = fresh(pb, &st);
    ww_store_close(st);
    int before = test_failures;
    pid_t pid = fork();
    if (pid == 0) {
        CHECK_INT(ww_store_open(pb, &st, err, sizeof err), WW_OK);
        ww_store_enrich(st, db, NULL);
        CHECK_INT(ww_store_submit(st, id, "b1", &xp, 1, &dup), WW_OK);
        CHECK_INT(ww_store_submit(st, id, "b2", &guess, 1, &dup), WW_OK);
        _exit(test_failures != before);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(ww_store_open(pb, &st, err, sizeof err), WW_OK);
    ww_store_enrich(st, db, NULL);
    CHECK_INT(ww_store_start(st, NULL, err, sizeof err), WW_OK);
    ip_os(st, "10.0.0.1", got, sizeof got);
    CHECK_STR(got, want);
    ww_store_close(st);
    /* read without the database: the label stays; new SYNs match nothing */
    CHECK_INT(ww_store_open(pb, &st, err, sizeof err), WW_OK);
    struct ww_event other = xp;
    ww_addr_from_v4(&other.src, (const uint8_t[]){10, 0, 0, 2});
    CHECK_INT(ww_store_submit(st, id, "b3", &other, 1, &dup), WW_OK);
    ip_os(st, "10.0.0.1", got, sizeof got);
    CHECK_STR(got, want);
    ip_os(st, "10.0.0.2", got, sizeof got);
    CHECK_STR(got, "- (-)");
    json_t *j = api(st, t0, 200, "/api/v1/sources");
    json_t *en = j ? json_object_get(j, "enrichment") : NULL;
    CHECK(json_is_false(json_object_get(en, "os")) && json_is_false(json_object_get(en, "asn")));
    json_decref(j);
    ww_store_close(st);
    ww_osdb_free(db);
    store_rm(pa);
    store_rm(pb);
}

/* An alert's sample and OS mix (issue 17) as stored: the API's os_mix from
 * the stored text, the addresses back through ww_store_alert_sample, and
 * countries and ASes null without the MaxMind databases. The writer's side
 * (the sample surge.c keeps) is set here in SQL. */
static void run_alert_mix(void)
{
    char pa[512], err[256];
    struct ww_store *st;
    store_path(pa, sizeof pa, "mix");
    int64_t id = fresh(pa, &st);
    feed(st, id, 0, HOURS);
    json_t *j = api(st, 1154534400000000LL, 200, "/api/v1/alerts?port=139");
    json_t *a = json_array_get(json_object_get(j, "alerts"), 0);
    CHECK(a && json_is_null(json_object_get(a, "os_mix")) && json_is_null(json_object_get(a, "countries"))
          && json_is_null(json_object_get(a, "asns")));
    CHECK(json_is_false(json_object_get(json_object_get(j, "enrichment"), "os")));
    int64_t start = 0;
    struct ww_store_rows r;
    CHECK_INT(ww_store_alerts(st, 10, &r), WW_OK);
    if (r.n) start = r.alert[0].start_us;
    /* what surge.c sampled (none while it keeps no sample): sources new to
     * the port, the worm's (hour_batch: 16.0.0.0/8) or the background's
     * (14.0.0.0/8), each once */
    uint32_t sampled = r.n ? r.alert[0].sampled : 0;
    CHECK(r.n && sampled <= WW_SURGE_SAMPLE);
    ww_store_rows_free(&r);
    struct ww_addr got[WW_SURGE_SAMPLE];
    size_t n = 99;
    CHECK_INT(ww_store_alert_sample(st, 139, WW_PROTO_TCP, start, got, &n), WW_OK);
    CHECK_INT(n, sampled);
    for (size_t i = 0; i < n; i++) {
        CHECK(got[i].family == 4 && (got[i].b[12] == 16 || got[i].b[12] == 14));
        for (size_t k = 0; k < i; k++) CHECK(!ww_addr_eq(&got[i], &got[k]));
    }
    json_decref(j);
    ww_store_close(st);

    sqlite3 *db;
    CHECK_INT(sqlite3_open(pa, &db), SQLITE_OK);
    unsigned char blob[3 * 17];
    struct ww_addr x[3];
    for (int i = 0; i < 3; i++) {
        ww_addr_from_v4(&x[i], (const uint8_t[]){16, 0, 0, (uint8_t)(i + 1)});
        tally_key_addr(blob + 17 * i, &x[i]);
    }
    sqlite3_stmt *s;
    CHECK_INT(sqlite3_prepare_v2(db, "UPDATE alerts SET sample = ?, os_mix = ? WHERE port = 139", -1, &s, NULL),
              SQLITE_OK);
    sqlite3_bind_blob(s, 1, blob, sizeof blob, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, "3\t3\n2\tWindows XP\n1\tLinux 2.2.x-3.x", -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);

    CHECK_INT(ww_store_open(pa, &st, err, sizeof err), WW_OK);
    j = api(st, 1154534400000000LL, 200, "/api/v1/alerts?port=139");
    a = json_array_get(json_object_get(j, "alerts"), 0);
    json_t *m = json_object_get(a, "os_mix"), *row = json_array_get(json_object_get(m, "rows"), 0);
    CHECK_INT(jint(m, "sampled"), 3);
    CHECK_INT(jint(m, "known"), 3); /* shares are of the sources with an OS */
    CHECK_INT(json_array_size(json_object_get(m, "rows")), 2);
    CHECK_STR(json_string_value(json_object_get(row, "os")), "Windows XP");
    CHECK_INT(jint(row, "sources"), 2);
    CHECK(json_real_value(json_object_get(row, "share")) > 0.66 &&
          json_real_value(json_object_get(row, "share")) < 0.67);
    row = json_array_get(json_object_get(m, "rows"), 1);
    CHECK_STR(json_string_value(json_object_get(row, "os")), "Linux 2.2.x-3.x");
    CHECK(json_is_null(json_object_get(a, "countries")) && json_is_null(json_object_get(a, "asns")));
    json_decref(j);
    CHECK_INT(ww_store_alert_sample(st, 139, WW_PROTO_TCP, start, got, &n), WW_OK);
    CHECK_INT(n, 3);
    CHECK(n == 3 && ww_addr_eq(&got[0], &x[0]) && ww_addr_eq(&got[2], &x[2]));
    CHECK_INT(ww_store_alert_sample(st, 139, WW_PROTO_TCP, start + 1, got, &n), WW_ERR_ARG);
    ww_store_close(st);
    store_rm(pa);
}

TEST_MAIN(tmp_init(); run_os(); run_alert_mix(); run_kinds(); run_log_forms(); run_migrate(); run(); run_views(); run_recovery(); run_notices(); run_icmp(); run_mapped(); run_groups(); run_faults(); run_schemes(); run_lock(); run_lock_race();
          run_tally(); run_backscatter(); tmp_done())

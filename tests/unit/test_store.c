/* test_store.c -- the SQLite store on a temporary database: keys, batches
 * (duplicate ids), exact aggregates, exact-then-HLL distinct counts, the
 * queries' JSON, infocon, hostile strings, and a 90-day history timing. */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "err.h"
#include "mem.h"
#include "hll.h"
#include "surge.h"
#include "test.h"
#include "wtime.h"

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

static long long jint(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static int listed;
static void on_key(void *ctx, const char *name, int64_t created, int revoked, int64_t last_seen)
{
    (void)ctx; (void)created; (void)last_seen;
    if (!strcmp(name, "alpha")) listed += revoked ? 10 : 1;
}

static double secs(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void run(void)
{
    char path[] = "/tmp/ww_store_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
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
    json_t *j = ww_store_port(st, 139, day);
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
    j = ww_store_port(st, 139, day);
    row = json_array_get(json_object_get(j, "data"), 0);
    CHECK_INT(jint(row, "records"), 4);
    CHECK_INT(jint(row, "sources"), 2);
    CHECK_INT(jint(row, "sensors"), 2);
    json_decref(j);

    /* topports by records: 53/udp (7), 139 (4), 445 (1) */
    j = ww_store_topports(st, "records", 10, day);
    json_t *ports = json_object_get(j, "ports");
    CHECK_INT(json_array_size(ports), 3);
    CHECK_INT(jint(json_array_get(ports, 0), "port"), 53);
    CHECK_INT(jint(json_array_get(ports, 1), "port"), 139);
    CHECK_INT(jint(json_array_get(ports, 2), "port"), 445);
    json_decref(j);
    j = ww_store_topports(st, "sources", 1, day);
    CHECK_INT(jint(json_array_get(json_object_get(j, "ports"), 0), "port"), 139);
    json_decref(j);
    j = ww_store_topports(st, "'; DROP TABLE agg_day; --", 1, day);
    CHECK(json_object_get(j, "error") != NULL);
    json_decref(j);

    /* ip summary */
    struct ww_addr a;
    CHECK_INT(ww_addr_parse("10.0.0.2", 8, &a), 0);
    j = ww_store_ip(st, &a);
    CHECK_STR(json_string_value(json_object_get(j, "src")), "10.0.0.2");
    CHECK_INT(jint(j, "records"), 2);
    CHECK_INT(jint(j, "targets"), 1);
    CHECK_INT(jint(j, "ports"), 2);
    CHECK_INT(jint(j, "sensors"), 1);
    CHECK_STR(json_string_value(json_object_get(j, "first_seen")), "2006-08-04T05:00:02Z");
    CHECK_STR(json_string_value(json_object_get(j, "last_seen")), "2006-08-04T05:00:03Z");
    json_decref(j);
    CHECK_INT(ww_addr_parse("10.9.9.9", 8, &a), 0);
    j = ww_store_ip(st, &a);
    CHECK(json_object_get(j, "error") != NULL);
    json_decref(j);
    j = ww_store_sources(st, 10, -1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "sources"), 0), "src")), "10.0.0.3");
    CHECK_INT(json_array_size(json_object_get(j, "sources")), 3);
    json_decref(j);

    /* distinct counts: exact to 128, then HLL within 2% */
    int64_t day2 = day + 1, t2 = day2 * 86400000000LL;
    struct ww_event *big = ww_malloc(1000 * sizeof *big);
    for (int i = 0; i < 128; i++) big[i] = ev(t2, 0x0b000000u + (uint32_t)i, 0xc0a80001, 80, WW_PROTO_TCP);
    CHECK_INT(ww_store_submit(st, id, "d-1", big, 128, &dup), WW_OK);
    j = ww_store_port(st, 80, day2);
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
    j = ww_store_port(st, 80, day2);
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
    j = ww_store_porthistory(st, 139, day - 3, day + 3, 0);
    CHECK_INT(json_array_size(json_object_get(j, "days")), 1);
    CHECK_STR(json_string_value(json_object_get(j, "from")), "2006-08-01");
    json_decref(j);
    j = ww_store_porthistory(st, 139, day + 1, day + 3, 0);
    CHECK_INT(json_array_size(json_object_get(j, "days")), 0);
    json_decref(j);

    /* infocon with no alerts */
    j = ww_store_infocon(st, t2);
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
            big[i] = ev(t3 + h * 3600000000LL + i * 1000, s3++, 0xc0a80001, 5000, WW_PROTO_TCP);
        snprintf(bid, sizeof bid, "s-%d", h);
        CHECK_INT(ww_store_submit(st, id, bid, big, (size_t)nn, &dup), WW_OK);
    }
    j = ww_store_alerts(st, 10);
    json_t *al = json_object_get(j, "alerts");
    CHECK(json_array_size(al) >= 1);
    CHECK_INT(jint(json_array_get(al, 0), "port"), 5000);
    printf("alert: %s\n", json_string_value(json_object_get(json_array_get(al, 0), "explanation")));
    json_decref(j);
    j = ww_store_infocon(st, t3 + 72 * 3600000000LL);
    const char *lvl = json_string_value(json_object_get(j, "level"));
    CHECK(lvl && (!strcmp(lvl, "yellow") || !strcmp(lvl, "orange")));
    json_decref(j);
    j = ww_store_infocon(st, t3 + 200 * 3600000000LL);
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
    double t = secs();
    j = ww_store_porthistory(st, 1500, d0, d0 + 89, 0);
    printf("90-day port history over 90x1000 day rows: %.3f ms\n", (secs() - t) * 1e3);
    CHECK_INT(json_array_size(json_object_get(j, "days")), 90);
    CHECK_INT(jint(json_array_get(json_object_get(j, "days"), 0), "records"), 1);
    json_decref(j);
    ww_free(big);
    ww_store_close(st);
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path); unlink(side);
    snprintf(side, sizeof side, "%s-shm", path); unlink(side);
}

TEST_MAIN(run())

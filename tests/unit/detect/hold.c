/* hold.c -- the event-time hold in front of the collector's detector.
 * Three sensors' streams fed in many arrival orders (interleaved, one after
 * another, one lagging, one saved and reloaded midway) release exactly the
 * same sequence, in event-time order, with nothing late; a silent sensor
 * stops holding once the lateness passes, is reported stale and back, and
 * what it sends for judged time is late; a never-reported sensor holds from
 * its birth; the buffer's bound forces releases; the loader refuses junk.
 * More events at once than it sorts in one piece come out whole and in
 * order. The rules on their own (ww_hold_point, ww_hold_order: what the ClickHouse
 * store's detector uses) give the same release point and the same sequence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/addr.h"
#include "core/event.h"
#include "core/hash.h"
#include "core/mem.h"
#include "detect/hold.h"

#define S_US INT64_C(1000000)
#define H_US (3600 * S_US)
#define T0 (INT64_C(1154390400) * S_US) /* 2006-08-01 */
#define NS 3
#define PER 3000
#define CHUNK 100

static struct ww_event stream[NS][PER];

static void make_streams(void)
{
    test_rand_state = 42;
    for (int s = 0; s < NS; s++) {
        int64_t t = T0;
        for (int i = 0; i < PER; i++) {
            struct ww_event *e = &stream[s][i];
            memset(e, 0, sizeof *e);
            t += (int64_t)(test_rand() % 3) * S_US * 20; /* same-second ties too */
            e->ts_us = t;
            uint8_t a[4] = {198, 51, (uint8_t)(test_rand() % 4), (uint8_t)(test_rand() % 8)};
            ww_addr_from_v4(&e->src, a);
            uint8_t d[4] = {10, (uint8_t)s, 0, (uint8_t)(test_rand() % 16)};
            ww_addr_from_v4(&e->dst, d);
            e->dport = (uint16_t)(test_rand() % 2 ? 139 : 445);
            e->proto = 6;
            e->count = 1;
        }
    }
}

struct seen { uint64_t hash, n; int64_t last; int sorted; };
static struct ww_event *record; /* if set, released events are copied here too */

static void on_event(void *ctx, const struct ww_event *e)
{
    struct seen *s = ctx;
    if (e->ts_us < s->last) s->sorted = 0;
    s->last = e->ts_us;
    s->hash = ww_hash64(s->hash ^ (uint64_t)e->ts_us ^ ((uint64_t)e->dport << 48) ^
                        ((uint64_t)e->src.b[3] << 40) ^ ((uint64_t)e->dst.b[3] << 32) ^
                        ((uint64_t)e->src.b[2] << 24) ^ ((uint64_t)e->dst.b[1] << 16));
    if (record) record[s->n] = *e;
    s->n++;
}

static struct ww_hold *fresh(void)
{
    struct ww_hold_opts o = {.lateness_us = 26 * H_US};
    struct ww_hold *h = ww_hold_new(&o);
    for (int s = 1; s <= NS; s++) ww_hold_sensor_set(h, s, INT64_MIN, 1);
    return h;
}

/* order: 0 round robin, 1 one sensor after another, 2 sensor 3 lagging
 * (its chunks sent 15 chunks late), 3 round robin with a save/load at half */
static struct seen run(int order, uint64_t *late)
{
    struct seen seen = {.hash = 1, .last = INT64_MIN, .sorted = 1};
    struct ww_hold_cb cb = {on_event, NULL, &seen};
    struct ww_hold *h = fresh();
    int nchunk = PER / CHUNK, sent = 0;
    int64_t tag = 0;
    /* the schedule: (sensor, chunk) pairs */
    int plan[NS * (PER / CHUNK)][2], np = 0;
    if (order == 1) {
        for (int s = 0; s < NS; s++)
            for (int c = 0; c < nchunk; c++) plan[np][0] = s, plan[np++][1] = c;
    } else {
        for (int c = 0; c < nchunk + 15; c++)
            for (int s = 0; s < NS; s++) {
                int cc = order == 2 && s == 2 ? c - 15 : c;
                if (cc >= 0 && cc < nchunk) plan[np][0] = s, plan[np++][1] = cc;
            }
    }
    /* rows: what the "log" holds, for the reload */
    static struct { int s, c; } rows[NS * (PER / CHUNK) + 1];
    for (int k = 0; k < np; k++) {
        int s = plan[k][0], c = plan[k][1];
        rows[++tag].s = s;
        rows[tag].c = c;
        ww_hold_add(h, s + 1, tag, &stream[s][c * CHUNK], CHUNK);
        ww_hold_release(h, &cb);
        if (order == 3 && ++sent == np / 2) {
            unsigned char *b;
            size_t len = ww_hold_save(h, &b);
            int64_t from = ww_hold_oldest_tag(h);
            ww_hold_free(h);
            char err[80];
            CHECK_INT(ww_hold_load(b, len, NULL, &h, err, sizeof err), WW_OK);
            ww_free(b);
            for (int64_t t = from; t <= tag; t++)
                ww_hold_readd(h, t, &stream[rows[t].s][rows[t].c * CHUNK], CHUNK);
        }
    }
    struct ww_hold_stats st;
    ww_hold_stats(h, &st);
    *late = st.late;
    CHECK(st.waiting > 0 && st.waiting < 3 * CHUNK); /* the tail waits for the slowest */
    ww_hold_free(h);
    return seen;
}

static void orders(void)
{
    make_streams();
    uint64_t late;
    struct seen ref = run(0, &late);
    CHECK(ref.sorted);
    CHECK_INT(late, 0);
    CHECK(ref.n > NS * PER - 3 * CHUNK);
    for (int order = 1; order <= 3; order++) {
        struct seen s = run(order, &late);
        CHECK(s.sorted);
        CHECK_INT(late, 0);
        CHECK_INT(s.n, ref.n);
        CHECK(s.hash == ref.hash);
    }
}

static int changes, stale_now;
static void on_changed(void *ctx, const struct ww_hold_sensor *s)
{
    (void)ctx;
    changes++;
    stale_now = s->stale;
}

static void one(struct ww_hold *h, int64_t sensor, int64_t tag, int64_t ts, struct seen *seen)
{
    struct ww_event e = stream[0][0];
    e.ts_us = ts;
    ww_hold_add(h, sensor, tag, &e, 1);
    struct ww_hold_cb cb = {on_event, on_changed, seen};
    ww_hold_release(h, &cb);
}

static void staleness(void)
{
    struct seen seen = {.hash = 1, .last = INT64_MIN, .sorted = 1};
    struct ww_hold_opts o = {.lateness_us = 2 * H_US};
    struct ww_hold *h = ww_hold_new(&o);
    ww_hold_sensor_set(h, 1, INT64_MIN, 1);
    ww_hold_sensor_set(h, 2, INT64_MIN, 1);
    struct ww_hold_stats st;
    one(h, 1, 1, T0, &seen);
    CHECK_INT(seen.n, 0);                 /* sensor 2 never reported: it holds */
    one(h, 2, 2, T0 + 10 * S_US, &seen);
    CHECK_INT(seen.n, 0);                 /* sensor 1 may still send more of T0 */
    one(h, 1, 3, T0 + 20 * S_US, &seen);
    CHECK_INT(seen.n, 1);                 /* both past T0 */
    /* sensor 2 goes silent; sensor 1 goes on for 3 hours */
    int64_t tag = 4;
    for (int i = 1; i <= 180; i++) one(h, 1, tag++, T0 + i * 60 * S_US, &seen);
    ww_hold_stats(h, &st);
    CHECK_INT(st.stale, 1);
    CHECK_INT(changes, 1);
    CHECK_INT(stale_now, 1);
    CHECK(seen.n >= 179);                 /* no longer held for sensor 2 */
    CHECK(st.release_us == T0 + 180 * 60 * S_US);
    /* sensor 2 drains an hour that was judged without it: late */
    one(h, 2, tag++, T0 + 3600 * S_US, &seen);
    ww_hold_stats(h, &st);
    CHECK_INT(st.late, 1);
    /* and reports the present again: back, holding */
    one(h, 2, tag++, T0 + 181 * 60 * S_US, &seen);
    ww_hold_stats(h, &st);
    CHECK_INT(st.stale, 0);
    CHECK_INT(changes, 2);
    CHECK_INT(stale_now, 0);
    CHECK(seen.sorted);
    /* a sensor registered now holds from its birth until the lateness passes it */
    ww_hold_sensor_set(h, 3, T0 + 181 * 60 * S_US, 1);
    uint64_t before = seen.n;
    one(h, 1, tag++, T0 + 200 * 60 * S_US, &seen);
    one(h, 2, tag++, T0 + 200 * 60 * S_US, &seen);
    CHECK_INT(seen.n, before);            /* sensor 3 holds */
    one(h, 1, tag++, T0 + 302 * 60 * S_US, &seen);
    one(h, 2, tag++, T0 + 302 * 60 * S_US, &seen);
    CHECK(seen.n > before);               /* two hours past its birth: stale */
    ww_hold_free(h);
}

static void bounded(void)
{
    struct seen seen = {.hash = 1, .last = INT64_MIN, .sorted = 1};
    struct ww_hold_opts o = {.lateness_us = 26 * H_US, .max_events = 10};
    struct ww_hold *h = ww_hold_new(&o);
    ww_hold_sensor_set(h, 1, INT64_MIN, 1);
    ww_hold_sensor_set(h, 2, INT64_MIN, 1);
    struct ww_hold_cb cb = {on_event, NULL, &seen};
    ww_hold_add(h, 1, 1, stream[0], 50);  /* sensor 2 holds everything back */
    ww_hold_release(h, &cb);
    struct ww_hold_stats st;
    ww_hold_stats(h, &st);
    CHECK_INT(st.waiting, 10);
    CHECK_INT(st.forced, 40);
    CHECK_INT(seen.n, 40);
    CHECK(seen.sorted);
    CHECK_INT(ww_hold_oldest_tag(h), 1);
    ww_hold_free(h);
}

static void junk(void)
{
    struct ww_hold *h = fresh(), *back;
    unsigned char *b;
    size_t len = ww_hold_save(h, &b);
    char err[80];
    CHECK_INT(ww_hold_load(b, len, NULL, &back, err, sizeof err), WW_OK);
    ww_hold_free(back);
    CHECK_INT(ww_hold_load(b, len - 1, NULL, &back, err, sizeof err), WW_ERR_PARSE);
    CHECK_INT(ww_hold_load(b, 3, NULL, &back, err, sizeof err), WW_ERR_PARSE);
    b[0] = 'X';
    CHECK_INT(ww_hold_load(b, len, NULL, &back, err, sizeof err), WW_ERR_PARSE);
    CHECK_STR(err, "not a hold state");
    ww_free(b);
    ww_hold_free(h);
}

static int by_order(const void *a, const void *b)
{
    return ww_hold_order(a, b);
}

/* The interleaved run's sequence is every event sorted by ww_hold_order,
 * cut at the release point, which ww_hold_point computes alike. */
static void rules(void)
{
    static struct ww_event got[NS * PER], all[NS * PER];
    make_streams();
    struct seen seen = {.hash = 1, .last = INT64_MIN, .sorted = 1};
    struct ww_hold_cb cb = {on_event, NULL, &seen};
    struct ww_hold *h = fresh();
    record = got;
    for (int c = 0; c < PER / CHUNK; c++)
        for (int s = 0; s < NS; s++) {
            ww_hold_add(h, s + 1, c * NS + s, &stream[s][c * CHUNK], CHUNK);
            ww_hold_release(h, &cb);
        }
    record = NULL;
    memcpy(all, stream, sizeof all);
    qsort(all, NS * PER, sizeof *all, by_order);
    size_t cut = 0;
    struct ww_hold_stats st;
    ww_hold_stats(h, &st);
    while (cut < NS * PER && all[cut].ts_us < st.release_us) cut++;
    CHECK_INT(seen.n, cut);
    CHECK(cut > 0 && !memcmp(got, all, cut * sizeof *all));
    const struct ww_hold_sensor *hs;
    size_t n = ww_hold_sensors(h, &hs);
    struct ww_hold_sensor copy[NS];
    memcpy(copy, hs, n * sizeof *hs);
    CHECK_INT(ww_hold_point(copy, n, st.first_us, st.lateness_us, NULL), st.release_us);
    /* equal times: the fields decide, both ways round */
    struct ww_event a = stream[0][0], b = a;
    b.dport++;
    CHECK(ww_hold_order(&a, &b) == -ww_hold_order(&b, &a) && ww_hold_order(&a, &b) != 0);
    CHECK_INT(ww_hold_order(&a, &a), 0);
    ww_hold_free(h);
}

/* More events at once than the hold sorts in one piece (a day's upload in
 * one batch; a restart putting back what waited): all of them released, in
 * ww_hold_order's order, once every sensor is past them. */
static void big(void)
{
    enum { N = 140000 }; /* two pieces and a part */
    static struct ww_event evs[N], want[N], got[N];
    test_rand_state = 7;
    for (int i = 0; i < N; i++) {
        struct ww_event *e = &evs[i];
        memset(e, 0, sizeof *e);
        e->ts_us = T0 + (int64_t)(test_rand() % 3600) * S_US;
        uint8_t a[4] = {10, (uint8_t)test_rand(), (uint8_t)test_rand(), (uint8_t)test_rand()};
        ww_addr_from_v4(&e->src, a);
        uint8_t d[4] = {192, 0, 2, (uint8_t)(test_rand() % 4)};
        ww_addr_from_v4(&e->dst, d);
        e->dport = (uint16_t)(test_rand() % 2 ? 23 : 445);
        e->proto = 6;
        e->count = 1;
    }
    memcpy(want, evs, sizeof evs);
    qsort(want, N, sizeof *want, by_order);
    for (int readd = 0; readd <= 1; readd++) {
        struct seen seen = {.hash = 1, .last = INT64_MIN, .sorted = 1};
        struct ww_hold_cb cb = {on_event, NULL, &seen};
        struct ww_hold *h = fresh();
        if (readd) ww_hold_readd(h, 1, evs, N);
        else ww_hold_add(h, 1, 1, evs, N);
        ww_hold_release(h, &cb);
        CHECK_INT(seen.n, 0);  /* sensors 2 and 3 hold */
        record = got;
        for (int s = 1; s <= NS; s++) one(h, s, 1 + s, T0 + 2 * H_US, &seen);
        record = NULL;
        CHECK_INT(seen.n, N);
        CHECK(seen.sorted && !memcmp(got, want, sizeof want));
        CHECK_INT(ww_hold_oldest_tag(h), 2); /* the three events at T0 + 2 h wait */
        ww_hold_free(h);
    }
}

TEST_MAIN(orders(); staleness(); bounded(); junk(); rules(); big())

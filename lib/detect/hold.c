/* hold.c -- event time for a detector fed by many sensors (see hold.h).
 *
 * The surge detector (surge.c) is online and single-stream: it wants its
 * events in time order, and judges a bucket as it fills. Sensors are late,
 * early, out of order and offline, so the collector puts this in front of
 * it, as stream processors do (watermarks and allowed lateness, after
 * Google's Dataflow model):
 *
 *   - every sensor has a watermark: the latest event time it reported; the
 *     frontier is the latest of them (the data's own "now": a collector
 *     replaying 2006 logs judges 2006, whatever the wall clock says);
 *   - a sensor holds the judging back while its watermark is within the
 *     lateness of the frontier; one silent for longer is stale and holds
 *     nothing (until it reports again). A registered sensor that never
 *     reported holds from its birth (the frontier when it was registered,
 *     or the first data) for the lateness, then is stale too;
 *   - the release point R is the earliest watermark of the holding sensors
 *     (-infinity while one of them never reported); it never moves back.
 *     Events older than R go on to the detector in event-time order, ties
 *     broken by the event's own fields, so the detector sees the same
 *     sequence whatever order the batches came in: the same buckets, the
 *     same "new source" verdicts, the same alerts, each dated within its
 *     bucket. A sensor's own batches are taken to come in its time order:
 *     each event older than R when it arrives is late -- counted, for the
 *     caller to store, never judged (a judged bucket is not re-opened).
 *
 * Events are ordered by time, and a hash of the fields that breaks ties in
 * time cheaply (the fields themselves only when hashes tie). What came
 * since the last release waits in arrival order (with 24-byte nodes to
 * sort it by); at a release, the part that can go on at once is sorted
 * and goes, and the rest, sorted too, becomes a run: a copy of its events
 * in order (104 bytes each with their tie hash and tag), so that handing
 * them on later reads memory in order rather than at random (more than
 * PEND_MAX added between releases -- a day's upload in one batch, a
 * restart's events put back -- become runs as they come). The runs wait
 * in a binary heap ordered by their first event. A release takes out the
 * runs that have events before the release point (about one per sensor
 * that sent since the last) into a small heap of their own and merges
 * their released prefixes with the new part; what is left of each goes
 * back: an event costs a few comparisons among those runs, not a walk
 * down the heap of every waiting run (hundreds while one sensor lags;
 * before that, one heap of every waiting event missed the cache at each
 * of its levels). When the runs hold max_events the oldest go on anyway
 * and R moves up to them (counted as forced): memory stays bounded
 * whatever a sensor does, at the price of judging early. Tags (the store's
 * log row ids) are counted in a queue in tag order, each event knowing its
 * tag's place there, so the oldest row still holding a waiting event is
 * known in O(1): the caller must keep its rows from there on, and after a
 * restart puts their events back (ww_hold_readd) into a state loaded from
 * ww_hold_save's bytes, which leave the waiting events out:
 *
 *   "WWHD" u32 version (1)  i64 release, first, lateness  u64 late, forced
 *   u32 N sensors, N x (i64 id, wm, birth; u64 events, late; u8 live, stale)
 *
 * every integer little-endian. Sensors are few (keys): a linear scan of
 * them per release is cheaper than anything cleverer. */
#include "detect/hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/mem.h"

struct slot { struct ww_event ev; uint64_t tie, tagi; }; /* an event, its tie_of, its tag's place */
struct held { int64_t ts; uint64_t tie; uint32_t slot; }; /* a node of pev[slot], 24 bytes */
struct run { struct slot *ev; size_t at, n; };           /* ev[at .. n) wait, in order */
struct tagn { int64_t tag; uint64_t n; };

#define PEND_MAX 65536 /* events added between releases, past which they become a run */

struct ww_hold {
    struct ww_hold_opts o;
    int64_t release, first;
    uint64_t late, forced;
    struct ww_hold_sensor *s;      /* by id */
    size_t ns, scap;
    struct run *runs;              /* a binary heap by each run's first event */
    size_t nruns, rcap;
    size_t nh;                     /* events waiting in the runs */
    struct slot *pev;              /* added since the last release, as they came (at
                                      most PEND_MAX: more become a run) */
    struct held *pend;             /* ... and their nodes */
    size_t np, pcap;
    struct held *tmp;              /* held_sort's room: tcap_sort nodes */
    size_t tcap_sort;
    struct tagn *tags;             /* tags[th .. tn): waiting events per tag, in tag order */
    size_t th, tn, tcap;
    uint64_t tbase;                /* tags[i] is tag number tbase + i (slot's tagi) */
    struct run *act;               /* a release's runs with events before it (a heap) */
    size_t nact, acap;
};

static int addr_cmp(const struct ww_addr *a, const struct ww_addr *b)
{
    if (a->family != b->family) return a->family < b->family ? -1 : 1;
    return memcmp(a->b, b->b, sizeof a->b);
}

/* The total order events are released in: time, then every field. */
static int ev_fields(const struct ww_event *a, const struct ww_event *b)
{
    int c;
    if (a->proto != b->proto) return a->proto < b->proto ? -1 : 1;
    if (a->dport != b->dport) return a->dport < b->dport ? -1 : 1;
    if ((c = addr_cmp(&a->src, &b->src))) return c;
    if ((c = addr_cmp(&a->dst, &b->dst))) return c;
    if (a->sport != b->sport) return a->sport < b->sport ? -1 : 1;
    if (a->tcpflags != b->tcpflags) return a->tcpflags < b->tcpflags ? -1 : 1;
    if (a->action != b->action) return a->action < b->action ? -1 : 1;
    if (a->outcome != b->outcome) return a->outcome < b->outcome ? -1 : 1;
    return (a->count > b->count) - (a->count < b->count);
}

/* The same order, cheaper: time, then a hash of the fields, and only for
 * equal hashes the fields themselves. */
static uint64_t tie_of(const struct ww_event *e)
{
    return ww_hash64(ww_addr_hash(&e->src) ^ (ww_addr_hash(&e->dst) << 1) ^
                     ((uint64_t)e->dport << 48 | (uint64_t)e->sport << 32 |
                      (uint64_t)e->proto << 24 | (uint64_t)e->tcpflags << 16 |
                      (uint64_t)e->action << 8 | e->outcome) ^ e->count);
}

static int held_cmp(const struct slot *pev, const struct held *a, const struct held *b)
{
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    if (a->tie != b->tie) return a->tie < b->tie ? -1 : 1;
    return ev_fields(&pev[a->slot].ev, &pev[b->slot].ev);
}

static int slot_cmp(const struct slot *a, const struct slot *b)
{
    if (a->ev.ts_us != b->ev.ts_us) return a->ev.ts_us < b->ev.ts_us ? -1 : 1;
    if (a->tie != b->tie) return a->tie < b->tie ? -1 : 1;
    return ev_fields(&a->ev, &b->ev);
}

int ww_hold_is_stale(int64_t frontier_us, int64_t lateness_us, int64_t first_us, int64_t wm_us,
                     int64_t birth_us)
{
    if (frontier_us == INT64_MIN) return 0;             /* no data: nobody is behind */
    int64_t pos = wm_us != INT64_MIN ? wm_us : birth_us != INT64_MIN ? birth_us : first_us;
    return pos < frontier_us - lateness_us;
}

struct ww_hold *ww_hold_new(const struct ww_hold_opts *o)
{
    struct ww_hold *h = ww_calloc(1, sizeof *h);
    h->o.lateness_us = o && o->lateness_us > 0 ? o->lateness_us : WW_HOLD_LATENESS_US;
    h->o.max_events = o && o->max_events ? o->max_events : WW_HOLD_MAX_EVENTS;
    h->release = INT64_MIN;
    h->first = INT64_MAX;
    return h;
}

void ww_hold_free(struct ww_hold *h)
{
    if (!h) return;
    ww_free(h->s);
    for (size_t i = 0; i < h->nruns; i++) ww_free(h->runs[i].ev);
    ww_free(h->runs);
    ww_free(h->pev);
    ww_free(h->pend);
    ww_free(h->tmp);
    ww_free(h->tags);
    ww_free(h->act);
    ww_free(h);
}

/* The sensor with this id, added (not live, not reported) if new. */
static struct ww_hold_sensor *sensor(struct ww_hold *h, int64_t id)
{
    size_t lo = 0, hi = h->ns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->s[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < h->ns && h->s[lo].id == id) return &h->s[lo];
    if (h->ns == h->scap) h->s = ww_realloc(h->s, (h->scap = h->scap ? 2 * h->scap : 16) * sizeof *h->s);
    memmove(&h->s[lo + 1], &h->s[lo], (h->ns - lo) * sizeof *h->s);
    h->ns++;
    h->s[lo] = (struct ww_hold_sensor){.id = id, .wm_us = INT64_MIN, .birth_us = INT64_MIN};
    return &h->s[lo];
}

void ww_hold_sensor_set(struct ww_hold *h, int64_t id, int64_t birth_us, int live)
{
    struct ww_hold_sensor *s = sensor(h, id);
    s->birth_us = birth_us;
    s->live = live;
}

/* ---- the runs and the tag queue ---- */

static int run_less(const struct run *a, const struct run *b)
{
    return slot_cmp(&a->ev[a->at], &b->ev[b->at]) < 0;
}

/* Heaps of runs by their first event (the waiting runs, and a release's
 * active ones): heap_down restores the order below position i of a[0 ..
 * n) (its first event moved on), heap_push puts r in as the n-th. */
static void heap_down(struct run *a, size_t n, size_t i)
{
    struct run r = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && run_less(&a[c + 1], &a[c])) c++;
        if (!run_less(&a[c], &r)) break;
        a[i] = a[c];
        i = c;
    }
    a[i] = r;
}

static void heap_push(struct run *a, size_t n, struct run r)
{
    size_t i = n;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!run_less(&r, &a[p])) break;
        a[i] = a[p];
        i = p;
    }
    a[i] = r;
}

static void runs_push(struct ww_hold *h, struct run r)
{
    if (h->nruns == h->rcap) h->runs = ww_realloc(h->runs, (h->rcap = h->rcap ? 2 * h->rcap : 64) * sizeof *h->runs);
    heap_push(h->runs, h->nruns++, r);
}

/* The events of nodes[0 .. n) (sorted) become a run. */
static void runs_add(struct ww_hold *h, const struct held *nodes, size_t n)
{
    if (!n) return;
    struct run r = {ww_malloc(n * sizeof *r.ev), 0, n};
    for (size_t i = 0; i < n; i++) r.ev[i] = h->pev[nodes[i].slot];
    runs_push(h, r);
    h->nh += n;
}

/* The earliest waiting event (the runs are not empty). */
static const struct slot *runs_first(const struct ww_hold *h)
{
    return &h->runs[0].ev[h->runs[0].at];
}

/* Counts one more waiting event of tag; returns the tag's number (tagi). */
static uint64_t tag_add(struct ww_hold *h, int64_t tag)
{
    if (h->tn > h->th && h->tags[h->tn - 1].tag == tag) {
        h->tags[h->tn - 1].n++;
        return h->tbase + h->tn - 1;
    }
    if (h->tn == h->tcap) {
        if (h->th) { /* reuse the front's room first */
            memmove(h->tags, h->tags + h->th, (h->tn - h->th) * sizeof *h->tags);
            h->tn -= h->th;
            h->tbase += h->th;
            h->th = 0;
        }
        if (h->tn == h->tcap) h->tags = ww_realloc(h->tags, (h->tcap = h->tcap ? 2 * h->tcap : 64) * sizeof *h->tags);
    }
    h->tags[h->tn++] = (struct tagn){tag, 1};
    return h->tbase + h->tn - 1;
}

/* One waiting event of tag number tagi is gone. */
static void tag_done(struct ww_hold *h, uint64_t tagi)
{
    h->tags[tagi - h->tbase].n--;
    while (h->th < h->tn && !h->tags[h->th].n) h->th++;
    if (h->th == h->tn) {
        h->tbase += h->tn;
        h->th = h->tn = 0;
    }
}

static void pend_sort(struct ww_hold *h, struct held *a, size_t n);

static void keep(struct ww_hold *h, const struct ww_event *ev, int64_t tag)
{
    if (h->np == PEND_MAX) { /* a huge batch, or a restart's events put back: a run now */
        pend_sort(h, h->pend, h->np);
        runs_add(h, h->pend, h->np);
        h->np = 0;
    }
    if (h->np == h->pcap) {
        h->pcap = h->pcap ? 2 * h->pcap : 1024;
        h->pev = ww_realloc(h->pev, h->pcap * sizeof *h->pev);
        h->pend = ww_realloc(h->pend, h->pcap * sizeof *h->pend);
    }
    struct slot *k = &h->pev[h->np];
    k->ev = *ev;
    k->tie = tie_of(ev);
    k->tagi = tag_add(h, tag);
    h->pend[h->np] = (struct held){ev->ts_us, k->tie, (uint32_t)h->np};
    h->np++;
}

/* Sorts a[0 .. n) by held_cmp: a bottom-up merge sort through tmp (n
 * nodes), the comparison inlined (qsort's call per comparison through a
 * pointer was most of a release's sorting). Stable, like any merge. */
static void held_sort(const struct slot *pev, struct held *a, size_t n, struct held *tmp)
{
    const size_t small = 8;
    for (size_t lo = 0; lo < n; lo += small) { /* insertion sort of short runs */
        size_t hi = lo + small < n ? lo + small : n;
        for (size_t i = lo + 1; i < hi; i++) {
            struct held x = a[i];
            size_t j = i;
            for (; j > lo && held_cmp(pev, &x, &a[j - 1]) < 0; j--) a[j] = a[j - 1];
            a[j] = x;
        }
    }
    struct held *src = a, *dst = tmp;
    for (size_t width = small; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = held_cmp(pev, &src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        struct held *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static void pend_sort(struct ww_hold *h, struct held *a, size_t n)
{
    if (h->pcap > h->tcap_sort) h->tmp = ww_realloc(h->tmp, (h->tcap_sort = h->pcap) * sizeof *h->tmp);
    held_sort(h->pev, a, n, h->tmp);
}

static void emit(struct ww_hold *h, const struct slot *k, const struct ww_hold_cb *cb)
{
    tag_done(h, k->tagi);
    if (cb && cb->event) cb->event(cb->ctx, &k->ev);
}

/* Hands on the first event of the first run of the heap a[0 .. *n) and
 * puts that run back in order: freed when used up, or when its next event
 * is at or past limit moved to the heap of waiting runs (a release's
 * active heap; INT64_MAX for that heap itself). Returns the event's time. */
static int64_t heap_take(struct ww_hold *h, struct run *a, size_t *n, int64_t limit,
                         const struct ww_hold_cb *cb)
{
    const struct slot *k = &a->ev[a->at++];
    int64_t ts = k->ev.ts_us;
    emit(h, k, cb);
    h->nh--;
    if (a->at == a->n) {
        ww_free(a->ev);
        *a = a[--*n];
    } else if (a->ev[a->at].ev.ts_us >= limit) {
        runs_push(h, *a);
        *a = a[--*n];
    }
    if (*n) heap_down(a, *n, 0);
    return ts;
}

size_t ww_hold_add(struct ww_hold *h, int64_t id, int64_t tag, const struct ww_event *ev, size_t n)
{
    struct ww_hold_sensor *s = sensor(h, id);
    size_t late = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ww_event *e = &ev[i];
        if (e->ts_us > s->wm_us) s->wm_us = e->ts_us;
        if (e->ts_us < h->first) h->first = e->ts_us;
        if (e->ts_us < h->release) late++;
        else keep(h, e, tag);
    }
    s->events += n;
    s->late += late;
    h->late += late;
    return late;
}

void ww_hold_readd(struct ww_hold *h, int64_t tag, const struct ww_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].ts_us >= h->release) keep(h, &ev[i], tag);
}

static int64_t frontier(const struct ww_hold *h)
{
    int64_t f = INT64_MIN;
    for (size_t i = 0; i < h->ns; i++)
        if (h->s[i].wm_us > f) f = h->s[i].wm_us;
    return f;
}

int64_t ww_hold_point(struct ww_hold_sensor *s, size_t n, int64_t first_us, int64_t lateness_us,
                      const struct ww_hold_cb *cb)
{
    int64_t f = INT64_MIN, r = INT64_MAX;
    for (size_t i = 0; i < n; i++)
        if (s[i].wm_us > f) f = s[i].wm_us;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        int reported = s[i].wm_us != INT64_MIN;
        if (!s[i].live && !reported) continue; /* a revoked key that never sent */
        int stale = !s[i].live || ww_hold_is_stale(f, lateness_us, first_us, s[i].wm_us, s[i].birth_us);
        if (stale != s[i].stale) {
            s[i].stale = stale;
            if (cb && cb->changed && s[i].live) cb->changed(cb->ctx, &s[i]);
        }
        if (stale) continue;
        any = 1;
        int64_t pos = reported ? s[i].wm_us : INT64_MIN;
        if (pos < r) r = pos;
    }
    if (!any) r = f == INT64_MIN ? INT64_MIN : f + 1; /* nobody holds: all of it */
    return r;
}

int ww_hold_order(const struct ww_event *a, const struct ww_event *b)
{
    if (a->ts_us != b->ts_us) return a->ts_us < b->ts_us ? -1 : 1;
    uint64_t ta = tie_of(a), tb = tie_of(b);
    if (ta != tb) return ta < tb ? -1 : 1;
    return ev_fields(a, b);
}

size_t ww_hold_release(struct ww_hold *h, const struct ww_hold_cb *cb)
{
    int64_t r = ww_hold_point(h->s, h->ns, h->first, h->o.lateness_us, cb);
    if (r > h->release) h->release = r;
    /* What came since the last release: sorted where it goes on now (most
     * of it, while sensors stream), and a new run where it waits; then
     * merged with the runs' own released parts. */
    size_t below = 0, out = 0;
    for (size_t i = 0; i < h->np; i++) {
        if (h->pend[i].ts >= h->release) continue;
        struct held t = h->pend[below];
        h->pend[below++] = h->pend[i];
        h->pend[i] = t;
    }
    pend_sort(h, h->pend + below, h->np - below);
    runs_add(h, h->pend + below, h->np - below);
    pend_sort(h, h->pend, below);
    /* The runs with events before the release point leave the heap of all
     * runs for a small one of their own (about one per sensor that sent
     * since), merged with the new part; what is left of each goes back. An
     * event then costs a few comparisons among those, not a walk down the
     * heap of every waiting run. */
    while (h->nruns && runs_first(h)->ev.ts_us < h->release) {
        struct run top = h->runs[0];
        h->runs[0] = h->runs[--h->nruns];
        if (h->nruns) heap_down(h->runs, h->nruns, 0);
        if (h->nact == h->acap) h->act = ww_realloc(h->act, (h->acap = h->acap ? 2 * h->acap : 16) * sizeof *h->act);
        heap_push(h->act, h->nact++, top);
    }
    for (size_t i = 0; i < below || h->nact; out++) {
        const struct slot *k = i < below ? &h->pev[h->pend[i].slot] : NULL;
        if (k && !(h->nact && slot_cmp(&h->act->ev[h->act->at], k) < 0)) {
            emit(h, k, cb);
            i++;
        } else {
            heap_take(h, h->act, &h->nact, h->release, cb);
        }
    }
    h->np = 0;
    while (h->nh > h->o.max_events) { /* over the bound: judged early */
        h->release = heap_take(h, h->runs, &h->nruns, INT64_MAX, cb);
        h->forced++;
        out++;
    }
    return out;
}

void ww_hold_stats(const struct ww_hold *h, struct ww_hold_stats *o)
{
    *o = (struct ww_hold_stats){.frontier_us = frontier(h), .release_us = h->release,
                                .first_us = h->first, .lateness_us = h->o.lateness_us,
                                .waiting = h->nh + h->np, .late = h->late, .forced = h->forced,
                                .sensors = h->ns};
    for (size_t i = 0; i < h->ns; i++) o->stale += h->s[i].live && h->s[i].stale;
}

size_t ww_hold_sensors(const struct ww_hold *h, const struct ww_hold_sensor **out)
{
    *out = h->s;
    return h->ns;
}

int64_t ww_hold_oldest_tag(const struct ww_hold *h)
{
    return h->th < h->tn ? h->tags[h->th].tag : INT64_MAX;
}

/* ---- saved state ---- */

#define HEAD 48
#define PER_SENSOR 42

size_t ww_hold_save(const struct ww_hold *h, unsigned char **out)
{
    size_t len = HEAD + 4 + h->ns * PER_SENSOR;
    unsigned char *b = ww_malloc(len), *p = b;
    memcpy(p, "WWHD", 4);
    ww_le_put32(p + 4, 1);
    ww_le_put64(p + 8, (uint64_t)h->release);
    ww_le_put64(p + 16, (uint64_t)h->first);
    ww_le_put64(p + 24, (uint64_t)h->o.lateness_us);
    ww_le_put64(p + 32, h->late);
    ww_le_put64(p + 40, h->forced);
    ww_le_put32(p + HEAD, (uint32_t)h->ns);
    p += HEAD + 4;
    for (size_t i = 0; i < h->ns; i++, p += PER_SENSOR) {
        const struct ww_hold_sensor *s = &h->s[i];
        ww_le_put64(p, (uint64_t)s->id);
        ww_le_put64(p + 8, (uint64_t)s->wm_us);
        ww_le_put64(p + 16, (uint64_t)s->birth_us);
        ww_le_put64(p + 24, s->events);
        ww_le_put64(p + 32, s->late);
        p[40] = (unsigned char)s->live;
        p[41] = (unsigned char)s->stale;
    }
    *out = b;
    return len;
}

enum ww_err ww_hold_load(const void *buf, size_t len, const struct ww_hold_opts *o,
                         struct ww_hold **out, char *err, size_t errlen)
{
    const unsigned char *p = buf;
    const char *why = NULL;
    uint32_t ns = 0;
    if (len < HEAD + 4 || memcmp(p, "WWHD", 4)) why = "not a hold state";
    else if (ww_le_get32(p + 4) != 1) why = "unknown hold state version";
    else if ((ns = ww_le_get32(p + HEAD)) > (len - HEAD - 4) / PER_SENSOR ||
             len != HEAD + 4 + (size_t)ns * PER_SENSOR)
        why = "hold state length does not match its sensors";
    struct ww_hold *h = NULL;
    if (!why) {
        struct ww_hold_opts saved = {(int64_t)ww_le_get64(p + 24), 0};
        h = ww_hold_new(o ? o : &saved);
        h->release = (int64_t)ww_le_get64(p + 8);
        h->first = (int64_t)ww_le_get64(p + 16);
        h->late = ww_le_get64(p + 32);
        h->forced = ww_le_get64(p + 40);
        p += HEAD + 4;
        for (uint32_t i = 0; i < ns && !why; i++, p += PER_SENSOR) {
            int64_t id = (int64_t)ww_le_get64(p);
            if (h->ns && id <= h->s[h->ns - 1].id) why = "hold state sensors out of order";
            else if (p[40] > 1 || p[41] > 1) why = "bad hold state flags";
            if (why) break;
            struct ww_hold_sensor *s = sensor(h, id);
            s->wm_us = (int64_t)ww_le_get64(p + 8);
            s->birth_us = (int64_t)ww_le_get64(p + 16);
            s->events = ww_le_get64(p + 24);
            s->late = ww_le_get64(p + 32);
            s->live = p[40];
            s->stale = p[41];
        }
    }
    if (why) {
        ww_hold_free(h);
        if (err && errlen) snprintf(err, errlen, "%s", why);
        return WW_ERR_PARSE;
    }
    *out = h;
    return WW_OK;
}

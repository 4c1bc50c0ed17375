/* analysis.c -- events to every detector that is on (see analysis.h).
 *
 * Events are copied into blocks of BLOCK and the detectors run over a
 * block at a time (run(): each detector over the whole block, prefetching).
 * One thread: one block, run when full and at finish. More threads: a ring
 * of NBLOCKS blocks. The caller's thread fills the block at `head`,
 * publishes it when full (or at finish) and runs its own detectors over it;
 * every worker takes every published block in order, runs its detectors
 * over it and moves its own tail on. A slot is filled again only once every
 * worker's tail has passed it, so the caller waits when the slowest worker
 * is NBLOCKS blocks behind: memory stays NBLOCKS x BLOCK events (1.8 MiB).
 * ww_analysis_finish waits until every worker has taken every block (a
 * barrier; the workers stay), ww_analysis_release stops them.
 * One mutex and two condition variables, touched once per block (4,096
 * events), not per event. Which detectors run where is fixed by the thread
 * count (SETS below), balanced by measurement (docs/PERFORMANCE.md): the
 * caller also reads and parses, so it keeps the lighter share. The
 * caller's thread also matches each SYN's fingerprint against p0f's
 * database as it copies the event into the block (os_of): the workers only
 * read the blocks, and every detector sees the same os. */
#include "detect/analysis.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

#define BLOCK 4096
#define NBLOCKS 8
#define WORKERS_MAX (WW_ANALYSIS_THREADS_MAX - 1)

enum { SCAN = WW_ANALYSIS_SCAN, PORTS = WW_ANALYSIS_PORTS, SURGE = WW_ANALYSIS_SURGE,
       BSC = WW_ANALYSIS_BACKSCATTER };

/* By the number of threads: the caller's set, then each worker's. */
static const unsigned SETS[WW_ANALYSIS_THREADS_MAX + 1][WW_ANALYSIS_THREADS_MAX] = {
    [1] = {SCAN | PORTS | SURGE | BSC},
    [2] = {PORTS, SCAN | SURGE | BSC},
    [3] = {0, SCAN | PORTS, SURGE | BSC},
    [4] = {0, SCAN, PORTS, SURGE | BSC},
};

struct worker {
    pthread_t th;
    struct ww_pipe *p;
    unsigned set;                 /* WW_ANALYSIS_* it runs */
    uint64_t tail;                /* blocks it has finished */
};

struct ww_pipe {
    struct ww_analysis *a;
    pthread_mutex_t mu;
    pthread_cond_t work, room;
    uint64_t head;                /* blocks published */
    int done;                     /* no more blocks will come */
    size_t fill;                  /* events in block head % NBLOCKS */
    size_t len[NBLOCKS];
    struct ww_event *blk;         /* NBLOCKS x BLOCK */
    unsigned nworkers;
    struct worker w[WORKERS_MAX];
};

void ww_analysis_opts_default(struct ww_analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    o->detectors = WW_ANALYSIS_ALL;
    o->threads = 1;
    ww_scan_opts_default(&o->scan);
    ww_ports_opts_default(&o->ports);
    ww_surge_opts_default(&o->surge);
    ww_backscatter_opts_default(&o->backscatter);
}

#define AHEAD 4 /* events between prefetch stages (analysis.c's run) */

/* Event i of n is due: the prefetch stages of the events ahead of it
 * (stage 0 for the one 3 AHEAD on, 1 for 2 AHEAD, 2 for AHEAD). */
#define STAGES(fn, d, b, i, n) do { \
        if ((i) + 3 * AHEAD < (n)) fn((d), &(b)[(i) + 3 * AHEAD], 0); \
        if ((i) + 2 * AHEAD < (n)) fn((d), &(b)[(i) + 2 * AHEAD], 1); \
        if ((i) + AHEAD < (n)) fn((d), &(b)[(i) + AHEAD], 2); \
    } while (0)

/* The detectors of `set` over a block of n events, one detector at a time
 * (each sees the events in order; they share nothing). The tables are far
 * larger than the caches, and each look-up is a chain of cache misses (an
 * index slot, the entry it names, the entry's distinct counters), so each
 * detector prefetches the chain of the events ahead in stages, one link
 * per stage, and the misses overlap the work on the events before. A
 * known scanner's events never count toward a surge (known.h). */
static void run(struct ww_analysis *a, unsigned set, const struct ww_event *b, size_t n)
{
    size_t i;
    if (set & SCAN)
        for (i = 0; i < n; i++) {
            STAGES(ww_scan_prefetch, a->scan, b, i, n);
            ww_scan_event(a->scan, &b[i]);
        }
    if (set & PORTS)
        for (i = 0; i < n; i++) {
            if (i + 2 * AHEAD < n) ww_ports_prefetch(a->ports, &b[i + 2 * AHEAD]);
            ww_ports_event(a->ports, &b[i]);
        }
    if (set & SURGE)
        for (i = 0; i < n; i++) {
            STAGES(ww_surges_prefetch, a->surges, b, i, n);
            if (!ww_known_label(a->known, &b[i].src)) ww_surges_event(a->surges, &b[i]);
        }
    if (set & BSC)
        for (i = 0; i < n; i++) ww_backscatter_event(a->backscatter, &b[i]);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct ww_pipe *p = w->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (w->tail == p->head && !p->done) pthread_cond_wait(&p->work, &p->mu);
        if (w->tail == p->head) { /* done, and nothing left */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        size_t k = w->tail % NBLOCKS, n = p->len[k];
        pthread_mutex_unlock(&p->mu);
        run(p->a, w->set, p->blk + k * BLOCK, n);
        pthread_mutex_lock(&p->mu);
        w->tail++;
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->mu);
    }
}

static uint64_t slowest(const struct ww_pipe *p)
{
    uint64_t t = p->w[0].tail;
    for (unsigned i = 1; i < p->nworkers; i++)
        if (p->w[i].tail < t) t = p->w[i].tail;
    return t;
}

/* Hands the block being filled to the workers, runs the caller's own
 * detectors over it meanwhile, and waits for room for the next. */
static void publish(struct ww_pipe *p)
{
    const struct ww_event *b = p->blk + (p->head % NBLOCKS) * BLOCK;
    size_t n = p->fill;
    if (p->nworkers) {
        pthread_mutex_lock(&p->mu);
        p->len[p->head % NBLOCKS] = n;
        p->head++;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
    }
    run(p->a, p->a->inline_set, b, n); /* workers only read the block too */
    p->fill = 0;
    if (!p->nworkers) return;
    pthread_mutex_lock(&p->mu); /* the next block's slot: every worker past it */
    while (p->head - slowest(p) >= NBLOCKS) pthread_cond_wait(&p->room, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* The blocks, and a worker for each detector set past the caller's. */
static struct ww_pipe *pipe_start(struct ww_analysis *a, unsigned threads, unsigned detectors)
{
    struct ww_pipe *p = ww_calloc(1, sizeof *p);
    p->a = a;
    p->blk = ww_malloc((size_t)(threads > 1 ? NBLOCKS : 1) * BLOCK * sizeof *p->blk);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->room, NULL);
    a->inline_set = SETS[threads][0] & detectors;
    for (unsigned i = 1; i < threads; i++) {
        unsigned set = SETS[threads][i] & detectors;
        if (!set) continue;
        struct worker *w = &p->w[p->nworkers];
        w->p = p;
        w->set = set;
        if (pthread_create(&w->th, NULL, work, w)) a->inline_set |= set; /* then the caller runs it */
        else p->nworkers++;
    }
    return p;
}

void ww_analysis_init(struct ww_analysis *a, const struct ww_analysis_opts *o)
{
    memset(a, 0, sizeof *a);
    if (o->detectors & WW_ANALYSIS_SCAN) a->scan = ww_scan_new(&o->scan);
    if (o->detectors & WW_ANALYSIS_PORTS) a->ports = ww_ports_new(&o->ports);
    if (o->detectors & WW_ANALYSIS_SURGE) a->surges = ww_surges_new(&o->surge);
    if (o->detectors & WW_ANALYSIS_BACKSCATTER) a->backscatter = ww_backscatter_new(&o->backscatter);
    a->known = o->known;
    a->osdb = o->osdb;
    unsigned threads = o->threads < 1 ? 1 : o->threads > WW_ANALYSIS_THREADS_MAX
                     ? WW_ANALYSIS_THREADS_MAX : o->threads;
    a->pipe = pipe_start(a, threads, o->detectors);
}

/* fp's match in p0f's database; a scan's SYNs come alike one after
 * another, so the last one's match is kept (a compare of 28 bytes where a
 * match is a search of the database's signatures for the layout). */
static uint16_t os_of(struct ww_analysis *a, const struct ww_synfp *fp)
{
    if (!memcmp(fp, &a->last_fp, sizeof *fp)) return a->last_os;
    a->last_fp = *fp;
    return a->last_os = ww_osdb_match(a->osdb, fp);
}

void ww_analysis_event(struct ww_analysis *a, const struct ww_event *ev)
{
    if (!a->records || ev->ts_us < a->first_us) a->first_us = ev->ts_us;
    if (!a->records || ev->ts_us > a->last_us) a->last_us = ev->ts_us;
    a->records += ev->count;
    struct ww_pipe *p = a->pipe;
    struct ww_event *e = &p->blk[(p->head % NBLOCKS) * BLOCK + p->fill++]; /* head stays 0 without workers */
    *e = *ev;
    if (a->osdb && ev->fp.flags) e->os = os_of(a, &ev->fp);
    if (p->fill == BLOCK) publish(p);
}

/* A thread's CPU seconds so far (0 if the clock cannot be read). */
static double cpu_of(pthread_t th)
{
    clockid_t c;
    struct timespec t;
    if (pthread_getcpuclockid(th, &c) || clock_gettime(c, &t)) return 0;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ww_analysis_finish(struct ww_analysis *a)
{
    struct ww_pipe *p = a->pipe;
    if (!p) return;
    if (p->fill) publish(p);
    if (p->nworkers) { /* every worker past the last block: a barrier, they stay */
        pthread_mutex_lock(&p->mu);
        while (slowest(p) != p->head) pthread_cond_wait(&p->room, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    a->nthreads = 1 + p->nworkers;
    a->thread_set[0] = a->inline_set;
    a->thread_cpu_s[0] = cpu_of(pthread_self());
    for (unsigned i = 0; i < p->nworkers; i++) {
        a->thread_set[1 + i] = p->w[i].set;
        a->thread_cpu_s[1 + i] = cpu_of(p->w[i].th);
    }
}

/* Stops the workers (after the blocks given so far) and frees the blocks. */
static void pipe_stop(struct ww_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nworkers; i++) pthread_join(p->w[i].th, NULL);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    ww_free(p->blk);
    ww_free(p);
}

void ww_analysis_release(struct ww_analysis *a)
{
    struct ww_pipe *p = a->pipe;
    if (p) {
        ww_analysis_finish(a);
        pipe_stop(p);
    }
    ww_scan_free(a->scan);
    ww_ports_free(a->ports);
    ww_surges_free(a->surges);
    ww_backscatter_free(a->backscatter);
    memset(a, 0, sizeof *a);
}

/* analysis.c -- events to every detector that is on (see analysis.h).
 *
 * Events are copied into blocks of BLOCK; a detector runs over a whole
 * block at a time (run(): prefetching the events ahead). The unit of work
 * is a *step*: one detector over its next block. Each detector takes the
 * blocks strictly in order and one step at a time (its `busy` flag), so it
 * sees every event in the very same order whatever the threads, and the
 * findings are the same; which thread runs a step does not matter.
 *
 * One thread: one block; when it is full (or at finish) the caller runs
 * every detector's step over it. More threads: a ring of NBLOCKS blocks.
 * The caller fills the block at `head` and publishes it; any thread takes
 * any detector's next step (the one furthest behind first) -- the workers
 * always, the caller only when the ring is full or at finish, so it reads
 * and parses while there is room and helps the detectors when they fall
 * behind. The load balances itself whatever the input costs to read (a
 * log's parsing, a capture's decoding) and whatever each detector costs:
 * on two cores both threads stay busy. A block's slot is filled again once
 * every detector has passed it, so memory stays NBLOCKS x BLOCK events
 * (1.8 MiB). ww_analysis_finish runs and waits until every detector has
 * taken every block (the workers stay); ww_analysis_release stops them.
 * One mutex and one condition variable, touched once per step (4,096
 * events), not per event. The caller's thread also matches each SYN's
 * fingerprint against p0f's database as it copies the event into the
 * block (os_of): the steps only read the blocks, and every detector sees
 * the same os. */
#include "detect/analysis.h"

#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

#define BLOCK 4096
#define NBLOCKS 8
#define WORKERS_MAX (WW_ANALYSIS_THREADS_MAX - 1)

enum { SCAN = WW_ANALYSIS_SCAN, PORTS = WW_ANALYSIS_PORTS, SURGE = WW_ANALYSIS_SURGE,
       BSC = WW_ANALYSIS_BACKSCATTER };

struct det {
    unsigned bit;                 /* WW_ANALYSIS_* */
    uint64_t tail;                /* blocks it has taken */
    int busy;                     /* a thread is running its step */
    double cpu_s;                 /* CPU seconds of its steps */
};

struct ww_pipe {
    struct ww_analysis *a;
    pthread_mutex_t mu;
    pthread_cond_t cv;            /* a step ended, a block came, or done */
    uint64_t head;                /* blocks published */
    int done;                     /* no more blocks will come */
    unsigned nblocks;             /* NBLOCKS, 1 without workers */
    size_t fill;                  /* events in block head % nblocks */
    size_t len[NBLOCKS];
    struct ww_event *blk;         /* nblocks x BLOCK */
    struct ww_event *cur;         /* block head % nblocks: where the caller writes (no
                                     division an event) */
    unsigned ndets;
    struct det det[4];
    double caller_steps_s;        /* the caller's CPU in steps */
    unsigned nworkers;
    pthread_t th[WORKERS_MAX];
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

/* Detector `bit` over a block of n events. The tables are far larger than
 * the caches, and each look-up is a chain of cache misses (an index slot,
 * the entry it names, the entry's distinct counters), so each detector
 * prefetches the chain of the events ahead in stages, one link per stage,
 * and the misses overlap the work on the events before. A known scanner's
 * events never count toward a surge (known.h). */
static void run(struct ww_analysis *a, unsigned bit, const struct ww_event *b, size_t n)
{
    size_t i;
    switch (bit) {
    case SCAN:
        for (i = 0; i < n; i++) {
            WW_PREFETCH_STAGES(ww_scan_prefetch, a->scan, b, i, n);
            ww_scan_event(a->scan, &b[i]);
        }
        break;
    case PORTS:
        for (i = 0; i < n; i++) {
            WW_PREFETCH_STAGES(ww_ports_prefetch, a->ports, b, i, n);
            ww_ports_event(a->ports, &b[i]);
        }
        break;
    case SURGE:
        for (i = 0; i < n; i++) {
            WW_PREFETCH_STAGES(ww_surges_prefetch, a->surges, b, i, n);
            if (!ww_known_label(a->known, &b[i].src)) ww_surges_event(a->surges, &b[i]);
        }
        break;
    case BSC:
        for (i = 0; i < n; i++) ww_backscatter_event(a->backscatter, &b[i]);
        break;
    }
}

/* A thread's CPU seconds so far (0 if the clock cannot be read). */
static double cpu_of(pthread_t th)
{
    clockid_t c;
    struct timespec t;
    if (pthread_getcpuclockid(th, &c) || clock_gettime(c, &t)) return 0;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* With p->mu held: the detector whose next block is published and not
 * being run, the one furthest behind first; NULL if none. */
static struct det *take(struct ww_pipe *p)
{
    struct det *best = NULL;
    for (unsigned i = 0; i < p->ndets; i++) {
        struct det *d = &p->det[i];
        if (!d->busy && d->tail < p->head && (!best || d->tail < best->tail)) best = d;
    }
    return best;
}

/* With p->mu held: runs d's step (the lock dropped meanwhile); its CPU
 * seconds. */
static double step(struct ww_pipe *p, struct det *d)
{
    d->busy = 1;
    size_t k = d->tail % p->nblocks, n = p->len[k];
    pthread_mutex_unlock(&p->mu);
    double t0 = cpu_of(pthread_self());
    run(p->a, d->bit, p->blk + k * BLOCK, n);
    double s = cpu_of(pthread_self()) - t0;
    pthread_mutex_lock(&p->mu);
    d->cpu_s += s;
    d->tail++;
    d->busy = 0;
    pthread_cond_broadcast(&p->cv);
    return s;
}

static void *work(void *arg)
{
    struct ww_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct det *d = take(p);
        if (d) step(p, d);
        else if (p->done) break;
        else pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* With p->mu held: the blocks no detector has taken yet. */
static uint64_t behind(const struct ww_pipe *p)
{
    uint64_t t = p->head;
    for (unsigned i = 0; i < p->ndets; i++)
        if (p->det[i].tail < t) t = p->det[i].tail;
    return p->head - t;
}

/* Hands the block being filled on, then (the caller) runs steps while the
 * ring is full -- until fewer than `room` blocks are waiting -- waiting
 * for the workers' steps when there is none to take. */
static void publish(struct ww_pipe *p, uint64_t room)
{
    pthread_mutex_lock(&p->mu);
    if (p->fill) {
        p->len[p->head % p->nblocks] = p->fill;
        p->head++;
        p->fill = 0;
        p->cur = p->blk + (p->head % p->nblocks) * BLOCK;
        pthread_cond_broadcast(&p->cv);
    }
    while (behind(p) >= room) {
        struct det *d = take(p);
        if (d) p->caller_steps_s += step(p, d);
        else pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* The blocks, a step for each detector that is on, the workers. */
static struct ww_pipe *pipe_start(struct ww_analysis *a, unsigned threads, unsigned detectors)
{
    struct ww_pipe *p = ww_calloc(1, sizeof *p);
    p->a = a;
    p->nblocks = threads > 1 ? NBLOCKS : 1;
    p->blk = ww_malloc((size_t)p->nblocks * BLOCK * sizeof *p->blk);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (unsigned bit = 1; bit <= BSC; bit <<= 1)
        if (detectors & bit) p->det[p->ndets++].bit = bit;
    /* A detector's tables grow and shrink on whichever thread runs its
     * step: with glibc's per-thread arenas and its mmap threshold moving
     * up as large blocks are freed, a table freed in one arena was not
     * reused by a growth in another (2 M one-shot sources: 16 MiB more a
     * thread, past the 300 MB bound at 4). A fixed threshold makes every
     * block of 1 MiB or more a mapping of its own, given back when freed. */
#ifdef M_MMAP_THRESHOLD
    if (threads > 1) mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    for (unsigned i = 1; i < threads && p->nworkers < WORKERS_MAX; i++)
        if (!pthread_create(&p->th[p->nworkers], NULL, work, p)) p->nworkers++;
    if (!p->nworkers) p->nblocks = 1; /* then the caller runs every step */
    p->cur = p->blk;
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
    struct ww_event *e = &p->cur[p->fill++];
    *e = *ev;
    if (a->osdb && ev->fp.flags) e->os = os_of(a, &ev->fp);
    if (p->fill == BLOCK) publish(p, p->nblocks);
}

void ww_analysis_finish(struct ww_analysis *a)
{
    struct ww_pipe *p = a->pipe;
    if (!p) return;
    publish(p, 1); /* every detector past the last block: a barrier, the workers stay */
    a->nthreads = 1 + p->nworkers;
    a->thread_cpu_s[0] = cpu_of(pthread_self());
    a->reading_cpu_s = a->thread_cpu_s[0] - p->caller_steps_s;
    for (unsigned i = 0; i < p->nworkers; i++) a->thread_cpu_s[1 + i] = cpu_of(p->th[i]);
    for (unsigned i = 0; i < p->ndets; i++)
        a->detector_cpu_s[__builtin_ctz(p->det[i].bit)] = p->det[i].cpu_s;
}

/* Stops the workers (after the blocks given so far) and frees the blocks. */
static void pipe_stop(struct ww_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nworkers; i++) pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->cv);
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

/* sensor.c -- the sensor's run (see sensor.h): open the parts, loop, end.
 *
 * One thread, one loop: read what is new in every source -- complete lines
 * of every followed file, journalctl's entries, the packets captured -- and
 * hand each event to local detection (local.c) and to the open batch
 * (outbox.c); close the batch every --flush seconds (the outbox also closes
 * it at --batch events) and say the scanners found; POST spooled batches
 * while the collector takes them (submit.c) -- one a round when capturing,
 * so the capture is read between any two POSTs; retry the spool for batches it
 * refused; when no source had anything, wait 100 ms or until the capture
 * has packets (poll). Every 5 s the capture's kernel counters are read and
 * new drops said. When *stop is set the capture's pending probes are
 * decided, its counters said, the last batch is committed, and what could
 * not be spooled is said. */
#include "sensor/sensor_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>

#include "core/wtime.h"

#define CAPTURE_READ 65536          /* packets a pcap_dispatch() */
#define CAPTURE_ROUND (16 * CAPTURE_READ) /* ... and a round */

struct sensor {
    const struct ww_sensor_opts *o;
    struct slog log;
    struct outbox out;
    struct submit sub;
    struct local loc;
    struct file_src *files;
    struct journal *journal;
    struct ww_capture *cap;
    struct ww_input_stats cap_st;
    double cap_t;                /* when the capture's counters were last read */
    uint64_t cap_drops;          /* the kernel's drops last said */
    enum ww_err rc;              /* why the run ended, if it failed */
};

static void say(const struct slog *l, enum ww_sensor_say kind, const char *fmt, va_list ap)
{
    char msg[8192];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (l->fn) l->fn(l->ctx, kind, msg);
}

void sensor_warn(const struct slog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(l, WW_SENSOR_WARN, fmt, ap);
    va_end(ap);
}

void sensor_finding(const struct slog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(l, WW_SENSOR_FINDING, fmt, ap);
    va_end(ap);
}

void sensor_bad(const struct slog *l, const char *where, uint64_t n, const char *why,
                const char *what, const struct ww_input_stats *st)
{
    if (st->skipped <= 10 || st->skipped % 1000 == 0)
        sensor_warn(l, "%s %llu: %s; %s skipped (%llu so far)", where, (unsigned long long)n, why,
                    what, (unsigned long long)st->skipped);
}

double sensor_now(void) { return (double)ww_mono_us() / WW_SEC_US; }

void ww_sensor_opts_default(struct ww_sensor_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch_max = 1000;
    o->spool_max = 256ull << 20;
    o->flush_s = 2;
    o->anon = WW_SENSOR_ANON_CRYPTOPAN;
    o->anon_bits = 16;
    o->user = "nobody";
    o->capture_buffer = (size_t)64 << 20;
    ww_scan_opts_default(&o->scan);
}

/* outbox_where_fn: the sources' positions now */
static void where(void *ctx, uint64_t *pos, char jcur[WW_SENSOR_CURSOR_MAX])
{
    struct sensor *s = ctx;
    files_where(s->files, s->o->nfiles, pos);
    snprintf(jcur, WW_SENSOR_CURSOR_MAX, "%s", s->journal ? journal_cursor(s->journal) : "");
}

/* ww_event_fn: every event of every source */
static void on_event(void *ctx, const struct ww_event *e)
{
    struct sensor *s = ctx;
    local_event(&s->loc, e);
    outbox_add(&s->out, e);
}

/* ww_bad_fn: a bad packet */
static void on_bad_packet(void *ctx, const char *name, uint64_t n, const char *why)
{
    struct sensor *s = ctx;
    char at[300];
    snprintf(at, sizeof at, "%s: packet", name);
    sensor_bad(&s->log, at, n, why, "packet", &s->cap_st);
}

/* Everything before the first read, in the order a failure is best said. */
static enum ww_err start(struct sensor *s)
{
    const struct ww_sensor_opts *o = s->o;
    char err[4400];
    enum ww_err rc;
    if ((rc = local_init(&s->loc, &o->scan, o->block, &s->log, err, sizeof err)) ||
        (rc = outbox_open(&s->out, o, &s->log, where, s, err, sizeof err))) {
        sensor_warn(&s->log, "%s", err);
        return rc;
    }
    s->files = files_open(o, s->out.pos, &s->log);
    files_where(s->files, o->nfiles, s->out.pos); /* where each file really starts */
    if (o->journal && (rc = journal_open(&s->journal, o, &s->out, &s->log))) return rc;
    if (o->ifname &&
        (rc = capture_open(o, on_event, s, &s->cap_st, &s->cap, err, sizeof err))) {
        sensor_warn(&s->log, "%s", err);
        return rc;
    }
    submit_init(&s->sub, o, &s->log);
    return WW_OK;
}

/* One round over the sources: 1 if any had something. */
static int read_sources(struct sensor *s)
{
    volatile sig_atomic_t *stop = s->o->stop;
    char err[PCAP_ERRBUF_SIZE + 64];
    int got = files_read(s->files, s->o->nfiles, on_event, s, &s->log, stop), n;
    if (s->journal && journal_read(s->journal, on_event, s, stop, &s->rc)) got = 1;
    /* the capture's ring read dry (up to CAPTURE_ROUND packets): a round
     * also holds a POST, which may wait long while packets keep coming */
    for (int k = 0; s->cap && k < CAPTURE_ROUND / CAPTURE_READ && !*stop; k++) {
        if (ww_capture_dispatch(s->cap, CAPTURE_READ, on_bad_packet, s, s->o->ifname, &n, err,
                                sizeof err)) {
            sensor_warn(&s->log, "capture: %s", err);
            *stop = 1;
        }
        if (n > 0) got = 1;
        if (n < CAPTURE_READ) break;
    }
    return got;
}

/* The kernel's capture counters: its drops said when they moved (read
 * every 5 s), and all of them at the end. */
static void capture_counters(struct sensor *s, int end)
{
    struct ww_capture_stats k;
    char err[PCAP_ERRBUF_SIZE];
    const char *ifname = s->o->ifname;
    s->cap_t = sensor_now();
    if (ww_capture_stats(s->cap, &k, err, sizeof err)) {
        if (end) sensor_warn(&s->log, "%s: no capture counters: %s", ifname, err);
        return;
    }
    if (end)
        sensor_warn(&s->log, "%s: %llu packets read; the kernel received %llu, dropped %llu "
                    "(capture buffer full); the interface dropped %llu", ifname,
                    (unsigned long long)s->cap_st.lines, (unsigned long long)k.recv,
                    (unsigned long long)k.drop, (unsigned long long)k.ifdrop);
    else if (k.drop > s->cap_drops)
        sensor_warn(&s->log, "%s: the kernel dropped %llu packets (%llu in all): the sensor "
                    "does not keep up; a larger --capture-buffer absorbs longer bursts", ifname,
                    (unsigned long long)(k.drop - s->cap_drops), (unsigned long long)k.drop);
    s->cap_drops = k.drop;
}

/* Nothing was read: 100 ms, or until the capture has packets. */
static void idle(struct sensor *s)
{
    struct pollfd p = {s->cap ? ww_capture_fd(s->cap) : -1, POLLIN, 0};
    poll(&p, 1, 100); /* an fd of -1 is ignored: a plain sleep */
}

static void loop(struct sensor *s)
{
    volatile sig_atomic_t *stop = s->o->stop;
    while (!*stop) {
        int got = read_sources(s);
        if (sensor_now() - s->out.t0 >= s->o->flush_s) {
            outbox_commit(&s->out);
            local_report(&s->loc);
        }
        outbox_log_dropped(&s->out, 0);
        /* a capture is read between any two POSTs: the kernel's buffer
         * fills while a POST waits, and what it cannot take is lost */
        int sent = 0;
        while (!*stop && submit_one(&s->sub, &s->out)) {
            sent = 1;
            if (s->cap) break;
        }
        outbox_spool_held(&s->out);
        if (s->cap && sensor_now() - s->cap_t >= 5) capture_counters(s, 0);
        /* no wait while the spool drains: a quiet capture would otherwise
         * hold a backlog to one POST per wait */
        if (!got && !sent && !*stop) idle(s);
    }
}

/* The last batch, the last findings, then every part closed. */
static void finish(struct sensor *s)
{
    if (s->cap) {
        ww_capture_flush(s->cap);
        capture_counters(s, 1);
    }
    outbox_finish(&s->out, s->cap != NULL); /* a capture cannot be read again */
    local_report(&s->loc);
}

static void release(struct sensor *s)
{
    ww_capture_free(s->cap);
    if (s->cap_st.skipped)
        sensor_warn(&s->log, "%s: %llu bad packets skipped", s->o->ifname,
                    (unsigned long long)s->cap_st.skipped);
    journal_close(s->journal);
    if (s->files) files_close(s->files, s->o->nfiles, &s->log);
    local_release(&s->loc);
    outbox_release(&s->out);
    if (s->sub.http) submit_release(&s->sub);
}

enum ww_err ww_sensor_run(const struct ww_sensor_opts *o)
{
    struct sensor s = {.o = o, .log = {o->log, o->log_ctx}};
    enum ww_err rc = start(&s);
    if (!rc) {
        loop(&s);
        finish(&s);
        rc = s.rc;
    }
    release(&s);
    return rc;
}

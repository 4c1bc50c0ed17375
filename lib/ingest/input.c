/* input.c -- files to events (see input.h).
 *
 * The format is the registry's (format.h): forced, or sniffed from the
 * first 4 KiB; lines go through ww_lines_parse, which counts them, captures
 * through the capture reader (pcap.h).
 *
 * Text formats: the file is read in blocks into one buffer and split at '\n'
 * in place (memchr), so a line is a (pointer, length) into that buffer and
 * nothing is copied or allocated per line. A partial line at the end of a
 * block moves to the front before the next read. A line that grows past
 * WW_INPUT_MAXLINE without a newline is counted as one bad line and the rest
 * of it is discarded up to the next newline.
 * Captures go to the pcap reader with a FILE* that still starts at byte 0:
 * regular files are rewound, pipes get the sniffed bytes put back through a
 * fopencookie() stream.
 * Pooling (ww_input_files) is a k-way merge: a binary min-heap of readers
 * keyed on the time of each one's next event. Every input is opened before
 * any is read, so a missing one fails the run before any event is emitted. */
#define _GNU_SOURCE
#include "ingest/input.h"
#include "ingest/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"

#define BLOCK_ONE (1u << 20)    /* buffer when reading one file */
#define BLOCK_MANY (256u << 10) /* per file when pooling many */
#define SNIFF 4096
#define PROGRESS_EVERY 65536    /* events between progress calls */

void ww_input_opts_init(struct ww_input_opts *o)
{
    memset(o, 0, sizeof *o);
    ww_parse_ctx_init(&o->pctx);
    o->flow_timeout_us = 3 * WW_SEC_US;
    o->flow_capacity = 1u << 20;
}

struct ww_reader {
    char *path;
    const struct ww_input_opts *o;
    enum ww_format format;
    struct ww_input_stats st;
    int done;                  /* at the end, or stopped by an error */
    enum ww_err status;        /* the error that stopped it */
    uint64_t err_line;
    char err[256];
    /* text */
    FILE *fp;
    int is_stdin;
    struct ww_lines lines;
    char *buf;
    size_t cap, have, start;
    int eof, discarding;
    /* capture */
    struct ww_pcap_reader *pcap;
};

/* A stream that replays `head` and then reads on from `fp` (for pipes). */
struct replay {
    FILE *fp;
    unsigned char head[SNIFF];
    size_t len, pos;
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
    struct replay *r = cookie;
    if (r->pos < r->len) {
        size_t n = r->len - r->pos < size ? r->len - r->pos : size;
        memcpy(buf, r->head + r->pos, n);
        r->pos += n;
        return (ssize_t)n;
    }
    size_t n = fread(buf, 1, size, r->fp);
    if (n == 0 && ferror(r->fp)) return -1;
    return (ssize_t)n;
}

static int replay_close(void *cookie)
{
    struct replay *r = cookie;
    int rc = r->fp == stdin ? 0 : fclose(r->fp);
    ww_free(r);
    return rc;
}

static struct ww_reader *open_reader(const char *path, const struct ww_input_opts *o,
                                     size_t block, enum ww_err *err, char *errbuf, size_t errlen)
{
    int is_stdin = !strcmp(path, "-");
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        *err = WW_ERR_IO;
        return NULL;
    }
    struct ww_reader *r = ww_calloc(1, sizeof *r);
    r->path = ww_strdup(path);
    r->o = o;
    r->is_stdin = is_stdin;
    r->cap = block + WW_INPUT_MAXLINE;
    r->buf = ww_malloc(r->cap);
    r->have = fread(r->buf, 1, SNIFF, fp);
    if (r->have == 0 && ferror(fp)) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        *err = WW_ERR_IO;
        r->fp = fp;
        ww_reader_close(r);
        return NULL;
    }
    r->format = o->format;
    if (r->format == WW_FMT_AUTO) r->format = ww_format_sniff((unsigned char *)r->buf, r->have);
    if (r->format == WW_FMT_AUTO) r->format = WW_FMT_NETFILTER; /* unknown: lines count as bad */

    if (r->format != WW_FMT_PCAP) {
        r->fp = fp;
        r->st.bytes = r->have;
        ww_lines_init(&r->lines, r->format, &o->pctx, &r->st);
        return r;
    }
    FILE *pfp = fp;
    if (is_stdin || fseek(fp, 0, SEEK_SET) != 0) {
        struct replay *rp = ww_calloc(1, sizeof *rp);
        cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
        rp->fp = fp;
        memcpy(rp->head, r->buf, r->have);
        rp->len = r->have;
        pfp = fopencookie(rp, "rb", io);
        if (!pfp) {
            ww_free(rp);
            snprintf(errbuf, errlen, "%s", strerror(errno));
            *err = WW_ERR_IO;
            r->fp = fp;
            ww_reader_close(r);
            return NULL;
        }
    }
    ww_free(r->buf);
    r->buf = NULL;
    r->pcap = ww_pcap_open(r->path, pfp, o, &r->st, errbuf, errlen); /* owns pfp */
    if (!r->pcap) {
        *err = WW_ERR_FORMAT;
        ww_reader_close(r);
        return NULL;
    }
    return r;
}

struct ww_reader *ww_reader_open(const char *path, const struct ww_input_opts *o,
                                 enum ww_err *err, char *errbuf, size_t errlen)
{
    return open_reader(path, o, BLOCK_ONE, err, errbuf, errlen);
}

/* The reader stops: status, and the message. */
static void stop(struct ww_reader *r, enum ww_err status, const char *msg)
{
    r->done = 1;
    r->status = status;
    snprintf(r->err, sizeof r->err, "%s", msg);
}

/* One line (without '\n'): 1 if *ev is an event, else 0. A bad line (counted)
 * is reported; in strict mode it stops the reader. */
static int text_line(struct ww_reader *r, const char *line, size_t len, struct ww_event *ev)
{
    const char *why;
    switch (ww_lines_parse(&r->lines, line, len, ev, &why)) {
    case WW_PARSE_EVENT:
        return 1;
    case WW_PARSE_SKIP:
        return 0;
    case WW_PARSE_BAD:
        break;
    }
    if (r->o->on_bad) r->o->on_bad(r->o->bad_ctx, r->path, r->st.lines, why);
    if (r->o->strict) {
        r->err_line = r->st.lines;
        stop(r, WW_ERR_PARSE, why);
    }
    return 0;
}

static int text_next(struct ww_reader *r, struct ww_event *ev)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->have - r->start);
        if (nl) {
            const char *line = r->buf + r->start;
            size_t len = (size_t)(nl - line);
            r->start += len + 1;
            if (r->discarding) {
                r->discarding = 0;
                continue;
            }
            if (text_line(r, line, len, ev)) return 1;
            if (r->done) return 0;
            continue;
        }
        if (r->eof) { /* a last line without '\n' */
            r->done = 1;
            if (r->start < r->have && !r->discarding) {
                const char *line = r->buf + r->start;
                size_t len = r->have - r->start;
                r->start = r->have;
                return text_line(r, line, len, ev);
            }
            return 0;
        }
        memmove(r->buf, r->buf + r->start, r->have - r->start);
        r->have -= r->start;
        r->start = 0;
        if (r->have > WW_INPUT_MAXLINE) { /* overlong line: count once, drop the rest */
            if (!r->discarding && (text_line(r, r->buf, r->have, ev), r->done)) return 0;
            r->discarding = 1;
            r->have = 0;
        }
        size_t n = fread(r->buf + r->have, 1, r->cap - r->have, r->fp);
        if (n == 0 && ferror(r->fp)) {
            char msg[200];
            snprintf(msg, sizeof msg, "read error: %s", strerror(errno));
            stop(r, WW_ERR_IO, msg);
            return 0;
        }
        if (n == 0) r->eof = 1;
        r->have += n;
        r->st.bytes += n;
    }
}

int ww_reader_next(struct ww_reader *r, struct ww_event *ev)
{
    if (r->done) return 0;
    if (r->pcap) {
        if (ww_pcap_next(r->pcap, ev, &r->status, &r->err_line, r->err, sizeof r->err)) return 1;
        r->done = 1;
        return 0;
    }
    return text_next(r, ev);
}

enum ww_err ww_reader_status(const struct ww_reader *r) { return r->status; }

const struct ww_input_stats *ww_reader_stats(const struct ww_reader *r) { return &r->st; }
enum ww_format ww_reader_format(const struct ww_reader *r) { return r->format; }
const char *ww_reader_path(const struct ww_reader *r) { return r->path; }

const char *ww_reader_error(const struct ww_reader *r, uint64_t *line)
{
    if (line) *line = r->err_line;
    return r->err;
}

void ww_reader_close(struct ww_reader *r)
{
    if (!r) return;
    if (r->pcap) ww_pcap_close(r->pcap);
    if (r->fp && !r->is_stdin) fclose(r->fp);
    ww_free(r->buf);
    ww_free(r->path);
    ww_free(r);
}

enum ww_err ww_input_file(const char *path, struct ww_input_opts *o,
                          struct ww_input_stats *st, enum ww_format *used_format,
                          uint64_t *err_line, char *errbuf, size_t errlen)
{
    enum ww_err rc = WW_OK;
    struct ww_event ev;
    *err_line = 0;
    struct ww_reader *r = ww_reader_open(path, o, &rc, errbuf, errlen);
    if (!r) return rc;
    if (used_format) *used_format = r->format;
    while (ww_reader_next(r, &ev)) {
        if (o->on_event) o->on_event(o->event_ctx, &ev);
        if (o->on_progress && r->st.events % PROGRESS_EVERY == 0)
            o->on_progress(o->progress_ctx, st->bytes + r->st.bytes);
    }
    st->lines += r->st.lines, st->events += r->st.events;
    st->skipped += r->st.skipped, st->bytes += r->st.bytes;
    if ((rc = r->status)) snprintf(errbuf, errlen, "%s", ww_reader_error(r, err_line));
    ww_reader_close(r);
    return rc;
}

/* ---- pooling: k-way merge ---- */

struct head {
    struct ww_reader *r;
    struct ww_event ev; /* its next event */
    uint16_t sensor;    /* the file's place in the list: its events' sensor */
};

static void sift_down(struct head *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l].ev.ts_us < h[m].ev.ts_us) m = l;
        if (l + 1 < n && h[l + 1].ev.ts_us < h[m].ev.ts_us) m = l + 1;
        if (m == i) return;
        struct head t = h[i];
        h[i] = h[m], h[m] = t;
        i = m;
    }
}

/* r is finished (or the run stopped, with r fine so far): said, closed. */
static void done(struct ww_reader *r, ww_file_done_fn on_done, void *ctx)
{
    uint64_t line;
    const char *msg = ww_reader_error(r, &line);
    enum ww_err rc = r->status;
    if (on_done) on_done(ctx, r->path, rc, &r->st, line, rc ? msg : "");
    ww_reader_close(r);
}

enum ww_err ww_input_files(const char *const *paths, size_t n, struct ww_input_opts *o,
                   ww_file_done_fn on_done, void *done_ctx)
{
    struct head *h = ww_calloc(n ? n : 1, sizeof *h);
    size_t nh = 0;
    enum ww_err result = WW_OK;
    uint64_t bytes_done = 0, emitted = 0;

    /* open every input before reading any: one that cannot be opened fails
     * the run before a single event goes out */
    for (size_t i = 0; i < n; i++) {
        enum ww_err err = WW_OK;
        char msg[256] = "";
        struct ww_input_stats none = {0};
        struct ww_reader *r = open_reader(paths[i], o, n > 1 ? BLOCK_MANY : BLOCK_ONE,
                                          &err, msg, sizeof msg);
        if (!r) {
            if (on_done) on_done(done_ctx, paths[i], err, &none, 0, msg);
            result = WW_ERR_IO;
            continue;
        }
        h[nh].sensor = (uint16_t)i;
        h[nh++].r = r;
    }
    if (result) {
        for (size_t i = 0; i < nh; i++) ww_reader_close(h[i].r);
        ww_free(h);
        return result;
    }
    for (size_t i = 0; i < nh;) { /* each one's first event */
        if (ww_reader_next(h[i].r, &h[i].ev)) {
            i++;
            continue;
        }
        enum ww_err rc = h[i].r->status;
        bytes_done += h[i].r->st.bytes;
        done(h[i].r, on_done, done_ctx);
        h[i] = h[--nh];
        if (rc == WW_ERR_PARSE) goto stop;
        if (rc) result = rc;
    }
    for (size_t i = nh / 2; i-- > 0;) sift_down(h, nh, i);
    while (nh) {
        h[0].ev.sensor = h[0].sensor;
        if (o->on_event) o->on_event(o->event_ctx, &h[0].ev);
        if (o->on_progress && ++emitted % PROGRESS_EVERY == 0) {
            uint64_t b = bytes_done;
            for (size_t i = 0; i < nh; i++) b += h[i].r->st.bytes;
            o->on_progress(o->progress_ctx, b);
        }
        if (!ww_reader_next(h[0].r, &h[0].ev)) {
            enum ww_err rc = h[0].r->status;
            bytes_done += h[0].r->st.bytes;
            done(h[0].r, on_done, done_ctx);
            h[0] = h[--nh];
            if (rc == WW_ERR_PARSE) goto stop;
            if (rc) result = rc;
        }
        sift_down(h, nh, 0);
    }
    ww_free(h);
    return result;
stop:
    for (size_t i = 0; i < nh; i++) done(h[i].r, on_done, done_ctx);
    ww_free(h);
    return WW_ERR_PARSE;
}

/* input.c -- files to events (see input.h).
 *
 * Text formats: the file is read in 1 MiB blocks into one buffer and split
 * at '\n' in place (memchr), so a line is a (pointer, length) into that
 * buffer and nothing is copied or allocated per line. A partial line at the
 * end of a block moves to the front before the next read. A line that grows
 * past WW_INPUT_MAXLINE without a newline is counted as one bad line and the
 * rest of it is discarded up to the next newline.
 * Format detection reads the first block (or its first 4 KiB) and asks
 * ww_format_sniff(); captures go to ww_input_pcap() with a FILE* that still
 * starts at byte 0: regular files are rewound, pipes get the sniffed bytes
 * put back through a fopencookie() stream. */
#define _GNU_SOURCE
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"

#define BLOCK (1u << 20)
#define SNIFF 4096

void ww_input_opts_init(struct ww_input_opts *o)
{
    memset(o, 0, sizeof *o);
    ww_parse_ctx_init(&o->pctx);
    o->flow_timeout_us = 3000000;
    o->flow_capacity = 1u << 20;
}

typedef enum ww_parse_rc (*line_parser)(struct ww_parse_ctx *, const char *, size_t,
                                        struct ww_event *, const char **);

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

struct text_state {
    const char *name;
    struct ww_input_opts *o;
    struct ww_input_stats *st;
    line_parser parse;
    uint64_t *err_line;
    char *errbuf;
    size_t errlen;
};

static int text_bad(struct text_state *ts, const char *why)
{
    ts->st->skipped++;
    if (ts->o->on_bad) ts->o->on_bad(ts->o->bad_ctx, ts->name, ts->st->lines, why);
    if (ts->o->strict) {
        *ts->err_line = ts->st->lines;
        snprintf(ts->errbuf, ts->errlen, "%s", why);
        return WW_ERR_PARSE;
    }
    return WW_OK;
}

/* One line (without '\n'): WW_OK, or WW_ERR_PARSE in strict mode. */
static int text_line(struct text_state *ts, const char *line, size_t len)
{
    struct ww_event ev;
    const char *why = NULL;

    ts->st->lines++;
    if (len > WW_INPUT_MAXLINE) return text_bad(ts, "line longer than 64 KiB");
    if (len && line[len - 1] == '\r') len--;
    switch (ts->parse(&ts->o->pctx, line, len, &ev, &why)) {
    case WW_PARSE_EVENT:
        ts->st->events++;
        ts->o->on_event(ts->o->event_ctx, &ev);
        return WW_OK;
    case WW_PARSE_SKIP:
        return WW_OK;
    case WW_PARSE_BAD:
        break;
    }
    return text_bad(ts, why ? why : "malformed line");
}

/* buf (capacity BLOCK + WW_INPUT_MAXLINE) already holds `have` bytes. */
static int read_text(struct text_state *ts, FILE *fp, char *buf, size_t have)
{
    const size_t cap = BLOCK + WW_INPUT_MAXLINE;
    int discarding = 0, rc;
    uint64_t last_progress = 0;

    for (;;) {
        size_t n = fread(buf + have, 1, cap - have, fp);
        if (n == 0 && ferror(fp)) {
            snprintf(ts->errbuf, ts->errlen, "read error: %s", strerror(errno));
            return WW_ERR_IO;
        }
        ts->st->bytes += n;
        have += n;
        if (ts->o->on_progress && ts->st->bytes - last_progress >= BLOCK) {
            last_progress = ts->st->bytes;
            ts->o->on_progress(ts->o->progress_ctx, ts->st->bytes);
        }
        size_t start = 0;
        char *nl;
        while (start < have && (nl = memchr(buf + start, '\n', have - start))) {
            size_t len = (size_t)(nl - (buf + start));
            if (discarding) discarding = 0;
            else if ((rc = text_line(ts, buf + start, len))) return rc;
            start += len + 1;
        }
        if (n == 0) { /* end of input: a last line without '\n' */
            if (start < have && !discarding)
                return text_line(ts, buf + start, have - start);
            return WW_OK;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (have > WW_INPUT_MAXLINE) { /* overlong line: count once, drop the rest */
            if (!discarding) {
                ts->st->lines++;
                if ((rc = text_bad(ts, "line longer than 64 KiB"))) return rc;
            }
            discarding = 1;
            have = 0;
        }
    }
}

int ww_input_file(const char *path, struct ww_input_opts *o,
                  struct ww_input_stats *st, enum ww_format *used_format,
                  uint64_t *err_line, char *errbuf, size_t errlen)
{
    int is_stdin = !strcmp(path, "-");
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        return WW_ERR_IO;
    }
    char *buf = ww_malloc(BLOCK + WW_INPUT_MAXLINE + 1);
    size_t have = fread(buf, 1, SNIFF, fp);
    if (have == 0 && ferror(fp)) {
        snprintf(errbuf, errlen, "%s", strerror(errno));
        if (!is_stdin) fclose(fp);
        ww_free(buf);
        return WW_ERR_IO;
    }
    st->bytes += have;
    enum ww_format fmt = o->format;
    if (fmt == WW_FMT_AUTO) fmt = ww_format_sniff((unsigned char *)buf, have);
    if (fmt == WW_FMT_AUTO) fmt = WW_FMT_NETFILTER; /* unknown: every line counts as bad */
    if (used_format) *used_format = fmt;
    ww_parse_ctx_newfile(&o->pctx);
    *err_line = 0;

    int rc;
    if (fmt == WW_FMT_PCAP) {
        FILE *pfp = fp;
        st->bytes -= have; /* the pcap reader counts its own bytes */
        if (is_stdin || fseek(fp, 0, SEEK_SET) != 0) {
            struct replay *r = ww_calloc(1, sizeof *r);
            cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
            r->fp = fp;
            memcpy(r->head, buf, have);
            r->len = have;
            pfp = fopencookie(r, "rb", io);
            if (!pfp) {
                ww_free(r);
                if (!is_stdin) fclose(fp);
                ww_free(buf);
                snprintf(errbuf, errlen, "%s", strerror(errno));
                return WW_ERR_IO;
            }
        }
        ww_free(buf);
        /* ww_input_pcap owns pfp now (the replay stream never closes stdin) */
        return ww_input_pcap(path, pfp, o, st, err_line, errbuf, errlen);
    }

    struct text_state ts = {path, o, st, NULL, err_line, errbuf, errlen};
    ts.parse = fmt == WW_FMT_WINFW ? ww_parse_winfw
             : fmt == WW_FMT_DSHIELD ? ww_parse_dshield : ww_parse_netfilter;
    rc = read_text(&ts, fp, buf, have);
    if (!is_stdin) fclose(fp);
    ww_free(buf);
    return rc;
}

/* input.h -- reading files of any supported format into events.
 *
 * ww_input_file() opens one file ("-" = stdin), sniffs its format (unless
 * one is forced), and pushes every event to the caller's callback. Text is
 * read in large blocks and split into lines in place; a line longer than
 * WW_INPUT_MAXLINE is skipped as bad (never truncated into a wrong event).
 * Bad lines and packets are counted and reported through on_bad (file, line
 * or packet number, reason); in strict mode the first one stops the file with
 * WW_ERR_PARSE and *err_line set. Events accepted before that stay accepted. */
#ifndef WW_INPUT_H
#define WW_INPUT_H
#include <stdint.h>
#include "parse.h"
#include "pkt.h"

#define WW_INPUT_MAXLINE 65536

struct ww_input_stats {
    uint64_t lines;    /* text lines, or packets for captures */
    uint64_t events;   /* events emitted (before count expansion) */
    uint64_t skipped;  /* bad lines/packets */
    uint64_t bytes;    /* bytes read */
};

typedef void (*ww_bad_fn)(void *ctx, const char *file, uint64_t line,
                          const char *why);
typedef void (*ww_progress_fn)(void *ctx, uint64_t bytes);

struct ww_input_opts {
    enum ww_format format;        /* WW_FMT_AUTO to sniff */
    int strict;
    struct ww_parse_ctx pctx;     /* parser options (year, boot, tz) */
    int64_t flow_timeout_us;      /* pcap: answer timeout (default 3 s) */
    size_t flow_capacity;         /* pcap: tracked flows (default 1<<20) */
    ww_event_fn on_event; void *event_ctx;
    ww_bad_fn on_bad; void *bad_ctx;              /* may be NULL */
    ww_progress_fn on_progress; void *progress_ctx; /* may be NULL */
};

void ww_input_opts_init(struct ww_input_opts *o);
/* Returns WW_OK, WW_ERR_IO (open/read failed; errno kept), WW_ERR_FORMAT,
 * or WW_ERR_PARSE (strict mode; *err_line gets the line number).
 * *used_format gets the format that was read (may be NULL). */
int ww_input_file(const char *path, struct ww_input_opts *o,
                  struct ww_input_stats *st, enum ww_format *used_format,
                  uint64_t *err_line, char *errbuf, size_t errlen);

/* The pcap path on its own (used by ww_input_file); fp is owned by it. */
int ww_input_pcap(const char *name, void *fp, struct ww_input_opts *o,
                  struct ww_input_stats *st, uint64_t *err_line,
                  char *errbuf, size_t errlen);

#endif

/* input.h -- reading files of any supported format into events.
 *
 * A struct ww_reader is one open input (a file, or "-" for stdin) whose
 * format was sniffed (unless forced); ww_reader_next() pulls its events one
 * at a time. Text is read in large blocks and split into lines in place; a
 * line longer than WW_INPUT_MAXLINE is skipped as bad (never truncated into a
 * wrong event). Bad lines and packets are counted and reported through
 * on_bad (file, line or packet number, reason); in strict mode the first one
 * ends the reader with WW_ERR_PARSE. Events accepted before that stay
 * accepted.
 *
 * ww_input_files() pools many inputs: it keeps every reader open and always
 * emits the earliest pending event among them (a k-way merge on a binary
 * heap), so events from several sensors' logs reach the detectors in time
 * order, as they would reach a collector. Each file is assumed to be in time
 * order itself (logs and captures are, up to the pcap answer timeout). */
#ifndef WW_INPUT_H
#define WW_INPUT_H
#include <stdint.h>
#include "core/err.h"
#include "ingest/format.h"
#include "ingest/flows.h"

typedef void (*ww_bad_fn)(void *ctx, const char *file, uint64_t line,
                          const char *why);
typedef void (*ww_progress_fn)(void *ctx, uint64_t bytes);

struct ww_input_opts {
    enum ww_format format;        /* WW_FMT_AUTO to sniff */
    int strict;
    struct ww_parse_ctx pctx;     /* parser options (year, boot, tz); each
                                     reader works on its own copy */
    int64_t flow_timeout_us;      /* pcap: answer timeout (default 3 s) */
    size_t flow_capacity;         /* pcap: tracked flows (default 1<<20) */
    ww_event_fn on_event; void *event_ctx;          /* ww_input_file/_files */
    ww_bad_fn on_bad; void *bad_ctx;                /* may be NULL */
    ww_progress_fn on_progress; void *progress_ctx; /* may be NULL; total
                                                       bytes read so far */
};

void ww_input_opts_init(struct ww_input_opts *o);

struct ww_reader;

/* Opens path ("-" = stdin) and sniffs its format. NULL on failure, with
 * *err = WW_ERR_IO (errno-style text in errbuf) or WW_ERR_FORMAT.
 * o must outlive the reader. */
struct ww_reader *ww_reader_open(const char *path, const struct ww_input_opts *o,
                                 enum ww_err *err, char *errbuf, size_t errlen);
/* 1: *ev filled; 0: no more, then for good: the end of the input, or an
 * error (ww_reader_status: WW_ERR_IO, or WW_ERR_PARSE in strict mode). */
int ww_reader_next(struct ww_reader *r, struct ww_event *ev);
/* WW_OK, or the error that ended the reader (see ww_reader_error). */
enum ww_err ww_reader_status(const struct ww_reader *r);
const struct ww_input_stats *ww_reader_stats(const struct ww_reader *r);
enum ww_format ww_reader_format(const struct ww_reader *r);
const char *ww_reader_path(const struct ww_reader *r);
/* The error's message, and for WW_ERR_PARSE its line. */
const char *ww_reader_error(const struct ww_reader *r, uint64_t *line);
void ww_reader_close(struct ww_reader *r);

/* One file, every event to o->on_event. Returns WW_OK, WW_ERR_IO,
 * WW_ERR_FORMAT or WW_ERR_PARSE (strict; *err_line set). */
enum ww_err ww_input_file(const char *path, struct ww_input_opts *o,
                          struct ww_input_stats *st, enum ww_format *used_format,
                          uint64_t *err_line, char *errbuf, size_t errlen);

/* Called once per file when it is done (or failed to open). rc as for
 * ww_input_file; msg the error text ("" if none). */
typedef void (*ww_file_done_fn)(void *ctx, const char *path, enum ww_err rc,
                                const struct ww_input_stats *st,
                                uint64_t err_line, const char *msg);
/* Many files pooled in time order (see above). All are opened first: if any
 * cannot be (missing, unreadable, a broken capture header), on_done names
 * each that failed, none is read, no event is emitted, and it returns
 * WW_ERR_IO. Otherwise it returns WW_OK, or the first WW_ERR_PARSE in strict
 * mode (which stops everything), or WW_ERR_IO if a file failed while being
 * read (the others are still read). */
enum ww_err ww_input_files(const char *const *paths, size_t n, struct ww_input_opts *o,
                           ww_file_done_fn on_done, void *done_ctx);

#endif

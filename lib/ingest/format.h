/* format.h -- the registry of input formats, and one text input's parsing.
 *
 * Every input format is one row of a table (masscan's output types, curl's
 * protocol handlers): its name, how its first bytes or one of its lines give
 * it away (sniff), its line parser (parse.h; none for captures, which go
 * through pcap.h), and how a parser's per-file state starts over. Whoever
 * reads input -- analyze's files and stdin (input.c), the sensor's followed
 * logs and journal -- chooses and calls a parser through this table only.
 *
 * struct ww_lines is one text input being parsed: its format (given, or
 * sniffed from its first non-empty line), the parser's per-file state, and
 * the counters it fills (struct ww_input_stats, core/event.h). ww_lines_parse
 * is the one place a line is counted: lines, events and skipped (bad) lines
 * are counted there for every text source, so bad input is counted the same
 * everywhere; bytes are counted by whoever reads them. */
#ifndef WW_FORMAT_H
#define WW_FORMAT_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/event.h"
#include "ingest/parse.h"

/* Longer lines are bad (never cut into a wrong event). */
#define WW_INPUT_MAXLINE 65536

enum ww_format {
    WW_FMT_AUTO = 0, WW_FMT_NETFILTER, WW_FMT_WINFW, WW_FMT_DSHIELD, WW_FMT_PCAP
};

typedef enum ww_parse_rc (*ww_line_parser)(struct ww_parse_ctx *ctx, const char *line,
                                           size_t len, struct ww_event *ev,
                                           const char **why);

struct ww_format_type {
    enum ww_format id;
    const char *name;
    /* The input's first bytes are this format (binary formats: a magic number). */
    int (*sniff_head)(const unsigned char *buf, size_t len);
    /* This one text line (no '\n', not empty) is of this format. */
    int (*sniff_line)(const unsigned char *line, size_t len);
    ww_line_parser parse;                   /* text formats; NULL for captures */
    void (*reset)(struct ww_parse_ctx *ctx); /* a new file begins */
};

/* The row of format f; NULL for WW_FMT_AUTO or an unknown value. */
const struct ww_format_type *ww_format_get(enum ww_format f);
/* Guess the format of an input from its first bytes (at least the first line
 * or 4 bytes of a capture): magic numbers first, then text line by line in
 * the table's order. Text that no line decides is netfilter (and so is an
 * empty input); a NUL byte in a line looked at is binary of an unknown kind:
 * WW_FMT_AUTO. */
enum ww_format ww_format_sniff(const unsigned char *buf, size_t len);
const char *ww_format_name(enum ww_format f);      /* "?" if unknown */
/* "auto", a row's name, or "pcapng": *f; WW_ERR_FORMAT if unknown. */
enum ww_err ww_format_from_name(const char *s, enum ww_format *f);

struct ww_lines {
    const struct ww_format_type *type; /* NULL: sniffed from the first non-empty line */
    struct ww_parse_ctx pctx;
    struct ww_input_stats *st;         /* the counters filled (the caller's) */
};

/* f: a text format, or WW_FMT_AUTO to sniff the first non-empty line (what
 * is not dshield or winfw then is netfilter); opts: parser options (NULL:
 * defaults), copied; the per-file state starts afresh. */
void ww_lines_init(struct ww_lines *l, enum ww_format f, const struct ww_parse_ctx *opts,
                   struct ww_input_stats *st);
/* One line, without its '\n' (a trailing '\r' is dropped); len may exceed
 * WW_INPUT_MAXLINE when only the start of an overlong line is at hand (it is
 * bad then, and not read past that limit). Counts the line, and the event or
 * the bad line; WW_PARSE_BAD sets *why. */
enum ww_parse_rc ww_lines_parse(struct ww_lines *l, const char *line, size_t len,
                                struct ww_event *ev, const char **why);
/* A line that could not even be handed to the parser (a caller's own reason):
 * counted as one bad line. */
void ww_lines_bad(struct ww_lines *l);

#endif

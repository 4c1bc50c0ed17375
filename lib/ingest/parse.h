/* parse.h -- the line parsers: one text line in, one struct ww_event out.
 *
 * Each parser is a pure function of (line, context): it allocates nothing,
 * never reads past len, and on failure leaves *ev unspecified and sets *why
 * to a static string saying what is wrong. Lines arrive without their line
 * terminator (a trailing '\r' may remain; parsers ignore it).
 * Per-file state a format needs (the Windows Firewall #Fields: header, the
 * year inferred for BSD syslog) lives in struct ww_parse_ctx, owned by the
 * caller, one per input file. Which parser reads an input is the format
 * registry's choice (format.h), not the caller's. */
#ifndef WW_PARSE_H
#define WW_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include "core/event.h"

enum ww_parse_rc {
    WW_PARSE_EVENT = 0, /* *ev filled */
    WW_PARSE_SKIP,      /* not an error, nothing to report (comment, header,
                           blank line, a non-netfilter syslog line) */
    WW_PARSE_BAD        /* malformed: *why says how */
};

#define WW_WINFW_MAXFIELDS 32

enum ww_winfw_field {
    WW_WF_IGNORE = 0, WW_WF_DATE, WW_WF_TIME, WW_WF_ACTION, WW_WF_PROTO,
    WW_WF_SRC, WW_WF_DST, WW_WF_SPORT, WW_WF_DPORT, WW_WF_TCPFLAGS,
    WW_WF_ICMPTYPE, WW_WF_ICMPCODE
};

struct ww_parse_ctx {
    /* options (set by the caller before the first line) */
    int year;            /* for BSD syslog stamps without a year; 0 = infer */
    int64_t boot_us;     /* dmesg: boot time in epoch us; 0 = unknown (times
                            stay relative to boot, i.e. 1970 + uptime) */
    int64_t now_us;      /* "now" for year inference; 0 = time(NULL) */
    int tz_fixed;        /* 1: tz_offset applies to local-time logs */
    int tz_offset;       /* seconds east of UTC, if tz_fixed */
    /* per-file state (zero it for each file) */
    int winfw_nfields;   /* 0 until a #Fields: header is seen */
    uint8_t winfw_fields[WW_WINFW_MAXFIELDS];
    int winfw_utc;       /* #Time Format: UTC */
    int last_month;      /* BSD syslog: to notice a December->January wrap */
    int cur_year;        /* BSD syslog: year in use */
    /* BSD syslog: the hour of the last stamp ("Mon DD HH:") and that
     * stamp's UTC seconds, reused while the text and every field the
     * answer depended on are the same (parse_netfilter.c, stamp_bsd) */
    struct {
        char text[16];
        uint8_t len;     /* bytes of text; 0: none */
        int mmss;        /* the stamp's minutes * 60 + seconds */
        int year, tz_fixed, tz_offset, cur_year, last_month;
        int64_t t;
    } bsd_last;
};

void ww_parse_ctx_init(struct ww_parse_ctx *ctx);
/* Reset the per-file state, keep the options. */
void ww_parse_ctx_newfile(struct ww_parse_ctx *ctx);

enum ww_parse_rc ww_parse_netfilter(struct ww_parse_ctx *ctx, const char *line,
                                    size_t len, struct ww_event *ev,
                                    const char **why);
enum ww_parse_rc ww_parse_winfw(struct ww_parse_ctx *ctx, const char *line,
                                size_t len, struct ww_event *ev,
                                const char **why);
enum ww_parse_rc ww_parse_dshield(struct ww_parse_ctx *ctx, const char *line,
                                  size_t len, struct ww_event *ev,
                                  const char **why);
/* DShield's flags field alone: netfilter words joined by commas ("SYN,ACK")
 * or DShield's letters SFAPRU12 ("SA"), any case, "" for none: WW_OK and
 * the WW_TH_* bits, or WW_ERR_PARSE. */
int ww_dshield_tcpflags(const char *s, size_t len, uint8_t *flags);

#endif

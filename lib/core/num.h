/* num.h -- bounded decimal and hexadecimal numbers, after curl's strparse
 * (lib/strparse.c: curlx_str_number, curlx_str_hex).
 *
 * A parse reads the run of digits at a cursor *p, never past end (text
 * needs no NUL), and takes it if there is at least one digit and the value
 * is at most max: the value goes to *out and *p moves past the run. On
 * failure nothing moves and *out is untouched:
 *   WW_ERR_PARSE  *p does not start with a digit (or p is at end);
 *   WW_ERR_LIMIT  the value passes max (reading stops at the digit that
 *                 makes it so: no overflow, whatever the length).
 * Leading zeros are digits like any other ("007" is 7); no sign, no space.
 * A caller that wants at most k digits passes end = *p + k, then looks at
 * what follows. ww_num_span is the common case of a whole token.
 *
 * Pure and allocation-free. The loops are inline because the line parsers
 * call them for every port of every event: with max a constant the
 * compiler drops the overflow guard it does not need. */
#ifndef WW_NUM_H
#define WW_NUM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

/* 0..15 for a hexadecimal digit (either case), else -1. */
static inline int ww_hexval(char c)
{
    if ((unsigned char)(c - '0') < 10) return c - '0';
    c = (char)(c | 0x20);
    if ((unsigned char)(c - 'a') < 6) return c - 'a' + 10;
    return -1;
}

static inline int ww_num_base(const char **p, const char *end, unsigned base, uint64_t max,
                              uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int d;
    if (s >= end || (d = base == 10 ? ((unsigned char)(*s - '0') < 10 ? *s - '0' : -1)
                                    : ww_hexval(*s)) < 0)
        return WW_ERR_PARSE;
    do {
        /* v <= max, so with max below UINT64_MAX / base the step cannot wrap */
        if (max <= (UINT64_MAX - 15) / 16) {
            v = v * base + (unsigned)d;
            if (v > max) return WW_ERR_LIMIT;
        } else {
            if (v > (max - (unsigned)d) / base) return WW_ERR_LIMIT;
            v = v * base + (unsigned)d;
        }
        s++;
    } while (s < end && (d = base == 10 ? ((unsigned char)(*s - '0') < 10 ? *s - '0' : -1)
                                        : ww_hexval(*s)) >= 0);
    *out = v;
    *p = s;
    return WW_OK;
}

/* Decimal digits at *p, value <= max. */
static inline int ww_num(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    return ww_num_base(p, end, 10, max, out);
}

/* Hexadecimal digits at *p (no "0x"), value <= max. */
static inline int ww_hex(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    return ww_num_base(p, end, 16, max, out);
}

/* The whole of s[0..n) is one decimal number <= max: WW_OK; WW_ERR_PARSE if
 * it is empty or holds anything but digits; WW_ERR_LIMIT if it is all
 * digits and more than max. *out is set only on WW_OK. */
static inline int ww_num_span(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    const char *p = s, *end = s + n;
    uint64_t v;
    int rc = ww_num(&p, end, max, &v);
    if (rc == WW_ERR_LIMIT)
        while (p < end && (unsigned char)(*p - '0') < 10) p++;
    else if (rc)
        return rc;
    if (p != end) return WW_ERR_PARSE;
    if (!rc) *out = v;
    return rc;
}

/* Exactly n decimal digits at s (a fixed-width field: a year, an hour; the
 * caller guarantees n bytes, n <= 9): their value, or -1 if any is not a
 * digit. */
static inline int ww_digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)(s[i] - '0') >= 10) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* A NUL-terminated string that is exactly one decimal number <= max (an
 * option's or a query's value): WW_OK, or WW_ERR_PARSE / WW_ERR_LIMIT. */
int ww_num_str(const char *s, uint64_t max, uint64_t *out);

/* The other way: v in decimal, at least `width` digits (zero-padded), at
 * the end of buf; returns where they start (buf + WW_DEC_MAX - length).
 * The writers of lib/out format every event's numbers with it. */
#define WW_DEC_MAX 24
static inline char *ww_dec(char buf[WW_DEC_MAX], uint64_t v, int width)
{
    char *p = buf + WW_DEC_MAX;
    do *--p = (char)('0' + v % 10), v /= 10, width--;
    while ((v || width > 0) && p > buf);
    return p;
}

/* A bounded output cursor over [p, end): each write goes in whole or not
 * at all, and then full is set and stays (the line writers of lib/out and
 * core/synfp.c's text form build their output with it, no snprintf). */
struct ww_cur { char *p, *end; int full; };
static inline void ww_cur_put(struct ww_cur *c, const char *s, size_t n)
{
    if (c->full || (size_t)(c->end - c->p) < n) { c->full = 1; return; }
    memcpy(c->p, s, n);
    c->p += n;
}
static inline void ww_cur_puts(struct ww_cur *c, const char *s) { ww_cur_put(c, s, strlen(s)); }
static inline void ww_cur_putu(struct ww_cur *c, uint64_t v)
{
    char t[WW_DEC_MAX], *p = ww_dec(t, v, 1);
    ww_cur_put(c, p, (size_t)(t + sizeof t - p));
}

#endif

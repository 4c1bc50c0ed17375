/* wtime.h -- civil time without the C library's time zone state.
 *
 * Timestamps in logs are parsed by hand (strptime is slow, locale-bound and
 * not reentrant with TZ changes): calendar fields become epoch seconds through
 * Howard Hinnant's days_from_civil, and offsets are applied explicitly.
 * Only ww_time_local_offset() consults the system zone (for logs written in
 * local time: BSD syslog, Windows Firewall); the CLI sets TZ for --tz. */
#ifndef WW_WTIME_H
#define WW_WTIME_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/num.h" /* ww_digits, for the calendar fields */

/* Durations in the library's unit, microseconds (int64_t), and in seconds
 * for the calendar arithmetic. The only definitions: no private DAY_US. */
#define WW_SEC_US  INT64_C(1000000)
#define WW_MIN_US  (60 * WW_SEC_US)
#define WW_HOUR_US (60 * WW_MIN_US)
#define WW_DAY_US  (24 * WW_HOUR_US)
#define WW_WEEK_US (7 * WW_DAY_US)
#define WW_MIN_S   60
#define WW_HOUR_S  3600
#define WW_DAY_S   86400
/* 9999-12-31T23:59:59Z: the last second a date (and RFC 3339) can write;
 * a time read from a log past it is no time. */
#define WW_TIME_MAX_S INT64_C(253402300799)

/* The clock now, in microseconds: ww_now_us() the wall clock (dates: what
 * an event's time is compared with), ww_mono_us() CLOCK_MONOTONIC
 * (intervals and deadlines, which a step of the wall clock must not move). */
int64_t ww_now_us(void);
int64_t ww_mono_us(void);
/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31). */
int64_t ww_days_from_civil(int64_t y, unsigned m, unsigned d);
/* a / b rounded down (b > 0): the day, hour, ... a time in microseconds
 * falls in, before 1970 too. */
static inline int64_t ww_floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}
/* The inverse: the date of a day number (Hinnant's civil_from_days). */
void ww_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Epoch seconds of a UTC calendar time, or -1 if a field is out of range: a
 * value, not an error code (no valid time is negative). */
int64_t ww_time_from_utc(int y, int mon, int day, int h, int mi, int s);
/* Seconds east of UTC that the local zone had at local calendar time given. */
int ww_time_local_offset(int y, int mon, int day, int h, int mi, int s);
/* "Jan".."Dec" -> 1..12, 0 if not a month abbreviation (case-insensitive). */
int ww_month_from_abbr(const char *s);
/* Parse "+HH:MM", "-HHMM", "Z" at s[0..len); seconds east of UTC into *off.
 * Returns the number of bytes consumed, 0 on failure. */
size_t ww_parse_tzoffset(const char *s, size_t len, int *off);
/* RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM|±HHMM)" (a space may stand
 * for T). Returns bytes consumed, 0 on failure; *ts_us gets the UTC time. */
size_t ww_parse_rfc3339(const char *s, size_t len, int64_t *ts_us);
/* A calendar date "YYYY-MM-DD" (exactly s[0..len)), 1970..9999, to a UTC day
 * number (days since 1970-01-01); WW_OK, or WW_ERR_PARSE if it is not one. */
enum ww_err ww_parse_date(const char *s, size_t len, int64_t *day);
/* A UTC day number as "YYYY-MM-DD" (buf >= 11). */
char *ww_date_format(int64_t day, char *buf, size_t size);
/* Format as RFC 3339 UTC, "2006-08-01T00:00:00Z" (seconds precision). */
char *ww_time_format(int64_t ts_us, char *buf, size_t size);
/* Parse a duration "90s", "30m", "36h", "10d", "2w" (bare number = seconds)
 * into microseconds in *us: WW_OK, or WW_ERR_PARSE (*us untouched). */
enum ww_err ww_parse_duration(const char *s, int64_t *us);

/* Event time for a detector that sweeps idle state now and then (scan.c,
 * backscatter.c): ww_sweep_tick clamps an event's time to +-2^61 us (so
 * differences between times never overflow), keeps the latest as now_us,
 * and returns the clamped time with *due set once `period` of event time
 * has passed since the first event or the last due sweep. A zeroed struct
 * is a clock that has seen nothing. */
struct ww_sweep_clock { int started; int64_t now_us, next_us; };

static inline int64_t ww_sweep_tick(struct ww_sweep_clock *c, int64_t ts_us, int64_t period_us, int *due)
{
    const int64_t lim = INT64_C(1) << 61;
    int64_t ts = ts_us > lim ? lim : ts_us < -lim ? -lim : ts_us;
    *due = 0;
    if (!c->started || ts > c->now_us) c->now_us = ts;
    if (!c->started) {
        c->started = 1;
        c->next_us = ts + period_us;
    } else if (c->now_us >= c->next_us) {
        *due = 1;
        c->next_us = c->now_us + period_us;
    }
    return ts;
}

#endif

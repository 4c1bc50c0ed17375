/* wtime.c -- calendar arithmetic and timestamp parsing (see wtime.h).
 *
 * days_from_civil is Howard Hinnant's algorithm ("chrono-Compatible Low-Level
 * Date Algorithms"): exact for the proleptic Gregorian calendar, no tables,
 * no time zone state. Parsers here read fixed-width digit fields from a
 * length-bounded buffer and return how much they consumed (0 = no match),
 * so callers can try one form after another without copying. */
#include "core/wtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t ww_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31,28,31,30,31,30,31,31,30,31,30,31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

int64_t ww_time_from_utc(int y, int mon, int day, int h, int mi, int s)
{
    if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || day < 1 ||
        day > days_in_month(y, mon) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60)
        return -1;
    return ww_days_from_civil(y, (unsigned)mon, (unsigned)day) * WW_DAY_S +
           h * WW_HOUR_S + mi * WW_MIN_S + s;
}

enum ww_err ww_parse_date(const char *s, size_t len, int64_t *day)
{
    if (len != 10 || s[4] != '-' || s[7] != '-') return WW_ERR_PARSE;
    int64_t t = ww_time_from_utc(ww_digits(s, 4), ww_digits(s + 5, 2), ww_digits(s + 8, 2), 0, 0, 0);
    if (t < 0) return WW_ERR_PARSE;
    *day = t / WW_DAY_S;
    return WW_OK;
}

char *ww_date_format(int64_t day, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    ww_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
}

int ww_time_local_offset(int y, int mon, int day, int h, int mi, int s)
{
    /* mktime() re-reads the zone file on every call in glibc (~5 us); zone
       offsets change at most on the hour, so cache the last hour asked. */
    static _Thread_local int64_t cached_hour = -1;
    static _Thread_local int cached_off;
    int64_t as_utc = ww_time_from_utc(y, mon, day, h, mi, s);
    if (as_utc < 0) return 0;
    if (as_utc / WW_HOUR_S == cached_hour) return cached_off;
    struct tm tm = {0};
    tm.tm_year = y - 1900; tm.tm_mon = mon - 1; tm.tm_mday = day;
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s; tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1) return 0;
    cached_hour = as_utc / WW_HOUR_S;
    cached_off = (int)(as_utc - (int64_t)t);
    return cached_off;
}

int ww_month_from_abbr(const char *s)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, months + 3 * i, 3)) return i + 1;
    return 0;
}

/* n digits at s[0..len) as a number, or -1. */
static int digits(const char *s, size_t len, size_t n)
{
    return len < n ? -1 : ww_digits(s, n);
}

size_t ww_parse_tzoffset(const char *s, size_t len, int *off)
{
    if (len >= 1 && (s[0] == 'Z' || s[0] == 'z')) { *off = 0; return 1; }
    if (len < 5 || (s[0] != '+' && s[0] != '-')) return 0;
    int hh = digits(s + 1, len - 1, 2), mm;
    size_t n;
    if (hh < 0) return 0;
    if (s[3] == ':') { mm = digits(s + 4, len - 4, 2); n = 6; }
    else { mm = digits(s + 3, len - 3, 2); n = 5; }
    if (mm < 0 || hh > 23 || mm > 59) return 0;
    *off = (s[0] == '-' ? -1 : 1) * (hh * WW_HOUR_S + mm * WW_MIN_S);
    return n;
}

size_t ww_parse_rfc3339(const char *s, size_t len, int64_t *ts_us)
{
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return 0;
    int y = digits(s, len, 4), mo = digits(s + 5, 2, 2), d = digits(s + 8, 2, 2);
    int h = digits(s + 11, 2, 2), mi = digits(s + 14, 2, 2), sec = digits(s + 17, 2, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return 0;
    int64_t t = ww_time_from_utc(y, mo, d, h, mi, sec);
    if (t < 0) return 0;
    size_t i = 19;
    int64_t us = 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        size_t start = ++i;
        int64_t scale = 100000;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 12) {
            us += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) return 0;
    }
    int off;
    size_t n = ww_parse_tzoffset(s + i, len - i, &off);
    if (!n) return 0;
    *ts_us = (t - off) * WW_SEC_US + us;
    return i + n;
}

void ww_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

char *ww_time_format(int64_t ts_us, char *buf, size_t size)
{
    int64_t secs = ts_us >= 0 ? ts_us / WW_SEC_US : -((-ts_us + WW_SEC_US - 1) / WW_SEC_US);
    int64_t days = secs >= 0 ? secs / WW_DAY_S : -((-secs + WW_DAY_S - 1) / WW_DAY_S);
    int64_t rem = secs - days * WW_DAY_S, y;
    unsigned m, d;
    ww_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(rem / WW_HOUR_S), (int)(rem / 60 % 60), (int)(rem % 60));
    return buf;
}

enum ww_err ww_parse_duration(const char *s, int64_t *out)
{
    char *end;
    if (!s || !*s) return WW_ERR_PARSE;
    double v = strtod(s, &end);
    if (end == s || v < 0) return WW_ERR_PARSE;
    double mul = 1;
    if (*end) {
        switch (*end) {
        case 's': mul = 1; break;
        case 'm': mul = 60; break;
        case 'h': mul = WW_HOUR_S; break;
        case 'd': mul = WW_DAY_S; break;
        case 'w': mul = 7 * WW_DAY_S; break;
        default: return WW_ERR_PARSE;
        }
        if (end[1]) return WW_ERR_PARSE;
    }
    double us = v * mul * 1e6;
    if (!(us >= 0) || us > 9e18) return WW_ERR_PARSE; /* NaN fails the first */
    *out = (int64_t)us;
    return WW_OK;
}

static int64_t clock_us(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (int64_t)t.tv_sec * WW_SEC_US + t.tv_nsec / 1000;
}

int64_t ww_now_us(void) { return clock_us(CLOCK_REALTIME); }
int64_t ww_mono_us(void) { return clock_us(CLOCK_MONOTONIC); }

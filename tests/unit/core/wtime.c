/* wtime.c -- lib/core/wtime.c: Hinnant's day numbers both ways over ten
 * thousand years, UTC calendar times and their range checks, the local
 * zone's offset (a fixed TZ rule, summer and winter), the fixed-width field
 * parsers (digits, month names, zone offsets, RFC 3339, dates), the
 * formatters (before 1970 too), durations, and the two clocks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "core/wtime.h"

#define US 1000000LL
#define T0 1154390400LL /* 2006-08-01T00:00:00Z */

static int64_t rfc(const char *s, size_t *used)
{
    int64_t ts = -42;
    *used = ww_parse_rfc3339(s, strlen(s), &ts);
    return ts;
}

static void test_days(void)
{
    CHECK_INT(ww_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(ww_days_from_civil(1969, 12, 31), -1);
    CHECK_INT(ww_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT(ww_days_from_civil(2006, 8, 1), T0 / 86400);
    CHECK_INT(ww_days_from_civil(1, 1, 1), -719162);
    /* Every day from year -400 to 9999: the inverse gives it back, and
     * consecutive day numbers are consecutive dates. */
    int64_t y0, y;
    unsigned m0, d0, m, d;
    int64_t first = ww_days_from_civil(-400, 1, 1), last = ww_days_from_civil(9999, 12, 31);
    ww_civil_from_days(first, &y0, &m0, &d0);
    CHECK(y0 == -400 && m0 == 1 && d0 == 1);
    long bad = 0, leap_days = 0;
    for (int64_t day = first + 1; day <= last; day++) {
        ww_civil_from_days(day, &y, &m, &d);
        int next = (y == y0 && m == m0 && d == d0 + 1) || (y == y0 && m == m0 + 1 && d == 1) ||
                   (y == y0 + 1 && m == 1 && d == 1 && m0 == 12 && d0 == 31);
        bad += !next || ww_days_from_civil(y, m, d) != day;
        leap_days += m == 2 && d == 29;
        y0 = y, m0 = m, d0 = d;
    }
    CHECK_INT(bad, 0);
    CHECK(y0 == 9999 && m0 == 12 && d0 == 31);
    /* -400..9999: 10400 years, 97 leap years in each 400 */
    CHECK_INT(leap_days, 10400 / 400 * 97);
}

static void test_utc(void)
{
    CHECK_INT(ww_time_from_utc(1970, 1, 1, 0, 0, 0), 0);
    CHECK_INT(ww_time_from_utc(2006, 8, 1, 0, 0, 0), T0);
    CHECK_INT(ww_time_from_utc(2020, 2, 29, 23, 59, 59), 1583020799);
    CHECK_INT(ww_time_from_utc(2000, 2, 29, 0, 0, 0), 951782400);
    CHECK_INT(ww_time_from_utc(9999, 12, 31, 23, 59, 59), 253402300799LL);
    /* a leap second is the next minute's first */
    CHECK_INT(ww_time_from_utc(2016, 12, 31, 23, 59, 60), ww_time_from_utc(2017, 1, 1, 0, 0, 0));
    static const int bad[][6] = {
        {1969, 12, 31, 23, 59, 59}, {10000, 1, 1, 0, 0, 0}, {2019, 2, 29, 0, 0, 0},
        {1900 + 200, 2, 29, 0, 0, 0}, {2021, 4, 31, 0, 0, 0}, {2021, 0, 1, 0, 0, 0},
        {2021, 13, 1, 0, 0, 0}, {2021, 1, 0, 0, 0, 0}, {2021, 1, 1, 24, 0, 0},
        {2021, 1, 1, 0, 60, 0}, {2021, 1, 1, 0, 0, 61}, {2021, 1, 1, -1, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(ww_time_from_utc(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], bad[i][5]), -1);
}

static void test_local_offset(void)
{
    /* Central Europe with the EU's rule; then UTC. Different hours each
     * time: the offset is cached per hour asked. */
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    CHECK_INT(ww_time_local_offset(2021, 6, 22, 12, 19, 41), 7200);
    CHECK_INT(ww_time_local_offset(2021, 1, 22, 12, 19, 41), 3600);
    CHECK_INT(ww_time_local_offset(2021, 3, 28, 1, 30, 0), 3600);  /* before the switch at 02:00 */
    CHECK_INT(ww_time_local_offset(2021, 3, 28, 4, 30, 0), 7200);  /* after it */
    CHECK_INT(ww_time_local_offset(2021, 2, 30, 12, 0, 0), 0);     /* no such date */
    setenv("TZ", "UTC0", 1);
    tzset();
    CHECK_INT(ww_time_local_offset(2021, 6, 23, 12, 0, 0), 0);
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    CHECK_INT(ww_time_local_offset(2021, 7, 4, 9, 0, 0), -4 * 3600);
    CHECK_INT(ww_time_local_offset(2021, 12, 24, 9, 0, 0), -5 * 3600);
    unsetenv("TZ");
    tzset();
}

static void test_fields(void)
{
    CHECK_INT(ww_digits("0123", 4), 123);
    CHECK_INT(ww_digits("2006", 2), 20);
    CHECK_INT(ww_digits("12a4", 4), -1);
    CHECK_INT(ww_digits(" 12", 3), -1);
    CHECK_INT(ww_digits("-1", 2), -1);
    CHECK_INT(ww_digits("", 0), 0);

    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++) CHECK_INT(ww_month_from_abbr(months[i]), i + 1);
    CHECK_INT(ww_month_from_abbr("dec"), 12);
    CHECK_INT(ww_month_from_abbr("AUG 1"), 8);
    CHECK_INT(ww_month_from_abbr("Foo"), 0);
    CHECK_INT(ww_month_from_abbr("Ja"), 0);
    CHECK_INT(ww_month_from_abbr(""), 0);

    int off = -1;
    CHECK_INT(ww_parse_tzoffset("+02:00", 6, &off), 6);
    CHECK_INT(off, 7200);
    CHECK_INT(ww_parse_tzoffset("-0530 rest", 10, &off), 5);
    CHECK_INT(off, -19800);
    CHECK_INT(ww_parse_tzoffset("Z", 1, &off), 1);
    CHECK_INT(off, 0);
    off = 5;
    CHECK_INT(ww_parse_tzoffset("z", 1, &off), 1);
    CHECK_INT(off, 0);
    CHECK_INT(ww_parse_tzoffset("+23:59", 6, &off), 6);
    CHECK_INT(off, 23 * 3600 + 59 * 60);
    off = 99;
    CHECK_INT(ww_parse_tzoffset("+24:00", 6, &off), 0);
    CHECK_INT(ww_parse_tzoffset("+02:60", 6, &off), 0);
    CHECK_INT(ww_parse_tzoffset("+02:0", 5, &off), 0);
    CHECK_INT(ww_parse_tzoffset("+0200", 4, &off), 0); /* cut by len */
    CHECK_INT(ww_parse_tzoffset("0200", 4, &off), 0);
    CHECK_INT(ww_parse_tzoffset("", 0, &off), 0);
    CHECK_INT(off, 99); /* untouched on failure */
}

static void test_rfc3339(void)
{
    size_t n;
    CHECK_INT(rfc("2006-08-01T00:00:01.234567+00:00", &n), (T0 + 1) * US + 234567);
    CHECK_INT(n, 32);
    CHECK_INT(rfc("2006-08-01 00:00:00Z kernel: ...", &n), T0 * US);
    CHECK_INT(n, 20);
    CHECK_INT(rfc("2006-08-01t02:00:00+02:00", &n), T0 * US);
    CHECK_INT(n, 25);
    CHECK_INT(rfc("2006-07-31T19:00:00-0500", &n), T0 * US);
    CHECK_INT(n, 24);
    CHECK_INT(rfc("2006-08-01T00:00:00,5Z", &n), T0 * US + 500000);
    CHECK_INT(n, 22);
    /* sub-microsecond digits are read and dropped */
    CHECK_INT(rfc("2006-08-01T00:00:00.123456789Z", &n), T0 * US + 123456);
    CHECK_INT(n, 30);
    static const char *const bad[] = {
        "2006-08-01T00:00:00",          /* no zone */
        "2006-08-01T00:00:00.Z",        /* a point without digits */
        "2006-08-01X00:00:00Z",
        "2006-08-01T00:00Z",
        "2006-13-01T00:00:00Z",
        "2006-02-29T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2006-08-01T24:00:00Z",
        "2006-08-0aT00:00:00Z",
        "2006/08/01T00:00:00Z",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ts = -42;
        CHECK_INT(ww_parse_rfc3339(bad[i], strlen(bad[i]), &ts), 0);
        CHECK_INT(ts, -42);
    }
    /* bounded by len, not by the NUL */
    int64_t ts;
    CHECK_INT(ww_parse_rfc3339("2006-08-01T00:00:00Z", 19, &ts), 0);
}

static void test_dates(void)
{
    int64_t day = -1;
    char b[40];
    CHECK_INT(ww_parse_date("2026-11-18", 10, &day), 0);
    CHECK_INT(day, ww_days_from_civil(2026, 11, 18));
    CHECK_INT(ww_parse_date("1970-01-01", 10, &day), 0);
    CHECK_INT(day, 0);
    CHECK_INT(ww_parse_date("9999-12-31", 10, &day), 0);
    static const char *const bad[] = {"1969-12-31", "2026-02-30", "2026-1-18", "2026/11/18",
                                      "2026-11-18T", "10000-01-01", "2026-11-1x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        day = 7;
        CHECK_INT(ww_parse_date(bad[i], strlen(bad[i]), &day), WW_ERR_PARSE);
        CHECK_INT(day, 7);
    }
    CHECK_INT(ww_parse_date("2026-11-18", 9, &day), WW_ERR_PARSE);

    CHECK_STR(ww_date_format(0, b, sizeof b), "1970-01-01");
    CHECK_STR(ww_date_format(-1, b, sizeof b), "1969-12-31");
    CHECK_STR(ww_date_format(T0 / 86400, b, sizeof b), "2006-08-01");
    CHECK_STR(ww_time_format(0, b, sizeof b), "1970-01-01T00:00:00Z");
    CHECK_STR(ww_time_format(-1, b, sizeof b), "1969-12-31T23:59:59Z");
    CHECK_STR(ww_time_format(-86400 * US, b, sizeof b), "1969-12-31T00:00:00Z");
    CHECK_STR(ww_time_format((T0 + 1) * US + 999999, b, sizeof b), "2006-08-01T00:00:01Z");
    CHECK_STR(ww_time_format(253402300799LL * US + 999999, b, sizeof b), "9999-12-31T23:59:59Z");
    /* format then parse: the same second */
    for (int64_t t = -3 * 86400; t < 60LL * 365 * 86400; t += 86400 * 7 + 3671) {
        size_t n;
        ww_time_format(t * US, b, sizeof b);
        if (t >= 0) CHECK(rfc(b, &n) == t * US && n == 20);
    }
    /* a buffer too small is cut, never overrun */
    char small[8] = "xxxxxxx";
    ww_time_format(T0 * US, small, 5);
    CHECK_STR(small, "2006");
}

/* ww_parse_duration's value, or -1 after checking its error leaves *us alone. */
static int64_t dur(const char *s)
{
    int64_t us = -2;
    enum ww_err rc = ww_parse_duration(s, &us);
    if (!rc) return us;
    CHECK_INT(rc, WW_ERR_PARSE);
    CHECK_INT(us, -2);
    return -1;
}

static void test_duration(void)
{
    CHECK_INT(dur("90s"), 90 * US);
    CHECK_INT(dur("30m"), 1800 * US);
    CHECK_INT(dur("36h"), 36 * 3600 * US);
    CHECK_INT(dur("10d"), 10 * 86400 * US);
    CHECK_INT(dur("2w"), 14 * 86400 * US);
    CHECK_INT(dur("45"), 45 * US);
    CHECK_INT(dur("1.5h"), 5400 * US);
    CHECK_INT(dur("0"), 0);
    static const char *const bad[] = {"", "s", "-1s", "5x", "5ss", "5 s", "1e30d", "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK_INT(dur(bad[i]), -1);
    CHECK_INT(dur(NULL), -1);
    CHECK_INT(dur("nan"), -1); /* strtod takes it; (int64_t)NaN would be UB */
}

static void test_clocks(void)
{
    int64_t now = ww_now_us(), t = (int64_t)time(NULL);
    CHECK(now / US >= t - 1 && now / US <= t + 1);
    CHECK(now > 1600000000LL * US);
    int64_t a = ww_mono_us(), b = a;
    for (int i = 0; i < 1000; i++) {
        int64_t c = ww_mono_us();
        CHECK(c >= b);
        b = c;
    }
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    CHECK(ww_mono_us() - a >= 2000);
}

TEST_MAIN(
    test_days();
    test_utc();
    test_local_offset();
    test_fields();
    test_rfc3339();
    test_dates();
    test_duration();
    test_clocks();
)

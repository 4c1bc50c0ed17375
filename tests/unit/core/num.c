/* num.c -- core/num.h: decimal and hex numbers at a cursor, bounded by a
 * maximum (at it, past it by one, at UINT64_MAX, with leading zeros and
 * digits beyond a window), the cursor moving only on success; whole tokens
 * (ww_num_span: not a number vs out of range) and whole strings. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "core/err.h"
#include "core/num.h"

/* ww_num over the NUL-terminated s: the result, and in *used how far the
 * cursor moved. */
static int num(const char *s, uint64_t max, uint64_t *v, long *used)
{
    const char *p = s;
    *v = 12345; /* untouched on failure */
    int rc = ww_num(&p, s + strlen(s), max, v);
    *used = p - s;
    return rc;
}

static void test_num(void)
{
    uint64_t v;
    long used;
    CHECK_INT(num("0", 10, &v, &used), WW_OK); CHECK_INT(v, 0); CHECK_INT(used, 1);
    CHECK_INT(num("65535 x", 65535, &v, &used), WW_OK); CHECK_INT(v, 65535); CHECK_INT(used, 5);
    CHECK_INT(num("65536", 65535, &v, &used), WW_ERR_LIMIT); CHECK_INT(v, 12345); CHECK_INT(used, 0);
    CHECK_INT(num("0000000000000000000000080", 80, &v, &used), WW_OK); CHECK_INT(v, 80);
    CHECK_INT(num("9", 8, &v, &used), WW_ERR_LIMIT);
    CHECK_INT(num("7", 0, &v, &used), WW_ERR_LIMIT);
    CHECK_INT(num("0", 0, &v, &used), WW_OK);
    CHECK_INT(num("", 10, &v, &used), WW_ERR_PARSE);
    CHECK_INT(num("x1", 10, &v, &used), WW_ERR_PARSE); CHECK_INT(used, 0);
    CHECK_INT(num("-1", 10, &v, &used), WW_ERR_PARSE);
    CHECK_INT(num("+1", 10, &v, &used), WW_ERR_PARSE);
    CHECK_INT(num(" 1", 10, &v, &used), WW_ERR_PARSE);
    CHECK_INT(num("12ab", 100, &v, &used), WW_OK); CHECK_INT(v, 12); CHECK_INT(used, 2);
    /* the full range: no wrap at 2^64 */
    CHECK_INT(num("18446744073709551615", UINT64_MAX, &v, &used), WW_OK);
    CHECK(v == UINT64_MAX);
    CHECK_INT(num("18446744073709551616", UINT64_MAX, &v, &used), WW_ERR_LIMIT);
    CHECK_INT(num("99999999999999999999999", UINT64_MAX, &v, &used), WW_ERR_LIMIT);
    CHECK_INT(num("18446744073709551614", UINT64_MAX - 1, &v, &used), WW_OK);
    CHECK_INT(num("18446744073709551615", UINT64_MAX - 1, &v, &used), WW_ERR_LIMIT);
    CHECK_INT(num("1844674407370955161", UINT64_MAX / 10, &v, &used), WW_OK);
    /* end bounds the read, not a NUL */
    const char *s = "12345", *p = s;
    CHECK_INT(ww_num(&p, s + 3, 1000, &v), WW_OK); CHECK_INT(v, 123); CHECK(p == s + 3);
    p = s;
    CHECK_INT(ww_num(&p, s, 1000, &v), WW_ERR_PARSE); CHECK(p == s);
}

static void test_hex(void)
{
    const char *s = "fFa0:", *p = s;
    uint64_t v = 0;
    CHECK_INT(ww_hex(&p, s + 5, 0xffff, &v), WW_OK); CHECK_INT(v, 0xffa0); CHECK(p == s + 4);
    s = "10000"; p = s;
    CHECK_INT(ww_hex(&p, s + 5, 0xffff, &v), WW_ERR_LIMIT); CHECK(p == s);
    p = s;
    CHECK_INT(ww_hex(&p, s + 4, 0xffff, &v), WW_OK); CHECK_INT(v, 0x1000);
    s = "ffffffffffffffff"; p = s;
    CHECK_INT(ww_hex(&p, s + 16, UINT64_MAX, &v), WW_OK); CHECK(v == UINT64_MAX);
    s = "10000000000000000"; p = s;
    CHECK_INT(ww_hex(&p, s + 17, UINT64_MAX, &v), WW_ERR_LIMIT);
    s = "g1"; p = s;
    CHECK_INT(ww_hex(&p, s + 2, 255, &v), WW_ERR_PARSE);
    s = "0x1"; p = s; /* no prefix: reads the 0 */
    CHECK_INT(ww_hex(&p, s + 3, 255, &v), WW_OK); CHECK_INT(v, 0); CHECK(p == s + 1);
    CHECK_INT(ww_hexval('0'), 0); CHECK_INT(ww_hexval('9'), 9);
    CHECK_INT(ww_hexval('a'), 10); CHECK_INT(ww_hexval('F'), 15);
    CHECK_INT(ww_hexval('g'), -1); CHECK_INT(ww_hexval('G'), -1); CHECK_INT(ww_hexval('/'), -1);
    CHECK_INT(ww_hexval(':'), -1); CHECK_INT(ww_hexval('@'), -1); CHECK_INT(ww_hexval('`'), -1);
    CHECK_INT(ww_hexval('\0'), -1); CHECK_INT(ww_hexval((char)0xc1), -1);
}

static void test_span(void)
{
    uint64_t v = 7;
    CHECK_INT(ww_num_span("443", 3, 65535, &v), WW_OK); CHECK_INT(v, 443);
    CHECK_INT(ww_num_span("4431", 3, 65535, &v), WW_OK); CHECK_INT(v, 443);
    v = 7;
    CHECK_INT(ww_num_span("", 0, 65535, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_span("44x", 3, 65535, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_span("x44", 3, 65535, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_span("99999", 5, 65535, &v), WW_ERR_LIMIT);
    CHECK_INT(ww_num_span("99999999999999999999999999", 26, 65535, &v), WW_ERR_LIMIT);
    CHECK_INT(ww_num_span("99999x", 6, 65535, &v), WW_ERR_PARSE); /* not a number first */
    CHECK_INT(v, 7);
    CHECK_INT(ww_num_str("1000000", 1000000, &v), WW_OK); CHECK_INT(v, 1000000);
    CHECK_INT(ww_num_str("1000001", 1000000, &v), WW_ERR_LIMIT);
    CHECK_INT(ww_num_str("", 10, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_str(" 1", 10, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_str("1 ", 10, &v), WW_ERR_PARSE);
    CHECK_INT(ww_num_str("-0", 10, &v), WW_ERR_PARSE);
}

TEST_MAIN(test_num(); test_hex(); test_span())

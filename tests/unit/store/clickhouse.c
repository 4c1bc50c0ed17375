/* clickhouse.c -- the ClickHouse store engine's pieces that need no
 * server (lib/store/store_clickhouse.c via store_ch.h): the schema split
 * into statements and made for a cluster or for one server (Merge tables
 * over the _local ones), the embedded schema's statements all made; SQL
 * literals (quotes, backslashes, control bytes; addresses); columns read
 * back (integers past INT64_MAX, floats, junk; FixedString(16) to IPv4 or
 * IPv6); RowBinary's LEB128 string lengths. tests/e2e/clickhouse_*.sh run
 * the engine against two real 18.16 shards. */
#include "test.h"
#include "core/mem.h"
#include "store/store_ch.h"

extern const char ww_ch_schema_sql[];

struct stmts { int n; char got[8][512]; };

static int collect(void *ctx, const char *sql)
{
    struct stmts *s = ctx;
    if (s->n < 8) snprintf(s->got[s->n], sizeof s->got[0], "%s", sql);
    s->n++;
    return WW_OK;
}

static int stop_second(void *ctx, const char *sql)
{
    (void)sql;
    return ++*(int *)ctx == 2 ? WW_ERR_IO : WW_OK;
}

static void schema(void)
{
    const char file[] =
        "-- a comment; with a semicolon;\n"
        "CREATE TABLE a_local (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
        "\n"
        "-- between\n"
        "CREATE TABLE a AS a_local\n"
        "    ENGINE = Distributed(@CLUSTER@, currentDatabase(), a_local, cityHash64(x));  \n"
        "CREATE TABLE b AS b_local ENGINE = Distributed(@CLUSTER@, currentDatabase(), b_local);\n"
        "INSERT INTO m VALUES ('x;', 1);\n";
    struct stmts s = {0};
    CHECK_INT(ch_schema_each(file, "ww", collect, &s), WW_OK);
    CHECK_INT(s.n, 4);
    CHECK_STR(s.got[0], "-- a comment; with a semicolon;\nCREATE TABLE a_local (x UInt8) ENGINE = MergeTree ORDER BY x");
    CHECK_STR(s.got[1], "\n-- between\nCREATE TABLE a AS a_local\n"
                        "    ENGINE = Distributed(ww, currentDatabase(), a_local, cityHash64(x))");
    CHECK_STR(s.got[2], "CREATE TABLE b AS b_local ENGINE = Distributed(ww, currentDatabase(), b_local)");
    CHECK_STR(s.got[3], "INSERT INTO m VALUES ('x;', 1)");
    /* one server: Merge tables over the _local ones */
    s = (struct stmts){0};
    CHECK_INT(ch_schema_each(file, NULL, collect, &s), WW_OK);
    CHECK_INT(s.n, 4);
    CHECK_STR(s.got[1], "\n-- between\nCREATE TABLE a AS a_local\n"
                        "    ENGINE = Merge(currentDatabase(), '^a_local$')");
    CHECK_STR(s.got[2], "CREATE TABLE b AS b_local ENGINE = Merge(currentDatabase(), '^b_local$')");
    /* an unfinished last statement; fn's error stops the walk */
    s = (struct stmts){0};
    CHECK_INT(ch_schema_each("SELECT 1;\nSELECT 2\n", "ww", collect, &s), WW_ERR_PARSE);
    CHECK_INT(s.n, 1);
    int calls = 0;
    CHECK_INT(ch_schema_each(file, "ww", stop_second, &calls), WW_ERR_IO);
    CHECK_INT(calls, 2);
    /* the real schema: every statement made, none left with @CLUSTER@ or a
     * Distributed engine when there is no cluster, the version row last */
    s = (struct stmts){0};
    CHECK_INT(ch_schema_each(ww_ch_schema_sql, NULL, collect, &s), WW_OK);
    CHECK(s.n > 25);
    struct stmts t = {0};
    CHECK_INT(ch_schema_each(ww_ch_schema_sql, "ww", collect, &t), WW_OK);
    CHECK_INT(t.n, s.n);
    char *last = ch_schema_stmt(NULL, "x", 1);
    CHECK_STR(last, "x");
    ww_free(last);
    const char *d = "ENGINE = Distributed(@CLUSTER@, currentDatabase(), events_local, cityHash64(src))"
                    " SETTINGS y = (1)";
    char *one = ch_schema_stmt(NULL, d, strlen(d));
    CHECK_STR(one, "ENGINE = Merge(currentDatabase(), '^events_local$') SETTINGS y = (1)");
    ww_free(one);
}

static int no_cluster_left(void *ctx, const char *sql)
{
    int *bad = ctx;
    if (strstr(sql, "@CLUSTER@") || strstr(sql, "Distributed(")) (*bad)++;
    return WW_OK;
}

static void schema_single(void)
{
    int bad = 0;
    CHECK_INT(ch_schema_each(ww_ch_schema_sql, NULL, no_cluster_left, &bad), WW_OK);
    CHECK_INT(bad, 0);
}

static void literals(void)
{
    struct ww_buf b;
    ww_buf_init(&b, 4096);
    ch_lit_str(&b, "it's a \\ back\tslash\n\x01\x7f", 22);
    CHECK_STR(b.p, "'it\\'s a \\\\ back\\x09slash\\x0a\\x01\\x7f'");
    ww_buf_reset(&b);
    struct ww_addr a;
    CHECK_INT(ww_addr_parse("192.0.2.1", 9, &a), WW_OK);
    ch_lit_addr(&b, &a);
    CHECK_STR(b.p, "toFixedString(unhex('00000000000000000000ffffc0000201'), 16)");
    ww_buf_reset(&b);
    /* columns back */
    struct ww_addr r;
    CHECK_INT(ch_col_addr((const char *)a.b, 16, &r), WW_OK);
    CHECK_INT(r.family, 4);
    CHECK(!memcmp(r.b, a.b, 16));
    CHECK_INT(ww_addr_parse("2001:db8::1", 11, &a), WW_OK);
    CHECK_INT(ch_col_addr((const char *)a.b, 16, &r), WW_OK);
    CHECK_INT(r.family, 6);
    CHECK_INT(ch_col_addr((const char *)a.b, 15, &r), WW_ERR_PARSE);
    CHECK_INT(ch_col_addr(NULL, 16, &r), WW_ERR_PARSE);
    CHECK_INT(ch_col_int("42", 0), 42);
    CHECK_INT(ch_col_int("-9223372036854775808", 0), INT64_MIN);
    CHECK_INT(ch_col_int("18446744073709551615", 0), -1); /* a UInt64's bits */
    CHECK_INT(ch_col_int("3.75", 0), 3);
    CHECK_INT(ch_col_int("nan", 7), 7);
    CHECK_INT(ch_col_int("12x", 7), 7);
    CHECK_INT(ch_col_int("", 7), 7);
    CHECK_INT(ch_col_int(NULL, 7), 7);
    /* RowBinary */
    char s300[300];
    memset(s300, 'a', sizeof s300);
    ch_rb_str(&b, s300, sizeof s300);
    CHECK_INT(b.len, 302);
    CHECK_INT((unsigned char)b.p[0], 0xac); /* 300 = 0b10_0101100: 0xac 0x02 */
    CHECK_INT((unsigned char)b.p[1], 0x02);
    ww_buf_reset(&b);
    ch_rb_str(&b, "", 0);
    ch_rb_u16(&b, 0x1234);
    ch_rb_u64(&b, 0x0102030405060708ULL);
    CHECK_INT(b.len, 11);
    CHECK_INT(b.p[0], 0);
    CHECK_INT(b.p[1], 0x34);
    CHECK_INT(b.p[3], 0x08);
    CHECK_INT(b.p[10], 0x01);
    ww_buf_reset(&b);
}

TEST_MAIN({
    schema();
    schema_single();
    literals();
})

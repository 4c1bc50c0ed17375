/* clickhouse.c -- lib/client/clickhouse.c without a server: TabSeparated
 * escaping (every escaped byte, and back again through the splitter), the
 * splitter's rows, NULLs, empty fields, \x escapes, a bad \x and too many
 * columns; ClickHouse's error bodies turned into ww_err and a message; the
 * URL forms ww_ch_open takes and refuses. tests/e2e/clickhouse_client.sh
 * runs the rest against two real 18.16 shards. */
#include "test.h"
#include "client/clickhouse.h"
#include "core/buf.h"
#include "core/mem.h"

struct rows {
    int n;
    char got[8][256]; /* each row as col|col, <N> for NULL */
    int stop_after;
};

static int collect(void *ctx, char *const *col, const size_t *len, size_t n)
{
    struct rows *r = ctx;
    char *o = r->got[r->n];
    size_t at = 0;
    for (size_t i = 0; i < n && at < 200; i++) {
        if (i) o[at++] = '|';
        if (!col[i]) { memcpy(o + at, "<N>", 3); at += 3; continue; }
        CHECK_INT(strlen(col[i]) <= len[i], 1); /* NUL-terminated at len (or an embedded NUL) */
        memcpy(o + at, col[i], len[i] < 40 ? len[i] : 40);
        at += len[i] < 40 ? len[i] : 40;
    }
    o[at] = '\0';
    return ++r->n == r->stop_after || r->n == 8;
}

static void escape(void)
{
    struct ww_buf b;
    ww_buf_init(&b, 1024);
    const char raw[] = "a\tb\nc\\d\re\0f\bg\fh'";
    CHECK_INT(ww_ch_tsv_escape(&b, raw, sizeof raw - 1), WW_OK);
    CHECK_STR(b.p, "a\\tb\\nc\\\\d\\re\\0f\\bg\\fh'");
    CHECK_INT(ww_ch_tsv_escape(&b, "", 0), WW_OK);
    /* back through the splitter: the same bytes */
    struct rows r = {0};
    char err[256];
    size_t n = b.len;
    char *t = ww_buf_take(&b);
    CHECK_INT(ww_ch_tsv_rows(t, n, collect, &r, err, sizeof err), WW_OK);
    CHECK_INT(r.n, 1);
    CHECK_INT(memcmp(r.got[0], "a\tb\nc\\d\re", 9), 0);
    CHECK_INT(memcmp(r.got[0] + 10, "f\bg\fh'", 6), 0);
    ww_free(t);
    /* the cap */
    ww_buf_init(&b, 4);
    CHECK_INT(ww_ch_tsv_escape(&b, "\t\t\t", 3), WW_ERR_LIMIT);
    ww_buf_reset(&b);
}

static void rows(void)
{
    char err[256];
    struct rows r = {0};
    char t1[] = "1\tx\\ty\t\\N\n2\t\t\\\\N\n\\x41\\'\\q\n";
    CHECK_INT(ww_ch_tsv_rows(t1, sizeof t1 - 1, collect, &r, err, sizeof err), WW_OK);
    CHECK_INT(r.n, 3);
    CHECK_STR(r.got[0], "1|x\ty|<N>");
    CHECK_STR(r.got[1], "2||\\N"); /* \\N escaped is the text \N, not NULL */
    CHECK_STR(r.got[2], "A'q");
    /* no final newline; the callback stops the rows */
    struct rows s = {.stop_after = 1};
    char t2[] = "a\nb";
    CHECK_INT(ww_ch_tsv_rows(t2, sizeof t2 - 1, collect, &s, err, sizeof err), WW_OK);
    CHECK_INT(s.n, 1);
    struct rows u = {0};
    char t3[] = "a\nb";
    CHECK_INT(ww_ch_tsv_rows(t3, sizeof t3 - 1, collect, &u, err, sizeof err), WW_OK);
    CHECK_INT(u.n, 2);
    CHECK_STR(u.got[1], "b");
    /* bad input: a named error, no crash */
    struct rows v = {0};
    char t4[] = "ok\nx\t\\xZ1\n";
    CHECK_INT(ww_ch_tsv_rows(t4, sizeof t4 - 1, collect, &v, err, sizeof err), WW_ERR_PARSE);
    CHECK_STR(err, "row 2, column 2: bad \\x escape");
    char t5[] = "\\x4";
    CHECK_INT(ww_ch_tsv_rows(t5, sizeof t5 - 1, collect, &v, err, sizeof err), WW_ERR_PARSE);
    char wide[WW_CH_COLS_MAX * 2 + 8];
    memset(wide, '\t', WW_CH_COLS_MAX);
    wide[WW_CH_COLS_MAX] = '\n';
    CHECK_INT(ww_ch_tsv_rows(wide, WW_CH_COLS_MAX + 1, collect, &v, err, sizeof err), WW_ERR_LIMIT);
    CHECK_STR(err, "row 1: more than 64 columns");
    char empty[] = "";
    struct rows w = {0};
    CHECK_INT(ww_ch_tsv_rows(empty, 0, collect, &w, err, sizeof err), WW_OK);
    CHECK_INT(w.n, 0);
}

static void errors(void)
{
    char err[512];
    CHECK_INT(ww_ch_error("http://h:1/db", 404,
                          "Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist., "
                          "e.what() = DB::Exception\n", err, sizeof err), WW_ERR_ARG);
    CHECK_STR(err, "http://h:1/db: Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist.");
    CHECK_INT(ww_ch_error("u", 500, "Code: 62, e.displayText() = DB::Exception: Syntax error", err, sizeof err),
              WW_ERR_PARSE);
    CHECK_INT(ww_ch_error("u", 500, "Code: 159, e.displayText() = DB::Exception: Timeout exceeded", err,
                          sizeof err), WW_ERR_LIMIT);
    CHECK_INT(ww_ch_error("u", 500, "Code: 1590, e.displayText() = x", err, sizeof err), WW_ERR_ARG);
    CHECK_INT(ww_ch_error("u", 502, "<html>Bad gateway</html>\n", err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "u: HTTP 502: <html>Bad gateway</html>");
    CHECK_INT(ww_ch_error("u", 503, NULL, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "u: HTTP 503");
}

static void urls(void)
{
    char err[256];
    struct ww_ch *ch;
    CHECK_INT(ww_ch_open(&ch, "http://127.0.0.1:8123/ww", "u", "k", 1000, 1024, err, sizeof err), WW_OK);
    ww_ch_close(ch);
    CHECK_INT(ww_ch_open(&ch, "https://ch.example:8443/", NULL, NULL, 1000, 1024, err, sizeof err), WW_OK);
    ww_ch_close(ch);
    CHECK_INT(ww_ch_open(&ch, "http://h:8123", NULL, NULL, 1000, 1024, err, sizeof err), WW_OK);
    ww_ch_close(ch);
    CHECK_INT(ww_ch_open(&ch, "ftp://h/db", NULL, NULL, 1000, 1024, err, sizeof err), WW_ERR_ARG);
    CHECK(ch == NULL);
    CHECK_STR(err, "ftp://h/db: not an http:// or https:// URL");
    CHECK_INT(ww_ch_open(&ch, "http://h:1/db?user=x", NULL, NULL, 1000, 1024, err, sizeof err), WW_ERR_ARG);
    CHECK_INT(ww_ch_open(&ch, "http:///db", NULL, NULL, 1000, 1024, err, sizeof err), WW_ERR_ARG);
    CHECK_INT(ww_ch_open(&ch, "http://h:1/db", NULL, NULL, 0, 1024, err, sizeof err), WW_ERR_ARG);
    /* bad names and settings refused before any connection (port 9: nobody) */
    CHECK_INT(ww_ch_open(&ch, "http://127.0.0.1:9/db", NULL, NULL, 1000, 1024, err, sizeof err), WW_OK);
    CHECK_INT(ww_ch_insert(ch, "t; DROP TABLE x", "TabSeparated", NULL, "", 0, err, sizeof err), WW_ERR_ARG);
    CHECK_INT(ww_ch_insert(ch, "t", "CSV", NULL, "", 0, err, sizeof err), WW_ERR_ARG);
    const char *bad[] = {"insert_quorum=2&user=x", NULL};
    CHECK_INT(ww_ch_insert(ch, "t", "RowBinary", bad, "", 0, err, sizeof err), WW_ERR_ARG);
    const char *good[] = {"insert_quorum=2", NULL};
    CHECK_INT(ww_ch_insert(ch, "t", "RowBinary", good, "", 0, err, sizeof err), WW_ERR_IO);
    CHECK(strstr(err, "http://127.0.0.1:9/db: ") == err);
    ww_ch_close(ch);
}

TEST_MAIN({
    escape();
    rows();
    errors();
    urls();
})

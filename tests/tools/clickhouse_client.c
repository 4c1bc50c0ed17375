/* clickhouse_client.c -- tests/e2e/clickhouse_client.sh's handle on
 * lib/client/clickhouse.c (built as tool_clickhouse_client, never
 * installed): one call per run.
 *   tool_clickhouse_client URL TIMEOUT_MS exec SQL
 *   tool_clickhouse_client URL TIMEOUT_MS query SQL     rows on stdout, fields '|'-joined, NULL as <NULL>
 *   tool_clickhouse_client URL TIMEOUT_MS insert TABLE FORMAT [SETTING...] < body
 * Credentials come from CH_USER and CH_KEY; CH_MAX caps an answer (bytes,
 * default 1 MiB). On an error it prints
 * "ww_err NAME: message" on stderr and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/clickhouse.h"
#include "core/buf.h"
#include "core/mem.h"

static int print_row(void *ctx, char *const *col, const size_t *len, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (i) putchar('|');
        if (col[i]) fwrite(col[i], 1, len[i], stdout);
        else fputs("<NULL>", stdout);
    }
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s URL TIMEOUT_MS exec|query SQL | insert TABLE FORMAT [SETTING...]\n", argv[0]);
        return 2;
    }
    char err[1024] = "";
    struct ww_ch *ch;
    enum ww_err e = ww_ch_open(&ch, argv[1], getenv("CH_USER"), getenv("CH_KEY"),
                               atol(argv[2]),
                               getenv("CH_MAX") ? (size_t)atol(getenv("CH_MAX")) : 1 << 20, err, sizeof err);
    if (!e && !strcmp(argv[3], "exec")) e = ww_ch_exec(ch, argv[4], err, sizeof err);
    else if (!e && !strcmp(argv[3], "query")) e = ww_ch_query(ch, argv[4], print_row, NULL, err, sizeof err);
    else if (!e && !strcmp(argv[3], "insert") && argc >= 6) {
        struct ww_buf b;
        char chunk[4096];
        size_t n;
        ww_buf_init(&b, 1 << 24);
        while ((n = fread(chunk, 1, sizeof chunk, stdin))) ww_buf_add(&b, chunk, n);
        e = ww_ch_insert(ch, argv[4], argv[5], (const char *const *)argv + 6, b.p ? b.p : "", b.len,
                         err, sizeof err);
        ww_buf_reset(&b);
    } else if (!e) {
        fprintf(stderr, "unknown command %s\n", argv[3]);
        e = WW_ERR_ARG;
    }
    if (e) fprintf(stderr, "ww_err %s: %s\n", ww_strerror((int)e), err);
    ww_ch_close(ch);
    return e ? 1 : 0;
}

/* fuzz_ch_tsv.c -- libFuzzer: lib/client/clickhouse.c's TabSeparated.
 * Mode byte 0 (even): the rest is a server's answer; splitting it never
 * crashes, every column is NUL-terminated at its length, and a row has at
 * most WW_CH_COLS_MAX columns. Mode 1 (odd): the rest is one field's bytes;
 * escaped and split again it is one row of one column holding exactly them.
 * Seeds: tests/fuzz/seed/ch_tsv/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/clickhouse.h"
#include "core/buf.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct want {
    const uint8_t *p;
    size_t n;
    int rows;
};

static int check(void *ctx, char *const *col, const size_t *len, size_t n)
{
    struct want *w = ctx;
    if (n < 1 || n > WW_CH_COLS_MAX) abort();
    for (size_t i = 0; i < n; i++)
        if (col[i] && col[i][len[i]] != '\0') abort();
    w->rows++;
    if (w->p && (n != 1 || !col[0] || len[0] != w->n || memcmp(col[0], w->p, w->n))) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!size) return 0;
    struct ww_buf b;
    ww_buf_init(&b, 8 * size + 16);
    struct want w = {0};
    if (data[0] & 1) {
        if (size < 2) return 0;
        w.p = data + 1, w.n = size - 1;
        if (ww_ch_tsv_escape(&b, (const char *)data + 1, size - 1)) abort();
    } else {
        ww_buf_add(&b, data + 1, size - 1);
        if (!b.p) return 0;
    }
    enum ww_err e = ww_ch_tsv_rows(b.p, b.len, check, &w, err, sizeof err);
    if (w.p && (e || w.rows != 1)) abort();
    ww_buf_reset(&b);
    return 0;
}

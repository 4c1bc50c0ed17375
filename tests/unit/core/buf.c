/* buf.c -- core/buf.h: bytes and printf text up to the maximum and not one
 * byte past it (the buffer freed, WW_ERR_LIMIT, until a reset), growth,
 * the NUL after the bytes, grow for the caller to fill, take and reset;
 * a whole file read in, one past the maximum refused, a missing one named. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

static void run(void)
{
    struct ww_buf b;
    ww_buf_init(&b, 10);
    CHECK(b.p == NULL && b.len == 0);
    CHECK(ww_buf_take(&b) == NULL);
    CHECK_INT(ww_buf_add(&b, "hello", 5), WW_OK);
    CHECK_STR(b.p, "hello");
    CHECK_INT(ww_buf_addf(&b, "%d%s", 12, "345"), WW_OK);
    CHECK_INT(b.len, 10);
    CHECK_STR(b.p, "hello12345");
    CHECK_INT(ww_buf_add(&b, "", 0), WW_OK); /* at the maximum, adding nothing is fine */
    CHECK_INT(ww_buf_add(&b, "!", 1), WW_ERR_LIMIT);
    CHECK(b.p == NULL && b.len == 0 && b.max == 10); /* freed */
    /* the failure sticks until a reset: a builder checks once, at the end */
    CHECK_INT(ww_buf_add(&b, "!", 1), WW_ERR_LIMIT);
    CHECK_INT(ww_buf_addf(&b, "%s", "x"), WW_ERR_LIMIT);
    CHECK(ww_buf_grow(&b, 0) == NULL);
    CHECK(b.p == NULL && b.len == 0);
    CHECK(ww_buf_take(&b) == NULL);
    CHECK_INT(ww_buf_add(&b, "!", 1), WW_OK); /* take empties it as reset does */
    ww_buf_reset(&b);
    CHECK_INT(ww_buf_addf(&b, "%s", "0123456789A"), WW_ERR_LIMIT);
    CHECK(b.p == NULL);
    ww_buf_reset(&b);
    CHECK_INT(ww_buf_addf(&b, "%s", "0123456789"), WW_OK);
    char *t = ww_buf_take(&b);
    CHECK_STR(t, "0123456789");
    CHECK(b.p == NULL && b.len == 0);
    ww_free(t);

    /* growth past 64 and past the small printf buffer; binary bytes */
    ww_buf_init(&b, 100000);
    for (int i = 0; i < 1000; i++) CHECK_INT(ww_buf_addf(&b, "%03d,", i), WW_OK);
    CHECK_INT(b.len, 4000);
    CHECK(!memcmp(b.p + 3996, "999,", 4) && b.p[4000] == 0 && b.cap <= 100001);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_INT(ww_buf_addf(&b, "<%s>", big), WW_OK);
    CHECK_INT(b.len, 4000 + 601);
    CHECK(b.p[4000] == '<' && b.p[4600] == '>' && b.p[4601] == 0);
    unsigned char *g = ww_buf_grow(&b, 3);
    CHECK(g == (unsigned char *)b.p + 4601);
    g[0] = 0; g[1] = 1; g[2] = 2;
    CHECK_INT(b.len, 4604);
    CHECK(ww_buf_grow(&b, 100000) == NULL && b.p == NULL);
    ww_buf_reset(&b);
    CHECK(b.p == NULL && b.max == 100000 && !b.err);

    /* a maximum of zero holds nothing; no maximum at all */
    ww_buf_init(&b, 0);
    CHECK(ww_buf_grow(&b, 0) != NULL && b.p[0] == 0);
    CHECK_INT(ww_buf_add(&b, "x", 1), WW_ERR_LIMIT);
    ww_buf_reset(&b);
    ww_buf_init(&b, SIZE_MAX);
    CHECK_INT(ww_buf_add(&b, "abc", 3), WW_OK);
    CHECK(ww_buf_grow(&b, SIZE_MAX - 3) == NULL); /* no room for the NUL */
    ww_buf_reset(&b);
}

static void read_file(void)
{
    struct ww_buf b;
    char err[256], path[] = "/tmp/ww_buf_test.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "wb");
    for (int i = 0; i < 100000; i++) fputc('a' + i % 26, f); /* past one 64 KiB read */
    fclose(f);
    CHECK_INT(ww_buf_read_file(&b, path, 1u << 20, err, sizeof err), WW_OK);
    CHECK_INT(b.len, 100000);
    CHECK(b.p && b.p[0] == 'a' && b.p[99999] == 'a' + 99999 % 26 && b.p[100000] == 0);
    ww_buf_reset(&b);
    f = fopen(path, "ab");
    for (int i = 0; i < (2 << 20); i++) fputc('x', f);
    fclose(f);
    CHECK_INT(ww_buf_read_file(&b, path, 1u << 20, err, sizeof err), WW_ERR_IO);
    CHECK(b.p == NULL && b.len == 0);
    char want[300];
    snprintf(want, sizeof want, "%s: larger than 1 MiB", path);
    CHECK_STR(err, want);
    unlink(path);
    CHECK_INT(ww_buf_read_file(&b, path, 1u << 20, err, sizeof err), WW_ERR_IO);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    CHECK_STR(err, want);
    CHECK(b.p == NULL);
}

TEST_MAIN({
    run();
    read_file();
})

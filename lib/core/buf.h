/* buf.h -- a growable byte buffer with a hard maximum, after curl's dynbuf
 * (lib/dynbuf.c).
 *
 * ww_buf_init sets the most bytes the buffer may ever hold. Adding grows the
 * allocation by doubling; an add that would pass the maximum frees the
 * buffer and fails with WW_ERR_LIMIT, so a runaway producer (a script, a
 * saved state) ends in one clean error instead of eating memory. The failure
 * sticks: every later add fails too, until ww_buf_reset, so a builder of
 * many adds may check once, at the end (ww_buf_take gives NULL). The text is
 * always NUL-terminated past len (the NUL is not counted), so a buffer of
 * text is a C string as it stands. Out of memory aborts (core/mem.h).
 *
 *   struct ww_buf b;
 *   ww_buf_init(&b, 1 << 20);
 *   if (ww_buf_addf(&b, "add element %s\n", net)) ... WW_ERR_LIMIT
 *   char *s = ww_buf_take(&b);   the caller ww_free's s; b is empty again
 */
#ifndef WW_BUF_H
#define WW_BUF_H
#include <stddef.h>

struct ww_buf {
    char *p;     /* NULL while empty */
    size_t len;  /* bytes held */
    size_t cap;  /* bytes allocated (len + 1 <= cap) */
    size_t max;  /* len never passes this */
    int err;     /* WW_ERR_LIMIT once an add failed (sticks until reset) */
};

void ww_buf_init(struct ww_buf *b, size_t max);
/* Appends n bytes: WW_OK, or WW_ERR_LIMIT (the buffer is freed, empty). */
int ww_buf_add(struct ww_buf *b, const void *mem, size_t n);
int ww_buf_addf(struct ww_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes for the caller to fill and returns where they start, or
 * NULL past the maximum (the buffer is freed, as by ww_buf_add). */
void *ww_buf_grow(struct ww_buf *b, size_t n);
/* Frees the memory and forgets a failure; the buffer is empty and keeps
 * its maximum. */
void ww_buf_reset(struct ww_buf *b);
/* Hands the bytes to the caller (ww_free them; NULL if nothing was added,
 * or after a failure); the buffer is empty, as after ww_buf_reset. */
char *ww_buf_take(struct ww_buf *b);
/* Reads the whole file at path into b, which it first makes empty with
 * the maximum max: WW_OK, or WW_ERR_IO with b empty and err saying why
 * (cannot open or read it, or larger than max). */
int ww_buf_read_file(struct ww_buf *b, const char *path, size_t max, char *err, size_t errlen);

#endif

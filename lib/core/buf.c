/* buf.c -- growable buffer with a hard maximum (see buf.h).
 *
 * Invariant: p == NULL and len == cap == 0, or len + 1 <= cap and p[len]
 * == 0; err set means p == NULL. Capacity doubles from 64 bytes, clamped
 * to max + 1, so a buffer never allocates more than its maximum plus the
 * NUL. */
#include "core/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

void ww_buf_init(struct ww_buf *b, size_t max)
{
    *b = (struct ww_buf){.max = max};
}

void ww_buf_reset(struct ww_buf *b)
{
    ww_free(b->p);
    ww_buf_init(b, b->max);
}

char *ww_buf_take(struct ww_buf *b)
{
    char *p = b->p;
    ww_buf_init(b, b->max);
    return p;
}

void *ww_buf_grow(struct ww_buf *b, size_t n)
{
    if (b->err || n > b->max - b->len || n == (size_t)-1 - b->len) { /* past max, or no room for the NUL */
        ww_free(b->p);
        *b = (struct ww_buf){.max = b->max, .err = WW_ERR_LIMIT};
        return NULL;
    }
    size_t need = b->len + n + 1;
    if (b->cap < need) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need) cap = cap <= (size_t)-1 / 2 ? 2 * cap : need;
        if (b->max < (size_t)-1 && cap > b->max + 1) cap = b->max + 1;
        b->p = ww_realloc(b->p, cap);
        b->cap = cap;
    }
    void *at = b->p + b->len;
    b->len += n;
    b->p[b->len] = 0;
    return at;
}

int ww_buf_add(struct ww_buf *b, const void *mem, size_t n)
{
    void *at = ww_buf_grow(b, n);
    if (!at) return WW_ERR_LIMIT;
    if (n) memcpy(at, mem, n);
    return WW_OK;
}

int ww_buf_addf(struct ww_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    if (b->err) return b->err;
    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) return WW_ERR_ARG;
    if ((size_t)k < sizeof small) return ww_buf_add(b, small, (size_t)k);
    char *at = ww_buf_grow(b, (size_t)k);
    if (!at) return WW_ERR_LIMIT;
    va_start(ap, fmt);
    vsnprintf(at, (size_t)k + 1, fmt, ap); /* the NUL lands on the buffer's own */
    va_end(ap);
    return WW_OK;
}

int ww_buf_read_file(struct ww_buf *b, const char *path, size_t max, char *err, size_t errlen)
{
    ww_buf_init(b, max);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    size_t got;
    do {
        char *at = ww_buf_grow(b, 65536);
        if (!at) break;
        got = fread(at, 1, 65536, f);
        b->len -= 65536 - got;
    } while (got == 65536);
    int rc = WW_OK;
    if (b->err) {
        if (err && errlen) snprintf(err, errlen, "%s: larger than %zu MiB", path, max >> 20);
        rc = WW_ERR_IO;
    } else if (ferror(f)) {
        if (err && errlen) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = WW_ERR_IO;
    }
    fclose(f);
    if (rc) ww_buf_reset(b);
    return rc;
}

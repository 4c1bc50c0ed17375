/* mem.c -- see mem.h. */
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void oom(size_t n)
{
    /* The one place lib/ writes to stderr: we are about to abort anyway. */
    fprintf(stderr, "wormwatch: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ww_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *ww_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) oom(count * size);
    return p;
}

void *ww_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *ww_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ww_malloc(n);
    memcpy(d, s, n);
    return d;
}

void ww_free(void *p) { free(p); }

void ww_mem_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20; /* x86-64, arm64 with 4 KiB pages */
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
    if (lo < hi) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p, (void)n;
#endif
}

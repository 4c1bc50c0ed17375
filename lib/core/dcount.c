/* dcount.c -- distinct counter: exact small set, promoted to HyperLogLog.
 *
 * Most things we count distinct values for are tiny: a background-radiation
 * source hits one port on one host; a quiet port sees a few sources an hour.
 * So a counter starts exact and only pays for a 4 KiB HyperLogLog (hll.c)
 * when it holds more than WW_DCOUNT_EXACT (128) distinct values:
 *
 *   lg == 0, n == 0    empty (the zeroed struct)            0 heap bytes
 *   lg == 0, n == 1    the one hash inline in u.one         0
 *   lg == 3..8         u.set: 2^lg uint64 slots, linear     64 .. 2048
 *                      probing, slot value 0 = empty (the
 *                      hash 0 itself is the `zero` flag)
 *   lg == 255          u.hll: every value so far added      4096
 *
 * The table grows 8 -> 16 -> ... -> 256 slots keeping the load at most 3/4
 * (at most 1/2 at 256 slots, where it holds the last 128); adding the 129th
 * distinct value copies all 128 into a fresh HLL, so counts are exact up to
 * 128 and within HLL error (1.6%) beyond. Values are hashes that are
 * already mixed (ww_hash64, ww_addr_hash), so their low bits index slots.
 * The struct is 16 bytes; nothing is allocated below two distinct values. */
#include "core/dcount.h"

#include "core/hll.h"
#include "core/mem.h"

#define LG_MIN 3
#define LG_MAX 8

static int set_insert(uint64_t *set, unsigned lg, uint64_t h)
{
    size_t mask = ((size_t)1 << lg) - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (set[i] == h) return 0;
        if (!set[i]) {
            set[i] = h;
            return 1;
        }
    }
}

/* Calls fn(arg, v) for every member of an exact counter. */
static void each(const struct ww_dcount *dc, void (*fn)(void *, uint64_t), void *arg)
{
    if (dc->lg == 0) {
        if (dc->n) fn(arg, dc->u.one);
        return;
    }
    if (dc->zero) fn(arg, 0);
    for (size_t i = 0; i < (size_t)1 << dc->lg; i++)
        if (dc->u.set[i]) fn(arg, dc->u.set[i]);
}

static void into_hll(void *arg, uint64_t v) { ww_hll_add(arg, v); }
static void into_set(void *arg, uint64_t v)
{
    struct ww_dcount *dc = arg;
    if (v) set_insert(dc->u.set, dc->lg, v);
    else dc->zero = 1;
}

static void promote(struct ww_dcount *dc)
{
    struct ww_hll *h = ww_hll_new();
    each(dc, into_hll, h);
    ww_dcount_release(dc);
    dc->u.hll = h;
    dc->lg = WW_DCOUNT_LG_HLL;
}

/* Rebuild the exact members into a table of 2^lg slots. */
static void regrow(struct ww_dcount *dc, unsigned lg)
{
    struct ww_dcount old = *dc;
    dc->u.set = ww_calloc((size_t)1 << lg, sizeof(uint64_t));
    dc->lg = (uint8_t)lg;
    dc->zero = 0;
    each(&old, into_set, dc);
    ww_dcount_release(&old);
}

static int contains(const struct ww_dcount *dc, uint64_t h)
{
    if (dc->lg == 0) return dc->n && dc->u.one == h;
    if (!h) return dc->zero;
    size_t mask = ((size_t)1 << dc->lg) - 1;
    for (size_t i = (size_t)h & mask; dc->u.set[i]; i = (i + 1) & mask)
        if (dc->u.set[i] == h) return 1;
    return 0;
}

int ww_dcount_add(struct ww_dcount *dc, uint64_t h)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) return ww_hll_add(dc->u.hll, h);
    if (contains(dc, h)) return 0;
    if (dc->lg == 0 && dc->n == 0) {
        dc->u.one = h;
        dc->n = 1;
        return 1;
    }
    if (dc->n >= WW_DCOUNT_EXACT) {
        promote(dc);
        ww_hll_add(dc->u.hll, h);
        return 1;
    }
    if (dc->lg == 0) {
        regrow(dc, LG_MIN);
    } else if ((dc->n + 1) * 4 > 3u << dc->lg && dc->lg < LG_MAX) {
        regrow(dc, dc->lg + 1u);
    }
    into_set(dc, h);
    dc->n++;
    return 1;
}

uint64_t ww_dcount_count(const struct ww_dcount *dc)
{
    return dc->lg == WW_DCOUNT_LG_HLL ? ww_hll_count(dc->u.hll) : dc->n;
}

static void into_dcount(void *arg, uint64_t v) { ww_dcount_add(arg, v); }

void ww_dcount_merge(struct ww_dcount *dst, const struct ww_dcount *src)
{
    if (src->lg != WW_DCOUNT_LG_HLL) {
        each(src, into_dcount, dst);
        return;
    }
    if (dst->lg != WW_DCOUNT_LG_HLL) promote(dst);
    ww_hll_merge(dst->u.hll, src->u.hll);
}

void ww_dcount_release(struct ww_dcount *dc)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) ww_hll_free(dc->u.hll);
    else if (dc->lg) ww_free(dc->u.set);
    ww_dcount_init(dc);
}

size_t ww_dcount_bytes(const struct ww_dcount *dc)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) return sizeof(struct ww_hll);
    return dc->lg ? ((size_t)1 << dc->lg) * sizeof(uint64_t) : 0;
}

void ww_dcount_each(const struct ww_dcount *dc, void (*fn)(void *, uint64_t), void *arg)
{
    if (dc->lg != WW_DCOUNT_LG_HLL) each(dc, fn, arg);
}

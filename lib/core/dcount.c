/* dcount.c -- distinct counter: exact small set, promoted to HyperLogLog.
 *
 * Most things we count distinct values for are tiny: a background-radiation
 * source hits one port on one host; a quiet port sees a few sources an hour.
 * So a counter starts exact and only pays for a 4 KiB HyperLogLog (hll.c)
 * when it holds more than WW_DCOUNT_EXACT (128) distinct values:
 *
 *   lg == 0, n == 0    empty (the zeroed struct)            0 heap bytes
 *   lg == 0, n == 1    the one hash inline in u.one         0
 *   lg == 3..8         u.set: a table (hash.h) of 2^lg      64 .. 2048
 *                      slots, each value whole in its slot
 *                      (low half the slot's hash, high half
 *                      its ref); the empty slot is {0, 0},
 *                      so the value 0 is the `zero` flag
 *   lg == 255          u.hll: every value so far added      4096
 *
 * The table grows 8 -> 16 -> ... -> 256 slots keeping the load at most 3/4
 * (at most 1/2 at 256 slots, where it holds the last 128); adding the 129th
 * distinct value copies all 128 into a fresh HLL, so counts are exact up to
 * 128 and within HLL error (1.6%) beyond. Values are hashes that are
 * already mixed (ww_hash64, ww_addr_hash), so they are their own table
 * hash, and a probe reads one slot array and nothing else.
 * The struct is 16 bytes; nothing is allocated below two distinct values. */
#include "core/dcount.h"

#include "core/hash.h"
#include "core/hll.h"
#include "core/mem.h"

#define LG_MIN 3
#define LG_MAX 8

/* A value v != 0 in the set: hash = its low half, ref = its high half, so
 * the table's entry number for it (ref - 1) is entry(v). */
static uint32_t entry(uint64_t v) { return (uint32_t)(v >> 32) - 1; }

static int same(const void *ctx, uint32_t e, const void *v)
{
    (void)ctx;
    return e == entry(*(const uint64_t *)v); /* the low halves matched already */
}

static struct ww_hash table(const struct ww_dcount *dc)
{
    return (struct ww_hash){dc->u.set, ((uint32_t)1 << dc->lg) - 1, dc->n};
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
        if (ww_hash_full(dc->u.set[i])) fn(arg, (uint64_t)dc->u.set[i].ref << 32 | dc->u.set[i].hash);
}

static void into_hll(void *arg, uint64_t v) { ww_hll_add(arg, v); }
static void into_set(void *arg, uint64_t v)
{
    struct ww_dcount *dc = arg;
    struct ww_hash t = table(dc);
    if (v) ww_hash_put(&t, v, entry(v));
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
    dc->u.set = ww_calloc((size_t)1 << lg, sizeof *dc->u.set);
    dc->lg = (uint8_t)lg;
    dc->zero = 0;
    each(&old, into_set, dc);
    ww_dcount_release(&old);
}

static int contains(const struct ww_dcount *dc, uint64_t h)
{
    if (dc->lg == 0) return dc->n && dc->u.one == h;
    if (!h) return dc->zero;
    struct ww_hash t = table(dc);
    return ww_hash_get(&t, h, same, NULL, &h) != NULL;
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
    return dc->lg ? ((size_t)1 << dc->lg) * sizeof *dc->u.set : 0;
}

void ww_dcount_each(const struct ww_dcount *dc, void (*fn)(void *, uint64_t), void *arg)
{
    if (dc->lg != WW_DCOUNT_LG_HLL) each(dc, fn, arg);
}

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
 *   lg == 255          u.hll: every value so far added      4312
 *
 * The table grows 8 -> 16 -> ... -> 256 slots keeping the load at most 3/4
 * (at most 1/2 at 256 slots, where it holds the last 128); adding the 129th
 * distinct value copies all 128 into a fresh HLL, so counts are exact up to
 * 128 and within HLL error (1.6%) beyond. Values are hashes that are
 * already mixed (ww_hash64, ww_addr_hash), so they are their own table
 * hash, and a probe reads one slot array and nothing else; an add probes
 * once, finding the value or the empty slot it then takes.
 * The struct is 16 bytes; nothing is allocated below two distinct values
 * but a table kept or reserved (below).
 *
 * The detectors make some sets again and again (a port's sources and
 * targets each bucket: surge.c, ports.c), and a busy one grew through
 * every table size each time: ww_dcount_clear empties a counter but keeps
 * the table the set just emptied needed (lg_for its n), so a table may
 * hold fewer than two values. What it keeps is bounded by what the set
 * held: a smaller set's table is given back for one of its size, an HLL's
 * set starts again in the largest table (2 KiB, not the 4.2 KiB sketch:
 * counts stay exact to 128). ww_dcount_reserve makes an empty counter's
 * table for a set expected to be like another (a port's sets in a new
 * bucket, ports.c).
 *
 * Encoding, every integer little-endian (core/bytes.h):
 *
 *   exact   u8 0, u8 n (0..128), n x u64 member, in increasing order
 *   HLL     u8 1, 4096 register bytes (each 0..WW_HLL_Q + 1 = 53)
 *
 * Sorted members make the bytes a function of the set, not of the table's
 * layout; the decoder takes any order (it checks for repeats). This was
 * surge's state format (lib/detect/surge.c) and is now the store's blobs'
 * too. The store's blobs written before it carry no count, so they are read
 * only as a whole blob:
 *
 *   'E' + n x u64 member (n <= 128, any order)  |  'H' + 4096 registers
 *
 * A decoded HLL is the registers as stored: adding to it and counting go on
 * exactly as in the counter that was saved. */
#include "core/dcount.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/hll.h"
#include "core/mem.h"

_Static_assert(WW_DCOUNT_ENC_MAX == 1 + WW_HLL_REGISTERS &&
               WW_DCOUNT_ENC_MAX >= 2 + 8 * WW_DCOUNT_EXACT, "WW_DCOUNT_ENC_MAX");

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
    struct ww_hash t = table(dc);
    if (old.lg == 0) { /* the one inline value (a loop over slots, not each()'s calls) */
        if (old.n) into_set(dc, old.u.one);
    } else {
        dc->zero = old.zero;
        for (size_t i = 0; i < (size_t)1 << old.lg; i++)
            if (ww_hash_full(old.u.set[i])) ww_hash_put(&t, old.u.set[i].hash, old.u.set[i].ref - 1);
    }
    ww_dcount_release(&old);
}

void ww_dcount_prefetch(const struct ww_dcount *dc, uint64_t h)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) __builtin_prefetch(&dc->u.hll->reg[h & (WW_HLL_REGISTERS - 1)]);
    else if (dc->lg) __builtin_prefetch(&dc->u.set[(uint32_t)h & (((uint32_t)1 << dc->lg) - 1)]);
}

int ww_dcount_add(struct ww_dcount *dc, uint64_t h)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) return ww_hll_add(dc->u.hll, h);
    if (dc->lg == 0) {
        if (!dc->n) {
            dc->u.one = h;
            dc->n = 1;
            return 1;
        }
        if (dc->u.one == h) return 0;
        regrow(dc, LG_MIN); /* a table of the one, and h goes in below */
    }
    /* One probe finds h or the slot it would take. */
    struct ww_hash t = table(dc);
    struct ww_hash_slot *s = h ? ww_hash_slot(&t, h, same, NULL, &h) : NULL;
    if (s ? ww_hash_full(*s) : dc->zero) return 0;
    if (dc->n >= WW_DCOUNT_EXACT) {
        promote(dc);
        ww_hll_add(dc->u.hll, h);
        return 1;
    }
    if ((dc->n + 1) * 4 > 3u << dc->lg && dc->lg < LG_MAX) {
        regrow(dc, dc->lg + 1u);
        into_set(dc, h);
    } else if (s) {
        ww_hash_fill(&t, s, h, entry(h));
    } else {
        dc->zero = 1;
    }
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

/* The table size the growing in ww_dcount_add gives n members: 0 (inline)
 * for n <= 1. */
static unsigned lg_for(uint64_t n)
{
    unsigned lg = LG_MIN;
    if (n <= 1) return 0;
    while (lg < LG_MAX && n > (3u << lg) / 4) lg++;
    return lg;
}

void ww_dcount_reserve(struct ww_dcount *dc, uint64_t n)
{
    unsigned lg = lg_for(n);
    if (dc->lg || dc->n || !lg) return; /* not empty, or no table needed */
    dc->u.set = ww_calloc((size_t)1 << lg, sizeof *dc->u.set);
    dc->lg = (uint8_t)lg;
}

void ww_dcount_clear(struct ww_dcount *dc)
{
    uint32_t n = dc->lg == WW_DCOUNT_LG_HLL ? WW_DCOUNT_EXACT : dc->n;
    if (dc->lg && dc->lg == lg_for(n)) {
        memset(dc->u.set, 0, ((size_t)1 << dc->lg) * sizeof *dc->u.set);
        dc->n = 0;
        dc->zero = 0;
    } else {
        ww_dcount_release(dc);
        ww_dcount_reserve(dc, n);
    }
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

/* ---- encoding ---- */

struct members { uint64_t v[WW_DCOUNT_EXACT]; size_t n; };

static void collect(void *arg, uint64_t v)
{
    struct members *m = arg;
    if (m->n < WW_DCOUNT_EXACT) m->v[m->n++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t ww_dcount_encode(const struct ww_dcount *dc, unsigned char *buf)
{
    if (dc->lg == WW_DCOUNT_LG_HLL) {
        buf[0] = 1;
        memcpy(buf + 1, dc->u.hll->reg, WW_HLL_REGISTERS);
        return 1 + WW_HLL_REGISTERS;
    }
    struct members m = {.n = 0};
    each(dc, collect, &m);
    qsort(m.v, m.n, sizeof m.v[0], cmp_u64);
    buf[0] = 0;
    buf[1] = (unsigned char)m.n;
    for (size_t i = 0; i < m.n; i++) ww_le_put64(buf + 2 + 8 * i, m.v[i]);
    return 2 + 8 * m.n;
}

/* n members at b (8 bytes each) into the empty dc; -1 on a repeat. */
static int decode_members(struct ww_dcount *dc, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ww_dcount_add(dc, ww_le_get64(b + 8 * i))) return -1;
    return 0;
}

/* 4096 registers at b into the empty dc; -1 if one is out of range. */
static int decode_hll(struct ww_dcount *dc, const unsigned char *b)
{
    for (size_t i = 0; i < WW_HLL_REGISTERS; i++)
        if (b[i] > WW_HLL_Q + 1) return -1;
    dc->u.hll = ww_hll_new();
    ww_hll_load(dc->u.hll, b);
    dc->lg = WW_DCOUNT_LG_HLL;
    return 0;
}

int ww_dcount_decode(struct ww_dcount *dc, const unsigned char *b, size_t len, size_t *used)
{
    size_t k = 0, n; /* bytes taken, members */
    int bad = 1;
    ww_dcount_release(dc); /* an empty counter may still hold a table (ww_dcount_clear) */
    switch (len ? b[0] : -1) {
    case 0:
        if (len >= 2 && (n = b[1]) <= WW_DCOUNT_EXACT && len - 2 >= 8 * n)
            k = 2 + 8 * n, bad = decode_members(dc, b + 2, n);
        break;
    case 1:
        if (len - 1 >= WW_HLL_REGISTERS) k = 1 + WW_HLL_REGISTERS, bad = decode_hll(dc, b + 1);
        break;
    case 'E': /* the store's blobs of before: whole blobs only */
        if (!used && (len - 1) % 8 == 0 && (n = (len - 1) / 8) <= WW_DCOUNT_EXACT)
            k = len, bad = decode_members(dc, b + 1, n);
        break;
    case 'H':
        if (!used && len == 1 + WW_HLL_REGISTERS) k = len, bad = decode_hll(dc, b + 1);
        break;
    }
    if (bad || (!used && k != len)) {
        ww_dcount_release(dc);
        return WW_ERR_PARSE;
    }
    if (used) *used = k;
    return WW_OK;
}

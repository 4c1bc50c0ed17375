/* dcount.h -- distinct counter of 64-bit hashes: exact while small, then a
 * HyperLogLog. A zeroed struct is an empty counter; 16 bytes, so millions
 * of them (one per source, per port and hour) stay cheap. See dcount.c.
 * One byte encoding (ww_dcount_encode/_decode) serves every file that keeps
 * counters: the store's blobs and surge's saved state. */
#ifndef WW_DCOUNT_H
#define WW_DCOUNT_H
#include <stddef.h>
#include <stdint.h>

struct ww_hash_slot; /* core/hash.h */

#define WW_DCOUNT_EXACT 128 /* exact up to this many distinct values */

struct ww_dcount {
    union {
        uint64_t one;      /* n == 1, lg == 0: the one value, inline */
        struct ww_hash_slot *set; /* lg 3..8: a table of 2^lg slots (dcount.c) */
        struct ww_hll *hll;/* lg == WW_DCOUNT_LG_HLL */
    } u;
    uint32_t n;            /* distinct values (exact mode) */
    uint8_t lg;            /* 0: inline (n 0 or 1); 3..8: table; 255: HLL */
    uint8_t zero;          /* table mode: value 0 is a member (0 = empty slot) */
};

#define WW_DCOUNT_LG_HLL 255

static inline void ww_dcount_init(struct ww_dcount *dc)
{
    *dc = (struct ww_dcount){0};
}
/* Asks the CPU to bring in where adding hash would look first (a counter's
 * table or sketch is its own allocation: a cache miss on a busy run). */
void ww_dcount_prefetch(const struct ww_dcount *dc, uint64_t hash);
/* 1 if hash was new (exact) or changed a register (HLL), else 0. */
int ww_dcount_add(struct ww_dcount *dc, uint64_t hash);
uint64_t ww_dcount_count(const struct ww_dcount *dc);
static inline int ww_dcount_is_exact(const struct ww_dcount *dc)
{
    return dc->lg != WW_DCOUNT_LG_HLL;
}
/* dst becomes the union of dst and src; src is unchanged. */
void ww_dcount_merge(struct ww_dcount *dst, const struct ww_dcount *src);
/* Frees the heap part; *dc is empty afterwards. */
void ww_dcount_release(struct ww_dcount *dc);
/* Empties dc for a set made again (a port's, each bucket), keeping a
 * table of the size the set just emptied needed: no growing through every
 * size again. It keeps no more than the set held (an HLL's becomes the
 * largest table, 2 KiB; one of a set that would fit a smaller table is
 * given back); ww_dcount_release frees it. */
void ww_dcount_clear(struct ww_dcount *dc);
/* Gives the empty dc the table that n values would grow it to (none for
 * n <= 1; the largest, 2 KiB, for n >= 128): a hint from a set like it
 * (the last bucket's), saving the growing; nothing if dc is not empty. */
void ww_dcount_reserve(struct ww_dcount *dc, uint64_t n);
/* Heap bytes in use (not counting the struct itself). */
size_t ww_dcount_bytes(const struct ww_dcount *dc);
/* Calls fn(arg, v) for every member of an exact counter, in no set order
 * (nothing for an HLL: its registers are dc->u.hll->reg). */
void ww_dcount_each(const struct ww_dcount *dc, void (*fn)(void *, uint64_t), void *arg);

/* The encoding (layout in dcount.c): an exact counter in 2 + 8 n bytes, an
 * HLL in 4097; the bytes are a function of the set alone. Returns the
 * length written to buf (>= WW_DCOUNT_ENC_MAX bytes). */
#define WW_DCOUNT_ENC_MAX 4097
size_t ww_dcount_encode(const struct ww_dcount *dc, unsigned char *buf);
/* Rebuilds a counter into dc (empty; a table ww_dcount_clear kept is
 * freed) from b[0..len), checking everything: the kind, every length, the
 * exact count (<= WW_DCOUNT_EXACT, no member twice), every HLL register
 * (<= 53). With used, b is a stream: one
 * encoding is read from its front and *used gets its length. Without
 * (NULL), b[0..len) must be exactly one encoding, and the store's blobs of
 * before this encoding ('E'/'H', dcount.c) are read too. WW_OK, or
 * WW_ERR_PARSE with dc left empty. Reads nothing past len. */
int ww_dcount_decode(struct ww_dcount *dc, const unsigned char *b, size_t len, size_t *used);

#endif

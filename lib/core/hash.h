/* hash.h -- the library's one hash table: an open-addressing index over
 * entries the caller owns (an array, a pool), found by number. See hash.c.
 *
 * A slot holds entry + 1 (`ref`) and 32 bits of the entry's hash, so a
 * probe compares hashes in the slot and calls eq() only when they match.
 * The caller computes a key's hash (well mixed in its low 32 bits:
 * ww_hash64, ww_addr_hash) once and passes it to find and add; the table
 * never hashes a key itself (growing and deleting use the stored bits), so
 * eq() is its one callback. find and put are static inline: with a
 * constant eq the compiler inlines the comparison into the probe loop.
 * A slot is empty when both its words are 0, so a set of 64-bit values
 * that are their own hashes can keep each value whole in a slot (low half
 * as the hash, high half as ref): dcount.c does, finding a value or the
 * empty slot it takes in one probe (ww_hash_slot, then ww_hash_fill).
 *
 *   struct ww_hash t;  ww_hash_init(&t, 64);
 *   uint64_t h = ww_addr_hash(&a);
 *   uint32_t i = ww_hash_find(&t, h, same_addr, ents, &a);
 *   if (i == WW_HASH_NONE) { i = n++; ents[i].addr = a; ww_hash_add(&t, h, i); }
 *   ...  ww_hash_del(&t, h, i);  ww_hash_release(&t);
 */
#ifndef WW_HASH_H
#define WW_HASH_H
#include <stddef.h>
#include <stdint.h>

#define WW_HASH_NONE UINT32_MAX /* find: no such entry */

struct ww_hash_slot {
    uint32_t ref;             /* entry + 1 */
    uint32_t hash;            /* the entry's hash, low 32 bits */
};                            /* both 0: empty */

struct ww_hash {
    struct ww_hash_slot *slot;
    uint32_t mask;            /* slots - 1 (a power of two) */
    uint32_t n;               /* entries indexed */
};

/* eq(ctx, entry, key): does entry hold key? ctx is what find was given. */
typedef int (*ww_hash_eq_fn)(const void *ctx, uint32_t entry, const void *key);

/* An empty table of `slots` (rounded up to a power of two, at least 8; at
 * most 2^31, so entries are below 2^31). */
void ww_hash_init(struct ww_hash *t, size_t slots);
/* Frees the slots (a zeroed table too); t is zeroed. */
void ww_hash_release(struct ww_hash *t);
/* Forgets every entry, keeping the size. */
void ww_hash_clear(struct ww_hash *t);
/* Re-places every entry in a fresh array of nslots (rounded up to a power
 * of two, at least 8 and more than t->n) by its stored hash; with huge,
 * the array is asked for huge pages first (ww_mem_huge). */
void ww_hash_resize(struct ww_hash *t, size_t nslots, int huge);
/* Removes entry (indexed under hash) by backward shift: later members of
 * its cluster move up, so no tombstones are left. */
void ww_hash_del(struct ww_hash *t, uint64_t hash, uint32_t entry);

/* The load is bounded at 3/4: add grows (doubles) the table past it, and
 * callers that size the table themselves keep n <= ww_hash_most(slots). */
static inline size_t ww_hash_most(size_t slots) { return slots / 4 * 3; }

static inline size_t ww_hash_bytes(const struct ww_hash *t)
{
    return t->slot ? ((size_t)t->mask + 1) * sizeof *t->slot : 0;
}

static inline int ww_hash_full(struct ww_hash_slot s) { return (s.ref | s.hash) != 0; }

/* The slot holding key, or else the empty slot where it would go (which
 * ww_hash_fill can take while the table has room): one probe for a
 * look-up and the insert after it. */
static inline struct ww_hash_slot *ww_hash_slot(const struct ww_hash *t, uint64_t hash,
                                                ww_hash_eq_fn eq, const void *ctx, const void *key)
{
    uint32_t h = (uint32_t)hash;
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        struct ww_hash_slot s = t->slot[i];
        if (!ww_hash_full(s) || (s.hash == h && eq(ctx, s.ref - 1, key))) return &t->slot[i];
    }
}

/* The slot holding key, or NULL. */
static inline struct ww_hash_slot *ww_hash_get(const struct ww_hash *t, uint64_t hash,
                                               ww_hash_eq_fn eq, const void *ctx, const void *key)
{
    struct ww_hash_slot *s = ww_hash_slot(t, hash, eq, ctx, key);
    return ww_hash_full(*s) ? s : NULL;
}

/* Indexes entry under hash in the empty slot s that ww_hash_slot gave for
 * it, with nothing put since; the table must have room (as for put). */
static inline void ww_hash_fill(struct ww_hash *t, struct ww_hash_slot *s, uint64_t hash, uint32_t entry)
{
    *s = (struct ww_hash_slot){entry + 1, (uint32_t)hash};
    t->n++;
}

/* The entry holding key, or WW_HASH_NONE. */
static inline uint32_t ww_hash_find(const struct ww_hash *t, uint64_t hash, ww_hash_eq_fn eq,
                                    const void *ctx, const void *key)
{
    const struct ww_hash_slot *s = ww_hash_get(t, hash, eq, ctx, key);
    return s ? s->ref - 1 : WW_HASH_NONE;
}

/* Asks the CPU to bring in the slot a look-up of hash starts at (a table
 * far larger than the caches misses on every look-up; prefetched a few
 * look-ups ahead, the miss overlaps other work). */
static inline void ww_hash_prefetch(const struct ww_hash *t, uint64_t hash)
{
    __builtin_prefetch(&t->slot[(uint32_t)hash & t->mask]);
}

/* The entry of the first slot holding hash, without asking eq() (which
 * would read the entry): what to prefetch next, most likely the key's own
 * entry. WW_HASH_NONE if no slot holds hash. */
static inline uint32_t ww_hash_peek(const struct ww_hash *t, uint64_t hash)
{
    uint32_t h = (uint32_t)hash;
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        struct ww_hash_slot s = t->slot[i];
        if (!ww_hash_full(s)) return WW_HASH_NONE;
        if (s.hash == h) return s.ref - 1;
    }
}

/* Indexes entry (not indexed yet) under hash; the table must have room
 * (n < ww_hash_most(slots)). */
static inline void ww_hash_put(struct ww_hash *t, uint64_t hash, uint32_t entry)
{
    uint32_t h = (uint32_t)hash, i = h & t->mask;
    while (ww_hash_full(t->slot[i])) i = (i + 1) & t->mask;
    t->slot[i] = (struct ww_hash_slot){entry + 1, h};
    t->n++;
}

/* put, doubling the table first when it would pass its load bound. */
static inline void ww_hash_add(struct ww_hash *t, uint64_t hash, uint32_t entry)
{
    if (t->n + 1 > ww_hash_most((size_t)t->mask + 1)) ww_hash_resize(t, 2 * ((size_t)t->mask + 1), 0);
    ww_hash_put(t, hash, entry);
}

#endif

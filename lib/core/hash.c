/* hash.c -- the library's one hash table (hash.h): open addressing over
 * caller-owned entries, in the manner of Redis's dict (one table serving
 * every key type through a callback) but flat, as the hot paths want.
 *
 *   slot[]   2^k slots of 8 bytes: { entry + 1, hash bits 0-31 }, {0, 0} empty;
 *            linear probing from home = hash & (2^k - 1); load <= 3/4
 *
 * The table holds no keys: entries live where their owner keeps them (a
 * dense array, a pool with a free list) and the table maps a hash to entry
 * numbers, asking eq(ctx, entry, key) to tell keys with equal hashes apart.
 * Keeping the hash in the slot means a probe reads only the slot array
 * (eight slots to a cache line) and touches an entry only when its hash
 * matches: one entry read per hit, almost never one per miss.
 *
 * Deletion is Knuth's algorithm R (TAOCP 6.4), the backward shift: after
 * emptying a slot, each later member of the cluster whose home is not
 * cyclically in (hole, its slot] moves up into the hole, which then moves
 * to where it was. So there are no tombstones, a cluster never holds a dead
 * slot, and lookups stay as short as the live load makes them. Entries
 * never move in their owner's storage, so the owner's links stay valid.
 *
 * Growing doubles the slot array and re-places every slot by its stored
 * hash: no key is hashed again and nothing is allocated per insert. */
#include "core/hash.h"

#include <string.h>

#include "core/mem.h"

void ww_hash_init(struct ww_hash *t, size_t slots)
{
    size_t n = 8;
    while (n < slots) n *= 2;
    t->slot = ww_calloc(n, sizeof *t->slot);
    t->mask = (uint32_t)(n - 1);
    t->n = 0;
}

void ww_hash_release(struct ww_hash *t)
{
    ww_free(t->slot);
    *t = (struct ww_hash){0};
}

void ww_hash_clear(struct ww_hash *t)
{
    if (t->slot) memset(t->slot, 0, ((size_t)t->mask + 1) * sizeof *t->slot);
    t->n = 0;
}

void ww_hash_resize(struct ww_hash *t, size_t nslots, int huge)
{
    size_t n = 8;
    while (n < nslots) n *= 2;
    struct ww_hash old = *t;
    ww_hash_init(t, n);
    if (huge) ww_mem_huge(t->slot, ww_hash_bytes(t));
    for (size_t i = 0; old.slot && i <= old.mask; i++)
        if (ww_hash_full(old.slot[i])) ww_hash_put(t, old.slot[i].hash, old.slot[i].ref - 1);
    ww_free(old.slot);
}

void ww_hash_del(struct ww_hash *t, uint64_t hash, uint32_t entry)
{
    uint32_t m = t->mask, h = (uint32_t)hash, hole = h & m;
    while (t->slot[hole].ref != entry + 1 || t->slot[hole].hash != h) hole = (hole + 1) & m;
    for (uint32_t j = hole;;) {
        j = (j + 1) & m;
        struct ww_hash_slot s = t->slot[j];
        if (!ww_hash_full(s)) break;
        /* s may fill the hole unless its home lies cyclically in (hole, j] */
        if (((j - (s.hash & m)) & m) >= ((j - hole) & m)) {
            t->slot[hole] = s;
            hole = j;
        }
    }
    t->slot[hole] = (struct ww_hash_slot){0, 0};
    t->n--;
}

/* hash.c -- the one hash table: insert, find, backward-shift deletion
 * across the wrap-around (exact slot layouts), growth under the 3/4 load
 * bound, keys whose hashes collide (wholly, or in the 32 bits a slot keeps),
 * and a random mix of adds and deletes against a plain array. */
#include <stdint.h>

#include "test.h"
#include "core/addr.h"
#include "core/hash.h"

static uint64_t keys[20000]; /* entry i holds keys[i] */

static int same(const void *ctx, uint32_t i, const void *key)
{
    return ((const uint64_t *)ctx)[i] == *(const uint64_t *)key;
}

static uint32_t find(const struct ww_hash *t, uint64_t h, uint64_t key)
{
    return ww_hash_find(t, h, same, keys, &key);
}

/* The entry in slot s, or -1 if it is empty. */
static long at(const struct ww_hash *t, uint32_t s)
{
    return (long)t->slot[s].ref - 1;
}

/* Every entry is reachable: no empty slot between its home and its slot,
 * and n counts the full slots. */
static int sound(const struct ww_hash *t)
{
    uint32_t full = 0;
    for (uint32_t s = 0; s <= t->mask; s++) {
        if (!ww_hash_full(t->slot[s])) continue;
        full++;
        for (uint32_t j = t->slot[s].hash & t->mask; j != s; j = (j + 1) & t->mask)
            if (!ww_hash_full(t->slot[j])) return 0;
    }
    return full == t->n;
}

/* A hash whose every key lands in one cluster. */
static uint64_t collide(uint64_t key) { (void)key; return 5; }

/* Values kept whole in their slots (as dcount.c does): hash = low half,
 * ref = high half, so the entry number is the high half - 1. */
static uint32_t high(uint64_t v) { return (uint32_t)(v >> 32) - 1; }
static int same_high(const void *ctx, uint32_t e, const void *v)
{
    (void)ctx;
    return e == high(*(const uint64_t *)v);
}

static void run(void)
{
    struct ww_hash t;

    /* Insert and find; 8 slots, homes chosen by hand. */
    ww_hash_init(&t, 1);
    CHECK_INT(t.mask, 7);
    CHECK_INT(ww_hash_bytes(&t), 64);
    for (uint64_t i = 0; i < 5; i++) keys[i] = 100 + i;
    const uint64_t home[5] = {6, 6, 7, 6, 0}; /* A B C D E */
    for (uint32_t i = 0; i < 5; i++) ww_hash_put(&t, home[i], i);
    CHECK_INT(t.n, 5);
    /* A@6 B@7 C@0 D@1 E@2: the cluster wraps from 7 to 0 */
    CHECK_INT(at(&t, 6), 0); CHECK_INT(at(&t, 7), 1); CHECK_INT(at(&t, 0), 2);
    CHECK_INT(at(&t, 1), 3); CHECK_INT(at(&t, 2), 4); CHECK_INT(at(&t, 3), -1);
    for (uint32_t i = 0; i < 5; i++) CHECK_INT(find(&t, home[i], keys[i]), i);
    CHECK_INT(find(&t, 6, 999), WW_HASH_NONE);       /* equal hash, other key */
    CHECK_INT(find(&t, 3, keys[0]), WW_HASH_NONE);   /* an empty home slot */
    CHECK_INT(find(&t, 6 | (uint64_t)1 << 40, keys[0]), 0); /* only 32 bits are kept */

    /* Deleting A shifts all four back across the wrap: B@6 C@7 D@0 E@1. */
    ww_hash_del(&t, home[0], 0);
    CHECK_INT(t.n, 4);
    CHECK_INT(at(&t, 6), 1); CHECK_INT(at(&t, 7), 2); CHECK_INT(at(&t, 0), 3);
    CHECK_INT(at(&t, 1), 4); CHECK_INT(at(&t, 2), -1);
    CHECK_INT(find(&t, home[0], keys[0]), WW_HASH_NONE);
    for (uint32_t i = 1; i < 5; i++) CHECK_INT(find(&t, home[i], keys[i]), i);
    CHECK(sound(&t));
    ww_hash_clear(&t);
    CHECK_INT(t.n, 0);
    CHECK_INT(at(&t, 6), -1);

    /* A member at its home stays: X(7)@7 Y(7)@0 Z(1)@1 W(7)@2; deleting X
     * moves Y to 7 and W over Z to 0, Z stays at 1. */
    const uint64_t h2[4] = {7, 7, 1, 7};
    for (uint32_t i = 0; i < 4; i++) ww_hash_put(&t, h2[i], i);
    CHECK_INT(at(&t, 7), 0); CHECK_INT(at(&t, 0), 1); CHECK_INT(at(&t, 1), 2);
    CHECK_INT(at(&t, 2), 3);
    ww_hash_del(&t, h2[0], 0);
    CHECK_INT(at(&t, 7), 1); CHECK_INT(at(&t, 0), 3); CHECK_INT(at(&t, 1), 2);
    CHECK_INT(at(&t, 2), -1);
    for (uint32_t i = 1; i < 4; i++) CHECK_INT(find(&t, h2[i], keys[i]), i);
    /* deleting the last of a cluster just empties its slot */
    ww_hash_del(&t, h2[2], 2);
    CHECK_INT(at(&t, 1), -1); CHECK_INT(at(&t, 0), 3);
    CHECK(sound(&t));
    ww_hash_release(&t);
    CHECK(t.slot == NULL);
    ww_hash_release(&t); /* a released (zeroed) table releases again */

    /* Growth: add doubles past 3/4, and every entry stays found. */
    ww_hash_init(&t, 8);
    size_t slots = 8;
    for (uint32_t i = 0; i < 20000; i++) {
        keys[i] = ww_hash64(i) ^ 0x5555;
        ww_hash_add(&t, ww_hash64(keys[i]), i);
        CHECK(t.n <= ww_hash_most((size_t)t.mask + 1));
        if ((size_t)t.mask + 1 != slots) {
            CHECK_INT((size_t)t.mask + 1, 2 * slots); /* one doubling at a time */
            CHECK_INT(t.n, ww_hash_most(slots) + 1);  /* and only when full */
            slots *= 2;
        }
    }
    CHECK_INT(slots, 32768); /* 20000 > 3/4 of 16384 */
    uint32_t lost = 0;
    for (uint32_t i = 0; i < 20000; i++) lost += find(&t, ww_hash64(keys[i]), keys[i]) != i;
    CHECK_INT(lost, 0);
    CHECK_INT(find(&t, ww_hash64(1), 1), WW_HASH_NONE);
    CHECK(sound(&t));
    /* every other one deleted: the rest still found, the deleted not */
    for (uint32_t i = 0; i < 20000; i += 2) ww_hash_del(&t, ww_hash64(keys[i]), i);
    CHECK_INT(t.n, 10000);
    for (uint32_t i = 0; i < 20000; i++)
        lost += find(&t, ww_hash64(keys[i]), keys[i]) != (i & 1 ? i : WW_HASH_NONE);
    CHECK_INT(lost, 0);
    CHECK(sound(&t));
    /* resizing (down, then up on huge pages: 4 MiB of slots) keeps everything */
    ww_hash_resize(&t, 16384, 0);
    CHECK_INT(t.mask + 1, 16384);
    CHECK_INT(t.n, 10000);
    for (uint32_t i = 1; i < 20000; i += 2) lost += find(&t, ww_hash64(keys[i]), keys[i]) != i;
    CHECK_INT(lost, 0);
    CHECK(sound(&t));
    ww_hash_resize(&t, 1u << 19, 1);
    CHECK_INT(t.mask + 1, 1u << 19);
    CHECK_INT(t.n, 10000);
    for (uint32_t i = 1; i < 20000; i += 2) lost += find(&t, ww_hash64(keys[i]), keys[i]) != i;
    CHECK_INT(lost, 0);
    CHECK(sound(&t));
    ww_hash_release(&t);

    /* A colliding hash: 2000 keys in one cluster, told apart by eq alone,
     * through growth, deletes from its middle and the wrap-around. */
    ww_hash_init(&t, 8);
    for (uint32_t i = 0; i < 2000; i++) {
        keys[i] = 7 * (uint64_t)i + 1;
        ww_hash_add(&t, collide(keys[i]), i);
    }
    CHECK_INT(t.mask + 1, 4096);
    for (uint32_t i = 0; i < 2000; i++) lost += find(&t, collide(keys[i]), keys[i]) != i;
    CHECK_INT(lost, 0);
    CHECK_INT(find(&t, collide(3), 3), WW_HASH_NONE);
    for (uint32_t i = 0; i < 2000; i += 3) ww_hash_del(&t, collide(keys[i]), i);
    for (uint32_t i = 0; i < 2000; i++)
        lost += find(&t, collide(keys[i]), keys[i]) != (i % 3 ? i : WW_HASH_NONE);
    CHECK_INT(lost, 0);
    CHECK(sound(&t));
    ww_hash_release(&t);

    /* Whole values: a high half of 0 makes ref 0 (the slot is full by its
     * hash), and values equal in one half are told apart by the other.
     * Added as dcount.c does: the one probe's empty slot, filled. */
    ww_hash_init(&t, 16);
    const uint64_t vals[6] = {1, 2, (uint64_t)1 << 32, ((uint64_t)1 << 32) | 1,
                              UINT64_MAX, (uint64_t)7 << 32 | 2};
    for (int i = 0; i < 6; i++) {
        struct ww_hash_slot *s = ww_hash_slot(&t, vals[i], same_high, NULL, &vals[i]);
        CHECK(!ww_hash_full(*s));
        ww_hash_fill(&t, s, vals[i], high(vals[i]));
        CHECK(ww_hash_slot(&t, vals[i], same_high, NULL, &vals[i]) == s);
    }
    CHECK_INT(t.n, 6);
    for (int i = 0; i < 6; i++) {
        const struct ww_hash_slot *s = ww_hash_get(&t, vals[i], same_high, NULL, &vals[i]);
        CHECK(s && ((uint64_t)s->ref << 32 | s->hash) == vals[i]);
    }
    const uint64_t absent[3] = {3, (uint64_t)2 << 32, (uint64_t)7 << 32 | 1};
    for (int i = 0; i < 3; i++) CHECK(!ww_hash_get(&t, absent[i], same_high, NULL, &absent[i]));
    CHECK(sound(&t));
    ww_hash_clear(&t);
    /* Deleting a value passes over another with the same high half (ref)
     * on its way: C (home 3) @3, A = 5:3 pushed to 4, B = 5:4 @5. */
    const uint64_t abc[3] = {(uint64_t)9 << 32 | 3, (uint64_t)5 << 32 | 3, (uint64_t)5 << 32 | 4};
    for (int i = 0; i < 3; i++) ww_hash_put(&t, abc[i], high(abc[i]));
    CHECK_INT(t.slot[4].ref, 5); CHECK_INT(t.slot[5].hash, 4);
    ww_hash_del(&t, abc[2], high(abc[2]));
    CHECK(!ww_hash_get(&t, abc[2], same_high, NULL, &abc[2]));
    CHECK(ww_hash_get(&t, abc[1], same_high, NULL, &abc[1]));
    CHECK(ww_hash_get(&t, abc[0], same_high, NULL, &abc[0]));
    CHECK(sound(&t));
    ww_hash_release(&t);

    /* Random adds and deletes on a crowded small table (hash = key mod 16,
     * so clusters collide and wrap), checked against a plain array. */
    ww_hash_init(&t, 32);
    static int in[512];
    uint64_t r = 12345;
    for (int step = 0; step < 200000; step++) {
        r = ww_hash64(r + (uint64_t)step);
        uint32_t i = (uint32_t)(r % 512);
        keys[i] = i;
        uint64_t h = ((uint64_t)i & 15) | (r & 0xffffffff00000000ULL); /* high bits vary */
        if (in[i]) {
            ww_hash_del(&t, i & 15, i);
            in[i] = 0;
        } else if (t.n < 24) {
            ww_hash_put(&t, h, i);
            in[i] = 1;
        }
        if (step % 1000 == 0) CHECK(sound(&t));
    }
    for (uint32_t i = 0; i < 512; i++) lost += find(&t, i & 15, i) != (in[i] ? i : WW_HASH_NONE);
    CHECK_INT(lost, 0);
    CHECK(sound(&t));
    ww_hash_release(&t);
}

TEST_MAIN(run())

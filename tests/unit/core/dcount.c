/* dcount.c -- exact below 128 (duplicates ignored), promotion to HLL,
 * accuracy after it, merge across modes, memory accounting. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "core/addr.h"
#include "core/dcount.h"

static void run(void)
{
    struct ww_dcount dc = {0};
    CHECK(sizeof dc <= 24);
    CHECK_INT(ww_dcount_count(&dc), 0);
    CHECK_INT(ww_dcount_bytes(&dc), 0);
    /* One value stays inline; 0 is an ordinary value. */
    CHECK_INT(ww_dcount_add(&dc, 0), 1);
    CHECK_INT(ww_dcount_add(&dc, 0), 0);
    CHECK_INT(ww_dcount_count(&dc), 1);
    CHECK_INT(ww_dcount_bytes(&dc), 0);
    /* Exact up to 128, duplicates ignored at every size. */
    for (uint64_t i = 1; i < 128; i++) {
        CHECK_INT(ww_dcount_add(&dc, ww_hash64(i)), 1);
        CHECK_INT(ww_dcount_add(&dc, ww_hash64(i)), 0);
        CHECK_INT(ww_dcount_add(&dc, 0), 0);
        CHECK_INT(ww_dcount_count(&dc), i + 1);
    }
    CHECK(ww_dcount_is_exact(&dc));
    CHECK_INT(ww_dcount_bytes(&dc), 256 * 8);
    /* Small integers (unmixed, colliding low bits) are still exact. */
    struct ww_dcount s = {0};
    for (uint64_t i = 0; i < 100; i++) ww_dcount_add(&s, i << 20);
    for (uint64_t i = 0; i < 100; i++) CHECK_INT(ww_dcount_add(&s, i << 20), 0);
    CHECK_INT(ww_dcount_count(&s), 100);
    /* Growth steps: 2 values -> 8 slots; 7 -> 16. */
    struct ww_dcount g = {0};
    ww_dcount_add(&g, 11); ww_dcount_add(&g, 12);
    CHECK_INT(ww_dcount_bytes(&g), 64);
    for (uint64_t i = 13; i < 18; i++) ww_dcount_add(&g, i);
    CHECK_INT(ww_dcount_bytes(&g), 128);
    ww_dcount_release(&g);
    CHECK_INT(ww_dcount_count(&g), 0);

    /* The 129th value promotes; all earlier ones are in the HLL. */
    CHECK_INT(ww_dcount_add(&dc, ww_hash64(128)), 1);
    CHECK(!ww_dcount_is_exact(&dc));
    CHECK_INT(ww_dcount_bytes(&dc), 4096);
    CHECK(llabs((long long)ww_dcount_count(&dc) - 129) <= 2);
    CHECK_INT(ww_dcount_add(&dc, ww_hash64(5)), 0);
    for (uint64_t i = 129; i < 100000; i++) ww_dcount_add(&dc, ww_hash64(i));
    double e = fabs((double)ww_dcount_count(&dc) - 100000) / 100000;
    CHECK(e < 0.05);

    /* Merge: exact + exact stays exact; exact + HLL becomes HLL. */
    struct ww_dcount a = {0}, b = {0};
    for (uint64_t i = 0; i < 50; i++) ww_dcount_add(&a, ww_hash64(i));
    for (uint64_t i = 25; i < 75; i++) ww_dcount_add(&b, ww_hash64(i));
    ww_dcount_merge(&a, &b);
    CHECK(ww_dcount_is_exact(&a));
    CHECK_INT(ww_dcount_count(&a), 75);
    ww_dcount_merge(&a, &b);
    CHECK_INT(ww_dcount_count(&a), 75);
    for (uint64_t i = 75; i < 200; i++) ww_dcount_add(&b, ww_hash64(i));
    CHECK(!ww_dcount_is_exact(&b));
    ww_dcount_merge(&a, &b);
    CHECK(!ww_dcount_is_exact(&a));
    CHECK(llabs((long long)ww_dcount_count(&a) - 200) <= 6);
    /* exact src into HLL dst, and HLL src into an empty dst */
    struct ww_dcount c = {0}, d = {0};
    ww_dcount_add(&c, ww_hash64(999999));
    ww_dcount_merge(&a, &c);
    ww_dcount_merge(&d, &a);
    CHECK(llabs((long long)ww_dcount_count(&d) - 201) <= 6);

    ww_dcount_release(&a); ww_dcount_release(&b); ww_dcount_release(&c);
    ww_dcount_release(&d); ww_dcount_release(&dc); ww_dcount_release(&s);
    CHECK_INT(ww_dcount_bytes(&dc), 0);
}

TEST_MAIN(run())

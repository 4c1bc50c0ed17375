/* hll.c -- HyperLogLog accuracy (error < 5% at 1e3..1e6), merge, edges. */
#include <math.h>
#include <stdint.h>

#include "test.h"
#include "core/addr.h"
#include "core/hll.h"

static double relerr(uint64_t est, uint64_t n) { return fabs((double)est - (double)n) / (double)n; }

static void run(void)
{
    struct ww_hll *h = ww_hll_new();
    CHECK_INT(ww_hll_count(h), 0);
    CHECK_INT(ww_hll_add(h, ww_hash64(1)), 1);
    CHECK_INT(ww_hll_add(h, ww_hash64(1)), 0); /* same value: no register changes */
    CHECK_INT(ww_hll_count(h), 1);
    ww_hll_clear(h);
    CHECK_INT(ww_hll_count(h), 0);

    /* Accuracy at each decade, counted incrementally: sigma = 1.6%, so 5%
     * is three sigma. Small counts go through the linear-counting term. */
    uint64_t n = 0;
    const uint64_t marks[] = {10, 100, 1000, 10000, 100000, 1000000};
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        for (; n < marks[k]; n++) ww_hll_add(h, ww_hash64(n + 1));
        uint64_t est = ww_hll_count(h);
        CHECK(relerr(est, n) < 0.05);
        printf("hll: %llu distinct -> %llu (%.2f%%)\n", (unsigned long long)n,
               (unsigned long long)est, 100 * relerr(est, n));
    }
    /* Duplicates do not move the estimate. */
    uint64_t before = ww_hll_count(h);
    for (uint64_t i = 0; i < 100000; i++) CHECK_INT(ww_hll_add(h, ww_hash64(i + 1)), 0) ;
    CHECK_INT(ww_hll_count(h), before);

    /* Merge: two halves with overlap count as the union. */
    struct ww_hll *a = ww_hll_new(), *b = ww_hll_new();
    for (uint64_t i = 0; i < 60000; i++) ww_hll_add(a, ww_hash64(i + 7777777));
    for (uint64_t i = 40000; i < 100000; i++) ww_hll_add(b, ww_hash64(i + 7777777));
    ww_hll_merge(a, b);
    CHECK(relerr(ww_hll_count(a), 100000) < 0.05);
    /* Merging a sketch equals adding the same items to one sketch. */
    struct ww_hll *c = ww_hll_new();
    for (uint64_t i = 0; i < 100000; i++) ww_hll_add(c, ww_hash64(i + 7777777));
    CHECK(!memcmp(a->reg, c->reg, sizeof a->reg));
    /* The rank is capped: an all-zero hash above the index bits gives Q+1. */
    ww_hll_add(c, 5);
    CHECK_INT(c->reg[5], WW_HLL_Q + 1);
    ww_hll_free(a);
    ww_hll_free(b);
    ww_hll_free(c);
    ww_hll_free(h);
}

TEST_MAIN(run())

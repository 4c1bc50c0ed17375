/* dcount.c -- exact below 128 (duplicates ignored), promotion to HLL,
 * accuracy after it, merge across modes, memory accounting; the encoding:
 * round trips of every mode (the bytes a function of the set: insertion
 * order does not show), streams and whole blobs, the store's older 'E'/'H'
 * blobs, and every corruption refused with the counter left empty; a
 * clear keeping the table the set needed, a reserve making it, and either
 * going on as a fresh counter. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/hll.h"
#include "core/addr.h"
#include "core/bytes.h"
#include "core/dcount.h"
#include "core/err.h"
#include "core/hll.h"

/* dc encoded, decoded (as a stream and as a blob), encoded again: the same
 * bytes, the same count, the same mode. */
static int round_trip(const struct ww_dcount *dc)
{
    unsigned char a[WW_DCOUNT_ENC_MAX + 8], b[WW_DCOUNT_ENC_MAX];
    size_t n = ww_dcount_encode(dc, a), used = 0;
    int ok = n <= WW_DCOUNT_ENC_MAX;
    memcpy(a + n, "trailing", 8); /* a stream goes on after the counter */
    struct ww_dcount x = {0}, y = {0};
    ok &= ww_dcount_decode(&x, a, n + 8, &used) == WW_OK && used == n;
    ok &= ww_dcount_decode(&y, a, n, NULL) == WW_OK;
    ok &= ww_dcount_count(&x) == ww_dcount_count(dc) && ww_dcount_count(&y) == ww_dcount_count(dc);
    ok &= ww_dcount_is_exact(&x) == ww_dcount_is_exact(dc);
    ok &= ww_dcount_encode(&x, b) == n && !memcmp(a, b, n);
    ok &= ww_dcount_encode(&y, b) == n && !memcmp(a, b, n);
    /* adding goes on alike: the decoded counter is the saved one */
    struct ww_dcount z = {0};
    ww_dcount_merge(&z, dc);
    for (uint64_t i = 0; i < 300; i++) {
        uint64_t h = ww_hash64(i * 7919 + 3);
        ok &= ww_dcount_add(&x, h) == ww_dcount_add(&z, h);
    }
    ok &= ww_dcount_count(&x) == ww_dcount_count(&z);
    ww_dcount_release(&x); ww_dcount_release(&y); ww_dcount_release(&z);
    return ok;
}

/* b[0..n) refused, whole or as a stream, leaving the counter empty. */
static int refused(const unsigned char *b, size_t n, int as_stream)
{
    struct ww_dcount x = {0};
    size_t used = 12345;
    int rc = ww_dcount_decode(&x, b, n, as_stream ? &used : NULL);
    int ok = rc == WW_ERR_PARSE && ww_dcount_count(&x) == 0 && ww_dcount_bytes(&x) == 0;
    if (as_stream) ok &= used == 12345;
    ww_dcount_release(&x);
    return ok;
}

static void test_encoding(void)
{
    static unsigned char b[WW_DCOUNT_ENC_MAX + 16];
    struct ww_dcount dc = {0}, rev = {0};
    /* empty, one (inline), a table, 128 (full), an HLL */
    CHECK(round_trip(&dc));
    CHECK_INT(ww_dcount_encode(&dc, b), 2);
    CHECK(b[0] == 0 && b[1] == 0);
    ww_dcount_add(&dc, 0);
    CHECK(round_trip(&dc));
    for (uint64_t i = 1; i < 10; i++) ww_dcount_add(&dc, ww_hash64(i));
    CHECK(round_trip(&dc));
    for (uint64_t i = 10; i < 128; i++) ww_dcount_add(&dc, ww_hash64(i));
    CHECK_INT(ww_dcount_count(&dc), 128);
    CHECK(round_trip(&dc));
    /* the same set added in the other order: the same bytes, sorted */
    for (uint64_t i = 127; i >= 1; i--) ww_dcount_add(&rev, ww_hash64(i));
    ww_dcount_add(&rev, 0);
    size_t n = ww_dcount_encode(&dc, b);
    unsigned char c[WW_DCOUNT_ENC_MAX];
    CHECK_INT(n, 2 + 8 * 128);
    CHECK_INT(ww_dcount_encode(&rev, c), n);
    CHECK(!memcmp(b, c, n));
    int sorted = b[0] == 0 && b[1] == 128;
    for (size_t i = 1; i < 128; i++) sorted &= ww_le_get64(b + 2 + 8 * i) > ww_le_get64(b + 2 + 8 * (i - 1));
    CHECK(sorted);
    ww_dcount_release(&rev);
    ww_dcount_add(&dc, ww_hash64(1000)); /* the 129th: an HLL */
    CHECK(!ww_dcount_is_exact(&dc));
    CHECK(round_trip(&dc));
    CHECK_INT(ww_dcount_encode(&dc, b), 1 + WW_HLL_REGISTERS);
    CHECK(b[0] == 1);
    for (uint64_t i = 0; i < 50000; i++) ww_dcount_add(&dc, ww_hash64(i << 3));
    CHECK(round_trip(&dc));

    /* the store's older blobs: 'E' + members (any order), 'H' + registers */
    struct ww_dcount x = {0};
    unsigned char e[1 + 8 * 3] = {'E'};
    ww_le_put64(e + 1, 9); ww_le_put64(e + 9, 0); ww_le_put64(e + 17, 5);
    CHECK_INT(ww_dcount_decode(&x, e, sizeof e, NULL), WW_OK);
    CHECK_INT(ww_dcount_count(&x), 3);
    CHECK_INT(ww_dcount_add(&x, 5), 0);
    CHECK_INT(ww_dcount_encode(&x, b), 2 + 24); /* written the one way now */
    CHECK(b[0] == 0 && b[1] == 3 && ww_le_get64(b + 2) == 0 && ww_le_get64(b + 10) == 5);
    ww_dcount_release(&x);
    CHECK_INT(ww_dcount_decode(&x, e, 1, NULL), WW_OK); /* 'E' alone: empty */
    CHECK_INT(ww_dcount_count(&x), 0);
    n = ww_dcount_encode(&dc, b);
    b[0] = 'H';
    CHECK_INT(ww_dcount_decode(&x, b, n, NULL), WW_OK);
    CHECK(!ww_dcount_is_exact(&x) && ww_dcount_count(&x) == ww_dcount_count(&dc));
    CHECK_INT(ww_dcount_encode(&x, c), n);
    CHECK(c[0] == 1 && !memcmp(b + 1, c + 1, n - 1));
    ww_dcount_release(&x);
    /* into a counter emptied by ww_dcount_clear, which keeps its table: the
     * table is not leaked (the leak check of the sanitizer build) */
    for (uint64_t i = 0; i < 40; i++) ww_dcount_add(&x, i);
    ww_dcount_clear(&x);
    CHECK(ww_dcount_count(&x) == 0 && ww_dcount_bytes(&x) > 0);
    CHECK_INT(ww_dcount_decode(&x, b, n, NULL), WW_OK);
    CHECK(!ww_dcount_is_exact(&x) && ww_dcount_count(&x) == ww_dcount_count(&dc));
    ww_dcount_release(&x);
    CHECK(refused(b, n, 1));          /* not inside a stream: no length of their own */
    CHECK(refused(e, sizeof e, 1));

    /* corruption, each refused whole and in a stream */
    CHECK(refused(b, 0, 0) && refused(b, 0, 1));
    unsigned char k2[] = {2, 0};
    CHECK(refused(k2, 2, 0) && refused(k2, 2, 1));             /* unknown kind */
    unsigned char k0[] = {0};
    CHECK(refused(k0, 1, 0) && refused(k0, 1, 1));             /* no count */
    unsigned char x1[2 + 8 * 2] = {0, 2};
    ww_le_put64(x1 + 2, 77); ww_le_put64(x1 + 10, 77);
    CHECK(refused(x1, sizeof x1, 0) && refused(x1, sizeof x1, 1)); /* a member twice */
    ww_le_put64(x1 + 10, 78);
    CHECK(!refused(x1, sizeof x1, 0));
    CHECK(refused(x1, sizeof x1 - 1, 0) && refused(x1, sizeof x1 - 1, 1)); /* truncated */
    CHECK(refused(x1, sizeof x1 - 8, 1));
    unsigned char longer[2 + 8 * 2 + 1];
    memcpy(longer, x1, sizeof x1);
    longer[sizeof x1] = 0;
    CHECK(refused(longer, sizeof longer, 0));                   /* a blob with bytes after */
    static unsigned char big[2 + 8 * 129];
    big[1] = 129;
    for (size_t i = 0; i < 129; i++) ww_le_put64(big + 2 + 8 * i, i + 1);
    CHECK(refused(big, sizeof big, 0) && refused(big, sizeof big, 1)); /* over 128 */
    static unsigned char ebig[1 + 8 * 129] = {'E'};
    for (size_t i = 0; i < 129; i++) ww_le_put64(ebig + 1 + 8 * i, i + 1);
    CHECK(refused(ebig, sizeof ebig, 0));
    CHECK(refused(e, sizeof e - 1, 0));                         /* 'E', not whole members */
    n = ww_dcount_encode(&dc, b);
    CHECK(refused(b, n - 1, 0) && refused(b, n - 1, 1));        /* HLL truncated */
    b[1 + 4095] = WW_HLL_Q + 2;                                 /* a register out of range */
    CHECK(refused(b, n, 0) && refused(b, n, 1));
    b[1 + 4095] = WW_HLL_Q + 1;
    CHECK(!refused(b, n, 0));
    b[0] = 'H';
    b[1] = 200;
    CHECK(refused(b, n, 0));
    ww_dcount_release(&dc);
}

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
    CHECK_INT(ww_dcount_bytes(&dc), sizeof(struct ww_hll)); /* 4096 registers and their histogram */
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

/* The set of values lo..hi-1 (value 0 too when with_zero) added to dc, and
 * to a fresh counter: every add answers alike, the counts and the bytes
 * are the same. */
static int same_as_fresh(struct ww_dcount *dc, uint64_t lo, uint64_t hi, int with_zero)
{
    struct ww_dcount f = {0};
    int ok = 1;
    for (int pass = 0; pass < 2; pass++) { /* the second: every value known */
        if (with_zero) ok &= ww_dcount_add(dc, 0) == ww_dcount_add(&f, 0);
        for (uint64_t i = lo; i < hi; i++) {
            uint64_t h = ww_hash64(i);
            ok &= ww_dcount_add(dc, h) == ww_dcount_add(&f, h);
        }
    }
    static unsigned char a[WW_DCOUNT_ENC_MAX], b[WW_DCOUNT_ENC_MAX];
    size_t n = ww_dcount_encode(dc, a);
    ok &= ww_dcount_count(dc) == ww_dcount_count(&f) && ww_dcount_is_exact(dc) == ww_dcount_is_exact(&f);
    ok &= ww_dcount_encode(&f, b) == n && !memcmp(a, b, n);
    ww_dcount_release(&f);
    return ok;
}

/* A clear keeps the table the emptied set needed, no more, and the counter
 * goes on as a fresh one would. */
static void test_clear(void)
{
    struct ww_dcount dc = {0};
    ww_dcount_clear(&dc);                       /* empty: nothing to keep */
    CHECK_INT(ww_dcount_bytes(&dc), 0);
    CHECK(same_as_fresh(&dc, 1, 2, 0));
    ww_dcount_clear(&dc);                       /* one value inline */
    CHECK_INT(ww_dcount_bytes(&dc), 0);
    CHECK_INT(ww_dcount_count(&dc), 0);

    CHECK(same_as_fresh(&dc, 0, 50, 1));        /* 51 values: a table of 128 slots */
    CHECK_INT(ww_dcount_bytes(&dc), 128 * 8);
    ww_dcount_clear(&dc);
    CHECK_INT(ww_dcount_count(&dc), 0);
    CHECK_INT(ww_dcount_bytes(&dc), 128 * 8);   /* kept */
    CHECK(same_as_fresh(&dc, 1000, 1001, 0));   /* one value in the kept table */
    CHECK_INT(ww_dcount_count(&dc), 1);
    ww_dcount_clear(&dc);
    CHECK_INT(ww_dcount_bytes(&dc), 0);         /* a set of one needs no table */
    CHECK(same_as_fresh(&dc, 0, 90, 0));
    ww_dcount_clear(&dc);
    CHECK(same_as_fresh(&dc, 2000, 2011, 0));   /* 11 values in a table for 96 */
    ww_dcount_clear(&dc);
    CHECK_INT(ww_dcount_bytes(&dc), 16 * 8);    /* given back for one of 11's size */
    CHECK(same_as_fresh(&dc, 3000, 3003, 1));   /* the zero flag was cleared too */
    ww_dcount_clear(&dc);
    CHECK_INT(ww_dcount_bytes(&dc), 8 * 8);

    CHECK(same_as_fresh(&dc, 0, 300, 0));       /* an HLL */
    CHECK(!ww_dcount_is_exact(&dc));
    ww_dcount_clear(&dc);
    CHECK(ww_dcount_is_exact(&dc));             /* exact again, in the largest table */
    CHECK_INT(ww_dcount_count(&dc), 0);
    CHECK_INT(ww_dcount_bytes(&dc), 256 * 8);
    CHECK(same_as_fresh(&dc, 5000, 5128, 0));   /* exact to 128 */
    CHECK(ww_dcount_is_exact(&dc) && ww_dcount_count(&dc) == 128);
    CHECK_INT(ww_dcount_add(&dc, ww_hash64(6000)), 1); /* the 129th promotes */
    CHECK(!ww_dcount_is_exact(&dc));
    ww_dcount_clear(&dc);
    CHECK(same_as_fresh(&dc, 7000, 7129, 1));   /* 130 values: exact to 128, then an HLL */
    CHECK(!ww_dcount_is_exact(&dc));
    ww_dcount_clear(&dc);
    CHECK(same_as_fresh(&dc, 0, 1, 0) && ww_dcount_count(&dc) == 1);
    ww_dcount_release(&dc);
    CHECK_INT(ww_dcount_bytes(&dc), 0);

    /* reserve: the table n values would grow to, on an empty counter only */
    ww_dcount_reserve(&dc, 1);
    CHECK_INT(ww_dcount_bytes(&dc), 0);         /* one value needs no table */
    ww_dcount_reserve(&dc, 11);
    CHECK_INT(ww_dcount_bytes(&dc), 16 * 8);
    CHECK(same_as_fresh(&dc, 0, 200, 1));       /* and on to an HLL as a fresh one */
    ww_dcount_reserve(&dc, 5);                  /* not empty: nothing */
    CHECK(!ww_dcount_is_exact(&dc));
    ww_dcount_release(&dc);
    ww_dcount_reserve(&dc, UINT64_C(1) << 33); /* at most the largest table */
    CHECK_INT(ww_dcount_bytes(&dc), 256 * 8);
    CHECK(same_as_fresh(&dc, 0, 3, 0));
    ww_dcount_reserve(&dc, 100);
    CHECK_INT(ww_dcount_bytes(&dc), 256 * 8);
    ww_dcount_release(&dc);
}

TEST_MAIN(run(); test_encoding(); test_clear())

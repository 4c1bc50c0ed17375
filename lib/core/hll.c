/* hll.c -- HyperLogLog, after Redis's hyperloglog.c (dense form only).
 *
 * Flajolet, Fusy, Gandouet, Meunier, "HyperLogLog: the analysis of a
 * near-optimal cardinality estimation algorithm", AofA 2007: hash each item,
 * use p bits of the hash to pick one of m = 2^p registers and keep there the
 * largest "rank" (position of the first 1 bit) seen in the remaining bits.
 * Many distinct items make long runs of zeros likely; the harmonic mean of
 * 2^-reg over the registers estimates the cardinality with standard error
 * 1.04/sqrt(m) (1.6% for m = 4096).
 *
 * Layout: 4096 registers, one byte each (4 KiB; Redis packs 6 bits, we trade
 * 1 KiB for simpler code), no header:
 *
 *     hash (64 bits, already mixed):
 *     +------------------ 52 bits ------------------+-- 12 bits --+
 *     |  rank = 1 + trailing zeros (max Q+1 = 53)    |  register   |
 *     +----------------------------------------------+-------------+
 *
 * A sentinel bit at position Q caps the rank at Q + 1, so a register never
 * exceeds 53.
 *
 * Estimator: Otmar Ertl, "New cardinality estimation algorithms for
 * HyperLogLog sketches" (arXiv:1702.01284, 2017), the "improved raw
 * estimator" Redis uses since 5.0. It works on the histogram C[k] of register
 * values and needs neither the empirical bias tables of Heule, Nunkesser and
 * Hall (EDBT 2013, "HyperLogLog in practice") nor the switch to linear
 * counting at small range: the sigma() term is linear counting folded in
 * (C[0] empty registers), tau() corrects the saturated top. So one formula is
 * unbiased from 0 to far beyond 2^32:
 *
 *     z = m*tau(1 - C[Q+1]/m);  for k = Q..1: z = (z + C[k]) / 2
 *     z += m*sigma(C[0]/m);     E = alpha_inf * m^2 / z, alpha_inf = 1/(2 ln 2)
 *
 * The histogram C[k] is kept beside the registers as they change (an add
 * moves one register from one value to another), so a count is ~60 steps,
 * not a pass over 4096 registers: the surge detector counts its buckets'
 * sketches every time one closes.
 *
 * Invariant: merge is register-wise max, so merged sketches count the union
 * exactly as if every item had been added to one sketch. */
#include "core/hll.h"

#include <math.h>
#include <string.h>

#include "core/mem.h"

struct ww_hll *ww_hll_new(void)
{
    struct ww_hll *h = ww_calloc(1, sizeof *h);
    h->hist[0] = WW_HLL_REGISTERS;
    return h;
}

/* The histogram again from the registers. */
static void rehist(struct ww_hll *h)
{
    memset(h->hist, 0, sizeof h->hist);
    for (unsigned i = 0; i < WW_HLL_REGISTERS; i++) h->hist[h->reg[i]]++;
}

void ww_hll_load(struct ww_hll *h, const uint8_t reg[WW_HLL_REGISTERS])
{
    memcpy(h->reg, reg, WW_HLL_REGISTERS);
    rehist(h);
}

void ww_hll_free(struct ww_hll *h)
{
    ww_free(h);
}

void ww_hll_clear(struct ww_hll *h)
{
    memset(h->reg, 0, sizeof h->reg);
    memset(h->hist, 0, sizeof h->hist);
    h->hist[0] = WW_HLL_REGISTERS;
}

int ww_hll_add(struct ww_hll *h, uint64_t hash)
{
    unsigned idx = (unsigned)(hash & (WW_HLL_REGISTERS - 1));
    uint64_t rest = (hash >> WW_HLL_P) | (1ULL << WW_HLL_Q); /* the sentinel: never 0 */
    uint8_t rank = (uint8_t)(1 + __builtin_ctzll(rest));
    if (h->reg[idx] >= rank) return 0;
    h->hist[h->reg[idx]]--;
    h->hist[rank]++;
    h->reg[idx] = rank;
    return 1;
}

/* Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1); infinite at 1. */
static double hll_sigma(double x)
{
    if (x == 1.0) return INFINITY;
    double y = 1.0, z = x, zprev;
    do {
        x *= x;
        zprev = z;
        z += x * y;
        y += y;
    } while (zprev != z);
    return z;
}

/* Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3. */
static double hll_tau(double x)
{
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, zprev;
    do {
        x = sqrt(x);
        zprev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (zprev != z);
    return z / 3.0;
}

uint64_t ww_hll_count(const struct ww_hll *h)
{
    const uint32_t *hist = h->hist;
    const double m = WW_HLL_REGISTERS;
    double z = m * hll_tau((m - hist[WW_HLL_Q + 1]) / m);
    for (int k = WW_HLL_Q; k >= 1; k--) z = 0.5 * (z + hist[k]);
    z += m * hll_sigma(hist[0] / m);
    return (uint64_t)llround(0.5 / log(2.0) * m * m / z);
}

void ww_hll_merge(struct ww_hll *dst, const struct ww_hll *src)
{
    for (unsigned i = 0; i < WW_HLL_REGISTERS; i++)
        if (src->reg[i] > dst->reg[i]) dst->reg[i] = src->reg[i];
    rehist(dst);
}

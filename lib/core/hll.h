/* hll.h -- HyperLogLog distinct counter, p = 12 (4096 one-byte registers).
 *
 * Input is a 64-bit hash that is already well mixed (ww_hash64,
 * ww_addr_hash). Standard error 1.04/sqrt(4096) = 1.6%. See hll.c. */
#ifndef WW_HLL_H
#define WW_HLL_H
#include <stdint.h>

#define WW_HLL_P 12
#define WW_HLL_REGISTERS (1u << WW_HLL_P)
#define WW_HLL_Q (64 - WW_HLL_P) /* hash bits left for the rank */

struct ww_hll {
    uint8_t reg[WW_HLL_REGISTERS]; /* 0 .. WW_HLL_Q + 1; write through the functions below */
    uint32_t hist[WW_HLL_Q + 2];   /* registers holding each value, kept as they change */
};

struct ww_hll *ww_hll_new(void);              /* empty */
void ww_hll_free(struct ww_hll *h);
void ww_hll_clear(struct ww_hll *h);
int ww_hll_add(struct ww_hll *h, uint64_t hash); /* 1 if a register changed */
uint64_t ww_hll_count(const struct ww_hll *h);
void ww_hll_merge(struct ww_hll *dst, const struct ww_hll *src); /* dst |= src */
/* Sets all registers (each <= WW_HLL_Q + 1: the caller checked). */
void ww_hll_load(struct ww_hll *h, const uint8_t reg[WW_HLL_REGISTERS]);

#endif

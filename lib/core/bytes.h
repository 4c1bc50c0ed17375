/* bytes.h -- little-endian integers in byte arrays: the one codec of every
 * on-disk format (the store's blobs and log rows, surge's saved state).
 *
 * Byte by byte, so the result is the same on any host and needs no
 * alignment; compilers turn each into one load or store on x86 and ARM.
 * ww_le_put/ww_le_get take a width k (1..8 bytes: the k low bytes of v);
 * the fixed widths are the usual spelling. */
#ifndef WW_BYTES_H
#define WW_BYTES_H
#include <stdint.h>

static inline void ww_le_put(unsigned char *p, uint64_t v, unsigned k)
{
    for (unsigned i = 0; i < k; i++) p[i] = (unsigned char)(v >> 8 * i);
}

static inline uint64_t ww_le_get(const unsigned char *p, unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++) v |= (uint64_t)p[i] << 8 * i;
    return v;
}

static inline void ww_le_put16(unsigned char *p, uint16_t v) { ww_le_put(p, v, 2); }
static inline void ww_le_put32(unsigned char *p, uint32_t v) { ww_le_put(p, v, 4); }
static inline void ww_le_put64(unsigned char *p, uint64_t v) { ww_le_put(p, v, 8); }
static inline uint16_t ww_le_get16(const unsigned char *p) { return (uint16_t)ww_le_get(p, 2); }
static inline uint32_t ww_le_get32(const unsigned char *p) { return (uint32_t)ww_le_get(p, 4); }
static inline uint64_t ww_le_get64(const unsigned char *p) { return ww_le_get(p, 8); }

#endif

/* addr.h -- IPv4/IPv6 addresses as one 17-byte value.
 *
 * Both families live in 16 bytes: IPv4 as the IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, RFC 4291 2.5.5.2), with `family` 4 or 6. So hashing and
 * comparing never branch on the family. An IPv4 host written in the mapped
 * form (::ffff:203.0.113.50) is that IPv4 host: family 4, one identity.
 * Text output is canonical: dotted quad (for mapped input too), or RFC 5952
 * for IPv6 (lower case, longest run of two or more zero groups as "::",
 * leftmost on a tie).
 * Parsing takes a length (no NUL needed), allocates nothing, and accepts the
 * fully expanded form the kernel prints (2001:0db8:0000:...).
 *
 * A network (struct ww_cidr) is an address and a prefix length counted in
 * its own family: 0..32 for IPv4, 0..128 for IPv6; a host has 32 or 128.
 * The mapped form keeps its 128-bit count in text (::ffff:10.0.0.0/104 is
 * 10.0.0.0/8). Host bits past the prefix are always clear. */
#ifndef WW_ADDR_H
#define WW_ADDR_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

#define WW_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

struct ww_addr {
    uint8_t b[16];
    uint8_t family; /* 4 or 6; 0 = none */
};

/* WW_OK, or WW_ERR_PARSE if s[0..len) is not exactly one address. */
enum ww_err ww_addr_parse(const char *s, size_t len, struct ww_addr *out);
void ww_addr_from_v4(struct ww_addr *a, const uint8_t v4[4]);
void ww_addr_from_v6(struct ww_addr *a, const uint8_t v6[16]);
/* Writes the canonical text form to buf (>= WW_ADDR_STRLEN), returns buf. */
char *ww_addr_format(const struct ww_addr *a, char *buf);

int ww_addr_is_loopback(const struct ww_addr *a);    /* 127/8, ::1 */
int ww_addr_is_unspecified(const struct ww_addr *a); /* 0.0.0.0, :: */
int ww_addr_is_multicast(const struct ww_addr *a);   /* 224/4, 255.255.255.255, ff00::/8 */

struct ww_cidr {
    struct ww_addr addr;
    uint8_t len;
};
#define WW_CIDR_STRLEN (WW_ADDR_STRLEN + 4)

/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a host), exactly
 * s[0..n). Host bits past the prefix are cleared ("192.0.2.7/24" is
 * 192.0.2.0/24). WW_OK; WW_ERR_PARSE if the part before any '/' is not an
 * address (out untouched); WW_ERR_LIMIT if the prefix length is not 1 to 3
 * digits within the family's bits (out->addr holds the address). */
enum ww_err ww_cidr_parse(const char *s, size_t n, struct ww_cidr *out);
/* "a/len", or just "a" for a single host. buf >= WW_CIDR_STRLEN. */
char *ww_cidr_format(const struct ww_cidr *c, char *buf);
int ww_cidr_contains(const struct ww_cidr *c, const struct ww_addr *a);
/* Clears the host bits past a prefix of len bits, counted in the address's
 * own family (0..32 for IPv4, 0..128 for IPv6): 192.0.2.7, 24 -> 192.0.2.0. */
void ww_addr_mask(struct ww_addr *a, unsigned len);
/* The group a source belongs to when sources rotating inside a prefix are
 * taken as one (scan detection, the collector, block): a masked to v4len
 * bits if IPv4, v6len if IPv6 (each in its own family: 32 and 128 group
 * nothing). *prefix gets the network and *len its length. */
static inline void ww_addr_group(const struct ww_addr *a, unsigned v4len, unsigned v6len,
                                 struct ww_addr *prefix, unsigned *len)
{
    *len = a->family == 4 ? v4len : v6len;
    *prefix = *a;
    if (*len < (a->family == 4 ? 32u : 128u)) ww_addr_mask(prefix, *len); /* inline: every event's */
}
/* Networks of one family overlap iff one holds the other (prefixes nest or
 * are disjoint); different families never do. */
int ww_cidr_overlaps(const struct ww_cidr *a, const struct ww_cidr *b);

/* 64-bit mixing hash (splitmix64 finalizer) used by every table and sketch. */
static inline uint64_t ww_hash64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Equal addresses (the 16 bytes; the family follows from them): two
 * 64-bit compares, inlined, since every table look-up by address makes one. */
static inline int ww_addr_eq(const struct ww_addr *a, const struct ww_addr *b)
{
    uint64_t x[2], y[2];
    memcpy(x, a->b, 16);
    memcpy(y, b->b, 16);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* The hash of an address whose bytes 0-7 and 8-15 are the words hi, lo
 * (host order): ww_addr_hash without building the address. */
static inline uint64_t ww_addr_hash_words(uint64_t hi, uint64_t lo)
{
    return ww_hash64(hi ^ ww_hash64(lo + 0x9e3779b97f4a7c15ULL));
}

/* memcmp's order of the 16 bytes (<0, 0, >0), as two 64-bit compares. */
static inline int ww_addr_cmp(const struct ww_addr *a, const struct ww_addr *b)
{
    uint64_t x[2], y[2];
    memcpy(x, a->b, 16);
    memcpy(y, b->b, 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x[0] = __builtin_bswap64(x[0]), x[1] = __builtin_bswap64(x[1]);
    y[0] = __builtin_bswap64(y[0]), y[1] = __builtin_bswap64(y[1]);
#endif
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The address's hash for tables and sketches (both halves mixed). */
static inline uint64_t ww_addr_hash(const struct ww_addr *a)
{
    uint64_t hi, lo;
    memcpy(&hi, a->b, 8);
    memcpy(&lo, a->b + 8, 8);
    return ww_addr_hash_words(hi, lo);
}

#endif

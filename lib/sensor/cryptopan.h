/* cryptopan.h -- keyed, prefix-preserving pseudonyms of addresses:
 * Crypto-PAn (J. Xu, J. Fan, M. Ammar, S. Moon, "Prefix-preserving IP
 * address anonymization", ICNP 2002), for the sensor's targets.
 *
 * Two addresses that share their first k bits get pseudonyms that share
 * their first k bits and no more, so distinct targets and prefixes (/24s,
 * /48s) stay countable while the real addresses stay private as long as
 * the key does. The same key gives the same pseudonym everywhere: a
 * deployment shares one key across its sensors. The mapping is one to one
 * within a family (IPv4 to IPv4, IPv6 to IPv6). cryptopan.c describes the
 * construction and what it costs.
 *
 * The key is 32 bytes: an AES-128 key, then 16 bytes from which the pad is
 * made. A key file holds them raw (32 bytes) or as 64 hexadecimal
 * characters (a newline after them is allowed), and is readable by its
 * owner alone. */
#ifndef WW_CRYPTOPAN_H
#define WW_CRYPTOPAN_H
#include <stddef.h>
#include <stdint.h>
#include <nettle/aes.h>

#include "core/addr.h"
#include "core/err.h"

#define WW_CRYPTOPAN_KEYLEN 32
#define WW_CRYPTOPAN_SETS 1024 /* the cache: sets of two addresses (a power of two) */

struct ww_cryptopan_slot { struct ww_addr in, out; };

struct ww_cryptopan {
    struct aes128_ctx aes; /* the key schedule, expanded once */
    uint8_t pad[16];       /* AES_K(second half of the key) */
    struct ww_cryptopan_slot cache[WW_CRYPTOPAN_SETS][2]; /* by ww_addr_hash; [0] the newer */
};

void ww_cryptopan_init(struct ww_cryptopan *c, const uint8_t key[WW_CRYPTOPAN_KEYLEN]);
/* The pseudonym of the first nbits (1..128) bits of a, in place (a holds
 * (nbits + 7) / 8 bytes, most significant first; bits past nbits are left
 * as they are). No cache: the algorithm itself. */
void ww_cryptopan_bits(const struct ww_cryptopan *c, uint8_t *a, unsigned nbits);
/* The pseudonym of an IPv4 (32 bits) or IPv6 (128 bits) address, in place,
 * through the cache; an address of no family is left alone. */
void ww_cryptopan_addr(struct ww_cryptopan *c, struct ww_addr *a);

/* Reads a key file. WW_OK; WW_ERR_IO if it cannot be opened or read,
 * WW_ERR_ARG if it is not a regular file, is readable by group or others,
 * or holds neither 32 bytes nor 64 hexadecimal characters. err says which,
 * naming the file. */
enum ww_err ww_cryptopan_key_read(const char *path, uint8_t key[WW_CRYPTOPAN_KEYLEN], char *err,
                                  size_t errlen);

#endif

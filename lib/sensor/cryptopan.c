/* cryptopan.c -- Crypto-PAn (see cryptopan.h), with nettle's AES-128.
 *
 * The construction (Xu et al., ICNP 2002, section 4; the reference
 * implementation's, so its published sample maps alike): with K the first
 * 16 bytes of the key and pad = AES_K(the last 16 bytes), bit i (0 = the
 * most significant) of the pseudonym of a = a_0 a_1 ... a_{n-1} is
 *
 *     a_i XOR msb(AES_K(a_0 .. a_{i-1} || pad_i .. pad_127))
 *
 * that is, the first bit of the encryption of a's first i bits padded to
 * 128 with the pad's remaining bits. Bit i depends only on the bits before
 * it, which is what preserves prefixes, and each flip is a pseudorandom
 * function of the prefix, which is what hides the address. IPv4 is the
 * first 32 rounds of this (the address in the block's first 32 bits), IPv6
 * all 128, so an IPv4 address and the IPv6 address beginning with its 32
 * bits share their pseudonym's first 32 bits.
 *
 * Cost: n AES blocks per address (32 for IPv4, 128 for IPv6). The key
 * schedule is expanded once (ww_cryptopan_init), and the n blocks, which
 * do not depend on each other, are built first and encrypted in one call,
 * so nettle's AES (AES-NI where the CPU has it) runs without a call per
 * block. A sensor sees the same few targets again and again, so
 * ww_cryptopan_addr keeps the pseudonyms of the two addresses last used in
 * each of 1,024 sets (by ww_addr_hash; 68 KiB): a repeated target costs a
 * hash and a compare or two, and two busy targets that share a set do not
 * evict each other.
 * bench/cryptopan.c measures both (docs/PERFORMANCE.md has the figures). */
#include "sensor/cryptopan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/num.h"

void ww_cryptopan_init(struct ww_cryptopan *c, const uint8_t key[WW_CRYPTOPAN_KEYLEN])
{
    memset(c, 0, sizeof *c); /* the cache empty: family 0 matches no address */
    aes128_set_encrypt_key(&c->aes, key);
    aes128_encrypt(&c->aes, sizeof c->pad, c->pad, key + 16);
}

void ww_cryptopan_bits(const struct ww_cryptopan *c, uint8_t *a, unsigned nbits)
{
    uint8_t in[128][16], out[128][16];
    if (nbits > 128) nbits = 128;
    for (unsigned i = 0; i < nbits; i++) { /* a's first i bits, then the pad's */
        unsigned k = i / 8, r = i % 8;
        memcpy(in[i], a, k);
        memcpy(in[i] + k, c->pad + k, 16 - k);
        if (r) {
            uint8_t m = (uint8_t)(0xff << (8 - r));
            in[i][k] = (uint8_t)((a[k] & m) | (c->pad[k] & ~m));
        }
    }
    aes128_encrypt(&c->aes, (size_t)nbits * 16, out[0], in[0]);
    for (unsigned i = 0; i < nbits; i++) a[i / 8] ^= (uint8_t)((out[i][0] >> 7) << (7 - i % 8));
}

/* A slot holds a (an empty one has family 0, and :: is all zero bytes). */
static int holds(const struct ww_cryptopan_slot *s, const struct ww_addr *a)
{
    return s->in.family == a->family && ww_addr_eq(&s->in, a);
}

void ww_cryptopan_addr(struct ww_cryptopan *c, struct ww_addr *a)
{
    if (a->family != 4 && a->family != 6) return;
    struct ww_cryptopan_slot *set = c->cache[ww_addr_hash(a) & (WW_CRYPTOPAN_SETS - 1)], t;
    if (holds(&set[1], a)) /* the older: it becomes the newer */
        t = set[0], set[0] = set[1], set[1] = t;
    if (holds(&set[0], a)) {
        *a = set[0].out;
        return;
    }
    set[1] = set[0];
    set[0].in = *a;
    if (a->family == 4) ww_cryptopan_bits(c, a->b + 12, 32); /* ::ffff:a.b.c.d */
    else ww_cryptopan_bits(c, a->b, 128);
    set[0].out = *a;
}

enum ww_err ww_cryptopan_key_read(const char *path, uint8_t key[WW_CRYPTOPAN_KEYLEN], char *err,
                                  size_t errlen)
{
    char buf[WW_CRYPTOPAN_KEYLEN * 2 + 3]; /* 64 hex digits, \r\n, one too many */
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the anonymization key %s: %s", path, strerror(errno));
        return WW_ERR_IO;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "the anonymization key %s is not a regular file", path);
        close(fd);
        return WW_ERR_ARG;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen, "the anonymization key %s is open to group or others (mode %03o): "
                 "it must be readable by its owner alone (chmod 600)", path,
                 (unsigned)st.st_mode & 0777);
        close(fd);
        return WW_ERR_ARG;
    }
    ssize_t r = read(fd, buf, sizeof buf); /* a regular file: all there is, up to sizeof buf */
    int e = errno;
    close(fd);
    if (r < 0) {
        snprintf(err, errlen, "cannot read the anonymization key %s: %s", path, strerror(e));
        return WW_ERR_IO;
    }
    size_t n = (size_t)r;
    if (n == WW_CRYPTOPAN_KEYLEN) {
        memcpy(key, buf, WW_CRYPTOPAN_KEYLEN);
        return WW_OK;
    }
    size_t len = n;
    if (len && buf[len - 1] == '\n') len--;
    if (len && buf[len - 1] == '\r') len--;
    int hex = len == 2 * WW_CRYPTOPAN_KEYLEN;
    for (size_t i = 0; hex && i < len; i++) hex = ww_hexval(buf[i]) >= 0;
    if (!hex) {
        snprintf(err, errlen, "the anonymization key %s holds %s%zu bytes: a key is 32 bytes, or "
                 "64 hexadecimal characters", path, n == sizeof buf ? "more than " : "",
                 n - (n == sizeof buf));
        return WW_ERR_ARG;
    }
    for (size_t i = 0; i < WW_CRYPTOPAN_KEYLEN; i++)
        key[i] = (uint8_t)(ww_hexval(buf[2 * i]) << 4 | ww_hexval(buf[2 * i + 1]));
    return WW_OK;
}

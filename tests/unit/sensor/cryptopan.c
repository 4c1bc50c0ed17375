/* cryptopan.c -- Crypto-PAn (lib/sensor/cryptopan.c): the published test
 * vectors of the reference implementation and of others that agree with
 * it; prefixes preserved, exactly, on random pairs of IPv4 and IPv6
 * addresses; another key, other pseudonyms; the cache answering as the
 * algorithm does; key files (raw, hex, refused ones). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addr.h"
#include "sensor/cryptopan.h"
#include "test.h"

/* The key of the sample in the Crypto-PAn reference distribution (Jinliang
 * Fan's Crypto-PAn 1.0, sample.cpp), and pairs from its sample_trace_raw.dat
 * and sample_trace_sanitized.dat, as collected in the test suites of other
 * implementations that match it: github.com/Yawning/cryptopan
 * (cryptopan_test.go, which also gives the IPv6 pairs below) and
 * github.com/noinkling/node-cryptopan (src/test/test_data.ts). */
static const uint8_t ref_key[32] = {21,  34,  23,  141, 51,  164, 207, 128, 19,  10,  91,
                                    22,  73,  144, 125, 16,  216, 152, 143, 131, 121, 121,
                                    101, 39,  98,  87,  76,  45,  42,  132, 34,  2};
static const char *const ref_pairs[][2] = {
    {"128.11.68.132", "135.242.180.132"}, {"129.118.74.4", "134.136.186.123"},
    {"130.132.252.244", "133.68.164.234"}, {"141.223.7.43", "141.167.8.160"},
    {"141.233.145.108", "141.129.237.235"}, {"152.163.225.39", "151.140.114.167"},
    {"156.29.3.236", "147.225.12.42"},     {"165.247.96.84", "162.9.99.234"},
    {"192.102.249.13", "252.138.62.131"},  {"192.215.32.125", "252.43.47.189"},
    {"195.205.63.100", "255.186.223.5"},   {"198.51.77.238", "249.18.186.254"},
    {"205.188.147.153", "242.96.16.101"},  {"205.188.248.25", "242.96.88.27"},
    {"207.25.71.27", "241.33.119.156"},    {"208.234.120.210", "227.154.67.17"},
    {"209.85.249.6", "226.170.70.6"},      {"216.254.18.172", "235.7.16.162"},
    {"24.0.250.221", "100.15.198.226"},    {"24.5.0.80", "100.9.15.210"},
    {"38.15.67.68", "64.3.66.187"},        {"4.3.88.225", "124.60.155.63"},
    {"63.195.241.44", "95.179.238.44"},    {"64.14.118.196", "0.255.183.58"},
    {"10.185.25.118", "117.161.29.118"},
    /* the same key, IPv6 (Yawning/cryptopan) */
    {"::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"},
    {"::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838"},
    {"2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"},
    {"2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c"},
};

/* Other keys: the ASCII key of pycryptopan's and CryptoPan.jl's examples
 * (github.com/FFM/pycryptopan), and the key 0, 1, ..., 31 of
 * github.com/keiichishima/yacryptopan's README. */
static const struct {
    const char *key, *in, *out;
} other[] = {
    {"boojahyoo3vaeToong0Eijee7Ahz3yee", "192.0.2.1", "206.2.124.120"},
    {"32-char-str-for-AES-key-and-pad.", "192.0.2.1", "192.0.125.244"},
    {"32-char-str-for-AES-key-and-pad.", "2001:db8::1", "27fe:8bc7:fee:1e:1e1f:f0fe:f0e1:83fd"},
};

static struct ww_addr addr(const char *s)
{
    struct ww_addr a = {0};
    CHECK_INT(ww_addr_parse(s, strlen(s), &a), WW_OK);
    return a;
}

static const char *pseudonym(struct ww_cryptopan *c, const char *s)
{
    static char buf[WW_ADDR_STRLEN];
    struct ww_addr a = addr(s);
    ww_cryptopan_addr(c, &a);
    return ww_addr_format(&a, buf);
}

static void test_vectors(void)
{
    static struct ww_cryptopan c;
    ww_cryptopan_init(&c, ref_key);
    for (size_t i = 0; i < sizeof ref_pairs / sizeof *ref_pairs; i++)
        CHECK_STR(pseudonym(&c, ref_pairs[i][0]), ref_pairs[i][1]);
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        ww_cryptopan_init(&c, (const uint8_t *)other[i].key);
        CHECK_STR(pseudonym(&c, other[i].in), other[i].out);
    }
    uint8_t seq[32];
    for (int i = 0; i < 32; i++) seq[i] = (uint8_t)i;
    ww_cryptopan_init(&c, seq);
    CHECK_STR(pseudonym(&c, "192.0.2.1"), "2.90.93.17");
    CHECK_STR(pseudonym(&c, "2001:db8::1"), "dd92:2c44:3fc0:ff1e:7ff9:c7f0:8180:7e00");
    /* IPv4 is the first 32 rounds: an IPv6 address beginning with an IPv4
     * address's bits begins with its pseudonym's */
    ww_cryptopan_init(&c, ref_key);
    struct ww_addr v6 = addr("8a0b:4484:1234::"), v4 = addr("138.11.68.132");
    ww_cryptopan_addr(&c, &v6);
    ww_cryptopan_addr(&c, &v4);
    CHECK(!memcmp(v6.b, v4.b + 12, 4));
    /* ::, all zero bytes as an empty cache slot is: computed all the same */
    struct ww_addr zero = addr("::");
    uint8_t zb[16] = {0};
    ww_cryptopan_addr(&c, &zero);
    ww_cryptopan_bits(&c, zb, 128);
    CHECK_INT(zero.family, 6);
    CHECK(!memcmp(zero.b, zb, 16));
    struct ww_addr none = {0};
    ww_cryptopan_addr(&c, &none); /* no family: left alone */
    CHECK_INT(none.family, 0);
}

static uint64_t rnd_state = 12345;
static uint64_t rnd(void) { return ww_hash64(rnd_state++); }

/* Common prefix length of the first nbits bits of a and b. */
static unsigned common(const uint8_t *a, const uint8_t *b, unsigned nbits)
{
    unsigned k = 0;
    while (k < nbits && !((a[k / 8] ^ b[k / 8]) & (0x80 >> k % 8))) k++;
    return k;
}

/* Pairs sharing exactly k random bits (k = 0..nbits): their pseudonyms
 * share exactly k; and the cache (ww_cryptopan_addr) answers as the
 * algorithm (ww_cryptopan_bits) does, far past its size. */
static void test_prefixes(int family)
{
    static struct ww_cryptopan c;
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)rnd();
    ww_cryptopan_init(&c, key);
    unsigned nbits = family == 4 ? 32 : 128, bad = 0, miss = 0;
    for (int n = 0; n < 4000; n++) {
        uint8_t a[16], b[16];
        for (int i = 0; i < 16; i++) a[i] = (uint8_t)rnd(), b[i] = (uint8_t)rnd();
        unsigned k = (unsigned)(rnd() % (nbits + 1));
        for (unsigned i = 0; i < k; i++) /* b: a's first k bits, then not a's bit k */
            b[i / 8] = (uint8_t)((b[i / 8] & ~(0x80 >> i % 8)) | (a[i / 8] & (0x80 >> i % 8)));
        if (k < nbits) b[k / 8] ^= (uint8_t)((~(a[k / 8] ^ b[k / 8])) & (0x80 >> k % 8));
        if (common(a, b, nbits) != k) bad++; /* the pair is what it should be */
        struct ww_addr x, y = {0};
        if (family == 4) ww_addr_from_v4(&x, a);
        else ww_addr_from_v6(&x, a);
        ww_cryptopan_addr(&c, &x);
        ww_cryptopan_bits(&c, a, nbits);
        ww_cryptopan_bits(&c, b, nbits);
        if (common(a, b, nbits) != k) bad++;
        if (family == 4) ww_addr_from_v4(&y, a);
        else ww_addr_from_v6(&y, a);
        if (!ww_addr_eq(&x, &y)) miss++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(miss, 0);
}

/* Another key, other pseudonyms; the same key, the same ones (cached or
 * not: a second pass reads the cache). */
static void test_keys(void)
{
    static struct ww_cryptopan c1, c2, c3;
    uint8_t k1[32], k2[32];
    for (int i = 0; i < 32; i++) k1[i] = k2[i] = (uint8_t)rnd();
    k2[31] ^= 1; /* the pad's half, one bit */
    ww_cryptopan_init(&c1, k1);
    ww_cryptopan_init(&c2, k2);
    ww_cryptopan_init(&c3, k1);
    int same = 0, differ = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int n = 0; n < 200; n++) {
            uint8_t b[16];
            for (int i = 0; i < 16; i++) b[i] = (uint8_t)(n * 7 + i * 13);
            struct ww_addr a, x, y, z;
            if (n % 2) ww_addr_from_v4(&a, b);
            else ww_addr_from_v6(&a, b);
            x = y = z = a;
            ww_cryptopan_addr(&c1, &x);
            ww_cryptopan_addr(&c2, &y);
            ww_cryptopan_addr(&c3, &z);
            same += ww_addr_eq(&x, &y);
            differ += !ww_addr_eq(&x, &z);
            if (ww_addr_eq(&x, &a)) differ++; /* a fixed point: 2^-32 at worst */
        }
    CHECK_INT(same, 0);
    CHECK_INT(differ, 0);
}

static void put(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (!fp) return;
    fwrite(data, 1, len, fp);
    fclose(fp);
    chmod(path, mode);
}

static void test_key_files(void)
{
    char dir[] = "/tmp/test_cryptopan.XXXXXX", path[64], err[300];
    uint8_t key[32], want[32];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/k", dir);
    put(path, ref_key, 32, 0600); /* raw */
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_OK);
    CHECK(!memcmp(key, ref_key, 32));
    char hex[70] = "";
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, i % 2 ? "%02x" : "%02X", ref_key[i]);
    strcat(hex, "\n");
    put(path, hex, 65, 0400); /* hex, either case, a newline */
    memset(key, 0, 32);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_OK);
    CHECK(!memcmp(key, ref_key, 32));
    memcpy(want, key, 32);
    chmod(path, 0640); /* open to the group */
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_ARG);
    CHECK(strstr(err, "is open to group or others (mode 640)") != NULL);
    chmod(path, 0604);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_ARG);
    put(path, hex, 64, 0600);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_OK); /* no newline */
    put(path, hex, 31, 0600); /* too short */
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_ARG);
    CHECK(strstr(err, "holds 31 bytes: a key is 32 bytes, or 64 hexadecimal") != NULL);
    hex[10] = 'g'; /* 64 characters, one not hex */
    put(path, hex, 65, 0600);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_ARG);
    char big[200];
    memset(big, 'a', sizeof big);
    put(path, big, sizeof big, 0600);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_ARG);
    CHECK(strstr(err, "holds more than 66 bytes") != NULL);
    CHECK(!memcmp(key, want, 32)); /* untouched by the refusals */
    CHECK_INT(ww_cryptopan_key_read(dir, key, err, sizeof err), WW_ERR_ARG);
    CHECK(strstr(err, "is not a regular file") != NULL);
    unlink(path);
    CHECK_INT(ww_cryptopan_key_read(path, key, err, sizeof err), WW_ERR_IO);
    CHECK(strstr(err, "cannot open the anonymization key /tmp/test_cryptopan.") != NULL);
    CHECK(strstr(err, "No such file or directory") != NULL);
    rmdir(dir);
}

TEST_MAIN(test_vectors(); test_prefixes(4); test_prefixes(6); test_keys(); test_key_files())

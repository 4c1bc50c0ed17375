/* fuzz_surge_state.c -- libFuzzer: ww_surges_load on any bytes never crashes,
 * reads only the bytes it is given, and says why it refuses. A state it
 * accepts runs on (a few events drawn from the input), saves, and that save
 * loads again and saves to the same bytes.
 * The first byte picks the mode: odd, the rest is a body under a header made
 * to fit (length and FNV-1a checksum; version 3, the current one, when bit
 * 1 is set, else 2 when bit 2 is, else 1),
 * so the fuzzer gets past the checksum into the body parser; even, the rest
 * is taken as it is. Events vary source and destination ports, targets and
 * sensors, so floods, source ports and the pooled rule run too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/event.h"
#include "core/mem.h"
#include "detect/surge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const unsigned char *p, unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++) v |= (uint64_t)p[i] << 8 * i;
    return v;
}

static void le_put(unsigned char *p, uint64_t v, unsigned k)
{
    for (unsigned i = 0; i < k; i++) p[i] = (unsigned char)(v >> 8 * i);
}

static struct ww_surges *must_reload(const struct ww_surges *s, unsigned char **out, size_t *len)
{
    char why[128];
    struct ww_surges *t;
    *len = ww_surges_save(s, out);
    if (ww_surges_load(*out, *len, &t, why, sizeof why)) {
        fprintf(stderr, "a saved state did not load: %s\n", why);
        abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    size_t len = size - 1;
    unsigned char *buf = malloc(len + 24);
    if (data[0] & 1) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 1; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ULL;
        memcpy(buf, "WWSG", 4);
        le_put(buf + 4, data[0] & 2 ? 3 : data[0] & 4 ? 2 : 1, 4);
        le_put(buf + 8, len, 8);
        le_put(buf + 16, h, 8);
        memcpy(buf + 24, data + 1, len);
        len += 24;
    } else {
        memcpy(buf, data + 1, len);
    }
    char why[128] = "";
    struct ww_surges *s;
    if (ww_surges_load(buf, len, &s, why, sizeof why)) {
        if (!*why) abort();
        free(buf);
        return 0;
    }
    /* events, unless the window is so long that closing a bucket after a
     * gap folds millions of empty ones (slow, not wrong) */
    int64_t bucket = (int64_t)le(buf + 24, 8), baseline = (int64_t)le(buf + 32, 8);
    if (baseline / bucket <= 100000 && size >= 9) {
        int64_t base = (int64_t)le(data + size - 8, 8) / 16; /* within +-2^59 us */
        for (unsigned k = 0; k < 8; k++) {
            uint8_t x = data[size - 1 - k];
            struct ww_event e = {.ts_us = base + (int64_t)x * 600000000, .dport = (uint16_t)(x % 3 + 444),
                                 .sport = (uint16_t)(x & 32 ? 4000 : 40000 + x),
                                 .proto = x & 8 ? WW_PROTO_UDP : x & 16 ? WW_PROTO_ICMP : WW_PROTO_TCP,
                                 .tcpflags = x & 64 ? 0x12 : 0x02, .sensor = (uint16_t)(x >> 7), .count = 1};
            uint8_t a[5] = {10, 0, (uint8_t)k, x, 1};
            ww_addr_from_v4(&e.src, a);
            ww_addr_from_v4(&e.dst, a + 1);
            ww_surges_event(s, &e);
        }
    }
    unsigned char *b1, *b2;
    size_t l1, l2;
    struct ww_surges *t = must_reload(s, &b1, &l1);
    ww_surges_free(must_reload(t, &b2, &l2));
    if (l1 != l2 || memcmp(b1, b2, l1)) {
        fprintf(stderr, "save(load(save(x))) differs from save(x)\n");
        abort();
    }
    ww_surges_free(s);
    ww_surges_free(t);
    ww_free(b1);
    ww_free(b2);
    free(buf);
    return 0;
}

/* cryptopan.c -- what a Crypto-PAn pseudonym costs the sensor per event
 * (lib/sensor/cryptopan.h): nanoseconds per address for IPv4 and IPv6,
 * for addresses never seen before (the algorithm: 32 or 128 AES blocks)
 * and for a sensor's usual targets (a few hundred addresses, again and
 * again: the cache). Built with the rest (build/bench_cryptopan); run
 * `build/bench_cryptopan [N]` (N addresses per row, default 2,000,000);
 * the figures go into docs/PERFORMANCE.md by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/addr.h"
#include "core/wtime.h"
#include "sensor/cryptopan.h"

static struct ww_cryptopan c;

/* ns per address: n addresses of family fam, drawn from `distinct` of
 * them (0: all different). */
static double run(int fam, long n, long distinct)
{
    uint8_t b[16] = {0};
    unsigned sum = 0;
    int64_t t0 = ww_mono_us();
    for (long i = 0; i < n; i++) {
        uint64_t x = ww_hash64((uint64_t)(distinct ? i % distinct : i));
        for (int k = 0; k < 8; k++) b[k] = (uint8_t)(x >> 8 * k), b[8 + k] = (uint8_t)(x >> 4 * k);
        struct ww_addr a;
        if (fam == 4) ww_addr_from_v4(&a, b);
        else ww_addr_from_v6(&a, b);
        ww_cryptopan_addr(&c, &a);
        sum += a.b[15];
    }
    double ns = (double)(ww_mono_us() - t0) * 1000.0 / (double)n;
    if (sum == 1) fputs("", stderr); /* keep the loop */
    return ns;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    uint8_t key[32];
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)ww_hash64((uint64_t)i + 99);
    ww_cryptopan_init(&c, key);
    printf("| addresses | IPv4 ns/address | IPv6 ns/address |\n|---|---:|---:|\n");
    printf("| all different (%ld) | %.0f | %.0f |\n", n, run(4, n, 0), run(6, n / 4, 0));
    printf("| 256 targets, repeated | %.0f | %.0f |\n", run(4, n, 256), run(6, n, 256));
    return 0;
}

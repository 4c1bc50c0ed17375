/* geo.c -- what a country and AS lookup costs (issue 17; detect/geo.h).
 *
 * `build/bench_geo [-n LOOKUPS] [-r RUNS] COUNTRY.mmdb ASN.mmdb` looks up a
 * fixed stream of addresses (seeded: nine in ten IPv4 from the public /8s,
 * the rest IPv6 under 2001:db8::/32 and 2000::/3) with ww_geo_lookup, over
 * the country database alone, the ASN database alone and both, as analyze
 * and the collector call it, and prints for each the best run's CPU time
 * per lookup (getrusage, user + system), the share of addresses found and
 * a checksum of the answers. bench/geo.sh builds the databases
 * (tests/tools/mkmmdb.pl: the test ones and 100,000 networks) and runs it
 * on each pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/addr.h"
#include "core/mem.h"
#include "detect/geo.h"

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void fill(struct ww_addr *a, size_t n)
{
    uint64_t seed = 17;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next(&seed);
        uint8_t b[16] = {0};
        if (r % 10 == 9) {
            uint64_t lo = next(&seed);
            memcpy(b, &lo, 8);
            if (r & 16) memcpy(b, (uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
            else b[0] = (uint8_t)(0x20 | (b[0] & 0x1f));
            ww_addr_from_v6(&a[i], b);
        } else {
            memcpy(b, (uint8_t *)&r + 4, 4);
            b[0] = (uint8_t)(1 + b[0] % 223);
            ww_addr_from_v4(&a[i], b);
        }
    }
}

static void run(const char *what, const char *country, const char *asn, const struct ww_addr *a,
                size_t n, int runs)
{
    char err[512];
    struct ww_geo *g;
    if (ww_geo_open(country, asn, &g, err, sizeof err)) {
        fprintf(stderr, "bench_geo: %s\n", err);
        exit(1);
    }
    double best = 0;
    uint64_t sum = 0, found = 0;
    for (int r = 0; r < runs; r++) {
        uint64_t s = 0, f = 0;
        double c0 = cpu_s();
        for (size_t i = 0; i < n; i++) {
            struct ww_geoinfo gi;
            int k = ww_geo_lookup(g, &a[i], &gi);
            f += k != 0;
            s += ww_hash64(s ^ (uint64_t)k ^ gi.asn ^ (uint64_t)(uint8_t)gi.country[0] << 40 ^
                           (uint64_t)(uint8_t)gi.as_org[0] << 48);
        }
        double c = cpu_s() - c0;
        if (r == 0 || c < best) best = c;
        sum = s, found = f;
    }
    printf("%-8s %7.0f ns/lookup (CPU, best of %d), %5.1f%% found, checksum %016llx\n", what,
           best * 1e9 / (double)n, runs, 100.0 * (double)found / (double)n, (unsigned long long)sum);
    ww_geo_close(g);
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int runs = 3, i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "-n")) n = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "-r")) runs = atoi(argv[i + 1]);
        else break;
    }
    if (argc - i != 2 || n == 0 || runs < 1) {
        fprintf(stderr, "usage: bench_geo [-n LOOKUPS] [-r RUNS] COUNTRY.mmdb ASN.mmdb\n");
        return 2;
    }
    struct ww_addr *a = ww_malloc(n * sizeof *a);
    fill(a, n);
    printf("%zu lookups: %s, %s\n", n, argv[i], argv[i + 1]);
    run("country", argv[i], NULL, a, n, runs);
    run("asn", NULL, argv[i + 1], a, n, runs);
    run("both", argv[i], argv[i + 1], a, n, runs);
    ww_free(a);
    return 0;
}

/* geo.c -- country and AS lookups (detect/geo.h) against databases built at
 * test time by tests/tools/mkmmdb.pl (tests/unit/mmdb.h): the GeoLite2 and
 * DB-IP Lite layouts give the same answers for IPv4 and IPv6 addresses, an
 * address in no network, a network with only a registered country, an AS
 * without an organisation, an organisation cut at a UTF-8 boundary, control
 * characters and bytes that are not UTF-8 in one, the simulator's address
 * space; IPv4 in an IPv4-only tree, in ::/96 and only
 * under ::ffff:0:0/96; MaxMind's 6to4 alias. Errors: a missing file, a
 * directory, a device, an empty file, a file that is not a MaxMind DB, a
 * database of the wrong kind each way, all naming the file. Threads share one handle. Prints the cost of a lookup
 * (bench/geo.c measures it on a large database). */
#include "test.h"
#include "mmdb.h"
#include "core/addr.h"
#include "core/wtime.h"
#include "detect/geo.h"

#include <pthread.h>
#include <time.h>

static struct ww_addr A(const char *s)
{
    struct ww_addr a = {0};
    if (ww_addr_parse(s, strlen(s), &a)) { fprintf(stderr, "bad test address %s\n", s); exit(1); }
    return a;
}

static int look(const struct ww_geo *g, const char *addr, struct ww_geoinfo *gi)
{
    struct ww_addr a = A(addr);
    return ww_geo_lookup(g, &a, gi);
}

static struct ww_geo *open2(const char *country, const char *asn)
{
    char err[512] = "";
    struct ww_geo *g = NULL;
    enum ww_err rc = ww_geo_open(country ? mmdb_path(country) : NULL, asn ? mmdb_path(asn) : NULL,
                                 &g, err, sizeof err);
    CHECK_INT(rc, WW_OK);
    CHECK_STR(err, "");
    return g;
}

/* The answers of mkmmdb.pl's data set, the same in every layout. */
static void check_data(const struct ww_geo *g, const char *layout)
{
    static const struct { const char *addr, *cc; uint32_t asn; const char *org; int found; } t[] = {
        {"192.0.2.1", "DE", 64496, "Example Net One", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"192.0.2.127", "DE", 64496, "Example Net One", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"192.0.2.128", "FR", 64497, "R\xc3\xa9seau d'Exemple", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"198.51.100.7", "JP", 64498, "Example Net Three", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"198.51.100.200", "JP", 64500, "", WW_GEO_COUNTRY | WW_GEO_ASN}, /* no organisation */
        {"162.142.125.9", "US", 398324, "CENSYS-ARIN-01", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"167.94.138.100", "US", 398324, "CENSYS-ARIN-01", WW_GEO_COUNTRY | WW_GEO_ASN},
        /* the simulator's space: the /8's country (@CC[8 % 24], GB), AS 64512 + /10 index */
        {"8.8.8.8", "GB", 64512 + 7 * 4, "Sim AS 28", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"223.255.255.1", "KR", 64512 + 222 * 4 + 3, "Sim AS 891", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"1.0.0.1", "CN", 64512, "Sim AS 0", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"2001:db8::1", "NL", 65536, "Example Six", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", "NL", 65536, "Example Six", WW_GEO_COUNTRY | WW_GEO_ASN},
        {"2001:db8:8000::5", "BR", 65537, "Exemplo Seis", WW_GEO_COUNTRY | WW_GEO_ASN},
        /* in no network */
        {"10.1.2.3", "", 0, "", 0},
        {"198.18.0.1", "", 0, "", 0},
        {"224.0.0.1", "", 0, "", 0},
        {"2001:db8:c000::1", "", 0, "", 0},
        {"3fff::1", "", 0, "", 0},
        {"::1", "", 0, "", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct ww_geoinfo gi;
        int found = look(g, t[i].addr, &gi);
        test_checks++;
        if (found != t[i].found || strcmp(gi.country, t[i].cc) || gi.asn != t[i].asn ||
            strcmp(gi.as_org, t[i].org)) {
            test_failures++;
            fprintf(stderr, "%s: %s: found %d %s AS%u \"%s\", expected %d %s AS%u \"%s\"\n", layout,
                    t[i].addr, found, gi.country, gi.asn, gi.as_org, t[i].found, t[i].cc, t[i].asn,
                    t[i].org);
        }
    }
    /* registered_country only; the organisation of 10 + 120 bytes cut to 94
     * (95 would split the 43rd two-byte character) */
    struct ww_geoinfo gi;
    CHECK_INT(look(g, "203.0.113.5", &gi), WW_GEO_COUNTRY | WW_GEO_ASN);
    CHECK_STR(gi.country, "AU");
    CHECK_INT(gi.asn, 64499);
    CHECK_INT(strlen(gi.as_org), 10 + 42 * 2);
    CHECK(!strncmp(gi.as_org, "Long Name \xc3\xa9", 12));
    CHECK(!strcmp(gi.as_org + strlen(gi.as_org) - 2, "\xc3\xa9"));
    /* the IPv4-mapped text is the IPv4 host */
    CHECK_INT(look(g, "::ffff:192.0.2.1", &gi), WW_GEO_COUNTRY | WW_GEO_ASN);
    CHECK_STR(gi.country, "DE");
}

static void test_layouts(void)
{
    if (!mmdb_path("GeoLite2-Country.mmdb")) return;
    struct ww_geo *g = open2("GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb");
    if (g) {
        CHECK_INT(ww_geo_has(g), WW_GEO_COUNTRY | WW_GEO_ASN);
        check_data(g, "GeoLite2");
        /* MaxMind's writer aliases 2002::/16 (6to4) to IPv4: 192.0.2.1's */
        struct ww_geoinfo gi;
        CHECK_INT(look(g, "2002:c000:201::1", &gi), WW_GEO_COUNTRY | WW_GEO_ASN);
        CHECK_STR(gi.country, "DE");
        CHECK_INT(gi.asn, 64496);
        ww_geo_close(g);
    }
    g = open2("dbip-country-lite.mmdb", "dbip-asn-lite.mmdb");
    if (g) {
        check_data(g, "DB-IP Lite");
        ww_geo_close(g);
    }
    /* one database without the other: only that part */
    g = open2(NULL, "dbip-asn-lite.mmdb");
    if (g) {
        struct ww_geoinfo gi;
        CHECK_INT(ww_geo_has(g), WW_GEO_ASN);
        CHECK_INT(look(g, "192.0.2.1", &gi), WW_GEO_ASN);
        CHECK_STR(gi.country, "");
        CHECK_INT(gi.asn, 64496);
        ww_geo_close(g);
    }
    g = open2("GeoLite2-Country.mmdb", NULL);
    if (g) {
        struct ww_geoinfo gi;
        CHECK_INT(ww_geo_has(g), WW_GEO_COUNTRY);
        CHECK_INT(look(g, "2001:db8::1", &gi), WW_GEO_COUNTRY);
        CHECK_STR(gi.country, "NL");
        CHECK_INT(gi.asn, 0);
        CHECK_STR(gi.as_org, "");
        ww_geo_close(g);
    }
}

/* Names as the database has them, or as a hand-edited file might: control
 * characters and bytes that are not UTF-8 come out as '?', never as such. */
static void test_bad_text(void)
{
    const char *src = mmdb_path("GeoLite2-ASN.mmdb");
    if (!src) return;
    char dst[1024];
    snprintf(dst, sizeof dst, "%s", mmdb_path("patched-ASN.mmdb"));
    FILE *f = fopen(src, "rb");
    static char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    char *at = NULL;
    for (size_t i = 0; !at && i + 11 <= n; i++)
        if (!memcmp(buf + i, "|bad:\xc3\xa9\xc3\xa9\xc3\xa9", 11)) at = buf + i;
    CHECK(at != NULL);
    if (!at) return;
    memcpy(at + 5, "\xc3" "A" "\xed\xa0\x80" "B", 6); /* a lead byte alone, a surrogate */
    f = fopen(dst, "wb");
    CHECK(f && fwrite(buf, 1, n, f) == n);
    if (f) fclose(f);
    struct ww_geo *g = NULL;
    char err[512];
    CHECK_INT(ww_geo_open(NULL, dst, &g, err, sizeof err), WW_OK);
    if (!g) return;
    struct ww_geoinfo gi;
    CHECK_INT(look(g, "198.51.100.70", &gi), WW_GEO_ASN);
    CHECK_INT(gi.asn, 64501);
    CHECK_STR(gi.as_org, "Ctrl?Chars?and?|bad:?A???B");
    ww_geo_close(g);
    g = open2(NULL, "GeoLite2-ASN.mmdb");
    if (!g) return;
    CHECK_INT(look(g, "198.51.100.127", &gi), WW_GEO_ASN);
    CHECK_STR(gi.as_org, "Ctrl?Chars?and?|bad:\xc3\xa9\xc3\xa9\xc3\xa9");
    ww_geo_close(g);
}

static void test_trees(void)
{
    if (!mmdb_path("v4-Country.mmdb")) return;
    struct ww_geoinfo gi;
    /* an IPv4-only tree: IPv4 found, IPv6 never */
    struct ww_geo *g = open2("v4-Country.mmdb", NULL);
    if (g) {
        CHECK_INT(look(g, "192.0.2.200", &gi), WW_GEO_COUNTRY);
        CHECK_STR(gi.country, "FR");
        CHECK_INT(look(g, "2001:db8::1", &gi), 0);
        CHECK_STR(gi.country, "");
        CHECK_INT(look(g, "10.0.0.1", &gi), 0);
        ww_geo_close(g);
    }
    /* IPv4 only under ::ffff:0:0/96, nothing in ::/96 */
    g = open2("mapped-Country.mmdb", NULL);
    if (g) {
        CHECK_INT(look(g, "192.0.2.1", &gi), WW_GEO_COUNTRY);
        CHECK_STR(gi.country, "DE");
        CHECK_INT(look(g, "203.0.113.9", &gi), WW_GEO_COUNTRY);
        CHECK_STR(gi.country, "AU");
        CHECK_INT(look(g, "10.0.0.1", &gi), 0);
        CHECK_INT(look(g, "2001:db8:8000::1", &gi), WW_GEO_COUNTRY);
        CHECK_STR(gi.country, "BR");
        ww_geo_close(g);
    }
}

static void test_errors(void)
{
    char err[512];
    struct ww_geo *g = (struct ww_geo *)&err; /* must come back NULL */
    /* nothing given: a handle that knows nothing */
    CHECK_INT(ww_geo_open(NULL, NULL, &g, err, sizeof err), WW_OK);
    CHECK(g != NULL);
    CHECK_INT(ww_geo_has(g), 0);
    struct ww_geoinfo gi;
    memset(&gi, 0x55, sizeof gi);
    CHECK_INT(look(g, "192.0.2.1", &gi), 0);
    CHECK_STR(gi.country, "");
    CHECK_INT(gi.asn, 0);
    ww_geo_close(g);
    CHECK_INT(ww_geo_has(NULL), 0);
    CHECK_INT(look(NULL, "192.0.2.1", &gi), 0);
    ww_geo_close(NULL);
    struct ww_addr none = {0};
    CHECK_INT(ww_geo_lookup(NULL, &none, &gi), 0);

    g = (struct ww_geo *)&err;
    CHECK_INT(ww_geo_open("/nonexistent/GeoLite2-Country.mmdb", NULL, &g, err, sizeof err), WW_ERR_IO);
    CHECK(g == NULL);
    CHECK_STR(err, "/nonexistent/GeoLite2-Country.mmdb: No such file or directory");
    CHECK_INT(ww_geo_open("tests/unit", NULL, &g, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "tests/unit: a directory, not a MaxMind DB file");
    CHECK_INT(ww_geo_open(NULL, "/dev/null", &g, err, sizeof err), WW_ERR_IO);
    CHECK_STR(err, "/dev/null: not a regular file (a MaxMind DB file is mapped)");
    CHECK(g == NULL);
    /* not a MaxMind DB: this very source file */
    CHECK_INT(ww_geo_open(NULL, "tests/unit/detect/geo.c", &g, err, sizeof err), WW_ERR_PARSE);
    CHECK(g == NULL);
    CHECK(!strncmp(err, "tests/unit/detect/geo.c: not a MaxMind DB file (", 48));

    if (!mmdb_path("GeoLite2-ASN.mmdb")) return;
    char path[1024], want[1200];
    snprintf(path, sizeof path, "%s", mmdb_path("empty.mmdb"));
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    CHECK_INT(ww_geo_open(path, NULL, &g, err, sizeof err), WW_ERR_PARSE);
    snprintf(want, sizeof want, "%s: empty, not a MaxMind DB file", path);
    CHECK_STR(err, want);
    /* an ASN file as the country database, a country file as the ASN one */
    snprintf(path, sizeof path, "%s", mmdb_path("GeoLite2-ASN.mmdb"));
    g = (struct ww_geo *)&err;
    CHECK_INT(ww_geo_open(path, NULL, &g, err, sizeof err), WW_ERR_PARSE);
    CHECK(g == NULL);
    snprintf(want, sizeof want, "%s: a \"GeoLite2-ASN\" database, not a country database "
             "(its type names Country or City)", path);
    CHECK_STR(err, want);
    snprintf(path, sizeof path, "%s", mmdb_path("dbip-country-lite.mmdb"));
    CHECK_INT(ww_geo_open(mmdb_path("GeoLite2-Country.mmdb"), path, &g, err, sizeof err), WW_ERR_PARSE);
    CHECK(g == NULL);
    snprintf(want, sizeof want, "%s: a \"DBIP-Country-Lite\" database, not an ASN database "
             "(its type names ASN)", path);
    CHECK_STR(err, want);
    /* the same file for both is the same mistake */
    CHECK_INT(ww_geo_open(mmdb_path("dbip-asn-lite.mmdb"), mmdb_path("dbip-asn-lite.mmdb"), &g, err,
                          sizeof err), WW_ERR_PARSE);
    CHECK(strstr(err, "DBIP-ASN-Lite (compat=GeoLite2-ASN)\" database, not a country database"));
}

/* Threads share one handle: every thread's answers are the single thread's. */
#define NTHREADS 4
#define NADDR 4096
static struct ww_addr addrs[NADDR];
static struct ww_geoinfo want_gi[NADDR];
static int want_found[NADDR];

static void *worker(void *arg)
{
    const struct ww_geo *g = arg;
    intptr_t bad = 0;
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < NADDR; i++) {
            struct ww_geoinfo gi;
            int f = ww_geo_lookup(g, &addrs[i], &gi);
            bad += f != want_found[i] || memcmp(&gi, &want_gi[i], sizeof gi) != 0;
        }
    return (void *)bad;
}

static void random_addrs(void)
{
    test_rand_state = 17;
    for (int i = 0; i < NADDR; i++) {
        uint8_t b[16];
        uint64_t r = test_rand();
        if (i % 8 == 7) { /* a few IPv6, half of them in 2001:db8::/32 */
            memcpy(b, (uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
            memcpy(b + 4, &r, 8);
            memset(b + 12, 0, 4);
            if (i % 16 == 15) b[0] = 0x3f;
            ww_addr_from_v6(&addrs[i], b);
        } else {
            memcpy(b, &r, 4);
            ww_addr_from_v4(&addrs[i], b);
        }
    }
}

static void test_threads(void)
{
    if (!mmdb_path("GeoLite2-Country.mmdb")) return;
    struct ww_geo *g = open2("GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb");
    if (!g) return;
    random_addrs();
    int hits = 0;
    for (int i = 0; i < NADDR; i++) hits += (want_found[i] = ww_geo_lookup(g, &addrs[i], &want_gi[i])) != 0;
    CHECK(hits > NADDR / 2); /* most of the IPv4 space is covered */
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) CHECK_INT(pthread_create(&t[i], NULL, worker, g), 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        CHECK_INT((intptr_t)bad, 0);
    }

    /* what a lookup costs here (both databases; no assertion on time) */
    struct timespec a, b;
    uint64_t sum = 0;
    int rounds = 50;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < NADDR; i++) {
            struct ww_geoinfo gi;
            sum += (uint64_t)ww_geo_lookup(g, &addrs[i], &gi) + gi.asn;
        }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (rounds * NADDR);
    printf("geo lookup (country + ASN, test databases): %.0f ns (checksum %llu)\n", ns,
           (unsigned long long)sum);
    ww_geo_close(g);
}

TEST_MAIN(test_errors(); test_layouts(); test_bad_text(); test_trees(); test_threads(); mmdb_cleanup())

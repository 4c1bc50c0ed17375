/* mix.c -- a surge's sources by OS, country and AS (detect/mix.h) over
 * databases built at test time by tests/tools/mkmmdb.pl (tests/unit/mmdb.h):
 * counts, distinct counts, the largest AS's share, the order of rows (count
 * descending, then AS number or name), the cut at WW_MIX_TOP rows, an AS
 * without organisation, sources in no network, nothing available; the same
 * bytes whatever the order of the sample; a worm's spread over ASes against
 * a campaign's. OS rows over p0f's real database (Debian's p0f package;
 * SKIP naming it when absent), GUESS and FUZZY matches under their label. */
#include "test.h"
#include "mmdb.h"
#include "core/addr.h"
#include "core/synfp.h"
#include "detect/mix.h"

static struct ww_addr A(const char *s)
{
    struct ww_addr a = {0};
    if (ww_addr_parse(s, strlen(s), &a)) { fprintf(stderr, "bad test address %s\n", s); exit(1); }
    return a;
}

/* n sources: PREFIX1, PREFIX2, ... ("192.0.2." + "1".."n", or an IPv6 prefix) */
static size_t add(struct ww_surge_src *s, size_t at, const char *prefix, int first, int n, uint16_t os)
{
    for (int i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s%d", prefix, first + i);
        s[at + (size_t)i] = (struct ww_surge_src){A(buf), os};
    }
    return at + (size_t)n;
}

static struct ww_geo *open2(const char *country, const char *asn)
{
    char err[512] = "";
    struct ww_geo *g = NULL;
    CHECK_INT(ww_geo_open(country ? mmdb_path(country) : NULL, asn ? mmdb_path(asn) : NULL, &g, err,
                          sizeof err), WW_OK);
    CHECK_STR(err, "");
    return g;
}

#define ROW(r, name_, asn_, n_) do { CHECK_STR((r).name, name_); CHECK_INT((r).asn, asn_); \
    CHECK_INT((r).n, n_); } while (0)

static struct ww_surge_src S[WW_SURGE_SAMPLE];

static size_t sample(void)
{
    size_t n = 0;
    n = add(S, n, "192.0.2.", 1, 10, 0x0001);        /* DE AS64496 */
    n = add(S, n, "192.0.2.", 130, 5, 0x3002);       /* FR AS64497 */
    n = add(S, n, "192.0.2.", 225, 1, 0);            /* FR AS64497 without organisation */
    n = add(S, n, "192.0.2.", 241, 1, 0);            /* FR AS64497 "Another Name" */
    n = add(S, n, "198.51.100.", 1, 5, 0);           /* JP AS64498 */
    n = add(S, n, "198.51.100.", 200, 3, 0);         /* JP AS64500, no organisation */
    n = add(S, n, "2001:db8::", 1, 5, 0x1001);       /* NL AS65536 */
    n = add(S, n, "10.0.0.", 1, 2, 0);               /* in no network */
    n = add(S, n, "203.0.113.", 9, 1, 0);            /* registered AU, AS64499 */
    return n;                                        /* 33 */
}

static void test_geo_rows(void)
{
    if (!mmdb_path("GeoLite2-Country.mmdb")) return;
    struct ww_geo *g = open2("GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb");
    if (!g) return;
    size_t n = sample();
    struct ww_mix m;
    ww_mix_of(S, n, NULL, g, &m);
    CHECK_INT(m.has, WW_GEO_COUNTRY | WW_GEO_ASN);
    CHECK_INT(m.n, 33);
    CHECK_INT(m.os_known, 0); /* no p0f database: OS matches are not named */
    CHECK_INT(m.nos, 0);
    CHECK_INT(m.country_known, 31); /* two in no network */
    CHECK_INT(m.as_known, 31);
    CHECK_INT(m.countries, 5);
    CHECK_INT(m.ncountry, 5);
    ROW(m.country[0], "DE", 0, 10);
    ROW(m.country[1], "JP", 0, 8);
    ROW(m.country[2], "FR", 0, 7);
    ROW(m.country[3], "NL", 0, 5);
    ROW(m.country[4], "AU", 0, 1);
    ROW(m.country[5], "", 0, 0);
    CHECK_INT(m.ases, 6);
    CHECK_INT(m.nas, 6);
    ROW(m.as[0], "Example Net One", 64496, 10);
    ROW(m.as[1], "Another Name", 64497, 7); /* the smallest organisation given */
    ROW(m.as[2], "Example Net Three", 64498, 5); /* a tie: by number */
    ROW(m.as[3], "Example Six", 65536, 5);
    ROW(m.as[4], "", 64500, 3);
    CHECK_INT(m.as[5].asn, 64499);
    CHECK_INT(strlen(m.as[5].name), 94);
    CHECK(m.as_top_share > 10.0 / 31 - 1e-12 && m.as_top_share < 10.0 / 31 + 1e-12);

    /* the same bytes whatever the order */
    test_rand_state = 5;
    for (int round = 0; round < 20; round++) {
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(test_rand() % (i + 1));
            struct ww_surge_src t = S[i]; S[i] = S[j]; S[j] = t;
        }
        struct ww_mix m2;
        memset(&m2, 0xa5, sizeof m2);
        ww_mix_of(S, n, NULL, g, &m2);
        CHECK(memcmp(&m, &m2, sizeof m) == 0);
    }

    /* more groups than rows: the first WW_MIX_TOP kept, all counted */
    size_t k = 0;
    for (int o = 1; o <= 12; o++) { /* a source in each of 12 /8s, 3 in 1.0.0.0/10; 10/8 in none */
        char p[32];
        snprintf(p, sizeof p, "%d.1.2.", o);
        k = add(S, k, p, 1, o == 1 ? 3 : 1, 0);
    }
    ww_mix_of(S, k, NULL, g, &m);
    CHECK_INT(m.n, 14);
    CHECK_INT(m.ases, 11);
    CHECK_INT(m.nas, WW_MIX_TOP);
    ROW(m.as[0], "Sim AS 0", 64512, 3);
    ROW(m.as[1], "Sim AS 4", 64516, 1);
    ROW(m.as[7], "Sim AS 28", 64540, 1);
    CHECK_INT(m.countries, 11); /* the /8s 1..12 but 10: @CC[1..12], all different */
    CHECK_INT(m.ncountry, WW_MIX_TOP);
    ROW(m.country[0], "CN", 0, 3);
    ROW(m.country[1], "BR", 0, 1); /* then by name */
    ROW(m.country[2], "DE", 0, 1);

    /* a worm's sources sit in many ASes, a campaign's in few */
    test_rand_state = 9;
    for (size_t i = 0; i < WW_SURGE_SAMPLE; i++) {
        uint8_t b[4];
        uint64_t r = test_rand();
        memcpy(b, &r, 4);
        b[0] = (uint8_t)(1 + b[0] % 223);
        if (b[0] == 10 || b[0] == 127) b[0] = 11;
        ww_addr_from_v4(&S[i].a, b);
        S[i].os = 0;
    }
    ww_mix_of(S, WW_SURGE_SAMPLE, NULL, g, &m);
    struct ww_mix c;
    k = add(S, 0, "162.142.125.", 1, 200, 0);
    k = add(S, k, "192.0.2.", 1, 56, 0);
    ww_mix_of(S, k, NULL, g, &c);
    printf("spread over ASes: worm %u ASes, top share %.3f; campaign %u ASes, top share %.3f\n",
           m.ases, m.as_top_share, c.ases, c.as_top_share);
    CHECK(m.ases > 150);
    CHECK(m.as_top_share < 0.05);
    CHECK_INT(c.ases, 2);
    CHECK(c.as_top_share > 0.78 && c.as_top_share < 0.79); /* 200 / 256 */
    ROW(c.as[0], "CENSYS-ARIN-01", 398324, 200);
    ROW(c.country[0], "US", 0, 200);
    ww_geo_close(g);

    /* one database: only its part */
    g = open2("dbip-country-lite.mmdb", NULL);
    if (g) {
        n = sample();
        ww_mix_of(S, n, NULL, g, &m);
        CHECK_INT(m.has, WW_GEO_COUNTRY);
        CHECK_INT(m.countries, 5);
        CHECK_INT(m.country_known, 31);
        ROW(m.country[0], "DE", 0, 10);
        CHECK_INT(m.ases, 0);
        CHECK_INT(m.as_known, 0);
        CHECK_INT(m.nas, 0);
        CHECK(m.as_top_share == 0);
        ww_geo_close(g);
    }
}

/* The label number whose name holds each of the words, 0 if none. */
static uint16_t label(const struct ww_osdb *db, const char *w1, const char *w2)
{
    for (uint16_t l = 1; l < 4096; l++) {
        const char *name = ww_osdb_name(db, l);
        if (!name) break;
        if (strstr(name, w1) && (!w2 || strstr(name, w2))) return l;
    }
    fprintf(stderr, "no label with \"%s\" in p0f's database\n", w1);
    test_failures++;
    return 0;
}

/* OS rows over p0f's real database: each source's match named by its
 * label, GUESS and GENERIC matches under the same label as EXACT ones. */
static void test_os_rows(void)
{
    if (access(WW_OSDB_DEFAULT, R_OK) != 0) {
        test_skipped = "p0f's database " WW_OSDB_DEFAULT " is not installed (Debian: p0f)";
        return;
    }
    char err[512] = "";
    struct ww_osdb *db = NULL;
    CHECK_INT(ww_osdb_load(NULL, &db, err, sizeof err), WW_OK);
    CHECK_STR(err, "");
    if (!db) return;
    uint16_t xp = label(db, "Windows", "XP"), linux = label(db, "Linux", "3.11"),
             nmap = label(db, "SYN scan", NULL), last = 1;
    while (ww_osdb_name(db, last + 1)) last++;
    size_t n = 0;
    n = add(S, n, "192.0.2.", 1, 20, (uint16_t)(WW_OS_EXACT << 12 | xp));
    n = add(S, n, "192.0.2.", 30, 5, (uint16_t)(WW_OS_GUESS << 12 | xp));
    n = add(S, n, "198.51.100.", 1, 6, (uint16_t)(WW_OS_EXACT << 12 | linux));
    n = add(S, n, "198.51.100.", 10, 4, (uint16_t)(WW_OS_FUZZY << 12 | linux));
    n = add(S, n, "2001:db8::", 1, 10, (uint16_t)(WW_OS_EXACT << 12 | nmap));
    n = add(S, n, "10.0.0.", 1, 3, 0);                          /* no match */
    n = add(S, n, "10.0.1.", 1, 2, (uint16_t)(last + 1));       /* no such label */
    struct ww_mix m;
    ww_mix_of(S, n, db, NULL, &m);
    CHECK_INT(m.has, WW_MIX_OS);
    CHECK_INT(m.n, 50);
    CHECK_INT(m.os_known, 45);
    CHECK_INT(m.nos, 3);
    CHECK_STR(m.os[0].name, ww_osdb_name(db, xp));
    CHECK_INT(m.os[0].n, 25);
    CHECK_INT(m.os[0].asn, 0);
    /* a tie of 10: by name, "Linux ..." before "nmap ..." or "NMap ..." */
    CHECK_STR(m.os[1].name, ww_osdb_name(db, linux));
    CHECK_INT(m.os[1].n, 10);
    CHECK_STR(m.os[2].name, ww_osdb_name(db, nmap));
    CHECK_INT(m.os[2].n, 10);
    CHECK_INT(m.country_known + m.as_known + m.ncountry + m.nas, 0);
    printf("OS rows: %u %s, %u %s, %u %s of %u with an OS\n", m.os[0].n, m.os[0].name, m.os[1].n,
           m.os[1].name, m.os[2].n, m.os[2].name, m.os_known);

    /* from fingerprints as the parsers read them: an exact match and a
     * guess (a log without options) of the same label are one row */
    static const char *const text[] = {
        "4:50:0:1460:1024,0:mss::0",                        /* nmap SYN scan, exact */
        "4:50:0:*:1024,*:*:?seq:*",                         /* nmap SYN scan, a guess */
        "4:64:0:1460:64240,10:mss,sok,ts,nop,ws:df,id+:0",  /* Linux, generic */
    };
    struct ww_surge_src f[3];
    for (int i = 0; i < 3; i++) {
        struct ww_synfp fp;
        CHECK_INT(ww_synfp_parse(text[i], strlen(text[i]), &fp), WW_OK);
        f[i] = (struct ww_surge_src){A(i ? "192.0.2.9" : "192.0.2.8"), ww_osdb_match(db, &fp)};
    }
    CHECK_INT(WW_OS_KIND(f[0].os), WW_OS_EXACT);
    CHECK_INT(WW_OS_KIND(f[1].os), WW_OS_GUESS);
    ww_mix_of(f, 3, db, NULL, &m);
    CHECK_INT(m.os_known, 3);
    CHECK_INT(m.nos, 2);
    CHECK_STR(m.os[0].name, ww_osdb_name(db, nmap));
    CHECK_INT(m.os[0].n, 2);
    CHECK(strstr(m.os[1].name, "Linux") != NULL);
    CHECK_INT(m.os[1].n, 1);

    /* with the databases too: every part at once, in any order */
    const char *c = mmdb_path("GeoLite2-Country.mmdb"), *a = mmdb_path("GeoLite2-ASN.mmdb");
    struct ww_geo *g = NULL;
    if (c && ww_geo_open(c, a, &g, err, sizeof err) == WW_OK) {
        struct ww_mix m2;
        ww_mix_of(S, n, db, g, &m);
        CHECK_INT(m.has, WW_MIX_OS | WW_GEO_COUNTRY | WW_GEO_ASN);
        CHECK_INT(m.os_known, 45);
        CHECK_INT(m.country_known, 45); /* 10.0/16 in none */
        ROW(m.country[0], "DE", 0, 25);
        for (size_t i = 0; i < n / 2; i++) {
            struct ww_surge_src t = S[i]; S[i] = S[n - 1 - i]; S[n - 1 - i] = t;
        }
        ww_mix_of(S, n, db, g, &m2);
        CHECK(memcmp(&m, &m2, sizeof m) == 0);
        ww_geo_close(g);
    }
    ww_osdb_free(db);
}

static void test_nothing(void)
{
    struct ww_mix m;
    size_t n = sample();
    memset(&m, 0xa5, sizeof m);
    ww_mix_of(S, n, NULL, NULL, &m);
    CHECK_INT(m.has, 0);
    CHECK_INT(m.n, 33);
    CHECK_INT(m.os_known + m.nos + m.ncountry + m.nas + m.countries + m.ases, 0);
    CHECK_INT(m.country_known + m.as_known, 0);
    CHECK(m.as_top_share == 0);
    CHECK_STR(m.os[0].name, "");
    ww_mix_of(NULL, 0, NULL, NULL, &m);
    CHECK_INT(m.n, 0);
    CHECK_INT(m.has, 0);
}

TEST_MAIN(test_nothing(); test_geo_rows(); test_os_rows(); mmdb_cleanup())
